/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress model (progress/progress.h): events fed to each renderer
 * come out as the user sees them: plain lines, JSON lines that parse with
 * their fields, one terminal line rewritten with a carriage return and
 * ended by the result, nothing with -q; colour on a terminal only, never
 * with NO_COLOR or TERM=dumb; and Odoo's "Loading module" lines counted
 * over two loading passes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/json.h"
#include "podman/exec.h"
#include "progress/progress.h"
#include "iso_test.h"

/* The events of a short `up`: three steps, a counted step, the result. */
static void feed(const struct progress_sink *s)
{
	progress_step(s, "volumes", "creating volumes");
	progress_step(s, "pod", "creating pod '%s'", "isopod-hub-wo-1");
	progress_count(s, "init", 2, 7, "Loading module %s", "web");
	progress_done(s, "up", "work order '%s' is up", "WO-1");
}

static void test_plain_lines(void **state)
{
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_PLAIN, c.f);
	struct progress_sink s = progress_render_sink(&pr);
	feed(&s);
	progress_render_end(&pr);
	iso_test_mem_close(&c);
	assert_string_equal(c.text, "volumes: creating volumes\n"
				    "pod: creating pod 'isopod-hub-wo-1'\n"
				    "init: Loading module web (2/7)\n"
				    "up: work order 'WO-1' is up\n");
	assert_null(strchr(c.text, '\r'));
	assert_null(strchr(c.text, '\033'));
	free(c.text);
}

static void test_json_lines(void **state)
{
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_JSON, c.f);
	struct progress_sink s = progress_render_sink(&pr);
	feed(&s);
	progress_step(&s, "odd", "a \"quoted\"\tmessage\n");
	iso_test_mem_close(&c);
	const char *want_step[] = {"volumes", "pod", "init", "up", "odd"};
	const char *want_phase[] = {"start", "start", "update", "done", "start"};
	int lines = 0;
	for (char *line = strtok(c.text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		assert_true(lines < 5);
		iso_json *j = iso_json_parse(line, strlen(line), 0, ISO_E_INTERNAL, "a progress line", NULL);
		assert_non_null(j);
		assert_string_equal(iso_json_get_string(j, "step"), want_step[lines]);
		assert_string_equal(iso_json_get_string(j, "phase"), want_phase[lines]);
		assert_non_null(iso_json_get_string(j, "message"));
		long long v = -1;
		assert_int_equal(iso_json_int(iso_json_path(j, "elapsed_ms", NULL), &v), 0);
		assert_true(v >= 0);
		if (lines == 2) {
			assert_int_equal(iso_json_int(iso_json_path(j, "count", NULL), &v), 0);
			assert_int_equal(v, 2);
			assert_int_equal(iso_json_int(iso_json_path(j, "total", NULL), &v), 0);
			assert_int_equal(v, 7);
			assert_string_equal(iso_json_get_string(j, "message"), "Loading module web");
		} else {
			/* Unknown counts are left out, not invented. */
			assert_null(iso_json_path(j, "count", NULL));
			assert_null(iso_json_path(j, "total", NULL));
		}
		if (lines == 4)
			assert_string_equal(iso_json_get_string(j, "message"), "a \"quoted\"\tmessage\n");
		iso_json_free(j);
	}
	assert_int_equal(lines, 5);
	free(c.text);
}

static void test_tty_line_updates_in_place(void **state)
{
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_TTY, c.f); /* not a terminal: no colour, 80 columns */
	struct progress_sink s = progress_render_sink(&pr);
	feed(&s);
	iso_test_mem_close(&c);
	assert_string_equal(c.text, "\r\033[Kvolumes: creating volumes"
				    "\r\033[Kpod: creating pod 'isopod-hub-wo-1'"
				    "\r\033[Kinit: Loading module web (2/7)"
				    "\r\033[Kwork order 'WO-1' is up\n");
	free(c.text);
}

static void test_tty_line_cut_and_ended(void **state)
{
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_TTY, c.f);
	struct progress_sink s = progress_render_sink(&pr);
	char longmsg[300];
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	progress_step(&s, "pull", "%s", longmsg);
	assert_true(pr.line_open);
	progress_render_end(&pr); /* an error follows: the line ends first */
	progress_render_end(&pr); /* only once */
	iso_test_mem_close(&c);
	/* A line never wraps (the next \r would then rewrite only its last row): 79 columns at most. */
	assert_int_equal(strlen(c.text), strlen("\r\033[K") + 79 + 1);
	assert_int_equal(c.text[c.len - 1], '\n');
	assert_int_equal(c.text[c.len - 2], 'x');
	free(c.text);
}

static void test_tty_fail_keeps_the_step(void **state)
{
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_TTY, c.f);
	struct progress_sink s = progress_render_sink(&pr);
	progress_step(&s, "database", "waiting for Postgres");
	progress_fail(&s, "up", "up of 'WO-1' failed");
	progress_render_end(&pr);
	iso_test_mem_close(&c);
	/* The step that failed stays on screen, ended, for the error that follows. */
	assert_string_equal(c.text, "\r\033[Kdatabase: waiting for Postgres\n");
	free(c.text);
}

static void test_quiet_is_silent(void **state)
{
	assert_int_equal(progress_cli_format(PROGRESS_AUTO, 1, 0, STDERR_FILENO), PROGRESS_NONE);
	assert_int_equal(progress_cli_format(PROGRESS_AUTO, 0, 1, STDERR_FILENO),
			 PROGRESS_NONE); /* --json: stdout only */
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_NONE, c.f);
	struct progress_sink s = progress_render_sink(&pr);
	feed(&s);
	progress_render_end(&pr);
	iso_test_mem_close(&c);
	assert_int_equal(c.len, 0);
	free(c.text);
	/* A NULL sink takes events too. */
	feed(NULL);
}

static void test_cli_format_choice(void **state)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(progress_cli_format(PROGRESS_AUTO, 0, 0, fd), PROGRESS_PLAIN); /* no terminal */
	assert_int_equal(progress_cli_format(PROGRESS_REQ_JSON, 0, 0, fd), PROGRESS_JSON);
	assert_int_equal(progress_cli_format(PROGRESS_REQ_JSON, 0, 1, fd), PROGRESS_JSON); /* --json --progress=json */
	assert_int_equal(progress_cli_format(PROGRESS_REQ_JSON, 1, 0, fd), PROGRESS_JSON); /* asked for by name */
	assert_int_equal(progress_cli_format(PROGRESS_REQ_PLAIN, 0, 0, fd), PROGRESS_PLAIN);
	assert_int_equal(progress_cli_format(PROGRESS_REQ_PLAIN, 1, 0, fd), PROGRESS_NONE);
	enum progress_request r;
	assert_int_equal(progress_request_parse("json", &r), 0);
	assert_int_equal(r, PROGRESS_REQ_JSON);
	assert_int_equal(progress_request_parse("plain", &r), 0);
	assert_int_equal(r, PROGRESS_REQ_PLAIN);
	assert_int_equal(progress_request_parse("auto", &r), 0);
	assert_int_equal(r, PROGRESS_AUTO);
	assert_int_equal(progress_request_parse("xml", &r), -1);
	close(fd);
}

/* Render one step on a pseudo-terminal; what the master side reads, in BUF. */
static void on_pty(enum progress_format want, char *buf, size_t size)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		skip();
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	int sfd = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(sfd >= 0);
	assert_int_equal(progress_cli_format(PROGRESS_AUTO, 0, 0, sfd), want);
	FILE *f = fdopen(sfd, "w");
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_TTY, f);
	struct progress_sink s = progress_render_sink(&pr);
	progress_step(&s, "pod", "creating pod");
	progress_done(&s, "up", "up");
	fclose(f);
	ssize_t n = read(m, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(m);
}

static void test_colour_on_terminal_only(void **state)
{
	char buf[512];
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	on_pty(PROGRESS_TTY, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\033[1mpod\033[0m: creating pod"));
	setenv("NO_COLOR", "1", 1);
	on_pty(PROGRESS_TTY, buf, sizeof(buf));
	assert_non_null(strstr(buf, "pod: creating pod"));
	assert_null(strstr(buf, "\033[1m"));
	assert_null(strstr(buf, "\033[32m"));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	on_pty(PROGRESS_PLAIN, buf, sizeof(buf)); /* a dumb terminal gets plain lines */
	assert_null(strstr(buf, "\033[1m"));
	unsetenv("TERM");
}

struct recorded {
	int n;
	long count[16], total[16];
	char msg[16][64];
};

static void record(void *ctx, const struct progress_event *ev)
{
	struct recorded *r = ctx;
	assert_string_equal(ev->step, "init");
	assert_true(r->n < 16);
	r->count[r->n] = ev->count;
	r->total[r->n] = ev->total;
	snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", ev->message);
	r->n++;
}

/* Odoo 18's `-i base` log: base alone, then the auto-installed modules in a second pass. */
static void test_odoo_loading_two_passes(void **state)
{
	static const char *log[] = {
		"2026-12-02 05:10:10,001 42 INFO ? odoo: Odoo version 18.0",
		"2026-12-02 05:10:10,100 42 INFO hub_wo-042 odoo.modules.loading: init db",
		"2026-12-02 05:10:11,123 42 INFO hub_wo-042 odoo.modules.loading: loading 1 modules...",
		"2026-12-02 05:10:11,124 42 INFO hub_wo-042 odoo.modules.loading: Loading module base (1/1)",
		"2026-12-02 05:10:13,500 42 INFO hub_wo-042 odoo.modules.loading: 1 modules loaded in 2.38s, 9123 "
		"queries (+9123 extra)",
		"2026-12-02 05:10:13,600 42 INFO hub_wo-042 odoo.modules.loading: updating modules list",
		"2026-12-02 05:10:14,000 42 INFO hub_wo-042 odoo.modules.loading: loading 3 modules...",
		"2026-12-02 05:10:14,001 42 INFO hub_wo-042 odoo.modules.loading: Loading module web (2/3)\r\n",
		"2026-12-02 05:10:14,501 42 INFO hub_wo-042 odoo.modules.loading: Loading module bus (3/3)",
		"2026-12-02 05:10:14,600 42 WARNING hub_wo-042 odoo.other: Loading module evil (9/9)",
		"2026-12-02 05:10:14,700 42 INFO hub_wo-042 odoo.modules.loading: Loading module broken (x/3)",
		"2026-12-02 05:10:14,800 42 INFO hub_wo-042 odoo.modules.loading: loading",
		"2026-12-02 05:10:15,000 42 INFO hub_wo-042 odoo.modules.loading: Modules loaded.",
		"2026-12-02 05:10:15,100 42 INFO hub_wo-042 odoo.service.server: Initiating shutdown",
	};
	struct recorded r = {0};
	struct progress_sink s = {.emit = record, .ctx = &r};
	struct progress_odoo st = {0};
	int events = 0;
	for (size_t i = 0; i < sizeof(log) / sizeof(log[0]); i++)
		events += progress_odoo_line(&st, log[i], &s);
	assert_int_equal(events, 6);
	assert_int_equal(r.n, 6);
	assert_int_equal(st.pass, 2);
	assert_true(st.loaded);
	const long count[] = {0, 1, 0, 2, 3, 3}, total[] = {1, 1, 3, 3, 3, 3};
	const char *msg[] = {"loading pass 1",     "Loading module base", "loading pass 2",
			     "Loading module web", "Loading module bus",  "Modules loaded"};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(r.count[i], count[i]);
		assert_int_equal(r.total[i], total[i]);
		assert_string_equal(r.msg[i], msg[i]);
	}
}

static int pull_cb(void *ctx, const char *line)
{
	progress_pull_line(ctx, line);
	return 0;
}

/* A pull recorded from Podman 4.3 (tests/data/podman/image_pull.json), through podman's stream reader. */
static void test_pull_lines_count_blobs(void **state)
{
	FILE *f = fopen(ISO_TEST_DATA "/podman/image_pull.json", "r");
	assert_non_null(f);
	char body[4096];
	size_t len = fread(body, 1, sizeof(body), f);
	fclose(f);
	struct iso_test_mem c;
	iso_test_mem_open(&c);
	struct progress_render pr;
	progress_render_init(&pr, PROGRESS_PLAIN, c.f);
	struct progress_sink s = progress_render_sink(&pr);
	struct progress_pull pp = {.image = "tiny:1", .sink = &s};
	struct podman_pull_state *ps = podman_pull_state_new(pull_cb, &pp);
	/* In two chunks, cut inside a line, as the transport hands them over. */
	assert_int_equal(podman_pull_feed(ps, body, 100, NULL), 0);
	assert_int_equal(podman_pull_feed(ps, body + 100, len - 100, NULL), 0);
	assert_int_equal(podman_pull_finish(ps, NULL, NULL), 0);
	podman_pull_state_free(ps);
	iso_test_mem_close(&c);
	assert_string_equal(c.text, "pull: tiny:1: Trying to pull 127.0.0.1:18949/tiny:1...\n"
				    "pull: tiny:1: Getting image source signatures\n"
				    "pull: tiny:1: Copying blob b8ca757dbceb (1)\n"
				    "pull: tiny:1: Copying config da3795c36fb8\n"
				    "pull: tiny:1: Writing manifest to image destination\n"
				    "pull: tiny:1: Storing signatures\n");
	assert_int_equal(pp.blobs, 1);
	free(c.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_tty_line_updates_in_place),
		cmocka_unit_test(test_tty_line_cut_and_ended),
		cmocka_unit_test(test_tty_fail_keeps_the_step),
		cmocka_unit_test(test_quiet_is_silent),
		cmocka_unit_test(test_cli_format_choice),
		cmocka_unit_test(test_colour_on_terminal_only),
		cmocka_unit_test(test_odoo_loading_two_passes),
		cmocka_unit_test(test_pull_lines_count_blobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
