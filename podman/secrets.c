/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secrets: create with labels, inspect (the only answer that shows labels
 * in 4.3), remove.  No listing: 4.3 cannot filter secrets by label.
 */
#include <errno.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

void podman_secret_release(struct podman_secret *s)
{
	free(s->id);
	free(s->name);
	free(s->driver);
	free(s->created_at);
	podman_labels_release(&s->labels);
	memset(s, 0, sizeof *s);
}

int podman_secret_create(struct podman_client *c, const char *name, const void *data, size_t len,
			 const struct podman_pair *labels, size_t n_labels, char **id, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("create secret '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = NULL;
	struct podman_response resp;

	if (len == 0)
		return iso_error_set(err, ISO_E_USAGE, EINVAL, "%s: the secret is empty", what);
	if (n_labels) {
		/* 4.3 silently drops a malformed labels map: build it with the generator */
		cleanup_jgen iso_jgen *g = iso_jgen_new(0);
		size_t jlen;
		iso_jgen_map_open(g);
		for (size_t i = 0; i < n_labels; i++)
			iso_jgen_kv_string(g, labels[i].key, labels[i].value ? labels[i].value : "");
		iso_jgen_map_close(g);
		const char *doc = iso_jgen_finish(g, &jlen, err);
		if (!doc)
			return -1;
		cleanup_free char *lesc = podman_escape(doc);
		path = xasprintf("/secrets/create?name=%s&labels=%s", esc, lesc);
	} else {
		path = xasprintf("/secrets/create?name=%s", esc);
	}
	if (podman_call(c, "POST", path, data, len, "application/octet-stream", what, &resp, err) < 0)
		return -1;
	cleanup_json iso_json *root = iso_json_parse(resp.body, resp.len, 0, ISO_E_INTERNAL, what, err);
	podman_response_release(&resp);
	if (!root)
		return -1;
	return podman_answer_id(root, "ID", what, id, err);
}

int podman_secret_inspect(struct podman_client *c, const char *name, struct podman_secret *out, struct iso_error **err)
{
	cleanup_free char *what = NULL;
	cleanup_json iso_json *root = podman_inspect_named(c, "secret", name, &what, err);
	if (!root)
		return -1;
	const iso_json *spec = iso_json_get(root, "Spec");
	if (!iso_json_get_string(root, "ID") || !iso_json_get_string(spec, "Name"))
		return podman_bad_answer(err, what, "no ID or Spec.Name");
	memset(out, 0, sizeof *out);
	if (podman_labels_from_json(iso_json_get(spec, "Labels"), &out->labels) < 0)
		return podman_bad_answer(err, what, "Spec.Labels is not an object");
	out->id = podman_json_strdup(root, "ID");
	out->name = podman_json_strdup(spec, "Name");
	out->driver = podman_json_strdup(iso_json_get(spec, "Driver"), "Name");
	out->created_at = podman_json_strdup(root, "CreatedAt");
	return 0;
}

int podman_secret_remove(struct podman_client *c, const char *name, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("remove secret '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = xasprintf("/secrets/%s", esc);
	return podman_call_ok(c, "DELETE", path, what, err);
}
