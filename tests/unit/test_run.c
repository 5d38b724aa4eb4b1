/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tests' process runner (tests/support/iso_run.h) on /bin/sh, no Podman:
 * exit codes, a signal, a missing program; stdout and stderr apart and
 * merged; stdin text, also more than a pipe holds while the child writes as
 * much back; environment overrides that set and unset; a child and a
 * grandchild that ignore SIGTERM and outlive the timeout are killed with
 * their group, in time; output past the cap is dropped and noted, and the
 * child still finishes.  And iso_rmtree removes a tree without following a
 * link out of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iso_run.h"

static void sh(const char *script, const struct iso_run_opts *o, struct iso_run_result *r)
{
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	assert_int_equal(iso_run(argv, o, r), 0);
}

static void test_exit_status(void **state)
{
	struct iso_run_result r;
	sh("exit 7", NULL, &r);
	assert_int_equal(r.status, 7);
	assert_false(r.timed_out);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	iso_run_result_release(&r);
	sh("kill -USR1 $$", NULL, &r);
	assert_int_equal(r.status, 128 + SIGUSR1);
	iso_run_result_release(&r);
	const char *missing[] = {"no-such-program-isopod-test", NULL};
	assert_int_equal(iso_run(missing, NULL, &r), 0);
	assert_int_equal(r.status, 127);
	iso_run_result_release(&r);
	iso_run_result_release(&r); /* twice is safe */
}

static void test_capture(void **state)
{
	struct iso_run_result r;
	sh("echo out1; echo err1 >&2; echo out2; echo err2 >&2", NULL, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "out1\nout2\n");
	assert_string_equal(r.err, "err1\nerr2\n");
	assert_int_equal(r.out_len, 10);
	assert_false(r.out_truncated);
	iso_run_result_release(&r);
	sh("echo a; echo b >&2; echo c", &(struct iso_run_opts){.merge = true}, &r);
	assert_string_equal(r.out, "a\nb\nc\n");
	assert_string_equal(r.err, "");
	iso_run_result_release(&r);
}

static void test_stdin(void **state)
{
	struct iso_run_result r;
	sh("cat; echo done", &(struct iso_run_opts){.stdin_text = "SELECT 41+1;\n"}, &r);
	assert_string_equal(r.out, "SELECT 41+1;\ndone\n");
	iso_run_result_release(&r);
	/* no stdin_text: /dev/null, an immediate EOF (not the test's own stdin) */
	sh("cat; echo eof", NULL, &r);
	assert_string_equal(r.out, "eof\n");
	iso_run_result_release(&r);
	/* 1 MiB in while cat writes it back: neither side may wait on the other */
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	sh("cat", &(struct iso_run_opts){.stdin_text = big}, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, n);
	assert_int_equal(memcmp(r.out, big, n), 0);
	iso_run_result_release(&r);
	/* a child that reads none of it is no error (and no SIGPIPE for the test) */
	sh("exit 3", &(struct iso_run_opts){.stdin_text = big}, &r);
	assert_int_equal(r.status, 3);
	iso_run_result_release(&r);
	free(big);
}

static void test_env(void **state)
{
	setenv("ISO_RUN_TEST_GONE", "here", 1);
	setenv("ISO_RUN_TEST_KEPT", "kept", 1);
	const char *env[] = {"ISO_RUN_TEST_SET=a=b", "ISO_RUN_TEST_GONE", "ISO_RUN_TEST_SET2=1", "ISO_RUN_TEST_SET2=2",
			     NULL};
	struct iso_run_result r;
	sh("echo \"$ISO_RUN_TEST_SET|${ISO_RUN_TEST_GONE-unset}|$ISO_RUN_TEST_KEPT|$ISO_RUN_TEST_SET2\"",
	   &(struct iso_run_opts){.env = env}, &r);
	assert_string_equal(r.out, "a=b|unset|kept|2\n");
	iso_run_result_release(&r);
	/* the caller's environment is untouched */
	assert_string_equal(getenv("ISO_RUN_TEST_GONE"), "here");
	assert_null(getenv("ISO_RUN_TEST_SET"));
	unsetenv("ISO_RUN_TEST_GONE");
	unsetenv("ISO_RUN_TEST_KEPT");
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* PID is gone: no such process, or a zombie waiting for its reaper. */
static int gone(long pid)
{
	char path[64], stat[256] = "";
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 1;
	size_t n = fread(stat, 1, sizeof stat - 1, f);
	fclose(f);
	stat[n] = '\0';
	const char *close_paren = strrchr(stat, ')');
	return close_paren && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

static void test_timeout_kills_group(void **state)
{
	struct iso_run_result r;
	long t0 = now_ms();
	/* the shell and its background sleep both ignore SIGTERM: only the SIGKILL ends them */
	sh("trap '' TERM; sleep 30 & echo $!; wait; echo never", &(struct iso_run_opts){.timeout_ms = 200}, &r);
	long took = now_ms() - t0;
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGKILL);
	assert_null(strstr(r.out, "never"));
	long grandchild = strtol(r.out, NULL, 10);
	assert_true(grandchild > 1);
	if (took < 200 + ISO_RUN_GRACE_MS || took > 200 + 3 * ISO_RUN_GRACE_MS + 2000)
		fail_msg("the runner returned after %ld ms", took);
	int i = 0;
	while (!gone(grandchild) && i++ < 200)
		usleep(10 * 1000);
	if (!gone(grandchild))
		fail_msg("the background sleep (pid %ld) outlived the timeout", grandchild);
	iso_run_result_release(&r);

	/* a child that ends on SIGTERM is not waited on for the grace */
	t0 = now_ms();
	sh("sleep 30", &(struct iso_run_opts){.timeout_ms = 100}, &r);
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_true(now_ms() - t0 < 100 + ISO_RUN_GRACE_MS);
	iso_run_result_release(&r);

	/* in time: no timeout */
	sh("sleep 0.1; echo ok", &(struct iso_run_opts){.timeout_ms = 5000}, &r);
	assert_false(r.timed_out);
	assert_string_equal(r.out, "ok\n");
	iso_run_result_release(&r);
}

static void test_output_capped(void **state)
{
	struct iso_run_result r;
	size_t cap = 100 * 1000;
	sh("yes 0123456789 | head -c 3000000; echo tail >&2; exit 4", &(struct iso_run_opts){.max_output = cap}, &r);
	assert_int_equal(r.status, 4); /* the child ran to its end */
	assert_int_equal(r.out_len, cap);
	assert_int_equal(strlen(r.out), cap);
	assert_true(r.out_truncated);
	assert_int_equal(strncmp(r.out, "0123456789\n0123456789\n", 22), 0);
	assert_string_equal(r.err, "tail\n");
	assert_false(r.err_truncated);
	iso_run_result_release(&r);
	/* exactly the cap is not truncated */
	sh("printf 12345", &(struct iso_run_opts){.max_output = 5}, &r);
	assert_string_equal(r.out, "12345");
	assert_false(r.out_truncated);
	iso_run_result_release(&r);
}

static void test_isopod(void **state)
{
	struct iso_run_result r;
	assert_int_equal(iso_run_isopod(NULL, &r, "%s", "--version"), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, ISOPOD_VERSION));
	iso_run_result_release(&r);
}

static void test_rmtree(void **state)
{
	char dir[] = "/tmp/isopod-test-run-XXXXXX", outside[] = "/tmp/isopod-test-run-out-XXXXXX";
	char p[256];
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(outside));
	snprintf(p, sizeof p, "%s/kept", outside);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	const char *subdirs[] = {"a", "a/b", "a/b/c"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, subdirs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
	}
	snprintf(p, sizeof p, "%s/a/b/file", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	snprintf(p, sizeof p, "%s/a/link", dir);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof p, "%s/top", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));

	assert_int_equal(iso_rmtree(dir), 0);
	struct stat st;
	assert_int_equal(lstat(dir, &st), -1);
	snprintf(p, sizeof p, "%s/kept", outside);
	assert_int_equal(lstat(p, &st), 0);   /* the link was removed, not followed */
	assert_int_equal(iso_rmtree(dir), 0); /* gone already: success */
	assert_int_equal(iso_rmtree(outside), 0);
	assert_int_equal(lstat(outside, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_output_capped),
		cmocka_unit_test(test_isopod),
		cmocka_unit_test(test_rmtree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
