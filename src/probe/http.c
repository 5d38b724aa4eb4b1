/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal HTTP GET for readiness probes.  Connection refused, reset or a
 * timeout mean "not up yet" (status 0), which the caller polls on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "probe/http.h"
#include "probe/poll.h"

int probe_http(const char *address, int port, const char *path, int timeout_ms, int *status, struct iso_error **err)
{
	*status = 0;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t slen;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (!strcmp(address, "0.0.0.0"))
		address = "127.0.0.1";
	else if (!strcmp(address, "::"))
		address = "::1";
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*sin6);
	} else {
		return iso_error_set(err, ISO_E_USAGE, 0, "'%s' is not an IP address", address);
	}
	cleanup_close int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "socket: %s", strerror(errno));
	int64_t deadline = iso_now_ms() + timeout_ms;
	if (probe_connect(fd, (struct sockaddr *)&ss, slen, deadline) <= 0)
		return 0;
	char req[512];
	int v6 = ss.ss_family == AF_INET6;
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s%s%s:%d\r\nUser-Agent: isopod\r\n\r\n", path,
			 v6 ? "[" : "", address, v6 ? "]" : "", port);
	if (n < 0 || (size_t)n >= sizeof(req))
		return iso_error_set(err, ISO_E_INTERNAL, 0, "request path too long");
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return 0;
	char buf[256];
	size_t have = 0;
	while (have < sizeof(buf) - 1) {
		if (probe_wait_fd(fd, POLLIN, deadline) <= 0)
			return 0;
		ssize_t r = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	buf[have] = '\0';
	int code = 0;
	if (sscanf(buf, "HTTP/%*d.%*d %d", &code) == 1 && code >= 100 && code <= 599)
		*status = code;
	return 0;
}
