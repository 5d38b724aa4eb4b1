/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Converging from a kill at any step of the recreate path, and a lost port
 * race that stays inside the range (issue 12, defects 1 and 3), against real
 * rootless Podman.  Ports: block 50-59 of ISOPOD_TEST_PORTS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define ISOPOD ISO_ISOPOD_BIN

static char state_dir[64];
static char wos[4][48];
static size_t n_wos;
static int port_low;

static const char *wo(char letter)
{
	for (size_t i = 0; i < n_wos; i++)
		if (wos[i][strlen(wos[i]) - 1] == letter)
			return wos[i];
	snprintf(wos[n_wos], sizeof(wos[0]), "t-conv-%d-%c", (int)getpid(), letter);
	return wos[n_wos++];
}

static void set_range(int low, int high)
{
	char range[32];
	snprintf(range, sizeof(range), "%d-%d", low, high);
	setenv("ISOPOD_PORTS", range, 1);
}

/* Needs no Podman: the bodies ask for it. */
static int setup(void **state)
{
	port_low = ptest_wo_env(state_dir, sizeof(state_dir), "conv", 50, 10);
	n_wos = 0;
	return port_low < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	set_range(port_low, port_low + 9);
	for (size_t i = 0; i < n_wos; i++) {
		char *ignored = NULL;
		ptest_isopod(NULL, &ignored, "down %s --cleanup --quiet", wos[i]);
		free(ignored);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* `up W --json`: the exit code; the http port and the action in *PORT / ACTION. */
static int up_json(const char *w, long long *port, char *action, size_t action_size)
{
	char *out = NULL;
	int rc = ptest_isopod(&out, NULL, "up %s --json --quiet", w);
	if (rc == 0) {
		cleanup_json iso_json *j = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "up --json", NULL);
		assert_non_null(j);
		assert_int_equal(iso_json_int(iso_json_path(j, "ports", "http", NULL), port), 0);
		const char *a = iso_json_get_string(j, "action");
		snprintf(action, action_size, "%s", a ? a : "");
	}
	free(out);
	return rc;
}

static void assert_serves(long long port)
{
	long status = 0;
	assert_int_equal(ptest_wait_http((int)port, "/web/login", 200, 30000, &status), 0);
}

/*
 * The recreate path (the pod gone after `down`, volumes and a `ready` lease
 * kept), killed with SIGKILL at each of its requests: the next `up` (after a
 * `gc` every other time) brings back the same work order on the same port
 * with its data (the action is never "created"), and `down` returns it to the
 * starting point.
 */
static void test_recreate_killed_at_each_request_converges(void **state)
{
	ptest_require_podman();
	const char *a = wo('a');
	long long port0 = 0, port = 0;
	char action[32];
	assert_int_equal(up_json(a, &port0, action, sizeof(action)), 0);
	assert_string_equal(action, "created");
	assert_int_equal(ptest_isopod(NULL, NULL, "down %s --quiet", a), 0);
	int n, seen = 0;
	for (n = 1; n <= 60; n++) {
		int rc = ptest_up_signalled(a, n, SIGKILL, NULL, &seen);
		if (rc == 0)
			break; /* the kill came after the last request */
		if (rc != 128 + SIGKILL)
			fail_msg("SIGKILL at request %d: exit %d", n, rc);
		if (n % 2 && ptest_isopod(NULL, NULL, "gc --quiet") != 0)
			fail_msg("gc after a SIGKILL at request %d failed", n);
		rc = up_json(a, &port, action, sizeof(action));
		if (rc != 0)
			fail_msg("up after a SIGKILL at request %d%s: exit %d", n, n % 2 ? " and gc" : "", rc);
		if (!strcmp(action, "created") || port != port0)
			fail_msg("SIGKILL at request %d: up %s on port %lld (was %lld)", n, action, port, port0);
		assert_serves(port);
		ptest_wo_assert_healthy("hub", a);
		assert_int_equal(ptest_isopod(NULL, NULL, "down %s --quiet", a), 0);
	}
	assert_true(n > 5);
	print_message("  SIGKILL walked through %d requests of the recreate path\n", n - 1);
	assert_int_equal(ptest_isopod(NULL, NULL, "down %s --cleanup --quiet", a), 0);
	ptest_wo_assert_gone("hub", a);
}

/*
 * The lease file lost while the work order runs: `up` takes its pod's own
 * ports back (the pod holds them, so a probe would call them taken) and
 * finds it running (it was exit 4, "port ... is in use by another program").
 */
static void test_lost_lease_file_of_a_running_pod(void **state)
{
	ptest_require_podman();
	const char *d = wo('d');
	long long port = 0, again = 0;
	char action[32];
	assert_int_equal(up_json(d, &port, action, sizeof(action)), 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/leases", state_dir);
	assert_int_equal(unlink(path), 0);
	int rc = up_json(d, &again, action, sizeof(action));
	if (rc != 0)
		fail_msg("up of a running pod whose lease file was lost: exit %d", rc);
	assert_string_equal(action, "already running");
	assert_int_equal(again, port);
	ptest_wo_assert_healthy("hub", d);
}

/* A listener on 127.0.0.1:PORT, or -1. */
static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1; /* the port sits in TIME_WAIT after `down` */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * A work order leased below today's range whose port another program took
 * while it was down: `up` moves it to a free port inside the range (the old
 * retry's arithmetic went below the range) and serves there.
 */
static void test_lost_port_below_the_range_moves_into_it(void **state)
{
	ptest_require_podman();
	const char *b = wo('b');
	long long port = 0, moved = 0;
	char action[32];
	set_range(port_low, port_low + 4);
	assert_int_equal(up_json(b, &port, action, sizeof(action)), 0);
	assert_int_equal(ptest_isopod(NULL, NULL, "down %s --quiet", b), 0);
	int fd = listen_on((int)port);
	assert_true(fd >= 0);
	set_range(port_low + 5, port_low + 9);
	char *errout = NULL;
	int rc = ptest_isopod(NULL, &errout, "up %s", b);
	close(fd);
	if (rc != 0)
		fail_msg("up with port %lld taken: exit %d: %s", port, rc, errout ? errout : "");
	if (!strstr(errout, "taken by another program"))
		fail_msg("no word of the lost port in: %s", errout);
	free(errout);
	assert_int_equal(up_json(b, &moved, action, sizeof(action)), 0);
	assert_string_equal(action, "already running");
	if (moved < port_low + 5 || moved > port_low + 9)
		fail_msg("the lease moved from %lld to %lld, outside %d-%d", port, moved, port_low + 5, port_low + 9);
	assert_serves(moved);
}

/*
 * A --port under net.ipv4.ip_unprivileged_port_start is bad input (exit 2),
 * said before Podman is looked for: with no socket at all the answer is the
 * same (it was exit 5, "socket does not exist").  Runs as the test user (root
 * may bind any port).
 */
static void test_low_port_is_bad_input_before_podman(void **state)
{
	if (geteuid() == 0) {
		iso_test_need(0, "as root every port may be bound; run as the rootless test user");
		return;
	}
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r");
	int start = 1024;
	if (f) {
		if (fscanf(f, "%d", &start) != 1)
			start = 1024;
		fclose(f);
	}
	if (start < 2) {
		iso_test_need(0, "net.ipv4.ip_unprivileged_port_start is 0 or 1: every port may be bound here");
		return;
	}
	const char *saved = getenv("CONTAINER_HOST");
	cleanup_free char *keep = saved ? xstrdup(saved) : NULL;
	setenv("CONTAINER_HOST", "unix:///nonexistent/isopod-test/podman.sock", 1);
	char *errout = NULL;
	int rc = ptest_isopod(NULL, &errout, "up %s --port %d", wo('c'), start - 1);
	if (keep)
		setenv("CONTAINER_HOST", keep, 1);
	else
		unsetenv("CONTAINER_HOST");
	if (rc != 2 || !strstr(errout, "ip_unprivileged_port_start"))
		fail_msg("up --port %d without Podman: exit %d: %s", start - 1, rc, errout ? errout : "");
	free(errout);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recreate_killed_at_each_request_converges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_port_below_the_range_moves_into_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_port_is_bad_input_before_podman, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_lease_file_of_a_running_pod, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
