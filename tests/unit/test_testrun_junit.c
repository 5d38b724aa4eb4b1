/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tr_junit_write's XML read back with a real XML parser (Python's
 * xml.etree.ElementTree, expat, under /usr/bin/python3: no extra package):
 * one testcase per test with classname and time, failure/error/skipped with
 * their message and text, the log in system-out, the counts of testsuites and
 * of each testsuite; and the escaping of < & " ]]>, control characters and
 * invalid UTF-8 in messages and in the log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "iso_run.h"
#include "iso_test.h"
#include "testrun/testrun.h"

#define PYTHON "/usr/bin/python3"

/* Parse FILE with expat; print each element of interest with its attributes and text, one per line. */
static const char DUMP[] = "import sys, xml.etree.ElementTree as ET\n"
			   "root = ET.parse(sys.argv[1]).getroot()\n"
			   "a = lambda e, *k: ' '.join(repr(e.get(x)) for x in k)\n"
			   "print('testsuites', a(root, 'tests', 'failures', 'errors', 'skipped'))\n"
			   "for s in root.findall('testsuite'):\n"
			   "    print('testsuite', a(s, 'name', 'tests', 'failures', 'errors', 'skipped'))\n"
			   "    for c in s.findall('testcase'):\n"
			   "        print('testcase', a(c, 'classname', 'name', 'time'))\n"
			   "        for k in c:\n"
			   "            print(' ', k.tag, repr(k.get('message')), repr(k.text))\n"
			   "    for o in s.findall('system-out'):\n"
			   "        print('system-out', repr(o.text))\n";

static char *junit_dump(const struct tr_report *rep, const char *log)
{
	iso_test_need(access(PYTHON, X_OK) == 0, "%s is not installed (apt-get install python3)", PYTHON);
	char path[] = "/tmp/isopod-junit-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct iso_error *err = NULL;
	assert_int_equal(tr_junit_write(fd, rep, log, &err), 0);
	close(fd);
	const char *argv[] = {PYTHON, "-c", DUMP, path, NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, NULL, &r), 0);
	unlink(path);
	if (r.status != 0)
		fail_msg("the XML does not parse: %s", r.err);
	char *out = r.out;
	r.out = NULL;
	iso_run_result_release(&r);
	return out;
}

#define assert_has(hay, needle)                                                                                        \
	do {                                                                                                           \
		if (!strstr((hay), (needle)))                                                                          \
			fail_msg("missing: %s\nin:\n%s", (needle), (hay));                                             \
	} while (0)

static void feed(const char *const *lines, int exit_code, struct tr_report *rep)
{
	struct tr_reader *r = tr_reader_new("db");
	for (; *lines; lines++)
		tr_reader_line(r, *lines);
	tr_reader_finish(r, exit_code, 2500, rep);
	tr_reader_free(r);
}

#define P "2026-12-02 16:27:06,"
#define L " 27 INFO db odoo.addons.m.tests.test_x: "

static void test_cases_and_counts(void **state)
{
	const char *lines[] = {
		P "000" L "Starting TestX.test_ok ... ",
		P "250" L "Starting TestX.test_fail ... ",
		P "500 27 ERROR db odoo.addons.m.tests.test_x: FAIL: TestX.test_fail",
		"Traceback (most recent call last):",
		"  File \"t.py\", line 3, in test_fail",
		"AssertionError: 1 != 2",
		" ",
		P "600" L "Starting TestX.test_err ... ",
		P "700 27 ERROR db odoo.addons.m.tests.test_x: ERROR: TestX.test_err",
		"Traceback (most recent call last):",
		"  File \"t.py\", line 5, in test_err",
		"KeyError: 'k'",
		P "800" L "Starting TestX.test_skip ... ",
		P "801" L "skipped TestX.test_skip : not today",
		P "900 27 INFO db odoo.addons.n.tests.test_y: Starting TestY.test_other ... ",
		P "950 27 INFO db odoo.modules.loading: Modules loaded. ",
		P "990 27 ERROR db odoo.tests.result: 1 failed, 1 error(s) of 5 tests when loading database 'db' ",
		NULL,
	};
	struct tr_report rep;
	feed(lines, 1, &rep);
	char *out = junit_dump(&rep, "the log\n");
	assert_has(out, "testsuites '5' '1' '1' '1'\n");
	assert_has(out, "testsuite 'm' '4' '1' '1' '1'\n");
	assert_has(out, "testsuite 'n' '1' '0' '0' '0'\n");
	assert_has(out, "testcase 'm.TestX' 'test_ok' '0.250'\n");
	assert_has(out,
		   "testcase 'm.TestX' 'test_fail' '0.250'\n  failure 'AssertionError: 1 != 2' "
		   "'Traceback (most recent call last):\\n  File \"t.py\", line 3, in test_fail\\nAssertionError: 1 "
		   "!= 2\\n'\n");
	assert_has(out, "testcase 'm.TestX' 'test_err' '0.100'\n  error \"KeyError: 'k'\" ");
	assert_has(out, "testcase 'm.TestX' 'test_skip' '0.100'\n  skipped 'not today' None\n");
	assert_has(out, "testcase 'n.TestY' 'test_other' '0.050'\n");
	assert_has(out, "system-out 'the log\\n'\n");
	/* one system-out, in the last suite (after n's testcase) */
	const char *so = strstr(out, "system-out");
	assert_true(so > strstr(out, "test_other") && !strstr(so + 1, "system-out"));
	free(out);
	tr_report_release(&rep);
}

static void test_crash_has_a_red_case(void **state)
{
	const char *lines[] = {
		P "000 27 CRITICAL db odoo.service.server: Failed to initialize database `db`. ",
		"Traceback (most recent call last):",
		"ModuleNotFoundError: No module named 'x'",
		NULL,
	};
	struct tr_report rep;
	feed(lines, 255, &rep);
	char *out = junit_dump(&rep, NULL);
	assert_has(out, "testsuites '1' '1' '0' '0'\n");
	assert_has(out, "testcase 'isopod' 'verdict' '0.000'\n  failure 'the verdict is failed: rules exit-code, "
			"critical-line, traceback, no-modules-loaded, no-tests' None\n");
	assert_has(out, "system-out None\n");
	free(out);
	tr_report_release(&rep);
	/* no tests and nothing failed: an empty suite, no red case */
	const char *none[] = {P "000 27 INFO db odoo.modules.loading: Modules loaded. ", NULL};
	feed(none, 0, &rep);
	out = junit_dump(&rep, "");
	assert_has(out, "testsuites '0' '0' '0' '0'\ntestsuite 'odoo' '0' '0' '0' '0'\nsystem-out None\n");
	free(out);
	tr_report_release(&rep);
}

static void test_escaping(void **state)
{
	struct tr_case c = {.classname = "m.T<&>\"'",
			    .name = "test_\x01x",
			    .module = "m",
			    .time_ms = 1,
			    .status = "failure",
			    .message = "a < b & \"c\"\n\tnext\r",
			    .text = "]]> \x02\x1b[0m \xff\xfe \xc3\xa9 \xed\xa0\x80 \xef\xbf\xbe ok\r\n"};
	const char *r[] = {"result-failures", NULL};
	struct tr_report rep = {.verdict = TR_FAILED, .cases = &c, .n_cases = 1, .rules = r, .run = 1, .failed = 1};
	char *out = junit_dump(&rep, "log ]]> <tag> & \x03 \xc0\xaf \xf4\x90\x80\x80 \xe2\x82\xac\n");
	assert_has(out, "testcase 'm.T<&>\"\\'' 'test_?x' '0.001'\n");
	assert_has(out, "  failure 'a < b & \"c\"\\n\\tnext\\r' ']]> ??[0m ?? \xc3\xa9 ??? ??? ok\\r\\n'\n");
	assert_has(out, "system-out 'log ]]> <tag> & ? ?? ???? \xe2\x82\xac\\n'\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_and_counts),
		cmocka_unit_test(test_crash_has_a_red_case),
		cmocka_unit_test(test_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
