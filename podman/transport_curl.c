/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libcurl transport: the one file of isopod that includes curl.  One
 * easy handle is reset and reused for every request so the connection to
 * the service stays alive; each upgraded stream gets a handle of its own.
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "base/cleanup.h"
#include "base/util.h"
#include "podman/transport.h"

struct curl_transport {
	struct podman_transport base;
	struct podman_endpoint ep;
	struct podman_transport_opts opts;
	CURL *h;
	char errbuf[CURL_ERROR_SIZE];
};

struct xfer {
	struct curl_transport *ct;
	CURL *h;
	struct iso_buf body;
	char *api_version;
	int toobig;
	podman_chunk_cb cb;
	void *ctx;
	int stopped_by_cb;
	int notify_open;
};

static void curl_cleanupp(CURL **h)
{
	if (*h)
		curl_easy_cleanup(*h);
}
#define cleanup_curl __attribute__((cleanup(curl_cleanupp)))
static void slist_freep(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}
#define cleanup_slist __attribute__((cleanup(slist_freep)))

static size_t on_header(char *buf, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;
	static const char name[] = "libpod-api-version:";
	if (len > sizeof name - 1 && strncasecmp(buf, name, sizeof name - 1) == 0) {
		const char *v = buf + sizeof name - 1;
		const char *end = buf + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		free(x->api_version);
		x->api_version = xstrndup(v, (size_t)(end - v) < 64 ? (size_t)(end - v) : 64);
	}
	if (x->notify_open && x->cb && (len == 2 || len == 1) && (buf[0] == '\r' || buf[0] == '\n')) {
		/* the blank line after a header block: the stream is live if it is a 2xx one */
		long code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300) {
			x->notify_open = 0;
			if (x->cb(x->ctx, NULL, 0) != 0) {
				x->stopped_by_cb = 1;
				return 0;
			}
		}
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;
	if (x->cb) {
		long code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300) {
			if (x->cb(x->ctx, buf, len) != 0) {
				x->stopped_by_cb = 1;
				return 0;
			}
			return len;
		}
	}
	if (iso_buf_append(&x->body, buf, len) < 0) {
		x->toobig = 1;
		return 0;
	}
	return len;
}

static int on_progress(void *userdata, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct curl_transport *ct = userdata;
	return ct->opts.abort_flag && *ct->opts.abort_flag ? 1 : 0;
}

static void set_common(struct curl_transport *ct, CURL *h, const char *path, char *errbuf)
{
	cleanup_free char *url = xasprintf("%s%s", ct->ep.base, path);
	curl_easy_setopt(h, CURLOPT_URL, url); /* curl copies it */
	if (ct->ep.kind == PODMAN_EP_UNIX)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, ct->ep.path);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ct->opts.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, ct);
	errbuf[0] = 0;
}

/* Turn a curl failure into the "Podman unreachable" messages of the contract. */
static int curl_fail(struct curl_transport *ct, CURL *h, CURLcode rc, const struct podman_request *req,
		     const struct xfer *x, struct iso_error **err)
{
	const char *detail = ct->errbuf[0] ? ct->errbuf : curl_easy_strerror(rc);
	long oserr = 0;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return iso_error_set(err, ISO_E_INTERNAL, ECANCELED, "interrupted during %s %s to podman", req->method,
				     req->path);
	if (x && x->toobig)
		return iso_error_set(err, ISO_E_INTERNAL, EFBIG,
				     "the answer of podman to %s %s is larger than %zu bytes; refusing it", req->method,
				     req->path, ct->opts.max_response);
	if (rc == CURLE_COULDNT_CONNECT && ct->ep.kind == PODMAN_EP_UNIX) {
		struct stat st;
		if (stat(ct->ep.path, &st) < 0 && (errno == ENOENT || oserr == ENOENT))
			return iso_error_set(err, ISO_E_UNREACHABLE, ENOENT,
					     "podman socket '%s' does not exist; start the service with "
					     "'podman system service --time=0 %s' or set CONTAINER_HOST",
					     ct->ep.path, ct->ep.uri);
		if (oserr == EACCES || (stat(ct->ep.path, &st) == 0 && access(ct->ep.path, W_OK) < 0))
			return iso_error_set(err, ISO_E_UNREACHABLE, EACCES,
					     "no permission to use podman socket '%s'; run as its owner or set "
					     "CONTAINER_HOST to your own socket",
					     ct->ep.path);
		return iso_error_set(err, ISO_E_UNREACHABLE, ECONNREFUSED,
				     "nothing listens on podman socket '%s' (connection refused); the service "
				     "died: start it again with 'podman system service --time=0 %s'",
				     ct->ep.path, ct->ep.uri);
	}
	if (rc == CURLE_COULDNT_CONNECT)
		return iso_error_set(err, ISO_E_UNREACHABLE, oserr ? (int)oserr : ECONNREFUSED,
				     "cannot connect to podman at '%s' (%s); check the service runs there and "
				     "CONTAINER_HOST is right",
				     ct->ep.uri, detail);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return iso_error_set(err, ISO_E_UNREACHABLE, ETIMEDOUT,
				     "podman at '%s' did not answer %s %s in time (%s); check the service is "
				     "alive ('podman info') or restart it",
				     ct->ep.uri, req->method, req->path, detail);
	return iso_error_set(err, ISO_E_UNREACHABLE, EIO, "talking to podman at '%s' failed during %s %s: %s",
			     ct->ep.uri, req->method, req->path, detail);
}

static int perform(struct curl_transport *ct, const struct podman_request *req, struct podman_response *resp,
		   podman_chunk_cb cb, void *ctx, struct iso_error **err)
{
	CURL *h = ct->h;
	cleanup_slist struct curl_slist *hdrs = NULL;
	struct xfer x = {.ct = ct, .h = h, .cb = cb, .ctx = ctx, .notify_open = req->notify_open};
	CURLcode rc;
	long code = 0;

	if (req->body && !req->content_type)
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL, "request %s %s has a body but no content type",
				     req->method, req->path);
	curl_easy_reset(h); /* keeps the live connection */
	set_common(ct, h, req->path, ct->errbuf);
	iso_buf_init(&x.body, ct->opts.max_response);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	if (req->timeout_ms >= 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : ct->opts.timeout_ms);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		/*
		 * A request that changes something goes on a new connection: on a
		 * reused one that dies before the answer, libcurl sends it again,
		 * and a create Podman carried out the first time then fails as
		 * "already exists" while the first object is nobody's.  On a fresh
		 * one the lost answer is an error the caller can act on.
		 */
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body || strcmp(req->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		}
	}
	if (req->content_type) {
		cleanup_free char *ct_hdr = xasprintf("Content-Type: %s", req->content_type);
		hdrs = curl_slist_append(hdrs, ct_hdr);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x.stopped_by_cb)) {
		curl_fail(ct, h, rc, req, &x, err);
		iso_buf_release(&x.body);
		free(x.api_version);
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	resp->status = (int)code;
	resp->body = iso_buf_steal(&x.body, &resp->len);
	resp->api_version = x.api_version;
	return 0;
}

static int ct_request(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		      struct iso_error **err)
{
	return perform((struct curl_transport *)t, req, resp, NULL, NULL, err);
}

static int ct_stream(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		     podman_chunk_cb cb, void *ctx, struct iso_error **err)
{
	return perform((struct curl_transport *)t, req, resp, cb, ctx, err);
}

/* ---- upgraded raw streams: CONNECT_ONLY, our own HTTP/1.1 request ---- */
struct curl_raw {
	struct podman_raw base;
	CURL *h;
	curl_socket_t fd;
	char *pending; /* bytes read past the headers */
	size_t pending_len, pending_off;
	char errbuf[CURL_ERROR_SIZE];
};

static int wait_fd(curl_socket_t fd, short events, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

static ssize_t raw_read(struct podman_raw *pr, void *buf, size_t n, int timeout_ms, struct iso_error **err)
{
	struct curl_raw *r = (struct curl_raw *)pr;
	if (r->pending_off < r->pending_len) {
		size_t k = r->pending_len - r->pending_off;
		if (k > n)
			k = n;
		memcpy(buf, r->pending + r->pending_off, k);
		r->pending_off += k;
		return (ssize_t)k;
	}
	for (;;) {
		size_t got = 0;
		CURLcode rc = curl_easy_recv(r->h, buf, n, &got);
		if (rc == CURLE_OK)
			return (ssize_t)got;
		if (rc != CURLE_AGAIN)
			return iso_error_set(err, ISO_E_UNREACHABLE, EIO, "reading the podman stream failed: %s",
					     curl_easy_strerror(rc));
		int w = wait_fd(r->fd, POLLIN, timeout_ms);
		if (w == 0)
			return iso_error_set(err, ISO_E_UNREACHABLE, EAGAIN, "no data from the podman stream yet");
		if (w < 0)
			return iso_error_set(err, ISO_E_INTERNAL, errno, "poll: %s", strerror(errno));
	}
}

static int raw_write(struct podman_raw *pr, const void *buf, size_t n, struct iso_error **err)
{
	struct curl_raw *r = (struct curl_raw *)pr;
	const char *p = buf;
	while (n) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(r->h, p, n, &sent);
		if (rc == CURLE_AGAIN) {
			wait_fd(r->fd, POLLOUT, 1000);
			continue;
		}
		if (rc != CURLE_OK)
			return iso_error_set(err, ISO_E_UNREACHABLE, EIO, "writing to the podman stream failed: %s",
					     curl_easy_strerror(rc));
		p += sent;
		n -= sent;
	}
	return 0;
}

static int raw_fd(struct podman_raw *pr)
{
	return (int)((struct curl_raw *)pr)->fd;
}

static void raw_close(struct podman_raw *pr)
{
	struct curl_raw *r = (struct curl_raw *)pr;
	if (r->h)
		curl_easy_cleanup(r->h);
	free(r->pending);
	free(r);
}

static const struct podman_raw_ops raw_ops = {raw_read, raw_write, raw_fd, raw_close};

#define UPGRADE_HEADER_MAX 16384

/* A connected handle of its own for an upgrade, or NULL. */
static struct curl_raw *raw_connect(struct curl_transport *ct, const struct podman_request *req, struct iso_error **err)
{
	struct curl_raw *r = xzalloc(sizeof *r);
	CURLcode rc;

	r->base.ops = &raw_ops;
	r->h = curl_easy_init();
	if (!r->h) {
		free(r);
		iso_error_set(err, ISO_E_INTERNAL, ENOMEM, "curl_easy_init failed");
		return NULL;
	}
	set_common(ct, r->h, req->path, r->errbuf);
	curl_easy_setopt(r->h, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(r->h);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(r->h, CURLINFO_ACTIVESOCKET, &r->fd);
	if (rc != CURLE_OK) {
		memcpy(ct->errbuf, r->errbuf, sizeof ct->errbuf);
		curl_fail(ct, r->h, rc, req, NULL, err);
		raw_close(&r->base);
		return NULL;
	}
	return r;
}

/* Our own HTTP/1.1 request asking for the upgrade, its body after it. */
static int upgrade_send(struct curl_raw *r, const struct podman_request *req, struct iso_error **err)
{
	cleanup_free char *head =
		xasprintf("%s %s HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
			  "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			  req->method, req->path, req->content_type ? req->content_type : "application/json",
			  req->body ? req->body_len : (size_t)0);
	if (raw_write(&r->base, head, strlen(head), err) < 0 ||
	    (req->body && raw_write(&r->base, req->body, req->body_len, err) < 0))
		return -1;
	return 0;
}

/* Read into IN up to the end of the answer's headers; *END points at its "\r\n\r\n". */
static int upgrade_read_head(struct curl_transport *ct, struct curl_raw *r, const struct podman_request *req,
			     struct iso_buf *in, char **end, struct iso_error **err)
{
	while (!(in->data && (*end = strstr(in->data, "\r\n\r\n")))) {
		char chunk[4096];
		ssize_t k = raw_read(&r->base, chunk, sizeof chunk, (int)(ct->opts.timeout_ms), err);
		if (k <= 0 || iso_buf_append(in, chunk, (size_t)k) < 0) {
			if (k >= 0)
				iso_error_set(err, ISO_E_UNREACHABLE, EIO,
					      "podman closed or overflowed the upgrade of %s %s", req->method,
					      req->path);
			return -1;
		}
	}
	return 0;
}

/* An error answer: its body (Content-Length bounded by the cap) is the message. */
static void upgrade_error_body(struct curl_raw *r, struct iso_buf *in, const char *end, size_t hlen,
			       struct podman_response *resp)
{
	long clen = -1;
	const char *cl = strcasestr(in->data, "\r\ncontent-length:");
	if (cl && cl < end)
		clen = strtol(cl + 17, NULL, 10);
	while (clen > 0 && in->len - hlen < (size_t)clen && in->len < UPGRADE_HEADER_MAX) {
		char chunk[4096];
		struct iso_error *e2 = NULL;
		ssize_t k = raw_read(&r->base, chunk, sizeof chunk, 5000, &e2);
		iso_error_free(e2);
		if (k <= 0 || iso_buf_append(in, chunk, (size_t)k) < 0)
			break;
	}
	resp->len = in->len - hlen;
	resp->body = xstrndup(in->data + hlen, resp->len);
}

static int ct_upgrade(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		      struct podman_raw **out, struct iso_error **err)
{
	struct curl_transport *ct = (struct curl_transport *)t;
	struct curl_raw *r = raw_connect(ct, req, err);
	struct iso_buf in;
	char *end = NULL;
	int status = 0;

	if (!r)
		return -1;
	iso_buf_init(&in, UPGRADE_HEADER_MAX);
	if (upgrade_send(r, req, err) < 0 || upgrade_read_head(ct, r, req, &in, &end, err) < 0) {
		iso_buf_release(&in);
		raw_close(&r->base);
		return -1;
	}
	if (sscanf(in.data, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	size_t hlen = (size_t)(end - in.data) + 4;
	resp->status = status;
	if (status == 101 || status == 200) {
		r->pending = xmalloc(in.len - hlen + 1);
		memcpy(r->pending, in.data + hlen, in.len - hlen);
		r->pending_len = in.len - hlen;
		iso_buf_release(&in);
		resp->body = xstrdup("");
		*out = &r->base;
		return 0;
	}
	upgrade_error_body(r, &in, end, hlen, resp);
	iso_buf_release(&in);
	raw_close(&r->base);
	return 0;
}

static void ct_free(struct podman_transport *t)
{
	struct curl_transport *ct = (struct curl_transport *)t;
	if (ct->h)
		curl_easy_cleanup(ct->h);
	podman_endpoint_release(&ct->ep);
	free(ct);
}

static const struct podman_transport_ops curl_ops = {ct_request, ct_stream, ct_upgrade, ct_free};

struct podman_transport *podman_transport_curl_new(const struct podman_endpoint *ep,
						   const struct podman_transport_opts *opts, struct iso_error **err)
{
	static int inited;
	cleanup_curl CURL *h = NULL;
	struct curl_transport *ct;

	if (!inited) { /* single-threaded caller (main) */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	h = curl_easy_init();
	if (!h) {
		iso_error_set(err, ISO_E_INTERNAL, ENOMEM, "curl_easy_init failed");
		return NULL;
	}
	ct = xzalloc(sizeof *ct);
	ct->base.ops = &curl_ops;
	ct->h = steal_pointer(&h);
	if (opts)
		ct->opts = *opts;
	if (!ct->opts.timeout_ms)
		ct->opts.timeout_ms = 120000;
	if (!ct->opts.connect_timeout_ms)
		ct->opts.connect_timeout_ms = 5000;
	if (!ct->opts.max_response)
		ct->opts.max_response = PODMAN_MAX_RESPONSE_DEFAULT;
	ct->ep.kind = ep->kind;
	ct->ep.uri = xstrdup(ep->uri);
	ct->ep.path = ep->path ? xstrdup(ep->path) : NULL;
	ct->ep.base = xstrdup(ep->base);
	ct->ep.is_default = ep->is_default;
	return &ct->base;
}
