/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration layers: built-ins < host < user < repository < environment < flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "workorder/config.h"

struct fixture {
	char root[128];
	char oldcwd[PATH_MAX];
	char host[PATH_MAX], user[PATH_MAX], repo[PATH_MAX];
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	snprintf(f->root, sizeof(f->root), "/tmp/isopod-test-config-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	if (!getcwd(f->oldcwd, sizeof(f->oldcwd)))
		return -1;
	char d[PATH_MAX + 64];
	snprintf(d, sizeof(d), "%s/home/.config/isopod", f->root);
	iso_mkdir_p(d, 0700, NULL);
	snprintf(d, sizeof(d), "%s/repo/.git", f->root);
	iso_mkdir_p(d, 0700, NULL);
	snprintf(d, sizeof(d), "%s/repo/sub/dir", f->root);
	iso_mkdir_p(d, 0700, NULL);
	snprintf(f->host, sizeof(f->host), "%s/host.json", f->root);
	snprintf(f->user, sizeof(f->user), "%s/home/.config/isopod/config.json", f->root);
	snprintf(f->repo, sizeof(f->repo), "%s/repo/isopod.json", f->root);
	char home[PATH_MAX + 16];
	snprintf(home, sizeof(home), "%s/home", f->root);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	setenv("ISOPOD_HOST_CONFIG", f->host, 1);
	const char *clear[] = {"ISOPOD_PROFILE",   "ISOPOD_PORTS",      "ISOPOD_REGISTRY_DIR",
			       "ISOPOD_STATE_DIR", "ISOPOD_ODOO_IMAGE", "ISOPOD_DB_IMAGE"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(clear); i++)
		unsetenv(clear[i]);
	snprintf(d, sizeof(d), "%s/repo/sub/dir", f->root);
	if (chdir(d) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (chdir(f->oldcwd) < 0)
		return -1;
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void test_builtins(void **state)
{
	struct fixture *f = *state;
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.name, "hub");
	assert_int_equal(c.profile_source, ISO_SRC_BUILTIN);
	assert_string_equal(c.profile.odoo_image, "docker.io/library/odoo:18.0");
	assert_string_equal(c.profile.db_image, "docker.io/library/postgres:15");
	assert_string_equal(c.profile.host_address, "127.0.0.1");
	assert_int_equal(c.port_low, 8090);
	assert_int_equal(c.port_high, 8189);
	assert_int_equal(c.profile.ports, 1u << ISO_PORT_HTTP);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/home/.local/state/isopod", f->root);
	assert_string_equal(c.state_dir, want);
	assert_string_equal(c.registry_dir, want);
	assert_false(c.registry_shared);
	/* The repository is the git top level above the current directory. */
	snprintf(want, sizeof(want), "%s/repo", f->root);
	char real[PATH_MAX];
	assert_non_null(realpath(want, real));
	assert_string_equal(c.repo_dir, real);
	wo_config_release(&c);
}

static void test_layers_in_order(void **state)
{
	struct fixture *f = *state;
	put(f->host,
	    "{ \"port_range\": \"9000-9999\", \"profiles\": { \"evv\": { \"odoo_image\": \"host/odoo:1\" } } }");
	put(f->user, "// the user's file\n{ \"port_range\": \"9100-9199\",\n"
		     "  \"profiles\": { \"evv\": { \"db_image\": \"user/pg:1\", \"env\": {\"A\": \"1\"} } } }");
	put(f->repo, "{ \"profile\": \"evv\", \"profiles\": { \"evv\": { \"port_range\": \"9150-9159\","
		     " \"ports\": [\"http\", \"db\"], \"env\": {\"A\": \"2\", \"B\": \"3\"} } } }");
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.name, "evv");
	assert_int_equal(c.profile_source, ISO_SRC_REPO);
	assert_string_equal(c.profile.odoo_image, "host/odoo:1");
	assert_string_equal(c.profile.db_image, "user/pg:1");
	assert_int_equal(c.port_low, 9100); /* user over host */
	assert_int_equal(c.port_source, ISO_SRC_USER);
	assert_int_equal(c.profile.port_low, 9150); /* narrowed by the profile */
	assert_int_equal(c.profile.port_high, 9159);
	assert_int_equal(c.profile.ports, (1u << ISO_PORT_HTTP) | (1u << ISO_PORT_DB));
	assert_string_equal(c.profile.env[0], "A=2"); /* the repository's value replaces the user's */
	assert_string_equal(c.profile.env[1], "B=3");
	assert_null(c.profile.env[2]);
	wo_config_release(&c);

	/* Environment over the repository, flags over the environment. */
	setenv("ISOPOD_PROFILE", "hub", 1);
	setenv("ISOPOD_ODOO_IMAGE", "localhost/isopod-odoo-standin:18", 1);
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.name, "hub");
	assert_int_equal(c.profile_source, ISO_SRC_ENV);
	assert_string_equal(c.profile.odoo_image, "localhost/isopod-odoo-standin:18");
	wo_config_release(&c);
	struct iso_config_flags fl = {.profile = "evv", .bind = "0.0.0.0"};
	assert_int_equal(wo_config_load(&c, &fl, &err), 0);
	assert_string_equal(c.profile.name, "evv");
	assert_int_equal(c.profile_source, ISO_SRC_FLAG);
	assert_string_equal(c.profile.host_address, "0.0.0.0");
	wo_config_release(&c);

	/* ISOPOD_PORTS (what the tests set) replaces the global range and the profile's narrowing. */
	setenv("ISOPOD_PORTS", "18890-18899", 1);
	assert_int_equal(wo_config_load(&c, &fl, &err), 0);
	assert_int_equal(c.port_low, 18890);
	assert_int_equal(c.profile.port_low, 18890);
	assert_int_equal(c.profile.port_high, 18899);
	wo_config_release(&c);
	assert_null(err);
}

static void expect_error(struct fixture *f, const char *needle1, const char *needle2)
{
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), -1);
	assert_non_null(err);
	assert_int_equal(iso_error_exit_code(err), 2);
	if (!strstr(err->msg, needle1) || (needle2 && !strstr(err->msg, needle2)))
		fail_msg("message '%s' lacks '%s' or '%s'", err->msg, needle1, needle2 ? needle2 : "");
	iso_error_free(err);
}

static void test_malformed_file_names_line_and_column(void **state)
{
	struct fixture *f = *state;
	put(f->user, "{\n  \"port_range\": \"9100-9199\",\n  \"profiles\": { oops }\n}\n");
	expect_error(f, f->user, "line 3");
}

static void test_repository_may_not_set_host_keys(void **state)
{
	struct fixture *f = *state;
	const char *keys[] = {"{\"registry_dir\": \"/tmp/x\"}", "{\"port_range\": \"1-2\"}",
			      "{\"state_dir\": \"/tmp/y\"}"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(keys); i++) {
		put(f->repo, keys[i]);
		expect_error(f, "may not come from a repository", f->repo);
	}
}

static void test_bad_values(void **state)
{
	struct fixture *f = *state;
	/* A user file, and what the error must say. */
	static const struct {
		const char *text, *needle1, *needle2;
	} files[] = {
		{"{\"colour\": true}", "unknown key 'colour'", NULL},
		{"{\"profiles\": {\"hub\": {\"odoo_imgae\": \"x\"}}}", "unknown key 'profiles.hub.odoo_imgae'", NULL},
		{"{\"port_range\": \"9100-90\"}", "port range '9100-90'", "config file '"},
		{"{\"port_range\": 9100}", "'port_range' must be a string \"LOW-HIGH\"", NULL},
		{"{\"profiles\": {\"hub\": {\"port_range\": \"9-1\"}}}", "'profiles.hub.port_range': port range '9-1'",
		 NULL},
		{"{\"profiles\": {\"Bad-Name\": {}}}", "profile name 'Bad-Name'", NULL},
		{"{\"profiles\": {\"hub\": {\"ports\": [\"db\"]}}}", "must include \"http\"", NULL},
		{"{\"profiles\": {\"hub\": {\"ports\": [\"ftp\"]}}}", "an array of \"http\", \"websocket\", \"db\"",
		 NULL},
		{"{\"profiles\": {\"hub\": {\"port_range\": \"7000-7010\"}}}", "outside the global range", NULL},
		{"{\"profile\": \"hub\"}", "belongs in a repository", NULL},
		{"[]", "top level must be an object", NULL},
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(files); i++) {
		put(f->user, files[i].text);
		expect_error(f, files[i].needle1, files[i].needle2);
	}
	unlink(f->user);
	setenv("ISOPOD_PROFILE", "nosuch", 1);
	expect_error(f, "unknown profile 'nosuch'", "hub, evv");
	setenv("ISOPOD_PROFILE", "no-such", 1);
	expect_error(f, "profile name 'no-such'", NULL);
	unsetenv("ISOPOD_PROFILE");
	setenv("ISOPOD_PORTS", "abc", 1);
	expect_error(f, "ISOPOD_PORTS", NULL);
	unsetenv("ISOPOD_PORTS");
	setenv("ISOPOD_REGISTRY_DIR", "relative/dir", 1);
	expect_error(f, "absolute path", NULL);
	unsetenv("ISOPOD_REGISTRY_DIR");
}

static void test_custom_profile_and_registry(void **state)
{
	struct fixture *f = *state;
	put(f->user, "{\"registry_dir\": \"/srv/isopod\", \"profiles\": {\"shop\": {\"host_address\": \"0.0.0.0\"}}}");
	setenv("ISOPOD_PROFILE", "shop", 1);
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.name, "shop");
	assert_string_equal(c.profile.host_address, "0.0.0.0");
	assert_string_equal(c.registry_dir, "/srv/isopod");
	assert_true(c.registry_shared);
	assert_int_equal(c.registry_source, ISO_SRC_USER);
	wo_config_release(&c);
	unsetenv("ISOPOD_PROFILE");
	struct iso_config_flags fl = {.repo = "/nonexistent/dir"};
	assert_int_equal(wo_config_load(&c, &fl, &err), -1);
	assert_non_null(strstr(err->msg, "--repo '/nonexistent/dir'"));
	iso_error_free(err);
}

static void test_config_hash_tracks_what_a_pod_is_made_from(void **state)
{
	struct iso_config c;
	assert_int_equal(wo_config_load(&c, NULL, NULL), 0);
	int ports[ISO_PORT_PURPOSES] = {8090, 0, 0};
	char h1[17], h2[17], h3[17], h4[17];
	wo_config_hash(&c, ports, h1);
	wo_config_hash(&c, ports, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 16);
	ports[0] = 8091;
	wo_config_hash(&c, ports, h3);
	assert_string_not_equal(h1, h3);
	ports[0] = 8090;
	free(c.profile.odoo_image);
	c.profile.odoo_image = xstrdup("other/odoo:17");
	wo_config_hash(&c, ports, h4);
	assert_string_not_equal(h1, h4);
	wo_config_release(&c);
}

/* The host and user files' top-level images serve every profile that names none of its own. */
static void test_default_images(void **state)
{
	struct fixture *f = *state;
	put(f->host, "{ \"db_image\": \"host/pg:1\" }");
	put(f->user, "// written by make demo\n{ \"odoo_image\": \"localhost/isopod-odoo-standin:18\",\n"
		     "  \"db_image\": \"localhost/isopod-postgres:15\",\n"
		     "  \"profiles\": { \"evv\": { \"odoo_image\": \"evv/odoo:2\" } } }");
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.name, "hub");
	assert_string_equal(c.profile.odoo_image, "localhost/isopod-odoo-standin:18");
	assert_string_equal(c.profile.db_image, "localhost/isopod-postgres:15"); /* user over host */
	wo_config_release(&c);
	struct iso_config_flags fl = {.profile = "evv"};
	assert_int_equal(wo_config_load(&c, &fl, &err), 0);
	assert_string_equal(c.profile.odoo_image, "evv/odoo:2"); /* the profile's own wins */
	assert_string_equal(c.profile.db_image, "localhost/isopod-postgres:15");
	wo_config_release(&c);
	setenv("ISOPOD_DB_IMAGE", "env/pg:3", 1);
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.db_image, "env/pg:3"); /* the environment over the files */
	wo_config_release(&c);
	unsetenv("ISOPOD_DB_IMAGE");

	/* A repository names images per profile only: its top level may not change every profile's. */
	put(f->repo, "{ \"odoo_image\": \"evil/odoo:1\" }");
	assert_int_equal(wo_config_load(&c, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "'odoo_image' is a host or user setting"));
	iso_error_free(err);
	err = NULL;
	put(f->repo, "{}");
	put(f->user, "{ \"odoo_image\": \"\" }");
	assert_int_equal(wo_config_load(&c, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "'odoo_image' must be a non-empty image name"));
	iso_error_free(err);
}

/* A bind address that is no IP address is refused when the configuration loads, before Podman. */
static void test_bad_host_address(void **state)
{
	struct fixture *f = *state;
	struct iso_config c;
	struct iso_error *err = NULL;
	struct iso_config_flags fl = {.bind = "localhost:80"};
	assert_int_equal(wo_config_load(&c, &fl, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_non_null(strstr(err->msg, "--bind 'localhost:80' is not an IPv4 or IPv6 address"));
	iso_error_free(err);
	err = NULL;
	fl.bind = "::1";
	assert_int_equal(wo_config_load(&c, &fl, &err), 0);
	assert_string_equal(c.profile.host_address, "::1");
	wo_config_release(&c);
	put(f->user, "{ \"profiles\": { \"hub\": { \"host_address\": \"127.0.0.256\" } } }");
	assert_int_equal(wo_config_load(&c, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "profile 'hub': host_address '127.0.0.256' is not an IPv4 or IPv6 address"));
	iso_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_builtins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_file_names_line_and_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repository_may_not_set_host_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custom_profile_and_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_host_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_hash_tracks_what_a_pod_is_made_from, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
