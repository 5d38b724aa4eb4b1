/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman/client.h - the libpod REST client: the only way isopod talks to
 * Podman.  It knows HTTP and libpod JSON, nothing of what isopod builds.
 *
 * Calling sequence
 *   struct podman_client_opts o = { .state_dir = dir, .autostart = 1 };
 *   struct podman_client *c = podman_client_new (&o, err);  // finds the endpoint
 *   podman_connect (c, err);   // ping, start the service if allowed, negotiate
 *   podman_pod_create (c, &spec, &id, err); ...             // podman/objects.h
 *   podman_client_free (c);
 * Every operation connects on first use, so podman_connect is optional.
 *
 * Errors (struct iso_error, never printed, never exit)
 *   ISO_E_UNREACHABLE  socket missing, connection refused, timeout: each its
 *                      own message and next step; the service not coming up
 *   ISO_E_HOST         podman not installed, server older than 4.0, ssh://
 *   ISO_E_UNKNOWN      libpod "no such ..." (status 404): podman_err_not_found
 *   ISO_E_REFUSED      any other refusal; libpod's message kept, status the
 *                      HTTP status (409 for "already exists"/"in use" causes,
 *                      whatever code libpod used: podman_err_exists)
 *   ISO_E_INTERNAL     malformed answer, or status ECANCELED when aborted
 *                      through opts.abort_flag (podman_err_aborted)
 *   304 "nothing to do" is success.
 *
 * Ownership: const char * parameters are borrowed; out-structs are filled
 * only on success and freed with their _release / _list_free.
 */
#ifndef PODMAN_CLIENT_H
#define PODMAN_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/error.h"
#include "podman/transport.h"

#define PODMAN_API_PREFIX "/v4.0.0/libpod" /* understood by Podman 4.x and 5.x */
#define PODMAN_MIN_MAJOR 4
#define PODMAN_SERVICE_IDLE_DEFAULT 600 /* s: --time of an auto-started service */
#define PODMAN_SERVICE_WAIT_DEFAULT_MS 15000

struct podman_client_opts {
	const char *endpoint;   /* URI; NULL: discover (CONTAINER_HOST, XDG_RUNTIME_DIR) */
	const char *state_dir;  /* for the service log; NULL disables auto-start */
	int autostart;          /* start `podman system service` on a silent default socket */
	int idle_seconds;       /* --time of that service; 0: PODMAN_SERVICE_IDLE_DEFAULT */
	long start_wait_ms;     /* 0: PODMAN_SERVICE_WAIT_DEFAULT_MS */
	const char *podman_bin; /* NULL: "podman" from PATH */
	struct podman_transport_opts transport;
};

struct podman_client;

/* Discover the endpoint and make a curl transport; no I/O yet. */
struct podman_client *podman_client_new(const struct podman_client_opts *o, struct iso_error **err);
/* A client over T (owned from now on), considered connected to a 4.x server: for tests. */
struct podman_client *podman_client_new_with_transport(struct podman_transport *t, const char *endpoint_uri);
void podman_client_free(struct podman_client *c);
static inline void podman_client_freep(struct podman_client **c)
{
	podman_client_free(*c);
}
#define cleanup_podman_client __attribute__((cleanup(podman_client_freep)))

/* Ping (starting the service when allowed) and check the server version. */
int podman_connect(struct podman_client *c, struct iso_error **err);
const char *podman_client_endpoint(const struct podman_client *c);
/* Libpod-Api-Version of the server ("4.3.1"), NULL before connecting. */
const char *podman_client_server_version(const struct podman_client *c);
/*
 * The PID of the process that serves the local unix socket (SO_PEERCRED of a
 * fresh connection): a rootless service runs inside the user's namespace,
 * so its PID names that namespace.  ISO_E_HOST for a tcp:// endpoint.
 */
int podman_client_server_pid(struct podman_client *c, pid_t *pid, struct iso_error **err);
/* Whether podman_connect started the service. */
int podman_client_started_service(const struct podman_client *c);

/* Error predicates: branch on these, never on the text. */
int podman_err_not_found(const struct iso_error *e);
int podman_err_exists(const struct iso_error *e);
int podman_err_aborted(const struct iso_error *e);

/* GET /_ping: 0 when it answered OK. */
int podman_ping(struct podman_client *c, struct iso_error **err);

struct podman_version {
	char *version;     /* engine component: "4.3.1" */
	char *api_version; /* engine APIVersion: "4.3.1" (not Docker's 1.41) */
	char *go_version;
	char *os_arch;
};
int podman_version(struct podman_client *c, struct podman_version *out, struct iso_error **err);
void podman_version_release(struct podman_version *v);

struct podman_info {
	char *version;
	int rootless;
	char *cgroup_version;  /* "v1", "v2" */
	char *cgroup_manager;  /* "cgroupfs", "systemd" */
	char *oci_runtime;     /* "runc", "crun" */
	char *graph_driver;    /* "overlay", "vfs" */
	char *network_backend; /* "netavark", "cni" */
	char *graph_root;      /* store.graphRoot: where images, volumes and secrets live */
};
int podman_info(struct podman_client *c, struct podman_info *out, struct iso_error **err);
void podman_info_release(struct podman_info *i);

/*
 * Follow Podman's event stream (GET /events?stream=true) from SINCE (unix
 * seconds; events that far back are replayed first; 0: from now on).
 * CB(ctx, NULL, NULL) once the stream is live, then CB(ctx, TYPE, STATUS)
 * for each event ("container", "died"; "" when absent).  CB returns
 * non-zero to stop: then 0.  The stream ending is an ISO_E_UNREACHABLE
 * error, as is a line that is not an event.
 */
typedef int (*podman_event_cb)(void *ctx, const char *type, const char *status);
int podman_events_follow(struct podman_client *c, long long since, podman_event_cb cb, void *ctx,
			 struct iso_error **err);

/*
 * A cache of GET answers for every client of this process (isopod mcp
 * installs one in an ls call's child; nobody else does).  get: 1 with
 * *BODY (malloc'd, NUL-terminated) and *LEN when PATH (the API path without
 * the version prefix) is held, else 0 with *TOKEN set; put: an answer
 * (200) to PATH fetched after a miss that gave TOKEN.  Only bodiless GETs
 * through the JSON calls consult it; streams never.  NULL removes it.
 */
struct podman_get_cache {
	int (*get)(void *ctx, const char *path, char **body, size_t *len, uint64_t *token);
	void (*put)(void *ctx, const char *path, const char *body, size_t len, uint64_t token);
	void *ctx;
};
void podman_set_get_cache(const struct podman_get_cache *gc);

/*
 * Make sure a service answers on the default socket EP->path: under an
 * flock on "<socket dir>/isopod-service.lock", ping again, else start
 * `PODMAN_BIN system service --time=IDLE unix://PATH` (setsid, no inherited
 * descriptors, output to STATE_DIR/podman-service.log) and wait for /_ping
 * up to WAIT_MS.  *started tells whether this call started it.  PING is
 * called to probe (0 when answering).  Used by podman_connect.
 */
int podman_service_ensure(const struct podman_endpoint *ep, const char *state_dir, const char *podman_bin,
			  int idle_seconds, long wait_ms, int (*ping)(void *ctx), void *ctx, int *started,
			  struct iso_error **err);

#endif
