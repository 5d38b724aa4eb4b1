/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/inspect.h - what a network namespace holds, read with libnl.
 *
 * Calling sequence
 *   struct netns_snapshot *s = NULL;
 *   if (netns_snapshot_take (pid, NETNS_SNAP_ALL, NULL, &s, err) < 0) ...
 *   for (size_t i = 0; i < s->links.n; i++) ... s->links.v[i].name
 *   netns_snapshot_free (s);
 *
 *   One snapshot is one forked child (see netns/netns.h): links, addresses,
 *   routes of the main table, listening TCP sockets (libnl-idiag) and
 *   unconnected UDP sockets (a SOCK_DIAG_BY_FAMILY dump).  The single-kind
 *   helpers (netns_links_list ...) take a snapshot of that kind alone.
 *   netns_host_addrs reads this process's own namespace, no child.
 *
 * Ownership
 *   Lists are plain arrays of fixed-size items, owned by the caller, freed
 *   with their _release (or with the snapshot); each list holds at most
 *   NETNS_MAX_ITEMS items (more is an error: a namespace that size is not a pod).
 *
 * Errors
 *   Those of netns_run (ISO_E_ISOLATION: the namespace cannot be inspected),
 *   and ISO_E_ISOLATION for a netlink failure inside, with nl_geterror's text.
 */
#ifndef NETNS_INSPECT_H
#define NETNS_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/error.h"
#include "netns/netns.h"

#define NETNS_MAX_ITEMS 4096
#define NETNS_NAME_MAX 16  /* IFNAMSIZ */
#define NETNS_ADDR_TEXT 46 /* INET6_ADDRSTRLEN */

struct netns_link {
	int index;
	char name[NETNS_NAME_MAX];
	char kind[NETNS_NAME_MAX]; /* "veth", "tun", ... or "" */
	unsigned flags;            /* IFF_UP, IFF_LOOPBACK, ... */
	unsigned mtu;
	unsigned mac_len;
	uint8_t mac[32];
	char mac_text[3 * 32]; /* "aa:bb:..", "" when none */
};

struct netns_addr {
	int family; /* AF_INET, AF_INET6 */
	int ifindex;
	char ifname[NETNS_NAME_MAX];
	uint8_t addr[16];
	unsigned prefixlen;
	int scope;      /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST */
	unsigned flags; /* IFA_F_TENTATIVE, IFA_F_PERMANENT, IFA_F_MANAGETEMPADDR ... */
	char text[NETNS_ADDR_TEXT];
};

struct netns_route {
	int family;
	uint8_t dst[16];
	unsigned dst_len; /* 0: the default route */
	int has_gateway;
	uint8_t gateway[16];
	int oif;
	char dev[NETNS_NAME_MAX];
	unsigned table;                     /* RT_TABLE_MAIN (254): only the main table is read */
	int type;                           /* RTN_UNICAST ... */
	int protocol;                       /* RTPROT_KERNEL, RTPROT_RA, ... */
	char dst_text[NETNS_ADDR_TEXT + 4]; /* "default" or "10.0.2.0/24" */
	char gw_text[NETNS_ADDR_TEXT];      /* "" without a gateway */
};

struct netns_listener {
	int proto;  /* IPPROTO_TCP (listening) or IPPROTO_UDP (unconnected) */
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint16_t port; /* host byte order */
	int ifindex;   /* bound device, 0 for any */
	uint32_t uid;
	uint32_t inode;
	char text[NETNS_ADDR_TEXT];
};

struct netns_links {
	size_t n;
	struct netns_link *v;
};
struct netns_addrs {
	size_t n;
	struct netns_addr *v;
};
struct netns_routes {
	size_t n;
	struct netns_route *v;
};
struct netns_listeners {
	size_t n;
	struct netns_listener *v;
};

enum netns_snap_what {
	NETNS_SNAP_LINKS = 1 << 0,
	NETNS_SNAP_ADDRS = 1 << 1,
	NETNS_SNAP_ROUTES = 1 << 2,
	NETNS_SNAP_TCP = 1 << 3,
	NETNS_SNAP_UDP = 1 << 4,
	NETNS_SNAP_ALL = 0x1f,
};

struct netns_snapshot {
	pid_t pid;
	struct netns_id id; /* the namespace that was inspected */
	struct netns_links links;
	struct netns_addrs addrs;
	struct netns_routes routes;
	struct netns_listeners listeners; /* TCP and UDP */
};

/* Inspect the network namespace of PID (WHAT: netns_snap_what bits); *OUT owned by the caller. */
int netns_snapshot_take(pid_t pid, unsigned what, const struct netns_run_opts *opts, struct netns_snapshot **out,
			struct iso_error **err);
void netns_snapshot_free(struct netns_snapshot *s);

/* The links of PID's network namespace. */
int netns_links_list(pid_t pid, struct netns_links *out, struct iso_error **err);
/* The addresses of PID's network namespace (tentative ones included, see flags). */
int netns_addrs_list(pid_t pid, struct netns_addrs *out, struct iso_error **err);
/* The routes of the main table of PID's network namespace. */
int netns_routes_list(pid_t pid, struct netns_routes *out, struct iso_error **err);
/* Listening sockets of PROTO (IPPROTO_TCP, IPPROTO_UDP, or 0 for both) in PID's namespace. */
int netns_listeners(pid_t pid, int proto, struct netns_listeners *out, struct iso_error **err);
/* This process's own non-loopback addresses (the host's, when called from the host namespace). */
int netns_host_addrs(struct netns_addrs *out, struct iso_error **err);

void netns_links_release(struct netns_links *l);
void netns_addrs_release(struct netns_addrs *l);
void netns_routes_release(struct netns_routes *l);
void netns_listeners_release(struct netns_listeners *l);

/* Lookups on a snapshot's lists (NULL when absent). */
const struct netns_link *netns_link_by_name(const struct netns_links *l, const char *name);
const struct netns_link *netns_link_by_index(const struct netns_links *l, int index);
/* A listener of PROTO on PORT (any address), or NULL. */
const struct netns_listener *netns_listener_find(const struct netns_listeners *l, int proto, uint16_t port);
/* Whether ADDR (FAMILY, 4 or 16 bytes) is one of L's addresses. */
int netns_addrs_contain(const struct netns_addrs *l, int family, const uint8_t *addr);

#endif
