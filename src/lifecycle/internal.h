/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle/internal.h - what the files of src/lifecycle/ share and nothing
 * else sees: the journal bookkeeping of a create call, and the container
 * spec the Odoo container and the one-shot containers of the Odoo image share.
 *
 *   lifecycle_run_intent (r, LEASE_MADE_X);          // before the create call
 *   rc = podman_..._create (...);
 *   if (lifecycle_created_or_aborted (r, rc, LEASE_MADE_X, err) < 0) ...
 *
 *   struct lifecycle_odoo_spec o;
 *   lifecycle_odoo_spec_init (&o, r, name, role, cmd);   // never fails
 *   ... podman_container_create (w->client, &o.spec, NULL, err) ...
 *   lifecycle_odoo_spec_release (&o);
 */
#ifndef ISOPOD_LIFECYCLE_INTERNAL_H
#define ISOPOD_LIFECYCLE_INTERNAL_H

#include "lifecycle/lifecycle.h"

/*
 * Record in R's journal what a create call of BIT made: on success, and also
 * when a signal cut the call off (then also in r->uncertain).  Returns RC.
 */
int lifecycle_created_or_aborted(struct wo_run *r, int rc, unsigned bit, struct iso_error **err);

/* What the Odoo and init containers share: env, secret, volume, the repository's mounts. */
struct lifecycle_odoo_spec {
	struct podman_pair env[ISO_PROFILE_ENV_MAX + 3]; /* HOST, PORT, USER and the profile's own */
	struct podman_pair secret_env[1];
	struct podman_volume_mount vols[1];
	struct podman_bind_mount mounts[2];
	char *mount_src[2];
	char *env_copy[ISO_PROFILE_ENV_MAX + 3];
	struct wo_labels labels;
	struct podman_container_spec spec; /* points into the fields above: never copy the struct */
};

/* A container NAME of the Odoo image with ROLE's labels, running CMD (borrowed). */
void lifecycle_odoo_spec_init(struct lifecycle_odoo_spec *o, struct wo_run *r, const char *name, const char *role,
			      const char *const *cmd);
void lifecycle_odoo_spec_release(struct lifecycle_odoo_spec *o);

#endif
