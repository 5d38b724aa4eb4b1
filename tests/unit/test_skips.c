/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_skips.c - a missing host capability is an honest skip, and a failure
 * under ISOPOD_REQUIRE_PODMAN; tests/run-tests.sh counts both as cmocka 1.1
 * reports them.
 *
 * The real integration binary test_podman_pull (its body starts a registry)
 * runs here without Podman: CONTAINER_HOST names a socket that does not
 * exist, PATH has no podman (nothing can start a service), TMPDIR is a fresh
 * empty directory and the binary leads its own process group.  Without
 * ISOPOD_REQUIRE_PODMAN its test is skipped with the reason and it exits 0;
 * with it the test fails.  Then a fake Podman answers /_ping, so the test
 * starts the registry and fails at the push (no podman on PATH): its
 * teardown must stop the registry and remove the directory.  Each time
 * TMPDIR must be empty afterwards and no process of that group, or with that
 * TMPDIR, left.
 *
 * tests/run-tests.sh runs this binary as fixtures (ISO_TEST_FIXTURE=name:
 * main runs that group instead) whose cmocka output is known.
 *
 * Needs the integration binary built beside this one
 * ($(BUILD)/tests/integration/test_podman_pull).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iso_run.h"
#include "iso_test.h"

#define RUN_TIMEOUT_MS 60000
#define OUT_MAX (1024 * 1024)
#define REGISTRY_BIN "/usr/bin/docker-registry" /* as test_podman_pull.c */

/* ---- fixtures: cmocka groups with a known outcome, for run-tests.sh ---- */

static void fx_pass(void **state)
{
	assert_true(1);
}

static void fx_need_missing(void **state)
{
	iso_test_need(false, "fixture: the capability is missing");
}

static void fx_fail(void **state)
{
	fail_msg("fixture: failed");
}

static void fx_raw_skip(void **state)
{
	skip();
}

static int fx_fixture_fails(void **state)
{
	return -1;
}

static int fixture_main(const char *name)
{
	const struct CMUnitTest skips[] = {
		cmocka_unit_test(fx_pass),
		cmocka_unit_test(fx_need_missing),
		cmocka_unit_test(fx_need_missing),
	};
	const struct CMUnitTest errors[] = {
		cmocka_unit_test(fx_pass),
		cmocka_unit_test_setup(fx_pass, fx_fixture_fails),
		cmocka_unit_test(fx_fail),
		cmocka_unit_test_teardown(fx_pass, fx_fixture_fails),
	};
	const struct CMUnitTest three[] = {
		cmocka_unit_test(fx_pass),
		cmocka_unit_test(fx_pass),
		cmocka_unit_test(fx_pass),
	};
	const struct CMUnitTest one[] = {cmocka_unit_test(fx_pass)};
	const struct CMUnitTest raw[] = {cmocka_unit_test(fx_raw_skip)};

	if (!strcmp(name, "skips"))
		return cmocka_run_group_tests(skips, NULL, NULL);
	if (!strcmp(name, "errors"))
		return cmocka_run_group_tests(errors, NULL, NULL);
	if (!strcmp(name, "group-setup"))
		return cmocka_run_group_tests(three, fx_fixture_fails, NULL);
	if (!strcmp(name, "group-teardown"))
		return cmocka_run_group_tests(three, NULL, fx_fixture_fails);
	if (!strcmp(name, "two-groups"))
		return cmocka_run_group_tests(skips, NULL, NULL) + cmocka_run_group_tests(one, NULL, NULL);
	if (!strcmp(name, "raw-skip"))
		return cmocka_run_group_tests(raw, NULL, NULL);
	if (!strcmp(name, "no-summary"))
		return 2;
	fprintf(stderr, "no fixture '%s'\n", name);
	return 2;
}

/* ---- running a binary in its own process group ---- */

struct child_env {
	const char *set[8];   /* "NAME=VALUE" */
	const char *unset[8]; /* "NAME" */
};

/* Run ARGV with ENV changes, stdout and stderr merged into *out; its own process group (*pgid).
 * Returns the exit code, 128+signal when killed; fails the test on a timeout. */
static int run_child(char *const *argv, const struct child_env *env, pid_t *pgid, char **out)
{
	const char *changes[17];
	size_t n = 0;
	for (size_t i = 0; i < 8 && env->unset[i]; i++)
		changes[n++] = env->unset[i];
	for (size_t i = 0; i < 8 && env->set[i]; i++)
		changes[n++] = env->set[i];
	changes[n] = NULL;
	struct iso_run_result r;
	struct iso_run_opts o = {.env = changes, .merge = true, .timeout_ms = RUN_TIMEOUT_MS, .max_output = OUT_MAX};
	if (iso_run((const char *const *)argv, &o, &r) < 0)
		fail_msg("cannot run %s: %s", argv[0], strerror(errno));
	*pgid = (pid_t)r.pid;
	if (r.timed_out)
		fail_msg("%s did not finish in %d ms; its output:\n%s", argv[0], RUN_TIMEOUT_MS, r.out);
	int status = r.status;
	*out = r.out;
	r.out = NULL;
	iso_run_result_release(&r);
	return status;
}

/* Does /proc/PID/FILE (NUL-separated) hold an entry equal to EXACT or containing PART? */
static int proc_names(long pid, const char *file, const char *exact, const char *part)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/%s", pid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	static char buf[256 * 1024];
	size_t len = 0;
	ssize_t r;
	while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	for (char *s = buf; s < buf + len; s += strlen(s) + 1)
		if ((exact && !strcmp(s, exact)) || (part && strstr(s, part)))
			return 1;
	return 0;
}

/* Fail when a process of group PGID, or one with TMPDIR in its environment or command line, is left. */
static void assert_nothing_running(pid_t pgid, const char *tmpdir)
{
	char env_entry[PATH_MAX + 8];
	snprintf(env_entry, sizeof env_entry, "TMPDIR=%s", tmpdir);
	/* a straggler that just exited may still wait to be reaped: give it 2 s */
	for (int i = 0; i < 40 && !(kill(-pgid, 0) < 0 && errno == ESRCH); i++)
		usleep(50 * 1000);
	if (!(kill(-pgid, 0) < 0 && errno == ESRCH)) {
		kill(-pgid, SIGKILL);
		fail_msg("a process of the test's group %d outlived it", (int)pgid);
	}
	DIR *d = opendir("/proc");
	assert_non_null(d);
	struct dirent *e;
	long left = 0;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (proc_names(pid, "environ", env_entry, NULL) || proc_names(pid, "cmdline", NULL, tmpdir))
			left = pid;
	}
	closedir(d);
	if (left) {
		kill((pid_t)left, SIGKILL);
		fail_msg("process %ld, started by the test, is still running", left);
	}
}

static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		print_message("  left in TMPDIR: %s\n", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* ---- the environment the integration binary runs in ---- */

static struct {
	char base[64];      /* ours: removed by the teardown */
	char tmpdir[128];   /* base/tmp: the binary's TMPDIR, empty before and after */
	char bin_dir[128];  /* base/bin: its PATH, empty */
	char sock[128];     /* base/podman.sock: nothing, or the fake Podman */
	char bin[PATH_MAX]; /* the integration binary */
	char set[5][PATH_MAX + 32];
	pid_t fake; /* the fake Podman, or 0 */
} W;

static int setup(void **state)
{
	memset(&W, 0, sizeof W);
	snprintf(W.base, sizeof W.base, "/tmp/isopod-skips-XXXXXX");
	if (!mkdtemp(W.base)) {
		W.base[0] = '\0';
		return -1;
	}
	snprintf(W.tmpdir, sizeof W.tmpdir, "%s/tmp", W.base);
	snprintf(W.bin_dir, sizeof W.bin_dir, "%s/bin", W.base);
	snprintf(W.sock, sizeof W.sock, "%s/podman.sock", W.base);
	if (mkdir(W.tmpdir, 0700) < 0 || mkdir(W.bin_dir, 0700) < 0) {
		/* cmocka runs no teardown after a failed setup: undo here */
		nftw(W.base, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
		W.base[0] = '\0';
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	if (W.fake > 0) {
		kill(W.fake, SIGKILL);
		waitpid(W.fake, NULL, 0);
		W.fake = 0;
	}
	if (W.base[0] && nftw(W.base, rm_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
		return -1;
	W.base[0] = '\0';
	return 0;
}

/* The integration binary beside this unit binary: BUILD/tests/unit/X -> BUILD/tests/integration/test_podman_pull. */
static void need_integration_binary(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0'; /* BUILD/tests/unit */
	slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0'; /* BUILD/tests */
	int k = snprintf(W.bin, sizeof W.bin, "%s/integration/test_podman_pull", self);
	assert_true(k > 0 && (size_t)k < sizeof W.bin);
	iso_test_need(access(W.bin, X_OK) == 0, "%s is not built ('make integration-bins' builds it)", W.bin);
}

/* Run the integration binary in W's environment; REQUIRE: the value of ISOPOD_REQUIRE_PODMAN or NULL. */
static int run_pull(const char *require, char **out, pid_t *pgid)
{
	struct child_env env = {.unset = {"ISOPOD_REQUIRE_PODMAN", "XDG_RUNTIME_DIR", "DOCKER_HOST", NULL}};
	snprintf(W.set[0], sizeof W.set[0], "CONTAINER_HOST=unix://%s", W.sock);
	snprintf(W.set[1], sizeof W.set[1], "PATH=%s", W.bin_dir);
	snprintf(W.set[2], sizeof W.set[2], "TMPDIR=%s", W.tmpdir);
	snprintf(W.set[3], sizeof W.set[3], "ISOPOD_REQUIRE_PODMAN=%s", require ? require : "");
	env.set[0] = W.set[0];
	env.set[1] = W.set[1];
	env.set[2] = W.set[2];
	env.set[3] = require ? W.set[3] : NULL;
	char *argv[] = {W.bin, NULL};
	int rc = run_child(argv, &env, pgid, out);
	print_message("  %s (ISOPOD_REQUIRE_PODMAN=%s): exit %d\n", W.bin, require ? require : "<unset>", rc);
	return rc;
}

static void assert_has(const char *out, const char *needle)
{
	if (!strstr(out, needle))
		fail_msg("no '%s' in the output:\n%s", needle, out);
}

static void assert_lacks(const char *out, const char *needle)
{
	if (strstr(out, needle))
		fail_msg("'%s' in the output:\n%s", needle, out);
}

/* ---- the tests ---- */

static void test_required_values(void **state)
{
	static const struct {
		const char *v;
		bool on;
	} cases[] = {
		{NULL, false},    {"", false},      {"0", false}, {"no", false}, {"NO", false},
		{"false", false}, {"False", false}, {"1", true},  {"yes", true}, {"true", true},
		{"2", true},      {"off", true}, /* only the five spellings above are off */
	};
	const char *old = getenv("ISOPOD_REQUIRE_PODMAN");
	char *saved = old ? strdup(old) : NULL;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].v)
			setenv("ISOPOD_REQUIRE_PODMAN", cases[i].v, 1);
		else
			unsetenv("ISOPOD_REQUIRE_PODMAN");
		if (iso_test_required() != cases[i].on)
			fail_msg("ISOPOD_REQUIRE_PODMAN='%s' should be %s", cases[i].v ? cases[i].v : "<unset>",
				 cases[i].on ? "on" : "off");
	}
	if (saved)
		setenv("ISOPOD_REQUIRE_PODMAN", saved, 1);
	else
		unsetenv("ISOPOD_REQUIRE_PODMAN");
	free(saved);
}

/* Without Podman and without ISOPOD_REQUIRE_PODMAN: skipped with the reason, exit 0, nothing left. */
static void test_no_podman_skips(void **state)
{
	need_integration_binary();
	char *out = NULL;
	pid_t pgid;
	int rc = run_pull(NULL, &out, &pgid);
	assert_nothing_running(pgid, W.tmpdir);
	assert_int_equal(entries_in(W.tmpdir), 0);
	if (rc != 0)
		fail_msg("exit %d, expected 0:\n%s", rc, out);
	assert_has(out, "[  SKIPPED ] 1 test(s)");
	assert_has(out, "[  PASSED  ] 0 test(s)");
	assert_has(out, "skipped: Podman does not answer on ");
	assert_has(out, W.sock);
	assert_lacks(out, "[  FAILED  ]");
	assert_lacks(out, "[  ERROR   ]");
	assert_lacks(out, "setup failed");
	free(out);
}

/* Without Podman under ISOPOD_REQUIRE_PODMAN=1 (and "yes"): the test fails with the reason, nothing left. */
static void test_no_podman_fails_when_required(void **state)
{
	need_integration_binary();
	const char *values[] = {"1", "yes"};
	for (size_t i = 0; i < 2; i++) {
		char *out = NULL;
		pid_t pgid;
		int rc = run_pull(values[i], &out, &pgid);
		assert_nothing_running(pgid, W.tmpdir);
		assert_int_equal(entries_in(W.tmpdir), 0);
		if (rc == 0)
			fail_msg("exit 0 under ISOPOD_REQUIRE_PODMAN=%s:\n%s", values[i], out);
		assert_has(out, "[  FAILED  ] 1 test(s)");
		assert_has(out, "Podman does not answer on ");
		assert_has(out, "a missing prerequisite is a failure");
		assert_lacks(out, "[  SKIPPED ]");
		assert_lacks(out, "setup failed");
		free(out);
	}
}

/* A Podman that answers /_ping and nothing else, on W.sock, in a child of ours. */
static void start_fake_podman(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int k = snprintf(a.sun_path, sizeof a.sun_path, "%s", W.sock);
	assert_true(k > 0 && (size_t)k < sizeof a.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 16), 0);
	fflush(NULL);
	W.fake = fork();
	assert_true(W.fake >= 0);
	if (W.fake == 0) {
		static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
					 "Connection: close\r\n\r\nOK";
		for (;;) {
			int c = accept(fd, NULL, NULL);
			if (c < 0)
				continue;
			char req[4096];
			size_t len = 0;
			ssize_t r;
			while (len < sizeof req - 1 && (r = read(c, req + len, sizeof req - 1 - len)) > 0) {
				len += (size_t)r;
				req[len] = '\0';
				if (strstr(req, "\r\n\r\n"))
					break;
			}
			if (write(c, ok, sizeof ok - 1) < 0) {
				/* the client went away: nothing to tell */
			}
			close(c);
		}
	}
	close(fd);
}

/* Past the Podman check the body starts a registry, then fails (no podman to push with): the teardown stops
 * the registry and removes its directory. */
static void test_failure_after_start_leaves_nothing(void **state)
{
	need_integration_binary();
	iso_test_need(access(REGISTRY_BIN, X_OK) == 0, "%s is missing: install the Debian package docker-registry",
		      REGISTRY_BIN);
	start_fake_podman();
	char *out = NULL;
	pid_t pgid;
	int rc = run_pull(NULL, &out, &pgid);
	assert_nothing_running(pgid, W.tmpdir);
	assert_int_equal(entries_in(W.tmpdir), 0);
	if (rc == 0)
		fail_msg("exit 0 with a Podman that cannot push:\n%s", out);
	assert_has(out, "[  FAILED  ] 1 test(s)");
	assert_lacks(out, "skipped:");
	assert_lacks(out, "setup failed");
	/* which step failed: the push (the registry answered) or the registry's start */
	print_message("  %s\n",
		      strstr(out, "did not answer /v2/") ? "the registry did not come up" : "the push failed");
	free(out);
}

/* ---- tests/run-tests.sh over the fixtures ---- */

/* run-tests.sh over this binary as FIXTURE; *out gets its output. Returns its exit code. */
static int run_tests_sh(const char *fixture, const char *require, char **out)
{
	char self[PATH_MAX], fx[64], req[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(fx, sizeof fx, "ISO_TEST_FIXTURE=%s", fixture);
	snprintf(req, sizeof req, "ISOPOD_REQUIRE_PODMAN=%s", require ? require : "");
	struct child_env env = {.set = {fx, require ? req : NULL}, .unset = {"ISOPOD_REQUIRE_PODMAN", NULL}};
	char *argv[] = {"/bin/bash", ISO_SRCDIR "/tests/run-tests.sh", "fx", self, NULL};
	pid_t pgid;
	int rc = run_child(argv, &env, &pgid, out);
	return rc;
}

static void expect_run(const char *fixture, const char *require, int want_rc, const char *want_line)
{
	char *out = NULL;
	int rc = run_tests_sh(fixture, require, &out);
	char line[128];
	snprintf(line, sizeof line, "\nfx: %s\n", want_line);
	if (!strstr(out, line) || (want_rc == 0) != (rc == 0))
		fail_msg("fixture '%s' (ISOPOD_REQUIRE_PODMAN=%s): exit %d, expected %s and '%s'; output:\n%s", fixture,
			 require ? require : "<unset>", rc, want_rc ? "non-zero" : "0", want_line, out);
	free(out);
}

static void test_run_tests_counts_honestly(void **state)
{
	/* all skips are a pass; required, they fail */
	expect_run("skips", NULL, 0, "1 passed, 0 failed, 2 skipped");
	expect_run("skips", "0", 0, "1 passed, 0 failed, 2 skipped");
	expect_run("skips", "false", 0, "1 passed, 0 failed, 2 skipped");
	expect_run("skips", "1", 1, "1 passed, 2 failed, 0 skipped");
	/* a failed setup or teardown is a failure, beside the failed test */
	expect_run("errors", NULL, 1, "1 passed, 3 failed, 0 skipped");
	/* a failed group setup ran none of its three tests */
	expect_run("group-setup", NULL, 1, "0 passed, 3 failed, 0 skipped");
	expect_run("group-teardown", NULL, 1, "3 passed, 1 failed, 0 skipped");
	/* every group of a binary counts */
	expect_run("two-groups", NULL, 0, "2 passed, 0 failed, 2 skipped");
	/* a skip around iso_test_need passes, except where nothing may skip */
	expect_run("raw-skip", NULL, 0, "0 passed, 0 failed, 1 skipped");
	expect_run("raw-skip", "1", 1, "0 passed, 0 failed, 1 skipped");
	/* an exit without a summary */
	expect_run("no-summary", NULL, 1, "0 passed, 1 failed, 0 skipped");
}

int main(void)
{
	const char *fixture = getenv("ISO_TEST_FIXTURE");
	if (fixture && *fixture)
		return fixture_main(fixture);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_values),
		cmocka_unit_test_setup_teardown(test_no_podman_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_podman_fails_when_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_after_start_leaves_nothing, setup, teardown),
		cmocka_unit_test(test_run_tests_counts_honestly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
