/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_netns_slirp.c - the real slirp4netns layout, without Podman: a test
 * namespace gets slirp4netns attached as Podman attaches it, check 3 passes
 * on it, and check 6 fails once host loopback is allowed (the tamper of
 * `allow_host_loopback=true`).  Skipped where slirp4netns or /dev/net/tun
 * is not available.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "base/error.h"
#include "base/util.h"
#include "netns/check.h"
#include "netns/inspect.h"
#include "netns/probe.h"
#include "test_netns_pod.h"

struct slirp {
	struct tpod pod;
	pid_t pid;
};

/* Attach slirp4netns to a fresh test namespace; 0, or -1 with WHY (skip). */
static int slirp_start(struct slirp *s, int allow_host_loopback, char *why, size_t len)
{
	int p[2];
	char target[16];

	if (tpod_start(&s->pod, NULL, why, len) < 0)
		return -1;
	if (pipe(p) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	snprintf(target, sizeof target, "%d", (int)s->pod.pid);
	fflush(NULL);
	s->pid = fork();
	if (s->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		if (p[1] != 3) {
			dup2(p[1], 3);
			close(p[1]);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Podman's invocation, minus the sandbox; host loopback stays off unless allowed. */
		char *argv[] = {"slirp4netns", "--configure", "--mtu=65520", "--enable-ipv6", "--ready-fd=3", target,
				"tap0",        NULL,          NULL};
		if (!allow_host_loopback) {
			memmove(argv + 2, argv + 1, 6 * sizeof *argv);
			argv[1] = "--disable-host-loopback";
		}
		execvp("slirp4netns", argv);
		_exit(127);
	}
	close(p[1]);
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	char c = 0;
	int ok = poll(&pfd, 1, 5000) == 1 && read(p[0], &c, 1) == 1 && c == '1';
	close(p[0]);
	if (!ok) {
		int status = 0;
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		snprintf(why, len, "slirp4netns did not come up (%s)",
			 WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not installed" : "no /dev/net/tun access?");
		tpod_stop(&s->pod);
		return -1;
	}
	return 0;
}

static void slirp_stop(struct slirp *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	tpod_stop(&s->pod);
}

/* In a test body: slirp4netns up, or the test skips with the reason (fails under ISOPOD_REQUIRE_PODMAN). */
#define SLIRP_NEED(s, allow)                                                                                           \
	do {                                                                                                           \
		char why_[256];                                                                                        \
		int started_ = slirp_start(s, allow, why_, sizeof why_);                                               \
		iso_test_need(started_ == 0, "%s", why_);                                                              \
	} while (0)

static void dump_findings(const struct netns_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		print_message("  %s: %s\n", netns_verdict_name(f->v[i].verdict), f->v[i].text);
}

static void test_real_slirp4netns_layout_passes(void **state)
{
	struct slirp s;
	struct iso_error *err = NULL;
	struct netns_snapshot *snap = NULL;
	struct netns_addrs host = {0};
	struct netns_findings f;

	SLIRP_NEED(&s, 0);
	assert_int_equal(netns_host_addrs(&host, &err), 0);
	assert_int_equal(netns_snapshot_take(s.pod.pid, NETNS_SNAP_ALL, NULL, &snap, &err), 0);
	const struct netns_link *tap = netns_link_by_name(&snap->links, "tap0");
	assert_non_null(tap);
	assert_int_equal(tap->mtu, 65520);
	netns_findings_init(&f);
	netns_check_slirp4netns(snap, &host, 1, &f);
	if (f.worst != NETNS_PASS)
		dump_findings(&f);
	assert_int_equal(f.worst, NETNS_PASS);
	netns_snapshot_free(snap);
	netns_addrs_release(&host);

	/* A veth added inside the running namespace: check 3 fails. */
	assert_int_equal(tpod_sh(&s.pod, "ip link add name evil0 type veth peer name evil1"), 0);
	assert_int_equal(netns_snapshot_take(s.pod.pid, NETNS_SNAP_ALL, NULL, &snap, &err), 0);
	netns_findings_init(&f);
	netns_check_slirp4netns(snap, NULL, 1, &f);
	assert_int_equal(f.worst, NETNS_FAIL);
	netns_snapshot_free(snap);
	slirp_stop(&s);
}

/* A listener on the host's 127.0.0.1, probed at 10.0.2.2 from inside. */
static enum netns_conn probe_host_loopback(int allow)
{
	struct slirp s;
	struct iso_error *err = NULL;
	struct netns_target t;
	struct netns_probe *p = NULL;
	struct netns_findings f;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	SLIRP_NEED(&s, allow);
	assert_int_equal(netns_target_set(&t, "10.0.2.2", ntohs(a.sin_port), &err), 0);
	assert_int_equal(netns_connect_probe(s.pod.pid, &t, 1, 200, &p, &err), 0);
	enum netns_conn result = p[0].result;
	netns_findings_init(&f);
	netns_check_unreachable(p, 1, &f);
	assert_int_equal(f.worst, result == NETNS_CONN_OPEN ? NETNS_FAIL : NETNS_PASS);
	free(p);
	close(l);
	slirp_stop(&s);
	return result;
}

static void test_host_loopback_unreachable_by_default(void **state)
{
	assert_int_not_equal(probe_host_loopback(0), NETNS_CONN_OPEN);
}

static void test_allow_host_loopback_fails_check6(void **state)
{
	assert_int_equal(probe_host_loopback(1), NETNS_CONN_OPEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_slirp4netns_layout_passes),
		cmocka_unit_test(test_host_loopback_unreachable_by_default),
		cmocka_unit_test(test_allow_host_loopback_fails_check6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
