/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_netns.c - what entering and inspecting a namespace costs.
 *
 *   readiness probe   one probe_pg_once against a listener answering 'R'
 *                     inside a test namespace (target: median <= 5 ms)
 *   inspection        links + addresses + routes + TCP/UDP listeners
 *   probes            12 connect probes, all refused at once
 *   verify-like       namespace ids + host addresses + inspection + probes +
 *                     the checks: the work of `verify` for one work order
 *                     (target: median <= 50 ms)
 *
 * Needs user namespaces (as the unit tests); says so and exits 0 otherwise.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "base/util.h"
#include "probe/pg.h"
#include "netns/check.h"
#include "netns/inspect.h"
#include "netns/probe.h"
#include "../tests/unit/test_netns_pod.h"

#define RUNS 101

static const uint8_t AUTH_MD5[] = {'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4};

static void answer_r(void *arg, int ready)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5432), .sin_addr.s_addr = htonl(0x7f000001)};
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 64) < 0)
		tpod_ready(ready, 6), _exit(1);
	tpod_ready(ready, 0);
	for (;;) {
		uint8_t buf[512];
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		if (read(c, buf, sizeof buf) > 0 && write(c, AUTH_MD5, sizeof AUTH_MD5) < 0) {
			/* the prober went away: nothing to do */
		}
		close(c);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

static void report(const char *what, double *v, double target)
{
	double m = median(v, RUNS);
	qsort(v, RUNS, sizeof *v, cmp);
	if (target > 0)
		printf("bench_netns: %-16s median %6.2f ms  p90 %6.2f ms  (target <= %.0f ms: %s)\n", what, m,
		       v[RUNS * 9 / 10], target, m <= target ? "ok" : "MISSED");
	else
		printf("bench_netns: %-16s median %6.2f ms  p90 %6.2f ms\n", what, m, v[RUNS * 9 / 10]);
}

static int die(struct iso_error *err)
{
	fprintf(stderr, "bench_netns: %s\n", err ? err->msg : "failed");
	return 1;
}

int main(void)
{
	struct tpod pod;
	char why[256];
	double t[RUNS];
	struct iso_error *err = NULL;

	if (tpod_start_serving(&pod,
			       "ip tuntap add name tap0 mode tap && ip link set tap0 mtu 65520 up && "
			       "ip addr add 10.0.2.100/24 dev tap0 && ip route add default via 10.0.2.2 dev tap0",
			       answer_r, NULL, why, sizeof why) < 0) {
		printf("bench_netns: skipped: %s\n", why);
		return 0;
	}

	for (int i = 0; i < RUNS; i++) {
		struct probe_pg_result r;
		int64_t t0 = iso_now_us();
		if (probe_pg_once(pod.pid, 5432, "odoo", "postgres", 1000, &r, &err) < 0)
			return die(err);
		t[i] = (iso_now_us() - t0) / 1000.0;
		if (r.state != PROBE_PG_READY)
			return die(NULL);
	}
	report("readiness probe", t, 5);

	for (int i = 0; i < RUNS; i++) {
		struct netns_snapshot *s = NULL;
		int64_t t0 = iso_now_us();
		if (netns_snapshot_take(pod.pid, NETNS_SNAP_ALL, NULL, &s, &err) < 0)
			return die(err);
		t[i] = (iso_now_us() - t0) / 1000.0;
		netns_snapshot_free(s);
	}
	report("inspection", t, 0);

	struct netns_target targets[12];
	for (int i = 0; i < 12; i++)
		netns_target_set(&targets[i], "127.0.0.1", (uint16_t)(40000 + i), &err);
	for (int i = 0; i < RUNS; i++) {
		struct netns_probe *p = NULL;
		int64_t t0 = iso_now_us();
		if (netns_connect_probe(pod.pid, targets, 12, 200, &p, &err) < 0)
			return die(err);
		t[i] = (iso_now_us() - t0) / 1000.0;
		free(p);
	}
	report("12 probes", t, 0);

	for (int i = 0; i < RUNS; i++) {
		struct netns_snapshot *s = NULL;
		struct netns_probe *p = NULL;
		struct netns_addrs host = {0};
		struct netns_id self;
		struct netns_findings f;
		int64_t t0 = iso_now_us();
		if (netns_id_of(0, &self, &err) < 0 || netns_host_addrs(&host, &err) < 0 ||
		    netns_snapshot_take(pod.pid, NETNS_SNAP_ALL, NULL, &s, &err) < 0 ||
		    netns_connect_probe(pod.pid, targets, 12, 200, &p, &err) < 0)
			return die(err);
		netns_findings_init(&f);
		netns_check_distinct(&s->id, &self, NULL, 0, &f);
		netns_check_slirp4netns(s, &host, 0, &f);
		netns_check_listens(s, IPPROTO_TCP, 5432, &f);
		netns_check_unreachable(p, 12, &f);
		t[i] = (iso_now_us() - t0) / 1000.0;
		if (f.worst != NETNS_PASS)
			return die(NULL);
		free(p);
		netns_addrs_release(&host);
		netns_snapshot_free(s);
	}
	report("verify-like", t, 50);
	tpod_stop(&pod);
	return 0;
}
