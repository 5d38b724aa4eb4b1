/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep_run.h - one case of the sweep, the cases of one path, the table and
 * the cmocka tests (included once, by sweep_cases.h, into test_sweep.c).
 */
#ifndef ISOPOD_SWEEP_RUN_H
#define ISOPOD_SWEEP_RUN_H

enum { CASE_OK, CASE_NOT_HIT, CASE_FAILED };

/* The checks after the faulted command: `up` converges, `down --cleanup` leaves nothing, the bystander holds. */
static int converge(struct path *p, const char *label)
{
	char *out = NULL, d[300], why[600];
	struct sweep_objs o = {0};
	int failed = 0, rc;
	if (!strcmp(p->name, "ports --rebuild")) {
		/* A lost lease file (the bystander's lease in it) comes back only from the rebuild, run again. */
		rc = direct(&out, "ports --rebuild");
		if (rc != 0)
			printf("sweep: FAIL %s: ports --rebuild without a fault exited %d: %.600s\n", label, rc, out);
		failed |= rc != 0;
		free(out);
		out = NULL;
	}
	rc = direct(&out, "up %s --timeout " UP_TIMEOUT, wo);
	int asked = objs(wo, &o); /* always: the message describes what is there */
	if (rc != 0 || asked < 0 || !sweep_objs_healthy(&o)) {
		sweep_objs_describe(&o, d, sizeof d);
		printf("sweep: FAIL %s: unconverged: the next up exited %d, left %s: %.600s\n", label, rc, d, out);
		p->res.unconverged++;
		failed = 1;
	}
	free(out);
	out = NULL;
	rc = direct(&out, "down --cleanup %s", wo);
	asked = objs(wo, &o);
	if (rc != 0 || asked < 0 || !sweep_objs_none(&o)) {
		sweep_objs_describe(&o, d, sizeof d);
		printf("sweep: FAIL %s: leaked: down --cleanup exited %d, left %s: %.600s\n", label, rc, d, out);
		p->res.leaked++;
		failed = 1;
	}
	free(out);
	if (bystander_check(0, why, sizeof why) < 0) {
		printf("sweep: FAIL %s: %s\n", label, why);
		p->res.disturbed++;
		failed = 1;
	}
	return failed;
}

/* Did the command fail the way it documents?  0 yes; else printed. */
static int judge_exit(struct path *p, const struct kind *k, const struct apiproxy_run *r, const char *label)
{
	const char *err = r->err;
	if (!code_allowed(p, k, r->status)) {
		printf("sweep: FAIL %s: exit %d is not a documented exit of '%s': %.600s\n", label, r->status, p->name,
		       err);
		return -1;
	}
	if (r->status == 0 || r->status == 128 + SIGKILL)
		return 0;
	/*
	 * "isopod: ..." naming the object (it holds the work order's id), Podman,
	 * the interrupt, or the kind of request that failed ("list volumes: ...").
	 */
	static const char *const names[] = {"podman", "interrupt", "volume", "container",
					    "image",  "secret",    "pod '",  "pods"};
	const char *msg = strstr(err, "isopod");
	int named = msg && strstr(msg, wo);
	for (size_t i = 0; msg && !named && i < sizeof(names) / sizeof(names[0]); i++)
		named = strcasestr(msg, names[i]) != NULL;
	if (!named) {
		printf("sweep: FAIL %s: exit %d without a message naming what failed: '%.600s'\n", label, r->status,
		       err);
		return -1;
	}
	return 0;
}

/* One case: K at REQ ("METHOD PATH"), or with K NULL the fault-free run that records the distinct requests. */
static int run_case(struct path *p, const char *req, const struct kind *k, struct apiproxy_log *log)
{
	char label[700], line[700], args[300], method[16] = "", rpath[600] = "", esc[600];
	struct apiproxy_run r;
	long long t0 = now_ms();
	snprintf(label, sizeof label, "[%s] %s at %s", p->name, k ? k->name : "no fault", req ? req : "-");
	if (p->pre() < 0) {
		force_clean();
		if (p->pre() < 0) {
			printf("sweep: FAIL %s: the precondition could not be made (left over from before?)\n", label);
			p->res.unconverged++;
			force_clean();
			return CASE_FAILED;
		}
	}
	line[0] = 0;
	if (k) {
		sscanf(req, "%15s %599s", method, rpath);
		apiproxy_glob_escape(rpath, esc, sizeof esc);
		snprintf(line, sizeof line, "%s %s %s 1", k->fault, method, esc);
	}
	snprintf(args, sizeof args, p->args, wo, port_hi);
	if (apiproxy_log_clear(&proxy) < 0 || apiproxy_set_faults(&proxy, line) < 0 ||
	    via_proxy(args, k ? k->sig : 0, &r) < 0)
		fail_msg("%s: cannot run isopod through the proxy", label);
	apiproxy_set_faults(&proxy, "");
	if (log && apiproxy_log_read(&proxy, log) < 0)
		fail_msg("%s: cannot read the proxy's log", label);
	int failed = 0;
	if (!k && r.status != 0) {
		printf("sweep: FAIL %s: exit %d without a fault: %.600s\n", label, r.status, r.err);
		failed = 1;
	} else if (k && !r.fired) {
		apiproxy_run_release(&r);
		printf("sweep: %s: not hit (the request did not come; exit %d)\n", label, r.status);
		p->res.not_hit++;
		if (!converge(p, label))
			return CASE_NOT_HIT;
		force_clean();
		return CASE_FAILED;
	} else if (k && judge_exit(p, k, &r, label) < 0) {
		p->res.bad_exit++;
		failed = 1;
	}
	apiproxy_run_release(&r);
	if (k)
		p->res.tried++;
	failed |= converge(p, label);
	if (failed)
		force_clean();
	else if (k)
		p->res.converged++;
	printf("sweep: %s: %s (exit %d, %.1f s)\n", label, failed ? "FAILED" : "ok", r.status, (now_ms() - t0) / 1e3);
	fflush(stdout);
	return failed ? CASE_FAILED : CASE_OK;
}

static int creates_or_deletes(const char *req)
{
	return strncmp(req, "DELETE ", 7) == 0 || (strncmp(req, "POST ", 5) == 0 && strstr(req, "/create"));
}

/* Every path's test: record, then the cases; fails when any case broke a rule. */
static void sweep_path(int index)
{
	struct path *p = &paths[index];
	struct apiproxy_log log;
	char **reqs = NULL, *pick[256];
	size_t n = 0, npick = 0;
	int failures = 0;
	const char *only = getenv("ISOPOD_SWEEP_PATHS");
	char mine[16];
	snprintf(mine, sizeof mine, ",%d,", index);
	if (only && *only) {
		char list[256];
		snprintf(list, sizeof list, ",%s,", only);
		if (!strstr(list, mine)) {
			printf("sweep: [%s] left out (ISOPOD_SWEEP_PATHS=%s)\n", p->name, only);
			return;
		}
	}
	need_setup();
	failures += run_case(p, NULL, NULL, &log) == CASE_FAILED;
	if (apiproxy_log_distinct(&log, &reqs, &n) < 0)
		fail_msg("cannot list the distinct requests of %s", p->name);
	apiproxy_log_release(&log);
	p->res.distinct = (int)n;
	printf("sweep: [%s] %zu distinct requests:", p->name, n);
	for (size_t i = 0; i < n; i++)
		printf(" [%s]", reqs[i]);
	printf("\n");
	for (size_t i = 0; i < n && npick < 256; i++)
		if (full_sweep() || creates_or_deletes(reqs[i]))
			pick[npick++] = reqs[i];
	for (size_t i = 0; npick == 0 && i < n && i < 256; i++) /* nothing made or deleted: all of them */
		pick[i] = reqs[i], npick = i + 1;
	if (full_sweep()) {
		for (size_t i = 0; i < npick; i++)
			for (int k = 0; k < NKINDS; k++)
				failures += run_case(p, pick[i], &kinds[k], NULL) == CASE_FAILED;
	} else {
		size_t cases = npick > (size_t)NKINDS ? npick : (size_t)NKINDS;
		for (size_t c = 0; npick && c < cases; c++)
			failures +=
				run_case(p, pick[c % npick], &kinds[(c + (size_t)index) % NKINDS], NULL) == CASE_FAILED;
	}
	char why[600];
	if (bystander_check(1, why, sizeof why) < 0) {
		printf("sweep: FAIL [%s]: %s\n", p->name, why);
		p->res.disturbed++;
		failures++;
	}
	for (size_t i = 0; i < n; i++)
		free(reqs[i]);
	free(reqs);
	if (failures)
		fail_msg("%d case(s) of '%s' broke a rule (the 'sweep: FAIL' lines above)", failures, p->name);
}

#define PATH_TEST(i)                                                                                                   \
	static void test_path_##i(void **state)                                                                        \
	{                                                                                                              \
		sweep_path(i);                                                                                         \
	}
PATH_TEST(0)
PATH_TEST(1)
PATH_TEST(2)
PATH_TEST(3)
PATH_TEST(4)
PATH_TEST(5)
PATH_TEST(6)
PATH_TEST(7)

#include "sweep_report.h"

#endif
