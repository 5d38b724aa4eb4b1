/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress of `isopod up` as a user sees it, on real rootless Podman:
 * inside tmux (a terminal) one line on stderr is rewritten in place as the
 * steps go (volumes, secret, pod, database, init with Odoo's module count,
 * odoo) and ends with the result; with --progress=json every line on stderr
 * is a JSON object with the fields of the model, and stdout keeps its one
 * document.  The tmux server has a socket of its own (tmux -L) and only it is
 * killed.  Ports: the block 20-29 above the low end of ISOPOD_TEST_PORTS
 * (default 18910-18919).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/json.h"
#include "iso_run.h"
#include "podman_test.h"

#define ISOPOD ISO_ISOPOD_BIN

static char state_dir[64];
static char sock[64];
static char wos[2][48];

static int tmux(char **out, const char *a1, const char *a2, const char *a3, const char *a4)
{
	const char *argv[] = {"tmux", "-L", sock, a1, a2, a3, a4, NULL};
	struct iso_run_result r;
	if (iso_run(argv, NULL, &r) < 0)
		fail_msg("cannot run tmux: %s", strerror(errno));
	if (out)
		*out = r.out, r.out = NULL;
	int st = r.status;
	iso_run_result_release(&r);
	return st;
}

static void nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/isopod-prog-XXXXXX");
	if (!mkdtemp(state_dir))
		return -1;
	/* 18910-18919 by default: a block no other test takes. */
	int lo = ptest_ports_block(20, 10);
	if (lo < 0)
		return -1;
	char range[32], path[128];
	snprintf(range, sizeof(range), "%d-%d", lo, lo + 9);
	setenv("ISOPOD_STATE_DIR", state_dir, 1);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_ODOO_IMAGE", ptest_odoo_image(), 1);
	setenv("ISOPOD_DB_IMAGE", ptest_db_image(), 1);
	unsetenv("ISOPOD_PROFILE");
	unsetenv("NO_COLOR");
	/* The stand-in's modules take 0.4 s each: the init's count is on screen long enough to be read. */
	setenv("XDG_CONFIG_HOME", state_dir, 1);
	snprintf(path, sizeof(path), "%s/isopod", state_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/isopod/config.json", state_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("{\"profiles\": {\"hub\": {\"env\": {\"ODOO_STANDIN_MODULE_SECONDS\": \"0.4\"}}}}\n", f);
	fclose(f);
	snprintf(sock, sizeof(sock), "isopod-prog-%d", (int)getpid());
	for (int i = 0; i < 2; i++)
		snprintf(wos[i], sizeof(wos[0]), "t-prog-%d-%c", (int)getpid(), 'a' + i);
	return 0;
}

static int teardown(void **state)
{
	tmux(NULL, "kill-server", NULL, NULL, NULL);
	/* tmux leaves its socket file behind. */
	char path[256];
	const char *tmp = getenv("TMUX_TMPDIR");
	snprintf(path, sizeof(path), "%s/tmux-%d/%s", tmp && *tmp ? tmp : "/tmp", (int)getuid(), sock);
	unlink(path);
	for (int i = 0; i < 2; i++) {
		char *out = NULL;
		ptest_isopod(&out, &out, "down %s --cleanup --quiet", wos[i]);
		free(out);
	}
	const char *argv[] = {"rm", "-rf", state_dir, NULL};
	struct iso_run_result r;
	if (iso_run(argv, NULL, &r) == 0)
		iso_run_result_release(&r);
	return 0;
}

/* The last non-blank line of a captured screen, into LINE. */
static void last_line(const char *screen, char *line, size_t size)
{
	const char *end = screen + strlen(screen);
	while (end > screen && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > screen && start[-1] != '\n')
		start--;
	snprintf(line, size, "%.*s", (int)(end - start), start);
}

static int is_step_line(const char *l)
{
	static const char *steps[] = {"volumes: ", "secret: ", "pod: ", "database: ", "init: ", "odoo: "};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (!strncmp(l, steps[i], strlen(steps[i])))
			return 1;
	return 0;
}

/* In a terminal: one line, rewritten as the steps go, ended by the result. */
static void test_terminal_line_updates(void **state)
{
	ptest_require_podman();
	const char *w = wos[0];
	char script[128];
	snprintf(script, sizeof(script), "%s/run.sh", state_dir);
	FILE *f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n'%s' up %s 2>&1\necho \"[exit $?]\"\nexec sleep 600\n", ISOPOD, w);
	fclose(f);
	chmod(script, 0700);
	/* The server is started here, so it (and the shell it runs) has this process's environment. */
	const char *argv[] = {"tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-x",
			      "160",  "-y", "40", "-s", "prog",      script,        NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, NULL, &r), 0);
	assert_int_equal(r.status, 0);
	iso_run_result_release(&r);

	char seen[64][200];
	int n_seen = 0, saw_count = 0, two_at_once = 0, done = 0;
	char *screen = NULL;
	for (int i = 0; i < 240 * 20 && !done; i++) {
		free(screen);
		screen = NULL;
		if (tmux(&screen, "capture-pane", "-p", "-t", "prog") != 0)
			fail_msg("tmux capture-pane failed");
		done = strstr(screen, "[exit ") != NULL;
		/* Only one step line on the screen at a time: each replaced the one before. */
		int steps_on_screen = 0;
		for (char *l = screen, *nl; l && *l; l = nl ? nl + 1 : NULL) {
			nl = strchr(l, '\n');
			char one[200];
			snprintf(one, sizeof(one), "%.*s", nl ? (int)(nl - l) : (int)strlen(l), l);
			steps_on_screen += is_step_line(one);
		}
		two_at_once |= steps_on_screen > 1;
		char line[200];
		last_line(screen, line, sizeof(line));
		if (is_step_line(line) && (n_seen == 0 || strcmp(seen[n_seen - 1], line)) && n_seen < 64) {
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", line);
			saw_count |= !strncmp(line, "init: Loading module ", 21) && strchr(line, '/');
		}
		if (!done)
			nap_ms(50);
	}
	assert_true(done);
	for (int i = 0; i < n_seen; i++)
		print_message("  progress line %d: %s\n", i + 1, seen[i]);
	if (!strstr(screen, "[exit 0]"))
		fail_msg("isopod up failed in tmux; the screen:\n%s", screen);
	assert_false(two_at_once);
	/* It updated: several steps were seen in turn on the one line, Odoo's module count among them. */
	assert_true(n_seen >= 4);
	assert_true(saw_count);
	/* It ended with the result, the step lines gone. */
	char want[128];
	snprintf(want, sizeof(want), "work order %s is up (created) in ", w);
	assert_non_null(strstr(screen, want));
	for (char *l = screen, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		char one[200];
		snprintf(one, sizeof(one), "%.*s", nl ? (int)(nl - l) : (int)strlen(l), l);
		if (is_step_line(one))
			fail_msg("a step line stayed on screen after the result: %s", one);
	}
	free(screen);
}

/* --progress=json: every stderr line a JSON object of the model; stdout one document. */
static void test_json_progress_lines(void **state)
{
	ptest_require_podman();
	const char *w = wos[1];
	char *out = NULL, *err = NULL;
	int rc = ptest_isopod(&out, &err, "--progress=json up %s --json", w);
	if (rc != 0)
		fail_msg("up: exit %d: %s", rc, err);
	cleanup_json iso_json *doc = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "up --json", NULL);
	assert_non_null(doc);
	int lines = 0, counted = 0, passes = 0;
	const char *want_steps[] = {"volumes", "secret", "pod", "database", "init", "odoo", "up"};
	int have[7] = {0};
	char last_phase[16] = "";
	for (char *l = strtok(err, "\n"); l; l = strtok(NULL, "\n")) {
		iso_json *j = iso_json_parse(l, strlen(l), 0, ISO_E_INTERNAL, "a progress line", NULL);
		if (!j)
			fail_msg("not a JSON line on stderr: %s", l);
		const char *step = iso_json_get_string(j, "step"), *phase = iso_json_get_string(j, "phase");
		const char *msg = iso_json_get_string(j, "message");
		long long ms = -1, count = -1, total = -1;
		assert_non_null(step);
		assert_non_null(phase);
		assert_non_null(msg);
		assert_int_equal(iso_json_int(iso_json_path(j, "elapsed_ms", NULL), &ms), 0);
		for (int i = 0; i < 7; i++)
			have[i] |= !strcmp(step, want_steps[i]);
		if (iso_json_int(iso_json_path(j, "count", NULL), &count) == 0 &&
		    iso_json_int(iso_json_path(j, "total", NULL), &total) == 0) {
			assert_true(count >= 0 && count <= total);
			counted += !strncmp(msg, "Loading module ", 15);
			passes += !strncmp(msg, "loading ", 8);
		}
		snprintf(last_phase, sizeof(last_phase), "%s", phase);
		iso_json_free(j);
		lines++;
	}
	for (int i = 0; i < 7; i++)
		if (!have[i])
			fail_msg("no progress line of step '%s'", want_steps[i]);
	/* The stand-in's two loading passes: base, then base and 8 more. */
	assert_int_equal(passes, 2);
	assert_int_equal(counted, 9);
	assert_string_equal(last_phase, "done");
	print_message("  %d JSON progress lines\n", lines);
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal_line_updates),
		cmocka_unit_test(test_json_progress_lines),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
