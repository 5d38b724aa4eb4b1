/*
 * The pure part of `verify`: judging a namespace snapshot against what its
 * network mode promises.  No Podman, no namespaces entered here, so the unit
 * tests can hand it any snapshot.
 */
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "isopod/verify.h"
#include "netns/inspect.h"

const char *verify_result_name(enum verify_result r)
{
	switch (r) {
	case VERIFY_PASS:
		return "pass";
	case VERIFY_WARN:
		return "warn";
	case VERIFY_FAIL:
		return "fail";
	default:
		return "unverified";
	}
}

int verify_report_ok(const struct verify_report *rep)
{
	for (int i = 0; i < VERIFY_CHECKS; i++)
		if (rep->checks[i].result == VERIFY_FAIL || rep->checks[i].result == VERIFY_UNVERIFIED)
			return 0;
	return 1;
}

/* Append to the evidence, "; " between parts. */
static void say(struct verify_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct verify_check *c, const char *fmt, ...)
{
	size_t len = strlen(c->evidence);
	if (len + 3 >= sizeof(c->evidence))
		return;
	if (len) {
		strcpy(c->evidence + len, "; ");
		len += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->evidence + len, sizeof(c->evidence) - len, fmt, ap);
	va_end(ap);
}

/* Results only get worse: fail beats warn beats pass. */
static void worsen(struct verify_check *c, enum verify_result r)
{
	if (r == VERIFY_FAIL || (r == VERIFY_WARN && c->result == VERIFY_PASS) ||
	    (r == VERIFY_UNVERIFIED && c->result != VERIFY_FAIL))
		c->result = r;
}

static int in_prefix(const uint8_t *addr, const char *prefix_text, unsigned plen)
{
	uint8_t p[16];
	if (inet_pton(AF_INET6, prefix_text, p) != 1)
		return 0;
	for (unsigned bit = 0; bit < plen; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if ((addr[bit / 8] & m) != (p[bit / 8] & m))
			return 0;
	}
	return 1;
}

static int addr_is(const struct netns_addr *a, int family, const char *text)
{
	uint8_t b[16];
	return a->family == family && inet_pton(family, text, b) == 1 &&
	       memcmp(a->addr, b, family == AF_INET ? 4 : 16) == 0;
}

static void check_host_overlap(const struct netns_snapshot *s, const struct netns_addrs *host, struct verify_check *c)
{
	for (size_t i = 0; host && i < s->addrs.n; i++) {
		const struct netns_addr *a = &s->addrs.v[i];
		if (a->scope == RT_SCOPE_HOST || (a->family == AF_INET6 && a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80))
			continue; /* loopback and link-local addresses repeat on every link by design */
		if (netns_addrs_contain(host, a->family, a->addr)) {
			say(c, "address %s on '%s' is also one of the host's", a->text, a->ifname);
			worsen(c, VERIFY_FAIL);
		}
	}
}

void verify_check_slirp4netns(const struct netns_snapshot *s, const struct netns_addrs *host, struct verify_check *c)
{
	c->result = VERIFY_PASS;
	const struct netns_link *tap = NULL;
	for (size_t i = 0; i < s->links.n; i++) {
		const struct netns_link *l = &s->links.v[i];
		if (!strcmp(l->name, "lo"))
			continue;
		if (!strcmp(l->name, "tap0") && !tap) {
			tap = l;
			continue;
		}
		say(c, "unexpected interface '%s'%s%s", l->name, l->kind[0] ? " of kind " : "", l->kind);
		worsen(c, VERIFY_FAIL);
	}
	if (!tap) {
		say(c, "no tap0 interface (slirp4netns makes one)");
		worsen(c, VERIFY_FAIL);
	}
	int v4 = 0, v6_global = 0, v6_link = 0;
	for (size_t i = 0; i < s->addrs.n; i++) {
		const struct netns_addr *a = &s->addrs.v[i];
		if (!strcmp(a->ifname, "lo")) {
			if (addr_is(a, AF_INET, "127.0.0.1") || addr_is(a, AF_INET6, "::1"))
				continue;
			say(c, "unexpected address %s/%u on lo", a->text, a->prefixlen);
			worsen(c, VERIFY_FAIL);
		} else if (tap && a->ifindex == tap->index) {
			if (a->family == AF_INET && addr_is(a, AF_INET, "10.0.2.100") && a->prefixlen == 24) {
				v4 = 1;
			} else if (a->family == AF_INET6 && in_prefix(a->addr, "fe80::", 64)) {
				v6_link = 1;
			} else if (a->family == AF_INET6 && in_prefix(a->addr, "fd00::", 64) && a->prefixlen == 64) {
				v6_global++;
			} else {
				say(c, "unexpected address %s/%u on tap0", a->text, a->prefixlen);
				worsen(c, VERIFY_FAIL);
			}
		}
	}
	if (tap && !v4) {
		say(c, "tap0 lacks 10.0.2.100/24");
		worsen(c, VERIFY_FAIL);
	}
	if (v6_global > 1) {
		say(c, "%d fd00::/64 addresses on tap0 (one expected)", v6_global);
		worsen(c, VERIFY_FAIL);
	}
	int def4 = 0, def6 = 0;
	for (size_t i = 0; i < s->routes.n; i++) {
		const struct netns_route *r = &s->routes.v[i];
		if (r->dst_len != 0)
			continue;
		if (r->family == AF_INET) {
			if (r->has_gateway && !strcmp(r->gw_text, "10.0.2.2") && tap && r->oif == tap->index)
				def4 = 1;
			else {
				say(c, "unexpected default route via %s dev %s", r->gw_text[0] ? r->gw_text : "(none)",
				    r->dev);
				worsen(c, VERIFY_FAIL);
			}
		} else if (r->family == AF_INET6) {
			if (r->has_gateway && !strcmp(r->gw_text, "fe80::2"))
				def6 = 1;
			else {
				say(c, "unexpected IPv6 default route via %s dev %s",
				    r->gw_text[0] ? r->gw_text : "(none)", r->dev);
				worsen(c, VERIFY_FAIL);
			}
		}
	}
	if (!def4) {
		say(c, "no default route via 10.0.2.2");
		worsen(c, VERIFY_FAIL);
	}
	if (v6_link && (!v6_global || !def6)) {
		/* SLAAC can lag the start by a moment: not wrong, just not there yet. */
		say(c, "IPv6 %s not assigned yet", !v6_global ? "fd00::/64 address" : "default route via fe80::2");
		worsen(c, VERIFY_WARN);
	}
	check_host_overlap(s, host, c);
	if (c->result == VERIFY_PASS || c->result == VERIFY_WARN) {
		char ev[sizeof(c->evidence)];
		snprintf(ev, sizeof(ev), "%s", c->evidence);
		c->evidence[0] = '\0';
		say(c, "lo + tap0 10.0.2.100/24 via 10.0.2.2%s%s", v6_global ? ", fd00::/64" : "",
		    def6 ? " via fe80::2" : "");
		say(c, "no address shared with the host");
		if (ev[0])
			say(c, "%s", ev);
	}
}

void verify_check_pasta(const struct netns_snapshot *s, struct verify_check *c)
{
	c->result = VERIFY_PASS;
	int others = 0;
	const char *name = "";
	for (size_t i = 0; i < s->links.n; i++) {
		if (strcmp(s->links.v[i].name, "lo")) {
			others++;
			name = s->links.v[i].name;
		}
	}
	if (others != 1) {
		say(c, "%d interfaces besides lo (pasta makes exactly one)", others);
		worsen(c, VERIFY_FAIL);
		return;
	}
	say(c, "lo + '%s' (pasta mirrors the host's interface name and addresses by design)", name);
}
