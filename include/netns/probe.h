/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/probe.h - connect probes from inside a network namespace.
 *
 * Calling sequence
 *   struct netns_target t[2];
 *   netns_target_set (&t[0], "10.0.2.2", 8069, err);
 *   netns_target_set (&t[1], "192.0.2.2", 8069, err);
 *   struct netns_probe *res = NULL;
 *   if (netns_connect_probe (pid, t, 2, 200, &res, err) < 0) ...
 *   ... res[i].result == NETNS_CONN_OPEN means reachable ...
 *   free (res);
 *
 *   All targets are tried at once with non-blocking connects, each given
 *   TIMEOUT_MS, so N probes cost one timeout at most.  The connect is made
 *   inside the namespace (a forked child, see netns/netns.h): what answers is
 *   what the namespace can reach.  PID 0 probes from this process's namespace.
 *
 * Errors
 *   ISO_E_USAGE for an address that does not parse or more than
 *   NETNS_PROBE_MAX targets; the errors of netns_run.  A refused or timed-out
 *   connect is a result, not an error.
 */
#ifndef NETNS_PROBE_H
#define NETNS_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/error.h"

#define NETNS_PROBE_MAX 256
#define NETNS_PROBE_TIMEOUT_MS 200

struct netns_target {
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint16_t port; /* host byte order */
};

enum netns_conn {
	NETNS_CONN_OPEN = 1,    /* the connect succeeded: something listens and is reachable */
	NETNS_CONN_REFUSED,     /* RST: reachable host, nothing listens */
	NETNS_CONN_TIMEOUT,     /* no answer within the timeout (dropped, filtered) */
	NETNS_CONN_UNREACHABLE, /* no route, host or network unreachable */
	NETNS_CONN_ERROR,       /* any other errno (see error) */
};

struct netns_probe {
	struct netns_target target;
	enum netns_conn result;
	int error;           /* errno of the failed connect, 0 when open or timed out */
	unsigned elapsed_ms; /* until the answer, or the timeout */
	char text[64];       /* "10.0.2.2:8069", "[fd00::2]:8069" */
};

/* Fill T from a numeric IPv4 or IPv6 address ADDR and PORT. */
int netns_target_set(struct netns_target *t, const char *addr, uint16_t port, struct iso_error **err);

/* Try N targets concurrently from inside PID's namespace; *OUT is an array of N results (free()). */
int netns_connect_probe(pid_t pid, const struct netns_target *targets, size_t n, int timeout_ms,
			struct netns_probe **out, struct iso_error **err);

/* "open", "refused", "timeout", "unreachable", "error". */
const char *netns_conn_name(enum netns_conn c);

#endif
