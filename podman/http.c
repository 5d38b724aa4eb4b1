/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call layer, above the client object (client.c) and below the typed
 * operations: one place that knows the path prefix, connects on first use
 * (podman_client_ensure), and turns a status >= 400 into a classed error
 * (errors.c).  Plus the small JSON helpers the operations share and the
 * label filter of the listings.
 */
#include <errno.h>
#include <string.h>
#include "base/cleanup.h"
#include "base/log.h"
#include "internal.h"

char *podman_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = xmalloc(3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = 0;
	return out;
}

static int send_req(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		    const char *ctype, long timeout_ms, podman_chunk_cb cb, void *ctx, struct podman_response *resp,
		    struct iso_error **err)
{
	cleanup_free char *full = xasprintf("%s%s", PODMAN_API_PREFIX, path);
	struct podman_request req = {
		.method = method,
		.path = full,
		.body = body,
		.body_len = body_len,
		.content_type = body ? (ctype ? ctype : "application/json") : NULL,
		.timeout_ms = timeout_ms,
	};
	if (podman_client_ensure(c, err) < 0)
		return -1;
	iso_debug("podman: %s %s", method, full);
	memset(resp, 0, sizeof *resp);
	if (cb)
		return c->t->ops->stream(c->t, &req, resp, cb, ctx, err);
	return c->t->ops->request(c->t, &req, resp, err);
}

int podman_call(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		const char *ctype, const char *what, struct podman_response *resp, struct iso_error **err)
{
	return podman_call_timeout(c, method, path, body, body_len, ctype, 0, what, resp, err);
}

int podman_call_timeout(struct podman_client *c, const char *method, const char *path, const char *body,
			size_t body_len, const char *ctype, long timeout_ms, const char *what,
			struct podman_response *resp, struct iso_error **err)
{
	if (send_req(c, method, path, body, body_len, ctype, timeout_ms, NULL, NULL, resp, err) < 0)
		return iso_error_wrap(err, "%s", what);
	if (resp->status >= 400 || resp->status < 100) {
		podman_error_from_response(resp->status, resp->body, resp->len, what, err);
		podman_response_release(resp);
		return -1;
	}
	return resp->status;
}

iso_json *podman_call_json(struct podman_client *c, const char *method, const char *path, const char *body,
			   size_t body_len, const char *what, int *status, struct iso_error **err)
{
	struct podman_response resp;
	iso_json *root;
	cleanup_free char *ctx = xasprintf("answer to %s", what);
	int st = podman_call(c, method, path, body, body_len, NULL, what, &resp, err);
	if (st < 0)
		return NULL;
	if (status)
		*status = st;
	if (st == 204 || st == 304) {
		podman_response_release(&resp);
		return NULL;
	}
	root = iso_json_parse(resp.body, resp.len, 0, ISO_E_INTERNAL, ctx, err);
	podman_response_release(&resp);
	return root;
}

int podman_call_exists(struct podman_client *c, const char *path, const char *what, struct iso_error **err)
{
	struct podman_response resp;
	if (send_req(c, "GET", path, NULL, 0, NULL, 0, NULL, NULL, &resp, err) < 0)
		return iso_error_wrap(err, "%s", what);
	int st = resp.status;
	if (st == 204 || st == 200) {
		podman_response_release(&resp);
		return 1;
	}
	if (st == 404) {
		podman_response_release(&resp);
		return 0;
	}
	podman_error_from_response(st, resp.body, resp.len, what, err);
	podman_response_release(&resp);
	return -1;
}

int podman_call_stream(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		       long timeout_ms, podman_chunk_cb cb, void *ctx, const char *what, struct iso_error **err)
{
	struct podman_response resp;
	if (send_req(c, method, path, body, body_len, NULL, timeout_ms, cb, ctx, &resp, err) < 0)
		return iso_error_wrap(err, "%s", what);
	if (resp.status >= 400 || resp.status < 100) {
		podman_error_from_response(resp.status, resp.body, resp.len, what, err);
		podman_response_release(&resp);
		return -1;
	}
	podman_response_release(&resp);
	return 0;
}

/* ---- JSON helpers ---- */
char *podman_json_strdup(const iso_json *obj, const char *key)
{
	const char *s = iso_json_get_string(obj, key);
	return s ? xstrdup(s) : NULL;
}

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

void podman_jgen_pairs(iso_jgen *g, const char *key, const struct podman_pair *p, size_t n)
{
	iso_jgen_key(g, key);
	iso_jgen_map_open(g);
	for (size_t i = 0; i < n; i++)
		iso_jgen_kv_string(g, p[i].key, p[i].value ? p[i].value : "");
	iso_jgen_map_close(g);
}

void podman_jgen_strv(iso_jgen *g, const char *key, const char *const *v)
{
	iso_jgen_key(g, key);
	iso_jgen_array_open(g);
	for (; v && *v; v++)
		iso_jgen_string(g, *v);
	iso_jgen_array_close(g);
}

char *podman_label_filter(const struct podman_pair *label, struct iso_error **err)
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

iso_json *podman_list_json(struct podman_client *c, const char *prefix, const struct podman_pair *label,
			   const char *what, struct iso_error **err)
{
	cleanup_free char *q = podman_label_filter(label, err);
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
