/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/check.h - pure evaluation of what a network namespace should hold.
 *
 * No system calls here: the caller gathers snapshots, host addresses and
 * probe results (netns/inspect.h, netns/probe.h) and these functions add
 * findings, each a verdict with its evidence in words.  The worst verdict
 * of a findings list is the verdict of the check.
 *
 *   struct netns_findings f;
 *   netns_findings_init (&f);
 *   netns_check_slirp4netns (snap, &host_addrs, 1, &f);
 *   ... f.worst, f.v[i].verdict, f.v[i].text ...
 */
#ifndef NETNS_CHECK_H
#define NETNS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include "netns/inspect.h"
#include "netns/netns.h"
#include "netns/probe.h"

enum netns_verdict {
	NETNS_PASS = 0,
	NETNS_WARN = 1,
	NETNS_UNVERIFIED = 2,
	NETNS_FAIL = 3,
};

#define NETNS_FINDINGS_MAX 48
#define NETNS_FINDING_TEXT 200

struct netns_finding {
	enum netns_verdict verdict;
	char text[NETNS_FINDING_TEXT];
};

struct netns_findings {
	enum netns_verdict worst;
	size_t n; /* findings past NETNS_FINDINGS_MAX raise the verdict but are not kept */
	struct netns_finding v[NETNS_FINDINGS_MAX];
};

void netns_findings_init(struct netns_findings *f);
/* Add a finding; WORST rises to VERDICT when it is worse. */
void netns_findings_add(struct netns_findings *f, enum netns_verdict verdict, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "pass", "warn", "unverified", "fail". */
const char *netns_verdict_name(enum netns_verdict v);

/* Names of the snapshot's numbers, for a program that reads the evidence. */
/* "ipv4", "ipv6", else "unknown". */
const char *netns_family_name(int family);
/* "tcp", "udp", else "unknown". */
const char *netns_proto_name(int proto);
/* "universe", "site", "link", "host", "nowhere", else "other". */
const char *netns_scope_name(int scope);
/* "up" when the link is administratively up (IFF_UP), else "down". */
const char *netns_link_state(const struct netns_link *l);

/* Check 1: POD differs from HOST and from each of OTHERS (N namespaces of other pods). */
void netns_check_distinct(const struct netns_id *pod, const struct netns_id *host, const struct netns_id *others,
			  size_t n, struct netns_findings *f);
/* Check 2: each of MEMBERS (N namespaces, named by NAMES or NULL) is POD. */
void netns_check_members(const struct netns_id *pod, const struct netns_id *members, const char *const *names, size_t n,
			 struct netns_findings *f);

/*
 * Check 3 for slirp4netns: lo plus tap0 with 10.0.2.100/24, a default route
 * via 10.0.2.2; with IPV6, at most one fd00::/64 address (SLAAC; its absence
 * is noted, it may lag the start), link-local addresses, a default route via
 * fe80::2; and no address equal to one of HOST (the host's non-loopback ones).
 */
void netns_check_slirp4netns(const struct netns_snapshot *s, const struct netns_addrs *host, int ipv6,
			     struct netns_findings *f);
/* Check 3 for pasta: lo plus exactly one interface (its addresses may mirror the host's by design). */
void netns_check_pasta(const struct netns_snapshot *s, struct netns_findings *f);

/* Check 4, first half: something listens on PROTO/PORT in the snapshot. */
void netns_check_listens(const struct netns_snapshot *s, int proto, uint16_t port, struct netns_findings *f);

/* Check 6: none of the N probes connected (refused, timeout, unreachable pass; open fails). */
void netns_check_unreachable(const struct netns_probe *p, size_t n, struct netns_findings *f);

#endif
