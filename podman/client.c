/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client object: endpoint, transport, the connection check with the
 * automatic service start, version negotiation, and ping.  It sits below
 * the call layer (http.c): it talks to its transport directly and calls
 * nothing of http.c, which connects through podman_client_ensure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "internal.h"

struct podman_client *podman_client_new(const struct podman_client_opts *o, struct iso_error **err)
{
	struct podman_client *c = xzalloc(sizeof *c);
	int rc = o && o->endpoint ? podman_endpoint_parse(o->endpoint, &c->ep, err)
				  : podman_endpoint_from_env(&c->ep, err);
	if (rc < 0) {
		free(c);
		return NULL;
	}
	if (o)
		c->opts = *o;
	c->state_dir = o && o->state_dir ? xstrdup(o->state_dir) : NULL;
	c->podman_bin = xstrdup(o && o->podman_bin ? o->podman_bin : "podman");
	c->opts.state_dir = c->state_dir;
	c->opts.podman_bin = c->podman_bin;
	c->opts.endpoint = NULL;
	c->t = podman_transport_curl_new(&c->ep, &c->opts.transport, err);
	if (!c->t) {
		podman_client_free(c);
		return NULL;
	}
	return c;
}

struct podman_client *podman_client_new_with_transport(struct podman_transport *t, const char *endpoint_uri)
{
	struct podman_client *c = xzalloc(sizeof *c);
	c->t = t;
	c->ep.uri = xstrdup(endpoint_uri ? endpoint_uri : "unix:///fake/podman.sock");
	c->podman_bin = xstrdup("podman");
	c->opts.podman_bin = c->podman_bin;
	c->server_version = xstrdup("4.3.1");
	c->connected = 1;
	return c;
}

void podman_client_free(struct podman_client *c)
{
	if (!c)
		return;
	podman_transport_free(c->t);
	podman_endpoint_release(&c->ep);
	free(c->state_dir);
	free(c->podman_bin);
	free(c->server_version);
	free(c);
}

const char *podman_client_endpoint(const struct podman_client *c)
{
	return c->ep.uri;
}

const char *podman_client_server_version(const struct podman_client *c)
{
	return c->server_version;
}

int podman_client_started_service(const struct podman_client *c)
{
	return c->started_service;
}

/* GET /_ping without the prefix (it is unversioned); keeps the version header. */
static int raw_ping(struct podman_client *c, struct iso_error **err)
{
	struct podman_request req = {.method = "GET", .path = "/_ping", .timeout_ms = 10000};
	struct podman_response resp = {0};
	if (c->t->ops->request(c->t, &req, &resp, err) < 0)
		return -1;
	if (resp.status != 200) {
		podman_error_from_response(resp.status, resp.body, resp.len, "ping podman", err);
		podman_response_release(&resp);
		return -1;
	}
	free(c->server_version);
	c->server_version = resp.api_version;
	resp.api_version = NULL;
	podman_response_release(&resp);
	return 0;
}

static int ping_cb(void *ctx)
{
	struct iso_error *e = NULL;
	int rc = raw_ping(ctx, &e);
	iso_error_free(e);
	return rc;
}

/* Refuse servers without a libpod version or older than PODMAN_MIN_MAJOR. */
static int check_version(struct podman_client *c, struct iso_error **err)
{
	long major;
	char buf[16];
	const char *v = c->server_version;
	if (!v || !*v)
		return iso_error_set(err, ISO_E_HOST, EPROTONOSUPPORT,
				     "the service at '%s' sent no Libpod-Api-Version header: it is not Podman "
				     "(Docker?); point CONTAINER_HOST at a podman socket",
				     c->ep.uri);
	size_t n = strcspn(v, ".");
	if (n == 0 || n >= sizeof buf)
		return iso_error_set(err, ISO_E_HOST, EPROTONOSUPPORT,
				     "podman at '%s' reports a malformed version '%s'", c->ep.uri, v);
	memcpy(buf, v, n);
	buf[n] = 0;
	if (iso_parse_long(buf, 0, 1000, &major) < 0)
		return iso_error_set(err, ISO_E_HOST, EPROTONOSUPPORT,
				     "podman at '%s' reports a malformed version '%s'", c->ep.uri, v);
	if (major < PODMAN_MIN_MAJOR)
		return iso_error_set(err, ISO_E_HOST, EPROTONOSUPPORT,
				     "podman at '%s' is version %s; isopod needs podman %d.0 or later: upgrade it",
				     c->ep.uri, v, PODMAN_MIN_MAJOR);
	return 0;
}

int podman_connect(struct podman_client *c, struct iso_error **err)
{
	struct iso_error *first = NULL;
	if (raw_ping(c, &first) < 0) {
		/* only a silent default socket is ours to start */
		int may_start = c->ep.is_default && c->opts.autostart && c->state_dir &&
				first->class == ISO_E_UNREACHABLE && first->status != ETIMEDOUT;
		if (!may_start) {
			if (err) {
				iso_error_free(*err);
				*err = first;
			} else {
				iso_error_free(first);
			}
			return -1;
		}
		iso_error_free(first);
		int started = 0;
		if (podman_service_ensure(&c->ep, c->state_dir, c->podman_bin,
					  c->opts.idle_seconds ? c->opts.idle_seconds : PODMAN_SERVICE_IDLE_DEFAULT,
					  c->opts.start_wait_ms ? c->opts.start_wait_ms
								: PODMAN_SERVICE_WAIT_DEFAULT_MS,
					  ping_cb, c, &started, err) < 0)
			return -1;
		c->started_service = started;
		if (raw_ping(c, err) < 0)
			return -1;
	}
	if (check_version(c, err) < 0)
		return -1;
	c->connected = 1;
	return 0;
}

int podman_client_ensure(struct podman_client *c, struct iso_error **err)
{
	return c->connected ? 0 : podman_connect(c, err);
}

int podman_ping(struct podman_client *c, struct iso_error **err)
{
	return raw_ping(c, err);
}

int podman_client_server_pid(struct podman_client *c, pid_t *pid, struct iso_error **err)
{
	*pid = 0;
	if (!c->ep.path)
		return iso_error_set(err, ISO_E_HOST, 0,
				     "the endpoint '%s' is not a local socket: its server has no PID here",
				     c->ep.uri ? c->ep.uri : "?");
	if (podman_client_ensure(c, err) < 0)
		return -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(c->ep.path) >= sizeof sa.sun_path)
		return iso_error_set(err, ISO_E_HOST, ENAMETOOLONG, "socket path '%s' is too long", c->ep.path);
	memcpy(sa.sun_path, c->ep.path, strlen(c->ep.path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "socket: %s", strerror(errno));
	struct ucred cred = {0};
	socklen_t len = sizeof cred;
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
		rc = iso_error_set(err, ISO_E_UNREACHABLE, errno, "cannot learn the PID of the service on '%s': %s",
				   c->ep.path, strerror(errno));
	close(fd);
	*pid = cred.pid;
	return rc;
}
