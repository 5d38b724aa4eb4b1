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
			printf("sweep: FAIL %s: ports --rebuild without a fault exited %d: %.600s\n", label, rc,
			       tail(out));
		failed |= rc != 0;
		free(out);
		out = NULL;
	}
	rc = direct(&out, "up %s --timeout " UP_TIMEOUT, wo);
	int asked = objs(wo, &o); /* always: the message describes what is there */
	if (rc != 0 || asked < 0 || !sweep_objs_healthy(&o)) {
		sweep_objs_describe(&o, d, sizeof d);
		printf("sweep: FAIL %s: unconverged: the next up exited %d, left %s: %.600s\n", label, rc, d,
		       tail(out));
		p->res.unconverged++;
		failed = 1;
	}
	free(out);
	out = NULL;
	rc = direct(&out, "down --cleanup %s", wo);
	asked = objs(wo, &o);
	if (rc != 0 || asked < 0 || !sweep_objs_none(&o)) {
		sweep_objs_describe(&o, d, sizeof d);
		printf("sweep: FAIL %s: leaked: down --cleanup exited %d, left %s: %.600s\n", label, rc, d, tail(out));
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
		       tail(err));
		return -1;
	}
	if (r->status == 0 || r->status == 128 + SIGKILL)
		return 0;
	/*
	 * "isopod: ..." naming the object (it holds the work order's id), Podman,
	 * the interrupt, or the kind of request that failed ("list volumes: ...").
	 */
	static const char *const names[] = {"podman", "interrupt", "volume", "container", "image",
					    "secret", "pod '",     "pods",   "template",  "snapshot"};
	const char *msg = strstr(err, "isopod");
	int named = msg && (strstr(msg, p->converge ? wo3 : wo) || (p->converge && strstr(msg, sprofile)));
	for (size_t i = 0; msg && !named && i < sizeof(names) / sizeof(names[0]); i++)
		named = strcasestr(msg, names[i]) != NULL;
	if (!named) {
		printf("sweep: FAIL %s: exit %d without a message naming what failed: '%.600s'\n", label, r->status,
		       tail(err));
		return -1;
	}
	return 0;
}

/* One fault's place: the request as the label shows it, and the fault line without its kind. */
struct pick {
	char req[640];  /* "METHOD PATH", with " #N" for the Nth occurrence */
	char line[700]; /* "METHOD PATTERN N" */
};

/* The checks after the command: the path's own (store paths) or converge's. */
static int after(struct path *p, const char *label, int faulted)
{
	return p->converge ? p->converge(p, label, faulted) : converge(p, label);
}

static void clean_after_failure(struct path *p)
{
	if (p->converge)
		store_force_clean();
	else
		force_clean();
}

/* One case: K at PICK, or with K NULL the fault-free run that records the requests into LOG. */
static int run_case(struct path *p, const struct pick *pick, const struct kind *k, struct apiproxy_log *log)
{
	char label[760], line[760], args[300];
	struct apiproxy_run r;
	long long t0 = now_ms();
	snprintf(label, sizeof label, "[%s] %s at %s", p->name, k ? k->name : "no fault", pick ? pick->req : "-");
	if (p->pre() < 0) {
		clean_after_failure(p);
		if (p->pre() < 0) {
			printf("sweep: FAIL %s: the precondition could not be made (left over from before?)\n", label);
			p->res.unconverged++;
			clean_after_failure(p);
			return CASE_FAILED;
		}
	}
	line[0] = 0;
	if (k)
		snprintf(line, sizeof line, "%s %s", k->fault, pick->line);
	if (p->converge)
		snprintf(args, sizeof args, p->args, wo3, sprofile);
	else
		snprintf(args, sizeof args, p->args, wo, port_hi);
	if (apiproxy_log_clear(&proxy) < 0 || apiproxy_set_faults(&proxy, line) < 0 ||
	    via_proxy(args, k ? k->sig : 0, &r) < 0)
		fail_msg("%s: cannot run isopod through the proxy", label);
	apiproxy_set_faults(&proxy, "");
	if (log && apiproxy_log_read(&proxy, log) < 0)
		fail_msg("%s: cannot read the proxy's log", label);
	int failed = 0;
	if (!k && r.status != 0) {
		printf("sweep: FAIL %s: exit %d without a fault: %.600s\n", label, r.status, tail(r.err));
		failed = 1;
	} else if (k && !r.fired) {
		apiproxy_run_release(&r);
		printf("sweep: %s: not hit (the request did not come; exit %d)\n", label, r.status);
		p->res.not_hit++;
		if (!after(p, label, 1))
			return CASE_NOT_HIT;
		clean_after_failure(p);
		return CASE_FAILED;
	} else if (k && judge_exit(p, k, &r, label) < 0) {
		p->res.bad_exit++;
		failed = 1;
	}
	apiproxy_run_release(&r);
	if (k)
		p->res.tried++;
	failed |= after(p, label, k != NULL);
	if (failed)
		clean_after_failure(p);
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

/*
 * PATH as a fault pattern: its glob characters escaped, and on a store path
 * the <h8> of a snapshot's volume names made '?' (each run makes new ones).
 */
static void pattern_of(const struct path *p, const char *path, char *out, size_t size)
{
	apiproxy_glob_escape(path, out, size);
	for (char *c = p->converge ? strstr(out, "isopod-snap-") : NULL; c && *c; c++) {
		const char *t = c + 10;
		if (*c == '-' && strspn(c + 1, "0123456789abcdef") == 8 && c[9] == '-' &&
		    (!strncmp(t, "db", 2) || !strncmp(t, "files", 5) || !strncmp(t, "seal", 4)))
			memset(c + 1, '?', 8);
	}
}

/*
 * The places of the faults, from the fault-free run's LOG: full, every
 * distinct request's first occurrence (a store path: and every further
 * occurrence of a create or delete); subset, the creates and deletes (a
 * store path: each occurrence, since its templates' and snapshots' volumes
 * come after the work order's).  Nothing made or deleted: every request.
 */
static size_t picks_make(struct path *p, const struct apiproxy_log *log, struct pick *out, size_t max)
{
	struct pick *first = calloc(max, sizeof *first);
	int *count = calloc(max, sizeof *count);
	size_t nd = 0, n = 0;
	if (!first || !count)
		fail_msg("out of memory");
	printf("sweep: [%s] distinct requests:", p->name);
	for (size_t i = 0; i < log->n; i++) {
		const struct apiproxy_req *q = &log->reqs[i];
		char pat[600], key[640];
		pattern_of(p, q->path, pat, sizeof pat);
		snprintf(key, sizeof key, "%s %s", q->method, pat);
		size_t j = 0;
		while (j < nd && strcmp(first[j].line, key))
			j++;
		if (j == nd && nd < max) {
			snprintf(first[nd].line, sizeof first[nd].line, "%s", key);
			snprintf(first[nd++].req, sizeof first[0].req, "%s %s", q->method, q->path);
			printf(" [%s %s]", q->method, q->path);
		}
		if (j == nd)
			continue;
		int c = ++count[j], cd = creates_or_deletes(key);
		int want = full_sweep() ? c == 1 || (p->converge && cd) : cd && (c == 1 || p->converge);
		if (!want || n >= max)
			continue;
		snprintf(out[n].line, sizeof out[n].line, "%s %d", key, c);
		snprintf(out[n].req, sizeof out[n].req, c > 1 ? "%s %s #%d" : "%s %s", q->method, q->path, c);
		n++;
	}
	printf("\n");
	const char *v = getenv("ISOPOD_SWEEP_VERBOSE");
	for (size_t i = 0; v && *v && i < log->n; i++) /* the whole run, to choose a subset's places by */
		printf("sweep: [%s] request %zu: %s %s -> %s\n", p->name, i + 1, log->reqs[i].method, log->reqs[i].path,
		       log->reqs[i].status);
	for (size_t j = 0; n == 0 && j < nd; j++) { /* nothing made or deleted: all of them */
		snprintf(out[j].line, sizeof out[j].line, "%s 1", first[j].line);
		snprintf(out[j].req, sizeof out[j].req, "%s", first[j].req);
	}
	n = n ? n : nd;
	p->res.distinct = (int)nd;
	free(first);
	free(count);
	return n;
}

/* The subset of a store path: its focus, "KIND METHOD PATTERN N" each; the number of cases that failed. */
static int run_focus(struct path *p)
{
	int failures = 0;
	for (size_t i = 0; p->focus[i]; i++) {
		char kind[32] = "";
		struct pick pk;
		int n = 0;
		sscanf(p->focus[i], "%31s %n", kind, &n);
		const struct kind *k = NULL;
		for (int j = 0; j < NKINDS; j++)
			if (!strcmp(kinds[j].name, kind))
				k = &kinds[j];
		if (!k || !n)
			fail_msg("[%s]: the subset's case '%s' names no fault kind", p->name, p->focus[i]);
		snprintf(pk.line, sizeof pk.line, "%s", p->focus[i] + n);
		snprintf(pk.req, sizeof pk.req, "%s", p->focus[i] + n);
		failures += run_case(p, &pk, k, NULL) == CASE_FAILED;
	}
	return failures;
}

static int left_out(int index)
{
	const char *only = getenv("ISOPOD_SWEEP_PATHS");
	char mine[16], list[256];
	snprintf(mine, sizeof mine, ",%d,", index);
	snprintf(list, sizeof list, ",%s,", only ? only : "");
	if (!only || !*only || strstr(list, mine))
		return 0;
	printf("sweep: [%s] left out (ISOPOD_SWEEP_PATHS=%s)\n", paths[index].name, only);
	return 1;
}

/* Every path's test: record, then the cases; fails when any case broke a rule. */
static void sweep_path(int index)
{
	struct path *p = &paths[index];
	struct apiproxy_log log;
	struct pick *pick = calloc(256, sizeof *pick);
	int failures = 0;
	if (left_out(index) || !pick) {
		free(pick);
		return;
	}
	need_setup();
	if (p->converge)
		need_store_setup();
	/* The hub paths judge work orders made from scratch; the store paths use templates. */
	setenv("ISOPOD_TEMPLATE", p->converge ? "auto" : "never", 1);
	failures += run_case(p, NULL, NULL, &log) == CASE_FAILED;
	size_t npick = picks_make(p, &log, pick, 256);
	apiproxy_log_release(&log);
	if (full_sweep()) {
		for (size_t i = 0; i < npick; i++)
			for (int k = 0; k < NKINDS; k++)
				failures += run_case(p, &pick[i], &kinds[k], NULL) == CASE_FAILED;
	} else if (p->focus) {
		failures += run_focus(p);
	} else {
		/* Every kind at least once, dealt round-robin over the creates and deletes. */
		size_t cases = npick > (size_t)NKINDS ? npick : (size_t)NKINDS;
		for (size_t c = 0; npick && c < cases; c++)
			failures += run_case(p, &pick[c % npick], &kinds[(c + (size_t)index) % NKINDS], NULL) ==
				    CASE_FAILED;
	}
	if (p->finish)
		failures += p->finish(p);
	setenv("ISOPOD_TEMPLATE", "never", 1);
	char why[600];
	if (bystander_check(1, why, sizeof why) < 0) {
		printf("sweep: FAIL [%s]: %s\n", p->name, why);
		p->res.disturbed++;
		failures++;
	}
	free(pick);
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
PATH_TEST(8)
PATH_TEST(9)
PATH_TEST(10)
PATH_TEST(11)
PATH_TEST(12)
PATH_TEST(13)

#include "sweep_report.h"

#endif
