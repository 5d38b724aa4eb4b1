/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of templates and snapshots: the names of a template build
 * (never a work order's), a module's hash (only its own files count, build
 * droppings and unlisted modules do not), the choice of a template for a
 * key (exact, stale with -u / -i, never one of other images or unsealed),
 * Podman's time stamps, and the rules of snapshot names.
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
#include <unistd.h>

#include "base/util.h"
#include "iso_run.h"
#include "snapshot/snapshot.h"
#include "template/template.h"

static void test_build_names_are_no_work_orders(void **state)
{
	struct workorder_names b, n;
	struct iso_error *err = NULL;
	assert_int_equal(wo_names_template_build(&b, "hub", "0123456789abcdef", &err), 0);
	assert_string_equal(b.pod, "isopod.tpl-hub-0123456789abcdef");
	assert_string_equal(b.db_volume, "isopod-tpl-hub-0123456789abcdef-db");
	assert_string_equal(b.odoo_volume, "isopod-tpl-hub-0123456789abcdef-files");
	assert_string_equal(b.template_key, "0123456789abcdef");
	/* The longest work order whose names could come close still differs in every name. */
	assert_int_equal(wo_names_init(&n, "isopod", "tpl-hub-0123456789abcdef", &err), 0);
	assert_string_not_equal(n.pod, "isopod.tpl-hub-0123456789abcdef");
	assert_string_not_equal(n.db_volume, b.db_volume);
	assert_string_not_equal(n.secret, b.secret);
	assert_int_equal(wo_names_template_build(&b, "hub", "0123", &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	iso_error_free(err);
	err = NULL;
	assert_int_equal(wo_names_template_build(&b, "hub", "0123456789ABCDEF", &err), -1);
	iso_error_free(err);
}

static char root[] = "/tmp/isopod-test-template-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void hash(const char *module, char out[17])
{
	struct iso_error *err = NULL;
	if (tpl_module_hash(root, module, out, &err) < 0)
		fail_msg("hash of %s: %s", module, err->msg);
}

static void test_module_hash(void **state)
{
	assert_non_null(mkdtemp(root));
	mk("addons");
	mk("addons/mine");
	mk("addons/mine/models");
	mk("addons/other");
	put("addons/mine/__manifest__.py", "{'name': 'mine'}\n");
	put("addons/mine/models/a.py", "x = 1\n");
	put("addons/other/__manifest__.py", "{'name': 'other'}\n");
	char h1[17], h2[17], none[17];
	hash("mine", h1);
	hash("nosuch", none);
	assert_string_equal(none, "image");
	assert_int_equal(strlen(h1), 16);
	/* Build droppings and another module do not count. */
	mk("addons/mine/__pycache__");
	put("addons/mine/__pycache__/a.cpython-311.pyc", "junk");
	put("addons/mine/models/a.pyc", "junk");
	put("addons/other/__init__.py", "changed\n");
	hash("mine", h2);
	assert_string_equal(h1, h2);
	/* A change of content, a new file, a rename: each changes it. */
	put("addons/mine/models/a.py", "x = 2\n");
	hash("mine", h2);
	assert_string_not_equal(h1, h2);
	put("addons/mine/models/a.py", "x = 1\n");
	hash("mine", h2);
	assert_string_equal(h1, h2);
	put("addons/mine/models/b.py", "");
	hash("mine", h2);
	assert_string_not_equal(h1, h2);
	/* A link is hashed as a link: never followed out of the repository. */
	char path[256];
	snprintf(path, sizeof path, "%s/addons/linked", root);
	assert_int_equal(symlink("/etc", path), 0);
	hash("linked", h2);
	assert_string_not_equal(h2, "image");
	char none2[17];
	struct iso_error *err = NULL;
	assert_int_equal(tpl_module_hash(NULL, "mine", none2, &err), 0);
	assert_string_equal(none2, "image");
	iso_rmtree(root);
}

/* A sealed template entry with LABELS ("k=v" pairs). */
static void entry(struct tpl_entry *t, const char *key, int sealed, int64_t created, const char *const *labels)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof t->key, "%s", key);
	snprintf(t->profile, sizeof t->profile, "hub");
	t->sealed = sealed;
	t->have_db = t->have_files = 1;
	t->created = created;
	size_t n = 0;
	while (labels[n])
		n++;
	t->seal.labels.n = n;
	t->seal.labels.keys = xzalloc((n + 1) * sizeof(char *));
	t->seal.labels.values = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(labels[i], '=');
		t->seal.labels.keys[i] = xstrndup(labels[i], (size_t)(eq - labels[i]));
		t->seal.labels.values[i] = xstrdup(eq + 1);
	}
}

static void test_plan_choose(void **state)
{
	struct tpl_key k;
	memset(&k, 0, sizeof k);
	snprintf(k.key, sizeof k.key, "00000000000000cc");
	k.odoo_image_id = "odoo1";
	k.db_image_id = "db1";
	k.n_modules = 3;
	k.modules[0] = "base", k.modules[1] = "sale", k.modules[2] = "mine";
	snprintf(k.module_hash[0], 17, "image");
	snprintf(k.module_hash[1], 17, "image");
	snprintf(k.module_hash[2], 17, "1111111111111111");
	snprintf(k.modules_csv, sizeof k.modules_csv, "base,sale,mine");
	const char *older[] = {"io.isopod.image.odoo=odoo1",
			       "io.isopod.image.db=db1",
			       "io.isopod.init=" TPL_INIT_FLAGS,
			       "io.isopod.database=hub_template",
			       "io.isopod.modules=base,mine,crm",
			       "io.isopod.module.base=image",
			       "io.isopod.module.mine=2222222222222222",
			       "io.isopod.module.crm=image",
			       NULL};
	const char *other_images[] = {"io.isopod.image.odoo=odoo2",       "io.isopod.image.db=db1",
				      "io.isopod.init=" TPL_INIT_FLAGS,   "io.isopod.database=hub_template",
				      "io.isopod.modules=base,sale,mine", NULL};
	struct tpl_entry v[3];
	entry(&v[0], "00000000000000b2", 1, 300, other_images); /* newest, other images */
	entry(&v[1], "00000000000000b1", 1, 200, older);
	entry(&v[2], "00000000000000cc", 0, 100, older); /* the exact key, but unsealed */
	struct tpl_list l = {v, 3};
	struct tpl_plan p;
	tpl_plan_choose(&l, &k, 0, &p);
	assert_int_equal(p.match, TPL_NONE); /* exact only: the unsealed one is never used */
	tpl_plan_choose(&l, &k, 1, &p);
	assert_int_equal(p.match, TPL_STALE);
	assert_ptr_equal(p.t, &v[1]); /* the newest of the same images */
	assert_string_equal(p.upgrade, "mine");
	assert_string_equal(p.install, "sale");
	assert_string_equal(p.extra, "crm");
	v[2].sealed = 1;
	tpl_plan_choose(&l, &k, 1, &p);
	assert_int_equal(p.match, TPL_EXACT);
	assert_ptr_equal(p.t, &v[2]);
	for (int i = 0; i < 3; i++)
		podman_labels_release(&v[i].seal.labels);
}

static void test_times(void **state)
{
	assert_int_equal(tpl_parse_time("1970-01-01T00:01:00Z"), 60);
	assert_int_equal(tpl_parse_time("2026-12-02T16:27:10.123456789Z"), 1796228830);
	assert_int_equal(tpl_parse_time("2026-12-02T17:27:10.5+01:00"), 1796228830);
	assert_int_equal(tpl_parse_time("2026-12-02T15:27:10-01:00"), 1796228830);
	assert_int_equal(tpl_parse_time("yesterday"), 0);
	assert_int_equal(tpl_parse_time(NULL), 0);
}

static void test_snapshot_names(void **state)
{
	struct iso_error *err = NULL;
	assert_int_equal(snap_name_check("20261202-101500", &err), 0);
	assert_int_equal(snap_name_check("before.upgrade_2", &err), 0);
	const char *bad[][2] = {
		{"", "required"},
		{"a/b", "'/'"},
		{"a b", "a space"},
		{"-x", "position 1"},
		{".x", "position 1"},
		{"x\ty", "position 2"},
		{"x1234567890123456789012345678901234567890", "limit is 40"},
	};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(bad); i++) {
		assert_int_equal(snap_name_check(bad[i][0], &err), -1);
		assert_int_equal(err->class, ISO_E_USAGE);
		if (!strstr(err->msg, bad[i][1]))
			fail_msg("'%s': '%s' lacks '%s'", bad[i][0], err->msg, bad[i][1]);
		iso_error_free(err);
		err = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_names_are_no_work_orders),
		cmocka_unit_test(test_module_hash),
		cmocka_unit_test(test_plan_choose),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_snapshot_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
