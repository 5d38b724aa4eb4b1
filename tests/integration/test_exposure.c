/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the host exposes is the user's to say (issue 12, defect 4), on real
 * rootless Podman with the built ./isopod:
 *   - host_address 0.0.0.0 in the user's own config: `up` publishes there and
 *     `verify` reports it as intended (check 5 warns, exit 0);
 *   - the same pod once that config no longer asks for it: nobody trusted
 *     asks for 0.0.0.0, so `verify` fails (exit 9, check 5), and the remedy
 *     it names (`up --recreate`) makes it pass again;
 *   - a repository's isopod.json that sets host_address or publishes the db
 *     port: `up --repo DIR` exits 2 naming the key, and makes nothing.
 *
 * Its own XDG_CONFIG_HOME, host file, state directory and repository under
 * one temporary directory; work orders t-exposure-<pid>-<x>; ports: a block
 * of 4 at offset 50 of ISOPOD_TEST_PORTS (ptest_ports_block).  The teardowns
 * run `down --cleanup` for every work order, after a failure too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "podman_test.h"

static char root[64];
static char user_file[160], repo_dir[96], repo_file[128];
static int port_low;
static char wos[4][48];
static size_t n_wos;

static const char *wo(char letter)
{
	for (size_t i = 0; i < n_wos; i++)
		if (wos[i][strlen(wos[i]) - 1] == letter)
			return wos[i];
	snprintf(wos[n_wos], sizeof(wos[0]), "t-exposure-%d-%c", (int)getpid(), letter);
	return wos[n_wos++];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fail_msg("cannot write '%s'", path);
}

/* `isopod verify W --json`: the exit code and the parsed report (NULL when stdout is not JSON). */
static int verify_json(const char *w, iso_json **doc)
{
	char *out = NULL;
	int rc = ptest_isopod(&out, NULL, "verify %s --json", w);
	*doc = out ? iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "verify --json", NULL) : NULL;
	if (!*doc)
		fprintf(stderr, "  verify %s printed: %s\n", w, out ? out : "");
	free(out);
	return rc;
}

static const iso_json *check5(const iso_json *doc)
{
	const iso_json *c = iso_json_at(iso_json_get(doc, "checks"), 4);
	long long n = 0;
	assert_int_equal(iso_json_int(iso_json_get(c, "number"), &n), 0);
	assert_int_equal(n, 5);
	return c;
}

/* Check 5's evidence of VERDICT naming NEEDLE, or NULL; every line printed when there is none. */
static const char *evidence5(const iso_json *doc, const char *verdict, const char *needle)
{
	const iso_json *ev = iso_json_get(check5(doc), "evidence");
	for (size_t i = 0; i < iso_json_len(ev); i++) {
		const char *v = iso_json_get_string(iso_json_at(ev, i), "verdict");
		const char *t = iso_json_get_string(iso_json_at(ev, i), "text");
		if (v && t && !strcmp(v, verdict) && strstr(t, needle))
			return t;
	}
	for (size_t i = 0; i < iso_json_len(ev); i++)
		fprintf(stderr, "  check 5 %s: %s\n", iso_json_get_string(iso_json_at(ev, i), "verdict"),
			iso_json_get_string(iso_json_at(ev, i), "text"));
	return NULL;
}

/* The host_ip every port of the report's check 5 is published on ("" or "0.0.0.0": every address). */
static void assert_published_on(const iso_json *doc, const char *want_any_or_ip)
{
	const iso_json *pub = iso_json_get(iso_json_get(check5(doc), "seen"), "published");
	assert_true(iso_json_len(pub) >= 1);
	for (size_t i = 0; i < iso_json_len(pub); i++) {
		const char *ip = iso_json_get_string(iso_json_at(pub, i), "host_ip");
		assert_non_null(ip);
		int any = !ip[0] || !strcmp(ip, "0.0.0.0");
		if (!strcmp(want_any_or_ip, "0.0.0.0") ? !any : strcmp(ip, want_any_or_ip) != 0)
			fail_msg("published on '%s', want '%s'", ip, want_any_or_ip);
	}
}

/* Whether Podman holds pod NAME. */
static int pod_exists(const char *name)
{
	char path[160];
	snprintf(path, sizeof(path), "/v4.0.0/libpod/pods/%s/exists", name);
	long status = 0;
	if (ptest_request("GET", path, NULL, &status, NULL) < 0)
		fail_msg("GET %s: no answer", path);
	return status == 204;
}

/* ---- tests ---- */

/*
 * 0.0.0.0 from the user's own config is intended (a warning, exit 0); once
 * that config no longer asks for it, the same pod fails verify (9), and
 * `up --recreate` binds it where the configuration says.
 */
static void test_user_bind_all_then_nobody_asks(void **state)
{
	ptest_require_podman();
	const char *w = wo('a');
	put(user_file, "// the test user's own config\n{\"profiles\": {\"hub\": {\"host_address\": \"0.0.0.0\"}}}\n");
	assert_int_equal(ptest_isopod(NULL, NULL, "up %s --port %d --quiet", w, port_low), 0);

	iso_json *doc = NULL;
	int rc = verify_json(w, &doc);
	assert_non_null(doc);
	assert_published_on(doc, "0.0.0.0");
	assert_string_equal(iso_json_get_string(check5(doc), "verdict"), "warn");
	const char *t = evidence5(doc, "warn", user_file);
	assert_non_null(t);
	assert_non_null(strstr(t, "0.0.0.0"));
	assert_string_equal(iso_json_get_string(iso_json_get(check5(doc), "seen"), "intended_by"), "user");
	assert_int_equal(rc, 0);
	iso_json_free(doc);

	/* The user takes it back: the pod still publishes on every address, which nobody trusted asks for. */
	put(user_file, "{}\n");
	rc = verify_json(w, &doc);
	assert_non_null(doc);
	assert_published_on(doc, "0.0.0.0");
	assert_string_equal(iso_json_get_string(check5(doc), "verdict"), "fail");
	t = evidence5(doc, "fail", "which nothing trusted asks for");
	assert_non_null(t);
	assert_non_null(strstr(t, "127.0.0.1"));
	assert_int_equal(rc, 9);
	int ok = 1;
	assert_int_equal(iso_json_bool(iso_json_get(doc, "ok"), &ok), 0);
	assert_false(ok);
	iso_json_free(doc);
	/* The text form says it too, with the same exit code. */
	char *out = NULL;
	assert_int_equal(ptest_isopod(&out, NULL, "verify %s", w), 9);
	assert_non_null(strstr(out, "which nothing trusted asks for"));
	free(out);

	/* The remedy the evidence names: rebuilt on 127.0.0.1, verify passes. */
	assert_int_equal(ptest_isopod(NULL, NULL, "up %s --recreate --quiet", w), 0);
	rc = verify_json(w, &doc);
	assert_non_null(doc);
	assert_published_on(doc, "127.0.0.1");
	assert_string_equal(iso_json_get_string(check5(doc), "verdict"), "pass");
	assert_int_equal(rc, 0);
	iso_json_free(doc);
}

/* A repository's isopod.json may not widen exposure: `up --repo` exits 2 naming the key, and makes nothing. */
static void test_repository_may_not_widen(void **state)
{
	ptest_require_podman();
	const char *w = wo('b');
	put(user_file, "{}\n");
	static const char *const files[][2] = {
		{"{\"profiles\": {\"hub\": {\"host_address\": \"0.0.0.0\"}}}", "'profiles.hub.host_address'"},
		{"{\"profiles\": {\"hub\": {\"ports\": [\"http\", \"db\"]}}}", "'profiles.hub.ports'"},
	};
	char pod[96];
	snprintf(pod, sizeof(pod), "hub-%s", w);
	for (size_t i = 0; i < ISO_ARRAY_SIZE(files); i++) {
		put(repo_file, files[i][0]);
		char *err = NULL;
		int rc = ptest_isopod(NULL, &err, "up %s --port %d --repo %s --quiet", w, port_low + 1, repo_dir);
		if (rc != 2 || !strstr(err, files[i][1]) || !strstr(err, repo_file) || !strstr(err, user_file))
			fail_msg("up --repo with %s: exit %d (want 2), stderr: %s", files[i][0], rc, err);
		free(err);
		assert_false(pod_exists(pod));
	}
	/* The same user, the same repository without the key: up works, on 127.0.0.1. */
	put(repo_file, "{\"profiles\": {\"hub\": {\"env\": {\"ISOPOD_TEST\": \"1\"}}}}");
	assert_int_equal(ptest_isopod(NULL, NULL, "up %s --port %d --repo %s --quiet", w, port_low + 1, repo_dir), 0);
	iso_json *doc = NULL;
	int rc = verify_json(w, &doc);
	assert_non_null(doc);
	assert_published_on(doc, "127.0.0.1");
	assert_int_equal(rc, 0);
	iso_json_free(doc);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/isopod-exposure-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	char d[PATH_MAX];
	snprintf(d, sizeof(d), "%s/config/isopod", root);
	if (iso_mkdir_p(d, 0700, NULL) < 0)
		return -1;
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", root);
	snprintf(d, sizeof(d), "%s/.git", repo_dir);
	if (iso_mkdir_p(d, 0700, NULL) < 0)
		return -1;
	snprintf(repo_file, sizeof(repo_file), "%s/isopod.json", repo_dir);
	snprintf(user_file, sizeof(user_file), "%s/config/isopod/config.json", root);
	snprintf(d, sizeof(d), "%s/config", root);
	setenv("XDG_CONFIG_HOME", d, 1);
	snprintf(d, sizeof(d), "%s/host.json", root); /* none: the host's file stays out of it */
	setenv("ISOPOD_HOST_CONFIG", d, 1);
	snprintf(d, sizeof(d), "%s/state", root);
	setenv("ISOPOD_STATE_DIR", d, 1);
	port_low = ptest_ports_block(50, 4);
	if (port_low < 0)
		return -1;
	char range[32];
	snprintf(range, sizeof(range), "%d-%d", port_low, port_low + 3);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_ODOO_IMAGE", ptest_odoo_image(), 1);
	setenv("ISOPOD_DB_IMAGE", ptest_db_image(), 1);
	unsetenv("ISOPOD_PROFILE");
	/* verify takes the repository of the current directory: one without an isopod.json. */
	return chdir(root) == 0 ? 0 : -1;
}

/* Every work order down and removed, whatever the test left in the config files. */
static int teardown(void **state)
{
	put(user_file, "{}\n");
	unlink(repo_file);
	int failed = 0;
	for (size_t i = 0; i < n_wos; i++) {
		char *msg = NULL;
		int rc = ptest_isopod(NULL, &msg, "down %s --cleanup --quiet", wos[i]);
		if (rc != 0 && rc != 3) { /* 3: never made, or already removed */
			fprintf(stderr, "  teardown: down %s: exit %d: %s", wos[i], rc, msg);
			failed = 1;
		}
		free(msg);
	}
	n_wos = 0;
	return failed ? -1 : 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_user_bind_all_then_nobody_asks, teardown),
		cmocka_unit_test_teardown(test_repository_may_not_widen, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
