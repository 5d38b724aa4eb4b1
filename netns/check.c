/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/check.c - expectations per network mode, as pure functions over
 * snapshots, so every way a check can fail is testable without a pod.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netns/check.h"

void netns_findings_init(struct netns_findings *f)
{
	memset(f, 0, sizeof *f);
	f->worst = NETNS_PASS;
}

void netns_findings_add(struct netns_findings *f, enum netns_verdict verdict, const char *fmt, ...)
{
	if (verdict > f->worst)
		f->worst = verdict;
	if (f->n >= NETNS_FINDINGS_MAX)
		return;
	struct netns_finding *it = &f->v[f->n++];
	va_list ap;
	it->verdict = verdict;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof it->text, fmt, ap);
	va_end(ap);
}

const char *netns_verdict_name(enum netns_verdict v)
{
	static const char *const names[] = {"pass", "warn", "unverified", "fail"};
	return v <= NETNS_FAIL ? names[v] : "fail";
}

const char *netns_family_name(int family)
{
	return family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" : "unknown";
}

const char *netns_proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "unknown";
}

const char *netns_scope_name(int scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE:
		return "universe";
	case RT_SCOPE_SITE:
		return "site";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	case RT_SCOPE_NOWHERE:
		return "nowhere";
	default:
		return "other";
	}
}

const char *netns_link_state(const struct netns_link *l)
{
	return l->flags & IFF_UP ? "up" : "down";
}

void netns_check_distinct(const struct netns_id *pod, const struct netns_id *host, const struct netns_id *others,
			  size_t n, struct netns_findings *f)
{
	if (netns_id_equal(pod, host))
		netns_findings_add(f, NETNS_FAIL, "the pod shares the host's network namespace (inode %llu)",
				   (unsigned long long)pod->ino);
	for (size_t i = 0; i < n; i++)
		if (netns_id_equal(pod, &others[i]))
			netns_findings_add(f, NETNS_FAIL,
					   "the pod shares its network namespace (inode %llu) with "
					   "another pod",
					   (unsigned long long)pod->ino);
	if (f->worst < NETNS_FAIL)
		netns_findings_add(f, NETNS_PASS,
				   "network namespace inode %llu, its own (compared with the host "
				   "and %zu other pods)",
				   (unsigned long long)pod->ino, n);
}

void netns_check_members(const struct netns_id *pod, const struct netns_id *members, const char *const *names, size_t n,
			 struct netns_findings *f)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (netns_id_equal(pod, &members[i]))
			continue;
		bad++;
		netns_findings_add(f, NETNS_FAIL, "'%s' is in network namespace inode %llu, not the pod's %llu",
				   names && names[i] ? names[i] : "a member", (unsigned long long)members[i].ino,
				   (unsigned long long)pod->ino);
	}
	if (!bad)
		netns_findings_add(f, NETNS_PASS, "all %zu members are in network namespace inode %llu", n,
				   (unsigned long long)pod->ino);
}

static int in_prefix(const uint8_t *addr, const uint8_t *net, unsigned bits)
{
	for (unsigned i = 0; i < bits / 8; i++)
		if (addr[i] != net[i])
			return 0;
	unsigned rest = bits % 8;
	return !rest || ((addr[bits / 8] ^ net[bits / 8]) & (0xff << (8 - rest))) == 0;
}

static const uint8_t V4_POD[4] = {10, 0, 2, 100};
static const uint8_t V4_GW[4] = {10, 0, 2, 2};
static const uint8_t V4_LO[4] = {127, 0, 0, 1};
static const uint8_t V6_LO[16] = {[15] = 1};
static const uint8_t V6_ULA[16] = {0xfd, 0x00};
static const uint8_t V6_LL[16] = {0xfe, 0x80};
static const uint8_t V6_GW[16] = {0xfe, 0x80, [15] = 2};

static void check_links(const struct netns_snapshot *s, const char *want, struct netns_findings *f)
{
	for (size_t i = 0; i < s->links.n; i++) {
		const struct netns_link *l = &s->links.v[i];
		if (!strcmp(l->name, "lo") && (l->flags & IFF_LOOPBACK))
			continue;
		if (want && !strcmp(l->name, want))
			continue;
		netns_findings_add(f, NETNS_FAIL, "unexpected interface '%s'%s%s%s (index %d)", l->name,
				   l->kind[0] ? " (" : "", l->kind, l->kind[0] ? ")" : "", l->index);
	}
	if (!netns_link_by_name(&s->links, "lo"))
		netns_findings_add(f, NETNS_FAIL, "no loopback interface 'lo'");
}

static void check_slirp_addrs(const struct netns_snapshot *s, int tap, int ipv6, struct netns_findings *f)
{
	int have4 = 0, ula = 0;
	for (size_t i = 0; i < s->addrs.n; i++) {
		const struct netns_addr *a = &s->addrs.v[i];
		const struct netns_link *l = netns_link_by_index(&s->links, a->ifindex);
		int on_lo = l && (l->flags & IFF_LOOPBACK);
		int ok = 0;
		if (a->family == AF_INET && on_lo)
			ok = !memcmp(a->addr, V4_LO, 4) && a->prefixlen == 8;
		else if (a->family == AF_INET6 && on_lo)
			ok = !memcmp(a->addr, V6_LO, 16) && a->prefixlen == 128;
		else if (a->ifindex == tap && a->family == AF_INET)
			have4 += ok = !memcmp(a->addr, V4_POD, 4) && a->prefixlen == 24;
		else if (a->ifindex == tap && a->family == AF_INET6 && in_prefix(a->addr, V6_LL, 64))
			ok = ipv6;
		else if (a->ifindex == tap && a->family == AF_INET6 && in_prefix(a->addr, V6_ULA, 64))
			ok = ipv6 && ++ula == 1 && a->prefixlen == 64;
		if (!ok)
			netns_findings_add(f, NETNS_FAIL, "unexpected address %s/%u on '%s'", a->text, a->prefixlen,
					   a->ifname);
	}
	if (tap > 0 && !have4)
		netns_findings_add(f, NETNS_FAIL, "'tap0' lacks 10.0.2.100/24");
	if (tap > 0 && ipv6 && !ula)
		netns_findings_add(f, NETNS_PASS, "'tap0' has no fd00::/64 address yet (SLAAC can lag the start)");
}

static void check_slirp_routes(const struct netns_snapshot *s, int tap, int ipv6, struct netns_findings *f)
{
	static const uint8_t net4[4] = {10, 0, 2, 0};
	int def4 = 0, def6 = 0;
	for (size_t i = 0; i < s->routes.n; i++) {
		const struct netns_route *r = &s->routes.v[i];
		int ok = 0;
		if (r->family == AF_INET && r->dst_len == 0)
			def4 += ok = r->has_gateway && !memcmp(r->gateway, V4_GW, 4) && r->oif == tap;
		else if (r->family == AF_INET)
			ok = r->dst_len == 24 && !memcmp(r->dst, net4, 4) && !r->has_gateway && r->oif == tap;
		else if (r->dst_len == 0)
			def6 += ok = ipv6 && r->has_gateway && !memcmp(r->gateway, V6_GW, 16) && r->oif == tap;
		else
			ok = ipv6 && r->oif == tap && r->dst_len == 64 && !r->has_gateway &&
			     (in_prefix(r->dst, V6_LL, 64) || in_prefix(r->dst, V6_ULA, 64));
		if (!ok)
			netns_findings_add(f, NETNS_FAIL, "unexpected route %s%s%s dev '%s'", r->dst_text,
					   r->has_gateway ? " via " : "", r->gw_text, r->dev);
	}
	if (!def4)
		netns_findings_add(f, NETNS_FAIL, "no default route via 10.0.2.2 on 'tap0'");
	if (ipv6 && !def6)
		netns_findings_add(f, NETNS_PASS,
				   "no IPv6 default route via fe80::2 yet (router advertisements "
				   "can lag the start)");
}

void netns_check_slirp4netns(const struct netns_snapshot *s, const struct netns_addrs *host, int ipv6,
			     struct netns_findings *f)
{
	enum netns_verdict before = f->worst;
	const struct netns_link *tap = netns_link_by_name(&s->links, "tap0");
	check_links(s, "tap0", f);
	if (!tap)
		netns_findings_add(f, NETNS_FAIL, "no interface 'tap0': not the slirp4netns layout");
	else if (tap->mtu != 65520)
		netns_findings_add(f, NETNS_WARN, "'tap0' has MTU %u where slirp4netns sets 65520", tap->mtu);
	check_slirp_addrs(s, tap ? tap->index : -1, ipv6, f);
	check_slirp_routes(s, tap ? tap->index : -1, ipv6, f);
	for (size_t i = 0; host && i < s->addrs.n; i++)
		if (netns_addrs_contain(host, s->addrs.v[i].family, s->addrs.v[i].addr))
			netns_findings_add(f, NETNS_FAIL, "the pod's address %s on '%s' is also the host's",
					   s->addrs.v[i].text, s->addrs.v[i].ifname);
	if (f->worst <= before && f->worst < NETNS_WARN)
		netns_findings_add(f, NETNS_PASS, "lo and tap0 (10.0.2.100/24 via 10.0.2.2)%s, no host address",
				   ipv6 ? " with IPv6" : "");
}

void netns_check_pasta(const struct netns_snapshot *s, struct netns_findings *f)
{
	const struct netns_link *uplink = NULL;
	size_t others = 0;
	for (size_t i = 0; i < s->links.n; i++) {
		if (s->links.v[i].flags & IFF_LOOPBACK)
			continue;
		if (!uplink)
			uplink = &s->links.v[i];
		others++;
	}
	if (!uplink)
		netns_findings_add(f, NETNS_FAIL, "no interface besides 'lo': not the pasta layout");
	else if (others > 1)
		check_links(s, uplink->name, f);
	else
		netns_findings_add(f, NETNS_PASS,
				   "lo and '%s' (pasta mirrors the host's name and addresses by "
				   "design)",
				   uplink->name);
}

void netns_check_listens(const struct netns_snapshot *s, int proto, uint16_t port, struct netns_findings *f)
{
	const struct netns_listener *l = netns_listener_find(&s->listeners, proto, port);
	if (l)
		netns_findings_add(f, NETNS_PASS, "%s port %u listens on %s inside the pod",
				   proto == IPPROTO_UDP ? "udp" : "tcp", port, l->text);
	else
		netns_findings_add(f, NETNS_FAIL, "nothing listens on %s port %u inside the pod",
				   proto == IPPROTO_UDP ? "udp" : "tcp", port);
}

void netns_check_unreachable(const struct netns_probe *p, size_t n, struct netns_findings *f)
{
	size_t open = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i].result != NETNS_CONN_OPEN)
			continue;
		open++;
		netns_findings_add(f, NETNS_FAIL, "%s can be connected to from inside the pod", p[i].text);
	}
	if (!open)
		netns_findings_add(f, NETNS_PASS, "none of %zu probes connected", n);
}
