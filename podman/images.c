/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images: exists, and pull.  A pull answers 200 at once and then streams
 * one JSON object a line: {"stream":..} progress, {"error":..} on failure
 * (still under that 200), {"images":[..],"id":..} at the end.
 */
#include <errno.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

#define PULL_LINE_MAX (64u << 10)

struct podman_pull_state {
	struct iso_buf line;
	podman_progress_cb cb;
	void *ctx;
	char *error; /* the streamed {"error": ...} */
	char *id;
	int stopped;
};

struct podman_pull_state *podman_pull_state_new(podman_progress_cb cb, void *ctx)
{
	struct podman_pull_state *s = xzalloc(sizeof *s);
	iso_buf_init(&s->line, PULL_LINE_MAX);
	s->cb = cb;
	s->ctx = ctx;
	return s;
}

void podman_pull_state_free(struct podman_pull_state *s)
{
	if (!s)
		return;
	iso_buf_release(&s->line);
	free(s->error);
	free(s->id);
	free(s);
}

static int pull_line(struct podman_pull_state *s, const char *l, size_t n, struct iso_error **err)
{
	while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
		n--;
	if (!n)
		return 0;
	cleanup_json iso_json *o = iso_json_parse(l, n, 0, ISO_E_INTERNAL, "a line of the pull stream", err);
	if (!o)
		return -1;
	const char *e = iso_json_get_string(o, "error");
	const char *msg = iso_json_get_string(o, "stream");
	const char *id = iso_json_get_string(o, "id");
	if (e && !s->error)
		s->error = xstrndup(e, 1024);
	if (id) {
		free(s->id);
		s->id = xstrndup(id, 256);
	}
	if (msg && s->cb && !s->stopped) {
		cleanup_free char *m = xstrdup(msg);
		m[strcspn(m, "\n")] = 0;
		if (s->cb(s->ctx, m))
			s->stopped = 1;
	}
	return 0;
}

int podman_pull_feed(struct podman_pull_state *s, const char *buf, size_t len, struct iso_error **err)
{
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t k = nl ? (size_t)(nl - buf) : len;
		if (iso_buf_append(&s->line, buf, k) < 0)
			return iso_error_set(err, ISO_E_INTERNAL, EFBIG, "a line of the pull stream is over %u bytes",
					     PULL_LINE_MAX);
		if (!nl)
			break;
		int rc = pull_line(s, s->line.data ? s->line.data : "", s->line.len, err);
		s->line.len = 0;
		if (rc < 0)
			return -1;
		buf += k + 1;
		len -= k + 1;
	}
	return s->stopped ? 1 : 0;
}

int podman_pull_finish(struct podman_pull_state *s, char **id, struct iso_error **err)
{
	if (s->line.len) {
		int rc = pull_line(s, s->line.data, s->line.len, err);
		s->line.len = 0;
		if (rc < 0)
			return -1;
	}
	if (s->error)
		return iso_error_set(err, ISO_E_REFUSED, 500, "%s", s->error);
	if (s->stopped)
		return iso_error_set(err, ISO_E_INTERNAL, ECANCELED, "pull stopped before it finished");
	if (!s->id)
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO, "the pull stream ended without an image id");
	if (id)
		*id = xstrdup(s->id);
	return 0;
}

int podman_image_exists(struct podman_client *c, const char *ref, struct iso_error **err)
{
	return podman_exists_named(c, "image", ref, err);
}

int podman_image_id(struct podman_client *c, const char *ref, char **id, struct iso_error **err)
{
	cleanup_free char *what = NULL;
	cleanup_json iso_json *root = podman_inspect_named(c, "image", ref, &what, err);
	if (!root)
		return -1;
	return podman_answer_id(root, "Id", what, id, err);
}

struct pull_ctx {
	struct podman_pull_state *s;
	struct iso_error *err;
};

static int on_pull_chunk(void *ctx, const char *data, size_t len)
{
	struct pull_ctx *x = ctx;
	return podman_pull_feed(x->s, data, len, &x->err) != 0;
}

int podman_image_pull(struct podman_client *c, const char *ref, int tls_verify, podman_progress_cb cb, void *ctx,
		      char **id, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("pull image '%s'", ref);
	cleanup_free char *esc = podman_escape(ref);
	cleanup_free char *path =
		xasprintf("/images/pull?reference=%s&tlsVerify=%s", esc, tls_verify ? "true" : "false");
	struct pull_ctx x = {.s = podman_pull_state_new(cb, ctx)};
	int rc = podman_call_stream(c, "POST", path, NULL, 0, -1, on_pull_chunk, &x, what, err);
	if (rc == 0 && x.err) {
		if (err) {
			iso_error_free(*err);
			*err = steal_pointer(&x.err);
		}
		rc = iso_error_wrap(err, "%s", what);
	} else if (rc == 0 && podman_pull_finish(x.s, id, err) < 0) {
		rc = iso_error_wrap(err, "%s", what);
	}
	iso_error_free(x.err);
	podman_pull_state_free(x.s);
	return rc;
}
