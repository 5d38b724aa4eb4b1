/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run's journal in the lease (issue 12, defects 1-3): nothing is made
 * that the journal does not name, a rebuild of a work order that was up
 * turns its lease `creating` and a full undo turns it back, a lease that
 * cannot be released or restored is a rollback that is not complete, and a
 * lost port's replacement stays inside the range.
 */
#include "test_lease.h"

#include "lifecycle/lifecycle.h"
#include "fake_transport.h"
#include "podman/client.h"
#include "workorder/ports.h"

struct tj {
	struct tl *t;
	struct fake_transport *f;
	struct wo_ctx w;
	struct wo_run r;
	struct lease_request req;
};

static int setup(void **state)
{
	void *tls = NULL;
	if (tl_setup(&tls) < 0)
		return -1;
	struct tj *j = calloc(1, sizeof(*j));
	j->t = tls;
	j->f = fake_new();
	struct iso_error *err = NULL;
	j->w.client = podman_client_new_with_transport(fake_transport(j->f), NULL);
	j->w.cfg.profile.host_address = xstrdup("127.0.0.1");
	j->w.uid = getuid();
	j->w.lock_fd = -1;
	if (!j->w.client || wo_names_init(&j->w.names, "hub", "t-journal", &err) < 0)
		return -1;
	j->req = (struct lease_request){.uid = getuid(),
					.profile = "hub",
					.wo = j->w.names.wo,
					.purposes = 1u << ISO_PORT_HTTP,
					.address = "127.0.0.1",
					.low = j->t->low,
					.high = j->t->high};
	j->r = (struct wo_run){.w = &j->w, .reg = j->t->reg, .have_reg = 1};
	j->r.key = (struct lease_key){.uid = getuid(), .profile = "hub", .wo = j->w.names.wo};
	*state = j;
	return 0;
}

static int teardown(void **state)
{
	struct tj *j = *state;
	podman_client_free(j->w.client);
	fake_free(j->f);
	free(j->w.cfg.profile.host_address);
	void *tls = j->t;
	free(j);
	return tl_teardown(&tls);
}

/* The lease is taken; then every write of the registry fails (a directory sits where its temporary file goes). */
static void take_then_break(struct tj *j)
{
	struct iso_error *err = NULL;
	assert_int_equal(lease_run_self(&j->req.run, &err), 0);
	assert_int_equal(lease_acquire(&j->t->reg, &j->req, &j->r.grant, &err), 0);
	cleanup_free char *tmp = tl_path(j->t, LEASE_TMP_FILE);
	cleanup_free char *inner = xasprintf("%s/x", tmp);
	assert_int_equal(mkdir(tmp, 0700), 0);
	FILE *fp = fopen(inner, "w");
	assert_non_null(fp);
	fclose(fp);
}

/* The state of the work order's http lease. */
static struct lease http_lease(const struct tj *j)
{
	struct lease_list l = {0};
	struct iso_error *err = NULL;
	assert_int_equal(lease_list_all(&j->t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, 1);
	struct lease x = l.v[0];
	lease_list_release(&l);
	return x;
}

/* A journal that cannot be written stops the create before any request reaches Podman. */
static void test_unwritable_journal_makes_nothing(void **state)
{
	struct tj *j = *state;
	take_then_break(j);
	struct iso_error *err = NULL;
	assert_int_equal(lifecycle_create_secret(&j->r, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "lease file"));
	assert_null(j->f->paths[0]);
	assert_int_equal(j->r.made, 0);
	iso_error_free(err);
	err = NULL;
	assert_int_equal(lifecycle_create_pod(&j->r, &err), -1);
	assert_null(j->f->paths[0]);
	iso_error_free(err);
}

/* A create whose answer was lost (the connection died) may have been made: the undo must look for it. */
static void test_lost_answer_counts_as_made(void **state)
{
	struct tj *j = *state;
	struct iso_error *err = NULL;
	assert_int_equal(lease_run_self(&j->req.run, &err), 0);
	assert_int_equal(lease_acquire(&j->t->reg, &j->req, &j->r.grant, &err), 0);
	fake_expect(j->f, "POST", "/secrets/create", 201, NULL);
	j->f->fail_nth = 1;
	assert_int_equal(lifecycle_create_secret(&j->r, &err), -1);
	assert_int_equal(err->class, ISO_E_UNREACHABLE);
	assert_true(j->r.made & LEASE_MADE_SECRET);
	assert_true(j->r.uncertain & LEASE_MADE_SECRET);
	assert_true(http_lease(j).made & LEASE_MADE_SECRET); /* and the journal names it for gc */
	iso_error_free(err);
}

/* A lease this run took and cannot release: the rollback says it is incomplete (gc finishes it). */
static void test_unreleasable_lease_is_an_incomplete_undo(void **state)
{
	struct tj *j = *state;
	take_then_break(j);
	j->r.took_lease = 1;
	assert_int_equal(lifecycle_undo(&j->r), -1);
	assert_int_equal(http_lease(j).port, j->r.grant.ports[ISO_PORT_HTTP]);
}

/* Rebuilding a work order that was up: `creating` with a fresh journal; a full undo makes it `ready` again. */
static void test_rebuild_journal_and_undo(void **state)
{
	struct tj *j = *state;
	struct iso_error *err = NULL;
	assert_int_equal(lease_run_self(&j->req.run, &err), 0);
	assert_int_equal(lease_acquire(&j->t->reg, &j->req, &j->r.grant, &err), 0);
	assert_int_equal(lease_note_made(&j->t->reg, &j->r.key, LEASE_MADE_ALL, &err), 0);
	assert_int_equal(lease_mark_ready(&j->t->reg, &j->r.key, &err), 0);

	assert_int_equal(lifecycle_run_begin(&j->r, &err), 0);
	assert_true(j->r.rebuilding);
	struct lease x = http_lease(j);
	assert_int_equal(x.state, LEASE_CREATING);
	assert_int_equal(x.made, 0); /* the volumes and secret are the work order's, not this run's */
	assert_int_equal(x.run.pid, getpid());

	/* Begun again (a second attempt of the same run): the journal is kept. */
	assert_int_equal(lease_note_made(&j->t->reg, &j->r.key, LEASE_MADE_POD, &err), 0);
	assert_int_equal(lifecycle_run_begin(&j->r, &err), 0);
	assert_int_equal(http_lease(j).made, LEASE_MADE_POD);

	j->r.made = 0; /* nothing left to remove: the undo only restores the lease */
	assert_int_equal(lifecycle_undo(&j->r), 0);
	assert_int_equal(http_lease(j).state, LEASE_READY);
}

/* A first run's `creating` lease keeps its journal when begun (a dead run's objects stay named for gc). */
static void test_begin_keeps_a_creating_journal(void **state)
{
	struct tj *j = *state;
	struct iso_error *err = NULL;
	assert_int_equal(lease_run_self(&j->req.run, &err), 0);
	assert_int_equal(lease_acquire(&j->t->reg, &j->req, &j->r.grant, &err), 0);
	assert_int_equal(lease_note_made(&j->t->reg, &j->r.key, LEASE_MADE_SECRET, &err), 0);
	assert_int_equal(lifecycle_run_begin(&j->r, &err), 0);
	assert_false(j->r.rebuilding);
	struct lease x = http_lease(j);
	assert_int_equal(x.state, LEASE_CREATING);
	assert_int_equal(x.made, LEASE_MADE_SECRET);
}

/* Every candidate for a lost port lies in the range, wherever the lost one lies. */
static void test_port_candidates_stay_in_range(void **state)
{
	const int low = 20000, high = 20004;
	const int lost[] = {19990, 19999, 20000, 20002, 20004, 20005, 30000};
	for (size_t k = 0; k < ISO_ARRAY_SIZE(lost); k++) {
		int seen[5] = {0};
		for (int i = 0; i <= high - low; i++) {
			int p = wo_port_candidate(lost[k], low, high, i);
			assert_in_range(p, low, high);
			seen[p - low]++;
		}
		for (int i = 0; i < 5; i++)
			assert_int_equal(seen[i], 1); /* each port of the range once */
	}
	/* From the one after the lost port, wrapping. */
	assert_int_equal(wo_port_candidate(20002, low, high, 0), 20003);
	assert_int_equal(wo_port_candidate(20004, low, high, 0), 20000);
	assert_int_equal(wo_port_candidate(19990, low, high, 0), 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unwritable_journal_makes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_answer_counts_as_made, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreleasable_lease_is_an_incomplete_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_journal_and_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_keeps_a_creating_journal, setup, teardown),
		cmocka_unit_test(test_port_candidates_stay_in_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
