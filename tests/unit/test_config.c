/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration layers: built-ins < host < user < repository < environment <
 * flags, and what the untrusted layer, the repository's isopod.json, may not
 * set (the host keys, what the host exposes; the modules and template keys
 * are test_config_pod.c's).  One case runs the built
 * isopod with CONTAINER_HOST at no socket: a refusal there is exit 2, where
 * a run that reached for Podman would be 5.
 */
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
#include "iso_run.h"
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
	const char *clear[] = {"ISOPOD_PROFILE",    "ISOPOD_PORTS",    "ISOPOD_REGISTRY_DIR", "ISOPOD_STATE_DIR",
			       "ISOPOD_ODOO_IMAGE", "ISOPOD_DB_IMAGE", "ISOPOD_TEMPLATE",     "ISOPOD_TEMPLATE_KEEP"};
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
		     "  \"profiles\": { \"evv\": { \"db_image\": \"user/pg:1\", \"env\": {\"A\": \"1\"},\n"
		     "  \"ports\": [\"http\", \"db\"] } } }");
	put(f->repo, "{ \"profile\": \"evv\", \"profiles\": { \"evv\": { \"port_range\": \"9150-9159\","
		     " \"env\": {\"A\": \"2\", \"B\": \"3\"} } } }");
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
	assert_int_equal(c.profile.ports_source, ISO_SRC_USER);
	assert_int_equal(c.profile.host_address_source, ISO_SRC_BUILTIN);
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
	assert_int_equal(c.profile.host_address_source, ISO_SRC_FLAG);
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

/*
 * Issue 12, defect 4: a repository's file may not say what the host exposes:
 * the bind address, the published ports.  Refused naming the key, the file
 * and where it belongs; the same settings in the user's own file load.
 */
static void test_repository_may_not_widen_exposure(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text, *key;
	} repo[] = {
		{"{\"profiles\": {\"hub\": {\"host_address\": \"0.0.0.0\"}}}", "'profiles.hub.host_address'"},
		{"{\"profiles\": {\"hub\": {\"host_address\": \"127.0.0.1\"}}}", "'profiles.hub.host_address'"},
		{"{\"profiles\": {\"hub\": {\"ports\": [\"http\", \"db\"]}}}", "'profiles.hub.ports'"},
		{"{\"profile\": \"evv\", \"profiles\": {\"evv\": {\"ports\": [\"http\", \"websocket\"]}}}",
		 "'profiles.evv.ports'"},
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(repo); i++) {
		put(f->repo, repo[i].text);
		struct iso_config c;
		struct iso_error *err = NULL;
		assert_int_equal(wo_config_load(&c, NULL, &err), -1);
		assert_non_null(err);
		assert_int_equal(err->class, ISO_E_USAGE);
		assert_int_equal(iso_error_exit_code(err), 2);
		const char *m = err->msg;
		if (!strstr(m, repo[i].key) || !strstr(m, f->repo) || !strstr(m, f->user) || !strstr(m, f->host))
			fail_msg("message '%s' lacks the key %s, the file, or where to set it", m, repo[i].key);
		if (strstr(repo[i].key, "host_address") && !strstr(m, "--bind"))
			fail_msg("message '%s' does not name --bind", m);
		iso_error_free(err);
	}

	/* What runs inside its own pod stays the repository's to choose. */
	put(f->repo, "{\"profiles\": {\"hub\": {\"odoo_image\": \"repo/odoo:1\", \"env\": {\"A\": \"1\"}}}}");
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.odoo_image, "repo/odoo:1");
	assert_string_equal(c.profile.env[0], "A=1");
	assert_string_equal(c.profile.host_address, "127.0.0.1");
	wo_config_release(&c);

	/* The same exposure in the user's own file: loads, and says who asked. */
	put(f->user, "{\"profiles\": {\"hub\": {\"host_address\": \"0.0.0.0\", \"ports\": [\"http\", \"db\"]}}}");
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.host_address, "0.0.0.0");
	assert_int_equal(c.profile.host_address_source, ISO_SRC_USER);
	assert_int_equal(c.profile.ports, (1u << ISO_PORT_HTTP) | (1u << ISO_PORT_DB));
	assert_int_equal(c.profile.ports_source, ISO_SRC_USER);
	assert_string_equal(wo_config_source_file(&c, c.profile.host_address_source), f->user);
	wo_config_release(&c);
	/* And in the host's. */
	unlink(f->user);
	put(f->host, "{\"profiles\": {\"hub\": {\"host_address\": \"0.0.0.0\"}}}");
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_string_equal(c.profile.host_address, "0.0.0.0");
	assert_int_equal(c.profile.host_address_source, ISO_SRC_HOST);
	wo_config_release(&c);
	assert_null(err);
}

/* `isopod up --repo DIR` with such a file: exit 2 naming the key and the file, before Podman (5). */
static void test_up_refuses_a_widening_repository_before_podman(void **state)
{
	struct fixture *f = *state;
	char repo_dir[PATH_MAX + 8], state_env[PATH_MAX + 32];
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", f->root);
	snprintf(state_env, sizeof(state_env), "ISOPOD_STATE_DIR=%s/state", f->root);
	const char *env[] = {"CONTAINER_HOST=unix:///nonexistent/isopod-test-config.sock", state_env, NULL};
	static const char *const files[][3] = {
		{"{\"profiles\": {\"hub\": {\"host_address\": \"0.0.0.0\"}}}", "'profiles.hub.host_address'", NULL},
		{"{\"profiles\": {\"hub\": {\"ports\": [\"http\", \"db\"]}}}", "'profiles.hub.ports'", NULL},
		{"{\"template_keep\": 5}", "'template_keep'", NULL}, /* what the host keeps (issue 14) */
		/* And a --bind that is no address of this host (defect 5: it was found after Podman, exit 5). */
		{"{}", "--bind '192.0.2.1' is not an address of this host", "192.0.2.1"},
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(files); i++) {
		put(f->repo, files[i][0]);
		const char *argv[] = {ISO_ISOPOD_BIN, "up",     "t-config-exposure",
				      "--repo",       repo_dir, files[i][2] ? "--bind" : NULL,
				      files[i][2],    NULL};
		struct iso_run_result r;
		if (iso_run(argv, &(struct iso_run_opts){.env = env, .timeout_ms = 30000}, &r) < 0)
			fail_msg("cannot run %s", ISO_ISOPOD_BIN);
		if (r.status != 2 || !strstr(r.err, files[i][1]) || (!files[i][2] && !strstr(r.err, f->repo)))
			fail_msg("up --repo: exit %d (want 2), stderr: %s", r.status, r.err);
		iso_run_result_release(&r);
	}
}

/* Issue 12, defect 5: env entries past what the Odoo container takes are refused, not dropped. */
static void test_env_past_the_limit(void **state)
{
	struct fixture *f = *state;
	char *text = xstrdup("{\"profiles\": {\"hub\": {\"env\": {");
	for (int i = 0; i < ISO_PROFILE_ENV_MAX; i++) {
		char *next = xasprintf("%s%s\"V%d\": \"x\"", text, i ? ", " : "", i);
		free(text);
		text = next;
	}
	char *at_limit = xasprintf("%s}}}}", text);
	char *past = xasprintf("%s, \"V%d\": \"x\"}}}}", text, ISO_PROFILE_ENV_MAX);
	put(f->user, at_limit);
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	size_t n = 0;
	while (c.profile.env[n])
		n++;
	assert_int_equal(n, ISO_PROFILE_ENV_MAX);
	wo_config_release(&c);

	char count[16], limit[32];
	snprintf(count, sizeof(count), "%d env", ISO_PROFILE_ENV_MAX + 1);
	snprintf(limit, sizeof(limit), "more than the %d", ISO_PROFILE_ENV_MAX);
	const char *where[] = {f->user, f->repo};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(where); i++) {
		unlink(f->user);
		put(where[i], past);
		assert_int_equal(wo_config_load(&c, NULL, &err), -1);
		assert_int_equal(err->class, ISO_E_USAGE);
		if (!strstr(err->msg, "profile 'hub'") || !strstr(err->msg, count) || !strstr(err->msg, limit) ||
		    !strstr(err->msg, where[i]))
			fail_msg("message '%s' lacks the profile, the count, the limit or the file", err->msg);
		iso_error_free(err);
		err = NULL;
		unlink(where[i]);
	}
	/* Each file within the limit, together past it: the file that goes past it is named. */
	put(f->host, at_limit);
	put(f->repo, "{\"profiles\": {\"hub\": {\"env\": {\"V0\": \"y\", \"EXTRA\": \"z\"}}}}");
	assert_int_equal(wo_config_load(&c, NULL, &err), -1);
	if (!strstr(err->msg, f->repo) || !strstr(err->msg, count) || !strstr(err->msg, "files before it"))
		fail_msg("message '%s' does not name the repository's file and the merged count", err->msg);
	iso_error_free(err);
	free(text);
	free(at_limit);
	free(past);
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
	/* An address, but not this host's (TEST-NET-1): up could not publish there (defect 5). */
	fl.bind = "192.0.2.1";
	assert_int_equal(wo_config_load(&c, &fl, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_non_null(strstr(err->msg, "--bind '192.0.2.1' is not an address of this host"));
	iso_error_free(err);
	err = NULL;
	/* A file's address is not probed: down must work after it went away. */
	put(f->user, "{ \"profiles\": { \"hub\": { \"host_address\": \"192.0.2.1\" } } }");
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	wo_config_release(&c);
	unlink(f->user);
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
		cmocka_unit_test_setup_teardown(test_repository_may_not_widen_exposure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_refuses_a_widening_repository_before_podman, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_past_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custom_profile_and_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_host_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_hash_tracks_what_a_pod_is_made_from, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
