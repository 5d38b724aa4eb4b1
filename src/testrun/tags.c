/* SPDX-License-Identifier: Apache-2.0 */
/* Odoo's --test-tags syntax (testrun/tags.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "testrun/tags.h"

static int word_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Skip a run of word characters (and EXTRA ones) from *P; how many were skipped. */
static size_t skip_word(const char **p, const char *end, const char *extra)
{
	const char *s = *p;
	while (*p < end && (word_char((unsigned char)**p) || (extra && strchr(extra, **p))))
		(*p)++;
	return (size_t)(*p - s);
}

/* One filter, [B, E): NULL when valid, else what is wrong with it. */
static const char *check_filter(const char *b, const char *e)
{
	const char *p = b;
	if (p < e && (*p == '-' || *p == '+'))
		p++;
	size_t parts = 0;
	if (p < e && *p == '*')
		p++, parts++;
	else
		parts += skip_word(&p, e, NULL) > 0;
	if (p < e && *p == '/') {
		p++;
		if (!skip_word(&p, e, "/"))
			return "a '/' must be followed by a module name";
		/* A test file: /module/tests/test_x.py */
		if (e - p >= 3 && !strncmp(p, ".py", 3) && (e - p == 3 || !word_char((unsigned char)p[3])))
			p += 3;
		parts++;
	}
	if (p < e && *p == ':') {
		p++;
		if (!skip_word(&p, e, NULL))
			return "a ':' must be followed by a class name";
		parts++;
	}
	if (p < e && *p == '.') {
		p++;
		if (!skip_word(&p, e, NULL))
			return "a '.' must be followed by a method name";
		parts++;
	}
	if (p < e && *p == '[') {
		if (e[-1] != ']')
			return "parameters in '[' must end with ']'";
		p = e;
	}
	if (p != e)
		return *p == ' ' ? "a space inside a filter (filters are separated by commas)"
				 : "an unexpected character (a filter is [-][tag][/module][:class][.method])";
	if (!parts)
		return "it selects nothing (name a tag, /module, :class or .method)";
	return NULL;
}

int tr_tags_check(const char *spec, char *why, size_t why_size)
{
	if (!spec || !*spec) {
		snprintf(why, why_size, "the spec is empty");
		return -1;
	}
	for (const char *s = spec;;) {
		const char *comma = strchr(s, ',');
		const char *e = comma ? comma : s + strlen(s);
		const char *b = s;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		const char *bad = b == e ? "an empty filter" : check_filter(b, e);
		if (bad) {
			snprintf(why, why_size, "filter '%.*s': %s", (int)(e - b), b, bad);
			return -1;
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}
