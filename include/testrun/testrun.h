/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testrun/testrun.h - the verdict of an Odoo test run, read from its log
 * while it streams, and the run's JUnit XML.
 *
 * Calling sequence
 *   struct tr_reader *r = tr_reader_new ("wo1");
 *   for each line of the log as it arrives:  tr_reader_line (r, line);  // no newline
 *   struct tr_report rep;
 *   tr_reader_finish (r, exit_code, duration_ms, &rep);
 *   tr_reader_free (r);
 *   iso_jgen_map_open (j); ...caller's members...; tr_report_json (j, &rep); iso_jgen_map_close (j);
 *   tr_junit_write (fd, &rep, log_text, err);
 *   tr_report_release (&rep);
 *
 * The lines are Odoo 17/18's `%(asctime)s %(pid)s %(levelname)s %(dbname)s
 * %(name)s: %(message)s`; a line without that prefix continues the record
 * before it (a traceback).  Lines starting with '#' before the first record
 * are skipped (the golden fixtures' source comments).  The log is never kept
 * nor re-read: memory is bounded by the caps below, whatever the log's size.
 *
 * Rules (the exact names in `rules`): "exit-code", "result-failures",
 * "error-line", "critical-line", "traceback", "no-modules-loaded" make the
 * verdict failed; else "no-tests" makes it no-tests; "warnings" only counts.
 */
#ifndef ISOPOD_TESTRUN_TESTRUN_H
#define ISOPOD_TESTRUN_TESTRUN_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/json.h"

#define TR_MAX_FAILURES 100 /* failures kept (counts go on) */
#define TR_MAX_WARNINGS 100 /* WARNING lines listed (n_warnings_total counts all) */
#define TR_MAX_CASES 10000  /* per-test entries kept for JUnit */
#define TR_TRACE_LINES 20   /* last traceback lines kept per failure */
#define TR_LINE_MAX 1024    /* bytes kept of one line or message */

enum tr_verdict { TR_PASSED, TR_FAILED, TR_NO_TESTS };

struct tr_failure {
	char *test;      /* "Class.method" (or Odoo's description, e.g. "setUpClass (...)") */
	char *module;    /* the addon, from odoo.addons.MOD.tests...; NULL when unknown */
	char *kind;      /* "failure" | "error" (static) */
	char *message;   /* the exception's line after the traceback's frames, else its last line, else the test */
	char *traceback; /* its last TR_TRACE_LINES lines, '\n'-joined */
};

struct tr_case {
	char *classname; /* "MOD.Class" or "Class" */
	char *name;      /* method */
	char *module;
	int64_t time_ms;
	const char *status; /* "passed" | "failure" | "error" | "skipped" (static) */
	char *message;      /* NULL when passed */
	char *text;         /* traceback or skip reason; NULL when passed */
};

struct tr_report {
	enum tr_verdict verdict;
	int run, failed, errors, skipped;
	struct tr_failure *failures;
	size_t n_failures;
	char **warnings; /* "logger: message", at most TR_MAX_WARNINGS */
	size_t n_warnings;
	size_t n_warnings_total;
	const char **rules; /* static names, NULL-terminated */
	int exit_code;
	int64_t duration_ms;
	struct tr_case *cases;
	size_t n_cases;
};

struct tr_reader;

struct tr_reader *tr_reader_new(const char *db);
void tr_reader_line(struct tr_reader *r, const char *line);
void tr_reader_finish(struct tr_reader *r, int exit_code, int64_t duration_ms, struct tr_report *out);
void tr_reader_free(struct tr_reader *r);
void tr_report_release(struct tr_report *rep);
const char *tr_verdict_name(enum tr_verdict v);

/* The members of docs/schema/test.json that the report holds, into an OPEN map. */
void tr_report_json(iso_jgen *j, const struct tr_report *rep);

/* JUnit XML of REP to FD, with LOG (may be NULL) as system-out.  0, or -1 with *err. */
int tr_junit_write(int fd, const struct tr_report *rep, const char *log, struct iso_error **err);

#endif
