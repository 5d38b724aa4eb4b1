/* SPDX-License-Identifier: Apache-2.0 */
/* Reclaim, stale creations, merge and listing never touch other users' leases; shared directory rules. */
#include <errno.h>
#include <grp.h>

#include "test_lease.h"

#define OTHER 4242

/* Leases written by hand: two of another uid, and the caller's in every state. */
static char *fixture(void)
{
	struct lease_run me;
	unsigned u = (unsigned)getuid();

	lease_run_self(&me, NULL);
	return xasprintf("isopod-leases\t1\t6\n"
			 "18960\t127.0.0.1\thttp\t%u\thub\two-theirs\tready\tpod\t1\t1\t100\n"
			 "18961\t127.0.0.1\thttp\t%u\thub\two-mine-too\tcreating\t-\t1\t1\t100\n"
			 "18962\t127.0.0.1\thttp\t%u\thub\two-gone\tready\tpod,db,odoo\t0\t0\t100\n"
			 "18963\t127.0.0.1\thttp\t%u\thub\two-alive\tcreating\tsecret\t%d\t%llu\t100\n"
			 "18964\t127.0.0.1\thttp\t%u\thub\two-dead\tcreating\tsecret\t999999999\t5\t100\n"
			 "18965\t127.0.0.1\thttp\t%u\thub\two-kept\tready\tpod\t0\t0\t100\n",
			 OTHER, OTHER, u, u, (int)me.pid, me.start_time, u, u);
}

struct seen {
	int calls, foreign;
};

/* Everything is gone except wo-kept; count any question about another uid. */
static int exists_only_kept(void *ctx, uid_t uid, const char *profile, const char *wo)
{
	struct seen *s = ctx;
	s->calls++;
	if (uid != getuid())
		s->foreign++;
	return strcmp(wo, "wo-kept") == 0;
}

static void test_reclaim_only_own_dead(void **state)
{
	struct tl *t = *state;
	cleanup_free char *orig = fixture();
	struct seen s = {0};
	struct lease_list got = {0};
	struct iso_error *err = NULL;
	char *after;

	tl_write_raw(t, orig);
	assert_int_equal(lease_reclaim(&t->reg, getuid(), exists_only_kept, &s, &got, &err), 0);
	assert_int_equal(s.foreign, 0);
	assert_int_equal(got.n, 2); /* wo-gone and wo-dead; wo-alive's run is this process */
	assert_true((!strcmp(got.v[0].wo, "wo-gone") && !strcmp(got.v[1].wo, "wo-dead")));
	lease_list_release(&got);
	after = tl_read_raw(t);
	assert_non_null(strstr(after, "18960\t127.0.0.1\thttp\t4242\thub\two-theirs\tready\tpod\t1\t1\t100\n"));
	assert_non_null(strstr(after, "18961\t127.0.0.1\thttp\t4242\thub\two-mine-too\tcreating\t-\t1\t1\t100\n"));
	assert_non_null(strstr(after, "\two-alive\t"));
	assert_non_null(strstr(after, "\two-kept\t"));
	assert_null(strstr(after, "\two-gone\t"));
	assert_null(strstr(after, "\two-dead\t"));
	free(after);
}

static int exists_fails(void *ctx, uid_t uid, const char *profile, const char *wo)
{
	return -1;
}

static void test_reclaim_abort_changes_nothing(void **state)
{
	struct tl *t = *state;
	cleanup_free char *orig = fixture();
	struct iso_error *err = NULL;

	tl_write_raw(t, orig);
	assert_int_equal(lease_reclaim(&t->reg, getuid(), exists_fails, NULL, NULL, &err), -1);
	iso_error_free(err);
	tl_assert_raw(t, orig);
}

static void test_list_stale(void **state)
{
	struct tl *t = *state;
	cleanup_free char *orig = fixture();
	struct lease_list l = {0};
	struct iso_error *err = NULL;

	tl_write_raw(t, orig);
	assert_int_equal(lease_list_stale(&t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].wo, "wo-dead");
	assert_int_equal(l.v[0].made, LEASE_MADE_SECRET);
	lease_list_release(&l);
}

static struct lease mk(int port, const char *wo, enum iso_port_purpose p)
{
	struct lease l = {.port = port,
			  .address = "127.0.0.1",
			  .purpose = p,
			  .uid = getuid(),
			  .profile = "hub",
			  .state = LEASE_READY,
			  .made = LEASE_MADE_POD,
			  .time = 200};
	snprintf(l.wo, sizeof(l.wo), "%s", wo);
	return l;
}

static void test_merge(void **state)
{
	struct tl *t = *state;
	cleanup_free char *orig = fixture();
	struct lease in[4];
	struct lease_moved_list mv = {0};
	struct lease_list l = {0};
	struct iso_error *err = NULL;
	char *after;
	int low = t->low;

	in[0] = mk(18960, "wo-new", ISO_PORT_HTTP);       /* another user's port: moved */
	in[1] = mk(18970, "wo-kept", ISO_PORT_HTTP);      /* replaces wo-kept's 18965 */
	in[2] = mk(18970, "wo-twin", ISO_PORT_HTTP);      /* an earlier entry's port: moved */
	in[3] = mk(18962, "wo-gone", ISO_PORT_WEBSOCKET); /* its own other lease's port: moved */
	tl_write_raw(t, orig);
	assert_int_equal(lease_merge(&t->reg, getuid(), in, 4, low, t->high, &mv, &err), 0);
	assert_int_equal(mv.n, 3);
	assert_string_equal(mv.v[0].lease.wo, "wo-new");
	assert_int_equal(mv.v[0].old_port, 18960);
	assert_int_equal(mv.v[0].lease.port, low);
	assert_string_equal(mv.v[1].lease.wo, "wo-twin");
	assert_int_equal(mv.v[1].lease.port, low + 1);
	assert_string_equal(mv.v[2].lease.wo, "wo-gone");
	assert_int_equal(mv.v[2].lease.port, low + 2);
	lease_moved_list_release(&mv);
	after = tl_read_raw(t);
	assert_non_null(strstr(after, "18960\t127.0.0.1\thttp\t4242\thub\two-theirs\tready\tpod\t1\t1\t100\n"));
	assert_non_null(strstr(after, "18961\t127.0.0.1\thttp\t4242\thub\two-mine-too\tcreating\t-\t1\t1\t100\n"));
	assert_null(strstr(after, "18965\t"));
	free(after);
	assert_int_equal(lease_list_all(&t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, 9);
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.v[i - 1].port < l.v[i].port); /* sorted, and never a port twice */
	lease_list_release(&l);
	/* An entry of another uid is refused, and nothing changes. */
	tl_write_raw(t, orig);
	in[0].uid = OTHER;
	assert_int_equal(lease_merge(&t->reg, getuid(), in, 1, low, t->high, NULL, &err), -1);
	iso_error_free(err);
	tl_assert_raw(t, orig);
}

static void test_list_all_holders_only(void **state)
{
	struct tl *t = *state;
	cleanup_free char *orig = fixture();
	struct lease_list l = {0};
	struct iso_error *err = NULL;

	tl_write_raw(t, orig);
	assert_int_equal(lease_list_all(&t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[1].uid, OTHER);
	assert_string_equal(l.v[1].wo, "wo-mine-too");
	assert_int_equal(l.v[1].run.pid, 0);
	assert_int_equal(l.v[1].time, 0);
	assert_int_equal(l.v[0].made, 0);
	assert_int_equal(l.v[2].made, LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_ODOO);
	assert_int_equal(l.v[4].run.pid, 999999999);
	lease_list_release(&l);
}

static void expect_shared_refused(const char *dir, mode_t mode, const char *fix)
{
	struct lease_registry reg;
	struct iso_error *err = NULL;

	assert_int_equal(chmod(dir, mode), 0);
	assert_int_equal(lease_registry_open(&reg, dir, 1, &err), -1);
	assert_int_equal(err->class, ISO_E_HOST);
	if (!strstr(err->msg, fix))
		fail_msg("mode %04o: '%s' not in: %s", (unsigned)mode, fix, err->msg);
	iso_error_free(err);
}

static void test_shared_directory_rules(void **state)
{
	struct tl *t = *state;
	cleanup_free char *dir = tl_path(t, "shared");
	cleanup_free char *link = tl_path(t, "link");
	cleanup_free char *missing = tl_path(t, "missing");
	struct lease_registry reg;
	struct lease_request r = tl_req(t, "wo-s");
	struct lease_grant g;
	struct iso_error *err = NULL;
	struct stat st;
	char *p;

	assert_int_equal(mkdir(dir, 0700), 0);
	expect_shared_refused(dir, 0770, "chmod g+s '");
	expect_shared_refused(dir, 03770, "chmod o-t '");
	expect_shared_refused(dir, 02750, "chmod g+rwx '");
	expect_shared_refused(dir, 02777, "chmod o-w '");
	expect_shared_refused(dir, 01700, "chmod g+rwx,g+s,o-t '");
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(chmod(dir, 02770), 0);
	assert_int_equal(lease_registry_open(&reg, link, 1, &err), -1);
	assert_non_null(strstr(err->msg, "symbolic link"));
	iso_error_free(err);
	err = NULL;
	assert_int_equal(lease_registry_open(&reg, missing, 1, &err), -1);
	assert_non_null(strstr(err->msg, "does not exist"));
	iso_error_free(err);
	err = NULL;
	/* A good one: files come out 0660 in the directory's group, whatever the umask. */
	umask(077);
	assert_int_equal(lease_registry_open(&reg, dir, 1, &err), 0);
	assert_int_equal(lease_acquire(&reg, &r, &g, &err), 0);
	umask(022);
	p = xasprintf("%s/%s", dir, LEASE_FILE);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, reg.gid);
	free(p);
	p = xasprintf("%s/%s", dir, LEASE_LOCK_FILE);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	free(p);
	lease_registry_release(&reg);
	/* The private default: 0600. */
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), 0);
	p = tl_path(t, LEASE_FILE);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reclaim_only_own_dead, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_abort_changes_nothing, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_list_stale, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_merge, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_list_all_holders_only, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_shared_directory_rules, tl_setup, tl_teardown),
	};
	return cmocka_run_group_tests_name("lease-repair", tests, NULL, NULL);
}
