/* SPDX-License-Identifier: Apache-2.0 */
/* The bind address of a configuration: its syntax, and for --bind, that it is this host's. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "internal.h"

/* Whether ADDRESS (of FAMILY, in BUF) is one of this host's: a bind to port 0 says so without holding a port. */
static int address_is_local(int family, const unsigned char *buf)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	if (family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof(struct in_addr));
		sl = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, buf, sizeof(struct in6_addr));
		sl = sizeof(struct sockaddr_in6);
	}
	cleanup_close int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1; /* cannot tell: the lease's own probe will */
	return bind(fd, (struct sockaddr *)&ss, sl) == 0 || errno != EADDRNOTAVAIL;
}

/*
 * The address ports bind to must be an IPv4 or IPv6 address, and --bind (up's)
 * one of this host's: said before anything reaches Podman.  A file's address
 * is not probed here: every command loads it, and `down` must work after the
 * address went away (up's lease probe says it then).
 */
int wo_host_address_check(const char *address, int from_flag, const char *profile, struct iso_error **err)
{
	unsigned char buf[sizeof(struct in6_addr)];
	int family = inet_pton(AF_INET, address, buf) == 1    ? AF_INET
		     : inet_pton(AF_INET6, address, buf) == 1 ? AF_INET6
							      : 0;
	if (family && (!from_flag || address_is_local(family, buf)))
		return 0;
	if (family)
		return iso_error_set(err, ISO_E_USAGE, EADDRNOTAVAIL,
				     "--bind '%s' is not an address of this host; pick one of its addresses, "
				     "127.0.0.1 or 0.0.0.0",
				     address);
	if (from_flag)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "--bind '%s' is not an IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0, ::1)",
				     address);
	return iso_error_set(err, ISO_E_USAGE, 0,
			     "profile '%s': host_address '%s' is not an IPv4 or IPv6 address (e.g. 127.0.0.1); "
			     "correct it in your config file",
			     profile, address);
}
