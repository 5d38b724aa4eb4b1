/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Odoo's --test-tags syntax as `isopod test --tags` checks it before a run
 * (testrun/tags.h): the forms odoo/tests/tag_selector.py reads are taken,
 * the rest refused with the bad filter named; and the test plan's command
 * line (-i and -u both unless told, /MODULE tags unless --tags).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cmd/test.h"
#include "testrun/tags.h"

static void test_valid_specs(void **state)
{
	static const char *const ok[] = {
		"standard",
		"-standard",
		"+slow",
		"*",
		"/sale",
		"/sale:TestSale",
		":TestSale",
		".test_confirm",
		"/sale:TestSale.test_confirm",
		"-/sale",
		"slow/sale",
		"post_install,-at_install",
		" /a , /b ",
		"/web/tests/test_js.py",
		"/sale[param1]",
		"-*",
	};
	char why[256];
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (tr_tags_check(ok[i], why, sizeof why) != 0)
			fail_msg("'%s' refused: %s", ok[i], why);
}

static void test_invalid_specs(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{"", "empty"},
		{"a b", "space"},
		{"/", "module name"},
		{":", "class name"},
		{"/sale:", "class name"},
		{"/sale.", "method name"},
		{"-", "selects nothing"},
		{"a,,b", "empty filter"},
		{"a,", "empty filter"},
		{"@x", "unexpected character"},
		{"/sale:Test-Sale", "unexpected character"},
		{"/sale[x", "']'"},
	};
	char why[256];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why[0] = '\0';
		if (tr_tags_check(bad[i].spec, why, sizeof why) == 0)
			fail_msg("'%s' taken", bad[i].spec);
		if (!strstr(why, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].spec, why, bad[i].says);
	}
}

static int has_arg(const char **v, const char *a, const char *b)
{
	for (size_t i = 0; v[i]; i++)
		if (!strcmp(v[i], a) && (!b || (v[i + 1] && !strcmp(v[i + 1], b))))
			return 1;
	return 0;
}

static void test_plan_argv_modes(void **state)
{
	struct test_plan p = {.mode = TEST_MODE_AUTO};
	p.modules[0] = "a";
	p.modules[1] = "b";
	p.n_modules = 2;
	char *own[2];
	const char **v = test_plan_argv(&p, "hub_wo", own);
	assert_true(has_arg(v, "-d", "hub_wo"));
	assert_true(has_arg(v, "-i", "a,b"));
	assert_true(has_arg(v, "-u", "a,b"));
	assert_true(has_arg(v, "--test-tags", "/a,/b"));
	assert_true(has_arg(v, "--http-port", TEST_HTTP_PORT));
	assert_true(has_arg(v, "--test-enable", NULL));
	assert_true(has_arg(v, "--stop-after-init", NULL));
	free(own[0]), free(own[1]), free(v);
	p.mode = TEST_MODE_INSTALL;
	p.tags = "slow";
	v = test_plan_argv(&p, "hub_wo", own);
	assert_false(has_arg(v, "-u", NULL));
	assert_true(has_arg(v, "-i", "a,b"));
	assert_true(has_arg(v, "--test-tags", "slow"));
	free(own[0]), free(own[1]), free(v);
	p.mode = TEST_MODE_UPGRADE;
	v = test_plan_argv(&p, "hub_wo", own);
	assert_false(has_arg(v, "-i", NULL));
	assert_true(has_arg(v, "-u", "a,b"));
	free(own[0]), free(own[1]), free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_specs),
		cmocka_unit_test(test_invalid_specs),
		cmocka_unit_test(test_plan_argv_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
