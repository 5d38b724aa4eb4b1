/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16 `up`s of distinct work orders at once on a port range of exactly 16
 * ports (the hub profile leases one port a work order: http) while the API
 * proxy (tests/support/apiproxy.h) injects faults: connections closed before
 * and after Podman acted, 500s, delays.  Real rootless Podman, the built
 * ./isopod.
 *
 *   - no port handed out twice, by Podman's own record (every pod's
 *     InfraConfig.PortBindings from GET /libpod/pods/NAME/json, straight to
 *     Podman), every one inside the range, and each survivor's lease is the
 *     port its pod binds;
 *   - every `up` that exited 0 is up: pod running, /web/login answering 200;
 *   - every one that failed exited with a documented code of a Podman fault
 *     (5 unreachable, 6 refused), not 1 (a bug) nor a signal;
 *   - a second `up` of the failed ones (no faults) converges: 16 pods,
 *     16 leases on 16 distinct ports, all answering;
 *   - `down --cleanup` of all 16 leaves no pod, container, volume, secret
 *     or lease.
 *
 * The faults are addressed by request kind and occurrence, counted over all
 * 16 runs, so which work order meets which fault depends on timing; what is
 * checked does not.  Heavy on 2 cores: the runs get 6 minutes, the test
 * about 3.  Ports: offsets 70-85 of ISOPOD_TEST_PORTS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apiproxy.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/util.h"
#include "lease/lease.h"
#include "podman/client.h"
#include "podman/objects.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define N_WO 16
#define RUN_TIMEOUT_MS (360 * 1000)

static char state_dir[64];
static char wos[N_WO][48];
static int port_low;
static struct apiproxy proxy;
static int proxy_up;

/*
 * Faults over the 16 runs: some close the connection before Podman sees the
 * request, some after it acted, some answer 500, some hold requests a while.
 */
static const char faults[] = "delay=1500 POST /libpod/pods/create 1-3\n"
			     "500 POST /libpod/secrets/create 4\n"
			     "close-before POST /libpod/volumes/create 6\n"
			     "close-after POST /libpod/volumes/create 13\n"
			     "close-after POST /libpod/pods/create 5\n"
			     "500 POST /libpod/containers/create 9\n"
			     "close-before POST /libpod/pods/?*/start 3\n"
			     "delay=2000 POST /libpod/pods/?*/start 6-8\n"
			     "500 POST /libpod/pods/?*/start 11\n"
			     "close-after POST /libpod/containers/create 20\n";

/*
 * Set the proxy's fault table.  apiproxy_set_faults reads its answer until
 * the proxy closes, which it does not after a control request (finding D4):
 * this one reads the answer by its Content-Length.
 */
static int set_faults(const char *spec)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char req[4096], resp[2048];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", proxy.socket_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	int n = snprintf(req, sizeof(req),
			 "POST /_apiproxy/faults HTTP/1.1\r\nHost: d\r\nContent-Length: %zu\r\n\r\n%s", strlen(spec),
			 spec);
	if (n < 0 || (size_t)n >= sizeof(req) || iso_write_all(fd, req, (size_t)n) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, resp + got, sizeof(resp) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		resp[got] = '\0';
		const char *end = strstr(resp, "\r\n\r\n"), *cl = strcasestr(resp, "Content-Length:");
		if (end && cl && cl < end && got >= (size_t)(end + 4 - resp) + strtoul(cl + 15, NULL, 10))
			break;
		if (got == sizeof(resp) - 1)
			break;
	}
	close(fd);
	resp[got] = '\0';
	if (strncmp(resp, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "the proxy refused the faults: %s\n", resp);
		return -1;
	}
	return 0;
}

/* ---- runs ---- */

/*
 * `isopod VERB wos[i] --quiet` for every I with WHICH[I] set, all at once,
 * with CONTAINER_HOST=HOST (NULL: the test's own); exit codes into RC.
 * Stderr of each goes to STATE_DIR/VERB-I.err.  Returns the wall time, ms.
 */
static int64_t run_all(const char *verb, const int *which, const char *host, int *rc)
{
	pid_t pids[N_WO] = {0};
	int64_t t0 = iso_now_ms(), deadline = t0 + RUN_TIMEOUT_MS;
	int left = 0;

	for (int i = 0; i < N_WO; i++) {
		char errpath[128];
		if (!which[i])
			continue;
		snprintf(errpath, sizeof(errpath), "%s/%s-%d.err", state_dir, verb, i);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int devnull = open("/dev/null", O_RDWR);
			int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			setpgid(0, 0);
			if (devnull < 0 || efd < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(efd, 2) < 0)
				_exit(126);
			if (host)
				putenv((char *)host);
			if (!strcmp(verb, "down"))
				execl(ISO_ISOPOD_BIN, ISO_ISOPOD_BIN, "down", wos[i], "--cleanup", "--quiet",
				      (char *)NULL);
			else
				execl(ISO_ISOPOD_BIN, ISO_ISOPOD_BIN, verb, wos[i], "--quiet", (char *)NULL);
			_exit(127);
		}
		pids[i] = pid;
		rc[i] = -1;
		left++;
	}
	while (left > 0) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			for (int i = 0; i < N_WO; i++)
				if (pids[i] == pid) {
					rc[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
					pids[i] = 0;
					left--;
				}
			continue;
		}
		if (iso_now_ms() > deadline) {
			for (int i = 0; i < N_WO; i++)
				if (pids[i] > 0) {
					fprintf(stderr, "%s %s: still running after %d s: killed\n", verb, wos[i],
						RUN_TIMEOUT_MS / 1000);
					kill(-pids[i], SIGKILL);
				}
			deadline = INT64_MAX;
		}
		usleep(50 * 1000);
	}
	return iso_now_ms() - t0;
}

static char *err_text(const char *verb, int i)
{
	char path[128], *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/%s-%d.err", state_dir, verb, i);
	if (iso_read_file(path, 1 << 20, &buf, &len, NULL) < 0)
		return xstrdup("(no stderr)");
	return buf;
}

/* ---- Podman's record ---- */

struct pod_view {
	int exists, running;
	int ports[4]; /* host ports bound, 0-terminated */
	int n_ports;
};

/* GET /libpod/pods/hub-W/json straight from Podman: existence, state, bound host ports. */
static void pod_view(const char *w, struct pod_view *v)
{
	char path[160];
	long status = 0;
	char *body = NULL;

	memset(v, 0, sizeof(*v));
	snprintf(path, sizeof(path), "/v4.0.0/libpod/pods/hub-%.47s/json", w);
	assert_int_equal(ptest_request("GET", path, NULL, &status, &body), 0);
	if (status == 404) {
		free(body);
		return;
	}
	if (status != 200)
		fail_msg("GET %s: %ld %s", path, status, body);
	cleanup_json iso_json *j = iso_json_parse(body, strlen(body), 0, ISO_E_INTERNAL, path, NULL);
	assert_non_null(j);
	v->exists = 1;
	const char *state = iso_json_get_string(j, "State");
	v->running = state && !strcmp(state, "Running");
	const iso_json *pb = iso_json_path(j, "InfraConfig", "PortBindings", NULL);
	for (size_t k = 0; k < iso_json_len(pb); k++) {
		const iso_json *binds = iso_json_value_at(pb, k);
		for (size_t b = 0; b < iso_json_len(binds) && v->n_ports < 4; b++) {
			const char *hp = iso_json_get_string(iso_json_at(binds, b), "HostPort");
			long port = 0;
			if (hp && iso_parse_long(hp, 1, 65535, &port) == 0)
				v->ports[v->n_ports++] = (int)port;
		}
	}
	free(body);
}

/* The http lease port of every work order (0: none); fails when the file does not parse. */
static void lease_ports(int *ports, int *total)
{
	struct lease_registry reg;
	struct lease_list l = {0};
	struct iso_error *err = NULL;
	if (lease_registry_open(&reg, state_dir, 0, &err) < 0 || lease_list_all(&reg, getuid(), &l, &err) < 0)
		fail_msg("the lease registry in '%s' does not read: %s", state_dir, err ? err->msg : "?");
	memset(ports, 0, N_WO * sizeof(*ports));
	*total = (int)l.n;
	for (size_t k = 0; k < l.n; k++)
		for (int i = 0; i < N_WO; i++)
			if (!strcmp(l.v[k].wo, wos[i]) && l.v[k].purpose == ISO_PORT_HTTP)
				ports[i] = l.v[k].port;
	lease_list_release(&l);
	lease_registry_release(&reg);
}

/* Append a printf-style line to P. */
static void note(struct iso_buf *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct iso_buf *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	iso_buf_append(p, line, strlen(line));
	iso_buf_append(p, "\n", 1);
}

/*
 * Podman's record holds no port twice and none outside the range, and no
 * pod binds a port leased to another work order; every work order with
 * UP[i] set has a running pod bound to its lease's port and answering
 * /web/login.  Problems go to P (WHEN names the moment); returns the pods.
 */
static int check_ports_and_up(const int *up, const char *when, struct iso_buf *p)
{
	int seen[N_WO] = {0}, lease[N_WO], n_leases = 0, pods = 0;

	lease_ports(lease, &n_leases);
	for (int i = 0; i < N_WO; i++) {
		struct pod_view v;
		pod_view(wos[i], &v);
		pods += v.exists;
		for (int k = 0; k < v.n_ports; k++) {
			int port = v.ports[k];
			if (port < port_low || port >= port_low + N_WO) {
				note(p, "%s: the pod of %s binds port %d, outside %d-%d", when, wos[i], port, port_low,
				     port_low + N_WO - 1);
				continue;
			}
			if (seen[port - port_low])
				note(p, "%s: port %d is bound by the pods of %s and %s", when, port,
				     wos[seen[port - port_low] - 1], wos[i]);
			seen[port - port_low] = i + 1;
			for (int j = 0; j < N_WO; j++)
				if (j != i && lease[j] == port)
					note(p, "%s: port %d is bound by the pod of %s (%s) and leased to %s", when,
					     port, wos[i], v.running ? "running" : "not running", wos[j]);
		}
		if (!up[i])
			continue;
		long status = 0;
		if (!v.exists || !v.running || v.n_ports != 1 || v.ports[0] != lease[i]) {
			note(p, "%s: %s: pod exists %d running %d, bound %d ports (first %d), lease port %d", when,
			     wos[i], v.exists, v.running, v.n_ports, v.ports[0], lease[i]);
			continue;
		}
		if (ptest_http_get(lease[i], "/web/login", &status, NULL) < 0 || status != 200)
			note(p, "%s: %s does not answer on port %d (status %ld)", when, wos[i], lease[i], status);
	}
	return pods;
}

/* Nothing of any work order: no pod, labelled container or volume, secret, lease. */
static void check_nothing_left(struct iso_buf *p)
{
	struct podman_client_opts o = {0};
	struct iso_error *err = NULL;
	cleanup_podman_client struct podman_client *c = podman_client_new(&o, &err);
	int lease[N_WO], n_leases = 0;
	if (!c || podman_connect(c, &err) < 0)
		fail_msg("podman client: %s", err ? err->msg : "?");
	for (int i = 0; i < N_WO; i++) {
		char key[96], secret[128];
		snprintf(key, sizeof(key), "hub/%.47s", wos[i]);
		snprintf(secret, sizeof(secret), "db-hub-%.47s-password", wos[i]);
		struct podman_pair label = {"io.isopod.key", key};
		struct podman_pod *pods = NULL;
		struct podman_container *ctrs = NULL;
		struct podman_volume *vols = NULL;
		size_t np = 0, nc = 0, nv = 0;
		assert_int_equal(podman_pod_list(c, &label, &pods, &np, &err), 0);
		assert_int_equal(podman_container_list(c, &label, &ctrs, &nc, &err), 0);
		assert_int_equal(podman_volume_list(c, &label, &vols, &nv, &err), 0);
		podman_pod_list_free(pods, np);
		podman_container_list_free(ctrs, nc);
		podman_volume_list_free(vols, nv);
		struct podman_secret s;
		int have_secret = podman_secret_inspect(c, secret, &s, &err) == 0;
		if (have_secret)
			podman_secret_release(&s);
		iso_error_free(err);
		err = NULL;
		if (np || nc || nv || have_secret)
			note(p, "after down --cleanup, %s has %zu pods, %zu containers, %zu volumes, secret %d", wos[i],
			     np, nc, nv, have_secret);
	}
	lease_ports(lease, &n_leases);
	if (n_leases)
		note(p, "after down --cleanup, %d leases are left", n_leases);
}

/* ---- the test ---- */

static void test_sixteen_parallel_ups_under_faults(void **state)
{
	int all[N_WO], rc[N_WO], failed[N_WO] = {0}, n_failed = 0, ok[N_WO] = {0};
	struct iso_buf problems;

	ptest_require_podman();
	if (apiproxy_start(&proxy, ptest_socket_path(), NULL) < 0)
		fail_msg("cannot start the API proxy (%s)", apiproxy_binary());
	proxy_up = 1;
	assert_int_equal(set_faults(faults), 0);
	for (int i = 0; i < N_WO; i++)
		all[i] = 1;

	int64_t t1 = run_all("up", all, proxy.container_host, rc);
	struct apiproxy_log log;
	assert_int_equal(apiproxy_log_read(&proxy, &log), 0);
	size_t fired = apiproxy_log_fired(&log), n_reqs = log.n;
	apiproxy_log_release(&log);
	iso_buf_init(&problems, 0);
	for (int i = 0; i < N_WO; i++) {
		ok[i] = rc[i] == 0;
		if (ok[i])
			continue;
		failed[i] = 1;
		n_failed++;
		char *e = err_text("up", i);
		print_message("  %s: exit %d: %.300s", wos[i], rc[i], e);
		if (rc[i] != 5 && rc[i] != 6)
			note(&problems, "%s: exit %d under a Podman fault (want 5 or 6): %.300s", wos[i], rc[i], e);
		free(e);
	}
	print_message("  round 1: 16 ups in %.1f s through the proxy, %zu requests, %zu faults fired, %d failed\n",
		      (double)t1 / 1000, n_reqs, fired, n_failed);
	assert_true(fired > 0);
	check_ports_and_up(ok, "after the faulted round", &problems);

	/* The failed ones again, without faults: they converge. */
	assert_int_equal(set_faults(""), 0);
	int64_t t2 = run_all("up", failed, NULL, rc);
	int up2[N_WO], n_up2 = 0;
	for (int i = 0; i < N_WO; i++) {
		up2[i] = !failed[i] || rc[i] == 0;
		n_up2 += up2[i];
		if (failed[i] && rc[i] != 0) {
			char *e = err_text("up", i);
			note(&problems, "%s: the second up (no faults) exit %d: %.300s", wos[i], rc[i], e);
			free(e);
		}
	}
	int lease[N_WO], n_leases = 0;
	int pods = check_ports_and_up(up2, "after the second round", &problems);
	lease_ports(lease, &n_leases);
	if (pods != N_WO || n_leases != N_WO)
		note(&problems, "after the second round: %d pods, %d leases (want 16 of each)", pods, n_leases);
	print_message("  round 2: %d ups in %.1f s; %d of 16 up, %d pods, %d leases\n", n_failed, (double)t2 / 1000,
		      n_up2, pods, n_leases);

	int64_t t3 = run_all("down", all, NULL, rc);
	for (int i = 0; i < N_WO; i++)
		if (rc[i] != 0) {
			char *e = err_text("down", i);
			note(&problems, "%s: down --cleanup exit %d: %.300s", wos[i], rc[i], e);
			free(e);
		}
	check_nothing_left(&problems);
	print_message("  down --cleanup of 16 in %.1f s\n", (double)t3 / 1000);
	char *text = iso_buf_steal(&problems, NULL);
	if (text && *text)
		fail_msg("%s", text);
	free(text);
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	port_low = ptest_wo_env(state_dir, sizeof(state_dir), "rel-par", 70, N_WO);
	if (port_low < 0)
		return -1;
	for (int i = 0; i < N_WO; i++)
		snprintf(wos[i], sizeof(wos[i]), "t-rpar-%d-%02d", (int)getpid(), i);
	return 0;
}

static int teardown(void **state)
{
	char why[256];
	if (proxy_up)
		apiproxy_stop(&proxy);
	proxy_up = 0;
	if (ptest_podman_answers(why, sizeof(why))) {
		int all[N_WO], rc[N_WO];
		for (int i = 0; i < N_WO; i++)
			all[i] = 1;
		run_all("down", all, NULL, rc); /* "unknown" (3) for those already gone */
	}
	return iso_rmtree(state_dir) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sixteen_parallel_ups_under_faults, setup, teardown),
	};
	return cmocka_run_group_tests_name("parallel ups", tests, NULL, NULL);
}
