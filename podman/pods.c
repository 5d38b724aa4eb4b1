/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pods.  Ports, host aliases and the network mode belong to the pod (its
 * infra container holds the network namespace): containers created in the
 * pod get HTTP 500 for them.  pods/start and stop answer {"Errs":[..],"Id"},
 * DELETE answers {"Err":..,"Id"}; 304 means nothing to do.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

int podman_pod_create(struct podman_client *c, const struct podman_pod_spec *s, char **id, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("create pod '%s'", s->name);
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "name", s->name);
	podman_jgen_pairs(g, "labels", s->labels, s->n_labels);
	if (s->host_aliases)
		podman_jgen_strv(g, "hostadd", s->host_aliases);
	if (s->n_ports) {
		iso_jgen_key(g, "portmappings");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_ports; i++) {
			const struct podman_port *p = &s->ports[i];
			iso_jgen_map_open(g);
			if (p->host_ip)
				iso_jgen_kv_string(g, "host_ip", p->host_ip);
			iso_jgen_kv_int(g, "host_port", p->host_port);
			iso_jgen_kv_int(g, "container_port", p->container_port);
			iso_jgen_kv_string(g, "protocol", p->protocol ? p->protocol : "tcp");
			iso_jgen_map_close(g);
		}
		iso_jgen_array_close(g);
	}
	if (s->network_mode) {
		iso_jgen_key(g, "netns");
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "nsmode", s->network_mode);
		iso_jgen_map_close(g);
		if (s->network_options) {
			iso_jgen_key(g, "network_options");
			iso_jgen_map_open(g);
			podman_jgen_strv(g, s->network_mode, s->network_options);
			iso_jgen_map_close(g);
		}
	}
	iso_jgen_map_close(g);
	return podman_post_create(c, "/pods/create", g, what, id, err);
}

/*
 * METHOD /pods/NAME SUFFIX.  A refused action can still come as a 2xx:
 * start and stop report it in a non-empty "Errs", DELETE in an "Err".
 * 304 (nothing to do) and an empty report are success.
 */
static int pod_call(struct podman_client *c, const char *method, const char *name, const char *verb, const char *suffix,
		    struct iso_error **err)
{
	cleanup_free char *what = xasprintf("%s pod '%s'", verb, name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = xasprintf("/pods/%s%s", esc, suffix);
	struct podman_response resp;
	int st = podman_call(c, method, path, NULL, 0, NULL, what, &resp, err);
	if (st < 0)
		return -1;
	cleanup_json iso_json *report = podman_report_json(&resp);
	int rc = 0;
	if (iso_json_len(iso_json_get(report, "Errs")) > 0 || iso_json_get_string(report, "Err"))
		rc = podman_error_from_response(st, resp.body, resp.len, what, err);
	podman_response_release(&resp);
	return rc;
}

int podman_pod_start(struct podman_client *c, const char *name, struct iso_error **err)
{
	return pod_call(c, "POST", name, "start", "/start", err);
}

int podman_pod_stop(struct podman_client *c, const char *name, int timeout_s, struct iso_error **err)
{
	char q[40] = "/stop";
	if (timeout_s >= 0)
		snprintf(q, sizeof q, "/stop?t=%d", timeout_s);
	return pod_call(c, "POST", name, "stop", q, err);
}

int podman_pod_remove(struct podman_client *c, const char *name, int force, struct iso_error **err)
{
	return pod_call(c, "DELETE", name, "remove", force ? "?force=true" : "", err);
}

int podman_pod_exists(struct podman_client *c, const char *name, struct iso_error **err)
{
	return podman_exists_named(c, "pod", name, err);
}

void podman_pod_release(struct podman_pod *p)
{
	free(p->id);
	free(p->name);
	free(p->state);
	free(p->infra_id);
	free(p->network_mode);
	free(p->network_options);
	podman_labels_release(&p->labels);
	for (size_t i = 0; i < p->n_ports; i++) {
		free(p->ports[i].host_ip);
		free(p->ports[i].protocol);
	}
	free(p->ports);
	memset(p, 0, sizeof *p);
}

void podman_pod_list_free(struct podman_pod *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		podman_pod_release(&p[i]);
	free(p);
}

/* InfraConfig.PortBindings: {"8069/tcp":[{"HostIp":"127.0.0.1","HostPort":"18945"}]} */
static int parse_bindings(const iso_json *pb, struct podman_pod *out)
{
	size_t total = 0;
	for (size_t i = 0; i < iso_json_len(pb); i++)
		total += iso_json_len(iso_json_value_at(pb, i));
	out->ports = xzalloc((total + 1) * sizeof *out->ports);
	for (size_t i = 0; i < iso_json_len(pb); i++) {
		const char *key = iso_json_key_at(pb, i);
		const iso_json *arr = iso_json_value_at(pb, i);
		long cport;
		if (!key)
			continue;
		const char *slash = strchr(key, '/');
		cleanup_free char *num = xstrndup(key, slash ? (size_t)(slash - key) : strlen(key));
		if (iso_parse_long(num, 1, 65535, &cport) < 0)
			return -1;
		for (size_t j = 0; j < iso_json_len(arr); j++) {
			const iso_json *b = iso_json_at(arr, j);
			const char *hp = iso_json_get_string(b, "HostPort");
			long hport;
			if (!hp || iso_parse_long(hp, 0, 65535, &hport) < 0)
				return -1;
			struct podman_port_binding *pbo = &out->ports[out->n_ports++];
			pbo->container_port = (int)cport;
			pbo->host_port = (int)hport;
			pbo->host_ip = podman_json_strdup(b, "HostIp");
			pbo->protocol = xstrdup(slash ? slash + 1 : "tcp");
		}
	}
	return 0;
}

int podman_pod_inspect(struct podman_client *c, const char *name, struct podman_pod *out, struct iso_error **err)
{
	cleanup_free char *what = NULL;
	cleanup_json iso_json *root = podman_inspect_named(c, "pod", name, &what, err);
	if (!root)
		return -1;
	if (!iso_json_get_string(root, "Id") || !iso_json_get_string(root, "Name") ||
	    !iso_json_get_string(root, "State"))
		return podman_bad_answer(err, what, "no Id, Name or State");
	struct podman_pod p = {0};
	const iso_json *infra = iso_json_get(root, "InfraConfig");
	const iso_json *netopts = iso_json_get(infra, "NetworkOptions");
	int hostnet = 0;
	if (podman_labels_from_json(iso_json_get(root, "Labels"), &p.labels) < 0 ||
	    parse_bindings(iso_json_get(infra, "PortBindings"), &p) < 0) {
		podman_pod_release(&p);
		return podman_bad_answer(err, what, "malformed Labels or InfraConfig.PortBindings");
	}
	p.id = podman_json_strdup(root, "Id");
	p.name = podman_json_strdup(root, "Name");
	p.state = podman_json_strdup(root, "State");
	p.infra_id = podman_json_strdup(root, "InfraContainerID");
	if (iso_json_bool(iso_json_get(infra, "HostNetwork"), &hostnet) == 0 && hostnet)
		p.network_mode = xstrdup("host");
	else if (iso_json_len(netopts) > 0 && iso_json_key_at(netopts, 0))
		p.network_mode = xstrdup(iso_json_key_at(netopts, 0));
	/* {"slirp4netns": ["allow_host_loopback=true", ...]}: the options of that mode, comma-joined. */
	const iso_json *opts = iso_json_value_at(netopts, 0);
	struct iso_buf b;
	iso_buf_init(&b, 4096);
	for (size_t i = 0; i < iso_json_len(opts); i++) {
		const char *o = iso_json_string(iso_json_at(opts, i));
		if (!o)
			continue;
		if (b.len)
			iso_buf_append(&b, ",", 1);
		iso_buf_append(&b, o, strlen(o));
	}
	p.network_options = iso_buf_steal(&b, NULL);
	p.n_containers = iso_json_len(iso_json_get(root, "Containers"));
	*out = p;
	return 0;
}

/* One element of GET /pods/json (names and fields differ from inspect). */
static int pod_from_list(const iso_json *o, void *item, const char *what, struct iso_error **err)
{
	struct podman_pod *p = item;
	if (!iso_json_get_string(o, "Id") || !iso_json_get_string(o, "Name") ||
	    podman_labels_from_json(iso_json_get(o, "Labels"), &p->labels) < 0)
		return podman_bad_answer(err, what, "a pod without Id, Name or with malformed Labels");
	p->id = podman_json_strdup(o, "Id");
	p->name = podman_json_strdup(o, "Name");
	p->state = podman_json_strdup(o, "Status");
	p->infra_id = podman_json_strdup(o, "InfraId");
	p->n_containers = iso_json_len(iso_json_get(o, "Containers"));
	return 0;
}

static void pod_release(void *item)
{
	podman_pod_release(item);
}

static const struct podman_list_shape pod_list = {
	.path = "/pods/json?",
	.what = "list pods",
	.size = sizeof(struct podman_pod),
	.labels_off = offsetof(struct podman_pod, labels),
	.parse = pod_from_list,
	.release = pod_release,
};

int podman_pod_list(struct podman_client *c, const struct podman_pair *label, struct podman_pod **out, size_t *n,
		    struct iso_error **err)
{
	struct podman_pod *v = podman_list_objects(c, &pod_list, label, n, err);
	if (!v)
		return -1;
	*out = v;
	return 0;
}
