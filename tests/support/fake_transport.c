/* SPDX-License-Identifier: Apache-2.0 */
/* The scripted transport of fake_transport.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_transport.h"
#include "base/util.h"

#ifndef ISO_TEST_DATA
#define ISO_TEST_DATA "tests/data"
#endif

char *fake_read_data(const char *name, size_t *len)
{
	char path[512];
	char *buf = NULL;
	size_t n = 0;
	struct iso_error *e = NULL;
	snprintf(path, sizeof path, "%s/podman/%s.json", ISO_TEST_DATA, name);
	if (iso_read_file(path, 1 << 24, &buf, &n, &e) < 0) {
		fprintf(stderr, "fake_transport: %s\n", e->msg);
		iso_error_free(e);
		abort();
	}
	if (len)
		*len = n;
	return buf;
}

static void mismatch(struct fake_transport *f, const char *fmt, const char *a, const char *b)
{
	if (!f->mismatch)
		f->mismatch = xasprintf(fmt, a, b);
}

/* Check the request and pick its exchange; -1 with an error when it must fail. */
static struct fake_exchange *take(struct fake_transport *f, const struct podman_request *req, struct iso_error **err)
{
	size_t nreq = f->next + 1;
	free(f->last_path);
	free(f->last_body);
	free(f->last_ctype);
	f->last_path = xstrdup(req->path);
	f->last_body = req->body ? xstrndup(req->body, req->body_len) : NULL;
	f->last_body_len = req->body ? req->body_len : 0;
	f->last_ctype = req->content_type ? xstrdup(req->content_type) : NULL;
	if (f->next < FAKE_MAX)
		f->paths[f->next] = xstrdup(req->path);
	if (req->body && !req->content_type)
		mismatch(f, "%s %s: a body without Content-Type", req->method, req->path);
	if (req->body && strstr(req->path, "/secrets/create") &&
	    strcmp(req->content_type ? req->content_type : "", "application/octet-stream") != 0)
		mismatch(f, "%s %s: secret data not sent as application/octet-stream", req->method, req->path);
	if (req->body && !strstr(req->path, "/secrets/create") &&
	    strcmp(req->content_type ? req->content_type : "", "application/json") != 0)
		mismatch(f, "%s %s: a JSON body not sent as application/json", req->method, req->path);
	if (f->next >= f->n) {
		mismatch(f, "unexpected request %s %s", req->method, req->path);
		iso_error_set(err, ISO_E_INTERNAL, EPROTO, "fake: unexpected request %s %s", req->method, req->path);
		return NULL;
	}
	struct fake_exchange *x = &f->ex[f->next++];
	if (strcmp(x->method, req->method) != 0 || !strstr(req->path, x->path)) {
		char want[512];
		snprintf(want, sizeof want, "%s %s", x->method, x->path);
		mismatch(f, "expected %s, got %s", want, req->path);
	}
	if (f->fail_nth && (size_t)f->fail_nth == nreq) {
		iso_error_set(err, ISO_E_UNREACHABLE, ECONNREFUSED,
			      "nothing listens on podman socket '/fake' (connection refused); fault injected");
		return NULL;
	}
	return x;
}

static void answer(struct fake_transport *f, const struct fake_exchange *x, struct podman_response *resp)
{
	size_t len = x->len;
	if (f->cut_nth && (size_t)f->cut_nth == f->next)
		len /= 2;
	resp->status = x->status;
	resp->body = xmalloc(len + 1); /* frames hold NUL bytes: no strndup */
	memcpy(resp->body, x->body, len);
	resp->body[len] = 0;
	resp->len = len;
	resp->api_version = x->api_version ? xstrdup(x->api_version) : NULL;
}

static int f_request(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		     struct iso_error **err)
{
	struct fake_transport *f = (struct fake_transport *)t;
	struct fake_exchange *x = take(f, req, err);
	if (!x)
		return -1;
	answer(f, x, resp);
	return 0;
}

static int f_stream(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		    podman_chunk_cb cb, void *ctx, struct iso_error **err)
{
	struct fake_transport *f = (struct fake_transport *)t;
	struct fake_exchange *x = take(f, req, err);
	if (!x)
		return -1;
	answer(f, x, resp);
	if (resp->status >= 200 && resp->status < 300) {
		size_t step = f->chunk ? f->chunk : 7;
		int stop = req->notify_open && cb(ctx, NULL, 0);
		for (size_t off = 0; off < resp->len && !stop; off += step) {
			size_t k = resp->len - off < step ? resp->len - off : step;
			if (cb(ctx, resp->body + off, k))
				break;
		}
		free(resp->body);
		resp->body = xstrdup("");
		resp->len = 0;
	}
	return 0;
}

struct fake_raw {
	struct podman_raw base;
	struct fake_transport *f;
	char *data;
	size_t len, off;
};

static ssize_t r_read(struct podman_raw *r, void *buf, size_t n, int timeout_ms, struct iso_error **err)
{
	struct fake_raw *fr = (struct fake_raw *)r;
	size_t k = fr->len - fr->off < n ? fr->len - fr->off : n;
	memcpy(buf, fr->data + fr->off, k);
	fr->off += k;
	return (ssize_t)k;
}

static int r_write(struct podman_raw *r, const void *buf, size_t n, struct iso_error **err)
{
	struct fake_raw *fr = (struct fake_raw *)r;
	struct fake_transport *f = fr->f;
	if (n > sizeof f->written - f->written_len)
		n = sizeof f->written - f->written_len;
	memcpy(f->written + f->written_len, buf, n);
	f->written_len += n;
	return 0;
}

static int r_fd(struct podman_raw *r)
{
	return -1;
}

static void r_close(struct podman_raw *r)
{
	struct fake_raw *fr = (struct fake_raw *)r;
	free(fr->data);
	free(fr);
}

static const struct podman_raw_ops fake_raw_ops = {r_read, r_write, r_fd, r_close};

static int f_upgrade(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		     struct podman_raw **raw, struct iso_error **err)
{
	struct fake_transport *f = (struct fake_transport *)t;
	struct fake_exchange *x = take(f, req, err);
	if (!x)
		return -1;
	answer(f, x, resp);
	*raw = NULL;
	if (resp->status == 101 || resp->status == 200) {
		struct fake_raw *fr = xzalloc(sizeof *fr);
		fr->base.ops = &fake_raw_ops;
		fr->f = f;
		fr->data = resp->body;
		fr->len = resp->len;
		resp->body = xstrdup("");
		resp->len = 0;
		*raw = &fr->base;
	}
	return 0;
}

static void f_free(struct podman_transport *t)
{
	/* the test frees the fake with fake_free, after the client */
}

static const struct podman_transport_ops fake_ops = {f_request, f_stream, f_upgrade, f_free};

struct fake_transport *fake_new(void)
{
	struct fake_transport *f = xzalloc(sizeof *f);
	f->base.ops = &fake_ops;
	return f;
}

struct podman_transport *fake_transport(struct fake_transport *f)
{
	return &f->base;
}

void fake_expect_body(struct fake_transport *f, const char *method, const char *path, int status, const char *body,
		      size_t len)
{
	if (f->n >= FAKE_MAX)
		abort();
	struct fake_exchange *x = &f->ex[f->n++];
	x->method = method;
	x->path = path;
	x->status = status;
	x->body = xmalloc(len + 1);
	memcpy(x->body, body ? body : "", len);
	x->body[len] = 0;
	x->len = len;
	x->api_version = "4.3.1";
}

void fake_expect(struct fake_transport *f, const char *method, const char *path, int status, const char *name)
{
	size_t len = 0;
	char *b = name ? fake_read_data(name, &len) : NULL;
	fake_expect_body(f, method, path, status, b, len);
	free(b);
}

void fake_free(struct fake_transport *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->ex[i].body);
	for (size_t i = 0; i < FAKE_MAX; i++)
		free(f->paths[i]);
	free(f->mismatch);
	free(f->last_path);
	free(f->last_body);
	free(f->last_ctype);
	free(f);
}
