/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdict of an Odoo test log (src/testrun/): golden excerpts in Odoo
 * 17/18's exact format (tests/data/odoo-logs/, each citing its sources) fed
 * line by line as `isopod test` feeds them; the rules, counts, failures and
 * warnings; the JSON members against docs/schema/test.json (its required
 * list here, the real validator when python3-jsonschema is there); edge
 * cases (huge lines, caps, CRLF, '#' lines, junk); the JUnit XML read back
 * with a real XML parser (Python's xml.etree, expat).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/json.h"
#include "iso_run.h"
#include "iso_test.h"
#include "testrun/testrun.h"

#define LOGS ISO_TEST_DATA "/odoo-logs/"
#define PYTHON "/usr/bin/python3"

static void feed_file(const char *name, int exit_code, struct tr_report *rep)
{
	char path[512];
	snprintf(path, sizeof path, LOGS "%s", name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct tr_reader *r = tr_reader_new("isopod_t1");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = 0;
		tr_reader_line(r, line);
	}
	free(line);
	fclose(f);
	tr_reader_finish(r, exit_code, 1234, rep);
	tr_reader_free(r);
}

static void feed_text(const char *text, int exit_code, struct tr_report *rep)
{
	struct tr_reader *r = tr_reader_new(NULL);
	char *copy = xstrdup(text), *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		tr_reader_line(r, l);
	free(copy);
	tr_reader_finish(r, exit_code, 5, rep);
	tr_reader_free(r);
}

/* The rules that fired, comma-joined, into BUF. */
static const char *rules(const struct tr_report *rep, char *buf, size_t cap)
{
	buf[0] = 0;
	for (size_t i = 0; rep->rules && rep->rules[i]; i++) {
		strncat(buf, i ? "," : "", cap - strlen(buf) - 1);
		strncat(buf, rep->rules[i], cap - strlen(buf) - 1);
	}
	return buf;
}

#define assert_rules(rep, want)                                                                                        \
	do {                                                                                                           \
		char _b[256];                                                                                          \
		assert_string_equal(rules((rep), _b, sizeof _b), (want));                                              \
	} while (0)

static void assert_counts(const struct tr_report *rep, int run, int failed, int errors, int skipped)
{
	assert_int_equal(rep->run, run);
	assert_int_equal(rep->failed, failed);
	assert_int_equal(rep->errors, errors);
	assert_int_equal(rep->skipped, skipped);
}

static const struct tr_case *find(const struct tr_report *rep, const char *classname, const char *name)
{
	for (size_t i = 0; i < rep->n_cases; i++)
		if (strcmp(rep->cases[i].classname, classname) == 0 && strcmp(rep->cases[i].name, name) == 0)
			return &rep->cases[i];
	return NULL;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void test_passed(void **state)
{
	struct tr_report rep;
	feed_file("passed.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_PASSED);
	assert_string_equal(tr_verdict_name(rep.verdict), "passed");
	assert_rules(&rep, "");
	assert_counts(&rep, 2, 0, 0, 0);
	assert_int_equal(rep.n_failures, 0);
	assert_int_equal(rep.n_warnings_total, 0);
	assert_int_equal(rep.n_cases, 2);
	const struct tr_case *c = find(&rep, "isopod_demo.TestPartner", "test_create");
	assert_non_null(c);
	assert_string_equal(c->status, "passed");
	assert_string_equal(c->module, "isopod_demo");
	assert_int_equal(c->time_ms, 419); /* 06,001 -> the next Starting at 06,420 */
	c = find(&rep, "isopod_demo.TestPartner", "test_name");
	assert_non_null(c);
	assert_int_equal(c->time_ms, 1460); /* -> odoo.modules.loading at 07,880 */
	assert_int_equal(rep.exit_code, 0);
	assert_int_equal(rep.duration_ms, 1234);
	tr_report_release(&rep);
}

static void test_fail(void **state)
{
	struct tr_report rep;
	feed_file("fail.log", 1, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "exit-code,result-failures,error-line,traceback,no-modules-loaded");
	assert_counts(&rep, 2, 1, 0, 0);
	assert_int_equal(rep.n_failures, 1);
	const struct tr_failure *f = &rep.failures[0];
	assert_string_equal(f->test, "TestPartner.test_name");
	assert_string_equal(f->module, "isopod_demo");
	assert_string_equal(f->kind, "failure");
	assert_string_equal(f->message, "AssertionError: 'Alice' != 'Bob'");
	assert_true(strncmp(f->traceback, "Traceback (most recent call last):\n", 35) == 0);
	assert_true(ends_with(f->traceback, "AssertionError: 'Alice' != 'Bob'\n- Alice\n+ Bob\n"));
	const struct tr_case *c = find(&rep, "isopod_demo.TestPartner", "test_name");
	assert_non_null(c);
	assert_string_equal(c->status, "failure");
	assert_string_equal(c->message, f->message);
	assert_string_equal(c->text, f->traceback);
	assert_string_equal(find(&rep, "isopod_demo.TestPartner", "test_create")->status, "passed");
	tr_report_release(&rep);
}

static void test_error(void **state)
{
	struct tr_report rep;
	feed_file("error.log", 1, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "exit-code,result-failures,error-line,traceback,no-modules-loaded");
	assert_counts(&rep, 2, 0, 1, 0);
	assert_int_equal(rep.n_failures, 1);
	assert_string_equal(rep.failures[0].test, "TestPartner.test_lookup");
	assert_string_equal(rep.failures[0].kind, "error");
	assert_string_equal(rep.failures[0].message, "KeyError: 'res.partner.missing'");
	assert_true(ends_with(rep.failures[0].traceback,
			      "return self.models[model_name]\nKeyError: 'res.partner.missing'\n"));
	assert_string_equal(find(&rep, "isopod_demo.TestPartner", "test_lookup")->status, "error");
	tr_report_release(&rep);
}

static void test_setupclass_error(void **state)
{
	struct tr_report rep;
	feed_file("setupclass-error.log", 1, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "exit-code,result-failures,error-line,traceback,no-modules-loaded");
	assert_counts(&rep, 1, 0, 1, 0);
	assert_int_equal(rep.n_failures, 1);
	assert_string_equal(rep.failures[0].test, "setUpClass (odoo.addons.isopod_demo.tests.test_setup.TestSetup)");
	assert_string_equal(rep.failures[0].module, "isopod_demo");
	assert_string_equal(rep.failures[0].kind, "error");
	assert_string_equal(rep.failures[0].message,
			    "ValueError: External ID not found in the system: isopod_demo.missing_partner");
	const struct tr_case *c = find(&rep, "isopod_demo.TestSetup", "setUpClass");
	assert_non_null(c);
	assert_string_equal(c->status, "error");
	assert_int_equal(rep.n_cases, 2);
	tr_report_release(&rep);
}

static void test_skipped(void **state)
{
	struct tr_report rep;
	feed_file("skipped.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_PASSED);
	assert_rules(&rep, "");
	assert_counts(&rep, 2, 0, 0, 1);
	const struct tr_case *c = find(&rep, "isopod_demo.TestPartner", "test_remote");
	assert_non_null(c);
	assert_string_equal(c->status, "skipped");
	assert_string_equal(c->message, "no network in the test pod");
	assert_int_equal(rep.n_cases, 2);
	tr_report_release(&rep);
}

static void test_zero_tests(void **state)
{
	struct tr_report rep;
	feed_file("zero-tests.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_NO_TESTS);
	assert_string_equal(tr_verdict_name(rep.verdict), "no-tests");
	assert_rules(&rep, "no-tests,warnings");
	assert_counts(&rep, 0, 0, 0, 0);
	assert_int_equal(rep.n_warnings, 1);
	assert_string_equal(rep.warnings[0],
			    "odoo.tests.result: 0 failed, 0 error(s) of 0 tests when loading database 'isopod_t1'");
	tr_report_release(&rep);
}

static void test_init_crash(void **state)
{
	struct tr_report rep;
	feed_file("init-crash.log", 255, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "exit-code,error-line,critical-line,traceback,no-modules-loaded,no-tests");
	assert_counts(&rep, 0, 0, 0, 0);
	assert_int_equal(rep.n_failures, 0);
	assert_int_equal(rep.exit_code, 255);
	tr_report_release(&rep);
}

static void test_import_error_15(void **state)
{
	struct tr_report rep;
	feed_file("import-error-15.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "error-line,traceback");
	assert_counts(&rep, 2, 0, 0, 0);
	assert_int_equal(rep.n_failures, 0);
	tr_report_release(&rep);
}

static void test_killed(void **state)
{
	struct tr_report rep;
	feed_file("killed.log", 137, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "exit-code,no-modules-loaded");
	assert_counts(&rep, 2, 0, 0, 0); /* no result line: the Starting lines count */
	assert_int_equal(rep.n_cases, 2);
	tr_report_release(&rep);
	/* Killed with exit 0 reported (a runtime that loses the status): still failed. */
	feed_file("killed.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "no-modules-loaded");
	tr_report_release(&rep);
}

static void test_warnings(void **state)
{
	struct tr_report rep;
	feed_file("warnings.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_PASSED);
	assert_rules(&rep, "warnings");
	assert_counts(&rep, 2, 0, 0, 0);
	assert_int_equal(rep.n_warnings, 2);
	assert_int_equal(rep.n_warnings_total, 2);
	assert_true(strncmp(rep.warnings[0], "odoo.fields: Field isopod.demo.amount: unknown parameter 'tracking'",
			    67) == 0);
	assert_true(ends_with(rep.warnings[0], "in order to allow it"));
	assert_string_equal(rep.warnings[1],
			    "py.warnings: /mnt/extra-addons/isopod_demo/models/demo.py:12: DeprecationWarning: Since "
			    "17.0, use _read_group");
	tr_report_release(&rep);
}

static void test_info_traceback(void **state)
{
	struct tr_report rep;
	feed_file("info-traceback.log", 0, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "traceback");
	assert_counts(&rep, 2, 0, 0, 0);
	assert_int_equal(rep.n_failures, 0);
	tr_report_release(&rep);
}

/* ---- edge cases ---- */

#define PFX "2026-12-02 16:27:06,001 27 "

static void test_huge_line(void **state)
{
	size_t n = 10 * TR_LINE_MAX;
	char *big = xmalloc(n + 200);
	int k = snprintf(big, 200, PFX "WARNING db odoo.x: ");
	memset(big + k, 'w', n);
	big[k + n] = 0;
	char *cont = xmalloc(n + 1);
	memset(cont, 'c', n);
	cont[n] = 0;
	struct tr_reader *r = tr_reader_new("db");
	tr_reader_line(r, PFX "INFO db odoo.addons.m.tests.t: Starting T.test_a ...");
	tr_reader_line(r, PFX "ERROR db odoo.addons.m.tests.t: FAIL: T.test_a");
	tr_reader_line(r, "Traceback (most recent call last):");
	tr_reader_line(r, "  File \"x.py\", line 1, in test_a");
	tr_reader_line(r, cont);
	tr_reader_line(r, big);
	tr_reader_line(r, PFX "INFO db odoo.modules.loading: Modules loaded.");
	struct tr_report rep;
	tr_reader_finish(r, 1, 0, &rep);
	tr_reader_free(r);
	assert_int_equal(rep.n_warnings, 1);
	assert_true(strlen(rep.warnings[0]) <= TR_LINE_MAX);
	assert_int_equal(rep.n_failures, 1);
	assert_int_equal(strlen(rep.failures[0].message), TR_LINE_MAX); /* the cut exception line */
	assert_true(strlen(rep.failures[0].traceback) < 3 * TR_LINE_MAX);
	free(big);
	free(cont);
	tr_report_release(&rep);
}

static void test_many_failures(void **state)
{
	struct tr_reader *r = tr_reader_new("db");
	char line[256];
	int total = TR_MAX_FAILURES + 50;
	for (int i = 0; i < total; i++) {
		snprintf(line, sizeof line, PFX "INFO db odoo.addons.m.tests.t: Starting T.test_%d ...", i);
		tr_reader_line(r, line);
		snprintf(line, sizeof line, PFX "ERROR db odoo.addons.m.tests.t: %s: T.test_%d",
			 i % 2 ? "ERROR" : "FAIL", i);
		tr_reader_line(r, line);
		tr_reader_line(r, "Traceback (most recent call last):");
		tr_reader_line(r, "  File \"t.py\", line 3, in test");
		snprintf(line, sizeof line, "AssertionError: %d", i);
		tr_reader_line(r, line);
	}
	struct tr_report rep;
	tr_reader_finish(r, 1, 0, &rep);
	tr_reader_free(r);
	assert_int_equal(rep.n_failures, TR_MAX_FAILURES);
	assert_int_equal(rep.failed + rep.errors, total); /* no result line: counted from the FAIL/ERROR lines */
	assert_int_equal(rep.failed, total / 2);
	assert_int_equal(rep.run, total);
	assert_int_equal(rep.n_cases, (size_t)total);
	/* the last case, past the cap, still has its status and message */
	assert_string_equal(rep.cases[total - 1].status, "error");
	snprintf(line, sizeof line, "AssertionError: %d", total - 1);
	assert_string_equal(rep.cases[total - 1].message, line);
	tr_report_release(&rep);
}

static void test_crlf_and_comments(void **state)
{
	struct tr_report rep;
	feed_text("# a comment before the first record\n"
		  "#another\n" PFX "INFO db odoo.addons.m.tests.t: Starting T.test_a ... \r\n" PFX
		  "INFO db odoo.modules.loading: Modules loaded. \r\n" PFX
		  "INFO db odoo.tests.result: 0 failed, 0 error(s) of 1 tests when loading database 'db' \r\n"
		  "# after the first record: a continuation line, not a comment\n",
		  0, &rep);
	assert_int_equal(rep.verdict, TR_PASSED);
	assert_rules(&rep, "");
	assert_counts(&rep, 1, 0, 0, 0);
	assert_string_equal(rep.cases[0].name, "test_a");
	tr_report_release(&rep);
}

static void test_colours_and_junk(void **state)
{
	struct tr_report rep;
	/* ODOO_PY_COLORS: the level in ANSI colours; then binary junk and a stray "ERROR: " at INFO */
	feed_text("2026-12-02 16:27:06,001 27 \033[1;32m\033[1;49mINFO\033[0m db odoo.modules.loading: Modules "
		  "loaded.\n"
		  "\x01\x02\xff\xfe junk \x7f\x80\n"
		  "2026-12-02 99:99 not a record\n" PFX "INFO db odoo.http: ERROR: not a test, FAIL: neither\n" PFX
		  "INFO db odoo.tests.result: 0 failed, 0 error(s) of 3 tests when loading database 'db'\n",
		  0, &rep);
	assert_int_equal(rep.verdict, TR_PASSED);
	assert_rules(&rep, "");
	assert_int_equal(rep.n_failures, 0);
	assert_int_equal(rep.run, 3);
	tr_report_release(&rep);
	/* A red CRITICAL in colours is still a CRITICAL line. */
	feed_text(PFX "\033[1;31mCRITICAL\033[0m db odoo.service.server: Failed to initialize database `db`.\n", 255,
		  &rep);
	assert_rules(&rep, "exit-code,critical-line,no-modules-loaded,no-tests");
	tr_report_release(&rep);
}

static void test_empty_log(void **state)
{
	struct tr_report rep;
	feed_text("", 0, &rep);
	assert_int_equal(rep.verdict, TR_FAILED);
	assert_rules(&rep, "no-modules-loaded,no-tests");
	tr_report_release(&rep);
	struct tr_reader *r = tr_reader_new(NULL);
	tr_reader_line(r, NULL);
	tr_reader_free(r); /* freed without finish */
}

static void test_subtest_and_errors_plural(void **state)
{
	struct tr_report rep;
	feed_text(PFX "INFO db odoo.addons.m.tests.t: Starting T.test_a ...\n" PFX
		      "ERROR db odoo.addons.m.tests.t: FAIL: Subtest T.test_a (x=1)\n"
		      "Traceback (most recent call last):\n"
		      "  File \"t.py\", line 3, in test_a\n"
		      "AssertionError: 1 != 2\n" PFX "INFO db odoo.modules.loading: Modules loaded.\n" PFX
		      "ERROR db odoo.tests.result: 1 failed, 0 errors of 1 tests when loading database 'db'\n",
		  1, &rep);
	assert_counts(&rep, 1, 1, 0, 0);
	assert_int_equal(rep.n_cases, 1);
	assert_string_equal(rep.cases[0].status, "failure");
	assert_string_equal(rep.failures[0].test, "Subtest T.test_a (x=1)");
	tr_report_release(&rep);
}

/* ---- JSON ---- */

static iso_json *report_doc(const struct tr_report *rep)
{
	iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "work_order", "t1");
	iso_jgen_kv_string(g, "profile", "default");
	iso_jgen_key(g, "modules");
	iso_jgen_array_open(g);
	iso_jgen_string(g, "isopod_demo");
	iso_jgen_array_close(g);
	iso_jgen_kv_string(g, "mode", "install or upgrade");
	iso_jgen_kv_string(g, "tags", NULL);
	iso_jgen_kv_string(g, "log", NULL);
	iso_jgen_kv_string(g, "junit", "/tmp/x.xml");
	tr_report_json(g, rep);
	iso_jgen_map_close(g);
	size_t len;
	struct iso_error *err = NULL;
	const char *s = iso_jgen_finish(g, &len, &err);
	assert_non_null(s);
	iso_json *doc = iso_json_parse(s, len, 0, ISO_E_INTERNAL, "report", &err);
	assert_non_null(doc);
	iso_jgen_free(g);
	return doc;
}

static void test_json(void **state)
{
	struct tr_report rep;
	feed_file("fail.log", 1, &rep);
	iso_json *doc = report_doc(&rep);
	assert_string_equal(iso_json_get_string(doc, "verdict"), "failed");
	long long v;
	assert_int_equal(iso_json_int(iso_json_path(doc, "tests", "run", NULL), &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(iso_json_int(iso_json_path(doc, "tests", "failed", NULL), &v), 0);
	assert_int_equal(v, 1);
	const iso_json *f = iso_json_at(iso_json_get(doc, "failures"), 0);
	assert_string_equal(iso_json_get_string(f, "test"), "TestPartner.test_name");
	assert_string_equal(iso_json_get_string(f, "module"), "isopod_demo");
	assert_string_equal(iso_json_get_string(f, "kind"), "failure");
	assert_string_equal(iso_json_get_string(f, "message"), "AssertionError: 'Alice' != 'Bob'");
	const iso_json *rules_j = iso_json_get(doc, "rules");
	assert_int_equal(iso_json_len(rules_j), 5);
	assert_string_equal(iso_json_string(iso_json_at(rules_j, 0)), "exit-code");
	assert_int_equal(iso_json_int(iso_json_get(doc, "exit_code"), &v), 0);
	assert_int_equal(v, 1);
	/* every member test.json requires is there, with nothing else */
	FILE *sf = fopen(ISO_SRCDIR "/docs/schema/test.json", "r");
	assert_non_null(sf);
	char buf[16384];
	size_t n = fread(buf, 1, sizeof buf, sf);
	fclose(sf);
	struct iso_error *err = NULL;
	iso_json *schema = iso_json_parse(buf, n, 0, ISO_E_INTERNAL, "test.json", &err);
	assert_non_null(schema);
	const iso_json *req = iso_json_get(schema, "required");
	assert_true(iso_json_len(req) > 0);
	for (size_t i = 0; i < iso_json_len(req); i++)
		assert_non_null(iso_json_get(doc, iso_json_string(iso_json_at(req, i))));
	const iso_json *props = iso_json_get(schema, "properties");
	for (size_t i = 0; i < iso_json_len(doc); i++)
		assert_non_null(iso_json_get(props, iso_json_key_at(doc, i)));
	iso_json_free(schema);
	iso_json_free(doc);
	tr_report_release(&rep);
}

/* Each fixture's document, through the real validator. */
static void test_json_validates(void **state)
{
	const char *argv0[] = {PYTHON, "-c", "import jsonschema", NULL};
	struct iso_run_result r;
	int have = access(PYTHON, X_OK) == 0 && iso_run(argv0, NULL, &r) == 0 && r.status == 0;
	if (access(PYTHON, X_OK) == 0)
		iso_run_result_release(&r);
	iso_test_need(have, "python3-jsonschema is not installed for %s (apt-get install python3-jsonschema)", PYTHON);
	const char *names[] = {"passed.log",  "fail.log",       "error.log",         "setupclass-error.log",
			       "skipped.log", "zero-tests.log", "init-crash.log",    "import-error-15.log",
			       "killed.log",  "warnings.log",   "info-traceback.log"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		struct tr_report rep;
		feed_file(names[i], 1, &rep);
		iso_jgen *g = iso_jgen_new(0);
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "work_order", "t1");
		iso_jgen_kv_string(g, "profile", "default");
		iso_jgen_key(g, "modules");
		iso_jgen_array_open(g);
		iso_jgen_string(g, "isopod_demo");
		iso_jgen_array_close(g);
		iso_jgen_kv_string(g, "mode", "upgrade");
		iso_jgen_kv_string(g, "tags", "/isopod_demo");
		iso_jgen_kv_string(g, "log", "/tmp/t1.log");
		iso_jgen_kv_string(g, "junit", NULL);
		tr_report_json(g, &rep);
		iso_jgen_map_close(g);
		size_t len;
		struct iso_error *err = NULL;
		const char *doc = iso_jgen_finish(g, &len, &err);
		const char *argv[] = {PYTHON, ISO_SRCDIR "/tests/support/validate-json.py",
				      ISO_SRCDIR "/docs/schema/test.json", NULL};
		assert_int_equal(iso_run(argv, &(struct iso_run_opts){.stdin_text = doc, .merge = true}, &r), 0);
		if (r.status != 0)
			fail_msg("%s: %s\n%s", names[i], r.out, doc);
		iso_run_result_release(&r);
		iso_jgen_free(g);
		tr_report_release(&rep);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passed),
		cmocka_unit_test(test_fail),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_setupclass_error),
		cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_zero_tests),
		cmocka_unit_test(test_init_crash),
		cmocka_unit_test(test_import_error_15),
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_info_traceback),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_many_failures),
		cmocka_unit_test(test_crlf_and_comments),
		cmocka_unit_test(test_colours_and_junk),
		cmocka_unit_test(test_empty_log),
		cmocka_unit_test(test_subtest_and_errors_plural),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_validates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
