/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/verify/report.c - a verify report as JSON members: each check's
 * verdict, its evidence in words, and beside them in "seen" the data the
 * words are about, so a program need not parse the words.  The shape is
 * docs/schema/verify.json; change both together.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "verify/checks.h"

static void kv_addr(iso_jgen *g, const char *key, int family, const uint8_t *addr)
{
	char text[INET6_ADDRSTRLEN] = "";
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, text, sizeof text))
		text[0] = '\0';
	iso_jgen_kv_string(g, key, text);
}

/* A namespace's identity, null when ID is NULL (not known). */
static void ns_json(iso_jgen *g, const char *key, const struct netns_id *id)
{
	if (key)
		iso_jgen_key(g, key);
	if (!id) {
		iso_jgen_null(g);
		return;
	}
	iso_jgen_map_open(g);
	iso_jgen_kv_int(g, "device", (long long)id->dev);
	iso_jgen_kv_int(g, "inode", (long long)id->ino);
	iso_jgen_map_close(g);
}

static void addr_json(iso_jgen *g, const struct netns_addr *a)
{
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "family", netns_family_name(a->family));
	iso_jgen_kv_string(g, "address", a->text);
	iso_jgen_kv_int(g, "prefix_len", a->prefixlen);
	iso_jgen_kv_string(g, "scope", netns_scope_name(a->scope));
	iso_jgen_map_close(g);
}

/* Checks 1 and 2: the pod's namespace, the host's and the other pods', or each member's. */
static void seen_namespaces(const struct verify_seen *s, int members, iso_jgen *g)
{
	iso_jgen_key(g, "namespaces");
	iso_jgen_map_open(g);
	ns_json(g, "pod", s->have_pod_ns ? &s->pod_ns : NULL);
	if (!members) {
		ns_json(g, "host", s->host_ns.ino ? &s->host_ns : NULL);
		iso_jgen_key(g, "other_pods");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_others; i++)
			ns_json(g, NULL, &s->others[i]);
		iso_jgen_array_close(g);
	} else {
		iso_jgen_key(g, "members");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_members; i++) {
			const struct verify_member *m = &s->members[i];
			iso_jgen_map_open(g);
			iso_jgen_kv_string(g, "name", m->name);
			iso_jgen_kv_int(g, "device", (long long)m->id.dev);
			iso_jgen_kv_int(g, "inode", (long long)m->id.ino);
			iso_jgen_kv_bool(g, "same", s->have_pod_ns && netns_id_equal(&m->id, &s->pod_ns));
			iso_jgen_map_close(g);
		}
		iso_jgen_array_close(g);
	}
	iso_jgen_map_close(g);
}

static void link_json(const struct verify_seen *s, const struct netns_link *l, iso_jgen *g)
{
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "name", l->name);
	iso_jgen_kv_int(g, "index", l->index);
	iso_jgen_kv_string(g, "kind", l->kind);
	iso_jgen_kv_string(g, "state", netns_link_state(l));
	iso_jgen_kv_int(g, "mtu", l->mtu);
	iso_jgen_kv_string(g, "mac", l->mac_text);
	iso_jgen_key(g, "addresses");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex == l->index)
			addr_json(g, &s->addrs[i]);
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
}

static void route_json(const struct netns_route *r, iso_jgen *g)
{
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "family", netns_family_name(r->family));
	kv_addr(g, "destination", r->family, r->dst);
	iso_jgen_kv_int(g, "prefix_len", r->dst_len);
	if (r->has_gateway)
		kv_addr(g, "gateway", r->family, r->gateway);
	else {
		iso_jgen_key(g, "gateway");
		iso_jgen_null(g);
	}
	iso_jgen_kv_string(g, "interface", r->dev);
	iso_jgen_map_close(g);
}

/* Check 3: the interfaces with their addresses, the routes, the host's addresses compared. */
static void seen_layout(const struct verify_seen *s, iso_jgen *g)
{
	iso_jgen_kv_bool(g, "inspected", s->inspected);
	iso_jgen_key(g, "interfaces");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_links; i++)
		link_json(s, &s->links[i], g);
	iso_jgen_array_close(g);
	iso_jgen_key(g, "routes");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_routes; i++)
		route_json(&s->routes[i], g);
	iso_jgen_array_close(g);
	iso_jgen_key(g, "host_addresses");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_host_addrs; i++)
		addr_json(g, &s->host_addrs[i]);
	iso_jgen_array_close(g);
}

static void published_json(const struct verify_seen *s, int pg_only, iso_jgen *g)
{
	iso_jgen_key(g, "published");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_published; i++) {
		const struct verify_port *p = &s->published[i];
		if (pg_only && (p->proto != IPPROTO_TCP || p->container_port != s->pg_port))
			continue;
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "protocol", netns_proto_name(p->proto));
		iso_jgen_kv_string(g, "host_ip", p->host_ip);
		iso_jgen_kv_int(g, "host_port", p->host_port);
		iso_jgen_kv_int(g, "container_port", p->container_port);
		iso_jgen_map_close(g);
	}
	iso_jgen_array_close(g);
}

/* Check 4: every listening socket inside the pod, and the bindings of Postgres's port. */
static void seen_listeners(const struct verify_seen *s, iso_jgen *g)
{
	iso_jgen_kv_bool(g, "inspected", s->inspected);
	iso_jgen_kv_int(g, "postgres_port", s->pg_port);
	iso_jgen_key(g, "listeners");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_listeners; i++) {
		const struct netns_listener *l = &s->listeners[i];
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "protocol", netns_proto_name(l->proto));
		iso_jgen_kv_string(g, "family", netns_family_name(l->family));
		iso_jgen_kv_string(g, "address", l->text);
		iso_jgen_kv_int(g, "port", l->port);
		iso_jgen_map_close(g);
	}
	iso_jgen_array_close(g);
	published_json(s, 1, g);
}

/* Check 6: each connect probe from inside the pod and what came of it. */
static void seen_probes(const struct verify_seen *s, iso_jgen *g)
{
	iso_jgen_kv_bool(g, "probed", s->probed);
	iso_jgen_key(g, "probes");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < s->n_probes; i++) {
		const struct netns_probe *p = &s->probes[i];
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "family", netns_family_name(p->target.family));
		kv_addr(g, "address", p->target.family, p->target.addr);
		iso_jgen_kv_int(g, "port", p->target.port);
		iso_jgen_kv_string(g, "result", netns_conn_name(p->result));
		iso_jgen_kv_int(g, "elapsed_ms", p->elapsed_ms);
		iso_jgen_kv_string(g, "error", p->error ? strerror(p->error) : NULL);
		iso_jgen_map_close(g);
	}
	iso_jgen_array_close(g);
}

static void seen_json(const struct verify_seen *s, int number, iso_jgen *g)
{
	iso_jgen_key(g, "seen");
	iso_jgen_map_open(g);
	switch (number) {
	case 1:
	case 2:
		seen_namespaces(s, number == 2, g);
		break;
	case 3:
		seen_layout(s, g);
		break;
	case 4:
		seen_listeners(s, g);
		break;
	case 5:
		iso_jgen_kv_string(g, "intended_host_ip", s->intended_host_ip);
		iso_jgen_kv_string(g, "intended_by", s->intended_from[0] ? s->intended_from : NULL);
		published_json(s, 0, g);
		break;
	default:
		seen_probes(s, g);
		break;
	}
	iso_jgen_map_close(g);
}

void verify_report_json(const struct verify_report *r, const struct verify_input *in, iso_jgen *g)
{
	iso_jgen_kv_string(g, "mode", in->mode);
	iso_jgen_key(g, "options");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < in->n_mode_options; i++)
		iso_jgen_string(g, in->mode_options[i]);
	iso_jgen_array_close(g);
	iso_jgen_kv_string(g, "verdict", netns_verdict_name(r->worst));
	iso_jgen_kv_int(g, "truncated", (long long)r->seen.truncated);
	iso_jgen_key(g, "checks");
	iso_jgen_array_open(g);
	for (int i = 0; i < VERIFY_CHECKS; i++) {
		const struct verify_check *c = &r->checks[i];
		iso_jgen_map_open(g);
		iso_jgen_kv_int(g, "number", c->number);
		iso_jgen_kv_string(g, "name", c->name);
		iso_jgen_kv_string(g, "verdict", netns_verdict_name(c->findings.worst));
		iso_jgen_key(g, "evidence");
		iso_jgen_array_open(g);
		for (size_t j = 0; j < c->findings.n; j++) {
			iso_jgen_map_open(g);
			iso_jgen_kv_string(g, "verdict", netns_verdict_name(c->findings.v[j].verdict));
			iso_jgen_kv_string(g, "text", c->findings.v[j].text);
			iso_jgen_map_close(g);
		}
		iso_jgen_array_close(g);
		seen_json(&r->seen, c->number, g);
		iso_jgen_map_close(g);
	}
	iso_jgen_array_close(g);
}
