/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod doctor against the real host: on the prepared test user every
 * check passes (linger may be "skip": not applicable without logind) and
 * the throwaway pod is gone afterwards; with a fault made on purpose for
 * each check a test can reach (XDG_RUNTIME_DIR unset, a subuid file without
 * the user, a shared registry directory without setgid, an image from an
 * unreachable registry, a CONTAINER_HOST where nothing listens) that check
 * fails, names its fix, and doctor exits 10.  Each answer matches
 * docs/schema/doctor.json.  State goes to a temporary directory, removed
 * afterwards; the ports are ten of ISOPOD_TEST_PORTS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/json.h"
#include "podman_test.h"

#define ISOPOD ISO_ISOPOD_BIN

static char tmp[] = "/tmp/isopod-test-doctor-XXXXXX";

/* Run `isopod doctor --json` with ENV changes ("K=V" sets, "K" unsets); *doc gets the parsed answer. */
static int doctor(const char *const *env, iso_json **doc)
{
	const char *argv[] = {ISOPOD, "doctor", "--json", NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, &(struct iso_run_opts){.env = env}, &r), 0);
	fputs(r.err, stderr); /* doctor's stderr, as if it were the test's */
	ptest_check_json(argv + 1, r.status, r.out);
	struct iso_error *err = NULL;
	*doc = iso_json_parse(r.out, r.out_len, 0, ISO_E_INTERNAL, "doctor --json", &err);
	if (!*doc)
		fail_msg("doctor --json printed no JSON (%s): %.*s", err->msg, (int)r.out_len, r.out);
	iso_run_result_release(&r);
	return r.status;
}

static const iso_json *check(const iso_json *doc, const char *name)
{
	const iso_json *checks = iso_json_get(doc, "checks");
	for (size_t i = 0; i < iso_json_len(checks); i++)
		if (!strcmp(iso_json_get_string(iso_json_at(checks, i), "name"), name))
			return iso_json_at(checks, i);
	fail_msg("no check '%s' in the answer", name);
	return NULL;
}

/* CHECK failed, its fix contains FIX_PART, and doctor said so with exit 10. */
static void assert_fails(const char *const *env, const char *name, const char *fix_part)
{
	ptest_require_podman();
	iso_json *doc = NULL;
	int rc = doctor(env, &doc);
	const iso_json *c = check(doc, name);
	const char *status = iso_json_get_string(c, "status"), *fix = iso_json_get_string(c, "fix");
	if (strcmp(status, "fail"))
		fail_msg("check '%s' is '%s', expected fail: %s", name, status, iso_json_get_string(c, "detail"));
	if (!fix || !strstr(fix, fix_part))
		fail_msg("check '%s' names the fix '%s', expected one with '%s'", name, fix ? fix : "(none)", fix_part);
	assert_int_equal(rc, 10);
	int ok = 1;
	assert_int_equal(iso_json_bool(iso_json_get(doc, "ok"), &ok), 0);
	assert_false(ok);
	assert_string_equal(iso_json_get_string(iso_json_get(doc, "error"), "class"), "host-not-prepared");
	iso_json_free(doc);
}

static void test_prepared_host_passes(void **state)
{
	ptest_require_podman();
	iso_json *doc = NULL;
	int rc = doctor(NULL, &doc);
	const iso_json *checks = iso_json_get(doc, "checks");
	assert_true(iso_json_len(checks) >= 16);
	for (size_t i = 0; i < iso_json_len(checks); i++) {
		const iso_json *c = iso_json_at(checks, i);
		const char *name = iso_json_get_string(c, "name"), *status = iso_json_get_string(c, "status");
		int skip_ok = !strcmp(name, "linger") && strstr(iso_json_get_string(c, "detail"), "not applicable");
		if (strcmp(status, "pass") && !(skip_ok && !strcmp(status, "skip")))
			fail_msg("check '%s' is '%s' on the prepared host: %s (fix: %s)", name, status,
				 iso_json_get_string(c, "detail"), iso_json_get_string(c, "fix"));
	}
	assert_int_equal(rc, 0);
	iso_json_free(doc);
	/* the throwaway pod is gone */
	long status = 0;
	char *body = NULL;
	assert_int_equal(
		ptest_request(
			"GET",
			"/v4.0.0/libpod/pods/json?filters=%7B%22label%22%3A%5B%22io.isopod.role%3Ddoctor%22%5D%7D",
			NULL, &status, &body),
		0);
	assert_int_equal(status, 200);
	assert_null(strstr(body, "isopod-doctor-"));
	free(body);
}

static void test_runtime_dir_unset(void **state)
{
	const char *env[] = {"XDG_RUNTIME_DIR", NULL};
	assert_fails(env, "runtime-dir", "export XDG_RUNTIME_DIR=");
}

static void test_no_subuid_range(void **state)
{
	char path[128], set[160];
	snprintf(path, sizeof path, "%s/subuid", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("someone-else:100000:65536\n", f);
	fclose(f);
	snprintf(set, sizeof set, "ISOPOD_DOCTOR_SUBUID=%s", path);
	const char *env[] = {set, NULL};
	assert_fails(env, "subuid", "usermod --add-subuids");
}

static void test_registry_without_setgid(void **state)
{
	char dir[128], set[160];
	snprintf(dir, sizeof dir, "%s/registry", tmp);
	assert_int_equal(mkdir(dir, 0770), 0);
	assert_int_equal(chmod(dir, 0770), 0); /* group-writable but not setgid */
	snprintf(set, sizeof set, "ISOPOD_REGISTRY_DIR=%s", dir);
	const char *env[] = {set, NULL};
	assert_fails(env, "registry", "chmod g+s");
}

static void test_unreachable_image(void **state)
{
	const char *env[] = {"ISOPOD_ODOO_IMAGE=registry.invalid/x:1", NULL};
	assert_fails(env, "odoo-image", "ISOPOD_ODOO_IMAGE");
}

static void test_nothing_listens(void **state)
{
	char set[160];
	snprintf(set, sizeof set, "CONTAINER_HOST=unix://%s/nobody.sock", tmp);
	const char *env[] = {set, NULL};
	assert_fails(env, "api", "podman system service");
}

static int group_setup(void **state)
{
	if (!mkdtemp(tmp))
		return -1;
	char sd[128];
	snprintf(sd, sizeof sd, "%s/state", tmp);
	setenv("ISOPOD_STATE_DIR", sd, 1);
	/* Ten ports of the tests' range (18930-18939 by default). */
	int lo = ptest_ports_block(40, 10);
	if (lo < 0)
		return -1;
	char ports[32];
	snprintf(ports, sizeof ports, "%d-%d", lo, lo + 9);
	setenv("ISOPOD_PORTS", ports, 1);
	unsetenv("ISOPOD_REGISTRY_DIR");
	return 0;
}

static int group_teardown(void **state)
{
	if (iso_rmtree(tmp) < 0)
		fprintf(stderr, "cannot remove %s: %s\n", tmp, strerror(errno));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepared_host_passes), cmocka_unit_test(test_runtime_dir_unset),
		cmocka_unit_test(test_no_subuid_range),      cmocka_unit_test(test_registry_without_setgid),
		cmocka_unit_test(test_unreachable_image),    cmocka_unit_test(test_nothing_listens),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
