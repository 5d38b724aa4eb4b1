/*
 * The pure checks of `verify` on hand-made snapshots: what slirp4netns makes
 * passes, and each kind of tampering fails; plus the HTTP readiness probe
 * against listeners of the test's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iso/util.h"
#include "isopod/httpprobe.h"
#include "isopod/verify.h"
#include "netns/inspect.h"

static struct netns_snapshot snap;
static struct netns_link links[8];
static struct netns_addr addrs[16];
static struct netns_route routes[8];

static void link_add(const char *name, int index)
{
	struct netns_link *l = &links[snap.links.n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->index = index;
	l->flags = IFF_UP;
}

static void addr_add(const char *ifname, int ifindex, int family, const char *text, unsigned plen, int scope)
{
	struct netns_addr *a = &addrs[snap.addrs.n++];
	memset(a, 0, sizeof(*a));
	a->family = family;
	a->ifindex = ifindex;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	assert_int_equal(inet_pton(family, text, a->addr), 1);
	snprintf(a->text, sizeof(a->text), "%s", text);
	a->prefixlen = plen;
	a->scope = scope;
}

static void route_add(int family, const char *gw, int oif, const char *dev)
{
	struct netns_route *r = &routes[snap.routes.n++];
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->dst_len = 0;
	r->has_gateway = 1;
	inet_pton(family, gw, r->gateway);
	snprintf(r->gw_text, sizeof(r->gw_text), "%s", gw);
	r->oif = oif;
	snprintf(r->dev, sizeof(r->dev), "%s", dev);
	snprintf(r->dst_text, sizeof(r->dst_text), "default");
	r->table = RT_TABLE_MAIN;
}

/* What a slirp4netns pod looks like here (measured: see podman-host.md). */
static int slirp_pod(void **state)
{
	memset(&snap, 0, sizeof(snap));
	snap.links.v = links;
	snap.addrs.v = addrs;
	snap.routes.v = routes;
	link_add("lo", 1);
	link_add("tap0", 2);
	addr_add("lo", 1, AF_INET, "127.0.0.1", 8, RT_SCOPE_HOST);
	addr_add("lo", 1, AF_INET6, "::1", 128, RT_SCOPE_HOST);
	addr_add("tap0", 2, AF_INET, "10.0.2.100", 24, RT_SCOPE_UNIVERSE);
	addr_add("tap0", 2, AF_INET6, "fd00::a8b1:2ff:fe3c:4d5e", 64, RT_SCOPE_UNIVERSE);
	addr_add("tap0", 2, AF_INET6, "fe80::a8b1:2ff:fe3c:4d5e", 64, RT_SCOPE_LINK);
	route_add(AF_INET, "10.0.2.2", 2, "tap0");
	route_add(AF_INET6, "fe80::2", 2, "tap0");
	return 0;
}

static struct netns_addrs host_addrs(void)
{
	static struct netns_addr h[2];
	memset(h, 0, sizeof(h));
	h[0].family = AF_INET;
	inet_pton(AF_INET, "192.168.122.10", h[0].addr);
	h[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd00::2", h[1].addr);
	return (struct netns_addrs){.n = 2, .v = h};
}

static void judge(enum verify_result want, const char *needle)
{
	struct netns_addrs host = host_addrs();
	struct verify_check c;
	memset(&c, 0, sizeof(c));
	verify_check_slirp4netns(&snap, &host, &c);
	if (c.result != want || (needle && !strstr(c.evidence, needle)))
		fail_msg("got %s '%s', wanted %s with '%s'", verify_result_name(c.result), c.evidence,
			 verify_result_name(want), needle ? needle : "");
}

static void test_slirp4netns_pod_passes(void **state)
{
	judge(VERIFY_PASS, "lo + tap0 10.0.2.100/24 via 10.0.2.2");
}

static void test_extra_interface_fails(void **state)
{
	link_add("veth0", 3);
	judge(VERIFY_FAIL, "unexpected interface 'veth0'");
}

static void test_missing_tap_fails(void **state)
{
	snprintf(links[1].name, sizeof(links[1].name), "eth0");
	judge(VERIFY_FAIL, "no tap0");
}

static void test_other_address_fails(void **state)
{
	addr_add("tap0", 2, AF_INET, "10.0.3.5", 24, RT_SCOPE_UNIVERSE);
	judge(VERIFY_FAIL, "unexpected address 10.0.3.5/24");
}

static void test_host_address_in_pod_fails(void **state)
{
	/* A pod with the host's own address (what pasta does on purpose) is not slirp4netns isolation. */
	addr_add("tap0", 2, AF_INET, "192.168.122.10", 24, RT_SCOPE_UNIVERSE);
	judge(VERIFY_FAIL, "also one of the host's");
}

static void test_wrong_default_route_fails(void **state)
{
	snprintf(routes[0].gw_text, sizeof(routes[0].gw_text), "10.0.2.3");
	judge(VERIFY_FAIL, "unexpected default route via 10.0.2.3");
}

static void test_slaac_not_yet_is_a_warning(void **state)
{
	/* Drop the fd00:: address and the v6 route: SLAAC may lag the start. */
	memmove(&addrs[3], &addrs[4], sizeof(addrs[0]));
	snap.addrs.n--;
	snap.routes.n--;
	judge(VERIFY_WARN, "not assigned yet");
}

static void test_pasta_shape(void **state)
{
	struct verify_check c;
	memset(&c, 0, sizeof(c));
	snprintf(links[1].name, sizeof(links[1].name), "eth0");
	verify_check_pasta(&snap, &c);
	assert_int_equal(c.result, VERIFY_PASS);
	link_add("veth9", 4);
	memset(&c, 0, sizeof(c));
	verify_check_pasta(&snap, &c);
	assert_int_equal(c.result, VERIFY_FAIL);
}

static void test_report_ok_needs_every_check(void **state)
{
	struct verify_report rep;
	memset(&rep, 0, sizeof(rep));
	for (int i = 0; i < VERIFY_CHECKS; i++)
		rep.checks[i].result = VERIFY_PASS;
	rep.checks[2].result = VERIFY_WARN;
	assert_true(verify_report_ok(&rep));
	rep.checks[5].result = VERIFY_UNVERIFIED;
	assert_false(verify_report_ok(&rep));
	rep.checks[5].result = VERIFY_FAIL;
	assert_false(verify_report_ok(&rep));
}

/* ---- the HTTP probe ---- */

struct server {
	int fd;
	const char *answer;
};

static void *serve_once(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	if (c >= 0) {
		char buf[512];
		ssize_t n = read(c, buf, sizeof(buf));
		(void)n;
		if (s->answer && write(c, s->answer, strlen(s->answer)) < 0)
			perror("write");
		close(c);
	}
	return NULL;
}

static int listen_any(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void probe_answer(const char *answer, int want)
{
	int port;
	struct server s = {.fd = listen_any(&port), .answer = answer};
	pthread_t t;
	pthread_create(&t, NULL, serve_once, &s);
	int status = -1;
	struct iso_error *err = NULL;
	assert_int_equal(http_probe("127.0.0.1", port, "/web/login", 2000, &status, &err), 0);
	assert_int_equal(status, want);
	pthread_join(t, NULL);
	close(s.fd);
}

static void test_http_probe_reads_the_status(void **state)
{
	probe_answer("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>", 200);
	probe_answer("HTTP/1.1 303 See Other\r\nLocation: /web/database/selector\r\n\r\n", 303);
	probe_answer("HTTP/1.0 500 Internal Server Error\r\n\r\n", 500);
	probe_answer("garbage\r\n", 0);
	probe_answer(NULL, 0); /* closed without a word */
}

static void test_http_probe_refused_is_not_an_error(void **state)
{
	int port;
	int fd = listen_any(&port);
	close(fd); /* nothing listens there now */
	int status = -1;
	struct iso_error *err = NULL;
	assert_int_equal(http_probe("127.0.0.1", port, "/", 500, &status, &err), 0);
	assert_int_equal(status, 0);
	assert_int_equal(http_probe("not-an-address", port, "/", 500, &status, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	iso_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_slirp4netns_pod_passes, slirp_pod),
		cmocka_unit_test_setup(test_extra_interface_fails, slirp_pod),
		cmocka_unit_test_setup(test_missing_tap_fails, slirp_pod),
		cmocka_unit_test_setup(test_other_address_fails, slirp_pod),
		cmocka_unit_test_setup(test_host_address_in_pod_fails, slirp_pod),
		cmocka_unit_test_setup(test_wrong_default_route_fails, slirp_pod),
		cmocka_unit_test_setup(test_slaac_not_yet_is_a_warning, slirp_pod),
		cmocka_unit_test_setup(test_pasta_shape, slirp_pod),
		cmocka_unit_test(test_report_ok_needs_every_check),
		cmocka_unit_test(test_http_probe_reads_the_status),
		cmocka_unit_test(test_http_probe_refused_is_not_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
