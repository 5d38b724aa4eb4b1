/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scripts/check-symbols.py (make check-layering) reads the arrows from the
 * objects, not the includes: the real build passes, and a call planted in
 * podman/ into a domain function, declared by hand with no include, fails
 * the check with both files and the symbol named. So does a new cycle in
 * the base layer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

static char dir[] = "/tmp/isopod-test-layering-XXXXXX";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *cmd = NULL;
	assert_true(vasprintf(&cmd, fmt, ap) >= 0);
	va_end(ap);
	int st = system(cmd);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Runs the check over DIR; its exit status, its output in *OUT. */
static int check(const char *build, char **out)
{
	char path[256];
	snprintf(path, sizeof path, "%s/out.txt", dir);
	int rc = sh("python3 '%s/scripts/check-symbols.py' '%s' >'%s' 2>&1", ISO_SRCDIR, build, path);
	size_t len;
	struct iso_error *err = NULL;
	assert_int_equal(iso_read_file(path, 1 << 20, out, &len, &err), 0);
	return rc;
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	/* A copy of the build's objects to plant into. */
	return sh("mkdir -p '%s/b' && cd '%s' && find src podman netns -name '*.o' -exec cp --parents -t '%s/b' {} +",
		  dir, ISO_BUILD_DIR, dir) == 0
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	return sh("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

static void test_the_build_passes(void **state)
{
	cleanup_free char *out = NULL;
	assert_int_equal(check(ISO_BUILD_DIR, &out), 0);
	assert_non_null(strstr(out, "symbols ok"));
}

static void test_planted_back_arrow_fails(void **state)
{
	/* podman/ calling the configuration loader of the domain: no include, only a hand-written prototype. */
	assert_int_equal(sh("printf 'int wo_config_load(void *, const void *, void *);\\n"
			    "int podman_planted(void) { return wo_config_load(0, 0, 0); }\\n' >'%s/planted.c' && "
			    "cc -c -o '%s/b/podman/planted.o' '%s/planted.c'",
			    dir, dir, dir),
			 0);
	cleanup_free char *out = NULL;
	char b[256];
	snprintf(b, sizeof b, "%s/b", dir);
	assert_int_equal(check(b, &out), 1);
	assert_non_null(
		strstr(out, "back arrow podman/planted.c (podman) -> src/workorder/config.c (domain): wo_config_load"));
	assert_int_equal(sh("rm -f '%s/b/podman/planted.o'", dir), 0);
}

static void test_new_cycle_fails(void **state)
{
	/* Two new base files that call each other. */
	assert_int_equal(
		sh("cd '%s' && printf 'int iso_planted_b(void);\\nint iso_planted_a(void) { return iso_planted_b(); "
		   "}\\n' "
		   ">a.c && printf 'int iso_planted_a(void);\\nint iso_planted_b(void) { return iso_planted_a(); }\\n' "
		   ">b.c && cc -c -o b/src/base/planted_a.o a.c && cc -c -o b/src/base/planted_b.o b.c",
		   dir),
		0);
	cleanup_free char *out = NULL;
	char b[256];
	snprintf(b, sizeof b, "%s/b", dir);
	assert_int_equal(check(b, &out), 1);
	assert_non_null(strstr(out, "cycle src/base/planted_a.c <-> src/base/planted_b.c"));
	assert_non_null(strstr(out, "src/base/planted_a.c -> src/base/planted_b.c: iso_planted_b"));
	assert_int_equal(sh("rm -f '%s'/b/src/base/planted_?.o", dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_build_passes),
		cmocka_unit_test(test_planted_back_arrow_fails),
		cmocka_unit_test(test_new_cycle_fails),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
