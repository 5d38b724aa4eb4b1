/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bounded waits of the probes (probe/poll.h): the HTTP and PostgreSQL
 * probes and doctor's registry check all connect a non-blocking socket and
 * wait for one event against a deadline; one copy keeps the EINTR and
 * SO_ERROR handling the same in all of them.
 */
#include <errno.h>
#include <poll.h>

#include "base/util.h"
#include "probe/poll.h"

int probe_wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - iso_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -1 : n;
	}
}

int probe_connect(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline)
{
	if (connect(fd, sa, len) == 0)
		return 1;
	if (errno != EINPROGRESS)
		return -1;
	int w = probe_wait_fd(fd, POLLOUT, deadline);
	if (w <= 0)
		return w;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -1;
	if (soerr) {
		errno = soerr;
		return -1;
	}
	return 1;
}
