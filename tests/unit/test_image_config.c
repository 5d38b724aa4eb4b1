/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scripts/image-config.sh, which `make demo` runs to name the local images
 * in the user's configuration: a new file is created, an existing one keeps
 * every key and comment, a file isopod cannot load and a file that already
 * names an image are left alone byte for byte, and whatever it writes loads
 * in isopod with the images it named (checked through the real loader).
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
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "workorder/config.h"

#define ODOO "localhost/isopod-odoo-standin:18"
#define DB "localhost/isopod-postgres:15"

static char root[] = "/tmp/isopod-test-imgcfg-XXXXXX";
static char file[256];

static void put(const char *text)
{
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *get(void)
{
	char *buf = NULL;
	size_t len = 0;
	struct iso_error *err = NULL;
	if (iso_read_file(file, 1 << 20, &buf, &len, &err) < 0)
		fail_msg("cannot read %s: %s", file, err->msg);
	return buf;
}

/* Runs the script as make demo does; its exit status. */
static int run_script(void)
{
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof cmd, "bash '%s/scripts/image-config.sh' '%s' '%s' '%s' '%s' 2>/dev/null", ISO_SRCDIR, file,
		 ISO_ISOPOD_BIN, ODOO, DB);
	int st = system(cmd);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The images the hub profile gets from this configuration, through isopod's own loader. */
static void assert_loads_with_local_images(void)
{
	struct iso_config c;
	struct iso_error *err = NULL;
	if (wo_config_load(&c, NULL, &err) < 0)
		fail_msg("the written file does not load: %s", err->msg);
	assert_string_equal(c.profile.odoo_image, ODOO);
	assert_string_equal(c.profile.db_image, DB);
	wo_config_release(&c);
}

static int setup(void **state)
{
	if (!mkdtemp(root))
		return -1;
	char d[200];
	snprintf(d, sizeof d, "%s/home/.config/isopod", root);
	if (iso_mkdir_p(d, 0700, NULL) < 0)
		return -1;
	snprintf(file, sizeof file, "%s/config.json", d);
	snprintf(d, sizeof d, "%s/home", root);
	setenv("HOME", d, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("ISOPOD_ODOO_IMAGE");
	unsetenv("ISOPOD_DB_IMAGE");
	unsetenv("ISOPOD_PROFILE");
	char host[PATH_MAX];
	snprintf(host, sizeof host, "%s/no-host-config.json", root);
	setenv("ISOPOD_HOST_CONFIG", host, 1);
	snprintf(d, sizeof d, "%s/state", root);
	setenv("ISOPOD_STATE_DIR", d, 1);
	return chdir("/");
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_missing_file_is_created(void **state)
{
	unlink(file);
	assert_int_equal(run_script(), 0);
	assert_loads_with_local_images();
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* the user's own file */
}

static void test_keys_and_comments_kept(void **state)
{
	const char *before = "// my settings\n{ /* wide */ \"port_range\": \"9000-9099\", // trailing\n"
			     "  \"profiles\": { \"hub\": { \"env\": { \"A\": \"1\" } }, \"evv\": { \"odoo_image\": "
			     "\"e/o:1\" } } }\n";
	put(before);
	assert_int_equal(run_script(), 0);
	cleanup_free char *after = get();
	assert_non_null(strstr(after, "// my settings"));
	assert_non_null(strstr(after, "/* wide */ \"port_range\": \"9000-9099\", // trailing"));
	assert_non_null(strstr(after, "\"evv\": { \"odoo_image\": \"e/o:1\" }"));
	assert_loads_with_local_images();
	struct iso_config c;
	struct iso_error *err = NULL;
	assert_int_equal(wo_config_load(&c, NULL, &err), 0);
	assert_int_equal(c.port_low, 9000); /* the user's range still in force */
	assert_string_equal(c.profile.env[0], "A=1");
	wo_config_release(&c);
	struct iso_config_flags fl = {.profile = "evv"};
	assert_int_equal(wo_config_load(&c, &fl, &err), 0);
	assert_string_equal(c.profile.odoo_image, "e/o:1"); /* a profile's own image still wins */
	wo_config_release(&c);

	put("{}");
	assert_int_equal(run_script(), 0);
	assert_loads_with_local_images();
}

static void test_left_alone(void **state)
{
	const char *cases[] = {
		"{ \"port_range\": 5 }",                               /* isopod refuses it */
		"{ \"port_range\": \"9000-9099\"",                     /* cut short */
		"{ \"odoo_image\": \"mine/odoo:17\" }",                /* the user chose an image */
		"// c\n{ \"profiles\": {}, \"db_image\": \"x/p:1\" }", /* the other one */
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(cases); i++) {
		put(cases[i]);
		assert_int_equal(run_script(), 1);
		cleanup_free char *after = get();
		assert_string_equal(after, cases[i]);
		char d[300];
		snprintf(d, sizeof d, "%s.before-demo", file);
		assert_int_equal(access(d, F_OK), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file_is_created),
		cmocka_unit_test(test_keys_and_comments_kept),
		cmocka_unit_test(test_left_alone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
