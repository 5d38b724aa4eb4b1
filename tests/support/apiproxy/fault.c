/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault table: parsing fault lines, and counting each request against
 * them.  A fault names requests by what they are (method, path pattern) and
 * which of them (occurrence), never by their overall number, because the
 * number of polling requests before a given step varies with timing.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proxy.h"

static const struct {
	const char *name;
	enum ap_kind kind;
} kinds[] = {
	{"close-before", AP_CLOSE_BEFORE},
	{"close-after", AP_CLOSE_AFTER},
	{"500", AP_ERROR},
	{"error", AP_ERROR},
	{"garbage", AP_GARBAGE},
	{"garbage-http", AP_GARBAGE_HTTP},
	{"delay", AP_DELAY},
	{"freeze", AP_FREEZE},
	{"freeze-after", AP_FREEZE_AFTER},
};

const char *ap_kind_name(enum ap_kind k)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

static int parse_num(const char *s, long *v)
{
	char *end;
	errno = 0;
	*v = strtol(s, &end, 10);
	return (errno || end == s || *v < 0) ? -1 : (int)(end - s);
}

/* "N", "N+", "N-M" or "*" */
static int parse_occurrence(const char *s, struct ap_fault *f)
{
	long a, b;
	int n;
	if (strcmp(s, "*") == 0) {
		f->from = 1, f->to = 0;
		return 0;
	}
	if ((n = parse_num(s, &a)) < 0 || a < 1)
		return -1;
	if (s[n] == 0) {
		f->from = f->to = a;
		return 0;
	}
	if (strcmp(s + n, "+") == 0) {
		f->from = a, f->to = 0;
		return 0;
	}
	if (s[n] == '-' && parse_num(s + n + 1, &b) > 0 && b >= a && s[n + 1 + parse_num(s + n + 1, &b)] == 0) {
		f->from = a, f->to = b;
		return 0;
	}
	return -1;
}

static int parse_kind(const char *word, struct ap_fault *f)
{
	const char *eq = strchr(word, '=');
	size_t klen = eq ? (size_t)(eq - word) : strlen(word);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strlen(kinds[i].name) != klen || strncmp(kinds[i].name, word, klen) != 0)
			continue;
		f->kind = kinds[i].kind;
		if (f->kind == AP_DELAY) {
			if (!eq || parse_num(eq + 1, &f->arg) <= 0 || eq[1 + parse_num(eq + 1, &f->arg)] != 0)
				return -1;
		} else if (eq) {
			return -1;
		}
		return 0;
	}
	return -1;
}

int ap_fault_parse(const char *line, struct ap_fault *f, char *why, size_t why_size)
{
	char kind[64], method[32], pattern[AP_PATTERN_MAX], occ[32] = "1", extra[8];
	int n;
	memset(f, 0, sizeof *f);
	n = sscanf(line, "%63s %31s %399s %31s %7s", kind, method, pattern, occ, extra);
	if (n < 3 || n > 4) {
		snprintf(why, why_size, "fault '%s': want 'KIND[=ARG] METHOD PATTERN [OCCURRENCE]'", line);
		return -1;
	}
	if (parse_kind(kind, f) < 0) {
		snprintf(why, why_size,
			 "fault '%s': unknown kind '%s' (close-before, close-after, 500, garbage, garbage-http, "
			 "delay=MS, freeze, freeze-after)",
			 line, kind);
		return -1;
	}
	if (strlen(method) >= sizeof f->method) {
		snprintf(why, why_size, "fault '%s': method '%s' is too long", line, method);
		return -1;
	}
	for (char *p = method; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (pattern[0] != '/' && strcmp(pattern, "*") != 0) {
		snprintf(why, why_size, "fault '%s': the path pattern must start with '/' (or be '*')", line);
		return -1;
	}
	if (parse_occurrence(occ, f) < 0) {
		snprintf(why, why_size, "fault '%s': occurrence '%s' is not N, N+, N-M or *", line, occ);
		return -1;
	}
	snprintf(f->method, sizeof f->method, "%s", method);
	snprintf(f->pattern, sizeof f->pattern, "%s", pattern);
	snprintf(f->spec, sizeof f->spec, "%s %s %s %s", kind, method, pattern, occ);
	return 0;
}

static void lock(struct ap_shared *sh)
{
	while (__atomic_test_and_set(&sh->lock, __ATOMIC_ACQUIRE))
		;
}

static void unlock(struct ap_shared *sh)
{
	__atomic_clear(&sh->lock, __ATOMIC_RELEASE);
}

int ap_faults_set(struct ap_shared *sh, const char *text, char *why, size_t why_size)
{
	struct ap_fault tmp[AP_MAX_FAULTS];
	int n = 0;
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[AP_PATTERN_MAX + 128];
		if (len >= sizeof line) {
			snprintf(why, why_size, "a fault line is longer than %zu bytes", sizeof line - 1);
			return -1;
		}
		memcpy(line, p, len);
		line[len] = 0;
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = 0;
		p = nl ? nl + 1 : NULL;
		char *s = line + strspn(line, " \t");
		if (*s == 0 || *s == '#')
			continue;
		if (n == AP_MAX_FAULTS) {
			snprintf(why, why_size, "more than %d faults", AP_MAX_FAULTS);
			return -1;
		}
		if (ap_fault_parse(s, &tmp[n], why, why_size) < 0)
			return -1;
		n++;
	}
	lock(sh);
	memcpy(sh->faults, tmp, (size_t)n * sizeof tmp[0]);
	sh->nfaults = n;
	unlock(sh);
	return 0;
}

int ap_faults_match(struct ap_shared *sh, const char *method, const char *path, struct ap_fault *out, long *seq)
{
	int hit = 0;
	lock(sh);
	*seq = ++sh->seq;
	for (int i = 0; i < sh->nfaults; i++) {
		struct ap_fault *f = &sh->faults[i];
		if (strcmp(f->method, "*") != 0 && strcmp(f->method, method) != 0)
			continue;
		if (strcmp(f->pattern, "*") != 0 && fnmatch(f->pattern, path, FNM_PATHNAME) != 0)
			continue;
		f->seen++;
		if (!hit && f->seen >= f->from && (f->to == 0 || f->seen <= f->to)) {
			f->fired++;
			*out = *f;
			hit = 1;
		}
	}
	unlock(sh);
	return hit;
}

void ap_normalise_path(const char *target, char *out, size_t size)
{
	size_t qlen = strcspn(target, "?#");
	const char *p = target;
	if (p[0] == '/' && p[1] == 'v' && isdigit((unsigned char)p[2])) {
		const char *slash = strchr(p + 1, '/');
		if (slash && (size_t)(slash - target) < qlen)
			p = slash;
		else
			p = target + qlen; /* "/v4.0.0" alone */
	}
	size_t len = qlen - (size_t)(p - target);
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = 0;
	if (out[0] == 0 && size > 1)
		out[0] = '/', out[1] = 0;
}
