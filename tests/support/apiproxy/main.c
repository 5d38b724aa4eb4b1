/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod-apiproxy - a fault-injecting proxy in front of the Podman API socket,
 * for the reliability tests (tests/reliability/; client API: tests/support/apiproxy.h).
 *
 *   isopod-apiproxy --listen SOCK --upstream PODMAN_SOCK --log FILE
 *                   [--fault LINE]... [--ready-fd N]
 *
 * isopod is pointed at it with CONTAINER_HOST=unix://SOCK.  Every request is
 * passed to PODMAN_SOCK unchanged unless a fault fires for it.
 *
 * A fault line:  KIND[=ARG] METHOD PATTERN [OCCURRENCE]
 *   KIND        close-before  close the connection, nothing forwarded
 *               close-after   forward, wait for Podman's answer head, close:
 *                             Podman acted, the client never hears
 *               500 (error)   answer 500 {"cause","message","response":500},
 *                             nothing forwarded (the connection stays open)
 *               garbage       forward, then answer 200 with a body that is
 *                             not JSON (Podman acted, the answer is unreadable)
 *               garbage-http  answer bytes that are no HTTP and close,
 *                             nothing forwarded
 *               delay=MS      hold the request MS ms, then forward it (also
 *                             when the client gave up meanwhile)
 *               freeze        hold the request, nothing forwarded, until the
 *                             client goes away (the test kills it meanwhile)
 *               freeze-after  forward, then hold Podman's answer likewise
 *   METHOD      GET, POST, DELETE, ... or * for any
 *   PATTERN     a glob (fnmatch with FNM_PATHNAME: '*' stays within one path
 *               segment) on the request path without its query and without
 *               a leading /v<version> segment: "/libpod/containers/create",
 *               "/libpod/volumes/?*" (with DELETE: of one volume), "/libpod/pods/x/start";
 *               or * for any path
 *   OCCURRENCE  which of the requests that match METHOD and PATTERN: N (the
 *               Nth, default 1), N+ (the Nth and every later one), N-M, or *
 * Every fault counts every request that matches it, fired or not; when more
 * than one fires for a request, the first listed acts.
 *
 * The log FILE gets one line per request, when its outcome is known:
 *   SEQ \t METHOD \t PATH \t STATUS \t FAULT \t TARGET
 * SEQ the request's arrival number (lines may come out of SEQ order), PATH
 * normalised as above, STATUS Podman's HTTP status or the proxy's own
 * outcome (500 garbage closed frozen upstream-down upstream-closed
 * client-closed), FAULT the kind that fired or "-", TARGET the raw request
 * target with its query.
 *
 * Control, over the same socket (not logged, not counted):
 *   POST /_apiproxy/faults   body: fault lines; replaces the table, counts restart
 *   GET  /_apiproxy/ping     200 "ok"
 * --ready-fd N: "ready\n" is written to descriptor N once SOCK listens.
 * SIGTERM or SIGINT: the socket is removed and the proxy exits; the
 * processes serving connections die with it (PR_SET_PDEATHSIG).
 *
 * Design: the listening process forks one child per client connection,
 * which serves that connection's requests one after the other with blocking
 * I/O; faults and counters live in a shared page (see proxy.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "proxy.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	stopping = sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: isopod-apiproxy --listen SOCK --upstream PODMAN_SOCK --log FILE [--fault LINE]... "
			"[--ready-fd N]\n");
	exit(2);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "isopod-apiproxy: socket path '%s' is too long\n", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "isopod-apiproxy: cannot listen on '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

static void accept_loop(const struct ap_config *cfg, int lfd)
{
	while (!stopping) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0)
			continue; /* EINTR: a stop signal, checked above */
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGPIPE, SIG_IGN);
			ap_serve(cfg, cfd);
		}
		if (pid < 0)
			fprintf(stderr, "isopod-apiproxy: fork: %s\n", strerror(errno));
		close(cfd);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},   {"upstream", required_argument, NULL, 'u'},
		{"log", required_argument, NULL, 'L'},      {"fault", required_argument, NULL, 'f'},
		{"ready-fd", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0},
	};
	struct ap_config cfg = {.log_fd = -1};
	char *faults = calloc(1, 1);
	const char *log_path = NULL;
	char why[600];
	int ready_fd = -1, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			cfg.listen_path = optarg;
		else if (c == 'u')
			cfg.upstream_path = optarg;
		else if (c == 'L')
			log_path = optarg;
		else if (c == 'r')
			ready_fd = atoi(optarg);
		else if (c == 'f') {
			size_t n = strlen(faults);
			faults = realloc(faults, n + strlen(optarg) + 2);
			sprintf(faults + n, "%s\n", optarg);
		} else
			usage();
	}
	if (!cfg.listen_path || !cfg.upstream_path || !log_path || optind != argc)
		usage();
	cfg.shared = mmap(NULL, sizeof *cfg.shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cfg.shared == MAP_FAILED) {
		perror("isopod-apiproxy: mmap");
		return 1;
	}
	if (ap_faults_set(cfg.shared, faults, why, sizeof why) < 0) {
		fprintf(stderr, "isopod-apiproxy: %s\n", why);
		return 2;
	}
	cfg.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (cfg.log_fd < 0) {
		fprintf(stderr, "isopod-apiproxy: cannot open log '%s': %s\n", log_path, strerror(errno));
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	int lfd = listen_on(cfg.listen_path);
	if (lfd < 0)
		return 1;
	if (ready_fd >= 0) {
		(void)ap_write_all(ready_fd, "ready\n", 6);
		close(ready_fd);
	}
	accept_loop(&cfg, lfd);
	unlink(cfg.listen_path);
	free(faults);
	return 0;
}
