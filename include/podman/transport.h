/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman/transport.h - how the libpod client moves bytes: a vtable, so unit
 * tests run the whole client over a fake (tests/support/fake_transport.h).
 *
 * Calling sequence
 *   struct podman_transport *t = podman_transport_curl_new (&ep, &opts, err);
 *   t->ops->request (t, &req, &resp, err);     request/response, body capped
 *   t->ops->stream (t, &req, &resp, cb, ctx, err);  2xx body chunks to CB
 *   t->ops->upgrade (t, &req, &resp, &raw, err);    hijacked two-way stream
 *   podman_transport_free (t);
 *
 * Contract
 *   - A request with a body always carries req->content_type; the transport
 *     refuses one without (libpod 4.3.1 swallows untyped bodies).
 *   - Any answer that arrived is success at this level: resp->status holds
 *     the HTTP status and the caller turns >= 400 into an error.  Only a
 *     failure to talk (socket missing, refused, timeout, cap exceeded,
 *     aborted) is an error here, all of class ISO_E_UNREACHABLE except an
 *     abort (ISO_E_INTERNAL, status ECANCELED).
 *   - stream() hands only a 2xx body to CB; any other body lands in
 *     resp->body for the error.  CB returns 0 to go on, non-zero to stop
 *     (then stream() returns 0: the caller stopped it and knows why).
 *     With req->notify_open, CB also gets (NULL, 0) once when a 2xx
 *     answer's headers are in, before any body: a follower that must know
 *     when the stream is live (the events stream sends nothing until an
 *     event happens).
 *   - One transport serves one request at a time (one handle, kept alive);
 *     each upgrade opens its own connection.
 *   - When *opts->abort_flag becomes non-zero (set by a SIGINT/SIGTERM
 *     handler of the caller) a transfer in flight stops within ~0.1 s.
 *
 * Ownership: resp fields are owned by resp (podman_response_release);
 * raw streams are closed with podman_raw_close.
 *
 * Files: podman/transport.c holds what every transport shares (the
 * response release, the vtable calls); podman/transport_curl.c is the one
 * transport that includes curl.
 */
#ifndef PODMAN_TRANSPORT_H
#define PODMAN_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/error.h"

#define PODMAN_MAX_RESPONSE_DEFAULT (64u << 20) /* 64 MiB: container inspect of a big image is ~20 KB */

enum podman_endpoint_kind { PODMAN_EP_UNIX, PODMAN_EP_TCP };

/* Where the service is.  All strings owned (podman_endpoint_release). */
struct podman_endpoint {
	enum podman_endpoint_kind kind;
	char *uri;      /* as the user would write it: unix:///run/..., tcp://host:port */
	char *path;     /* unix: the socket path; NULL for tcp */
	char *base;     /* the URL prefix curl gets: http://d or http://host:port */
	int is_default; /* found without CONTAINER_HOST: auto-start allowed */
};

struct podman_transport_opts {
	long timeout_ms;                   /* whole request; 0: 120 s.  Streams: none */
	long connect_timeout_ms;           /* 0: 5 s */
	size_t max_response;               /* 0: PODMAN_MAX_RESPONSE_DEFAULT */
	volatile sig_atomic_t *abort_flag; /* may be NULL */
};

struct podman_request {
	const char *method; /* GET POST DELETE */
	const char *path;   /* absolute, query included: /v4.0.0/libpod/pods/x/json */
	const char *body;   /* may be NULL */
	size_t body_len;
	const char *content_type; /* required when body != NULL */
	long timeout_ms;          /* 0: the transport's; -1: none (follow) */
	int notify_open;          /* stream(): CB(ctx, NULL, 0) once a 2xx answer's headers are in */
};

struct podman_response {
	int status;
	char *body; /* NUL-terminated, never NULL after a transfer */
	size_t len;
	char *api_version; /* Libpod-Api-Version header, or NULL */
};
void podman_response_release(struct podman_response *r);

typedef int (*podman_chunk_cb)(void *ctx, const char *data, size_t len);

/* A raw two-way stream after "101 UPGRADED" (exec/attach). */
struct podman_raw;
struct podman_raw_ops {
	/* Bytes read (0 at EOF), or -1; waits at most TIMEOUT_MS (-1 forever; 0 → returns -1 with status EAGAIN). */
	ssize_t (*read)(struct podman_raw *r, void *buf, size_t n, int timeout_ms, struct iso_error **err);
	int (*write)(struct podman_raw *r, const void *buf, size_t n, struct iso_error **err);
	int (*fd)(struct podman_raw *r); /* for poll(); -1 when none */
	void (*close)(struct podman_raw *r);
};
struct podman_raw {
	const struct podman_raw_ops *ops;
};
void podman_raw_close(struct podman_raw *r);

struct podman_transport;
struct podman_transport_ops {
	int (*request)(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		       struct iso_error **err);
	int (*stream)(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		      podman_chunk_cb cb, void *ctx, struct iso_error **err);
	/* On 101/200: *raw set.  Otherwise resp holds the status and the error body and *raw stays NULL. */
	int (*upgrade)(struct podman_transport *t, const struct podman_request *req, struct podman_response *resp,
		       struct podman_raw **raw, struct iso_error **err);
	void (*free)(struct podman_transport *t);
};
struct podman_transport {
	const struct podman_transport_ops *ops;
};
void podman_transport_free(struct podman_transport *t);

/* The libcurl transport to EP (borrowed: copied): podman/transport_curl.c. */
struct podman_transport *podman_transport_curl_new(const struct podman_endpoint *ep,
						   const struct podman_transport_opts *opts, struct iso_error **err);

/* ---- endpoint discovery (podman/endpoint.c) ---- */

/*
 * As podman-remote finds it: CONTAINER_HOST (unix://, tcp://; ssh:// refused
 * with how to forward the socket), else XDG_RUNTIME_DIR/podman/podman.sock
 * for a user, /run/podman/podman.sock for root.  Inputs are parameters so
 * tests need no environment; podman_endpoint_from_env reads the real one.
 */
int podman_endpoint_discover(const char *container_host, const char *xdg_runtime_dir, uid_t uid,
			     struct podman_endpoint *out, struct iso_error **err);
int podman_endpoint_from_env(struct podman_endpoint *out, struct iso_error **err);
/* Parse one URI (unix:///path, tcp://host:port). */
int podman_endpoint_parse(const char *uri, struct podman_endpoint *out, struct iso_error **err);
void podman_endpoint_release(struct podman_endpoint *ep);

#endif
