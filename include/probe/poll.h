/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe/poll.h - the waits the probes share: one descriptor, one event, a
 * deadline in iso_now_ms() milliseconds.  A probe polls on "not up yet", so
 * a timeout is an answer (0), not an error; EINTR is retried until the
 * deadline.  Neither function closes or owns FD.
 *
 *   int64_t deadline = iso_now_ms () + timeout_ms;
 *   int fd = socket (..., SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
 *   if (probe_connect (fd, sa, len, deadline) <= 0) ...   // down, or no answer in time
 *   ... send ...
 *   if (probe_wait_fd (fd, POLLIN, deadline) <= 0) ...    // no answer in time
 */
#ifndef ISOPOD_PROBE_POLL_H
#define ISOPOD_PROBE_POLL_H

#include <stdint.h>
#include <sys/socket.h>

/* Wait for EVENTS on FD until DEADLINE (ms); 1 ready, 0 timeout, -1 error with errno. */
int probe_wait_fd(int fd, short events, int64_t deadline);

/*
 * Connect the non-blocking socket FD to SA by DEADLINE: 1 connected, 0 no
 * answer in time, -1 refused or failed with errno set (the socket's error).
 */
int probe_connect(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline);

#endif
