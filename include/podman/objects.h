/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman/objects.h - typed libpod operations: volumes, secrets, pods,
 * containers, images.  Same contract as podman/client.h: const inputs
 * borrowed, outputs owned by the caller, errors classed there.
 *
 * Listings take ONE exact label and re-check every returned object's labels
 * client-side: Podman 4.3 ORs the label filters of volumes, so a server-side
 * filter alone could hand back someone else's volume.  There is deliberately
 * no prune: delete what you listed and re-checked, by name.
 */
#ifndef PODMAN_OBJECTS_H
#define PODMAN_OBJECTS_H

#include <stddef.h>
#include "base/error.h"
#include "podman/client.h"

/* A borrowed key/value (labels, environment, secret env). */
struct podman_pair {
	const char *key;
	const char *value;
};

/* Owned labels of a returned object. */
struct podman_labels {
	size_t n;
	char **keys;
	char **values;
};
/* The value of KEY, or NULL. */
const char *podman_labels_get(const struct podman_labels *l, const char *key);
void podman_labels_release(struct podman_labels *l);

/* ---- volumes ---- */
struct podman_volume {
	char *name;
	char *driver;
	char *mountpoint;
	char *created_at;
	struct podman_labels labels;
};
void podman_volume_release(struct podman_volume *v);
void podman_volume_list_free(struct podman_volume *v, size_t n);

/* Create volume NAME with labels; OUT (may be NULL) gets what libpod made. */
int podman_volume_create(struct podman_client *c, const char *name, const struct podman_pair *labels, size_t n_labels,
			 struct podman_volume *out, struct iso_error **err);
int podman_volume_inspect(struct podman_client *c, const char *name, struct podman_volume *out, struct iso_error **err);
/* 1 exists, 0 does not, -1 error. */
int podman_volume_exists(struct podman_client *c, const char *name, struct iso_error **err);
/* Volumes carrying exactly LABEL (checked again here). */
int podman_volume_list(struct podman_client *c, const struct podman_pair *label, struct podman_volume **out, size_t *n,
		       struct iso_error **err);
int podman_volume_remove(struct podman_client *c, const char *name, int force, struct iso_error **err);

/* ---- secrets (no listing: 4.3 can neither filter nor show labels in one) ---- */
struct podman_secret {
	char *id;
	char *name;
	char *driver;
	char *created_at;
	struct podman_labels labels;
};
void podman_secret_release(struct podman_secret *s);
/* DATA goes as application/octet-stream; labels as a URL-encoded JSON map. *id may be NULL. */
int podman_secret_create(struct podman_client *c, const char *name, const void *data, size_t len,
			 const struct podman_pair *labels, size_t n_labels, char **id, struct iso_error **err);
int podman_secret_inspect(struct podman_client *c, const char *name, struct podman_secret *out, struct iso_error **err);
int podman_secret_remove(struct podman_client *c, const char *name, struct iso_error **err);

/* ---- pods ---- */
struct podman_port {
	const char *host_ip; /* NULL: all addresses */
	int host_port;
	int container_port;
	const char *protocol; /* NULL: "tcp" */
};
struct podman_pod_spec {
	const char *name;
	const struct podman_pair *labels;
	size_t n_labels;
	const char *const *host_aliases; /* NULL-terminated "name:address" */
	const struct podman_port *ports;
	size_t n_ports;
	const char *network_mode;           /* "slirp4netns", "pasta", "bridge", "host"; NULL: default */
	const char *const *network_options; /* NULL-terminated, for that mode: "allow_host_loopback=true" */
};
int podman_pod_create(struct podman_client *c, const struct podman_pod_spec *spec, char **id, struct iso_error **err);
/* 304 (already running / stopped) is success.  TIMEOUT_S < 0: libpod's default. */
int podman_pod_start(struct podman_client *c, const char *name, struct iso_error **err);
int podman_pod_stop(struct podman_client *c, const char *name, int timeout_s, struct iso_error **err);
int podman_pod_remove(struct podman_client *c, const char *name, int force, struct iso_error **err);
int podman_pod_exists(struct podman_client *c, const char *name, struct iso_error **err);

struct podman_port_binding {
	char *host_ip;
	int host_port;
	int container_port;
	char *protocol;
};
struct podman_pod {
	char *id;
	char *name;
	char *state; /* "Created", "Running", "Exited", "Degraded" ... */
	char *infra_id;
	char *network_mode;    /* from the network options or host networking; NULL when libpod does not say */
	char *network_options; /* inspect only: that mode's options, comma-joined ("allow_host_loopback=true") */
	struct podman_labels labels;
	struct podman_port_binding *ports; /* inspect only */
	size_t n_ports;
	size_t n_containers;
};
void podman_pod_release(struct podman_pod *p);
void podman_pod_list_free(struct podman_pod *p, size_t n);
int podman_pod_inspect(struct podman_client *c, const char *name, struct podman_pod *out, struct iso_error **err);
/* Pods carrying exactly LABEL, in one call. */
int podman_pod_list(struct podman_client *c, const struct podman_pair *label, struct podman_pod **out, size_t *n,
		    struct iso_error **err);

/* ---- containers ---- */
struct podman_volume_mount {
	const char *name; /* a named volume */
	const char *dest;
	int read_only;
};
struct podman_bind_mount {
	const char *source; /* host path */
	const char *dest;
	int read_only;
	char relabel; /* 0 none, 'z' shared, 'Z' private (SELinux) */
};
struct podman_rlimit {
	const char *type; /* "nofile", "nproc" (lowercase, without RLIMIT_: runc adds it) */
	unsigned long long soft, hard;
};
struct podman_container_spec {
	const char *name;
	const char *pod; /* may be NULL */
	const char *image;
	const struct podman_pair *env;
	size_t n_env;
	const struct podman_pair *secret_env; /* VAR -> secret name */
	size_t n_secret_env;
	const struct podman_volume_mount *volumes;
	size_t n_volumes;
	const struct podman_bind_mount *mounts;
	size_t n_mounts;
	const struct podman_pair *labels;
	size_t n_labels;
	const char *const *command;    /* NULL-terminated; NULL: the image's */
	const char *const *entrypoint; /* NULL-terminated; NULL: the image's */
	const char *user;
	const char *workdir;
	const struct podman_rlimit *rlimits;
	size_t n_rlimits;
	const char *stop_signal; /* NULL: the image's */
	/* The image's VOLUME paths: NULL (anonymous volumes), "tmpfs", or "ignore" (none: for tools that write nothing) */
	const char *image_volume_mode;
	int stdin_open; /* keep stdin open for an attach (podman run -i) */
	int terminal;   /* give it a pseudo-terminal (podman run -t) */
};
int podman_container_create(struct podman_client *c, const struct podman_container_spec *spec, char **id,
			    struct iso_error **err);
int podman_container_start(struct podman_client *c, const char *name, struct iso_error **err);
int podman_container_stop(struct podman_client *c, const char *name, int timeout_s, struct iso_error **err);
/* Always with volumes=true: anonymous volumes of the image go with it. */
int podman_container_remove(struct podman_client *c, const char *name, int force, struct iso_error **err);
int podman_container_exists(struct podman_client *c, const char *name, struct iso_error **err);
/* Block until it stops; *exit_code its status. */
int podman_container_wait(struct podman_client *c, const char *name, int *exit_code, struct iso_error **err);
/* The same, giving up after TIMEOUT_MS (<= 0: never) with ISO_E_UNREACHABLE, status ETIMEDOUT. */
int podman_container_wait_for(struct podman_client *c, const char *name, long timeout_ms, int *exit_code,
			      struct iso_error **err);

struct podman_container {
	char *id;
	char *name;
	char *image;
	char *state; /* "created", "running", "exited" ... */
	char *pod_id;
	char *network_mode; /* inspect only */
	int running;
	int exit_code;
	int pid;                        /* 0 when not running */
	char *started_at, *finished_at; /* inspect only */
	char **env;                     /* inspect only: Config.Env, "KEY=value", NULL-terminated */
	struct podman_labels labels;
};
void podman_container_release(struct podman_container *k);
void podman_container_list_free(struct podman_container *k, size_t n);
int podman_container_inspect(struct podman_client *c, const char *name, struct podman_container *out,
			     struct iso_error **err);
/* Containers (all states) carrying exactly LABEL. */
int podman_container_list(struct podman_client *c, const struct podman_pair *label, struct podman_container **out,
			  size_t *n, struct iso_error **err);

/* ---- images ---- */
int podman_image_exists(struct podman_client *c, const char *ref, struct iso_error **err);
/* *ID (owned) = the image's full ID (hex, no "sha256:"), from GET /images/REF/json. */
int podman_image_id(struct podman_client *c, const char *ref, char **id, struct iso_error **err);
/* Progress lines of a pull ("Copying blob ..."); return 0 to go on. */
typedef int (*podman_progress_cb)(void *ctx, const char *line);
/* Pull REF; a 200 whose stream carries {"error":...} is ISO_E_REFUSED with that text. *id may be NULL. */
int podman_image_pull(struct podman_client *c, const char *ref, int tls_verify, podman_progress_cb cb, void *ctx,
		      char **id, struct iso_error **err);

#endif
