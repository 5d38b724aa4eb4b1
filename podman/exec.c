/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output streams: the 8-byte frame demuxer (logs, exec, attach without a
 * TTY), container logs, and exec sessions, interactive ones through the
 * transport's upgrade.
 */
#include <errno.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

void podman_demux_init(struct podman_demux *d, podman_output_cb cb, void *ctx)
{
	memset(d, 0, sizeof *d);
	d->cb = cb;
	d->ctx = ctx;
}

int podman_demux_feed(struct podman_demux *d, const char *buf, size_t len, struct iso_error **err)
{
	while (len && !d->stopped) {
		if (d->remaining == 0) {
			size_t k = 8 - d->hdr_len;
			if (k > len)
				k = len;
			memcpy(d->hdr + d->hdr_len, buf, k);
			d->hdr_len += k;
			buf += k;
			len -= k;
			if (d->hdr_len < 8)
				return 0;
			d->hdr_len = 0;
			if (d->hdr[0] > 2 || d->hdr[1] || d->hdr[2] || d->hdr[3])
				return iso_error_set(err, ISO_E_INTERNAL, EPROTO,
						     "malformed output frame from podman (header %02x %02x %02x %02x)",
						     d->hdr[0], d->hdr[1], d->hdr[2], d->hdr[3]);
			d->stream = d->hdr[0];
			d->remaining = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
				       (uint32_t)d->hdr[6] << 8 | d->hdr[7];
			if (d->remaining > PODMAN_FRAME_MAX)
				return iso_error_set(err, ISO_E_INTERNAL, EFBIG,
						     "output frame from podman of %u bytes is over the %u cap",
						     d->remaining, PODMAN_FRAME_MAX);
			continue;
		}
		size_t k = len < d->remaining ? len : d->remaining;
		if (d->cb && d->cb(d->ctx, d->stream ? (enum podman_stream_id)d->stream : PODMAN_STDOUT, buf, k))
			d->stopped = 1;
		d->remaining -= (uint32_t)k;
		buf += k;
		len -= k;
	}
	return d->stopped ? 1 : 0;
}

int podman_demux_finish(struct podman_demux *d, struct iso_error **err)
{
	if (!d->stopped && (d->hdr_len || d->remaining))
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO, "podman's output stream ended inside a frame");
	return 0;
}

struct demux_ctx {
	struct podman_demux d;
	struct iso_error *err;
};

static int on_chunk(void *ctx, const char *data, size_t len)
{
	struct demux_ctx *x = ctx;
	return podman_demux_feed(&x->d, data, len, &x->err) != 0;
}

/* Run a streaming call whose body is framed output. */
static int framed_call(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		       long timeout_ms, podman_output_cb cb, void *ctx, const char *what, struct iso_error **err)
{
	struct demux_ctx x = {.err = NULL};
	podman_demux_init(&x.d, cb, ctx);
	if (podman_call_stream(c, method, path, body, body_len, timeout_ms, on_chunk, &x, what, err) < 0) {
		iso_error_free(x.err);
		return -1;
	}
	if (x.err) {
		if (err) {
			iso_error_free(*err);
			*err = x.err;
		} else {
			iso_error_free(x.err);
		}
		return iso_error_wrap(err, "%s", what);
	}
	if (podman_demux_finish(&x.d, err) < 0)
		return iso_error_wrap(err, "%s", what);
	return 0;
}

int podman_container_logs(struct podman_client *c, const char *name, const struct podman_logs_opts *o,
			  podman_output_cb cb, void *ctx, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("read the logs of container '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	int out = !o || o->stdout_ || !o->stderr_, errs = !o || o->stderr_ || !o->stdout_;
	char tail[32] = "";
	if (o && o->tail >= 0)
		snprintf(tail, sizeof tail, "&tail=%d", o->tail);
	cleanup_free char *path =
		xasprintf("/containers/%s/logs?stdout=%s&stderr=%s&follow=%s&timestamps=%s%s", esc,
			  out ? "true" : "false", errs ? "true" : "false", o && o->follow ? "true" : "false",
			  o && o->timestamps ? "true" : "false", tail);
	long timeout = 0;
	if (o && o->follow)
		timeout = o->timeout_ms > 0 ? o->timeout_ms : -1;
	return framed_call(c, "GET", path, NULL, 0, timeout, cb, ctx, what, err);
}

int podman_exec_create(struct podman_client *c, const char *container, const struct podman_exec_spec *s, char **id,
		       struct iso_error **err)
{
	cleanup_free char *what = xasprintf("create an exec session in container '%s'", container);
	cleanup_free char *esc = podman_escape(container);
	cleanup_free char *path = xasprintf("/containers/%s/exec", esc);
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_bool(g, "AttachStdout", 1);
	iso_jgen_kv_bool(g, "AttachStderr", 1);
	iso_jgen_kv_bool(g, "AttachStdin", s->attach_stdin);
	iso_jgen_kv_bool(g, "Tty", s->tty);
	podman_jgen_strv(g, "Cmd", s->cmd);
	if (s->n_env) {
		iso_jgen_key(g, "Env");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_env; i++) {
			cleanup_free char *kv =
				xasprintf("%s=%s", s->env[i].key, s->env[i].value ? s->env[i].value : "");
			iso_jgen_string(g, kv);
		}
		iso_jgen_array_close(g);
	}
	if (s->user)
		iso_jgen_kv_string(g, "User", s->user);
	if (s->workdir)
		iso_jgen_kv_string(g, "WorkingDir", s->workdir);
	iso_jgen_map_close(g);
	return podman_post_create(c, path, g, what, id, err);
}

int podman_exec_start(struct podman_client *c, const char *id, podman_output_cb cb, void *ctx, struct iso_error **err)
{
	static const char body[] = "{\"Detach\":false,\"Tty\":false}";
	cleanup_free char *what = xasprintf("start exec session '%.12s'", id);
	cleanup_free char *esc = podman_escape(id);
	cleanup_free char *path = xasprintf("/exec/%s/start", esc);
	return framed_call(c, "POST", path, body, sizeof body - 1, -1, cb, ctx, what, err);
}

int podman_exec_inspect(struct podman_client *c, const char *id, struct podman_exec_info *out, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("inspect exec session '%.12s'", id);
	cleanup_free char *esc = podman_escape(id);
	cleanup_free char *path = xasprintf("/exec/%s/json", esc);
	cleanup_json iso_json *root = podman_call_json(c, "GET", path, NULL, 0, what, NULL, err);
	long long code, pid;
	int running;
	if (!root)
		return -1;
	if (!iso_json_get_string(root, "ID") || iso_json_int(iso_json_get(root, "ExitCode"), &code) < 0 ||
	    iso_json_bool(iso_json_get(root, "Running"), &running) < 0 ||
	    iso_json_int(iso_json_get(root, "Pid"), &pid) < 0)
		return podman_bad_answer(err, what, "no ID, ExitCode, Running or Pid");
	memset(out, 0, sizeof *out);
	out->id = podman_json_strdup(root, "ID");
	out->container_id = podman_json_strdup(root, "ContainerID");
	out->running = running;
	out->exit_code = (int)code;
	out->pid = (int)pid;
	return 0;
}

void podman_exec_info_release(struct podman_exec_info *i)
{
	free(i->id);
	free(i->container_id);
	memset(i, 0, sizeof *i);
}

int podman_exec_run(struct podman_client *c, const char *container, const struct podman_exec_spec *spec,
		    podman_output_cb cb, void *ctx, int *exit_code, struct iso_error **err)
{
	cleanup_free char *id = NULL;
	struct podman_exec_info info;
	if (podman_exec_create(c, container, spec, &id, err) < 0 || podman_exec_start(c, id, cb, ctx, err) < 0 ||
	    podman_exec_inspect(c, id, &info, err) < 0)
		return -1;
	*exit_code = info.exit_code;
	podman_exec_info_release(&info);
	return 0;
}

/* REQ hijacked: *raw the live stream, or the error Podman answered with instead of the upgrade. */
static int upgrade_call(struct podman_client *c, const struct podman_request *req, const char *what,
			struct podman_raw **raw, struct iso_error **err)
{
	struct podman_response resp = {0};
	if (podman_client_ensure(c, err) < 0 || c->t->ops->upgrade(c->t, req, &resp, raw, err) < 0)
		return iso_error_wrap(err, "%s", what);
	if (!*raw) {
		podman_error_from_response(resp.status, resp.body, resp.len, what, err);
		podman_response_release(&resp);
		return -1;
	}
	podman_response_release(&resp);
	return 0;
}

int podman_exec_attach(struct podman_client *c, const char *id, int tty, int height, int width, struct podman_raw **raw,
		       struct iso_error **err)
{
	cleanup_free char *what = xasprintf("attach to exec session '%.12s'", id);
	cleanup_free char *esc = podman_escape(id);
	cleanup_free char *full = xasprintf("%s/exec/%s/start", PODMAN_API_PREFIX, esc);
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	size_t len;
	iso_jgen_map_open(g);
	iso_jgen_kv_bool(g, "Detach", 0);
	iso_jgen_kv_bool(g, "Tty", tty);
	if (tty && height > 0 && width > 0) {
		iso_jgen_key(g, "h");
		iso_jgen_int(g, height);
		iso_jgen_key(g, "w");
		iso_jgen_int(g, width);
	}
	iso_jgen_map_close(g);
	const char *body = iso_jgen_finish(g, &len, err);
	if (!body)
		return -1;
	struct podman_request req = {.method = "POST",
				     .path = full,
				     .body = body,
				     .body_len = len,
				     .content_type = "application/json",
				     .timeout_ms = -1};
	return upgrade_call(c, &req, what, raw, err);
}

int podman_exec_resize(struct podman_client *c, const char *id, int height, int width, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("resize exec session '%.12s'", id);
	cleanup_free char *esc = podman_escape(id);
	cleanup_free char *path = xasprintf("/exec/%s/resize?h=%d&w=%d", esc, height, width);
	return podman_call_ok(c, "POST", path, what, err);
}

int podman_container_attach(struct podman_client *c, const char *name, int with_stdin, struct podman_raw **raw,
			    struct iso_error **err)
{
	cleanup_free char *what = xasprintf("attach to container '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *full =
		xasprintf("%s/containers/%s/attach?stream=true&logs=false&stdin=%s&stdout=true&stderr=true",
			  PODMAN_API_PREFIX, esc, with_stdin ? "true" : "false");
	struct podman_request req = {.method = "POST", .path = full, .timeout_ms = -1};
	return upgrade_call(c, &req, what, raw, err);
}

int podman_container_resize(struct podman_client *c, const char *name, int height, int width, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("resize the terminal of container '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = xasprintf("/containers/%s/resize?h=%d&w=%d", esc, height, width);
	return podman_call_ok(c, "POST", path, what, err);
}
