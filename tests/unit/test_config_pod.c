/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What runs inside a pod, as the configuration says it (issue 14): a
 * profile's modules, the template mode and how many templates are kept.
 * Their defaults; each layer over the one below; what a repository may set
 * (modules, the mode) and may not (template_keep, refused naming the key, the
 * file and where it belongs); every kind of bad value refused with exit 2,
 * naming the key, the value, the file and the rule; ISOPOD_TEMPLATE,
 * ISOPOD_TEMPLATE_KEEP and --no-template; and none of them in the hash a pod
 * carries, so changing them is no drift.  test_config.c has the rest of the
 * layers; the fixture is the same: temporary host, user and repository files.
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
	snprintf(f->root, sizeof(f->root), "/tmp/isopod-test-config-pod-XXXXXX");
	if (!mkdtemp(f->root) || !getcwd(f->oldcwd, sizeof(f->oldcwd)))
		return -1;
	char d[PATH_MAX + 64];
	snprintf(d, sizeof(d), "%s/home/.config/isopod", f->root);
	iso_mkdir_p(d, 0700, NULL);
	snprintf(d, sizeof(d), "%s/repo/.git", f->root);
	iso_mkdir_p(d, 0700, NULL);
	snprintf(f->host, sizeof(f->host), "%s/host.json", f->root);
	snprintf(f->user, sizeof(f->user), "%s/home/.config/isopod/config.json", f->root);
	snprintf(f->repo, sizeof(f->repo), "%s/repo/isopod.json", f->root);
	snprintf(d, sizeof(d), "%s/home", f->root);
	setenv("HOME", d, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	setenv("ISOPOD_HOST_CONFIG", f->host, 1);
	const char *clear[] = {"ISOPOD_PROFILE",    "ISOPOD_PORTS",    "ISOPOD_REGISTRY_DIR", "ISOPOD_STATE_DIR",
			       "ISOPOD_ODOO_IMAGE", "ISOPOD_DB_IMAGE", "ISOPOD_TEMPLATE",     "ISOPOD_TEMPLATE_KEEP"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(clear); i++)
		unsetenv(clear[i]);
	snprintf(d, sizeof(d), "%s/repo", f->root);
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

static void load(struct iso_config *c, const struct iso_config_flags *fl)
{
	struct iso_error *err = NULL;
	if (wo_config_load(c, fl, &err) < 0)
		fail_msg("the configuration does not load: %s", err->msg);
}

/* The profile's modules are exactly WANT (a NULL-terminated list), and the list is NULL-terminated. */
static void modules_are(const struct iso_config *c, const char *const *want)
{
	size_t n = 0;
	for (; want[n]; n++)
		if (!c->profile.modules[n] || strcmp(c->profile.modules[n], want[n]))
			fail_msg("module %zu is '%s', want '%s'", n,
				 c->profile.modules[n] ? c->profile.modules[n] : "(end)", want[n]);
	assert_int_equal(c->profile.n_modules, n);
	assert_null(c->profile.modules[n]);
}

/* Loading fails with exit 2 (ISO_E_USAGE) and the message holds each of NEEDLES (NULL-terminated). */
static void refused_naming(const struct iso_config_flags *fl, const char *const *needles)
{
	struct iso_config c;
	struct iso_error *err = NULL;
	if (wo_config_load(&c, fl, &err) == 0) {
		wo_config_release(&c);
		fail_msg("loaded; want a refusal naming '%s'", needles[0]);
	}
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_int_equal(iso_error_exit_code(err), 2);
	for (size_t i = 0; needles[i]; i++)
		if (!strstr(err->msg, needles[i]))
			fail_msg("message '%s' lacks '%s'", err->msg, needles[i]);
	iso_error_free(err);
}

static void test_defaults(void **state)
{
	struct iso_config c;
	load(&c, NULL);
	modules_are(&c, (const char *const[]){"base", NULL});
	assert_int_equal(c.profile.modules_source, ISO_SRC_BUILTIN);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_AUTO);
	assert_int_equal(c.profile.template_source, ISO_SRC_BUILTIN);
	assert_int_equal(c.profile.template_keep, 3);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_BUILTIN);
	wo_config_release(&c);
	assert_string_equal(wo_template_mode_name(ISO_TEMPLATE_AUTO), "auto");
	assert_string_equal(wo_template_mode_name(ISO_TEMPLATE_EXACT), "exact");
	assert_string_equal(wo_template_mode_name(ISO_TEMPLATE_NEVER), "never");
}

static void test_each_layer_over_the_one_below(void **state)
{
	struct fixture *f = *state;
	struct iso_config c;
	put(f->host, "{\"template\": \"exact\", \"template_keep\": 5,"
		     " \"profiles\": {\"hub\": {\"modules\": [\"sale\", \"stock\"]}}}");
	load(&c, NULL);
	modules_are(&c, (const char *const[]){"base", "sale", "stock", NULL});
	assert_int_equal(c.profile.modules_source, ISO_SRC_HOST);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_EXACT);
	assert_int_equal(c.profile.template_source, ISO_SRC_HOST);
	assert_int_equal(c.profile.template_keep, 5);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_HOST);
	wo_config_release(&c);

	/* The user's list replaces the host's whole (no merging); the user's top level over the host's. */
	put(f->user, "// the user's\n{\"template\": \"never\", \"template_keep\": 7,"
		     " \"profiles\": {\"hub\": {\"modules\": [\"crm\"]}}}");
	load(&c, NULL);
	modules_are(&c, (const char *const[]){"base", "crm", NULL});
	assert_int_equal(c.profile.modules_source, ISO_SRC_USER);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_NEVER);
	assert_int_equal(c.profile.template_source, ISO_SRC_USER);
	assert_int_equal(c.profile.template_keep, 7);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_USER);
	wo_config_release(&c);

	/* The repository's list and mode over the user's; its own order kept ("base" is in it). */
	put(f->repo, "{\"template\": \"auto\", \"profiles\": {\"hub\": {\"modules\": [\"web\", \"base\"]}}}");
	load(&c, NULL);
	modules_are(&c, (const char *const[]){"web", "base", NULL});
	assert_int_equal(c.profile.modules_source, ISO_SRC_REPO);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_AUTO);
	assert_int_equal(c.profile.template_source, ISO_SRC_REPO);
	assert_int_equal(c.profile.template_keep, 7);
	wo_config_release(&c);

	/* As for the images: a profile's own value beats any file's top level, here the repository's. */
	put(f->host, "{\"profiles\": {\"hub\": {\"template\": \"exact\", \"template_keep\": 4}}}");
	load(&c, NULL);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_EXACT);
	assert_int_equal(c.profile.template_source, ISO_SRC_HOST);
	assert_int_equal(c.profile.template_keep, 4);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_HOST);
	wo_config_release(&c);
	/* Another profile takes the top level. */
	load(&c, &(struct iso_config_flags){.profile = "evv"});
	modules_are(&c, (const char *const[]){"base", NULL});
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_AUTO);
	assert_int_equal(c.profile.template_keep, 7);
	wo_config_release(&c);

	/* The environment over every file. */
	setenv("ISOPOD_TEMPLATE", "never", 1);
	setenv("ISOPOD_TEMPLATE_KEEP", "20", 1);
	load(&c, NULL);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_NEVER);
	assert_int_equal(c.profile.template_source, ISO_SRC_ENV);
	assert_int_equal(c.profile.template_keep, 20);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_ENV);
	wo_config_release(&c);
	setenv("ISOPOD_TEMPLATE", "exact", 1);
	setenv("ISOPOD_TEMPLATE_KEEP", "1", 1);
	load(&c, NULL);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_EXACT);
	assert_int_equal(c.profile.template_keep, 1);
	wo_config_release(&c);
}

static void test_no_template_beats_everything(void **state)
{
	struct fixture *f = *state;
	put(f->host, "{\"template\": \"exact\", \"profiles\": {\"hub\": {\"template\": \"exact\"}}}");
	put(f->user, "{\"template\": \"auto\", \"profiles\": {\"hub\": {\"template\": \"exact\"}}}");
	put(f->repo, "{\"template\": \"exact\", \"profiles\": {\"hub\": {\"template\": \"auto\"}}}");
	setenv("ISOPOD_TEMPLATE", "exact", 1);
	struct iso_config c;
	load(&c, &(struct iso_config_flags){.no_template = 1});
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_NEVER);
	assert_int_equal(c.profile.template_source, ISO_SRC_FLAG);
	assert_string_equal(wo_template_mode_name(c.profile.template_mode), "never");
	wo_config_release(&c);
	/* Without the flag the environment's value stands. */
	load(&c, NULL);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_EXACT);
	assert_int_equal(c.profile.template_source, ISO_SRC_ENV);
	wo_config_release(&c);
}

/* A hub profile of N modules "m0", "m1"... ("base" the last when WITH_BASE), as a file's text. */
static char *modules_file(int n, int with_base)
{
	char *list = xstrdup("");
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), with_base && i == n - 1 ? "base" : "m%d", i);
		char *next = xasprintf("%s%s\"%s\"", list, i ? ", " : "", name);
		free(list);
		list = next;
	}
	char *text = xasprintf("{\"profiles\": {\"hub\": {\"modules\": [%s]}}}", list);
	free(list);
	return text;
}

static void test_base_is_always_included(void **state)
{
	struct fixture *f = *state;
	struct iso_config c;
	put(f->user, "{\"profiles\": {\"hub\": {\"modules\": [\"sale\", \"stock\"]}}}");
	load(&c, NULL);
	modules_are(&c, (const char *const[]){"base", "sale", "stock", NULL});
	wo_config_release(&c);
	put(f->user, "{\"profiles\": {\"hub\": {\"modules\": []}}}");
	load(&c, NULL);
	modules_are(&c, (const char *const[]){"base", NULL});
	assert_int_equal(c.profile.modules_source, ISO_SRC_USER);
	wo_config_release(&c);

	/* 63 without "base": 64 with it, the most there may be. */
	char *text = modules_file(63, 0);
	put(f->user, text);
	free(text);
	load(&c, NULL);
	assert_int_equal(c.profile.n_modules, ISO_PROFILE_MODULES_MAX);
	assert_string_equal(c.profile.modules[0], "base");
	assert_string_equal(c.profile.modules[63], "m62");
	assert_null(c.profile.modules[64]);
	wo_config_release(&c);
	/* 64 with "base" (last): kept as they are. */
	text = modules_file(64, 1);
	put(f->user, text);
	free(text);
	load(&c, NULL);
	assert_int_equal(c.profile.n_modules, 64);
	assert_string_equal(c.profile.modules[0], "m0");
	assert_string_equal(c.profile.modules[63], "base");
	wo_config_release(&c);
	/* 64 without it: "base" would make 65. */
	text = modules_file(64, 0);
	put(f->user, text);
	free(text);
	refused_naming(NULL, (const char *const[]){"'profiles.hub.modules'", "65 modules", "\"base\"", f->user,
						   "more than the 64", "remove 1", NULL});
}

static void test_repository_may_set_modules_and_template(void **state)
{
	struct fixture *f = *state;
	put(f->user, "{\"template_keep\": 6}");
	put(f->repo, "// the repository's\n{\"profile\": \"evv\", \"template\": \"exact\","
		     " \"profiles\": {\"evv\": {\"modules\": [\"account\", \"sale\"], \"template\": \"never\"}}}");
	struct iso_config c;
	load(&c, NULL);
	assert_string_equal(c.profile.name, "evv");
	modules_are(&c, (const char *const[]){"base", "account", "sale", NULL});
	assert_int_equal(c.profile.modules_source, ISO_SRC_REPO);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_NEVER);
	assert_int_equal(c.profile.template_source, ISO_SRC_REPO);
	assert_int_equal(c.profile.template_keep, 6);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_USER);
	wo_config_release(&c);
}

/* How many templates this host keeps is the user's to say: refused like the exposure keys. */
static void test_repository_may_not_set_template_keep(void **state)
{
	struct fixture *f = *state;
	static const char *const files[][2] = {
		{"{\"template_keep\": 3}", "'template_keep'"},
		{"{\"profiles\": {\"hub\": {\"template_keep\": 10}}}", "'profiles.hub.template_keep'"},
		{"{\"profiles\": {\"hub\": {\"template_keep\": \"bad\"}}}", "'profiles.hub.template_keep'"},
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(files); i++) {
		put(f->repo, files[i][0]);
		refused_naming(NULL, (const char *const[]){files[i][1], f->repo, f->user, f->host, "not a repository's",
							   "ISOPOD_TEMPLATE_KEEP", NULL});
	}
	/* The same in the user's file loads. */
	unlink(f->repo);
	put(f->user, files[1][0]);
	struct iso_config c;
	load(&c, NULL);
	assert_int_equal(c.profile.template_keep, 10);
	assert_int_equal(c.profile.template_keep_source, ISO_SRC_USER);
	wo_config_release(&c);
}

static void test_bad_values(void **state)
{
	struct fixture *f = *state;
	/* A hub profile's or the top level's value in the user file, and what the message must name. */
	static const struct {
		const char *text, *key, *value, *rule;
	} bad[] = {
		{"{\"profiles\": {\"hub\": {\"modules\": \"sale\"}}}", "'profiles.hub.modules'", "\"sale\"",
		 "must be an array of Odoo module names"},
		{"{\"profiles\": {\"hub\": {\"modules\": {\"sale\": 1}}}}", "'profiles.hub.modules'", "{\"sale\":1}",
		 "must be an array"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"sale\", 42]}}}", "'profiles.hub.modules'", "42",
		 "is not an Odoo module name (a lowercase letter"},
		{"{\"profiles\": {\"hub\": {\"modules\": [null]}}}", "'profiles.hub.modules'", "null",
		 "is not an Odoo module name"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"\"]}}}", "'profiles.hub.modules'", "\"\"",
		 "is not an Odoo module name"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"Sale\"]}}}", "'profiles.hub.modules'", "\"Sale\"",
		 "lowercase letters, digits and '_'"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"web-site\"]}}}", "'profiles.hub.modules'", "\"web-site\"",
		 "is not an Odoo module name"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"1sale\"]}}}", "'profiles.hub.modules'", "\"1sale\"",
		 "is not an Odoo module name"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"sale\", \"crm\", \"sale\"]}}}", "'profiles.hub.modules'",
		 "'sale' twice", "list each module once"},
		{"{\"profiles\": {\"hub\": {\"modules\": [\"base\", \"base\"]}}}", "'profiles.hub.modules'",
		 "'base' twice", "list each module once"},
		{"{\"template\": \"sometimes\"}", "'template'", "\"sometimes\"",
		 "one of \"auto\", \"exact\" and \"never\""},
		{"{\"profiles\": {\"hub\": {\"template\": true}}}", "'profiles.hub.template'", "true",
		 "one of \"auto\", \"exact\" and \"never\""},
		{"{\"template\": \"Auto\"}", "'template'", "\"Auto\"", "one of \"auto\""},
		{"{\"template_keep\": 0}", "'template_keep'", "is 0;", "an integer from 1 to 20"},
		{"{\"template_keep\": 21}", "'template_keep'", "is 21;", "an integer from 1 to 20"},
		{"{\"template_keep\": \"3\"}", "'template_keep'", "is \"3\";", "an integer from 1 to 20"},
		{"{\"profiles\": {\"hub\": {\"template_keep\": 3.5}}}", "'profiles.hub.template_keep'", "3.5",
		 "an integer from 1 to 20"},
		{"{\"profiles\": {\"hub\": {\"modulez\": []}}}", "unknown key 'profiles.hub.modulez'", "modules",
		 "template_keep"},
		{"{\"modules\": [\"sale\"]}", "unknown key 'modules'", "template", "profiles"},
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(bad); i++) {
		put(f->user, bad[i].text);
		refused_naming(NULL, (const char *const[]){bad[i].key, bad[i].value, bad[i].rule, f->user, NULL});
	}
	/* 65 entries: refused for the count, before any name is looked at. */
	char *text = modules_file(65, 1);
	put(f->user, text);
	free(text);
	refused_naming(NULL, (const char *const[]){"'profiles.hub.modules'", "lists 65 modules", "more than the 64",
						   f->user, NULL});
	/* A name of 65 characters is one too long; 64 is the longest. */
	char name[ISO_MODULE_NAME_MAX + 2];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	text = xasprintf("{\"profiles\": {\"hub\": {\"modules\": [\"%s\"]}}}", name);
	put(f->user, text);
	free(text);
	refused_naming(NULL, (const char *const[]){"is not an Odoo module name", "at most 63", NULL});
	name[ISO_MODULE_NAME_MAX] = '\0';
	text = xasprintf("{\"profiles\": {\"hub\": {\"modules\": [\"%s\"]}}}", name);
	put(f->user, text);
	free(text);
	struct iso_config c;
	load(&c, NULL);
	assert_string_equal(c.profile.modules[1], name);
	wo_config_release(&c);
}

static void test_bad_environment(void **state)
{
	unlink(((struct fixture *)*state)->user);
	static const char *const modes[] = {"sometimes", "NEVER", "auto "};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(modes); i++) {
		setenv("ISOPOD_TEMPLATE", modes[i], 1);
		char value[64];
		snprintf(value, sizeof(value), "ISOPOD_TEMPLATE='%s'", modes[i]);
		refused_naming(NULL, (const char *const[]){value, "auto, exact or never", NULL});
	}
	unsetenv("ISOPOD_TEMPLATE");
	static const char *const keeps[] = {"0", "21", "abc", "3x", "+3", " 3", "-1", "99999999999999999999"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(keeps); i++) {
		setenv("ISOPOD_TEMPLATE_KEEP", keeps[i], 1);
		char value[64];
		snprintf(value, sizeof(value), "ISOPOD_TEMPLATE_KEEP='%s'", keeps[i]);
		refused_naming(NULL, (const char *const[]){value, "an integer from 1 to 20", NULL});
	}
	/* Empty is unset, as for every ISOPOD_* variable. */
	setenv("ISOPOD_TEMPLATE_KEEP", "", 1);
	setenv("ISOPOD_TEMPLATE", "", 1);
	struct iso_config c;
	load(&c, NULL);
	assert_int_equal(c.profile.template_keep, 3);
	assert_int_equal(c.profile.template_mode, ISO_TEMPLATE_AUTO);
	wo_config_release(&c);
}

/* Modules and the template keys say how a database is made, not what the pod is: no drift when they change. */
static void test_hash_ignores_modules_and_template(void **state)
{
	struct fixture *f = *state;
	int ports[ISO_PORT_PURPOSES] = {8090, 0, 0};
	struct iso_config c;
	char h0[17], h[17];
	load(&c, NULL);
	wo_config_hash(&c, ports, h0);
	wo_config_release(&c);
	static const char *const files[] = {
		"{\"profiles\": {\"hub\": {\"modules\": [\"sale\", \"stock\"]}}}",
		"{\"profiles\": {\"hub\": {\"modules\": [\"stock\", \"sale\", \"base\"]}}}",
		"{\"template\": \"never\", \"template_keep\": 9}",
		"{\"profiles\": {\"hub\": {\"template\": \"exact\", \"modules\": [\"crm\"]}}}",
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(files); i++) {
		put(f->user, files[i]);
		load(&c, &(struct iso_config_flags){.no_template = (int)(i & 1)});
		wo_config_hash(&c, ports, h);
		if (strcmp(h, h0))
			fail_msg("the hash changed (%s, was %s) with %s", h, h0, files[i]);
		wo_config_release(&c);
	}
	/* The check can fail: an image in the same file changes it. */
	put(f->user, "{\"profiles\": {\"hub\": {\"modules\": [\"crm\"], \"odoo_image\": \"other/odoo:17\"}}}");
	load(&c, NULL);
	wo_config_hash(&c, ports, h);
	assert_string_not_equal(h, h0);
	wo_config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_layer_over_the_one_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_template_beats_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_is_always_included, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repository_may_set_modules_and_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repository_may_not_set_template_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_ignores_modules_and_template, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
