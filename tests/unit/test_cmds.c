/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure helpers of `isopod ls` (cmd/ls.h): Podman's time stamps, ages for
 * people, and which state a row is called.  Nothing here talks to Podman.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmd/ls.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_format_age),
		cmocka_unit_test(test_row_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
