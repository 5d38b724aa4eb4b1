/* SPDX-License-Identifier: Apache-2.0 */
/* Named volumes: create, inspect, exists, list by one label, remove. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

void podman_volume_release(struct podman_volume *v)
{
	free(v->name);
	free(v->driver);
	free(v->mountpoint);
	free(v->created_at);
	podman_labels_release(&v->labels);
	memset(v, 0, sizeof *v);
}

void podman_volume_list_free(struct podman_volume *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		podman_volume_release(&v[i]);
	free(v);
}

static int volume_from_json(const iso_json *o, struct podman_volume *out, const char *what, struct iso_error **err)
{
	if (!iso_json_get_string(o, "Name"))
		return podman_bad_answer(err, what, "a volume without a Name");
	memset(out, 0, sizeof *out);
	if (podman_labels_from_json(iso_json_get(o, "Labels"), &out->labels) < 0)
		return podman_bad_answer(err, what, "volume Labels is not an object");
	out->name = podman_json_strdup(o, "Name");
	out->driver = podman_json_strdup(o, "Driver");
	out->mountpoint = podman_json_strdup(o, "Mountpoint");
	out->created_at = podman_json_strdup(o, "CreatedAt");
	return 0;
}

int podman_volume_create(struct podman_client *c, const char *name, const struct podman_pair *labels, size_t n_labels,
			 struct podman_volume *out, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("create volume '%s'", name);
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	size_t len;
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "Name", name);
	podman_jgen_pairs(g, "Label", labels, n_labels);
	iso_jgen_map_close(g);
	const char *body = iso_jgen_finish(g, &len, err);
	if (!body)
		return -1;
	cleanup_json iso_json *root = podman_call_json(c, "POST", "/volumes/create", body, len, what, NULL, err);
	if (!root)
		return -1;
	struct podman_volume v;
	if (volume_from_json(root, &v, what, err) < 0)
		return -1;
	if (out)
		*out = v;
	else
		podman_volume_release(&v);
	return 0;
}

int podman_volume_inspect(struct podman_client *c, const char *name, struct podman_volume *out, struct iso_error **err)
{
	cleanup_free char *what = NULL;
	cleanup_json iso_json *root = podman_inspect_named(c, "volume", name, &what, err);
	if (!root)
		return -1;
	return volume_from_json(root, out, what, err);
}

int podman_volume_exists(struct podman_client *c, const char *name, struct iso_error **err)
{
	return podman_exists_named(c, "volume", name, err);
}

static int volume_parse(const iso_json *o, void *item, const char *what, struct iso_error **err)
{
	return volume_from_json(o, item, what, err);
}

static void volume_release(void *item)
{
	podman_volume_release(item);
}

static const struct podman_list_shape volume_list = {
	.path = "/volumes/json?",
	.what = "list volumes",
	.size = sizeof(struct podman_volume),
	.labels_off = offsetof(struct podman_volume, labels),
	.parse = volume_parse,
	.release = volume_release,
};

int podman_volume_list(struct podman_client *c, const struct podman_pair *label, struct podman_volume **out, size_t *n,
		       struct iso_error **err)
{
	struct podman_volume *v = podman_list_objects(c, &volume_list, label, n, err);
	if (!v)
		return -1;
	*out = v;
	return 0;
}

int podman_volume_remove(struct podman_client *c, const char *name, int force, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("remove volume '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = xasprintf("/volumes/%s%s", esc, force ? "?force=true" : "");
	return podman_call_ok(c, "DELETE", path, what, err);
}
