/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `isopod verify` on real rootless pods (issue #5): two work orders made by
 * the built ./isopod pass every check, and each check fails on a real tamper:
 * a veth added inside the pod (3), a port published on 0.0.0.0 against the
 * labels' 127.0.0.1 (5), a pod with allow_host_loopback=true that reaches
 * another work order's port at 10.0.2.2 (6).  Also: a work order that is down
 * (9), an unknown one (3), Podman unreachable (5), 0.0.0.0 on purpose (a warning), and the Postgres
 * readiness probe against the real server.
 *
 * Work orders t-verify-<pid>-<x>, their own state directory, the first ten
 * ports of ISOPOD_TEST_PORTS (default 18900-18909); everything is removed in
 * the teardowns, after a failure too.  ISOPOD_TEST_DUMP_REPORT=FILE appends
 * each --json document to FILE (to check it against docs/schema/verify.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "probe/pg.h"
#include "netns/probe.h"
#include "podman/client.h"
#include "podman/objects.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define ISOPOD ISO_ISOPOD_BIN
#define PORT_LOW port_low
#define PORT_HIGH (port_low + 9)
#define PORT_A (PORT_LOW + 0)
#define PORT_B (PORT_LOW + 1)
#define PORT_BIND_ALL (PORT_LOW + 2)
#define PORT_TAMPER5 (PORT_LOW + 3)
#define PORT_TAMPER6 (PORT_LOW + 4)
#define PORT_DOWN (PORT_LOW + 5)

static int port_low = 18900; /* from ISOPOD_TEST_PORTS in group_setup */
static char state_dir[64];
static char wos[8][48];
static size_t n_wos;
static int veth_pid; /* infra PID of a pod a test added vtest0 to, 0 when none */

static const char *wo(char letter)
{
	for (size_t i = 0; i < n_wos; i++)
		if (wos[i][strlen(wos[i]) - 1] == letter)
			return wos[i];
	snprintf(wos[n_wos], sizeof(wos[0]), "t-verify-%d-%c", (int)getpid(), letter);
	return wos[n_wos++];
}

/* PID of the infra container of POD (Podman's view, as verify gathers it). */
static int infra_pid(const char *pod)
{
	cleanup_podman_client struct podman_client *c = ptest_client();
	struct iso_error *err = NULL;
	struct podman_pod p;
	if (podman_pod_inspect(c, pod, &p, &err) < 0)
		fail_msg("inspect pod '%s': %s", pod, err->msg);
	assert_non_null(p.infra_id);
	struct podman_container k;
	if (podman_container_inspect(c, p.infra_id, &k, &err) < 0)
		fail_msg("inspect infra of '%s': %s", pod, err->msg);
	int pid = k.pid;
	podman_container_release(&k);
	podman_pod_release(&p);
	assert_true(pid > 0);
	return pid;
}

static int container_pid(const char *name)
{
	cleanup_podman_client struct podman_client *c = ptest_client();
	struct iso_error *err = NULL;
	struct podman_container k;
	if (podman_container_inspect(c, name, &k, &err) < 0)
		fail_msg("inspect container '%s': %s", name, err->msg);
	int pid = k.pid;
	podman_container_release(&k);
	assert_true(pid > 0);
	return pid;
}

/* `isopod verify W --json`: the exit code and the parsed report (NULL when stdout is not JSON). */
static int verify_json(const char *w, iso_json **doc, char **errout)
{
	char *out = NULL;
	int rc = ptest_isopod(&out, errout, "verify %s --json", w);
	const char *dump = getenv("ISOPOD_TEST_DUMP_REPORT");
	FILE *f = dump ? fopen(dump, "a") : NULL;
	if (f) {
		fprintf(f, "%s", out);
		fclose(f);
	}
	*doc = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "verify --json", NULL);
	if (!*doc)
		fprintf(stderr, "  verify %s printed: %s\n", w, out);
	free(out);
	return rc;
}

/* The check numbered N (1-6) of a report. */
static const iso_json *check_of(const iso_json *doc, int n)
{
	const iso_json *checks = iso_json_get(doc, "checks");
	assert_int_equal(iso_json_len(checks), 6);
	const iso_json *c = iso_json_at(checks, (size_t)n - 1);
	long long num = 0;
	assert_int_equal(iso_json_int(iso_json_get(c, "number"), &num), 0);
	assert_int_equal(num, n);
	return c;
}

static const char *verdict_of(const iso_json *doc, int n)
{
	const char *v = iso_json_get_string(check_of(doc, n), "verdict");
	assert_non_null(v);
	return v;
}

/* The evidence of check N with verdict VERDICT that contains NEEDLE, or NULL. */
static const char *evidence(const iso_json *doc, int n, const char *verdict, const char *needle)
{
	const iso_json *ev = iso_json_get(check_of(doc, n), "evidence");
	for (size_t i = 0; i < iso_json_len(ev); i++) {
		const char *v = iso_json_get_string(iso_json_at(ev, i), "verdict");
		const char *t = iso_json_get_string(iso_json_at(ev, i), "text");
		if (v && t && !strcmp(v, verdict) && strstr(t, needle))
			return t;
	}
	return NULL;
}

static void print_report(const char *w, const iso_json *doc)
{
	for (int n = 1; n <= 6; n++) {
		const iso_json *ev = iso_json_get(check_of(doc, n), "evidence");
		for (size_t i = 0; i < iso_json_len(ev); i++)
			fprintf(stderr, "  %s check %d %s: %s\n", w, n,
				iso_json_get_string(iso_json_at(ev, i), "verdict"),
				iso_json_get_string(iso_json_at(ev, i), "text"));
	}
}

/* Every check of DOC passed or warned. */
static void assert_all_pass_or_warn(const char *w, const iso_json *doc)
{
	int ok = 1;
	for (int n = 1; n <= 6; n++) {
		const char *v = verdict_of(doc, n);
		ok &= !strcmp(v, "pass") || !strcmp(v, "warn");
	}
	if (!ok)
		print_report(w, doc);
	assert_true(ok);
}

/* Poll the real server of the pod of INFRA until it is ready (it may just have started). */
static enum probe_pg_state wait_pg(int pid, const char *db, int timeout_ms)
{
	struct probe_pg_result r = {0};
	int64_t end = iso_now_ms() + timeout_ms;
	do {
		struct iso_error *err = NULL;
		if (probe_pg_once(pid, 5432, "odoo", db, 1000, &r, &err) < 0)
			fail_msg("probe in the namespace of %d: %s", pid, err->msg);
		if (r.state == PROBE_PG_READY || r.state == PROBE_PG_ERROR)
			break;
		usleep(100 * 1000);
	} while (iso_now_ms() < end);
	return r.state;
}

static long long int_of(const iso_json *obj, const char *key)
{
	long long v = -1;
	assert_int_equal(iso_json_int(iso_json_get(obj, key), &v), 0);
	return v;
}

/*
 * The data beside the words of a healthy slirp4netns report: namespaces, the
 * tap0 layout, Postgres's socket, and a probe of OTHER_PORT (the other work
 * order's http port) at 10.0.2.2 that did not connect.
 */
static void assert_seen(const iso_json *doc, int other_port)
{
	const iso_json *ns = iso_json_get(iso_json_get(check_of(doc, 1), "seen"), "namespaces");
	long long pod = int_of(iso_json_get(ns, "pod"), "inode");
	assert_true(pod > 0);
	assert_true(int_of(iso_json_get(ns, "host"), "inode") != pod);
	assert_true(iso_json_len(iso_json_get(ns, "other_pods")) >= 1);
	const iso_json *members =
		iso_json_get(iso_json_get(iso_json_get(check_of(doc, 2), "seen"), "namespaces"), "members");
	assert_true(iso_json_len(members) >= 2); /* db and odoo at least */
	for (size_t i = 0; i < iso_json_len(members); i++) {
		int same = 0;
		assert_int_equal(iso_json_bool(iso_json_get(iso_json_at(members, i), "same"), &same), 0);
		assert_true(same);
		assert_int_equal(int_of(iso_json_at(members, i), "inode"), pod);
	}
	const iso_json *s3 = iso_json_get(check_of(doc, 3), "seen");
	const iso_json *ifs = iso_json_get(s3, "interfaces");
	int tap = 0;
	for (size_t i = 0; i < iso_json_len(ifs); i++) {
		const iso_json *l = iso_json_at(ifs, i);
		if (strcmp(iso_json_get_string(l, "name"), "tap0") != 0)
			continue;
		assert_string_equal(iso_json_get_string(l, "state"), "up");
		const iso_json *a = iso_json_get(l, "addresses");
		for (size_t j = 0; j < iso_json_len(a); j++)
			tap += !strcmp(iso_json_get_string(iso_json_at(a, j), "address"), "10.0.2.100") &&
			       int_of(iso_json_at(a, j), "prefix_len") == 24;
	}
	assert_int_equal(tap, 1);
	const iso_json *routes = iso_json_get(s3, "routes");
	int def = 0;
	for (size_t i = 0; i < iso_json_len(routes); i++) {
		const iso_json *r = iso_json_at(routes, i);
		const char *gw = iso_json_get_string(r, "gateway");
		def += int_of(r, "prefix_len") == 0 && gw && !strcmp(gw, "10.0.2.2") &&
		       !strcmp(iso_json_get_string(r, "interface"), "tap0");
	}
	assert_int_equal(def, 1);
	const iso_json *ls = iso_json_get(iso_json_get(check_of(doc, 4), "seen"), "listeners");
	int pg = 0;
	for (size_t i = 0; i < iso_json_len(ls); i++)
		pg += int_of(iso_json_at(ls, i), "port") == 5432 &&
		      !strcmp(iso_json_get_string(iso_json_at(ls, i), "protocol"), "tcp");
	assert_true(pg >= 1);
	const iso_json *probes = iso_json_get(iso_json_get(check_of(doc, 6), "seen"), "probes");
	int probed = 0;
	for (size_t i = 0; i < iso_json_len(probes); i++) {
		const iso_json *p = iso_json_at(probes, i);
		assert_string_not_equal(iso_json_get_string(p, "result"), "open");
		probed += int_of(p, "port") == other_port && !strcmp(iso_json_get_string(p, "address"), "10.0.2.2");
	}
	assert_int_equal(probed, 1);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/isopod-verify-XXXXXX");
	if (!mkdtemp(state_dir))
		return -1;
	setenv("ISOPOD_STATE_DIR", state_dir, 1);
	const char *given = getenv("ISOPOD_TEST_PORTS");
	int lo = 0, hi = 0;
	if (given && (sscanf(given, "%d-%d", &lo, &hi) != 2 || lo < 1 || hi > 65535 || hi - lo < 9)) {
		fprintf(stderr, "test_verify: ISOPOD_TEST_PORTS='%s' is not LOW-HIGH with ten ports\n", given);
		return -1;
	}
	if (given)
		port_low = lo;
	char range[32];
	snprintf(range, sizeof(range), "%d-%d", PORT_LOW, PORT_HIGH);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_ODOO_IMAGE", ptest_odoo_image(), 1);
	setenv("ISOPOD_DB_IMAGE", ptest_db_image(), 1);
	unsetenv("ISOPOD_PROFILE");
	return 0;
}

static int group_teardown(void **state)
{
	for (size_t i = 0; i < n_wos; i++) {
		char *msg = NULL;
		int rc = ptest_isopod(NULL, &msg, "down %s --cleanup --quiet", wos[i]);
		if (rc != 0 && rc != 3) /* 3: never made, or already removed */
			fprintf(stderr, "  teardown: down %s: exit %d: %s", wos[i], rc, msg);
		free(msg);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Every test runs beside work orders a and b, up on their own ports (a no-op
 * when already up).  Called first in each test body, not as a cmocka setup:
 * a skip there is an error in cmocka 1.1 and a failed setup gets no teardown.
 * Once a and b are named, group_teardown takes them down, whatever happened.
 */
static void need_ab(void)
{
	ptest_require_podman();
	const char *a = wo('a'), *b = wo('b');
	pid_t pa = fork();
	if (pa == 0)
		_exit(ptest_isopod(NULL, NULL, "up %s --port %d --quiet", a, PORT_A));
	int rb = ptest_isopod(NULL, NULL, "up %s --port %d --quiet", b, PORT_B);
	int st = 0;
	waitpid(pa, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(rb, 0);
}

static void veth_remove(void)
{
	if (!veth_pid)
		return;
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", veth_pid);
	const char *argv[] = {"nsenter", "-U",     "-n", "--preserve-credentials", "-t", pid, "ip", "link",
			      "del",     "vtest0", NULL};
	struct iso_run_result ignored; /* gone with its pod */
	if (iso_run(argv, NULL, &ignored) == 0)
		iso_run_result_release(&ignored);
	veth_pid = 0;
}

/* The objects a test made through the API, and the work orders beyond a and b, go. */
static int teardown(void **state)
{
	veth_remove();
	int rc = ptest_cleanup_run() == 0 ? 0 : -1;
	for (size_t i = 0; i < n_wos; i++) {
		if (wos[i][strlen(wos[i]) - 1] == 'a' || wos[i][strlen(wos[i]) - 1] == 'b')
			continue;
		char *ignored = NULL;
		ptest_isopod(NULL, &ignored, "down %s --cleanup --quiet", wos[i]);
		free(ignored);
	}
	return rc;
}

/*
 * A pod of work order W made through the API with the labels `isopod up`
 * gives (port.http says 127.0.0.1:PORT), its port published on HOST_IP, in
 * network MODE with OPTIONS, plus a running Postgres container.
 */
static void make_labelled_pod(const char *w, int port, const char *host_ip, const char *const *options)
{
	char pod[96], db[96], key[96], http[64];
	snprintf(pod, sizeof(pod), "hub-%s", w);
	snprintf(db, sizeof(db), "db_hub_%s", w);
	snprintf(key, sizeof(key), "hub/%s", w);
	snprintf(http, sizeof(http), "127.0.0.1:%d", port);
	ptest_cleanup_add(PTEST_CONTAINER, db);
	ptest_cleanup_add(PTEST_POD, pod);
	cleanup_podman_client struct podman_client *c = ptest_client();
	struct iso_error *err = NULL;
	struct podman_pair pod_labels[] = {{"io.isopod.schema", "1"}, {"io.isopod.key", key},
					   {"io.isopod.wo", w},       {"io.isopod.profile", "hub"},
					   {"io.isopod.role", "pod"}, {"io.isopod.port.http", http}};
	struct podman_port ports[] = {{.host_ip = host_ip, .host_port = port, .container_port = 8069}};
	struct podman_pod_spec ps = {.name = pod,
				     .labels = pod_labels,
				     .n_labels = ISO_ARRAY_SIZE(pod_labels),
				     .ports = ports,
				     .n_ports = 1,
				     .network_mode = options ? "slirp4netns" : NULL,
				     .network_options = options};
	if (podman_pod_create(c, &ps, NULL, &err) < 0)
		fail_msg("create pod '%s': %s", pod, err->msg);
	struct podman_pair db_labels[] = {{"io.isopod.schema", "1"},
					  {"io.isopod.key", key},
					  {"io.isopod.wo", w},
					  {"io.isopod.profile", "hub"},
					  {"io.isopod.role", "db"}};
	char database[96];
	snprintf(database, sizeof(database), "hub_%s", w);
	struct podman_pair env[] = {
		{"POSTGRES_USER", "odoo"}, {"POSTGRES_PASSWORD", "t-verify-not-secret"}, {"POSTGRES_DB", database}};
	struct podman_container_spec cs = {.name = db,
					   .pod = pod,
					   .image = ptest_db_image(),
					   .env = env,
					   .n_env = ISO_ARRAY_SIZE(env),
					   .labels = db_labels,
					   .n_labels = ISO_ARRAY_SIZE(db_labels)};
	if (podman_container_create(c, &cs, NULL, &err) < 0)
		fail_msg("create container '%s': %s", db, err->msg);
	if (podman_pod_start(c, pod, &err) < 0)
		fail_msg("start pod '%s': %s", pod, err->msg);
	/* Check 4 wants Postgres listening: wait for it, so that only the tamper fails. */
	assert_int_equal(wait_pg(container_pid(db), database, 20000), PROBE_PG_READY);
}

/* ---- tests ---- */

/* Two work orders made by `isopod up` both verify: exit 0, every check pass or warn. */
static void test_two_work_orders_verify(void **state)
{
	need_ab();
	const char *ws[] = {wo('a'), wo('b')};
	for (size_t i = 0; i < 2; i++) {
		cleanup_json iso_json *doc = NULL;
		int rc = verify_json(ws[i], &doc, NULL);
		assert_non_null(doc);
		if (rc != 0)
			print_report(ws[i], doc);
		assert_int_equal(rc, 0);
		int ok = 0;
		assert_int_equal(iso_json_bool(iso_json_get(doc, "ok"), &ok), 0);
		assert_true(ok);
		assert_string_equal(iso_json_get_string(doc, "work_order"), ws[i]);
		assert_string_equal(iso_json_get_string(doc, "mode"), "slirp4netns");
		assert_all_pass_or_warn(ws[i], doc);
		/* Check 6 did probe: the other work order's port is among the refused ones. */
		assert_non_null(evidence(doc, 6, "pass", "probes"));
		assert_seen(doc, i == 0 ? PORT_B : PORT_A);
	}
}

/* Check 3: a veth pair added inside a's pod fails the check, and the evidence names it. */
static void test_veth_inside_fails_check3(void **state)
{
	need_ab();
	const char *a = wo('a');
	char pod[96], pid[16];
	snprintf(pod, sizeof(pod), "hub-%s", a);
	int ipid = infra_pid(pod);
	snprintf(pid, sizeof(pid), "%d", ipid);
	const char *add[] = {"nsenter", "-U",     "-n",     "--preserve-credentials",
			     "-t",      pid,      "ip",     "link",
			     "add",     "vtest0", "type",   "veth",
			     "peer",    "name",   "vtest1", NULL};
	veth_pid = ipid; /* removed in teardown even if an assertion below fails */
	struct iso_run_result r;
	assert_int_equal(iso_run(add, NULL, &r), 0);
	if (r.status != 0)
		fail_msg("nsenter ... ip link add vtest0: exit %d: %s", r.status, r.err);
	iso_run_result_release(&r);

	cleanup_json iso_json *doc = NULL;
	assert_int_equal(verify_json(a, &doc, NULL), 9);
	assert_non_null(doc);
	assert_string_equal(verdict_of(doc, 3), "fail");
	assert_non_null(evidence(doc, 3, "fail", "vtest0"));
	assert_non_null(evidence(doc, 3, "fail", "vtest1"));
	/* Only the interfaces are wrong. */
	assert_string_equal(verdict_of(doc, 1), "pass");
	assert_string_equal(verdict_of(doc, 5), "pass");

	/* Removed again, the pod verifies: the failure was the veth, not the test. */
	veth_remove();
	cleanup_json iso_json *again = NULL;
	assert_int_equal(verify_json(a, &again, NULL), 0);
	assert_string_equal(verdict_of(again, 3), "pass");
}

/* Check 5: labels say 127.0.0.1, the pod publishes on 0.0.0.0: a failure naming the port. */
static void test_published_on_all_addresses_fails_check5(void **state)
{
	need_ab();
	const char *w = wo('c');
	make_labelled_pod(w, PORT_TAMPER5, "0.0.0.0", NULL);
	cleanup_json iso_json *doc = NULL;
	assert_int_equal(verify_json(w, &doc, NULL), 9);
	assert_non_null(doc);
	assert_string_equal(verdict_of(doc, 5), "fail");
	char port[16];
	snprintf(port, sizeof(port), "%d", PORT_TAMPER5);
	const char *t = evidence(doc, 5, "fail", port);
	assert_non_null(t);
	assert_non_null(strstr(t, "0.0.0.0"));
	/* The rest of the pod is sound: its namespace, members, interfaces and Postgres. */
	for (int n = 1; n <= 4; n++)
		assert_string_equal(verdict_of(doc, n), "pass");
}

/* Check 6: a pod with allow_host_loopback=true reaches a's port at 10.0.2.2, and verify says so. */
static void test_host_loopback_fails_check6(void **state)
{
	need_ab();
	const char *w = wo('d');
	const char *const options[] = {"allow_host_loopback=true", NULL};
	make_labelled_pod(w, PORT_TAMPER6, "127.0.0.1", options);
	char pod[96];
	snprintf(pod, sizeof(pod), "hub-%s", w);

	/* The tamper is real: from inside, a's published port connects at 10.0.2.2. */
	struct netns_target t;
	struct iso_error *err = NULL;
	assert_int_equal(netns_target_set(&t, "10.0.2.2", PORT_A, &err), 0);
	struct netns_probe *p = NULL;
	if (netns_connect_probe(infra_pid(pod), &t, 1, 500, &p, &err) < 0)
		fail_msg("probe: %s", err->msg);
	enum netns_conn got = p[0].result;
	free(p);
	assert_int_equal(got, NETNS_CONN_OPEN);

	cleanup_json iso_json *doc = NULL;
	assert_int_equal(verify_json(w, &doc, NULL), 9);
	assert_non_null(doc);
	assert_string_equal(verdict_of(doc, 6), "fail");
	char target[32];
	snprintf(target, sizeof(target), "10.0.2.2:%d", PORT_A);
	if (!evidence(doc, 6, "fail", target))
		print_report(w, doc);
	assert_non_null(evidence(doc, 6, "fail", target));
	assert_string_equal(verdict_of(doc, 5), "pass");

	/* a itself, in a default pod, still reaches nothing. */
	cleanup_json iso_json *da = NULL;
	assert_int_equal(verify_json(wo('a'), &da, NULL), 0);

	/* The evidence names the option that did it, as the mode's options and as a warning of check 6. */
	const iso_json *opts = iso_json_get(doc, "options");
	if (iso_json_len(opts) != 1)
		print_report(w, doc);
	assert_int_equal(iso_json_len(opts), 1);
	assert_string_equal(iso_json_string(iso_json_at(opts, 0)), "allow_host_loopback=true");
	assert_non_null(evidence(doc, 6, "warn", "allow_host_loopback=true"));
}

/* `up --bind 0.0.0.0` is 0.0.0.0 on purpose: check 5 warns and verify exits 0. */
static void test_bind_all_on_purpose_warns(void **state)
{
	need_ab();
	const char *w = wo('e');
	assert_int_equal(ptest_isopod(NULL, NULL, "up %s --port %d --bind 0.0.0.0 --quiet", w, PORT_BIND_ALL), 0);
	cleanup_json iso_json *doc = NULL;
	int rc = verify_json(w, &doc, NULL);
	assert_non_null(doc);
	if (rc != 0)
		print_report(w, doc);
	assert_string_equal(verdict_of(doc, 5), "warn");
	char port[16];
	snprintf(port, sizeof(port), "%d", PORT_BIND_ALL);
	assert_non_null(evidence(doc, 5, "warn", port));
	assert_int_equal(rc, 0);
}

/*
 * A work order that is down cannot be verified (9, saying so; with --json the
 * report); an unknown one is 3 and Podman unreachable 5 (the error document).
 */
static void test_down_and_unknown(void **state)
{
	need_ab();
	const char *w = wo('f');
	assert_int_equal(ptest_isopod(NULL, NULL, "up %s --port %d --quiet", w, PORT_DOWN), 0);
	assert_int_equal(ptest_isopod(NULL, NULL, "down %s --quiet", w), 0);
	char *err = NULL;
	assert_int_equal(ptest_isopod(NULL, &err, "verify %s", w), 9);
	assert_non_null(strstr(err, w));
	assert_non_null(strstr(err, "is down"));
	free(err);
	/* 9 is a verdict: with --json the report, every check unverified, the reason said. */
	cleanup_json iso_json *doc = NULL;
	assert_int_equal(verify_json(w, &doc, NULL), 9);
	assert_non_null(doc);
	assert_null(iso_json_get(doc, "error"));
	assert_non_null(strstr(iso_json_get_string(doc, "reason"), "is down"));
	assert_string_equal(iso_json_get_string(doc, "verdict"), "unverified");
	for (int n = 1; n <= 6; n++)
		assert_non_null(evidence(doc, n, "unverified", "is down"));

	char unknown[64];
	snprintf(unknown, sizeof(unknown), "t-verify-%d-nosuch", (int)getpid());
	err = NULL;
	assert_int_equal(ptest_isopod(NULL, &err, "verify %s", unknown), 3);
	assert_non_null(strstr(err, "unknown"));
	free(err);
	/* 3 is an error, not a verdict: with --json the error document. */
	cleanup_json iso_json *edoc = NULL;
	assert_int_equal(verify_json(unknown, &edoc, NULL), 3);
	assert_non_null(edoc);
	assert_null(iso_json_get(edoc, "checks"));
	assert_string_equal(iso_json_get_string(iso_json_get(edoc, "error"), "class"), "unknown-work-order");
	/* Nor is 5, Podman unreachable. */
	const char *was = getenv("CONTAINER_HOST");
	char *saved = was ? strdup(was) : NULL;
	setenv("CONTAINER_HOST", "unix:///nonexistent/t-verify.sock", 1);
	cleanup_json iso_json *udoc = NULL;
	int urc = verify_json(w, &udoc, NULL);
	if (saved)
		setenv("CONTAINER_HOST", saved, 1);
	else
		unsetenv("CONTAINER_HOST");
	free(saved);
	assert_int_equal(urc, 5);
	assert_non_null(udoc);
	assert_null(iso_json_get(udoc, "checks"));
	assert_string_equal(iso_json_get_string(iso_json_get(udoc, "error"), "class"), "podman-unreachable");
}

/* The readiness probe says ready against the real Postgres of a running work order. */
static void test_pgprobe_ready_on_real_server(void **state)
{
	need_ab();
	const char *a = wo('a');
	char db[96], database[96];
	snprintf(db, sizeof(db), "db_hub_%s", a);
	snprintf(database, sizeof(database), "hub_%s", a);
	struct probe_pg_result r;
	struct iso_error *err = NULL;
	int64_t t0 = iso_now_ms();
	if (probe_pg_once(container_pid(db), 5432, "odoo", database, PROBE_PG_TIMEOUT_MS, &r, &err) < 0)
		fail_msg("probe: %s", err->msg);
	if (r.state != PROBE_PG_READY)
		fprintf(stderr, "  probe: %s %s %s\n", probe_pg_state_name(r.state), r.sqlstate, r.message);
	assert_int_equal(r.state, PROBE_PG_READY);
	assert_true(iso_now_ms() - t0 < PROBE_PG_TIMEOUT_MS);
	/* And on a port where nothing listens inside the pod, not ready. */
	assert_int_equal(probe_pg_once(container_pid(db), 5433, "odoo", database, 500, &r, &err), 0);
	assert_int_equal(r.state, PROBE_PG_DOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_two_work_orders_verify, teardown),
		cmocka_unit_test_teardown(test_pgprobe_ready_on_real_server, teardown),
		cmocka_unit_test_teardown(test_veth_inside_fails_check3, teardown),
		cmocka_unit_test_teardown(test_published_on_all_addresses_fails_check5, teardown),
		cmocka_unit_test_teardown(test_host_loopback_fails_check6, teardown),
		cmocka_unit_test_teardown(test_down_and_unknown, teardown),
		cmocka_unit_test_teardown(test_bind_all_on_purpose_warns, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
