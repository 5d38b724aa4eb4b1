/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/dump.c - links, addresses and routes through libnl-route caches.
 *
 * The dumpers write fixed-size items into a sink so the same code serves a
 * child inside a pod's namespace (records over the pipe) and the host's own
 * addresses (appended in place).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "base/util.h"
#include "nl.h"

struct nl_sock *netns_nl_open(int protocol, struct iso_error **err)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk) {
		iso_error_set(err, ISO_E_INTERNAL, ENOMEM, "cannot allocate a netlink socket");
		return NULL;
	}
	int rc = nl_connect(sk, protocol);
	if (rc < 0) {
		nl_socket_free(sk);
		iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot open a netlink socket (protocol %d): %s", protocol,
			      nl_geterror(rc));
		return NULL;
	}
	return sk;
}

struct nl_cache *netns_link_cache(struct nl_sock *sk, struct iso_error **err)
{
	struct nl_cache *c = NULL;
	int rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &c);
	if (rc < 0) {
		iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot dump the links: %s", nl_geterror(rc));
		return NULL;
	}
	return c;
}

void netns_addr_format(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* Copy a libnl address into 16 bytes; returns its length (0 when none or too long). */
static unsigned addr_bytes(struct nl_addr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!a)
		return 0;
	unsigned n = nl_addr_get_len(a);
	if (n > 16)
		return 0;
	memcpy(out, nl_addr_get_binary_addr(a), n);
	return n;
}

struct walk {
	struct netns_sink *sink;
	struct nl_cache *links;
	struct iso_error **err;
	size_t count;
	int failed;
};

int netns_sink_put_capped(struct netns_sink *sink, size_t *count, const char *what, uint32_t tag, const void *item,
			  size_t len, struct iso_error **err)
{
	if (++*count > NETNS_MAX_ITEMS)
		return iso_error_set(err, ISO_E_ISOLATION, E2BIG, "more than %d %s; inspect the namespace by hand",
				     NETNS_MAX_ITEMS, what);
	return sink->put(sink, tag, item, len, err);
}

static void walk_put(struct walk *w, uint32_t tag, const void *item, size_t len)
{
	if (!w->failed && netns_sink_put_capped(w->sink, &w->count, "items", tag, item, len, w->err) < 0)
		w->failed = 1;
}

/* ONE on every object of cache C, into SINK. */
static int walk_cache(struct nl_cache *c, void (*one)(struct nl_object *, void *), struct nl_cache *links,
		      struct netns_sink *sink, struct iso_error **err)
{
	struct walk w = {.sink = sink, .links = links, .err = err};
	nl_cache_foreach(c, one, &w);
	return w.failed ? -1 : 0;
}

static void ifname_of(struct nl_cache *links, int index, char *buf)
{
	buf[0] = '\0';
	if (links && index > 0 && !rtnl_link_i2name(links, index, buf, NETNS_NAME_MAX))
		buf[0] = '\0';
}

static void one_link(struct nl_object *obj, void *arg)
{
	struct walk *w = arg;
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct netns_link it = {0};
	const char *s;

	it.index = rtnl_link_get_ifindex(l);
	if ((s = rtnl_link_get_name(l)))
		snprintf(it.name, sizeof it.name, "%s", s);
	if ((s = rtnl_link_get_type(l)))
		snprintf(it.kind, sizeof it.kind, "%s", s);
	it.flags = rtnl_link_get_flags(l);
	it.mtu = rtnl_link_get_mtu(l);
	struct nl_addr *mac = rtnl_link_get_addr(l);
	if (mac && nl_addr_get_len(mac) <= sizeof it.mac) {
		it.mac_len = nl_addr_get_len(mac);
		memcpy(it.mac, nl_addr_get_binary_addr(mac), it.mac_len);
		char *p = it.mac_text;
		for (unsigned i = 0; i < it.mac_len; i++)
			p += sprintf(p, i ? ":%02x" : "%02x", it.mac[i]);
	}
	walk_put(w, NETNS_TAG_LINK, &it, sizeof it);
}

int netns_dump_links(struct nl_cache *links, struct netns_sink *sink, struct iso_error **err)
{
	return walk_cache(links, one_link, links, sink, err);
}

static void one_addr(struct nl_object *obj, void *arg)
{
	struct walk *w = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct netns_addr it = {0};

	it.family = rtnl_addr_get_family(a);
	if (it.family != AF_INET && it.family != AF_INET6)
		return;
	it.ifindex = rtnl_addr_get_ifindex(a);
	ifname_of(w->links, it.ifindex, it.ifname);
	if (!addr_bytes(rtnl_addr_get_local(a), it.addr))
		return;
	it.prefixlen = (unsigned)rtnl_addr_get_prefixlen(a);
	it.scope = rtnl_addr_get_scope(a);
	it.flags = rtnl_addr_get_flags(a);
	netns_addr_format(it.family, it.addr, it.text, sizeof it.text);
	walk_put(w, NETNS_TAG_ADDR, &it, sizeof it);
}

int netns_dump_addrs(struct nl_sock *sk, struct nl_cache *links, struct netns_sink *sink, struct iso_error **err)
{
	cleanup_nl_cache struct nl_cache *c = NULL;
	int rc = rtnl_addr_alloc_cache(sk, &c);
	if (rc < 0)
		return iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot dump the addresses: %s", nl_geterror(rc));
	return walk_cache(c, one_addr, links, sink, err);
}

static void one_route(struct nl_object *obj, void *arg)
{
	struct walk *w = arg;
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct netns_route it = {0};

	it.table = rtnl_route_get_table(r);
	it.family = rtnl_route_get_family(r);
	if (it.table != RT_TABLE_MAIN || (it.family != AF_INET && it.family != AF_INET6))
		return;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	addr_bytes(dst, it.dst);
	it.dst_len = dst ? nl_addr_get_prefixlen(dst) : 0;
	it.type = rtnl_route_get_type(r);
	it.protocol = rtnl_route_get_protocol(r);
	if (rtnl_route_get_nnexthops(r) > 0) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, 0);
		it.oif = rtnl_route_nh_get_ifindex(nh);
		it.has_gateway = addr_bytes(rtnl_route_nh_get_gateway(nh), it.gateway) > 0;
	}
	ifname_of(w->links, it.oif, it.dev);
	if (it.dst_len == 0) {
		snprintf(it.dst_text, sizeof it.dst_text, "default");
	} else {
		char a[NETNS_ADDR_TEXT];
		netns_addr_format(it.family, it.dst, a, sizeof a);
		snprintf(it.dst_text, sizeof it.dst_text, "%s/%u", a, it.dst_len);
	}
	if (it.has_gateway)
		netns_addr_format(it.family, it.gateway, it.gw_text, sizeof it.gw_text);
	walk_put(w, NETNS_TAG_ROUTE, &it, sizeof it);
}

int netns_dump_routes(struct nl_sock *sk, struct nl_cache *links, struct netns_sink *sink, struct iso_error **err)
{
	cleanup_nl_cache struct nl_cache *c = NULL;
	int rc = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &c);
	if (rc < 0)
		return iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot dump the routes: %s", nl_geterror(rc));
	return walk_cache(c, one_route, links, sink, err);
}
