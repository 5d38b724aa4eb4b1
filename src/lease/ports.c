/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease_ports.c - the ports themselves: the set of held ports, the bind
 * probe, and the search for the lowest free port of a range that both a new
 * lease (lease_acquire) and a moved one (lease_merge) go through.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "internal.h"

void lease_txn_held(const struct lease_txn *t, struct lease_portset *held)
{
	memset(held, 0, sizeof(*held));
	for (size_t i = 0; i < t->n; i++)
		if (!t->e[i].dropped)
			lease_portset_add(held, t->e[i].l.port);
}

int lease_probe(const char *address, int port, struct iso_error **err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	cleanup_close int fd = -1;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, address, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, address, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		return iso_error_set(err, ISO_E_USAGE, EINVAL,
				     "host address '%s' is not an IPv4 or IPv6 address; fix host_address or --bind",
				     address);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot make a socket to probe port %d: %s", port,
				     strerror(errno));
	/* As rootlessport binds: a port in TIME_WAIT after `down` is free. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot set SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
		return 0;
	if (errno == EADDRINUSE)
		return 1;
	if (errno == EADDRNOTAVAIL)
		return iso_error_set(err, ISO_E_USAGE, errno,
				     "host address '%s' is not an address of this host; fix host_address or --bind",
				     address);
	if (errno == EACCES)
		return iso_error_set(err, ISO_E_USAGE, errno,
				     "port %d on '%s' may not be bound by this user (under "
				     "net.ipv4.ip_unprivileged_port_start); pick a port at or above it",
				     port, address);
	return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot probe port %d on '%s': %s", port, address,
			     strerror(errno));
}

int lease_pick_free(const struct lease_portset *held, const char *address, int low, int high, int *busy,
		    struct iso_error **err)
{
	for (int p = low; p <= high; p++) {
		int r;
		if (lease_portset_has(held, p))
			continue;
		r = lease_probe(address, p, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return p;
		if (busy)
			(*busy)++;
		iso_debug("port %d on %s is in use by another program; skipping it", p, address);
	}
	return 0;
}
