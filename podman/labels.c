/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Labels and the listings by one label: the label map of an answer, the
 * URL-encoded filter, and one walker over a listing that parses each
 * object with the caller's function and re-checks its labels client-side
 * (see podman/objects.h for why).
 */
#include <errno.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

int podman_labels_from_json(const iso_json *v, struct podman_labels *out)
{
	memset(out, 0, sizeof *out);
	if (!v || iso_json_type(v) == ISO_JSON_NULL)
		return 0;
	if (!iso_json_is(v, ISO_JSON_OBJECT))
		return -1;
	size_t n = iso_json_len(v);
	out->keys = xzalloc((n + 1) * sizeof(char *));
	out->values = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *k = iso_json_key_at(v, i);
		const char *val = iso_json_string(iso_json_value_at(v, i));
		if (!k || !val)
			continue;
		out->keys[out->n] = xstrdup(k);
		out->values[out->n] = xstrdup(val);
		out->n++;
	}
	return 0;
}

const char *podman_labels_get(const struct podman_labels *l, const char *key)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->keys[i], key) == 0)
			return l->values[i];
	return NULL;
}

void podman_labels_release(struct podman_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->keys[i]);
		free(l->values[i]);
	}
	free(l->keys);
	free(l->values);
	memset(l, 0, sizeof *l);
}

int podman_labels_match(const struct podman_labels *l, const struct podman_pair *label)
{
	const char *v = podman_labels_get(l, label->key);
	return v && strcmp(v, label->value ? label->value : "") == 0;
}

/* "filters=<url-encoded {"label":["k=v"]}>" for one label; owned. */
static char *label_filter(const struct podman_pair *label, struct iso_error **err)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	cleanup_free char *kv = NULL;
	const char *doc;
	size_t len;
	if (!label || !label->key || !*label->key || strchr(label->key, '=')) {
		iso_error_set(err, ISO_E_INTERNAL, EINVAL, "a listing needs one label key without '='");
		return NULL;
	}
	kv = xasprintf("%s=%s", label->key, label->value ? label->value : "");
	iso_jgen_map_open(g);
	iso_jgen_key(g, "label");
	iso_jgen_array_open(g);
	iso_jgen_string(g, kv);
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
	doc = iso_jgen_finish(g, &len, err);
	if (!doc)
		return NULL;
	cleanup_free char *esc = podman_escape(doc);
	return xasprintf("filters=%s", esc);
}

static iso_json *list_json(struct podman_client *c, const char *prefix, const struct podman_pair *label,
			   const char *what, struct iso_error **err)
{
	cleanup_free char *q = label_filter(label, err);
	if (!q)
		return NULL;
	cleanup_free char *path = xasprintf("%s%s", prefix, q);
	iso_json *root = podman_call_json(c, "GET", path, NULL, 0, what, NULL, err);
	if (root && !iso_json_is(root, ISO_JSON_ARRAY)) {
		iso_json_free(root);
		podman_bad_answer(err, what, "not an array");
		return NULL;
	}
	return root;
}

void *podman_list_objects(struct podman_client *c, const struct podman_list_shape *s, const struct podman_pair *label,
			  size_t *n, struct iso_error **err)
{
	cleanup_json iso_json *root = list_json(c, s->path, label, s->what, err);
	if (!root)
		return NULL;
	size_t total = iso_json_len(root), k = 0;
	char *v = xzalloc((total + 1) * s->size);
	for (size_t i = 0; i < total; i++) {
		void *item = v + k * s->size;
		if (s->parse(iso_json_at(root, i), item, s->what, err) < 0) {
			for (size_t j = 0; j <= k; j++)
				s->release(v + j * s->size);
			free(v);
			return NULL;
		}
		/* the server's filter is not enough (4.3 ORs label filters): keep only what carries LABEL */
		if (podman_labels_match((const struct podman_labels *)((char *)item + s->labels_off), label))
			k++;
		else
			s->release(item);
	}
	*n = k;
	return v;
}
