/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands around a running work order, driven through the built
 * ./isopod against real rootless Podman: exec passes exit status through
 * (7, and 127 for a missing command), forwards stdin to psql, follows a
 * window resize under a pseudo-terminal, and with --json leaves the
 * command's output alone while its own failures are the error document;
 * logs --tail 5 prints 5 lines (with --json a document of 5 lines) and
 * logs --follow ends on SIGINT (with --json after printing JSON lines);
 * ls --json is one object whose work_orders rows have the fields status
 * --json has; gc finishes an `up` killed with SIGKILL.  Each test's work
 * orders are its own (t-cmds-<pid>), its state directory a temporary one,
 * its ports offsets 30-39 of ISOPOD_TEST_PORTS (default 18890-18949, so
 * 18920-18929); everything is removed afterwards, also when a test fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "iso_run.h"
#include "podman_test.h"

#define ISOPOD ISO_ISOPOD_BIN

static char wo[64], wo_killed[64];
static char state_dir[] = "/tmp/isopod-test-cmds-XXXXXX";
static int up_done, up_failed;

/*
 * Run isopod ARGV with IN on stdin; *out gets stdout (and stderr when MERGE, else stderr is echoed). Returns the
 * exit status.  A --json answer on its own stdout is checked against its schema (ptest_check_json).
 */
static int run(const char *const *argv, const char *in, int merge, char **out)
{
	struct iso_run_result r;
	if (iso_run(argv, &(struct iso_run_opts){.stdin_text = in, .merge = merge}, &r) < 0)
		fail_msg("cannot run %s: %s", argv[0], strerror(errno));
	if (!merge && r.err_len)
		fputs(r.err, stderr);
	if (!merge)
		ptest_check_json(argv + 1, r.status, r.out);
	int status = r.status;
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	iso_run_result_release(&r);
	return status;
}

static void remember(const char *id)
{
	char name[160];
	snprintf(name, sizeof name, "hub-%s", id);
	ptest_cleanup_add(PTEST_POD, name);
	snprintf(name, sizeof name, "db-hub-%s-data", id);
	ptest_cleanup_add(PTEST_VOLUME, name);
	snprintf(name, sizeof name, "odoo-hub-%s-data", id);
	ptest_cleanup_add(PTEST_VOLUME, name);
}

/* The shared work order, brought up once for the tests that need one running. */
static void need_up(void)
{
	ptest_require_podman();
	if (up_failed)
		fail_msg("'isopod up %s' failed earlier", wo);
	if (up_done)
		return;
	char *out = NULL;
	const char *argv[] = {ISOPOD, "up", wo, NULL};
	int rc = run(argv, NULL, 1, &out);
	if (rc != 0) {
		up_failed = 1;
		fail_msg("isopod up %s: exit %d: %s", wo, rc, out);
	}
	free(out);
	up_done = 1;
}

static int group_setup(void **state)
{
	if (!mkdtemp(state_dir))
		return -1;
	char xdg[128];
	snprintf(xdg, sizeof xdg, "%s/isopod", state_dir);
	setenv("ISOPOD_STATE_DIR", xdg, 1);
	setenv("XDG_STATE_HOME", state_dir, 1);
	int lo = 18890, hi = 18949;
	const char *r = getenv("ISOPOD_TEST_PORTS");
	if (r && (sscanf(r, "%d-%d", &lo, &hi) != 2 || lo < 1 || hi > 65535 || hi - lo < 39)) {
		fprintf(stderr, "test_cmds: ISOPOD_TEST_PORTS='%s' is not LOW-HIGH with 40 ports\n", r);
		return -1;
	}
	char range[32];
	snprintf(range, sizeof range, "%d-%d", lo + 30, lo + 39);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_PROFILE", "hub", 1);
	unsetenv("NO_COLOR");
	ptest_unique(wo, sizeof wo, "cmds");
	ptest_unique(wo_killed, sizeof wo_killed, "cmds");
	remember(wo);
	remember(wo_killed);
	return 0;
}

static int group_teardown(void **state)
{
	const char *a1[] = {ISOPOD, "down", "--cleanup", wo, NULL};
	const char *a2[] = {ISOPOD, "down", "--cleanup", wo_killed, NULL};
	run(a1, NULL, 1, NULL);
	run(a2, NULL, 1, NULL);
	ptest_cleanup_run();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", state_dir);
	return 0;
}

static void test_exec_exit_status(void **state)
{
	need_up();
	const char *seven[] = {ISOPOD, "exec", wo, "db", "--", "sh", "-c", "exit 7", NULL};
	assert_int_equal(run(seven, NULL, 1, NULL), 7);
	const char *missing[] = {ISOPOD, "exec", wo, "db", "--", "no-such-command-here", NULL};
	assert_int_equal(run(missing, NULL, 1, NULL), 127);
	const char *unknown[] = {ISOPOD, "exec", "t-cmds-nobody", "--", "true", NULL};
	assert_int_equal(run(unknown, NULL, 1, NULL), 125);
}

/* exec --json: the command's output as it is; isopod's own failure is the error document, exit 125. */
static void test_exec_json(void **state)
{
	need_up();
	char *out = NULL;
	const char *echo[] = {ISOPOD, "exec", "--json", wo, "db", "--", "sh", "-c", "echo '[not json'; exit 7", NULL};
	assert_int_equal(run(echo, NULL, 0, &out), 7);
	assert_string_equal(out, "[not json\n");
	free(out);
	const char *unknown[] = {ISOPOD, "exec", "--json", "t-cmds-nobody", "--", "true", NULL};
	assert_int_equal(run(unknown, NULL, 0, &out), 125);
	iso_json *doc = iso_json_parse(out, strlen(out), 0, 1, "exec --json", NULL);
	long long code = 0;
	if (iso_json_int(iso_json_path(doc, "error", "code", NULL), &code) < 0)
		fail_msg("exec --json on an unknown work order: not the error document: '%s'", out);
	assert_int_equal(code, 3);
	assert_string_equal(iso_json_get_string(iso_json_get(doc, "error"), "class"), "unknown-work-order");
	iso_json_free(doc);
	free(out);
	const char *usage[] = {ISOPOD, "exec", "--json", wo, NULL};
	assert_int_equal(run(usage, NULL, 0, &out), 125);
	assert_non_null(strstr(out, "\"class\":\"usage\""));
	free(out);
}

static void test_exec_stdin(void **state)
{
	need_up();
	char db[128], *out = NULL;
	snprintf(db, sizeof db, "hub_%s", wo);
	const char *argv[] = {ISOPOD, "exec", "-i", wo, "db", "--", "psql", "-U", "odoo", "-d", db, "-tA", NULL};
	int rc = run(argv, "SELECT 41+1;\n", 0, &out);
	if (rc != 0 || !strstr(out, "42"))
		fail_msg("exec -i psql: exit %d, output '%s'", rc, out);
	free(out);
}

/* Read from FD until NEEDLE shows up (1) or TIMEOUT_MS passes (0); *acc keeps what was read. */
static int read_until(int fd, const char *needle, int timeout_ms, char *acc, size_t size)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t len = strlen(acc);
	for (;;) {
		if (strstr(acc, needle))
			return 1;
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms)
			return 0;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(timeout_ms - el)) <= 0)
			continue;
		ssize_t k = read(fd, acc + len, size - len - 1);
		if (k <= 0)
			return strstr(acc, needle) != NULL;
		len += (size_t)k;
		acc[len] = '\0';
	}
}

static void test_exec_tty_resize(void **state)
{
	need_up();
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(ISOPOD, ISOPOD, "exec", "-it", wo, "db", "--", "sh", NULL);
		_exit(126);
	}
	char acc[8192] = "";
	/* Type only once the shell prompts: input sent before the session runs may be lost. */
	for (int i = 0; i < 100 && !strstr(acc, "# ") && !strstr(acc, "$ "); i++)
		read_until(master, "# ", 100, acc, sizeof acc);
	acc[0] = '\0';
	assert_true(write(master, "stty size\n", 10) == 10);
	if (!read_until(master, "30 100", 10000, acc, sizeof acc))
		fail_msg("no '30 100' from stty size: '%s'", acc);
	struct winsize bigger = {.ws_row = 40, .ws_col = 120};
	assert_int_equal(ioctl(master, TIOCSWINSZ, &bigger), 0); /* the kernel sends SIGWINCH */
	usleep(300 * 1000);
	acc[0] = '\0';
	assert_true(write(master, "stty size\n", 10) == 10);
	if (!read_until(master, "40 120", 10000, acc, sizeof acc))
		fail_msg("no '40 120' after the resize: '%s'", acc);
	assert_true(write(master, "exit 3\n", 7) == 7);
	read_until(master, "\x01never", 3000, acc, sizeof acc);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(master);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
}

static void test_logs(void **state)
{
	need_up();
	char *out = NULL;
	const char *tail[] = {ISOPOD, "logs", wo, "db", "--tail", "5", NULL};
	assert_int_equal(run(tail, NULL, 1, &out), 0);
	int lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	if (lines != 5)
		fail_msg("logs --tail 5 printed %d lines: '%s'", lines, out);
	free(out);

	/* --json: one document of the same 5 lines, each with its stream. */
	const char *tail_json[] = {ISOPOD, "logs", wo, "db", "--tail", "5", "--json", NULL};
	assert_int_equal(run(tail_json, NULL, 0, &out), 0);
	iso_json *doc = iso_json_parse(out, strlen(out), 0, 1, "logs --json", NULL);
	const iso_json *ls = iso_json_get(doc, "lines");
	if (!iso_json_is(ls, ISO_JSON_ARRAY) || iso_json_len(ls) != 5)
		fail_msg("logs --tail 5 --json: not 5 lines: '%s'", out);
	for (size_t i = 0; i < 5; i++) {
		const char *st = iso_json_get_string(iso_json_at(ls, i), "stream");
		const char *text = iso_json_get_string(iso_json_at(ls, i), "text");
		assert_true(st && (!strcmp(st, "stdout") || !strcmp(st, "stderr")));
		assert_true(text && !strchr(text, '\n'));
	}
	iso_json_free(doc);
	free(out);
	const char *unknown[] = {ISOPOD, "logs", "t-cmds-nobody", "--json", NULL};
	assert_int_equal(run(unknown, NULL, 0, &out), 3);
	assert_non_null(strstr(out, "{\"error\":{\"class\":\"unknown-work-order\""));
	free(out);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(ISOPOD, ISOPOD, "logs", wo, "--follow", NULL);
		_exit(126);
	}
	usleep(1000 * 1000);
	int st;
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0); /* still following */
	kill(pid, SIGINT);
	for (int i = 0; i < 50 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(100 * 1000);
	if (kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("logs --follow did not end within 5 s of SIGINT");
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* logs --follow --json: JSON lines, each {stream, text}, flushed as they come; SIGINT ends it with 0. */
static void test_logs_follow_json(void **state)
{
	need_up();
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(p[1], 1);
		dup2(null, 2);
		close(p[0]);
		execl(ISOPOD, ISOPOD, "logs", wo, "db", "--follow", "--tail", "3", "--json", NULL);
		_exit(126);
	}
	close(p[1]);
	static char acc[65536];
	acc[0] = '\0';
	/* The 3 lines come while it still follows: they were flushed, not held until the end. */
	int n = 0;
	for (int i = 0; i < 100 && n < 3; i++) {
		read_until(p[0], "\x01never", 100, acc, sizeof acc);
		n = 0;
		for (char *c = acc; *c; c++)
			n += *c == '\n';
	}
	int st;
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0); /* still following */
	if (n < 3)
		fail_msg("logs --follow --tail 3 --json: %d lines within 10 s: '%s'", n, acc);
	kill(pid, SIGINT);
	read_until(p[0], "\x01never", 5000, acc, sizeof acc); /* to the end of its output */
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	for (char *line = acc, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		iso_json *o = iso_json_parse(line, (size_t)(nl - line), 0, 1, "a line of logs --follow --json", NULL);
		const char *stream = iso_json_get_string(o, "stream");
		if (!stream || !iso_json_get_string(o, "text") || iso_json_len(o) != 2)
			fail_msg("not a {stream, text} line: '%.*s'", (int)(nl - line), line);
		iso_json_free(o);
	}
	const char *args[] = {"logs", wo, "db", "--follow", "--tail", "3", "--json", NULL};
	ptest_check_json(args, 0, acc);
}

static void test_status_has_ls_fields(void **state)
{
	need_up();
	char *ls = NULL, *st = NULL;
	const char *a1[] = {ISOPOD, "ls", "--json", NULL};
	const char *a2[] = {ISOPOD, "status", wo, "--json", NULL};
	assert_int_equal(run(a1, NULL, 0, &ls), 0);
	assert_int_equal(run(a2, NULL, 0, &st), 0);
	iso_json *doc = iso_json_parse(ls, strlen(ls), 0, 1, "ls", NULL);
	iso_json *s = iso_json_parse(st, strlen(st), 0, 1, "status", NULL);
	assert_non_null(doc);
	assert_non_null(s);
	/* One object, its rows under work_orders (0.2; 0.1 printed a bare array). */
	if (!iso_json_is(doc, ISO_JSON_OBJECT) || iso_json_len(doc) != 1)
		fail_msg("ls --json is not one object of one member: %s", ls);
	const iso_json *l = iso_json_get(doc, "work_orders");
	assert_true(iso_json_is(l, ISO_JSON_ARRAY));
	const iso_json *row = NULL;
	for (size_t i = 0; i < iso_json_len(l); i++) {
		const char *w = iso_json_get_string(iso_json_at(l, i), "work_order");
		if (w && !strcmp(w, wo))
			row = iso_json_at(l, i);
	}
	if (!row)
		fail_msg("ls --json has no row of '%s': %s", wo, ls);
	assert_true(iso_json_len(row) >= 9);
	for (size_t i = 0; i < iso_json_len(row); i++)
		if (!iso_json_get(s, iso_json_key_at(row, i)))
			fail_msg("status --json lacks '%s' of ls --json: %s", iso_json_key_at(row, i), st);
	assert_string_equal(iso_json_get_string(s, "state"), "running");
	assert_true(iso_json_len(iso_json_get(s, "containers")) >= 2);
	iso_json_free(doc);
	iso_json_free(s);
	free(ls);
	free(st);
}

static int exists(const char *kind, const char *name)
{
	char path[256];
	long status = 0;
	snprintf(path, sizeof path, "/v4.0.0/libpod/%s/%s/exists", kind, name);
	assert_int_equal(ptest_request("GET", path, NULL, &status, NULL), 0);
	return status == 204;
}

/* Whether `ports --json` says WO's lease records a pod made. */
static int lease_records_pod(const char *json, const char *id)
{
	iso_json *root = iso_json_parse(json, strlen(json), 0, 1, "ports", NULL);
	const iso_json *leases = iso_json_get(root, "leases");
	int found = 0;
	for (size_t i = 0; i < iso_json_len(leases); i++) {
		const iso_json *l = iso_json_at(leases, i);
		const char *w = iso_json_get_string(l, "work_order");
		const iso_json *made = iso_json_get(l, "made");
		for (size_t k = 0; w && !strcmp(w, id) && k < iso_json_len(made); k++)
			found |= !strcmp(iso_json_string(iso_json_at(made, k)) ? iso_json_string(iso_json_at(made, k))
									       : "",
					 "pod");
	}
	iso_json_free(root);
	return found;
}

static void test_gc_finishes_killed_up(void **state)
{
	ptest_require_podman();
	char pod[128], vol[128];
	snprintf(pod, sizeof pod, "hub-%s", wo_killed);
	snprintf(vol, sizeof vol, "db-hub-%s-data", wo_killed);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(ISOPOD, ISOPOD, "up", wo_killed, NULL);
		_exit(126);
	}
	/*
	 * Kill it once the pod exists and the lease records it: `up` notes an
	 * object in its lease just after making it, so a kill in between leaves
	 * an object gc does not know of (reported to the lead).
	 */
	int made = 0;
	for (int i = 0; i < 1000 && !made; i++) {
		char *ports = NULL;
		const char *pa[] = {ISOPOD, "ports", "--json", NULL};
		made = exists("pods", pod) && run(pa, NULL, 0, &ports) == 0 && lease_records_pod(ports, wo_killed);
		free(ports);
		if (!made)
			usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	if (!made)
		fail_msg("the pod of 'up %s' never appeared", wo_killed);
	assert_true(exists("volumes", vol));

	char *out = NULL;
	const char *gc[] = {ISOPOD, "gc", NULL};
	int rc = run(gc, NULL, 1, &out);
	if (rc != 0 || !strstr(out, wo_killed))
		fail_msg("gc: exit %d: '%s'", rc, out);
	free(out);
	assert_false(exists("pods", pod));
	assert_false(exists("volumes", vol));
	const char *ls[] = {ISOPOD, "ls", "--json", NULL};
	assert_int_equal(run(ls, NULL, 0, &out), 0);
	if (strstr(out, wo_killed))
		fail_msg("'%s' still listed after gc (lease not released?): %s", wo_killed, out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_exit_status),
		cmocka_unit_test(test_exec_json),
		cmocka_unit_test(test_exec_stdin),
		cmocka_unit_test(test_exec_tty_resize),
		cmocka_unit_test(test_logs),
		cmocka_unit_test(test_logs_follow_json),
		cmocka_unit_test(test_status_has_ls_fields),
		cmocka_unit_test(test_gc_finishes_killed_up),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
