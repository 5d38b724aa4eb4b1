/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod test and isopod odoo against real rootless Podman, through the
 * built ./isopod and the Odoo stand-in's test runner (issue 15), on one work
 * order whose repository's addons are tests/addons:
 *   - passing, failing, erroring, import-broken (16+'s CRITICAL and 255, and
 *     13-15's ERROR with exit 0), no-test and tagged modules get the verdict,
 *     the rules, the counts and the failures they should, exit 0/11/12;
 *   - a test's writes are rolled back; the work order keeps running and its
 *     database answers after every run;
 *   - --junit writes JUnit XML that a real XML parser (Python's expat)
 *     reads: a testcase per test, failure and error elements;
 *   - the log streams on stderr without --json, nothing but the document
 *     with it;
 *   - bad input (an unknown module, a bad --tags, an unwritable --junit, an
 *     unknown or stopped work order, a timeout) is a clear error with its
 *     exit code and leaves no one-shot container behind;
 *   - isopod odoo passes Odoo's exit status through, with --json the
 *     {exit_code, stdout, stderr, truncated} document.
 * Ports at offset 30-34 of ISOPOD_TEST_PORTS; its own state directory and
 * repository; the work orders are removed afterwards, also on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iso_run.h"
#include "podman_test.h"
#include "ptest_wo.h"

static char state_dir[128], repo[160], wo[64], wo_down[64];
static int ready, up_done;

/* isopod ARGS...: stdout in *OUT, stderr in *ERR (owned, when given); ENV applied ("K=V"). */
static int isopod_env(char **out, char **err, const char *const *env, const char *const *args)
{
	const char *argv[32] = {ISO_ISOPOD_BIN};
	size_t n = 1;
	for (; args[n - 1] && n < 31; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	struct iso_run_result r;
	if (iso_run(argv, &(struct iso_run_opts){.timeout_ms = 300000, .env = env}, &r) < 0)
		fail_msg("cannot run isopod: %s", strerror(errno));
	if (r.err_len && !err)
		fputs(r.err, stderr);
	ptest_check_json(argv + 1, r.status, r.out);
	int status = r.status;
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	if (err) {
		*err = r.err;
		r.err = NULL;
	}
	iso_run_result_release(&r);
	return status;
}

#define ISOPOD(out, ...) isopod_env(out, NULL, NULL, (const char *const[]){__VA_ARGS__, NULL})
#define ISOPOD_ERR(out, err, ...) isopod_env(out, err, NULL, (const char *const[]){__VA_ARGS__, NULL})

/* HAY without the white space outside JSON strings (the documents are indented). */
static char *squash(const char *hay)
{
	char *s = malloc(strlen(hay) + 1), *o = s;
	int in = 0;
	for (const char *p = hay; *p; p++) {
		if (in && *p == '\\' && p[1]) {
			*o++ = *p++;
			*o++ = *p;
			continue;
		}
		if (*p == '"')
			in = !in;
		if (in || !(*p == ' ' || *p == '\n' || *p == '\t'))
			*o++ = *p;
	}
	*o = '\0';
	return s;
}

static void has(const char *hay, const char *needle)
{
	char *s = hay ? squash(hay) : NULL;
	int found = (s && strstr(s, needle)) || (hay && strstr(hay, needle));
	free(s);
	if (!found)
		fail_msg("expected '%s' in:\n%s", needle, hay ? hay : "(nothing)");
}

static void lacks(const char *hay, const char *needle)
{
	char *s = hay ? squash(hay) : NULL;
	int found = (s && strstr(s, needle)) || (hay && strstr(hay, needle));
	free(s);
	if (found)
		fail_msg("did not expect '%s' in:\n%s", needle, hay);
}

/* No one-shot left, the work order still up, its database answering. */
static void still_fine(void)
{
	assert_int_equal(ptest_wo_count("container", "hub", wo), 3);
	char *out = NULL;
	char db[96];
	snprintf(db, sizeof db, "hub_%s", wo);
	assert_int_equal(
		ISOPOD(&out, "exec", wo, "db", "--", "psql", "-X", "-U", "odoo", "-d", db, "-tAc", "select 41+1"), 0);
	has(out, "42");
	free(out);
	assert_int_equal(ISOPOD(&out, "status", wo, "--json"), 0);
	has(out, "\"state\":\"running\"");
	free(out);
}

static int run_cp(const char *from, const char *to)
{
	const char *argv[] = {"cp", "-R", from, to, NULL};
	struct iso_run_result r;
	if (iso_run(argv, NULL, &r) < 0)
		return -1;
	int rc = r.status;
	iso_run_result_release(&r);
	return rc;
}

static int group_setup(void **state)
{
	if (ptest_wo_env(state_dir, sizeof state_dir, "tst", 30, 5) < 0)
		return -1;
	chmod(state_dir, 0711);
	snprintf(repo, sizeof repo, "%s/repo", state_dir);
	mkdir(repo, 0755);
	char addons[200];
	snprintf(addons, sizeof addons, "%s/addons", repo);
	if (run_cp(ISO_SRCDIR "/tests/addons", addons) != 0) {
		fprintf(stderr, "cannot copy tests/addons to %s\n", addons);
		return -1;
	}
	ptest_unique(wo, sizeof wo, "tst");
	ptest_unique(wo_down, sizeof wo_down, "tsd");
	setenv("ISOPOD_TEMPLATE", "never", 1);
	ready = 1;
	return 0;
}

static int group_teardown(void **state)
{
	if (!ready)
		return 0;
	ISOPOD(NULL, "down", wo, "--cleanup");
	ISOPOD(NULL, "down", wo_down, "--cleanup");
	iso_rmtree(state_dir);
	return 0;
}

static void need_up(void)
{
	ptest_require_podman();
	if (up_done)
		return;
	char *out = NULL;
	int rc = ISOPOD(&out, "up", wo, "--repo", repo, "--json");
	if (rc != 0)
		fail_msg("isopod up %s: exit %d: %s", wo, rc, out ? out : "");
	free(out);
	up_done = 1;
}

/*
 * The profile hub's env for the next runs (ENV_JSON: a JSON object), in a user file of the test's own;
 * XDG gets the XDG_CONFIG_HOME that selects it ("XDG_CONFIG_HOME=..." when ASSIGN).  Returns the file (unlink it).
 */
static char user_file[240];
static const char *profile_env(const char *env_json, char *xdg, size_t size, int assign)
{
	char dir[200];
	snprintf(dir, sizeof dir, "%s/cfg", state_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/cfg/isopod", state_dir);
	mkdir(dir, 0700);
	snprintf(user_file, sizeof user_file, "%s/config.json", dir);
	FILE *f = fopen(user_file, "w");
	assert_non_null(f);
	fprintf(f, "{\"profiles\": {\"hub\": {\"env\": %s}}}\n", env_json);
	fclose(f);
	snprintf(xdg, size, "%s%s/cfg", assign ? "XDG_CONFIG_HOME=" : "", state_dir);
	return user_file;
}

/* A passing module: exit 0, passed, its three tests, no failing rule; the log only with --json's absence. */
static void test_pass(void **state)
{
	need_up();
	char *out = NULL, *err = NULL;
	assert_int_equal(ISOPOD_ERR(&out, &err, "test", wo, "isopod_test_pass", "--json"), 0);
	has(out, "\"verdict\":\"passed\"");
	has(out, "\"run\":3");
	has(out, "\"failed\":0");
	has(out, "\"errors\":0");
	has(out, "\"modules\":[\"isopod_test_pass\"]");
	lacks(out, "\"exit-code\"");
	/* --json: nothing but the document (no log on stderr). */
	lacks(err, "Starting TestPass");
	free(out);
	free(err);
	/* Without --json the log streams on stderr and the report is text. */
	assert_int_equal(ISOPOD_ERR(&out, &err, "test", wo, "isopod_test_pass"), 0);
	has(err, "Starting TestPass.test_cursor");
	has(err, "odoo.tests.result");
	has(out, "passed");
	has(out, "3 run, 0 failed");
	free(out);
	free(err);
	still_fine();
}

/* A failing module: exit 11, the failure named with its module, kind and message; rules named. */
static void test_fail(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_fail", "--json"), 11);
	has(out, "\"verdict\":\"failed\"");
	has(out, "\"run\":2");
	has(out, "\"failed\":1");
	has(out, "\"test\":\"TestFail.test_fails\"");
	has(out, "\"module\":\"isopod_test_fail\"");
	has(out, "\"kind\":\"failure\"");
	has(out, "one is not two");
	has(out, "\"exit-code\"");
	has(out, "\"result-failures\"");
	has(out, "\"error-line\"");
	has(out, "\"exit_code\":1");
	free(out);
	/* The text report names the test and the rules too. */
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_fail"), 11);
	has(out, "TestFail.test_fails");
	has(out, "rules:");
	has(out, "result-failures");
	free(out);
	still_fine();
}

static void test_error(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_error", "--json"), 11);
	has(out, "\"errors\":1");
	has(out, "\"test\":\"TestError.test_raises\"");
	has(out, "\"kind\":\"error\"");
	has(out, "isopod test error");
	has(out, "\"traceback\"");
	free(out);
	still_fine();
}

/* A test file that does not import: 16+ ends init with CRITICAL and 255; 13-15 log an ERROR and exit 0. */
static void test_import_broken(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_import_broken", "--json"), 11);
	has(out, "\"verdict\":\"failed\"");
	has(out, "\"critical-line\"");
	has(out, "\"exit_code\":255");
	free(out);
	/* The profile's env reaches the one-shot: the stand-in behaves as 13-15. */
	char xdg[220];
	const char *file = profile_env("{\"ODOO_STANDIN_SERIES\": \"15\"}", xdg, sizeof xdg, 1);
	const char *env[] = {xdg, NULL};
	int rc = isopod_env(&out, NULL, env,
			    (const char *const[]){"test", wo, "isopod_test_import_broken", "--json", NULL});
	unlink(file);
	assert_int_equal(rc, 11);
	has(out, "\"exit_code\":0");
	has(out, "\"error-line\"");
	lacks(out, "\"exit-code\"");
	free(out);
	still_fine();
}

static void test_no_tests(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_none", "--json"), 12);
	has(out, "\"verdict\":\"no-tests\"");
	has(out, "\"run\":0");
	has(out, "\"no-tests\"");
	free(out);
	/* --tags that select nothing are no tests either. */
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_pass", "--tags", "nosuchtag", "--json"), 12);
	has(out, "\"verdict\":\"no-tests\"");
	free(out);
}

/* Tags: the default runs standard tests (a skipped one counted), --tags picks others. */
static void test_tagged(void **state)
{
	need_up();
	char *out = NULL, *err = NULL;
	assert_int_equal(ISOPOD_ERR(&out, &err, "test", wo, "isopod_test_tagged"), 0);
	has(err, "Starting TestDefault.test_default");
	lacks(err, "Starting TestSlow.test_slow");
	has(out, "1 skipped");
	free(out);
	free(err);
	assert_int_equal(ISOPOD_ERR(&out, &err, "test", wo, "isopod_test_tagged", "--tags", "slow", "--json"), 0);
	has(out, "\"run\":1");
	free(out);
	free(err);
	assert_int_equal(ISOPOD(&out, "test", wo, "--tags", "/isopod_test_tagged:TestDefault.test_default",
				"isopod_test_tagged", "--json"),
			 0);
	has(out, "\"run\":1");
	free(out);
}

/* A test's writes are rolled back: its table is gone afterwards. */
static void test_rollback(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_rollback", "--json"), 0);
	free(out);
	char db[96];
	snprintf(db, sizeof db, "hub_%s", wo);
	assert_int_equal(ISOPOD(&out, "exec", wo, "db", "--", "psql", "-X", "-U", "odoo", "-d", db, "-tAc",
				"select coalesce(to_regclass('isopod_rollback_probe')::text, 'absent')"),
			 0);
	has(out, "absent");
	free(out);
}

/* JUnit XML read by a real XML parser (Python's xml.etree, expat). */
static void test_junit(void **state)
{
	need_up();
	char path[200], *out = NULL;
	snprintf(path, sizeof path, "%s/results.xml", state_dir);
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_fail", "isopod_test_error", "isopod_test_pass",
				"--junit", path, "--json"),
			 11);
	has(out, "\"junit\":\"");
	free(out);
	static const char check[] = "import sys, xml.etree.ElementTree as ET\n"
				    "root = ET.parse(sys.argv[1]).getroot()\n"
				    "cases = root.iter('testcase')\n"
				    "cases = list(cases)\n"
				    "fails = [c for c in cases if c.find('failure') is not None]\n"
				    "errs = [c for c in cases if c.find('error') is not None]\n"
				    "assert len(cases) == 6, len(cases)\n"
				    "assert [c.get('name') for c in fails] == ['test_fails'], fails\n"
				    "assert fails[0].get('classname').endswith('TestFail'), fails[0].get('classname')\n"
				    "assert 'one is not two' in (fails[0].find('failure').get('message') or '') + "
				    "(fails[0].find('failure').text or '')\n"
				    "assert [c.get('name') for c in errs] == ['test_raises'], errs\n"
				    "assert all(float(c.get('time')) >= 0 for c in cases)\n"
				    "out = root.find('.//system-out')\n"
				    "assert out is not None and 'odoo.tests.result' in out.text\n"
				    "print('junit ok', len(cases))\n";
	const char *argv[] = {"/usr/bin/python3", "-c", check, path, NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, NULL, &r), 0);
	if (r.status != 0)
		fail_msg("the JUnit file does not read as expected: %s%s", r.out, r.err);
	iso_run_result_release(&r);
	char tmp[240];
	snprintf(tmp, sizeof tmp, "%s.isopod-tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
}

/* Bad input: a clear error, its exit code, no one-shot left, the work order fine. */
static void test_bad_input(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "test", wo, "no_such_module", "--json"), 2);
	has(out, "no_such_module");
	has(out, "looked in");
	free(out);
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_pass", "--tags", "a b", "--json"), 2);
	has(out, "--tags");
	free(out);
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_pass", "--tags", "/", "--json"), 2);
	free(out);
	assert_int_equal(ISOPOD(&out, "test", wo, "isopod_test_pass", "--install", "--upgrade", "--json"), 2);
	free(out);
	assert_int_equal(
		ISOPOD(&out, "test", wo, "isopod_test_pass", "--junit", "/nonexistent-dir/x/results.xml", "--json"), 2);
	has(out, "JUnit");
	free(out);
	assert_int_equal(ISOPOD(&out, "test", "t-tst-nosuch", "isopod_test_pass", "--json"), 3);
	free(out);
	still_fine();
}

/* A timeout: exit 7, the one-shot removed, the work order still running. */
static void test_timeout(void **state)
{
	need_up();
	char *out = NULL;
	/* The stand-in's init takes ODOO_STANDIN_MODULE_SECONDS per module from the profile's env. */
	char xdg[220];
	const char *file = profile_env("{\"ODOO_STANDIN_MODULE_SECONDS\": \"30\"}", xdg, sizeof xdg, 1);
	const char *xenv[] = {xdg, NULL};
	int rc = isopod_env(&out, NULL, xenv,
			    (const char *const[]){"test", wo, "isopod_test_pass", "--timeout", "2", "--json", NULL});
	unlink(file);
	assert_int_equal(rc, 7);
	has(out, "timeout");
	free(out);
	still_fine();
}

/* Ctrl-C during the run: exit 130, the one-shot removed, the work order fine. */
static void test_interrupted(void **state)
{
	need_up();
	char xdg[220];
	const char *file = profile_env("{\"ODOO_STANDIN_MODULE_SECONDS\": \"30\"}", xdg, sizeof xdg, 0);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("XDG_CONFIG_HOME", xdg, 1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(ISO_ISOPOD_BIN, ISO_ISOPOD_BIN, "test", wo, "isopod_test_pass", "--json", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	/* Wait for the one-shot (a fourth container), then Ctrl-C. */
	int seen = 0;
	for (int i = 0; i < 200 && !seen; i++) {
		seen = ptest_wo_count("container", "hub", wo) == 4;
		if (!seen)
			usleep(100 * 1000);
	}
	kill(pid, SIGINT);
	int st = 0;
	waitpid(pid, &st, 0);
	unlink(file);
	assert_true(seen);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 130);
	still_fine();
}

/* A stopped work order: exit 4, told to bring it up. */
static void test_down(void **state)
{
	ptest_require_podman();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "up", wo_down, "--repo", repo, "--json"), 0);
	free(out);
	assert_int_equal(ISOPOD(&out, "down", wo_down, "--json"), 0);
	free(out);
	assert_int_equal(ISOPOD(&out, "test", wo_down, "isopod_test_pass", "--json"), 4);
	has(out, "isopod up");
	free(out);
	assert_int_equal(ptest_wo_count("container", "hub", wo_down), 0); /* no one-shot was made */
	assert_int_equal(ISOPOD(&out, "down", wo_down, "--cleanup", "--json"), 0);
	free(out);
}

/* isopod odoo: Odoo's status passed through; --json's document. */
static void test_odoo(void **state)
{
	need_up();
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "odoo", wo, "--json", "--", "-u", "isopod_test_pass", "--stop-after-init"), 0);
	has(out, "\"exit_code\":0");
	has(out, "Modules loaded.");
	has(out, "\"truncated\":false");
	free(out);
	/* A test file that does not import ends Odoo's init with 255: passed through. */
	assert_int_equal(ISOPOD(&out, "odoo", wo, "--", "-i", "isopod_test_import_broken", "--test-enable",
				"--stop-after-init", "--http-port", "8169"),
			 255);
	free(out);
	assert_int_equal(ISOPOD(&out, "odoo", wo, "--json"), 125);
	free(out);
	still_fine();
}

/* isopod odoo -i: stdin reaches Odoo (the stand-in's shell), its status comes back. */
static void test_odoo_stdin(void **state)
{
	need_up();
	const char *argv[] = {ISO_ISOPOD_BIN, "odoo", "-i", wo, "--", "shell", NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv,
				 &(struct iso_run_opts){.stdin_text = "env.cr.execute('select 6*7')\n"
								      "print('answer', env.cr.fetchone()[0])\n"},
				 &r),
			 0);
	assert_int_equal(r.status, 0);
	has(r.out, "answer 42");
	iso_run_result_release(&r);
	assert_int_equal(iso_run(argv, &(struct iso_run_opts){.stdin_text = "raise SystemExit(3)\n"}, &r), 0);
	assert_int_equal(r.status, 3);
	iso_run_result_release(&r);
	char *out = NULL;
	assert_int_equal(ISOPOD(&out, "odoo", "-i", wo, "--json", "--", "shell"), 125);
	has(out, "-i or -t");
	free(out);
	still_fine();
}

static char sock[64];

/* tmux -L SOCK ARGS... (NULL-terminated); its stdout in *OUT when given. */
static int tmux_v(char **out, const char *const *args)
{
	const char *argv[16] = {"tmux", "-L", sock};
	size_t n = 3;
	for (; args[n - 3] && n < 15; n++)
		argv[n] = args[n - 3];
	argv[n] = NULL;
	struct iso_run_result r;
	if (iso_run(argv, NULL, &r) < 0)
		fail_msg("cannot run tmux: %s", strerror(errno));
	if (out)
		*out = r.out, r.out = NULL;
	int st = r.status;
	iso_run_result_release(&r);
	return st;
}

#define tmux(out, ...) tmux_v(out, (const char *const[]){__VA_ARGS__, NULL})

/* The screen of the tmux session until it shows TEXT (or 30 s pass), owned. */
static char *screen_until(const char *text)
{
	char *screen = NULL;
	for (int i = 0; i < 300; i++) {
		free(screen);
		screen = NULL;
		tmux(&screen, "capture-pane", "-p", "-t", "s");
		if (screen && strstr(screen, text))
			break;
		usleep(100 * 1000);
	}
	return screen;
}

static int tmux_teardown(void **state)
{
	tmux(NULL, "kill-server", NULL, NULL, NULL);
	char path[256];
	const char *tmp = getenv("TMUX_TMPDIR");
	snprintf(path, sizeof(path), "%s/tmux-%d/%s", tmp && *tmp ? tmp : "/tmp", (int)getuid(), sock);
	unlink(path);
	return ptest_teardown(state);
}

/* On a terminal: odoo -it is Odoo's shell with a prompt; test shows a progress line, not the log. */
static void test_terminal(void **state)
{
	need_up();
	snprintf(sock, sizeof sock, "isopod-tst-%d", (int)getpid());
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s odoo -it %s -- shell; echo EXIT=$?; sleep 60", ISO_ISOPOD_BIN, wo);
	assert_int_equal(tmux(NULL, "new-session", "-d", "-s", "s", "-x", "150", "-y", "40", cmd), 0);
	char *screen = screen_until(">>>");
	has(screen, ">>>");
	free(screen);
	tmux(NULL, "send-keys", "-t", "s", "print(6*7)", "Enter");
	screen = screen_until("42");
	has(screen, "42");
	free(screen);
	tmux(NULL, "send-keys", "-t", "s", "exit()", "Enter");
	screen = screen_until("EXIT=");
	has(screen, "EXIT=0");
	free(screen);
	tmux(NULL, "kill-session", "-t", "s");
	/* isopod test on a terminal: one progress line, rewritten; the report on stdout. */
	snprintf(cmd, sizeof cmd, "%s test %s isopod_test_pass; echo EXIT=$?; sleep 60", ISO_ISOPOD_BIN, wo);
	assert_int_equal(tmux(NULL, "new-session", "-d", "-s", "s", "-x", "150", "-y", "40", cmd), 0);
	screen = screen_until("EXIT=");
	has(screen, "EXIT=0");
	has(screen, "passed: 3 run, 0 failed, 0 errors"); /* the progress line, ended by the result */
	has(screen, "3 run, 0 failed");
	lacks(screen, "odoo.modules.loading");
	lacks(screen, "Starting TestPass");
	free(screen);
	still_fine();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pass, ptest_teardown),
		cmocka_unit_test_teardown(test_fail, ptest_teardown),
		cmocka_unit_test_teardown(test_error, ptest_teardown),
		cmocka_unit_test_teardown(test_import_broken, ptest_teardown),
		cmocka_unit_test_teardown(test_no_tests, ptest_teardown),
		cmocka_unit_test_teardown(test_tagged, ptest_teardown),
		cmocka_unit_test_teardown(test_rollback, ptest_teardown),
		cmocka_unit_test_teardown(test_junit, ptest_teardown),
		cmocka_unit_test_teardown(test_bad_input, ptest_teardown),
		cmocka_unit_test_teardown(test_timeout, ptest_teardown),
		cmocka_unit_test_teardown(test_interrupted, ptest_teardown),
		cmocka_unit_test_teardown(test_down, ptest_teardown),
		cmocka_unit_test_teardown(test_odoo, ptest_teardown),
		cmocka_unit_test_teardown(test_odoo_stdin, ptest_teardown),
		cmocka_unit_test_teardown(test_terminal, tmux_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
