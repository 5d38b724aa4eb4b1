/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep_cases.h - the cases of test_sweep.c (included once, at its end):
 * the bystander work order, one case (precondition, the command through the
 * proxy with one fault, the checks, convergence), the choice of cases for
 * ISOPOD_SWEEP=full or subset, the table, and the cmocka tests.
 */
#ifndef ISOPOD_SWEEP_CASES_H
#define ISOPOD_SWEEP_CASES_H

static int full_sweep(void)
{
	const char *v = getenv("ISOPOD_SWEEP");
	return v && strcmp(v, "full") == 0;
}

/* DELETE /libpod/WHAT/NAME: 0 when it went or was not there. */
static int podman_delete(const char *what, const char *name, const char *suffix)
{
	char path[300];
	long st = 0;
	snprintf(path, sizeof path, "/v4.0.0/libpod/%s/%s%s", what, name, suffix);
	if (ptest_request("DELETE", path, NULL, &st, NULL) != 0)
		return -1;
	return st < 300 || st == 404 ? 0 : -1;
}

/* After a case that broke a rule: remove whatever of the swept work order is left, by name. */
static void force_clean(void)
{
	char n[160];
	snprintf(n, sizeof n, "hub-%s", wo);
	podman_delete("pods", n, "?force=true");
	const char *roles[] = {"odoo", "db", "init"};
	for (int i = 0; i < 3; i++) {
		snprintf(n, sizeof n, "%s_hub_%s", roles[i], wo);
		podman_delete("containers", n, "?force=true&v=true");
	}
	snprintf(n, sizeof n, "odoo-hub-%s-data", wo);
	podman_delete("volumes", n, "?force=true");
	snprintf(n, sizeof n, "db-hub-%s-data", wo);
	podman_delete("volumes", n, "?force=true");
	snprintf(n, sizeof n, "db-hub-%s-password", wo);
	podman_delete("secrets", n, "");
	direct(NULL, "gc"); /* a lease left over stays: the next case's precondition then says so */
}

/* SQL in the bystander's database; 0 with *out (owned) its output. */
static int bystander_sql(const char *sql, char **out)
{
	char db[128];
	struct iso_run_result r;
	snprintf(db, sizeof db, "hub_%s", wo2);
	const char *argv[] = {ISO_ISOPOD_BIN, "exec", wo2, "db",   "--", "psql", "-U",
			      "odoo",         "-d",   db,  "-tAc", sql,  NULL};
	if (iso_run(argv, &(struct iso_run_opts){.merge = 1, .timeout_ms = 60000}, &r) < 0)
		return -1;
	int rc = r.status;
	*out = r.out;
	r.out = NULL;
	iso_run_result_release(&r);
	return rc == 0 ? 0 : -1;
}

static int bystander_ready, bystander_failed;

/* The bystander work order, the proxy and the registry's path, made once for all paths. */
static void need_setup(void)
{
	char *out = NULL;
	ptest_require_podman();
	iso_test_need(access(apiproxy_binary(), X_OK) == 0, "the proxy %s is not built (make integration-bins)",
		      apiproxy_binary());
	if (bystander_failed)
		fail_msg("the bystander work order %s could not be set up (see above)", wo2);
	if (bystander_ready)
		return;
	bystander_failed = 1;
	if (!proxy_up && apiproxy_start(&proxy, ptest_socket_path(), NULL) < 0)
		fail_msg("cannot start the API proxy");
	proxy_up = 1;
	if (direct_ok("up of the bystander", "up %s --timeout " UP_TIMEOUT, wo2) < 0)
		fail_msg("cannot bring up the bystander %s", wo2);
	if (bystander_sql("CREATE TABLE sweep (x text); INSERT INTO sweep VALUES ('kept')", &out) < 0)
		fail_msg("cannot insert the bystander's row: %s", out);
	free(out);
	memset(&bystander, 0, sizeof bystander);
	if (sweep_objs_get("hub", wo2, &bystander) < 0 || !sweep_objs_healthy(&bystander) ||
	    sweep_leases("hub", wo2, &(struct sweep_objs){0}, registry, sizeof registry) < 0) {
		char d[300];
		sweep_objs_describe(&bystander, d, sizeof d);
		fail_msg("the bystander %s is not healthy after up: %s", wo2, d);
	}
	bystander_failed = 0;
	bystander_ready = 1;
}

/* The bystander untouched: same containers, running, same lease; with ROW, its row still there. */
static int bystander_check(int row, char *why, size_t size)
{
	struct sweep_objs o;
	char d[300], *out = NULL;
	if (sweep_objs_get("hub", wo2, &o) < 0) {
		snprintf(why, size, "cannot inspect the bystander %s", wo2);
		return -1;
	}
	sweep_objs_describe(&o, d, sizeof d);
	if (!sweep_objs_healthy(&o) || strcmp(o.odoo_id, bystander.odoo_id) || strcmp(o.db_id, bystander.db_id) ||
	    o.lease_port != bystander.lease_port) {
		snprintf(why, size, "the bystander %s changed: %s (odoo %.12s db %.12s, were %.12s %.12s port %d)", wo2,
			 d, o.odoo_id, o.db_id, bystander.odoo_id, bystander.db_id, bystander.lease_port);
		return -1;
	}
	if (row && (bystander_sql("SELECT x FROM sweep", &out) < 0 || !strstr(out, "kept"))) {
		snprintf(why, size, "the bystander's row is gone: %.200s", out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static int code_allowed(const struct path *p, const struct kind *k, int status)
{
	if (k && k->sig == SIGKILL)
		return status == 128 + SIGKILL;
	if (k && k->sig == SIGINT)
		return status == 128 + SIGINT || status == 0;
	for (int i = 0; p->codes[i] >= 0; i++)
		if (p->codes[i] == status)
			return 1;
	return 0;
}

#include "sweep_run.h"

#endif
