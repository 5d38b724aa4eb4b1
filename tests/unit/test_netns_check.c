/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_netns_check.c - each check passes on the expected layout and fails
 * on a tamper: real test namespaces laid out like slirp4netns (a tap0 made
 * with iproute2), plus synthetic snapshots for the pure rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "base/error.h"
#include "base/util.h"
#include "netns/check.h"
#include "netns/inspect.h"
#include "netns/probe.h"
#include "test_netns_pod.h"

#define SLIRP_SETUP                                                                                                    \
	"ip tuntap add name tap0 mode tap && ip link set tap0 mtu 65520 && ip addr add 10.0.2.100/24 dev tap0 && "     \
	"ip link set tap0 up && ip route add default via 10.0.2.2 dev tap0"

static int has_finding(const struct netns_findings *f, enum netns_verdict v, const char *needle)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].verdict == v && strstr(f->v[i].text, needle))
			return 1;
	return 0;
}

static void dump_findings(const struct netns_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		print_message("  %s: %s\n", netns_verdict_name(f->v[i].verdict), f->v[i].text);
}

static enum netns_verdict slirp_verdict(struct tpod *pod, const struct netns_addrs *host, struct netns_findings *f)
{
	struct netns_snapshot *s = NULL;
	struct iso_error *err = NULL;
	assert_int_equal(netns_snapshot_take(pod->pid, NETNS_SNAP_ALL, NULL, &s, &err), 0);
	netns_findings_init(f);
	netns_check_slirp4netns(s, host, 0, f);
	netns_snapshot_free(s);
	return f->worst;
}

static void test_slirp_layout_passes_then_extra_veth_fails(void **state)
{
	struct tpod pod;
	struct netns_findings f;
	struct netns_addrs host = {0};
	struct iso_error *err = NULL;

	TPOD_NEED(&pod, SLIRP_SETUP);
	assert_int_equal(netns_host_addrs(&host, &err), 0);
	if (slirp_verdict(&pod, &host, &f) != NETNS_PASS)
		dump_findings(&f);
	assert_int_equal(f.worst, NETNS_PASS);

	assert_int_equal(tpod_sh(&pod, "ip link add name evil0 type veth peer name evil1"), 0);
	assert_int_equal(slirp_verdict(&pod, &host, &f), NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "unexpected interface 'evil0' (veth)"));
	assert_true(has_finding(&f, NETNS_FAIL, "'evil1'"));
	netns_addrs_release(&host);
	tpod_stop(&pod);
}

static void test_slirp_extra_address_and_route_fail(void **state)
{
	struct tpod pod;
	struct netns_findings f;

	TPOD_NEED(&pod, SLIRP_SETUP " && ip addr add 10.0.2.101/24 dev tap0 && "
				    "ip route add 192.168.7.0/24 via 10.0.2.2 dev tap0");
	assert_int_equal(slirp_verdict(&pod, NULL, &f), NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "unexpected address 10.0.2.101/24 on 'tap0'"));
	assert_true(has_finding(&f, NETNS_FAIL, "unexpected route 192.168.7.0/24 via 10.0.2.2"));
	assert_false(has_finding(&f, NETNS_FAIL, "lacks 10.0.2.100"));
	tpod_stop(&pod);
}

static void test_slirp_without_default_route_fails(void **state)
{
	struct tpod pod;
	struct netns_findings f;

	TPOD_NEED(&pod, SLIRP_SETUP " && ip route del default");
	assert_int_equal(slirp_verdict(&pod, NULL, &f), NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "no default route via 10.0.2.2"));
	tpod_stop(&pod);
}

static void test_slirp_address_equal_to_host_fails(void **state)
{
	struct tpod pod;
	struct netns_findings f;
	struct netns_addrs host = {0};
	struct iso_error *err = NULL;
	char cmd[160];

	TPOD_NEED(&pod, SLIRP_SETUP);
	assert_int_equal(netns_host_addrs(&host, &err), 0);
	const struct netns_addr *h = NULL;
	for (size_t i = 0; i < host.n && !h; i++)
		if (host.v[i].family == AF_INET)
			h = &host.v[i];
	if (!h) {
		/* A host without IPv4: pretend the host holds the pod's own address. */
		host.v = xrealloc(host.v, (host.n + 1) * sizeof *host.v);
		memset(&host.v[host.n], 0, sizeof *host.v);
		host.v[host.n].family = AF_INET;
		inet_pton(AF_INET, "10.0.2.100", host.v[host.n].addr);
		h = &host.v[host.n++];
		snprintf(cmd, sizeof cmd, "true");
	} else {
		char a[64];
		inet_ntop(AF_INET, h->addr, a, sizeof a);
		snprintf(cmd, sizeof cmd, "ip addr add %s/32 dev lo", a);
	}
	assert_int_equal(tpod_sh(&pod, cmd), 0);
	assert_int_equal(slirp_verdict(&pod, &host, &f), NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "is also the host's"));
	netns_addrs_release(&host);
	tpod_stop(&pod);
}

static void test_not_slirp_layout_fails(void **state)
{
	struct tpod pod;
	struct netns_findings f;

	TPOD_NEED(&pod, NULL);
	assert_int_equal(slirp_verdict(&pod, NULL, &f), NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "no interface 'tap0'"));
	tpod_stop(&pod);
}

static void test_pasta_one_uplink(void **state)
{
	struct netns_link links[3] = {
		{.index = 1, .name = "lo", .flags = IFF_LOOPBACK | IFF_UP},
		{.index = 2, .name = "eth0", .flags = IFF_UP},
		{.index = 3, .name = "evil0", .kind = "veth"},
	};
	struct netns_snapshot s = {.links = {.n = 2, .v = links}};
	struct netns_findings f;
	netns_findings_init(&f);
	netns_check_pasta(&s, &f);
	assert_int_equal(f.worst, NETNS_PASS);
	assert_true(has_finding(&f, NETNS_PASS, "'eth0'"));
	s.links.n = 3;
	netns_findings_init(&f);
	netns_check_pasta(&s, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "'evil0'"));
	s.links.n = 1;
	netns_findings_init(&f);
	netns_check_pasta(&s, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
}

static void test_distinct_and_members(void **state)
{
	struct netns_id pod = {1, 100}, host = {1, 1}, other[2] = {{1, 200}, {1, 100}};
	struct netns_findings f;
	netns_findings_init(&f);
	netns_check_distinct(&pod, &host, other, 1, &f);
	assert_int_equal(f.worst, NETNS_PASS);
	netns_findings_init(&f);
	netns_check_distinct(&pod, &host, other, 2, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
	netns_findings_init(&f);
	netns_check_distinct(&pod, &pod, NULL, 0, &f);
	assert_true(has_finding(&f, NETNS_FAIL, "host's network namespace"));

	const char *names[] = {"wo-042-db", "wo-042-odoo"};
	struct netns_id members[2] = {{1, 100}, {1, 1}};
	netns_findings_init(&f);
	netns_check_members(&pod, members, names, 1, &f);
	assert_int_equal(f.worst, NETNS_PASS);
	netns_findings_init(&f);
	netns_check_members(&pod, members, names, 2, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "'wo-042-odoo'"));
}

static void test_listens(void **state)
{
	struct netns_listener l = {.proto = IPPROTO_TCP, .family = AF_INET, .port = 5432, .text = "127.0.0.1"};
	struct netns_snapshot s = {.listeners = {.n = 1, .v = &l}};
	struct netns_findings f;
	netns_findings_init(&f);
	netns_check_listens(&s, IPPROTO_TCP, 5432, &f);
	assert_int_equal(f.worst, NETNS_PASS);
	netns_findings_init(&f);
	netns_check_listens(&s, IPPROTO_TCP, 5433, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
	netns_findings_init(&f);
	netns_check_listens(&s, IPPROTO_UDP, 5432, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
}

static void listen_serve(void *arg, int ready)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8069), .sin_addr.s_addr = htonl(0x7f000001)};
	if (bind(t, (struct sockaddr *)&a, sizeof a) < 0 || listen(t, 8) < 0)
		tpod_ready(ready, 6), _exit(1);
	tpod_ready(ready, 0);
	for (;;)
		pause();
}

static void test_connect_probe_results_and_check(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_target t[4];
	struct netns_probe *p = NULL;
	struct netns_findings f;

	TPOD_NEED_SERVING(&pod,
			  "ip link add name va type veth peer name vb && ip link set va up && "
			  "ip link set vb up && ip addr add 10.0.2.100/24 dev va",
			  listen_serve, NULL);
	assert_int_equal(netns_target_set(&t[0], "127.0.0.1", 8069, &err), 0);
	assert_int_equal(netns_target_set(&t[1], "127.0.0.1", 1, &err), 0);
	assert_int_equal(netns_target_set(&t[2], "192.0.2.2", 8069, &err), 0); /* no route */
	assert_int_equal(netns_target_set(&t[3], "10.0.2.5", 8069, &err), 0);  /* no neighbour answers */
	assert_int_equal(netns_target_set(&t[0], "not-an-address", 1, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	iso_error_free(err);
	err = NULL;
	assert_int_equal(netns_target_set(&t[0], "127.0.0.1", 8069, &err), 0);

	int64_t t0 = iso_now_ms();
	assert_int_equal(netns_connect_probe(pod.pid, t, 4, 200, &p, &err), 0);
	int64_t took = iso_now_ms() - t0;
	assert_int_equal(p[0].result, NETNS_CONN_OPEN);
	assert_int_equal(p[1].result, NETNS_CONN_REFUSED);
	assert_int_equal(p[2].result, NETNS_CONN_UNREACHABLE);
	assert_int_equal(p[3].result, NETNS_CONN_TIMEOUT);
	assert_string_equal(p[0].text, "127.0.0.1:8069");
	assert_true(took < 1000); /* concurrent: one timeout, not four */

	netns_findings_init(&f);
	netns_check_unreachable(p, 4, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
	assert_true(has_finding(&f, NETNS_FAIL, "127.0.0.1:8069 can be connected to"));
	netns_findings_init(&f);
	netns_check_unreachable(p + 1, 3, &f);
	assert_int_equal(f.worst, NETNS_PASS);
	free(p);

	/* A listener of this process: open from here, refused from inside the pod. */
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(netns_target_set(&t[0], "127.0.0.1", ntohs(a.sin_port), &err), 0);
	assert_int_equal(netns_connect_probe(0, t, 1, 200, &p, &err), 0);
	assert_int_equal(p[0].result, NETNS_CONN_OPEN);
	free(p);
	assert_int_equal(netns_connect_probe(pod.pid, t, 1, 200, &p, &err), 0);
	assert_int_equal(p[0].result, NETNS_CONN_REFUSED);
	free(p);
	close(l);
	tpod_stop(&pod);
}

/* The names a program reads in verify's data, one per number the snapshot holds. */
static void test_names_of_numbers(void **state)
{
	assert_string_equal(netns_family_name(AF_INET), "ipv4");
	assert_string_equal(netns_family_name(AF_INET6), "ipv6");
	assert_string_equal(netns_family_name(AF_UNIX), "unknown");
	assert_string_equal(netns_proto_name(IPPROTO_TCP), "tcp");
	assert_string_equal(netns_proto_name(IPPROTO_UDP), "udp");
	assert_string_equal(netns_proto_name(IPPROTO_SCTP), "unknown");
	assert_string_equal(netns_scope_name(RT_SCOPE_UNIVERSE), "universe");
	assert_string_equal(netns_scope_name(RT_SCOPE_LINK), "link");
	assert_string_equal(netns_scope_name(RT_SCOPE_HOST), "host");
	assert_string_equal(netns_scope_name(RT_SCOPE_NOWHERE), "nowhere");
	assert_string_equal(netns_scope_name(7), "other");
	struct netns_link up = {.flags = IFF_UP | IFF_LOOPBACK}, down = {.flags = IFF_LOOPBACK};
	assert_string_equal(netns_link_state(&up), "up");
	assert_string_equal(netns_link_state(&down), "down");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slirp_layout_passes_then_extra_veth_fails),
		cmocka_unit_test(test_slirp_extra_address_and_route_fail),
		cmocka_unit_test(test_slirp_without_default_route_fails),
		cmocka_unit_test(test_slirp_address_equal_to_host_fails),
		cmocka_unit_test(test_not_slirp_layout_fails),
		cmocka_unit_test(test_pasta_one_uplink),
		cmocka_unit_test(test_distinct_and_members),
		cmocka_unit_test(test_listens),
		cmocka_unit_test(test_connect_probe_results_and_check),
		cmocka_unit_test(test_names_of_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
