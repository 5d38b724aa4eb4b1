/* SPDX-License-Identifier: Apache-2.0 */
/* What the service says about itself: GET /version and GET /info; and its event stream. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

int podman_version(struct podman_client *c, struct podman_version *out, struct iso_error **err)
{
	static const char what[] = "read the podman version";
	cleanup_json iso_json *root = podman_call_json(c, "GET", "/version", NULL, 0, what, NULL, err);
	const iso_json *comps = iso_json_get(root, "Components"), *engine = NULL;
	if (!root)
		return -1;
	for (size_t i = 0; i < iso_json_len(comps); i++) {
		const char *name = iso_json_get_string(iso_json_at(comps, i), "Name");
		if (name && strcmp(name, "Podman Engine") == 0)
			engine = iso_json_at(comps, i);
	}
	const iso_json *details = iso_json_get(engine, "Details");
	if (!iso_json_get_string(engine, "Version"))
		return podman_bad_answer(err, what, "no \"Podman Engine\" component with a Version");
	memset(out, 0, sizeof *out);
	out->version = podman_json_strdup(engine, "Version");
	out->api_version = podman_json_strdup(details, "APIVersion");
	out->go_version = podman_json_strdup(details, "GoVersion");
	const char *os = iso_json_get_string(details, "Os"), *arch = iso_json_get_string(details, "Arch");
	out->os_arch = os && arch ? xasprintf("%s/%s", os, arch) : NULL;
	return 0;
}

void podman_version_release(struct podman_version *v)
{
	free(v->version);
	free(v->api_version);
	free(v->go_version);
	free(v->os_arch);
	memset(v, 0, sizeof *v);
}

int podman_info(struct podman_client *c, struct podman_info *out, struct iso_error **err)
{
	static const char what[] = "read podman info";
	cleanup_json iso_json *root = podman_call_json(c, "GET", "/info", NULL, 0, what, NULL, err);
	const iso_json *host = iso_json_get(root, "host");
	int rootless = 0;
	if (!root)
		return -1;
	if (!iso_json_is(host, ISO_JSON_OBJECT) || !iso_json_get_string(iso_json_get(root, "version"), "Version"))
		return podman_bad_answer(err, what, "no host or version section");
	iso_json_bool(iso_json_path(host, "security", "rootless", NULL), &rootless);
	memset(out, 0, sizeof *out);
	out->version = podman_json_strdup(iso_json_get(root, "version"), "Version");
	out->rootless = rootless;
	out->cgroup_version = podman_json_strdup(host, "cgroupVersion");
	out->cgroup_manager = podman_json_strdup(host, "cgroupManager");
	out->oci_runtime = podman_json_strdup(iso_json_get(host, "ociRuntime"), "name");
	out->network_backend = podman_json_strdup(host, "networkBackend");
	out->graph_driver = podman_json_strdup(iso_json_get(root, "store"), "graphDriverName");
	out->graph_root = podman_json_strdup(iso_json_get(root, "store"), "graphRoot");
	return 0;
}

void podman_info_release(struct podman_info *i)
{
	free(i->version);
	free(i->cgroup_version);
	free(i->cgroup_manager);
	free(i->oci_runtime);
	free(i->graph_driver);
	free(i->network_backend);
	free(i->graph_root);
	memset(i, 0, sizeof *i);
}

struct events_follow {
	podman_event_cb cb;
	void *ctx;
	struct iso_buf line;
	int bad;     /* a line that was no event */
	int stopped; /* CB said stop */
};

/* One whole line of the stream: an event object, or bad. */
static int event_line(struct events_follow *f, const char *s, size_t n)
{
	cleanup_json iso_json *ev = iso_json_parse(s, n, 0, ISO_E_UNREACHABLE, "event", NULL);
	if (!iso_json_is(ev, ISO_JSON_OBJECT)) {
		f->bad = 1;
		return 1;
	}
	const char *type = iso_json_get_string(ev, "Type"), *status = iso_json_get_string(ev, "Action");
	if (!status) /* 4.3.1 sends both; the compat "status" is the same word */
		status = iso_json_get_string(ev, "status");
	return f->stopped = f->cb(f->ctx, type ? type : "", status ? status : "");
}

static int events_chunk(void *ctx, const char *data, size_t len)
{
	struct events_follow *f = ctx;
	if (!data)
		return f->stopped = f->cb(f->ctx, NULL, NULL);
	if (iso_buf_append(&f->line, data, len) < 0) {
		f->bad = 1;
		return 1;
	}
	char *p = f->line.data, *nl;
	size_t left = f->line.len;
	while ((nl = memchr(p, '\n', left))) {
		size_t n = (size_t)(nl - p);
		int rc = n ? event_line(f, p, n) : 0;
		left -= n + 1, p = nl + 1;
		if (rc) {
			f->line.len = 0;
			return rc;
		}
	}
	memmove(f->line.data, p, left);
	f->line.len = left;
	f->line.data[left] = '\0';
	return 0;
}

int podman_events_follow(struct podman_client *c, long long since, podman_event_cb cb, void *ctx,
			 struct iso_error **err)
{
	static const char what[] = "follow podman's events";
	struct events_follow f = {.cb = cb, .ctx = ctx};
	iso_buf_init(&f.line, 1u << 20); /* one event is ~1 KB: a longer line is no event */
	cleanup_free char *path =
		since > 0 ? xasprintf("/events?stream=true&since=%lld", since) : xstrdup("/events?stream=true");
	int rc = podman_call_follow(c, path, events_chunk, &f, what, err);
	iso_buf_release(&f.line);
	if (rc < 0)
		return -1;
	if (f.bad)
		return iso_error_set(err, ISO_E_UNREACHABLE, EPROTO,
				     "%s: a line of the stream is no event object; the stream was dropped", what);
	if (!f.stopped)
		return iso_error_set(err, ISO_E_UNREACHABLE, EPIPE, "%s: podman ended the event stream", what);
	return 0;
}
