/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/verify/checks.c - the isolation checks of `verify` as one pure
 * function over what cmd_verify gathered, so each verdict (and each way to
 * fail) is testable without Podman or namespaces.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "verify/checks.h"

static const char *const check_names[VERIFY_CHECKS] = {
	"own network namespace",   "all containers in the pod's namespace", "interfaces and addresses",
	"postgres inside the pod", "published ports bound as intended",     "other work orders unreachable",
};

static void check1(const struct verify_input *in, struct netns_findings *f)
{
	if (!in->pod_ns)
		netns_findings_add(f, NETNS_UNVERIFIED, "the pod's network namespace is not known");
	else
		netns_check_distinct(in->pod_ns, &in->host_ns, in->other_pods, in->n_other_pods, f);
}

static void check2(const struct verify_input *in, struct netns_findings *f)
{
	if (!in->pod_ns || !in->n_members)
		netns_findings_add(f, NETNS_UNVERIFIED, "the containers' network namespaces are not known");
	else
		netns_check_members(in->pod_ns, in->members, in->member_names, in->n_members, f);
}

static void check3(const struct verify_input *in, struct netns_findings *f)
{
	char opts[160] = "";
	for (size_t i = 0; i < in->n_mode_options; i++) {
		size_t used = strlen(opts);
		snprintf(opts + used, sizeof opts - used, "%s%s", i ? "," : "", in->mode_options[i]);
	}
	const char *mode = in->mode ? in->mode : "unknown";
	if (!in->snap) {
		netns_findings_add(f, NETNS_UNVERIFIED, "network mode '%s': the namespace was not inspected", mode);
		return;
	}
	if (!strcmp(mode, "slirp4netns")) {
		netns_findings_add(f, NETNS_PASS, "network mode 'slirp4netns'%s%s%s", opts[0] ? " (" : "", opts,
				   opts[0] ? ")" : "");
		netns_check_slirp4netns(in->snap, in->host_addrs, in->ipv6, f);
	} else if (!strcmp(mode, "pasta")) {
		netns_findings_add(f, NETNS_PASS, "network mode 'pasta'%s%s%s", opts[0] ? " (" : "", opts,
				   opts[0] ? ")" : "");
		netns_check_pasta(in->snap, f);
	} else {
		netns_findings_add(f, NETNS_UNVERIFIED,
				   "network mode '%s' has no expected layout: isopod verifies slirp4netns and pasta",
				   mode);
	}
}

static int is_any_addr(const char *ip)
{
	return !ip[0] || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

static void check4(const struct verify_input *in, struct netns_findings *f)
{
	if (!in->snap)
		netns_findings_add(f, NETNS_UNVERIFIED, "the pod's listening sockets were not inspected");
	else
		netns_check_listens(in->snap, IPPROTO_TCP, in->pg_port, f);
	for (size_t i = 0; i < in->n_published; i++) {
		const struct verify_port *p = &in->published[i];
		if (p->proto != IPPROTO_TCP || p->container_port != in->pg_port)
			continue;
		netns_findings_add(f, in->pg_publish_intended ? NETNS_PASS : NETNS_FAIL,
				   "postgres port %u is published on %s:%u%s", in->pg_port,
				   p->host_ip[0] ? p->host_ip : "0.0.0.0", p->host_port,
				   in->pg_publish_intended ? ", as the profile intends"
							   : "; no trusted configuration asks for it (a profile's "
							     "\"ports\" in your config or the host's)");
	}
}

static void check5(const struct verify_input *in, struct netns_findings *f)
{
	const char *want = in->intended_host_ip ? in->intended_host_ip : "127.0.0.1";
	const char *by = in->intended_by ? in->intended_by : "the built-in default";
	int want_all = is_any_addr(want);
	for (size_t i = 0; i < in->n_published; i++) {
		const struct verify_port *p = &in->published[i];
		const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
		if (is_any_addr(p->host_ip) && want_all)
			netns_findings_add(f, NETNS_WARN,
					   "%s port %u is bound on every host address (0.0.0.0), as %s asks", proto,
					   p->host_port, by);
		else if (is_any_addr(p->host_ip))
			/* Who made it so (a repository's file, a config since changed) is not trusted now. */
			netns_findings_add(f, NETNS_FAIL,
					   "%s port %u is bound on every host address (0.0.0.0), which nothing trusted "
					   "asks for (%s: %s); 'isopod up --recreate' rebinds it",
					   proto, p->host_port, by, want);
		else if (strcmp(p->host_ip, want) != 0 && want_all)
			netns_findings_add(f, NETNS_WARN,
					   "%s port %u is bound on %s only, though %s asks for every address; "
					   "'isopod up --recreate' rebinds it",
					   proto, p->host_port, p->host_ip, by);
		else if (strcmp(p->host_ip, want) != 0)
			netns_findings_add(f, NETNS_FAIL, "%s port %u is bound on %s, not %s (%s)", proto, p->host_port,
					   p->host_ip, want, by);
		else
			netns_findings_add(f, NETNS_PASS, "%s port %u is bound on %s", proto, p->host_port, p->host_ip);
	}
	if (!in->n_published)
		netns_findings_add(f, NETNS_PASS, "no port is published");
}

void verify_intent_of(const char *pod_addr, const char *pod_from, const char *cfg_addr, const char *cfg_from,
		      const char *cfg_file, struct verify_intent *out)
{
	memset(out, 0, sizeof *out);
	if (pod_from && !strcmp(pod_from, "flag") && pod_addr && pod_addr[0]) {
		snprintf(out->host_ip, sizeof out->host_ip, "%s", pod_addr);
		snprintf(out->from, sizeof out->from, "flag");
		snprintf(out->by, sizeof out->by, "'isopod up --bind %s' (recorded on the pod)", pod_addr);
		return;
	}
	const char *from = cfg_from ? cfg_from : "builtin";
	snprintf(out->host_ip, sizeof out->host_ip, "%s", cfg_addr && cfg_addr[0] ? cfg_addr : "127.0.0.1");
	snprintf(out->from, sizeof out->from, "%s", from);
	if (!strcmp(from, "flag"))
		snprintf(out->by, sizeof out->by, "--bind %s", out->host_ip);
	else if (!strcmp(from, "host") || !strcmp(from, "user"))
		snprintf(out->by, sizeof out->by, "%s config '%s'", !strcmp(from, "host") ? "the host's" : "your",
			 cfg_file ? cfg_file : "?");
	else if (!strcmp(from, "env"))
		snprintf(out->by, sizeof out->by, "the environment");
	else
		snprintf(out->by, sizeof out->by, "the built-in default");
}

static void check6(const struct verify_input *in, struct netns_findings *f)
{
	for (size_t i = 0; i < in->n_mode_options; i++)
		if (!strcmp(in->mode_options[i], "allow_host_loopback=true"))
			netns_findings_add(f, NETNS_WARN,
					   "the pod may reach the host's loopback "
					   "(allow_host_loopback=true)");
	if (!in->probed)
		netns_findings_add(f, NETNS_UNVERIFIED, "the other work orders' ports were not probed");
	else if (in->n_probes == 0)
		netns_findings_add(f, NETNS_PASS, "no other work order publishes a port");
	else
		netns_check_unreachable(in->probes, in->n_probes, f);
}

/* Copy N items of SIZE from SRC into DST (CAP of them at most); the rest counts as truncated. */
static size_t seen_copy(void *dst, size_t cap, const void *src, size_t n, size_t size, size_t *truncated)
{
	size_t k = n < cap ? n : cap;
	if (k)
		memcpy(dst, src, k * size);
	*truncated += n - k;
	return k;
}

#define SEEN_COPY(S, FIELD, SRC, N)                                                                                    \
	((S)->n_##FIELD = seen_copy((S)->FIELD, ISO_ARRAY_SIZE((S)->FIELD), (SRC), (N), sizeof((S)->FIELD[0]),         \
				    &(S)->truncated))

static void seen_fill(const struct verify_input *in, struct verify_seen *s)
{
	s->have_pod_ns = in->pod_ns != NULL;
	if (in->pod_ns)
		s->pod_ns = *in->pod_ns;
	s->host_ns = in->host_ns;
	SEEN_COPY(s, others, in->other_pods, in->n_other_pods);
	s->n_members = in->n_members < VERIFY_SEEN_ITEMS ? in->n_members : VERIFY_SEEN_ITEMS;
	s->truncated += in->n_members - s->n_members;
	for (size_t i = 0; i < s->n_members; i++) {
		const char *name = in->member_names && in->member_names[i] ? in->member_names[i] : "";
		snprintf(s->members[i].name, sizeof s->members[i].name, "%s", name);
		s->members[i].id = in->members[i];
	}
	s->inspected = in->snap != NULL;
	if (in->snap) {
		SEEN_COPY(s, links, in->snap->links.v, in->snap->links.n);
		SEEN_COPY(s, addrs, in->snap->addrs.v, in->snap->addrs.n);
		SEEN_COPY(s, routes, in->snap->routes.v, in->snap->routes.n);
		SEEN_COPY(s, listeners, in->snap->listeners.v, in->snap->listeners.n);
	}
	if (in->host_addrs)
		SEEN_COPY(s, host_addrs, in->host_addrs->v, in->host_addrs->n);
	SEEN_COPY(s, published, in->published, in->n_published);
	snprintf(s->intended_host_ip, sizeof s->intended_host_ip, "%s",
		 in->intended_host_ip ? in->intended_host_ip : "127.0.0.1");
	snprintf(s->intended_from, sizeof s->intended_from, "%s", in->intended_from ? in->intended_from : "builtin");
	s->pg_port = in->pg_port;
	s->probed = in->probed;
	if (in->probed)
		SEEN_COPY(s, probes, in->probes, in->n_probes);
}

void verify_evaluate(const struct verify_input *in, struct verify_report *out)
{
	void (*const checks[VERIFY_CHECKS])(const struct verify_input *, struct netns_findings *) = {
		check1, check2, check3, check4, check5, check6,
	};
	memset(out, 0, sizeof *out);
	for (int i = 0; i < VERIFY_CHECKS; i++) {
		struct verify_check *c = &out->checks[i];
		c->number = i + 1;
		c->name = check_names[i];
		netns_findings_init(&c->findings);
		checks[i](in, &c->findings);
		if (c->findings.worst > out->worst)
			out->worst = c->findings.worst;
	}
	seen_fill(in, &out->seen);
}

void verify_report_unverified(struct verify_report *out, const char *reason)
{
	memset(out, 0, sizeof *out);
	out->worst = NETNS_UNVERIFIED;
	for (int i = 0; i < VERIFY_CHECKS; i++) {
		struct verify_check *c = &out->checks[i];
		c->number = i + 1;
		c->name = check_names[i];
		netns_findings_init(&c->findings);
		netns_findings_add(&c->findings, NETNS_UNVERIFIED, "%s", reason);
	}
}

enum iso_class verify_report_class(const struct verify_report *r)
{
	return r->worst <= NETNS_WARN ? ISO_OK : ISO_E_ISOLATION;
}

int verify_probe_targets(const uint16_t *ports, size_t n_ports, const struct netns_addrs *host,
			 const char *host_internal, struct netns_target **out, size_t *n, struct iso_error **err)
{
	size_t per_port = 1 + (host ? host->n : 0) + (host_internal ? 1 : 0);
	if (n_ports && per_port * n_ports > NETNS_PROBE_MAX)
		return iso_error_set(err, ISO_E_USAGE, E2BIG,
				     "%zu ports at %zu addresses are more than %d probes; verify fewer work orders",
				     n_ports, per_port, NETNS_PROBE_MAX);
	struct netns_target *v = xzalloc((n_ports * per_port + 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < n_ports; i++) {
		if (netns_target_set(&v[k++], VERIFY_SLIRP_HOST, ports[i], err) < 0 ||
		    (host_internal && netns_target_set(&v[k++], host_internal, ports[i], err) < 0)) {
			free(v);
			return iso_error_wrap(err, "the address of host.containers.internal");
		}
		for (size_t j = 0; host && j < host->n; j++) {
			struct netns_target *t = &v[k++];
			t->family = host->v[j].family;
			memcpy(t->addr, host->v[j].addr, sizeof t->addr);
			t->port = ports[i];
		}
	}
	/* host.containers.internal is often one of the host's addresses: probe each target once. */
	size_t kept = 0;
	for (size_t i = 0; i < k; i++) {
		int dup = 0;
		for (size_t j = 0; j < kept && !dup; j++)
			dup = v[j].family == v[i].family && v[j].port == v[i].port &&
			      !memcmp(v[j].addr, v[i].addr, sizeof v[i].addr);
		if (!dup)
			v[kept++] = v[i];
	}
	k = kept;
	*out = v;
	*n = k;
	return 0;
}

int verify_hosts_lookup(const char *text, const char *name, char *out, size_t len)
{
	const char *line = text;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[512];
		if (n < sizeof buf) {
			memcpy(buf, line, n);
			buf[n] = '\0';
			char *hash = strchr(buf, '#');
			if (hash)
				*hash = '\0';
			char *save = NULL;
			char *addr = strtok_r(buf, " \t\r", &save);
			for (char *w = addr ? strtok_r(NULL, " \t\r", &save) : NULL; w;
			     w = strtok_r(NULL, " \t\r", &save))
				if (!strcmp(w, name) && strlen(addr) < len) {
					memcpy(out, addr, strlen(addr) + 1);
					return 0;
				}
		}
		line = end ? end + 1 : NULL;
	}
	return -1;
}
