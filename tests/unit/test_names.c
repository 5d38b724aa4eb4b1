/* SPDX-License-Identifier: Apache-2.0 */
/* Work-order ids, profile names, derived names and the error object's exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "workorder/names.h"
#include "workorder/ports.h"

static void expect_usage(int rc, struct iso_error **errp, const char *needle)
{
	struct iso_error *err = *errp;
	*errp = NULL;
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_int_equal(iso_error_exit_code(err), 2);
	if (needle && !strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
	iso_error_free(err);
}

static void test_workorder_ids(void **state)
{
	char wo[WO_ID_MAX + 1];
	struct iso_error *err = NULL;
	assert_int_equal(wo_parse("WO-042", wo, &err), 0);
	assert_string_equal(wo, "wo-042");
	assert_int_equal(wo_parse("a", wo, &err), 0);
	assert_int_equal(wo_parse("9.x_Y-z", wo, &err), 0);
	assert_string_equal(wo, "9.x_y-z");
	assert_null(err);
	char forty[41];
	memset(forty, 'A', 40);
	forty[40] = '\0';
	assert_int_equal(wo_parse(forty, wo, &err), 0);
	assert_int_equal(strlen(wo), 40);

	expect_usage(wo_parse("", wo, &err), &err, "required");
	expect_usage(wo_parse("-wo", wo, &err), &err, "must start with a letter or digit");
	expect_usage(wo_parse(".wo", wo, &err), &err, "start");
	expect_usage(wo_parse("wo/42", wo, &err), &err, "'/' at position 3");
	expect_usage(wo_parse("wo 42", wo, &err), &err, "position 3");
	expect_usage(wo_parse("wö", wo, &err), &err, "allowed are");
	char fortyone[42];
	memset(fortyone, 'b', 41);
	fortyone[41] = '\0';
	expect_usage(wo_parse(fortyone, wo, &err), &err, "limit is 40");
}

static void test_profile_names(void **state)
{
	struct iso_error *err = NULL;
	assert_int_equal(wo_profile_name_check("hub", &err), 0);
	assert_int_equal(wo_profile_name_check("evv", &err), 0);
	assert_int_equal(wo_profile_name_check("a1234567890bcdef", &err), 0); /* 16 */
	expect_usage(wo_profile_name_check("a1234567890bcdefg", &err), &err, "1 to 16");
	expect_usage(wo_profile_name_check("my-hub", &err), &err, "no '-'");
	expect_usage(wo_profile_name_check("Hub", &err), &err, NULL);
	expect_usage(wo_profile_name_check("h_b", &err), &err, NULL);
	expect_usage(wo_profile_name_check("", &err), &err, NULL);
}

static void test_derived_names(void **state)
{
	struct workorder_names n;
	struct iso_error *err = NULL;
	assert_int_equal(wo_names_init(&n, "hub", "WO-042", &err), 0);
	assert_string_equal(n.wo, "wo-042");
	assert_string_equal(n.key, "hub/wo-042");
	assert_string_equal(n.pod, "hub-wo-042");
	assert_string_equal(n.odoo_container, "odoo_hub_wo-042");
	assert_string_equal(n.db_container, "db_hub_wo-042");
	assert_string_equal(n.init_container, "init_hub_wo-042");
	assert_string_equal(n.odoo_volume, "odoo-hub-wo-042-data");
	assert_string_equal(n.db_volume, "db-hub-wo-042-data");
	assert_string_equal(n.secret, "db-hub-wo-042-password");
	assert_string_equal(n.database, "hub_wo-042");
	/* Case-insensitive: one work order. */
	struct workorder_names m;
	assert_int_equal(wo_names_init(&m, "hub", "wo-042", &err), 0);
	assert_memory_equal(&n, &m, sizeof(n));
}

static void test_names_at_the_length_limits(void **state)
{
	char wo[41];
	memset(wo, 'W', 40);
	wo[40] = '\0';
	struct workorder_names n;
	struct iso_error *err = NULL;
	assert_int_equal(wo_names_init(&n, "abcdefghijklmnop", wo, &err), 0);
	assert_null(err);
	assert_int_equal(strlen(n.pod), 57);
	assert_true(strlen(n.pod) <= POD_NAME_MAX);
	assert_int_equal(strlen(n.odoo_container), 62);
	assert_int_equal(strlen(n.init_container), 62);
	assert_true(strlen(n.db_container) <= CONTAINER_NAME_MAX);
	assert_int_equal(strlen(n.odoo_volume), 67);
	assert_int_equal(strlen(n.secret), 69);
	assert_true(strlen(n.secret) <= OBJECT_NAME_MAX);
	/* The stored work order stays lowercase even at the limit. */
	assert_int_equal(n.wo[0], 'w');
}

/*
 * No two (profile, work order) pairs share a derived name: profiles have no
 * '-' or '_', so every name splits back at its first separator.  Pairs chosen
 * to collide if the rule were broken ("a-b" + "c" against "a" + "b-c").
 */
static void test_derived_names_are_unique(void **state)
{
	const char *profiles[] = {"a", "ab", "hub", "hub2", "evv"};
	const char *wos[] = {"b", "b-c", "c", "hub-x", "x", "2-x", "b_c", "b.c", "a-b"};
	enum { NP = 5, NW = 9, N = NP * NW };
	static struct workorder_names all[N];
	size_t k = 0;
	for (size_t p = 0; p < NP; p++)
		for (size_t w = 0; w < NW; w++)
			assert_int_equal(wo_names_init(&all[k++], profiles[p], wos[w], NULL), 0);
	for (size_t i = 0; i < N; i++) {
		for (size_t j = i + 1; j < N; j++) {
			assert_string_not_equal(all[i].pod, all[j].pod);
			assert_string_not_equal(all[i].odoo_container, all[j].odoo_container);
			assert_string_not_equal(all[i].db_volume, all[j].db_volume);
			assert_string_not_equal(all[i].secret, all[j].secret);
			assert_string_not_equal(all[i].database, all[j].database);
			assert_string_not_equal(all[i].key, all[j].key);
		}
		/* The pod name splits back at its first '-'. */
		char profile[PROFILE_NAME_MAX + 1], wo[WO_ID_MAX + 1];
		const char *dash = strchr(all[i].pod, '-');
		snprintf(profile, sizeof(profile), "%.*s", (int)(dash - all[i].pod), all[i].pod);
		assert_string_equal(profile, all[i].profile);
		assert_string_equal(dash + 1, all[i].wo);
		assert_int_equal(wo_key_split(all[i].key, profile, wo), 0);
		assert_string_equal(profile, all[i].profile);
		assert_string_equal(wo, all[i].wo);
	}
}

static void test_key_split_rejects_junk(void **state)
{
	char p[PROFILE_NAME_MAX + 1], w[WO_ID_MAX + 1];
	assert_int_equal(wo_key_split("hub/wo-1", p, w), 0);
	assert_int_equal(wo_key_split("hub/WO-1", p, w), -1); /* keys are lowercase */
	assert_int_equal(wo_key_split("hubwo-1", p, w), -1);
	assert_int_equal(wo_key_split("Hub/wo", p, w), -1);
	assert_int_equal(wo_key_split("/wo", p, w), -1);
	assert_int_equal(wo_key_split("hub/", p, w), -1);
	assert_int_equal(wo_key_split(NULL, p, w), -1);
}

/* The stored-form checks (the lease file's) say yes exactly where the parsers accept and store. */
static void test_stored_forms_agree_with_the_parsers(void **state)
{
	static const char *const ids[] = {
		"wo-042",
		"WO-042",
		"a",
		"9.x_y-z",
		"-a",
		".a",
		"_a",
		"a b",
		"a/b",
		"wo\xc3\xa9",
		"",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	static const char *const profiles[] = {
		"hub", "evv2", "Hub", "h-b", "h_b", "h.b", "", "abcdefghijklmnop", "abcdefghijklmnopq",
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char out[WO_ID_MAX + 1];
		int stored = wo_parse(ids[i], out, NULL) == 0 && strcmp(out, ids[i]) == 0;
		if (wo_id_valid(ids[i]) != stored)
			fail_msg("work order '%s': wo_id_valid %d, parsed and stored as typed %d", ids[i],
				 wo_id_valid(ids[i]), stored);
	}
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (wo_profile_name_valid(profiles[i]) != (wo_profile_name_check(profiles[i], NULL) == 0))
			fail_msg("profile '%s': wo_profile_name_valid disagrees with wo_profile_name_check",
				 profiles[i]);
	assert_true(wo_id_valid("wo-042"));
	assert_false(wo_id_valid("WO-042"));
	assert_true(wo_profile_name_valid("abcdefghijklmnop"));
	assert_false(wo_profile_name_valid("abcdefghijklmnopq"));
}

static void test_error_classes_are_exit_codes(void **state)
{
	struct iso_error *err = NULL;
	assert_int_equal(iso_error_set(&err, ISO_E_CONFLICT, 0, "port %d is held", 8092), -1);
	assert_int_equal(iso_error_exit_code(err), 4);
	assert_int_equal(iso_error_wrap(&err, "up '%s'", "wo-1"), -1);
	assert_string_equal(err->msg, "up 'wo-1': port 8092 is held");
	assert_int_equal(err->class, ISO_E_CONFLICT); /* wrapping keeps the class */
	/* A second set replaces the first (no leak under ASan). */
	iso_error_set(&err, ISO_E_UNREACHABLE, 111, "socket refused");
	assert_int_equal(iso_error_exit_code(err), 5);
	assert_int_equal(err->status, 111);
	iso_error_free(err);
	assert_int_equal(iso_error_exit_code(NULL), 1);
	const int codes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(codes); i++) {
		err = NULL;
		iso_error_set(&err, (enum iso_class)codes[i], 0, "x");
		assert_int_equal(iso_error_exit_code(err), codes[i]);
		assert_string_not_equal(iso_class_name(err->class), "ok");
		iso_error_free(err);
	}
	assert_string_equal(iso_class_name(ISO_E_HOST), "host-not-prepared");
	/* A NULL err is allowed everywhere. */
	assert_int_equal(iso_error_set(NULL, ISO_E_USAGE, 0, "ignored"), -1);
}

/* A purpose field of a damaged file may hold NULs; only the exact bytes of a name match (helper E's F3). */
static void test_purpose_with_a_nul_is_no_purpose(void **state)
{
	static const char field[] = "http\0\0\0\0\0\0\0\0";
	assert_int_equal(wo_purpose_parse_n(field, sizeof(field) - 1), -1);
	assert_int_equal(wo_purpose_parse_n(field, 4), ISO_PORT_HTTP);
	assert_int_equal(wo_purpose_parse_n("httpx", 4), ISO_PORT_HTTP);
	assert_int_equal(wo_purpose_parse_n("htt", 3), -1);
	assert_int_equal(wo_purpose_parse_n("db\0", 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workorder_ids),
		cmocka_unit_test(test_profile_names),
		cmocka_unit_test(test_derived_names),
		cmocka_unit_test(test_names_at_the_length_limits),
		cmocka_unit_test(test_derived_names_are_unique),
		cmocka_unit_test(test_key_split_rejects_junk),
		cmocka_unit_test(test_stored_forms_agree_with_the_parsers),
		cmocka_unit_test(test_error_classes_are_exit_codes),
		cmocka_unit_test(test_purpose_with_a_nul_is_no_purpose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
