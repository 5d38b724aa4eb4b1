/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ports --rebuild` copes with the file it repairs (issue 12, helper D's
 * finding D1): a truncated, corrupt or newer-version lease file is moved
 * aside byte for byte, the other users' lines that still parse are kept, the
 * caller's own leases come from the rebuilt entries; without salvage the
 * same file is still refused and left alone.
 */
#include "test_lease.h"

#define OTHER 4343

static struct lease mk(int port, const char *wo)
{
	struct lease l = {.port = port,
			  .address = "127.0.0.1",
			  .purpose = ISO_PORT_HTTP,
			  .uid = getuid(),
			  .profile = "hub",
			  .state = LEASE_READY,
			  .time = 200};
	snprintf(l.wo, sizeof(l.wo), "%s", wo);
	return l;
}

/* A file of two other-user leases, one of the caller's, and DAMAGE appended (or the header changed). */
static char *damaged(const struct tl *t, const char *kind)
{
	unsigned u = (unsigned)getuid();
	const char *version = !strcmp(kind, "newer") ? "2" : "1";
	const char *tail = !strcmp(kind, "truncated") ? "18993\t127.0.0.1\tht"
			   : !strcmp(kind, "corrupt") ? "18994\tnot an address\thttp\t1\thub\two-x\tready\t-\t0\t0\t1\n"
						      : "";
	return xasprintf("isopod-leases\t%s\t4\n"
			 "18990\t127.0.0.1\thttp\t%u\thub\two-theirs\tready\tpod\t0\t0\t100\n"
			 "18991\t127.0.0.1\thttp\t%u\thub\two-mine\tready\tpod\t0\t0\t100\n"
			 "18992\t127.0.0.1\thttp\t%u\thub\two-theirs-too\tready\t-\t0\t0\t100\n%s",
			 version, OTHER, u, OTHER, tail);
}

static void salvage_one(struct tl *t, const char *kind)
{
	cleanup_free char *orig = damaged(t, kind);
	struct lease in[1] = {mk(t->low, "wo-mine")};
	struct lease_salvage sv = {0};
	struct iso_error *err = NULL;

	tl_write_raw(t, orig);
	/* The plain merge refuses it and changes nothing. */
	assert_int_equal(lease_merge(&t->reg, getuid(), in, 1, t->low, t->high, NULL, &err), -1);
	iso_error_free(err);
	err = NULL;
	tl_assert_raw(t, orig);

	if (lease_merge_salvage(&t->reg, getuid(), in, 1, t->low, t->high, NULL, &sv, &err) < 0)
		fail_msg("%s file: %s", kind, err->msg);
	assert_non_null(sv.aside);
	assert_non_null(sv.why);
	assert_int_equal(sv.kept, 2);
	assert_int_equal(sv.dropped, !strcmp(kind, "newer") ? 0 : 1);
	/* The damaged file, byte for byte, beside the new one. */
	cleanup_free char *aside = tl_path(t, sv.aside);
	cleanup_free char *kept = NULL;
	size_t len = 0;
	assert_int_equal(iso_read_file(aside, 1 << 20, &kept, &len, &err), 0);
	assert_string_equal(kept, orig);
	/* The new file: sound, with the other users' two leases and the caller's rebuilt one. */
	struct lease_list l = {0};
	assert_int_equal(lease_list_all(&t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, 3);
	int theirs = 0, mine = 0;
	for (size_t i = 0; i < l.n; i++) {
		theirs += l.v[i].uid == OTHER && (l.v[i].port == 18990 || l.v[i].port == 18992);
		mine += l.v[i].uid == getuid() && l.v[i].port == t->low && !strcmp(l.v[i].wo, "wo-mine");
	}
	assert_int_equal(theirs, 2);
	assert_int_equal(mine, 1);
	lease_list_release(&l);
	lease_salvage_release(&sv);
	unlink(aside);
}

static void test_truncated(void **state)
{
	salvage_one(*state, "truncated");
}

static void test_corrupt(void **state)
{
	salvage_one(*state, "corrupt");
}

static void test_newer(void **state)
{
	salvage_one(*state, "newer");
}

/* A sound file is not set aside. */
static void test_sound_file_untouched(void **state)
{
	struct tl *t = *state;
	struct lease in[1] = {mk(t->low, "wo-mine")};
	struct lease_salvage sv = {0};
	struct iso_error *err = NULL;
	assert_int_equal(lease_merge_salvage(&t->reg, getuid(), in, 1, t->low, t->high, NULL, &sv, &err), 0);
	assert_null(sv.aside);
	assert_int_equal(sv.kept, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_newer, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_sound_file_untouched, tl_setup, tl_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
