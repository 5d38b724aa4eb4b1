/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_netns.c - the primitive (netns_run) and the libnl inspection, against
 * namespaces these tests make themselves (see test_netns_pod.h).
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
#include <grp.h>
#include <sys/stat.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "base/error.h"
#include "base/util.h"
#include "netns/netns.h"
#include "netns/inspect.h"
#include "test_netns_pod.h"

/* ---- the primitive ---- */

static int send_ns_ino(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	struct stat st;
	netns_chan_step(ch, "reading my namespace");
	if (stat("/proc/self/ns/net", &st) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "stat");
	uint64_t ino = st.st_ino;
	for (uint32_t tag = 1; tag <= 3; tag++)
		if (netns_chan_put(ch, tag, &ino, sizeof ino, err) < 0)
			return -1;
	return 0;
}

static void test_run_inside_pod_namespace(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_result res = {0};
	struct netns_id podid, self;

	TPOD_NEED(&pod, NULL);
	assert_int_equal(netns_run(pod.pid, send_ns_ino, NULL, NULL, &res, &err), 0);
	assert_int_equal(netns_id_of(pod.pid, &podid, &err), 0);
	assert_int_equal(netns_id_of(0, &self, &err), 0);
	assert_false(netns_id_equal(&podid, &self));

	struct netns_rec r = {0};
	for (uint32_t tag = 1; tag <= 3; tag++) {
		assert_int_equal(netns_result_next(&res, &r), 1);
		assert_int_equal(r.tag, tag);
		assert_int_equal(r.len, sizeof(uint64_t));
		uint64_t ino;
		memcpy(&ino, r.data, sizeof ino);
		assert_true(ino == podid.ino); /* the child really was inside */
	}
	assert_int_equal(netns_result_next(&res, &r), 0);
	netns_result_release(&res);

	int same = -1;
	assert_int_equal(netns_same(pod.pid, 0, &same, &err), 0);
	assert_int_equal(same, 0);
	assert_int_equal(netns_same(pod.pid, pod.pid, &same, &err), 0);
	assert_int_equal(same, 1);
	tpod_stop(&pod);
}

static int fail_in_step(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	netns_chan_step(ch, "frobbing the widget");
	return iso_error_set(err, ISO_E_CONFLICT, EBUSY, "widget 'w1' is busy");
}

static void test_run_child_error_names_step(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_result res = {0};

	TPOD_NEED(&pod, NULL);
	assert_int_equal(netns_run(pod.pid, fail_in_step, NULL, NULL, &res, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->class, ISO_E_CONFLICT);
	assert_int_equal(err->status, EBUSY);
	assert_non_null(strstr(err->msg, "frobbing the widget"));
	assert_non_null(strstr(err->msg, "widget 'w1' is busy"));
	assert_null(res.data);
	iso_error_free(err);
	tpod_stop(&pod);
}

static int block_forever(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	netns_chan_step(ch, "waiting for a reply that never comes");
	for (;;)
		pause();
	return 0;
}

static void test_run_deadline_kills_and_names_step(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_result res = {0};
	struct netns_run_opts opts = {.timeout_ms = 200};

	TPOD_NEED(&pod, NULL);
	int64_t t0 = iso_now_ms();
	assert_int_equal(netns_run(pod.pid, block_forever, NULL, &opts, &res, &err), -1);
	int64_t took = iso_now_ms() - t0;
	assert_true(took >= 200 && took < 1500);
	assert_int_equal(err->class, ISO_E_ISOLATION);
	assert_int_equal(err->status, ETIMEDOUT);
	assert_non_null(strstr(err->msg, "waiting for a reply that never comes"));
	assert_non_null(strstr(err->msg, "200 ms"));
	iso_error_free(err);
	tpod_stop(&pod);
}

static int crash(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	netns_chan_step(ch, "touching a bad pointer");
	raise(SIGSEGV);
	return 0;
}

static void test_run_child_crash_is_reported(void **state)
{
	struct iso_error *err = NULL;
	struct netns_result res = {0};

	assert_int_equal(netns_run(0, crash, NULL, NULL, &res, &err), -1);
	assert_int_equal(err->class, ISO_E_ISOLATION);
	assert_non_null(strstr(err->msg, "signal 11"));
	assert_non_null(strstr(err->msg, "touching a bad pointer"));
	iso_error_free(err);
}

static int flood(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	static char block[60000];
	netns_chan_step(ch, "flooding");
	for (int i = 0; i < 1000; i++)
		if (netns_chan_put(ch, 1, block, sizeof block, err) < 0)
			return -1;
	return 0;
}

static void test_run_result_is_capped(void **state)
{
	struct iso_error *err = NULL;
	struct netns_result res = {0};
	struct netns_run_opts opts = {.max_result = 200000};

	assert_int_equal(netns_run(0, flood, NULL, &opts, &res, &err), -1);
	assert_int_equal(err->status, EMSGSIZE);
	assert_non_null(strstr(err->msg, "flooding"));
	iso_error_free(err);
	/* One record over NETNS_REC_MAX is refused inside the child. */
	static char big[NETNS_REC_MAX + 1];
	struct iso_error *e2 = NULL;
	assert_int_equal(netns_chan_put(NULL, 1, big, sizeof big, &e2), -1);
	iso_error_free(e2);
}

static void test_run_gone_pid(void **state)
{
	struct iso_error *err = NULL;
	struct netns_result res = {0};
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(netns_run(pid, send_ns_ino, NULL, NULL, &res, &err), -1);
	assert_int_equal(err->class, ISO_E_ISOLATION);
	assert_non_null(strstr(err->msg, "does not exist"));
	iso_error_free(err);
}

/* Another user's process: as root, the check runs in a child that drops to nobody. */
static void test_run_other_users_pid(void **state)
{
	if (getuid() != 0) {
		struct iso_error *err = NULL;
		struct netns_result res = {0};
		assert_int_equal(netns_run(1, send_ns_ino, NULL, NULL, &res, &err), -1);
		assert_int_equal(err->status, EACCES);
		assert_non_null(strstr(err->msg, "another user"));
		iso_error_free(err);
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct iso_error *err = NULL;
		struct netns_result res = {0};
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		if (netns_run(1, send_ns_ino, NULL, NULL, &res, &err) == 0)
			_exit(3);
		if (err->status != EACCES || !strstr(err->msg, "another user"))
			_exit(4);
		iso_error_free(err);
		err = NULL;
		int same;
		if (netns_same(1, 0, &same, &err) == 0)
			_exit(5);
		_exit(err->status == EACCES && strstr(err->msg, "another user") ? 0 : 6);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- inspection ---- */

#define VETH_SETUP                                                                                                     \
	"ip link add name va type veth peer name vb && ip link set va mtu 1400 address 02:00:00:00:00:0a && "          \
	"ip link set va up && ip link set vb up && ip addr add 10.0.2.100/24 dev va && "                               \
	"ip -6 addr add fd00::100/64 dev va nodad && ip route add default via 10.0.2.2 dev va"

static void test_links_addrs_routes_seen(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_snapshot *s = NULL;

	TPOD_NEED(&pod, VETH_SETUP);
	assert_int_equal(netns_snapshot_take(pod.pid, NETNS_SNAP_ALL, NULL, &s, &err), 0);
	assert_int_equal(s->links.n, 3);
	const struct netns_link *lo = netns_link_by_name(&s->links, "lo");
	const struct netns_link *va = netns_link_by_name(&s->links, "va");
	assert_non_null(lo);
	assert_non_null(va);
	assert_true(lo->flags & IFF_LOOPBACK);
	assert_true(va->flags & IFF_UP);
	assert_string_equal(va->kind, "veth");
	assert_int_equal(va->mtu, 1400);
	assert_string_equal(va->mac_text, "02:00:00:00:00:0a");

	int saw4 = 0, saw6 = 0, sawlo = 0;
	for (size_t i = 0; i < s->addrs.n; i++) {
		const struct netns_addr *a = &s->addrs.v[i];
		if (!strcmp(a->text, "10.0.2.100")) {
			saw4 = 1;
			assert_int_equal(a->prefixlen, 24);
			assert_string_equal(a->ifname, "va");
			assert_int_equal(a->scope, RT_SCOPE_UNIVERSE);
		}
		if (!strcmp(a->text, "fd00::100")) {
			saw6 = 1;
			assert_int_equal(a->family, AF_INET6);
			assert_int_equal(a->prefixlen, 64);
		}
		if (!strcmp(a->text, "127.0.0.1"))
			sawlo = a->scope == RT_SCOPE_HOST;
	}
	assert_true(saw4 && saw6 && sawlo);

	int sawdef = 0;
	for (size_t i = 0; i < s->routes.n; i++) {
		const struct netns_route *r = &s->routes.v[i];
		assert_int_equal(r->table, RT_TABLE_MAIN);
		if (r->family == AF_INET && r->dst_len == 0) {
			sawdef = 1;
			assert_true(r->has_gateway);
			assert_string_equal(r->gw_text, "10.0.2.2");
			assert_string_equal(r->dev, "va");
			assert_string_equal(r->dst_text, "default");
		}
	}
	assert_true(sawdef);
	netns_snapshot_free(s);
	tpod_stop(&pod);
}

static void test_tentative_address_flagged(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_addrs addrs = {0};

	/* The peer is down: no carrier, so duplicate address detection cannot finish. */
	TPOD_NEED(&pod, "ip link add name va type veth peer name vb && ip link set va up && "
			"ip -6 addr add fd00::5/64 dev va");
	assert_int_equal(netns_addrs_list(pod.pid, &addrs, &err), 0);
	int found = 0;
	for (size_t i = 0; i < addrs.n; i++)
		if (!strcmp(addrs.v[i].text, "fd00::5")) {
			found = 1;
			assert_true(addrs.v[i].flags & IFA_F_TENTATIVE);
		}
	assert_true(found);
	netns_addrs_release(&addrs);
	tpod_stop(&pod);
}

static void listen_serve(void *arg, int ready)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5432), .sin_addr.s_addr = htonl(0x7f000001)};
	struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_port = htons(5353)};
	if (bind(t, (struct sockaddr *)&a, sizeof a) < 0 || listen(t, 8) < 0 ||
	    bind(u, (struct sockaddr *)&b, sizeof b) < 0)
		tpod_ready(ready, 6), _exit(1);
	tpod_ready(ready, 0);
	for (;;)
		pause();
}

static void test_listeners_tcp_and_udp(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_listeners l = {0};

	TPOD_NEED_SERVING(&pod, NULL, listen_serve, NULL);
	assert_int_equal(netns_listeners(pod.pid, 0, &l, &err), 0);
	const struct netns_listener *t = netns_listener_find(&l, IPPROTO_TCP, 5432);
	const struct netns_listener *u = netns_listener_find(&l, IPPROTO_UDP, 5353);
	assert_non_null(t);
	assert_non_null(u);
	assert_string_equal(t->text, "127.0.0.1");
	assert_int_equal(t->family, AF_INET);
	assert_int_equal(u->family, AF_INET6);
	assert_string_equal(u->text, "::");
	assert_null(netns_listener_find(&l, IPPROTO_UDP, 5432));
	netns_listeners_release(&l);

	/* Asking for TCP only leaves UDP out. */
	assert_int_equal(netns_listeners(pod.pid, IPPROTO_TCP, &l, &err), 0);
	assert_null(netns_listener_find(&l, IPPROTO_UDP, 5353));
	assert_non_null(netns_listener_find(&l, IPPROTO_TCP, 5432));
	netns_listeners_release(&l);
	tpod_stop(&pod);
}

/* A socket of this process is seen here (pid 0 and our own PID), and not in a pod. */
static void test_listeners_belong_to_their_namespace(void **state)
{
	struct netns_listeners l = {0};
	struct iso_error *err = NULL;
	struct tpod pod;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	uint16_t port = ntohs(a.sin_port);
	assert_int_equal(netns_listeners(0, IPPROTO_UDP, &l, &err), 0);
	assert_non_null(netns_listener_find(&l, IPPROTO_UDP, port));
	netns_listeners_release(&l);
	/* Our own PID: neither namespace needs joining, unprivileged or not. */
	assert_int_equal(netns_listeners(getpid(), IPPROTO_UDP, &l, &err), 0);
	assert_non_null(netns_listener_find(&l, IPPROTO_UDP, port));
	netns_listeners_release(&l);
	TPOD_NEED(&pod, NULL);
	assert_int_equal(netns_listeners(pod.pid, IPPROTO_UDP, &l, &err), 0);
	assert_null(netns_listener_find(&l, IPPROTO_UDP, port));
	netns_listeners_release(&l);
	tpod_stop(&pod);
	close(fd);
}

static void test_host_addrs_exclude_loopback(void **state)
{
	struct netns_addrs a = {0};
	struct iso_error *err = NULL;
	assert_int_equal(netns_host_addrs(&a, &err), 0);
	for (size_t i = 0; i < a.n; i++) {
		assert_string_not_equal(a.v[i].text, "127.0.0.1");
		assert_string_not_equal(a.v[i].text, "::1");
		assert_int_not_equal(a.v[i].scope, RT_SCOPE_HOST);
	}
	netns_addrs_release(&a);
}

static void test_extra_veth_seen_later(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct netns_links l = {0};

	TPOD_NEED(&pod, NULL);
	assert_int_equal(netns_links_list(pod.pid, &l, &err), 0);
	assert_int_equal(l.n, 1);
	netns_links_release(&l);
	assert_int_equal(tpod_sh(&pod, "ip link add name evil0 type veth peer name evil1"), 0);
	assert_int_equal(netns_links_list(pod.pid, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_non_null(netns_link_by_name(&l, "evil0"));
	netns_links_release(&l);
	tpod_stop(&pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_inside_pod_namespace),
		cmocka_unit_test(test_run_child_error_names_step),
		cmocka_unit_test(test_run_deadline_kills_and_names_step),
		cmocka_unit_test(test_run_child_crash_is_reported),
		cmocka_unit_test(test_run_result_is_capped),
		cmocka_unit_test(test_run_gone_pid),
		cmocka_unit_test(test_run_other_users_pid),
		cmocka_unit_test(test_links_addrs_routes_seen),
		cmocka_unit_test(test_tentative_address_flagged),
		cmocka_unit_test(test_listeners_tcp_and_udp),
		cmocka_unit_test(test_listeners_belong_to_their_namespace),
		cmocka_unit_test(test_host_addrs_exclude_loopback),
		cmocka_unit_test(test_extra_veth_seen_later),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
