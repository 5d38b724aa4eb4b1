/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting the service (issue #3): 16 concurrent first calls on a silent
 * default socket leave exactly one `podman system service`, and all 16
 * connect.  Two services on one socket path break each other (podman-host.md),
 * so "exactly one" is what a user notices.
 *
 * A fresh XDG_RUNTIME_DIR (a 0700 temp dir) makes the default socket path new;
 * CONTAINER_HOST is unset.  The service this test started is found by its
 * socket path in /proc/<pid>/cmdline and stopped by that PID in the teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "podman/client.h"
#include "podman_test.h"

#define CALLERS 16

static char tmp[64];
static char sock[128];
static char *saved_host, *saved_xdg;
static int podman_ok;
static char podman_why[700];

/* PIDs of processes whose command line names our temp dir; *service those that are `system service`. */
static size_t find_ours(pid_t *pids, size_t cap, size_t *n_service, pid_t *service, size_t service_cap)
{
	size_t n = 0;
	*n_service = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		int names_tmp = 0, system = 0, service_arg = 0;
		for (char *p = buf; p < buf + len; p += strlen(p) + 1) {
			names_tmp |= strstr(p, tmp) != NULL;
			system |= !strcmp(p, "system");
			service_arg |= !strcmp(p, "service");
		}
		if (!names_tmp)
			continue;
		if (n < cap)
			pids[n++] = (pid_t)pid;
		/* The socket path itself, not only the directory, for the service. */
		int names_sock = 0;
		for (char *p = buf; p < buf + len; p += strlen(p) + 1)
			names_sock |= strstr(p, sock) != NULL;
		if (system && service_arg && names_sock && *n_service < service_cap)
			service[(*n_service)++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

/* The parent PID from /proc/PID/stat (after the command name's closing parenthesis), or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[32], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	char *paren = strrchr(buf, ')');
	char st;
	int ppid = 0;
	if (!paren || sscanf(paren + 1, " %c %d", &st, &ppid) != 2)
		return 0;
	return (pid_t)ppid;
}

static int gone(pid_t pid)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) != 0;
}

/*
 * Podman must work for this user (asked before XDG_RUNTIME_DIR moves).
 * Without it the setup makes nothing and returns 0: the body skips (a skip
 * in a cmocka 1.1 setup is an error) and the teardown finds nothing to undo.
 */
static int setup(void **state)
{
	tmp[0] = '\0';
	podman_ok = ptest_podman_answers(podman_why, sizeof(podman_why));
	if (!podman_ok)
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/isopod-svc-XXXXXX");
	if (!mkdtemp(tmp)) { /* 0700, ours */
		tmp[0] = '\0';
		return -1;
	}
	snprintf(sock, sizeof(sock), "%s/podman/podman.sock", tmp);
	const char *h = getenv("CONTAINER_HOST"), *x = getenv("XDG_RUNTIME_DIR");
	saved_host = h ? strdup(h) : NULL;
	saved_xdg = x ? strdup(x) : NULL;
	unsetenv("CONTAINER_HOST");
	setenv("XDG_RUNTIME_DIR", tmp, 1);
	return 0;
}

/* Stop every process that names our temp dir (the service this test started), by PID; remove the dir. */
static int teardown(void **state)
{
	if (!tmp[0])
		return 0; /* the setup made nothing */
	pid_t pids[64], service[8];
	size_t n_service;
	size_t n = find_ours(pids, 64, &n_service, service, 8);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (int t = 0; t < 100; t++) {
		size_t alive = 0;
		for (size_t i = 0; i < n; i++)
			alive += !gone(pids[i]);
		if (!alive)
			break;
		usleep(50 * 1000);
	}
	for (size_t i = 0; i < n; i++)
		if (!gone(pids[i]))
			kill(pids[i], SIGKILL);
	if (saved_host)
		setenv("CONTAINER_HOST", saved_host, 1);
	if (saved_xdg)
		setenv("XDG_RUNTIME_DIR", saved_xdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(saved_host);
	free(saved_xdg);
	saved_host = saved_xdg = NULL;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	tmp[0] = '\0';
	return system(cmd) == 0 ? 0 : -1;
}

struct verdict {
	int ok;
	int started;
	char msg[200];
};

static void caller(int barrier, int out, const char *state_dir)
{
	char c;
	while (read(barrier, &c, 1) < 0 && errno == EINTR)
		;
	struct verdict v = {0};
	struct podman_client_opts o = {.state_dir = state_dir, .autostart = 1, .idle_seconds = 60};
	struct iso_error *err = NULL;
	struct podman_client *cl = podman_client_new(&o, &err);
	if (cl && podman_connect(cl, &err) == 0) {
		v.ok = 1;
		v.started = podman_client_started_service(cl);
	} else {
		snprintf(v.msg, sizeof(v.msg), "%s", err ? err->msg : "?");
	}
	podman_client_free(cl);
	if (write(out, &v, sizeof(v)) != (ssize_t)sizeof(v))
		_exit(2);
	_exit(0);
}

static void test_sixteen_first_calls_one_service(void **state)
{
	iso_test_need(podman_ok, "%s", podman_why);
	char state_dir[96];
	snprintf(state_dir, sizeof(state_dir), "%s/state", tmp);
	/* Nothing answers yet: the path is new. */
	assert_int_not_equal(access(sock, F_OK), 0);

	int barrier[2], results[2];
	assert_int_equal(pipe2(barrier, O_CLOEXEC), 0);
	assert_int_equal(pipe2(results, O_CLOEXEC), 0);
	pid_t kids[CALLERS];
	for (int i = 0; i < CALLERS; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(barrier[1]);
			close(results[0]);
			caller(barrier[0], results[1], state_dir);
		}
	}
	close(barrier[0]);
	close(results[1]);
	close(barrier[1]); /* every caller's read returns now: all go at once */

	int ok = 0, started = 0;
	for (int i = 0; i < CALLERS; i++) {
		struct verdict v;
		ssize_t n = read(results[0], &v, sizeof(v));
		if (n != (ssize_t)sizeof(v))
			break;
		if (!v.ok)
			fprintf(stderr, "  caller failed: %s\n", v.msg);
		ok += v.ok;
		started += v.started;
	}
	close(results[0]);
	for (int i = 0; i < CALLERS; i++)
		waitpid(kids[i], NULL, 0);

	pid_t pids[64], service[8];
	size_t n_service;
	find_ours(pids, 64, &n_service, service, 8);
	assert_int_equal(ok, CALLERS);
	assert_int_equal(started, 1);
	/* Rootless podman re-executes itself inside the user namespace: a service is a tree, count the roots. */
	size_t roots = 0;
	for (size_t i = 0; i < n_service; i++) {
		pid_t pp = parent_of(service[i]);
		int child = 0;
		for (size_t j = 0; j < n_service; j++)
			child |= service[j] == pp;
		roots += !child;
	}
	if (roots != 1)
		fprintf(stderr, "  %zu service processes, %zu of them independent\n", n_service, roots);
	assert_true(n_service >= 1);
	assert_int_equal(roots, 1);

	/* The survivor answers on the path: a later client connects without starting anything. */
	struct podman_client_opts o = {.state_dir = state_dir, .autostart = 1};
	struct iso_error *err = NULL;
	struct podman_client *c = podman_client_new(&o, &err);
	assert_non_null(c);
	if (podman_connect(c, &err) < 0)
		fail_msg("connect after the race: %s", err->msg);
	assert_int_equal(podman_client_started_service(c), 0);
	assert_string_equal(podman_client_endpoint(c) + strlen("unix://"), sock);
	podman_client_free(c);
	/* Its output went to the log in the state directory. */
	char log[128];
	snprintf(log, sizeof(log), "%s/podman-service.log", state_dir);
	assert_int_equal(access(log, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sixteen_first_calls_one_service, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
