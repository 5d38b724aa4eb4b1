/*
 * `verify`: what Podman says about the pod (PIDs, mode, bindings) handed to
 * the netns module as plain values, and judged check by check.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iso/cleanup.h"
#include "iso/log.h"
#include "iso/util.h"
#include "isopod/verify.h"
#include "netns/inspect.h"
#include "netns/probe.h"

#define MAX_PORTS 256

static void setc(struct verify_check *c, int id, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->name = name;
	c->result = VERIFY_UNVERIFIED;
}

static void ev(struct verify_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ev(struct verify_check *c, const char *fmt, ...)
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

/* The address host.containers.internal has in the infra container's hosts file, or "". */
static void host_containers_internal(pid_t pid, char *out, size_t size)
{
	out[0] = '\0';
	cleanup_free char *path = xasprintf("/proc/%d/root/etc/hosts", (int)pid);
	cleanup_free char *text = NULL;
	size_t len;
	if (iso_read_file(path, 1u << 20, &text, &len, NULL) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[64], name[256];
		int off = 0;
		if (sscanf(line, "%63s%n", addr, &off) != 1 || addr[0] == '#')
			continue;
		const char *p = line + off;
		int n;
		while (sscanf(p, "%255s%n", name, &n) == 1) {
			if (!strcmp(name, "host.containers.internal")) {
				snprintf(out, size, "%s", addr);
				return;
			}
			p += n;
		}
	}
}

struct ctx {
	struct wo_ctx *w;
	struct verify_report *rep;
	struct podman_pod pod;
	int have_pod;
	struct podman_container *ctrs;
	size_t n_ctrs;
	pid_t infra_pid;
	struct netns_id pod_ns;
	struct netns_snapshot *snap;
	struct netns_addrs host;
	int ports[MAX_PORTS]; /* every published port of every work order */
	size_t n_ports;
};

static void add_port(struct ctx *x, int port)
{
	for (size_t i = 0; i < x->n_ports; i++)
		if (x->ports[i] == port)
			return;
	if (port > 0 && x->n_ports < MAX_PORTS)
		x->ports[x->n_ports++] = port;
}

/* 1 and 2: the pod's namespace is its own, and all its containers share it. */
static int check_namespaces(struct ctx *x, struct iso_error **err)
{
	struct verify_check *c1 = &x->rep->checks[0], *c2 = &x->rep->checks[1];
	struct netns_id host;
	if (netns_id_of(getpid(), &host, err) < 0 || netns_id_of(x->infra_pid, &x->pod_ns, err) < 0)
		return -1;
	c1->result = VERIFY_PASS;
	if (netns_id_equal(&host, &x->pod_ns)) {
		c1->result = VERIFY_FAIL;
		ev(c1, "the pod shares the host's network namespace");
	}
	c2->result = VERIFY_PASS;
	size_t members = 0, others = 0;
	char seen[64][WO_ID_MAX + PROFILE_NAME_MAX + 2];
	size_t n_seen = 0;
	for (size_t i = 0; i < x->n_ctrs; i++) {
		const struct podman_container *k = &x->ctrs[i];
		const char *key = podman_labels_get(&k->labels, LABEL_KEY);
		if (!key || k->pid <= 0)
			continue;
		struct netns_id id;
		struct iso_error *e = NULL;
		if (netns_id_of(k->pid, &id, &e) < 0) {
			iso_debug("namespace of '%s' (pid %d): %s", k->name, k->pid, e->msg);
			iso_error_free(e);
			continue; /* exited meanwhile */
		}
		if (!strcmp(key, x->w->names.key)) {
			members++;
			if (!netns_id_equal(&id, &x->pod_ns)) {
				c2->result = VERIFY_FAIL;
				ev(c2, "container '%s' is in another network namespace", k->name);
			}
			continue;
		}
		int dup = 0;
		for (size_t j = 0; j < n_seen; j++)
			dup |= !strcmp(seen[j], key);
		if (!dup && n_seen < 64)
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", key);
		if (netns_id_equal(&id, &x->pod_ns)) {
			c1->result = VERIFY_FAIL;
			ev(c1, "work order '%s' (container '%s') shares this namespace", key, k->name);
		}
		others += !dup;
	}
	if (c1->result == VERIFY_PASS)
		ev(c1, "own network namespace, not the host's and not shared with %zu other work order%s", others,
		   others == 1 ? "" : "s");
	if (members == 0) {
		c2->result = VERIFY_UNVERIFIED;
		ev(c2, "no running container of the pod found");
	} else if (c2->result == VERIFY_PASS) {
		ev(c2, "all %zu running containers share the pod's namespace", members);
	}
	return 0;
}

/* 4: Postgres listens inside; 5432 is published only when the profile asks for it. */
static void check_postgres(struct ctx *x)
{
	struct verify_check *c = &x->rep->checks[3];
	const struct netns_listener *l = netns_listener_find(&x->snap->listeners, IPPROTO_TCP, 5432);
	c->result = l ? VERIFY_PASS : VERIFY_FAIL;
	ev(c, l ? "Postgres listens on %s:5432 inside the pod" : "nothing listens on port 5432 inside the pod%s",
	   l ? l->text : "");
	int intended = (x->w->cfg.profile.ports & (1u << ISO_PORT_DB)) != 0;
	for (size_t i = 0; i < x->pod.n_ports; i++) {
		if (x->pod.ports[i].container_port != 5432)
			continue;
		if (intended) {
			ev(c, "published on host port %d as the profile asks", x->pod.ports[i].host_port);
		} else {
			c->result = VERIFY_FAIL;
			ev(c, "published on host port %d although the profile does not ask for it",
			   x->pod.ports[i].host_port);
		}
		return;
	}
	ev(c, "not published on the host");
}

/* 5: every published port binds the intended host address only. */
static int check_published(struct ctx *x, struct iso_error **err)
{
	struct verify_check *c = &x->rep->checks[4];
	const char *want = x->w->cfg.profile.host_address;
	struct netns_listeners host = {0};
	if (netns_listeners(getpid(), IPPROTO_TCP, &host, err) < 0)
		return -1;
	c->result = x->pod.n_ports ? VERIFY_PASS : VERIFY_UNVERIFIED;
	if (!x->pod.n_ports)
		ev(c, "the pod publishes no port");
	for (size_t i = 0; i < x->pod.n_ports; i++) {
		const struct podman_port_binding *b = &x->pod.ports[i];
		const char *ip = b->host_ip && *b->host_ip ? b->host_ip : "0.0.0.0";
		if (strcmp(ip, want)) {
			c->result = VERIFY_FAIL;
			ev(c, "port %d is published on %s, not on %s", b->host_port, ip, want);
		} else if (!strcmp(ip, "0.0.0.0") || !strcmp(ip, "::")) {
			if (c->result == VERIFY_PASS)
				c->result = VERIFY_WARN;
			ev(c, "port %d is published on every address (%s) as configured", b->host_port, ip);
		} else {
			ev(c, "port %d on %s", b->host_port, ip);
		}
		for (size_t j = 0; j < host.n; j++) {
			if (host.v[j].port != b->host_port)
				continue;
			if (strcmp(host.v[j].text, ip)) {
				c->result = VERIFY_FAIL;
				ev(c, "the host also listens on %s:%d", host.v[j].text, b->host_port);
			}
		}
	}
	netns_listeners_release(&host);
	return 0;
}

/* 6: nothing published by any work order is reachable from inside this pod. */
static int check_reach(struct ctx *x, struct iso_error **err)
{
	struct verify_check *c = &x->rep->checks[5];
	char hci[64];
	host_containers_internal(x->infra_pid, hci, sizeof(hci));
	const char *addrs[64];
	size_t n_addrs = 0;
	addrs[n_addrs++] = "10.0.2.2";
	if (hci[0] && strcmp(hci, "10.0.2.2"))
		addrs[n_addrs++] = hci;
	for (size_t i = 0; i < x->host.n && n_addrs < ISO_ARRAY_SIZE(addrs); i++)
		addrs[n_addrs++] = x->host.v[i].text;
	if (!x->n_ports) {
		c->result = VERIFY_UNVERIFIED;
		ev(c, "no published port to try");
		return 0;
	}
	size_t n = 0, max = n_addrs * x->n_ports;
	if (max > NETNS_PROBE_MAX)
		max = NETNS_PROBE_MAX;
	struct netns_target *t = xzalloc(max * sizeof(*t));
	for (size_t a = 0; a < n_addrs; a++)
		for (size_t p = 0; p < x->n_ports && n < max; p++)
			if (netns_target_set(&t[n], addrs[a], (uint16_t)x->ports[p], NULL) == 0)
				n++;
	struct netns_probe *res = NULL;
	int rc = netns_connect_probe(x->infra_pid, t, n, NETNS_PROBE_TIMEOUT_MS, &res, err);
	free(t);
	if (rc < 0)
		return -1;
	c->result = VERIFY_PASS;
	size_t open = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].result == NETNS_CONN_OPEN) {
			c->result = VERIFY_FAIL;
			if (open++ < 8)
				ev(c, "%s is reachable from inside the pod", res[i].text);
		}
	}
	if (!open)
		ev(c, "%zu connects to %zu published port%s at 10.0.2.2%s%s and %zu host address%s: none reachable", n,
		   x->n_ports, x->n_ports == 1 ? "" : "s", hci[0] ? ", host.containers.internal " : "", hci,
		   x->host.n, x->host.n == 1 ? "" : "es");
	free(res);
	return 0;
}

static int gather(struct ctx *x, struct iso_error **err)
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
		return iso_error_set(err, ISO_E_ISOLATION, 0,
				     "work order '%s' is down (%s), so its isolation cannot be verified; 'isopod up %s' "
				     "first",
				     w->names.wo, state, w->names.wo);
	if (podman_pod_inspect(w->client, w->names.pod, &x->pod, err) < 0)
		return -1;
	x->have_pod = 1;
	struct podman_container infra;
	if (!x->pod.infra_id || podman_container_inspect(w->client, x->pod.infra_id, &infra, err) < 0)
		return x->pod.infra_id ? -1
				       : iso_error_set(err, ISO_E_ISOLATION, 0, "pod '%s' has no infra container",
						       w->names.pod);
	x->infra_pid = infra.pid;
	const char *mode = infra.network_mode ? infra.network_mode : x->pod.network_mode;
	snprintf(x->rep->network_mode, sizeof(x->rep->network_mode), "%s", mode ? mode : "unknown");
	podman_container_release(&infra);
	if (x->infra_pid <= 0)
		return iso_error_set(err, ISO_E_ISOLATION, 0, "the infra container of pod '%s' is not running",
				     w->names.pod);
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	if (podman_container_list(w->client, &schema, &x->ctrs, &x->n_ctrs, err) < 0)
		return -1;
	struct podman_pod *pods = NULL;
	size_t n_pods = 0;
	if (podman_pod_list(w->client, &schema, &pods, &n_pods, err) < 0)
		return -1;
	for (size_t i = 0; i < n_pods; i++) {
		int ports[ISO_PORT_PURPOSES];
		wo_labels_ports(&pods[i].labels, ports, NULL, 0);
		for (int p = 0; p < ISO_PORT_PURPOSES; p++)
			add_port(x, ports[p]);
	}
	podman_pod_list_free(pods, n_pods);
	for (size_t i = 0; i < x->pod.n_ports; i++)
		add_port(x, x->pod.ports[i].host_port);
	if (netns_host_addrs(&x->host, err) < 0)
		return -1;
	return netns_snapshot_take(x->infra_pid, NETNS_SNAP_ALL, NULL, &x->snap, err);
}

int verify_run(struct wo_ctx *w, struct verify_report *rep, struct iso_error **err)
{
	memset(rep, 0, sizeof(*rep));
	int64_t t0 = iso_now_ms();
	static const char *const names[VERIFY_CHECKS] = {"namespace", "members", "interfaces",
							 "postgres",  "published", "reach"};
	for (int i = 0; i < VERIFY_CHECKS; i++)
		setc(&rep->checks[i], i + 1, names[i]);
	if (w->remote)
		return iso_error_set(err, ISO_E_HOST, 0,
				     "'isopod verify' needs a local Podman: there are no PIDs to enter behind the "
				     "remote endpoint '%s'",
				     podman_client_endpoint(w->client));
	struct ctx x = {.w = w, .rep = rep};
	int rc = -1;
	if (gather(&x, err) < 0 || check_namespaces(&x, err) < 0)
		goto out;
	struct verify_check *c3 = &rep->checks[2];
	if (!strcmp(rep->network_mode, "slirp4netns"))
		verify_check_slirp4netns(x.snap, &x.host, c3);
	else if (!strcmp(rep->network_mode, "pasta"))
		verify_check_pasta(x.snap, c3);
	else
		ev(c3, "network mode '%s' has no known shape: not verified", rep->network_mode);
	check_postgres(&x);
	if (check_published(&x, err) < 0 || check_reach(&x, err) < 0)
		goto out;
	rc = 0;
out:
	rep->elapsed_ms = (long)(iso_now_ms() - t0);
	if (x.have_pod)
		podman_pod_release(&x.pod);
	podman_container_list_free(x.ctrs, x.n_ctrs);
	netns_addrs_release(&x.host);
	netns_snapshot_free(x.snap);
	return rc;
}
