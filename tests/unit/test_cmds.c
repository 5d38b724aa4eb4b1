/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure helpers of `isopod ls` (cmd/ls.h): Podman's time stamps, ages for
 * people, and which state a row is called; the lines of `isopod logs
 * --json` (cmd/log_lines.h), written to a memory stream.  Nothing here
 * talks to Podman.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/log_lines.h"
#include "cmd/ls.h"
#include "iso_test.h"

static void test_parse_time(void **state)
{
	assert_int_equal(cmd_ls_parse_time("2024-05-01T10:20:30Z"), 1714558830LL);
	assert_int_equal(cmd_ls_parse_time("2024-05-01T12:20:30.123456789+02:00"), 1714558830LL);
	assert_int_equal(cmd_ls_parse_time("2024-05-01T08:20:30.5-02:00"), 1714558830LL);
	assert_int_equal(cmd_ls_parse_time("yesterday"), -1);
	assert_int_equal(cmd_ls_parse_time(NULL), -1);
}

static void test_format_age(void **state)
{
	char b[32];
	cmd_ls_format_age(-1, b, sizeof b);
	assert_string_equal(b, "-");
	cmd_ls_format_age(45, b, sizeof b);
	assert_string_equal(b, "45s");
	cmd_ls_format_age(5 * 60 + 59, b, sizeof b);
	assert_string_equal(b, "5m");
	cmd_ls_format_age(3 * 3600 + 10, b, sizeof b);
	assert_string_equal(b, "3h");
	cmd_ls_format_age(2 * 86400 + 5, b, sizeof b);
	assert_string_equal(b, "2d");
}

static void test_row_state(void **state)
{
	assert_string_equal(cmd_ls_row_state("Running", 1, 2, 1, 0, 0), "running");
	assert_string_equal(cmd_ls_row_state("Degraded", 1, 2, 1, 0, 0), "degraded");
	assert_string_equal(cmd_ls_row_state("Exited", 1, 2, 1, 0, 0), "stopped");
	assert_string_equal(cmd_ls_row_state("", 0, 2, 1, 0, 0), "down");
	assert_string_equal(cmd_ls_row_state("Running", 1, 2, 1, 1, 1), "creating");
	assert_string_equal(cmd_ls_row_state("Running", 1, 2, 1, 1, 0), "interrupted");
	assert_string_equal(cmd_ls_row_state("", 0, 0, 1, 0, 0), "leased");
}

/* Frames cut lines anywhere; the two streams interleave; a last line without its newline still counts. */
static void test_log_lines_document(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 0, m.f);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "first li", 8), 0);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDERR, "oops\nhalf", 9), 0);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "ne\n\nq\"\t\n", 8), 0);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "bad \xff\xc3 end", 10), 0);
	fflush(m.f);
	assert_int_equal(m.len, 0); /* nothing before the end: the stdout stays free for an error */
	struct iso_error *err = NULL;
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	cmd_log_lines_release(&l);
	fflush(m.f);
	assert_string_equal(m.text, "{\"lines\":[{\"stream\":\"stderr\",\"text\":\"oops\"},"
				    "{\"stream\":\"stdout\",\"text\":\"first line\"},"
				    "{\"stream\":\"stdout\",\"text\":\"\"},"
				    "{\"stream\":\"stdout\",\"text\":\"q\\\"\\t\"},"
				    "{\"stream\":\"stdout\",\"text\":\"bad \xef\xbf\xbd\xef\xbf\xbd end\"},"
				    "{\"stream\":\"stderr\",\"text\":\"half\"}]}\n");
	iso_test_mem_close(&m);
	free(m.text);

	/* Nothing at all: an empty list. */
	iso_test_mem_open(&m);
	cmd_log_lines_init(&l, 0, m.f);
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	cmd_log_lines_release(&l);
	fflush(m.f);
	assert_string_equal(m.text, "{\"lines\":[]}\n");
	iso_test_mem_close(&m);
	free(m.text);
}

/* With follow each line is out, whole and flushed, as soon as its newline came. */
static void test_log_lines_follow(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 1, m.f);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "a\nb", 3), 0);
	assert_string_equal(m.text, "{\"stream\":\"stdout\",\"text\":\"a\"}\n");
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDERR, "\xe2\x82\xac\n", 4), 0);
	assert_string_equal(m.text, "{\"stream\":\"stdout\",\"text\":\"a\"}\n"
				    "{\"stream\":\"stderr\",\"text\":\"\xe2\x82\xac\"}\n");
	struct iso_error *err = NULL;
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	assert_string_equal(m.text, "{\"stream\":\"stdout\",\"text\":\"a\"}\n"
				    "{\"stream\":\"stderr\",\"text\":\"\xe2\x82\xac\"}\n"
				    "{\"stream\":\"stdout\",\"text\":\"b\"}\n");
	cmd_log_lines_release(&l);
	iso_test_mem_close(&m);
	free(m.text);
}

/* Overlong forms, surrogates and cut sequences are not UTF-8: each bad byte is one U+FFFD. */
/* A line that never ends comes out in pieces of 1 MiB: memory stays bounded, --follow shows it. */
static void test_log_lines_endless_line(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 1, m.f);
	size_t big = (1u << 20) + 10;
	char *chunk = malloc(big);
	assert_non_null(chunk);
	memset(chunk, 'x', big);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, chunk, big), 0);
	assert_non_null(m.text);
	assert_int_equal(strlen(m.text), strlen("{\"stream\":\"stdout\",\"text\":\"\"}\n") + big);
	struct iso_error *err = NULL;
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	free(chunk);
	cmd_log_lines_release(&l);
	iso_test_mem_close(&m);
	free(m.text);
}

static void test_log_lines_not_utf8(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 1, m.f);
	const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82\n";
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, bad, sizeof(bad) - 1), 0);
	const char *r = "\xef\xbf\xbd";
	char want[256];
	snprintf(want, sizeof(want), "{\"stream\":\"stdout\",\"text\":\"%s%s|%s%s%s|%s%s%s%s|%s%s\"}\n", r, r, r, r, r,
		 r, r, r, r, r, r);
	assert_string_equal(m.text, want);
	cmd_log_lines_release(&l);
	iso_test_mem_close(&m);
	free(m.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),         cmocka_unit_test(test_format_age),
		cmocka_unit_test(test_row_state),          cmocka_unit_test(test_log_lines_document),
		cmocka_unit_test(test_log_lines_follow),   cmocka_unit_test(test_log_lines_endless_line),
		cmocka_unit_test(test_log_lines_not_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
