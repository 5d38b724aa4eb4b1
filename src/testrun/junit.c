/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testrun/junit.c - a report as JUnit XML, as CI servers read it: one
 * testsuite per module, one testcase per test, failure/error/skipped
 * elements, the log in system-out.  Text is escaped for XML 1.0: & < > " '
 * as entities, the control characters XML 1.0 forbids and bytes that are not
 * UTF-8 replaced with '?'.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fs.h"
#include "testrun/testrun.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	put(b, tmp, n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* The length of the valid UTF-8 sequence at S (1-4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
		       (s[0] == 0xEF && s[1] == 0xBF && s[2] >= 0xBE)))
		return 0; /* overlong, surrogate, U+FFFE/U+FFFF */
	if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
		return 0;
	return n;
}

static void esc(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	while (*s) {
		unsigned char c = *s;
		if (c == '&')
			put(b, "&amp;", 5);
		else if (c == '<')
			put(b, "&lt;", 4);
		else if (c == '>')
			put(b, "&gt;", 4);
		else if (c == '"')
			put(b, "&quot;", 6);
		else if (c == '\'')
			put(b, "&apos;", 6);
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			put(b, "?", 1);
		else if (c >= 0x80) {
			size_t n = utf8_len(s);
			put(b, n ? (const char *)s : "?", n ? n : 1);
			s += n ? n : 1;
			continue;
		} else
			put(b, (const char *)s, 1);
		s++;
	}
}

static int same_module(const struct tr_case *c, const char *mod)
{
	return (!c->module && !mod) || (c->module && mod && strcmp(c->module, mod) == 0);
}

static void suite(struct buf *b, const struct tr_report *rep, const char *mod)
{
	int tests = 0, fail = 0, err = 0, skip = 0;
	int64_t ms = 0;
	for (size_t i = 0; i < rep->n_cases; i++) {
		const struct tr_case *c = &rep->cases[i];
		if (!same_module(c, mod))
			continue;
		tests++, ms += c->time_ms;
		fail += strcmp(c->status, "failure") == 0;
		err += strcmp(c->status, "error") == 0;
		skip += strcmp(c->status, "skipped") == 0;
	}
	put(b, "  <testsuite name=\"", 19);
	esc(b, mod ? mod : "odoo");
	putf(b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", tests, fail, err, skip,
	     (double)ms / 1000);
	for (size_t i = 0; i < rep->n_cases; i++) {
		const struct tr_case *c = &rep->cases[i];
		if (!same_module(c, mod))
			continue;
		put(b, "    <testcase classname=\"", 25);
		esc(b, c->classname);
		put(b, "\" name=\"", 8);
		esc(b, c->name);
		putf(b, "\" time=\"%.3f\"", (double)c->time_ms / 1000);
		if (strcmp(c->status, "passed") == 0) {
			put(b, "/>\n", 3);
			continue;
		}
		const char *el = strcmp(c->status, "skipped") == 0 ? "skipped" : c->status;
		putf(b, ">\n      <%s message=\"", el);
		esc(b, c->message);
		if (c->text && *c->text) {
			put(b, "\">", 2);
			esc(b, c->text);
			putf(b, "</%s>\n    </testcase>\n", el);
		} else
			put(b, "\"/>\n    </testcase>\n", 20);
	}
	put(b, "  </testsuite>\n", 15);
}

int tr_junit_write(int fd, const struct tr_report *rep, const char *log, struct iso_error **err)
{
	struct buf b = {0};
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
	putf(&b,
	     "<testsuites name=\"isopod test\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
	     "time=\"%.3f\">\n",
	     rep->run, rep->failed, rep->errors, rep->skipped, (double)rep->duration_ms / 1000);
	for (size_t i = 0; i < rep->n_cases; i++) {
		size_t k = 0;
		while (k < i && !same_module(&rep->cases[k], rep->cases[i].module))
			k++;
		if (k == i)
			suite(&b, rep, rep->cases[i].module);
	}
	if (rep->n_cases == 0)
		suite(&b, rep, NULL);
	put(&b, "  <system-out>", 14);
	esc(&b, log);
	put(&b, "</system-out>\n</testsuites>\n", 28);
	int rc = iso_write_all(fd, b.s, b.len);
	int e = errno;
	free(b.s);
	if (rc < 0)
		return iso_error_set(err, ISO_E_HOST, e,
				     "cannot write the JUnit report: %s; check the file's disk and path", strerror(e));
	return 0;
}
