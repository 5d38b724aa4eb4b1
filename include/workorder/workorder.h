/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workorder/workorder.h - one work order as the lifecycle commands see it:
 * its configuration and names, the Podman client, the labels its objects
 * carry, what of it exists in Podman, and the per-work-order lock.
 *
 * Calling sequence
 *   struct wo_ctx w;
 *   if (wo_ctx_init (&w, wo_arg, &flags, WO_NEED_PODMAN, err) < 0) ...
 *   wo_lock (&w, wait_ms, err);          // held until wo_ctx_release
 *   struct wo_found f;
 *   wo_find (&w, &f, err);               // one listing call per kind
 *   ...
 *   wo_found_release (&f);
 *   wo_ctx_release (&w);
 *
 * Podman's labels are the truth about what exists: wo_find inspects the pod
 * by its derived name and lists the volumes by io.isopod.wo (one call each),
 * re-checks every label, and reports objects of the same work order under
 * another profile separately (a user's work order has one profile; its
 * volumes exist as long as any of its objects do).  The secret cannot be listed by
 * label on Podman 4.3: it is inspected by name and its labels re-checked.
 *
 * Errors: as the layers below (config: usage; Podman: unreachable,
 * refused); wo_lock: ISO_E_CONFLICT when another run holds the work order
 * beyond WAIT_MS.
 */
#ifndef ISOPOD_WORKORDER_H
#define ISOPOD_WORKORDER_H

#include <signal.h>
#include <sys/types.h>

#include "base/error.h"
#include "workorder/config.h"
#include "workorder/names.h"
#include "podman/client.h"
#include "podman/objects.h"

enum wo_need {
	WO_NEED_CONFIG = 0,
	WO_NEED_PODMAN = 1, /* connect to Podman (starting the service when allowed) */
};

struct wo_ctx {
	struct iso_config cfg;
	struct workorder_names names;
	struct podman_client *client; /* NULL without WO_NEED_PODMAN */
	uid_t uid;
	int remote;                        /* the endpoint is not a local unix socket: no PIDs to enter */
	int lock_fd;                       /* the per-work-order lock, -1 when not held */
	int profile_followed;              /* wo_resolve_container switched to the work order's own profile once */
	volatile sig_atomic_t *abort_flag; /* set by SIGINT/SIGTERM during a run, may be NULL */
};

/* The flag commands hand to wo_ctx_init so a signal aborts the request in flight. */
extern volatile sig_atomic_t wo_interrupted;

/* Load the configuration, derive the names, connect to Podman when asked. */
int wo_ctx_init(struct wo_ctx *w, const char *wo, const struct iso_config_flags *flags, enum wo_need need,
		struct iso_error **err);
/* Connect to Podman only (for commands that take no work order). */
int wo_client_open(struct wo_ctx *w, struct iso_error **err);
void wo_ctx_release(struct wo_ctx *w);

/*
 * Take the work order's lock (state_dir/locks/<wo>.lock, one per work order
 * whatever the profile), waiting up to WAIT_MS; ISO_E_CONFLICT after that.
 */
int wo_lock(struct wo_ctx *w, long wait_ms, struct iso_error **err);

/* Labels of one object: schema, key, wo, profile, role, the port labels, and the config hash on pods. */
struct wo_labels {
	struct podman_pair v[11];
	size_t n;
	char ports[ISO_PORT_PURPOSES][96];
	char keys[ISO_PORT_PURPOSES][32];
};
void wo_labels_init(struct wo_labels *l, const struct wo_ctx *w, const char *role, const int ports[ISO_PORT_PURPOSES],
		    const char *wo_config_hash);
/* Whether LABELS say the object is this work order's (schema, key, wo, profile all match). */
int wo_labels_match(const struct podman_labels *labels, const struct workorder_names *n);
/* Read the ports back from io.isopod.port.* labels: 0 when absent. */
void wo_labels_ports(const struct podman_labels *labels, int ports[ISO_PORT_PURPOSES], char *address, size_t size);

struct wo_found {
	int have_pod;
	struct podman_pod pod; /* inspected: name, state, labels, ports */
	int pod_foreign;       /* a pod of that name exists without this work order's labels */
	int have_db_volume, have_odoo_volume;
	int have_secret;                          /* the secret exists and its labels are this work order's */
	int secret_foreign;                       /* a secret of that name exists with other labels */
	char other_profile[PROFILE_NAME_MAX + 1]; /* the work order exists under this profile instead, or "" */
};

int wo_find(struct wo_ctx *w, struct wo_found *f, struct iso_error **err);
void wo_found_release(struct wo_found *f);

/*
 * W's container of ROLE ("odoo", "db") was not found.  When the work order
 * has no pod under this profile but exists under another one, and no
 * --profile was given (PROFILE_GIVEN 0), switch W's names to that profile
 * and return 0 (try again); otherwise ISO_E_UNKNOWN saying what is missing
 * and how to make it.
 */
int wo_resolve_container(struct wo_ctx *w, int profile_given, const char *role, struct iso_error **err);

/* The environment the Odoo containers get (HOST, PORT, USER; PASSWORD comes from the secret). */
#define WO_DB_USER "odoo"

#endif
