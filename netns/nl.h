/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/nl.h - private to netns/: libnl cleanup helpers and the dumpers
 * shared by the snapshot (inside a child) and the host reader (in place).
 */
#ifndef NETNS_NL_PRIVATE_H
#define NETNS_NL_PRIVATE_H

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include "base/error.h"
#include "netns/inspect.h"

static inline void netns_nl_sockp(struct nl_sock **p)
{
	if (*p)
		nl_socket_free(*p);
}
static inline void netns_nl_cachep(struct nl_cache **p)
{
	if (*p)
		nl_cache_free(*p);
}
#define cleanup_nl_sock __attribute__((cleanup(netns_nl_sockp)))
#define cleanup_nl_cache __attribute__((cleanup(netns_nl_cachep)))

/* Record tags of a snapshot. */
enum {
	NETNS_TAG_LINK = 1,
	NETNS_TAG_ADDR,
	NETNS_TAG_ROUTE,
	NETNS_TAG_LISTENER,
	NETNS_TAG_PROBE,
};

/* A sink for items as they are dumped: inside a child it sends records, in place it appends. */
struct netns_sink {
	int (*put)(struct netns_sink *s, uint32_t tag, const void *item, size_t len, struct iso_error **err);
};

/*
 * Put one item into SINK, counted in *COUNT against NETNS_MAX_ITEMS: over
 * it, ISO_E_ISOLATION "more than N WHAT" ("sockets"); else SINK's answer.
 */
int netns_sink_put_capped(struct netns_sink *sink, size_t *count, const char *what, uint32_t tag, const void *item,
			  size_t len, struct iso_error **err);

/* A connected NETLINK_ROUTE / NETLINK_SOCK_DIAG socket; ISO_E_ISOLATION on failure. */
struct nl_sock *netns_nl_open(int protocol, struct iso_error **err);
/* Dump links / addresses / main-table routes / listeners into SINK.  LINKS resolves names. */
int netns_dump_links(struct nl_cache *links, struct netns_sink *sink, struct iso_error **err);
int netns_dump_addrs(struct nl_sock *sk, struct nl_cache *links, struct netns_sink *sink, struct iso_error **err);
int netns_dump_routes(struct nl_sock *sk, struct nl_cache *links, struct netns_sink *sink, struct iso_error **err);
int netns_dump_tcp(struct netns_sink *sink, struct iso_error **err);
int netns_dump_udp(struct netns_sink *sink, struct iso_error **err);
/* Fill the link cache of SK; ISO_E_ISOLATION on failure. */
struct nl_cache *netns_link_cache(struct nl_sock *sk, struct iso_error **err);

/* "a.b.c.d" / "x::y" of a 4- or 16-byte address. */
void netns_addr_format(int family, const uint8_t *addr, char *buf, size_t len);

#endif
