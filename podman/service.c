/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting `podman system service` when nothing answers on the default
 * socket.  Two services on one socket path break each other (the second
 * replaces the socket, the first to exit unlinks it), so the start is
 * serialised by an flock on a lock file beside the socket, and the socket
 * is probed again under the lock: of 16 concurrent first calls one starts
 * the service and 15 find it answering.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/cleanup.h"
#include "base/util.h"
#include "podman/client.h"

/* In the grandchild: every descriptor but 0-2 and the status pipe closed, then exec. */
static void exec_service(const char *bin, const char *idle_arg, const char *uri, int logfd, int errpipe)
{
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		goto fail;
	for (int fd = 3; fd < 65536; fd++) /* close_range may be missing: do it by hand */
		if (fd != errpipe)
			close(fd);
	execlp(bin, bin, "system", "service", idle_arg, uri, (char *)NULL);
fail:;
	int e = errno;
	if (write(errpipe, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

static int spawn(const char *bin, int idle_seconds, const char *uri, const char *log_path, struct iso_error **err)
{
	cleanup_close int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	int p[2];
	char idle_arg[32];
	pid_t child;
	int e = 0, status;
	ssize_t n;

	if (logfd < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot open the podman service log '%s': %s", log_path,
				     strerror(errno));
	snprintf(idle_arg, sizeof idle_arg, "--time=%d", idle_seconds);
	if (pipe2(p, O_CLOEXEC) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "pipe: %s", strerror(errno));
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return iso_error_set(err, ISO_E_INTERNAL, errno, "fork: %s", strerror(errno));
	}
	if (child == 0) {
		/* double fork: the service is nobody's child here and outlives us */
		close(p[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		pid_t g = fork();
		if (g < 0) {
			int fe = errno;
			if (write(p[1], &fe, sizeof fe) < 0)
				_exit(1);
			_exit(1);
		}
		if (g > 0)
			_exit(0);
		signal(SIGHUP, SIG_DFL);
		exec_service(bin, idle_arg, uri, logfd, p[1]);
	}
	close(p[1]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	do
		n = read(p[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof e) {
		if (e == ENOENT)
			return iso_error_set(err, ISO_E_HOST, e,
					     "podman is not installed ('%s' not found in PATH); install it "
					     "(apt-get install podman) and see '%s'",
					     bin, log_path);
		return iso_error_set(err, ISO_E_HOST, e, "cannot run '%s system service': %s; see '%s'", bin,
				     strerror(e), log_path);
	}
	return 0;
}

int podman_service_ensure(const struct podman_endpoint *ep, const char *state_dir, const char *podman_bin,
			  int idle_seconds, long wait_ms, int (*ping)(void *ctx), void *ctx, int *started,
			  struct iso_error **err)
{
	cleanup_free char *sockdir = NULL, *lock_path = NULL, *log_path = NULL;
	cleanup_close int lockfd = -1;
	char *slash;

	*started = 0;
	if (ep->kind != PODMAN_EP_UNIX || !ep->is_default)
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
				     "only the default local socket is started automatically");
	sockdir = xstrdup(ep->path);
	slash = strrchr(sockdir, '/');
	if (slash)
		*slash = 0;
	if (iso_mkdir_p(sockdir, 0700, err) < 0 || iso_mkdir_p(state_dir, 0700, err) < 0)
		return iso_error_wrap(err, "start the podman service");
	lock_path = xasprintf("%s/isopod-service.lock", sockdir);
	log_path = xasprintf("%s/podman-service.log", state_dir);
	lockfd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lockfd < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot open the lock '%s': %s", lock_path,
				     strerror(errno));
	while (flock(lockfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return iso_error_set(err, ISO_E_HOST, errno, "cannot lock '%s': %s", lock_path,
					     strerror(errno));
	/* someone may have started it while we waited for the lock */
	if (ping(ctx) == 0)
		return 0;
	if (spawn(podman_bin, idle_seconds, ep->uri, log_path, err) < 0)
		return -1;
	int64_t deadline = iso_now_ms() + wait_ms;
	while (iso_now_ms() < deadline) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		if (ping(ctx) == 0) {
			*started = 1;
			return 0; /* the lock drops with lockfd */
		}
		nanosleep(&ts, NULL);
	}
	return iso_error_set(err, ISO_E_UNREACHABLE, ETIMEDOUT,
			     "started 'podman system service' for '%s' but it did not answer within %ld ms; "
			     "see its log '%s'",
			     ep->path, wait_ms, log_path);
}
