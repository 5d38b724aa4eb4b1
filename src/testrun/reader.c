/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testrun/reader.c - the streaming reader of an Odoo 17/18 test log: one
 * record at a time, the verdict's facts kept as they pass, bounded memory.
 * The texts it knows are Odoo's own (odoo/tests/result.py,
 * odoo/modules/loading.py, odoo/service/server.py); see testrun.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "testrun/testrun.h"
#include "tr_internal.h"

struct tr_reader {
	char *db;
	int seen_record, modules_loaded, result_seen;
	int res_failed, res_errors, res_run;
	int stats_run, n_failure, n_error, n_skipped, n_started;
	int error_line, critical_line, traceback;
	struct tr_report rep;
	struct tr_failure *cur; /* the failure the continuation lines belong to */
	struct tr_case *open;   /* the test started last, its time still running */
	int64_t open_ts;
	char *trace[TR_TRACE_LINES]; /* ring of the current failure's last lines */
	size_t n_trace;
	int in_frames;              /* the last traceback line was a frame ("  File ...", its code) */
	char *exc_line;             /* the exception's line after the frames: the failure's message */
	struct tr_failure spare;    /* a failure past TR_MAX_FAILURES: its case still gets its status */
	char line[TR_LINE_MAX + 1]; /* the line being read, normalized */
};

struct rec {
	int64_t ts; /* ms since 1970 as Odoo's local time reads */
	char level[16];
	const char *logger, *msg;
	size_t logger_len;
};

static char *cut(const char *s, size_t n)
{
	if (n > TR_LINE_MAX)
		n = TR_LINE_MAX;
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/* "2026-12-02 16:27:10,123 4711 LEVEL DB LOGGER: MSG" -> 1, else 0 (a continuation line). */
static int parse_record(const char *l, struct rec *r)
{
	if (strlen(l) < 24 || !digits(l, 4) || l[4] != '-' || !digits(l + 5, 2) || l[7] != '-' || !digits(l + 8, 2) ||
	    l[10] != ' ' || !digits(l + 11, 2) || l[13] != ':' || !digits(l + 14, 2) || l[16] != ':' ||
	    !digits(l + 17, 2) || l[19] != ',' || !digits(l + 20, 3) || l[23] != ' ')
		return 0;
	int y = atoi(l), mo = atoi(l + 5), d = atoi(l + 8), h = atoi(l + 11), mi = atoi(l + 14), s = atoi(l + 17);
	r->ts = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000 + atoi(l + 20);
	const char *p = l + 24;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != ' ')
		return 0;
	size_t n = strcspn(p, " ");
	if (n == 0 || n >= sizeof r->level || p[n] != ' ')
		return 0;
	memcpy(r->level, p, n);
	r->level[n] = 0;
	p += n + 1;
	p += strcspn(p, " "); /* the database, "?" when none */
	if (*p++ != ' ')
		return 0;
	const char *colon = strstr(p, ": ");
	if (!colon || memchr(p, ' ', (size_t)(colon - p)))
		return 0;
	r->logger = p;
	r->logger_len = (size_t)(colon - p);
	r->msg = colon + 2;
	return 1;
}

/* The MOD of odoo.addons.MOD.tests...; NULL otherwise. */
static char *logger_module(const struct rec *r)
{
	static const char pfx[] = "odoo.addons.";
	if (r->logger_len <= sizeof pfx - 1 || strncmp(r->logger, pfx, sizeof pfx - 1) != 0)
		return NULL;
	const char *m = r->logger + sizeof pfx - 1;
	size_t n = strcspn(m, ".");
	if (m + n > r->logger + r->logger_len)
		n = (size_t)(r->logger + r->logger_len - m);
	return cut(m, n);
}

/*
 * The MOD of a class or module fixture's description, Odoo's _ErrorHolder
 * (odoo/tests/suite.py, logged by odoo.tests.suite): "setUpClass
 * (odoo.addons.MOD.tests.test_x.TestX)"; NULL otherwise.
 */
static char *holder_module(const char *desc)
{
	const char *m = strstr(desc, "(odoo.addons.");
	if (!m)
		return NULL;
	m += 13;
	size_t n = strcspn(m, ".)");
	return n ? cut(m, n) : NULL;
}

static int logger_is(const struct rec *r, const char *name)
{
	return r->logger_len == strlen(name) && strncmp(r->logger, name, r->logger_len) == 0;
}

static void trace_flush(struct tr_reader *t)
{
	if (!t->cur) {
		t->n_trace = 0;
		return;
	}
	size_t k = t->n_trace < TR_TRACE_LINES ? t->n_trace : TR_TRACE_LINES;
	size_t len = 1, first = t->n_trace - k;
	for (size_t i = first; i < t->n_trace; i++)
		len += strlen(t->trace[i % TR_TRACE_LINES]) + 1;
	char *s = xmalloc(len), *p = s;
	const char *last = NULL;
	for (size_t i = first; i < t->n_trace; i++) {
		const char *x = t->trace[i % TR_TRACE_LINES];
		size_t n = strlen(x);
		memcpy(p, x, n);
		p += n;
		*p++ = '\n';
		if (x[strspn(x, " \t")])
			last = x;
	}
	if (p > s)
		p--;
	*p = 0;
	free(t->cur->traceback);
	t->cur->traceback = s;
	if (t->exc_line || last) {
		free(t->cur->message);
		t->cur->message = xstrdup(t->exc_line ? t->exc_line : last);
	}
	free(t->exc_line);
	t->exc_line = NULL;
	t->in_frames = 0;
	for (size_t i = first; i < t->n_trace; i++) {
		free(t->trace[i % TR_TRACE_LINES]);
		t->trace[i % TR_TRACE_LINES] = NULL;
	}
	tr_case_set_failure(&t->rep, t->cur);
	if (t->cur == &t->spare) {
		free(t->spare.test), free(t->spare.module), free(t->spare.message), free(t->spare.traceback);
		memset(&t->spare, 0, sizeof t->spare);
	}
	t->cur = NULL;
	t->n_trace = 0;
}

static void trace_add(struct tr_reader *t, const char *line)
{
	if (strcmp(line, "Traceback (most recent call last):") == 0)
		t->traceback = 1;
	if (!t->cur)
		return;
	if (line[0] == ' ') {
		t->in_frames = 1;
	} else if (line[0] && t->in_frames) {
		free(t->exc_line);
		t->exc_line = xstrdup(line);
		t->in_frames = 0;
	}
	size_t i = t->n_trace % TR_TRACE_LINES;
	free(t->trace[i]);
	t->trace[i] = cut(line, strlen(line));
	t->n_trace++;
}

static void close_open(struct tr_reader *t, int64_t ts)
{
	if (t->open && ts >= t->open_ts)
		t->open->time_ms = ts - t->open_ts;
	t->open = NULL;
}

static void on_fail(struct tr_reader *t, const struct rec *r, const char *kind, const char *desc)
{
	if (strcmp(kind, "failure") == 0)
		t->n_failure++;
	else
		t->n_error++;
	struct tr_failure *f = t->rep.n_failures < TR_MAX_FAILURES ? &t->rep.failures[t->rep.n_failures++] : &t->spare;
	memset(f, 0, sizeof *f);
	f->test = cut(desc, strlen(desc));
	f->module = logger_module(r);
	if (!f->module)
		f->module = holder_module(desc);
	f->kind = (char *)kind;
	f->message = xstrdup(f->test);
	t->cur = f;
}

static int logger_has_prefix(const struct rec *r, const char *pfx)
{
	size_t n = strlen(pfx);
	return r->logger_len > n && strncmp(r->logger, pfx, n) == 0;
}

static void on_start(struct tr_reader *t, const struct rec *r)
{
	const char *m = r->msg + 9;
	size_t len = strlen(m);
	if (len > 4 && strcmp(m + len - 4, " ...") == 0)
		len -= 4;
	char *desc = cut(m, len), *mod = logger_module(r);
	t->n_started++;
	t->open = tr_case_add(&t->rep, desc, mod);
	t->open_ts = r->ts;
	free(desc);
	free(mod);
}

static void on_skip(struct tr_reader *t, const struct rec *r)
{
	char *mod = logger_module(r);
	if (!mod)
		mod = holder_module(r->msg + 8);
	t->n_skipped++;
	tr_case_skip(&t->rep, r->msg + 8, mod);
}

/*
 * Odoo's messages that matter, by their exact texts and levels
 * (odoo/tests/result.py, odoo/tests/suite.py, odoo/modules/loading.py,
 * odoo/service/server.py of 17.0 and 18.0).
 */
static void on_message(struct tr_reader *t, const struct rec *r)
{
	const char *m = r->msg;
	int test_logger = logger_has_prefix(r, "odoo.addons.") || logger_is(r, "odoo.tests.suite");
	int is_error = strcmp(r->level, "ERROR") == 0, f, e, n;
	if (test_logger && strncmp(m, "Starting ", 9) == 0 && logger_has_prefix(r, "odoo.addons.")) {
		on_start(t, r);
	} else if (test_logger && is_error && strncmp(m, "FAIL: ", 6) == 0) {
		on_fail(t, r, "failure", m + 6);
	} else if (test_logger && is_error && strncmp(m, "ERROR: ", 7) == 0) {
		on_fail(t, r, "error", m + 7);
	} else if (test_logger && strncmp(m, "skipped ", 8) == 0) {
		on_skip(t, r);
	} else if (logger_is(r, "odoo.tests.stats") && sscanf(m, "%*[^:]: %d tests", &n) == 1) {
		t->stats_run += n;
	} else if (logger_is(r, "odoo.tests.result") &&
		   sscanf(m, "%d failed, %d error%*[(s)] of %d tests", &f, &e, &n) == 3) {
		t->result_seen = 1;
		t->res_failed = f, t->res_errors = e, t->res_run = n;
	} else if (strcmp(m, "Modules loaded.") == 0 && logger_is(r, "odoo.modules.loading")) {
		t->modules_loaded = 1;
	}
}

/* A record that ends the test started last: the next test's, a failure's, the framework's own. */
static int ends_test(const struct rec *r)
{
	return strncmp(r->msg, "Starting ", 9) == 0 || strncmp(r->msg, "FAIL: ", 6) == 0 ||
	       strncmp(r->msg, "ERROR: ", 7) == 0 || logger_has_prefix(r, "odoo.tests.") ||
	       logger_has_prefix(r, "odoo.modules.") || logger_has_prefix(r, "odoo.service.");
}

/*
 * LINE without its ANSI colour sequences (Odoo colours the level on a
 * terminal or with ODOO_PY_COLORS), its trailing white space (Odoo's format
 * ends with " %(perf_info)s", empty outside a request, so every record ends
 * with a space; a CRLF log ends with '\r'), cut to TR_LINE_MAX bytes.
 */
static const char *normalize(struct tr_reader *t, const char *line)
{
	size_t n = 0;
	for (const char *p = line; *p && n < TR_LINE_MAX; p++) {
		if (p[0] == '\033' && p[1] == '[') {
			p += 2;
			while (*p && (isdigit((unsigned char)*p) || *p == ';'))
				p++;
			if (!*p)
				break;
			continue; /* the sequence's final byte */
		}
		t->line[n++] = *p;
	}
	while (n > 0 && (t->line[n - 1] == ' ' || t->line[n - 1] == '\t' || t->line[n - 1] == '\r'))
		n--;
	t->line[n] = 0;
	return t->line;
}

void tr_reader_line(struct tr_reader *t, const char *raw)
{
	struct rec r;
	const char *line = normalize(t, raw ? raw : "");
	if (!parse_record(line, &r)) {
		if (!t->seen_record && line[0] == '#')
			return;
		trace_add(t, line);
		return;
	}
	t->seen_record = 1;
	trace_flush(t);
	if (ends_test(&r))
		close_open(t, r.ts);
	if (strcmp(r.level, "WARNING") == 0) {
		if (t->rep.n_warnings < TR_MAX_WARNINGS)
			t->rep.warnings[t->rep.n_warnings++] =
				xasprintf("%.*s: %s", (int)r.logger_len, r.logger, r.msg);
		t->rep.n_warnings_total++;
	} else if (strcmp(r.level, "ERROR") == 0) {
		t->error_line = 1;
	} else if (strcmp(r.level, "CRITICAL") == 0) {
		t->critical_line = 1;
	}
	on_message(t, &r);
	if (strcmp(r.msg, "Traceback (most recent call last):") == 0)
		t->traceback = 1;
}

struct tr_reader *tr_reader_new(const char *db)
{
	struct tr_reader *t = xzalloc(sizeof *t);
	t->db = db ? xstrdup(db) : NULL;
	t->rep.failures = xzalloc(TR_MAX_FAILURES * sizeof *t->rep.failures);
	t->rep.warnings = xzalloc(TR_MAX_WARNINGS * sizeof *t->rep.warnings);
	t->rep.rules = xzalloc(10 * sizeof *t->rep.rules);
	return t;
}

static void rule(struct tr_report *rep, size_t *n, int cond, const char *name)
{
	if (cond)
		rep->rules[(*n)++] = name;
}

void tr_reader_finish(struct tr_reader *t, int exit_code, int64_t duration_ms, struct tr_report *out)
{
	trace_flush(t);
	t->open = NULL;
	struct tr_report *rep = &t->rep;
	rep->exit_code = exit_code;
	rep->duration_ms = duration_ms;
	rep->run = t->result_seen ? t->res_run : t->stats_run > t->n_started ? t->stats_run : t->n_started;
	rep->failed = t->result_seen ? t->res_failed : t->n_failure;
	rep->errors = t->result_seen ? t->res_errors : t->n_error;
	rep->skipped = t->n_skipped;
	size_t n = 0;
	rule(rep, &n, exit_code != 0, "exit-code");
	rule(rep, &n, rep->failed > 0 || rep->errors > 0, "result-failures");
	rule(rep, &n, t->error_line, "error-line");
	rule(rep, &n, t->critical_line, "critical-line");
	rule(rep, &n, t->traceback, "traceback");
	rule(rep, &n, !t->modules_loaded, "no-modules-loaded");
	int failed = n > 0;
	rule(rep, &n, rep->run == 0, "no-tests");
	rule(rep, &n, rep->n_warnings_total > 0, "warnings");
	rep->rules[n] = NULL;
	rep->verdict = failed ? TR_FAILED : rep->run == 0 ? TR_NO_TESTS : TR_PASSED;
	*out = *rep;
	memset(rep, 0, sizeof *rep);
}

void tr_reader_free(struct tr_reader *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < TR_TRACE_LINES; i++)
		free(t->trace[i]);
	free(t->spare.test), free(t->spare.module), free(t->spare.message), free(t->spare.traceback);
	free(t->exc_line);
	tr_report_release(&t->rep);
	free(t->db);
	free(t);
}
