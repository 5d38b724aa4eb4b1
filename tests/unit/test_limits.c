/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scripts/check-limits.sh (make check-limits) can fail: a function of 81
 * lines and a file of 601 are named, one of 80 and one of 600 pass, and the
 * tree itself passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso_run.h"

static char dir[] = "/tmp/isopod-test-limits-XXXXXX";

/* A C file: a function of BODY+4 lines (name, braces, return) padded to TOTAL lines. */
static void write_c(const char *name, int body, int total)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "int f(void)\n{\n");
	for (int i = 0; i < body; i++)
		fprintf(f, "\t(void)0;\n");
	fprintf(f, "\treturn 0;\n}\n");
	for (int i = body + 4; i < total; i++)
		fprintf(f, "/* pad */\n");
	assert_int_equal(fclose(f), 0);
}

static int limits(const char *name, char **out)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	const char *argv[] = {"bash", ISO_SRCDIR "/scripts/check-limits.sh", path, NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, &(struct iso_run_opts){.merge = true}, &r), 0);
	int status = r.status;
	*out = r.out;
	r.out = NULL;
	iso_run_result_release(&r);
	return status;
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return iso_rmtree(dir);
}

static void test_function_limit(void **state)
{
	char *out;
	write_c("ok.c", 76, 0); /* 80 lines from its name to its brace */
	assert_int_equal(limits("ok.c", &out), 0);
	free(out);
	write_c("long.c", 77, 0);
	assert_int_equal(limits("long.c", &out), 1);
	assert_non_null(strstr(out, "long.c:1 f() has 81 lines (at most 80)"));
	free(out);
}

static void test_file_limit(void **state)
{
	char *out;
	write_c("full.c", 1, 600);
	assert_int_equal(limits("full.c", &out), 0);
	free(out);
	write_c("big.c", 1, 601);
	assert_int_equal(limits("big.c", &out), 1);
	assert_non_null(strstr(out, "big.c has 601 lines (at most 600)"));
	free(out);
}

static void test_the_tree_passes(void **state)
{
	const char *argv[] = {"bash", ISO_SRCDIR "/scripts/check-limits.sh", NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, NULL, &r), 0);
	if (r.status != 0)
		fail_msg("check-limits fails on the tree:\n%s", r.out);
	iso_run_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_limit),
		cmocka_unit_test(test_file_limit),
		cmocka_unit_test(test_the_tree_passes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
