/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/snapshot.c - one child per inspection: everything a check needs is
 * read in one fork, so verifying a work order stays within its budget.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "nl.h"

struct chan_sink {
	struct netns_sink base;
	struct netns_chan *ch;
};

static int chan_put(struct netns_sink *s, uint32_t tag, const void *item, size_t len, struct iso_error **err)
{
	return netns_chan_put(((struct chan_sink *)s)->ch, tag, item, len, err);
}

static int snapshot_fn(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	unsigned what = *(unsigned *)arg;
	struct chan_sink sink = {.base.put = chan_put, .ch = ch};

	if (what & (NETNS_SNAP_LINKS | NETNS_SNAP_ADDRS | NETNS_SNAP_ROUTES)) {
		netns_chan_step(ch, "opening a netlink socket");
		cleanup_nl_sock struct nl_sock *sk = netns_nl_open(NETLINK_ROUTE, err);
		if (!sk)
			return -1;
		netns_chan_step(ch, "dumping links");
		cleanup_nl_cache struct nl_cache *links = netns_link_cache(sk, err);
		if (!links)
			return -1;
		if ((what & NETNS_SNAP_LINKS) && netns_dump_links(links, &sink.base, err) < 0)
			return -1;
		netns_chan_step(ch, "dumping addresses");
		if ((what & NETNS_SNAP_ADDRS) && netns_dump_addrs(sk, links, &sink.base, err) < 0)
			return -1;
		netns_chan_step(ch, "dumping routes");
		if ((what & NETNS_SNAP_ROUTES) && netns_dump_routes(sk, links, &sink.base, err) < 0)
			return -1;
	}
	if (what & NETNS_SNAP_TCP) {
		netns_chan_step(ch, "dumping listening tcp sockets");
		if (netns_dump_tcp(&sink.base, err) < 0)
			return -1;
	}
	if (what & NETNS_SNAP_UDP) {
		netns_chan_step(ch, "dumping udp sockets");
		if (netns_dump_udp(&sink.base, err) < 0)
			return -1;
	}
	return 0;
}

/* Append one fixed-size item to a list of N items at *V (growing by doubling). */
static int list_add(void **v, size_t *n, const void *item, size_t size, size_t len)
{
	if (len != size || *n >= NETNS_MAX_ITEMS)
		return -1;
	if ((*n & (*n - 1)) == 0) /* full at 0, 1, 2, 4, 8 ...: double */
		*v = xrealloc(*v, (*n ? *n * 2 : 1) * size);
	memcpy((char *)*v + *n * size, item, size);
	(*n)++;
	return 0;
}

#define LIST_ADD(list, rec) list_add((void **)&(list).v, &(list).n, (rec).data, sizeof *(list).v, (rec).len)

int netns_snapshot_take(pid_t pid, unsigned what, const struct netns_run_opts *opts, struct netns_snapshot **out,
			struct iso_error **err)
{
	struct netns_result res = {0};
	struct netns_snapshot *s = xzalloc(sizeof *s);

	s->pid = pid;
	if (netns_id_of(pid, &s->id, err) < 0 || netns_run(pid, snapshot_fn, &what, opts, &res, err) < 0) {
		netns_snapshot_free(s);
		return -1;
	}
	int bad = 0;
	for (struct netns_rec r = {0}; !bad && netns_result_next(&res, &r);) {
		switch (r.tag) {
		case NETNS_TAG_LINK:
			bad = LIST_ADD(s->links, r);
			break;
		case NETNS_TAG_ADDR:
			bad = LIST_ADD(s->addrs, r);
			break;
		case NETNS_TAG_ROUTE:
			bad = LIST_ADD(s->routes, r);
			break;
		case NETNS_TAG_LISTENER:
			bad = LIST_ADD(s->listeners, r);
			break;
		default:
			bad = -1;
		}
	}
	netns_result_release(&res);
	if (bad) {
		netns_snapshot_free(s);
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO,
				     "the inspection of process %d sent an unexpected record; this is a bug", (int)pid);
	}
	*out = s;
	return 0;
}

/* The four lists share one shape, { T *v; size_t n; }, and one release. */
#define LIST_RELEASE_FN(name, type)                                                                                    \
	void name(type *l)                                                                                             \
	{                                                                                                              \
		free(l->v);                                                                                            \
		l->v = NULL;                                                                                           \
		l->n = 0;                                                                                              \
	}
LIST_RELEASE_FN(netns_links_release, struct netns_links)
LIST_RELEASE_FN(netns_addrs_release, struct netns_addrs)
LIST_RELEASE_FN(netns_routes_release, struct netns_routes)
LIST_RELEASE_FN(netns_listeners_release, struct netns_listeners)

void netns_snapshot_free(struct netns_snapshot *s)
{
	if (!s)
		return;
	netns_links_release(&s->links);
	netns_addrs_release(&s->addrs);
	netns_routes_release(&s->routes);
	netns_listeners_release(&s->listeners);
	free(s);
}

/* Take a snapshot of one kind and move its list out: the list types are all {n, v}. */
#define TAKE_ONE(pid, what, field, out, err)                                                                           \
	do {                                                                                                           \
		struct netns_snapshot *s_ = NULL;                                                                      \
		if (netns_snapshot_take(pid, what, NULL, &s_, err) < 0)                                                \
			return -1;                                                                                     \
		*(out) = s_->field;                                                                                    \
		s_->field.v = NULL;                                                                                    \
		s_->field.n = 0;                                                                                       \
		netns_snapshot_free(s_);                                                                               \
		return 0;                                                                                              \
	} while (0)

int netns_links_list(pid_t pid, struct netns_links *out, struct iso_error **err)
{
	TAKE_ONE(pid, NETNS_SNAP_LINKS, links, out, err);
}

int netns_addrs_list(pid_t pid, struct netns_addrs *out, struct iso_error **err)
{
	TAKE_ONE(pid, NETNS_SNAP_ADDRS, addrs, out, err);
}

int netns_routes_list(pid_t pid, struct netns_routes *out, struct iso_error **err)
{
	TAKE_ONE(pid, NETNS_SNAP_ROUTES, routes, out, err);
}

int netns_listeners(pid_t pid, int proto, struct netns_listeners *out, struct iso_error **err)
{
	unsigned what = proto == IPPROTO_TCP   ? NETNS_SNAP_TCP
			: proto == IPPROTO_UDP ? NETNS_SNAP_UDP
					       : NETNS_SNAP_TCP | NETNS_SNAP_UDP;
	TAKE_ONE(pid, what, listeners, out, err);
}

/* The host's addresses are read in place: no namespace to join, no child. */
struct list_sink {
	struct netns_sink base;
	struct netns_addrs *addrs;
	struct netns_links *links;
};

static int list_put(struct netns_sink *s, uint32_t tag, const void *item, size_t len, struct iso_error **err)
{
	struct list_sink *ls = (struct list_sink *)s;
	int rc = tag == NETNS_TAG_LINK
			 ? list_add((void **)&ls->links->v, &ls->links->n, item, sizeof *ls->links->v, len)
			 : list_add((void **)&ls->addrs->v, &ls->addrs->n, item, sizeof *ls->addrs->v, len);
	if (rc < 0)
		return iso_error_set(err, ISO_E_INTERNAL, E2BIG, "too many host addresses");
	return 0;
}

static int is_loopback_addr(const struct netns_addr *a)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	if (a->scope == RT_SCOPE_HOST)
		return 1;
	if (a->family == AF_INET)
		return a->addr[0] == 127;
	return !memcmp(a->addr, v6lo, 16);
}

int netns_host_addrs(struct netns_addrs *out, struct iso_error **err)
{
	struct netns_addrs all = {0};
	struct netns_links links = {0};
	struct list_sink sink = {.base.put = list_put, .addrs = &all, .links = &links};
	cleanup_nl_sock struct nl_sock *sk = netns_nl_open(NETLINK_ROUTE, err);
	if (!sk)
		return -1;
	cleanup_nl_cache struct nl_cache *lc = netns_link_cache(sk, err);
	if (!lc || netns_dump_links(lc, &sink.base, err) < 0 || netns_dump_addrs(sk, lc, &sink.base, err) < 0) {
		netns_addrs_release(&all);
		netns_links_release(&links);
		return iso_error_wrap(err, "reading the host's own addresses");
	}
	struct netns_addrs keep = {0};
	for (size_t i = 0; i < all.n; i++) {
		const struct netns_link *l = netns_link_by_index(&links, all.v[i].ifindex);
		if (is_loopback_addr(&all.v[i]) || (l && (l->flags & IFF_LOOPBACK)))
			continue;
		list_add((void **)&keep.v, &keep.n, &all.v[i], sizeof all.v[i], sizeof all.v[i]);
	}
	netns_addrs_release(&all);
	netns_links_release(&links);
	*out = keep;
	return 0;
}

const struct netns_link *netns_link_by_name(const struct netns_links *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

const struct netns_link *netns_link_by_index(const struct netns_links *l, int index)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].index == index)
			return &l->v[i];
	return NULL;
}

const struct netns_listener *netns_listener_find(const struct netns_listeners *l, int proto, uint16_t port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].proto == proto && l->v[i].port == port)
			return &l->v[i];
	return NULL;
}

int netns_addrs_contain(const struct netns_addrs *l, int family, const uint8_t *addr)
{
	size_t n = family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == family && !memcmp(l->v[i].addr, addr, n))
			return 1;
	return 0;
}
