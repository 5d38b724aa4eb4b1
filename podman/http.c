/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call layer, above the client object (client.c) and below the typed
 * operations: one place that knows the path prefix, connects on first use
 * (podman_client_ensure), and turns a status >= 400 into a classed error
 * (errors.c).  Plus the small JSON helpers the operations share and the
 * label filter of the listings.
 */
#include <errno.h>
#include <stdint.h>
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

/* The process's cache of GET answers (podman_set_get_cache), or NULL. */
static const struct podman_get_cache *get_cache;

static int send_req(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		    const char *ctype, long timeout_ms, int notify_open, podman_chunk_cb cb, void *ctx,
		    struct podman_response *resp, struct iso_error **err)
{
	cleanup_free char *full = xasprintf("%s%s", PODMAN_API_PREFIX, path);
	struct podman_request req = {
		.method = method,
		.path = full,
		.body = body,
		.body_len = body_len,
		.content_type = body ? (ctype ? ctype : "application/json") : NULL,
		.timeout_ms = timeout_ms,
		.notify_open = notify_open,
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
	uint64_t token = 0;
	int cacheable = get_cache && !body && !strcmp(method, "GET");
	if (cacheable) {
		memset(resp, 0, sizeof *resp);
		if (get_cache->get(get_cache->ctx, path, &resp->body, &resp->len, &token) == 1) {
			iso_debug("podman: GET %s%s: from the cache", PODMAN_API_PREFIX, path);
			resp->status = 200;
			return 200;
		}
	}
	if (send_req(c, method, path, body, body_len, ctype, timeout_ms, 0, NULL, NULL, resp, err) < 0)
		return iso_error_wrap(err, "%s", what);
	if (resp->status >= 400 || resp->status < 100) {
		podman_error_from_response(resp->status, resp->body, resp->len, what, err);
		podman_response_release(resp);
		return -1;
	}
	if (cacheable && resp->status == 200)
		get_cache->put(get_cache->ctx, path, resp->body, resp->len, token);
	return resp->status;
}

void podman_set_get_cache(const struct podman_get_cache *gc)
{
	get_cache = gc;
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
	if (st == 204 || st == 304) {
		/* Every caller wants a document: an answer without one is Podman's fault, and says so. */
		cleanup_free char *detail = xasprintf("HTTP %d with no document where a JSON answer was expected", st);
		podman_response_release(&resp);
		podman_bad_answer(err, what, detail);
		return NULL;
	}
	root = iso_json_parse(resp.body, resp.len, 0, ISO_E_INTERNAL, ctx, err);
	podman_response_release(&resp);
	if (root && status)
		*status = st;
	return root;
}

/* GET PATH answering 204 / 404: 1, 0, or -1. */
static int call_exists(struct podman_client *c, const char *path, const char *what, struct iso_error **err)
{
	struct podman_response resp;
	if (send_req(c, "GET", path, NULL, 0, NULL, 0, 0, NULL, NULL, &resp, err) < 0)
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

static int call_stream(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		       long timeout_ms, int notify_open, podman_chunk_cb cb, void *ctx, const char *what,
		       struct iso_error **err)
{
	struct podman_response resp;
	if (send_req(c, method, path, body, body_len, NULL, timeout_ms, notify_open, cb, ctx, &resp, err) < 0)
		return iso_error_wrap(err, "%s", what);
	if (resp.status >= 400 || resp.status < 100) {
		podman_error_from_response(resp.status, resp.body, resp.len, what, err);
		podman_response_release(&resp);
		return -1;
	}
	podman_response_release(&resp);
	return 0;
}

int podman_call_stream(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		       long timeout_ms, podman_chunk_cb cb, void *ctx, const char *what, struct iso_error **err)
{
	return call_stream(c, method, path, body, body_len, timeout_ms, 0, cb, ctx, what, err);
}

int podman_call_follow(struct podman_client *c, const char *path, podman_chunk_cb cb, void *ctx, const char *what,
		       struct iso_error **err)
{
	return call_stream(c, "GET", path, NULL, 0, -1, 1, cb, ctx, what, err);
}

int podman_call_ok(struct podman_client *c, const char *method, const char *path, const char *what,
		   struct iso_error **err)
{
	struct podman_response resp;
	if (podman_call(c, method, path, NULL, 0, NULL, what, &resp, err) < 0)
		return -1;
	podman_response_release(&resp);
	return 0;
}

/* ---- one named object: /<kind>s/<name>... ---- */
static char *object_path(const char *kind, const char *name, const char *suffix)
{
	cleanup_free char *esc = podman_escape(name);
	return xasprintf("/%ss/%s%s", kind, esc, suffix);
}

int podman_exists_named(struct podman_client *c, const char *kind, const char *name, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("check %s '%s'", kind, name);
	cleanup_free char *path = object_path(kind, name, "/exists");
	return call_exists(c, path, what, err);
}

iso_json *podman_inspect_named(struct podman_client *c, const char *kind, const char *name, char **what,
			       struct iso_error **err)
{
	cleanup_free char *path = object_path(kind, name, "/json");
	*what = xasprintf("inspect %s '%s'", kind, name);
	return podman_call_json(c, "GET", path, NULL, 0, *what, NULL, err);
}

int podman_post_create(struct podman_client *c, const char *path, iso_jgen *g, const char *what, char **id,
		       struct iso_error **err)
{
	size_t len;
	const char *body = iso_jgen_finish(g, &len, err);
	if (!body)
		return -1;
	cleanup_json iso_json *root = podman_call_json(c, "POST", path, body, len, what, NULL, err);
	if (!root)
		return -1;
	return podman_answer_id(root, "Id", what, id, err);
}

/* ---- JSON helpers ---- */
int podman_answer_id(const iso_json *root, const char *key, const char *what, char **id, struct iso_error **err)
{
	const char *s = iso_json_get_string(root, key);
	if (!s) {
		cleanup_free char *detail = xasprintf("no %s", key);
		return podman_bad_answer(err, what, detail);
	}
	if (id)
		*id = xstrdup(s);
	return 0;
}

iso_json *podman_report_json(const struct podman_response *resp)
{
	struct iso_error *perr = NULL;
	iso_json *root = resp->len ? iso_json_parse(resp->body, resp->len, 0, ISO_E_INTERNAL, "a report", &perr) : NULL;
	iso_error_free(perr);
	return root;
}

char *podman_json_strdup(const iso_json *obj, const char *key)
{
	const char *s = iso_json_get_string(obj, key);
	return s ? xstrdup(s) : NULL;
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
