/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `verify`: what Podman says about the pod (PIDs, network mode, bindings,
 * the other work orders' ports) and what the netns module sees inside it,
 * handed as plain values to the pure checks of verify_checks.c.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "verify/verify.h"

#define MAX_PORTS 256
#define MAX_MEMBERS 64

struct gather {
	struct wo_ctx *w;
	struct verify_outcome *out;
	struct verify_input in;
	struct podman_pod pod;
	int have_pod;
	struct podman_container *ctrs;
	size_t n_ctrs;
	pid_t infra_pid;
	struct netns_id pod_ns;
	struct netns_id others[MAX_MEMBERS];
	struct netns_id members[MAX_MEMBERS];
	const char *member_names[MAX_MEMBERS];
	char options_buf[160];
	const char *options[VERIFY_OPTIONS_MAX];
	struct verify_port published[ISO_PORT_PURPOSES + 8];
	uint16_t ports[MAX_PORTS]; /* the other work orders' published ports */
	size_t n_ports;
	char open_on_purpose[16][256]; /* other work orders' ports published on every address */
	size_t n_open_on_purpose;
	struct netns_snapshot *snap;
	struct netns_addrs host;
	struct netns_probe *probes;
	char intended[48]; /* the host address `up` published on, from the pod's port labels */
	struct verify_intent intent;
};

static void add_port(struct gather *x, int port)
{
	for (size_t i = 0; i < x->n_ports; i++)
		if (x->ports[i] == port)
			return;
	if (port > 0 && port < 65536 && x->n_ports < MAX_PORTS)
		x->ports[x->n_ports++] = (uint16_t)port;
}

/* "slirp4netns:allow_host_loopback=true,mtu=1500" -> mode and options. */
static void split_mode(struct gather *x, const char *text)
{
	struct verify_outcome *o = x->out;
	const char *colon = text ? strchr(text, ':') : NULL;
	snprintf(o->network_mode, sizeof(o->network_mode), "%.*s", colon ? (int)(colon - text) : 31,
		 text ? text : "unknown");
	snprintf(o->network_options, sizeof(o->network_options), "%s", colon ? colon + 1 : "");
	snprintf(x->options_buf, sizeof(x->options_buf), "%s", o->network_options);
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(x->options_buf, ",", &save); t && n < VERIFY_OPTIONS_MAX;
	     t = strtok_r(NULL, ",", &save))
		x->options[n++] = t;
	x->in.mode = o->network_mode;
	x->in.mode_options = x->options;
	x->in.n_mode_options = n;
	x->in.ipv6 = !strstr(o->network_options, "enable_ipv6=false");
}

static int find_pod(struct gather *x, struct iso_error **err)
{
	struct wo_ctx *w = x->w;
	struct wo_found f;
	if (wo_find(w, &f, err) < 0)
		return -1;
	int known = f.have_pod || f.have_db_volume || f.have_odoo_volume || f.have_secret;
	int running = f.have_pod && f.pod.state && !strcmp(f.pod.state, "Running");
	cleanup_free char *state = xstrdup(f.have_pod && f.pod.state ? f.pod.state : "no pod");
	wo_found_release(&f);
	if (!known)
		return iso_error_set(err, ISO_E_UNKNOWN, 0,
				     "work order '%s' (profile %s) is unknown; 'isopod ls' lists the work orders",
				     w->names.wo, w->names.profile);
	if (!running)
		return iso_error_set(
			err, ISO_E_ISOLATION, 0,
			"work order '%s' is down (%s), so its isolation cannot be verified; run 'isopod up "
			"%s' first",
			w->names.wo, state, w->names.wo);
	if (podman_pod_inspect(w->client, w->names.pod, &x->pod, err) < 0)
		return -1;
	x->have_pod = 1;
	if (!x->pod.infra_id)
		return iso_error_set(err, ISO_E_ISOLATION, 0, "pod '%s' has no infra container", w->names.pod);
	struct podman_container infra;
	if (podman_container_inspect(w->client, x->pod.infra_id, &infra, err) < 0)
		return -1;
	x->infra_pid = infra.pid;
	/* The infra container says the mode; the pod's inspect carries the mode's options. */
	const char *mode = infra.network_mode ? infra.network_mode : x->pod.network_mode;
	cleanup_free char *full = NULL;
	if (mode && !strchr(mode, ':') && x->pod.network_options && x->pod.network_options[0])
		full = xasprintf("%s:%s", mode, x->pod.network_options);
	split_mode(x, full ? full : mode);
	podman_container_release(&infra);
	if (x->infra_pid <= 0)
		return iso_error_set(err, ISO_E_ISOLATION, 0, "the infra container of pod '%s' is not running",
				     w->names.pod);
	return 0;
}

/* Namespaces of this pod's containers (members) and of the other work orders' (others). */
static int gather_namespaces(struct gather *x, struct iso_error **err)
{
	struct wo_ctx *w = x->w;
	if (netns_id_of(getpid(), &x->in.host_ns, err) < 0 || netns_id_of(x->infra_pid, &x->pod_ns, err) < 0)
		return -1;
	x->in.pod_ns = &x->pod_ns;
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	if (podman_container_list(w->client, &schema, &x->ctrs, &x->n_ctrs, err) < 0)
		return -1;
	char seen[MAX_MEMBERS][PROFILE_NAME_MAX + WO_ID_MAX + 2];
	size_t n_seen = 0;
	for (size_t i = 0; i < x->n_ctrs; i++) {
		const struct podman_container *k = &x->ctrs[i];
		const char *key = podman_labels_get(&k->labels, LABEL_KEY);
		if (!key || k->pid <= 0)
			continue;
		struct netns_id id;
		struct iso_error *e = NULL;
		if (netns_id_of(k->pid, &id, &e) < 0) {
			iso_debug("namespace of '%s' (pid %d): %s", k->name, k->pid, e->msg); /* exited meanwhile */
			iso_error_free(e);
			continue;
		}
		if (!strcmp(key, w->names.key)) {
			if (x->in.n_members < MAX_MEMBERS) {
				x->members[x->in.n_members] = id;
				x->member_names[x->in.n_members++] = k->name;
			}
			continue;
		}
		int dup = 0;
		for (size_t j = 0; j < n_seen; j++)
			dup |= !strcmp(seen[j], key);
		if (!dup && n_seen < MAX_MEMBERS) {
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", key);
			x->others[x->in.n_other_pods++] = id;
		}
	}
	x->in.members = x->members;
	x->in.member_names = x->member_names;
	x->in.other_pods = x->others;
	return 0;
}

static int gather_ports(struct gather *x, struct iso_error **err)
{
	struct wo_ctx *w = x->w;
	size_t n = 0;
	for (size_t i = 0; i < x->pod.n_ports && n < ISO_ARRAY_SIZE(x->published); i++) {
		const struct podman_port_binding *b = &x->pod.ports[i];
		struct verify_port *p = &x->published[n++];
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", b->host_ip ? b->host_ip : "");
		p->host_port = (uint16_t)b->host_port;
		p->container_port = (uint16_t)b->container_port;
		p->proto = b->protocol && !strcmp(b->protocol, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	}
	/*
	 * What a trusted layer asked for: the configuration as loaded now, which
	 * no repository can widen, unless the pod records `up --bind` (the port
	 * labels say the address, io.isopod.bind-from who asked).
	 */
	int own[ISO_PORT_PURPOSES];
	wo_labels_ports(&x->pod.labels, own, x->intended, sizeof(x->intended));
	const struct iso_profile *prof = &w->cfg.profile;
	verify_intent_of(x->intended, podman_labels_get(&x->pod.labels, LABEL_BIND_FROM), prof->host_address,
			 wo_config_source_token(prof->host_address_source),
			 wo_config_source_file(&w->cfg, prof->host_address_source), &x->intent);
	x->in.published = x->published;
	x->in.n_published = n;
	x->in.intended_host_ip = x->intent.host_ip;
	x->in.intended_by = x->intent.by;
	x->in.intended_from = x->intent.from;
	x->in.pg_port = 5432;
	x->in.pg_publish_intended = (w->cfg.profile.ports & (1u << ISO_PORT_DB)) != 0;
	/* Every work order's published ports, from the pods' labels: one listing. */
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	struct podman_pod *pods = NULL;
	size_t n_pods = 0;
	if (podman_pod_list(w->client, &schema, &pods, &n_pods, err) < 0)
		return -1;
	for (size_t i = 0; i < n_pods; i++) {
		const char *key = podman_labels_get(&pods[i].labels, LABEL_KEY);
		if (!key || !strcmp(key, w->names.key))
			continue; /* check 6 is about the other work orders */
		int ports[ISO_PORT_PURPOSES];
		char addr[64];
		wo_labels_ports(&pods[i].labels, ports, addr, sizeof(addr));
		int everywhere = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
		for (int p = 0; p < ISO_PORT_PURPOSES; p++) {
			if (!ports[p])
				continue;
			if (!everywhere) {
				add_port(x, ports[p]);
			} else if (x->n_open_on_purpose < ISO_ARRAY_SIZE(x->open_on_purpose)) {
				/* On every address every pod reaches it: not probed; whether anybody asked is its own verify's. */
				snprintf(x->open_on_purpose[x->n_open_on_purpose++], sizeof(x->open_on_purpose[0]),
					 "work order '%s' publishes port %d on %s, reachable from every pod; its own "
					 "verify says whether anybody trusted asked for that",
					 key, ports[p], addr);
			}
		}
	}
	podman_pod_list_free(pods, n_pods);
	return 0;
}

/* The address host.containers.internal has in the infra container's hosts file, or "". */
static void host_internal(pid_t pid, char *out, size_t size)
{
	out[0] = '\0';
	cleanup_free char *path = xasprintf("/proc/%d/root/etc/hosts", (int)pid);
	cleanup_free char *text = NULL;
	size_t len;
	if (iso_read_file(path, 1u << 20, &text, &len, NULL) == 0)
		verify_hosts_lookup(text, "host.containers.internal", out, size);
}

static int inspect_and_probe(struct gather *x, struct iso_error **err)
{
	if (netns_host_addrs(&x->host, err) < 0)
		return -1;
	x->in.host_addrs = &x->host;
	if (netns_snapshot_take(x->infra_pid, NETNS_SNAP_ALL, NULL, &x->snap, err) < 0)
		return -1;
	x->in.snap = x->snap;
	char hci[64];
	host_internal(x->infra_pid, hci, sizeof(hci));
	struct netns_target *t = NULL;
	size_t n = 0;
	if (verify_probe_targets(x->ports, x->n_ports, &x->host, hci[0] ? hci : NULL, &t, &n, err) < 0)
		return -1;
	int rc = n ? netns_connect_probe(x->infra_pid, t, n, NETNS_PROBE_TIMEOUT_MS, &x->probes, err) : 0;
	free(t);
	if (rc < 0)
		return -1;
	x->in.probed = 1;
	x->in.probes = x->probes;
	x->in.n_probes = n;
	return 0;
}

int verify_run(struct wo_ctx *w, struct verify_outcome *out, struct iso_error **err)
{
	memset(out, 0, sizeof(*out));
	int64_t t0 = iso_now_ms();
	if (w->remote)
		return iso_error_set(err, ISO_E_HOST, 0,
				     "'isopod verify' needs a local Podman: there are no PIDs to enter behind the "
				     "remote endpoint '%s'",
				     podman_client_endpoint(w->client));
	struct gather *x = xzalloc(sizeof(*x));
	x->w = w;
	x->out = out;
	int rc = -1;
	if (find_pod(x, err) == 0 && gather_namespaces(x, err) == 0 && gather_ports(x, err) == 0 &&
	    inspect_and_probe(x, err) == 0) {
		verify_evaluate(&x->in, &out->report);
		struct verify_check *c6 = &out->report.checks[5];
		for (size_t i = 0; i < x->n_open_on_purpose; i++)
			netns_findings_add(&c6->findings, NETNS_WARN, "%s", x->open_on_purpose[i]);
		if (c6->findings.worst > out->report.worst)
			out->report.worst = c6->findings.worst;
		rc = 0;
	} else if (err && *err && (*err)->class == ISO_E_ISOLATION) {
		/* Nothing could be verified: a verdict (unverified, 9) with its report, not a failure of isopod. */
		snprintf(out->reason, sizeof(out->reason), "%s", (*err)->msg);
		verify_report_unverified(&out->report, (*err)->msg);
		iso_error_free(*err);
		*err = NULL;
		rc = 0;
	}
	out->elapsed_ms = (long)(iso_now_ms() - t0);
	if (x->have_pod)
		podman_pod_release(&x->pod);
	podman_container_list_free(x->ctrs, x->n_ctrs);
	netns_addrs_release(&x->host);
	netns_snapshot_free(x->snap);
	free(x->probes);
	free(x);
	return rc;
}
