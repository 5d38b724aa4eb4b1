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

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
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

/* STR as XML text, or (ATTR) as an attribute value, its white space kept as character references. */
static void esc_as(struct buf *b, const char *str, int attr)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	while (*s) {
		unsigned char c = *s;
		if (c == '&')
			puts_(b, "&amp;");
		else if (c == '<')
			puts_(b, "&lt;");
		else if (c == '>')
			puts_(b, "&gt;");
		else if (c == '"')
			puts_(b, "&quot;");
		else if (c == '\'')
			puts_(b, "&apos;");
		else if (c == '\r' || (attr && (c == '\n' || c == '\t')))
			putf(b, "&#%d;", c);
		else if (c < 0x20 && c != '\t' && c != '\n')
			puts_(b, "?");
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

static void esc(struct buf *b, const char *str)
{
	esc_as(b, str, 0);
}

static void esc_attr(struct buf *b, const char *str)
{
	esc_as(b, str, 1);
}

static int same_module(const struct tr_case *c, const char *mod)
{
	return (!c->module && !mod) || (c->module && mod && strcmp(c->module, mod) == 0);
}

struct counts {
	int tests, fail, err, skip;
	int64_t ms;
};

static void count(struct counts *n, const struct tr_case *c)
{
	n->tests++, n->ms += c->time_ms;
	n->fail += strcmp(c->status, "failure") == 0;
	n->err += strcmp(c->status, "error") == 0;
	n->skip += strcmp(c->status, "skipped") == 0;
}

static void testcase(struct buf *b, const struct tr_case *c)
{
	puts_(b, "    <testcase classname=\"");
	esc_attr(b, c->classname);
	puts_(b, "\" name=\"");
	esc_attr(b, c->name);
	putf(b, "\" time=\"%.3f\"", (double)c->time_ms / 1000);
	if (strcmp(c->status, "passed") == 0) {
		puts_(b, "/>\n");
		return;
	}
	const char *el = c->status; /* failure, error, skipped: JUnit's element names */
	putf(b, ">\n      <%s message=\"", el);
	esc_attr(b, c->message);
	if (c->text && *c->text) {
		puts_(b, "\">");
		esc(b, c->text);
		putf(b, "</%s>\n    </testcase>\n", el);
	} else
		puts_(b, "\"/>\n    </testcase>\n");
}

/* The testsuite of MOD's cases (and EXTRA's when given), LOG as its system-out when not NULL. */
static void suite(struct buf *b, const struct tr_report *rep, const char *mod, const struct tr_case *extra,
		  const char *log)
{
	struct counts n = {0};
	for (size_t i = 0; i < rep->n_cases; i++)
		if (same_module(&rep->cases[i], mod))
			count(&n, &rep->cases[i]);
	if (extra)
		count(&n, extra);
	puts_(b, "  <testsuite name=\"");
	esc_attr(b, mod ? mod : "odoo");
	putf(b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", n.tests, n.fail, n.err,
	     n.skip, (double)n.ms / 1000);
	for (size_t i = 0; i < rep->n_cases; i++)
		if (same_module(&rep->cases[i], mod))
			testcase(b, &rep->cases[i]);
	if (extra)
		testcase(b, extra);
	if (log) {
		puts_(b, "    <system-out>");
		esc(b, log);
		puts_(b, "</system-out>\n");
	}
	puts_(b, "  </testsuite>\n");
}

/*
 * A failed verdict that no test's failure explains (Odoo crashed during
 * init, an ERROR line, no "Modules loaded."): one more case, so that a CI
 * server shows the run red, with the rules as its message.
 */
static int verdict_case(const struct tr_report *rep, struct tr_case *c, char *msg, size_t cap)
{
	if (rep->verdict != TR_FAILED)
		return 0;
	for (size_t i = 0; i < rep->n_cases; i++)
		if (strcmp(rep->cases[i].status, "failure") == 0 || strcmp(rep->cases[i].status, "error") == 0)
			return 0;
	size_t n = (size_t)snprintf(msg, cap, "the verdict is failed: rules");
	for (size_t i = 0; rep->rules && rep->rules[i] && n < cap; i++)
		n += (size_t)snprintf(msg + n, cap - n, "%s %s", i ? "," : "", rep->rules[i]);
	*c = (struct tr_case){.classname = "isopod", .name = "verdict", .status = "failure", .message = msg};
	return 1;
}

int tr_junit_write(int fd, const struct tr_report *rep, const char *log, struct iso_error **err)
{
	struct buf b = {0};
	struct tr_case vc;
	char vmsg[256];
	int has_vc = verdict_case(rep, &vc, vmsg, sizeof vmsg);
	struct counts n = {0};
	for (size_t i = 0; i < rep->n_cases; i++)
		count(&n, &rep->cases[i]);
	if (has_vc)
		count(&n, &vc);
	puts_(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	putf(&b,
	     "<testsuites name=\"isopod test\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
	     "time=\"%.3f\">\n",
	     n.tests, n.fail, n.err, n.skip, (double)rep->duration_ms / 1000);
	/* One suite per module, in the order of their first case; the verdict's case and the log in the last. */
	size_t last = 0;
	for (size_t i = 0; i < rep->n_cases; i++) {
		size_t k = 0;
		while (k < i && !same_module(&rep->cases[k], rep->cases[i].module))
			k++;
		if (k == i)
			last = i;
	}
	for (size_t i = 0; i < rep->n_cases; i++) {
		size_t k = 0;
		while (k < i && !same_module(&rep->cases[k], rep->cases[i].module))
			k++;
		if (k == i)
			suite(&b, rep, rep->cases[i].module, i == last && has_vc ? &vc : NULL,
			      i == last ? (log ? log : "") : NULL);
	}
	if (rep->n_cases == 0)
		suite(&b, rep, NULL, has_vc ? &vc : NULL, log ? log : "");
	puts_(&b, "</testsuites>\n");
	int rc = iso_write_all(fd, b.s, b.len);
	int e = errno;
	free(b.s);
	if (rc < 0)
		return iso_error_set(err, ISO_E_HOST, e,
				     "cannot write the JUnit report: %s; check the file's disk and path", strerror(e));
	return 0;
}
