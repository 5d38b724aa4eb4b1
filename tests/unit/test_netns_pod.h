/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_netns_pod.h - a stand-in "pod" for namespace tests: a forked child
 * that unshares a user and a network namespace, maps our uid to root in
 * it, brings lo up, runs a setup script with iproute2 and then serves (or
 * sleeps) until killed.  No root needed; where the kernel refuses user
 * namespaces (or `ip` is missing), tpod_start fails with the reason and
 * TPOD_NEED skips the test, or fails it under ISOPOD_REQUIRE_PODMAN.
 */
#ifndef TEST_NETNS_POD_H
#define TEST_NETNS_POD_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iso_test.h"
#include "netns/netns.h"

struct tpod {
	pid_t pid;
};

typedef void (*tpod_serve_fn)(void *arg, int ready_fd);

static int tpod_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void tpod_ready(int fd, int code)
{
	unsigned char c = (unsigned char)code;
	if (fd >= 0) {
		if (write(fd, &c, 1) != 1)
			_exit(1);
		close(fd);
	}
}

/*
 * Start a pod.  SETUP (shell, may be NULL) runs inside it.  SERVE (may be
 * NULL: sleep) runs last and must call tpod_ready(ready_fd, 0) once it
 * listens.  Returns 0, or -1 with WHY set (a reason to skip).
 */
static int tpod_start_serving(struct tpod *p, const char *setup, tpod_serve_fn serve, void *arg, char *why,
			      size_t whylen)
{
	int fds[2];
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (p->pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion skips tpod_stop */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			tpod_ready(fds[1], 100 + errno), _exit(1);
		tpod_write("/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		if (tpod_write("/proc/self/uid_map", map) < 0)
			tpod_ready(fds[1], 2), _exit(1);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		if (tpod_write("/proc/self/gid_map", map) < 0)
			tpod_ready(fds[1], 3), _exit(1);
		if (system("ip link set lo up") != 0)
			tpod_ready(fds[1], 4), _exit(1);
		if (setup && system(setup) != 0)
			tpod_ready(fds[1], 5), _exit(1);
		if (serve) {
			serve(arg, fds[1]);
			_exit(0);
		}
		tpod_ready(fds[1], 0);
		for (;;)
			pause();
	}
	close(fds[1]);
	unsigned char c = 255;
	ssize_t n = read(fds[0], &c, 1);
	close(fds[0]);
	if (n == 1 && c == 0)
		return 0;
	if (n == 1 && c >= 100)
		snprintf(why, whylen, "the kernel refuses an unprivileged user + network namespace: %s",
			 strerror(c - 100));
	else if (n == 1 && (c == 2 || c == 3))
		snprintf(why, whylen, "cannot write the test namespace's %s", c == 2 ? "uid_map" : "gid_map");
	else if (n == 1 && c == 4)
		snprintf(why, whylen, "'ip link set lo up' failed in the test namespace: is iproute2's 'ip' on PATH?");
	else if (n == 1 && c == 5)
		snprintf(why, whylen, "the setup script failed inside the namespace: %s", setup ? setup : "");
	else
		snprintf(why, whylen, "cannot set up a test namespace (step %d)", c);
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = -1;
	return -1;
}

static inline int tpod_start(struct tpod *p, const char *setup, char *why, size_t whylen)
{
	return tpod_start_serving(p, setup, NULL, NULL, why, whylen);
}

/* In a test body: start a pod (tpod_start_serving's arguments) or skip the
 * test with the reason, failing it instead under ISOPOD_REQUIRE_PODMAN. */
#define TPOD_NEED_SERVING(p, setup, serve, arg)                                                                        \
	do {                                                                                                           \
		char why_[256];                                                                                        \
		int started_ = tpod_start_serving(p, setup, serve, arg, why_, sizeof why_);                            \
		iso_test_need(started_ == 0, "%s", why_);                                                              \
	} while (0)
#define TPOD_NEED(p, setup) TPOD_NEED_SERVING(p, setup, NULL, NULL)

static inline void tpod_stop(struct tpod *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	p->pid = -1;
}

static int tpod_sh_fn(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	netns_chan_step(ch, "running '%.60s'", (const char *)arg);
	int rc = system((const char *)arg);
	if (rc != 0)
		return iso_error_set(err, ISO_E_INTERNAL, 0, "'%s' failed (%d)", (const char *)arg, rc);
	return 0;
}

/* Run a shell command inside the pod's namespaces (through the primitive under test). */
static inline int tpod_sh(struct tpod *p, const char *cmd)
{
	struct iso_error *err = NULL;
	struct netns_result res = {0};
	int rc = netns_run(p->pid, tpod_sh_fn, (void *)cmd, NULL, &res, &err);
	if (rc < 0) {
		fprintf(stderr, "tpod_sh: %s\n", err->msg);
		iso_error_free(err);
	}
	netns_result_release(&res);
	return rc;
}

#endif
