/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating a work order's objects: volumes, secret, pod, the database and
 * Odoo containers.  Every object carries the labels of workorder/names.h
 * (remove.c checks them again before it removes anything), and each create
 * is written into the journal before the call (lifecycle_run_intent).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "internal.h"

int lifecycle_run_begin(struct wo_run *r, struct iso_error **err)
{
	struct lease_run run;
	int was_ready = 0;
	if (!r->have_reg)
		return 0;
	if (lease_run_self(&run, err) < 0 || lease_begin_build(&r->reg, &r->key, &run, &was_ready, err) < 0)
		return iso_error_wrap(err, "cannot open this run's journal in the lease file (nothing was made)");
	r->rebuilding |= was_ready;
	return 0;
}

int lifecycle_run_intent(struct wo_run *r, unsigned what, struct iso_error **err)
{
	if (!r->have_reg)
		return 0;
	/*
	 * Written before the create call: a run killed right after Podman made
	 * the object still names it for `gc` (whose removal tolerates "not found").
	 */
	if (lease_note_made(&r->reg, &r->key, what, err) < 0)
		return iso_error_wrap(err, "cannot record in the lease file what this run is about to make");
	return 0;
}

/*
 * A create whose answer never came (aborted by a signal, the connection cut,
 * a timeout, an answer that is no answer) may have taken effect on the
 * server.  We hold the work order's lock and only create what was not there,
 * so it counts as made: the undo removes it if it exists.  Only a refusal
 * Podman answered with is known to have made nothing.
 */
static int answer_lost(const struct iso_error *e)
{
	return e && (podman_err_aborted(e) || e->class == ISO_E_UNREACHABLE || e->class == ISO_E_INTERNAL);
}

int lifecycle_created_or_aborted(struct wo_run *r, int rc, unsigned bit, struct iso_error **err)
{
	int lost = rc < 0 && err && answer_lost(*err);
	if (rc == 0 || lost)
		r->made |= bit;
	if (lost)
		r->uncertain |= bit;
	return rc;
}

int lifecycle_create_volumes(struct wo_run *r, int db, int odoo, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_labels l;
	if (odoo || db)
		progress_step(r->progress, "volumes", "creating volume%s %s%s%s", odoo && db ? "s" : "",
			      odoo ? w->names.odoo_volume : "", odoo && db ? ", " : "", db ? w->names.db_volume : "");
	if (odoo) {
		wo_labels_init(&l, w, ROLE_ODOO_DATA, r->grant.ports, NULL);
		if (lifecycle_run_intent(r, LEASE_MADE_ODOO_VOLUME, err) < 0)
			return -1;
		if (lifecycle_created_or_aborted(
			    r, podman_volume_create(w->client, w->names.odoo_volume, l.v, l.n, NULL, err),
			    LEASE_MADE_ODOO_VOLUME, err) < 0)
			return -1; /* the podman layer names the object */
	}
	if (db) {
		wo_labels_init(&l, w, ROLE_DB_DATA, r->grant.ports, NULL);
		if (lifecycle_run_intent(r, LEASE_MADE_DB_VOLUME, err) < 0)
			return -1;
		if (lifecycle_created_or_aborted(
			    r, podman_volume_create(w->client, w->names.db_volume, l.v, l.n, NULL, err),
			    LEASE_MADE_DB_VOLUME, err) < 0)
			return -1; /* the podman layer names the object */
	}
	return 0;
}

int lifecycle_create_secret(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	progress_step(r->progress, "secret", "creating the database password secret %s", w->names.secret);
	unsigned char raw[18];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot make a random password: %s", strerror(errno));
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char pw[25];
	for (size_t i = 0; i < 24; i++) {
		/* 18 bytes = 144 bits = 24 symbols of 6 bits. */
		size_t bit = i * 6;
		unsigned v = ((unsigned)raw[bit / 8] << 8 | (bit / 8 + 1 < sizeof(raw) ? raw[bit / 8 + 1] : 0)) >>
			     (10 - bit % 8);
		pw[i] = alphabet[v & 63];
	}
	pw[24] = '\0';
	struct wo_labels l;
	wo_labels_init(&l, w, ROLE_SECRET, r->grant.ports, NULL);
	if (lifecycle_run_intent(r, LEASE_MADE_SECRET, err) < 0)
		return -1;
	int rc = podman_secret_create(w->client, w->names.secret, pw, strlen(pw), l.v, l.n, NULL, err);
	explicit_bzero(pw, sizeof(pw));
	if (lifecycle_created_or_aborted(r, rc, LEASE_MADE_SECRET, err) < 0)
		return -1; /* the podman layer names the object */
	return 0;
}

int lifecycle_create_pod(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const struct iso_profile *p = &w->cfg.profile;
	progress_step(r->progress, "pod", "creating pod %s", w->names.pod);
	struct podman_port ports[ISO_PORT_PURPOSES];
	size_t n_ports = 0;
	for (int i = 0; i < ISO_PORT_PURPOSES; i++) {
		if (!r->grant.ports[i])
			continue;
		ports[n_ports++] = (struct podman_port){
			.host_ip = p->host_address,
			.host_port = r->grant.ports[i],
			.container_port = wo_purpose_container_port(i),
		};
	}
	struct wo_labels l;
	wo_labels_init(&l, w, ROLE_POD, r->grant.ports, r->hash);
	const char *aliases[] = {"db:127.0.0.1", NULL};
	struct podman_pod_spec spec = {
		.name = w->names.pod,
		.labels = l.v,
		.n_labels = l.n,
		.host_aliases = aliases,
		.ports = ports,
		.n_ports = n_ports,
	};
	if (lifecycle_run_intent(r, LEASE_MADE_POD, err) < 0)
		return -1;
	if (lifecycle_created_or_aborted(r, podman_pod_create(w->client, &spec, NULL, err), LEASE_MADE_POD, err) < 0)
		return -1; /* the podman layer names the object */
	return 0;
}

int lifecycle_create_db(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_labels l;
	progress_step(r->progress, "pod", "creating container %s", w->names.db_container);
	wo_labels_init(&l, w, ROLE_DB, r->grant.ports, NULL);
	struct podman_pair env[] = {
		{"POSTGRES_USER", WO_DB_USER},
		{"POSTGRES_DB", w->names.database},
		/* Without it the image trusts TCP from 127.0.0.1, and so every process of the pod. */
		{"POSTGRES_INITDB_ARGS", "--auth-host=scram-sha-256"},
	};
	struct podman_pair secret_env[] = {{"POSTGRES_PASSWORD", w->names.secret}};
	struct podman_volume_mount vols[] = {{.name = w->names.db_volume, .dest = "/var/lib/postgresql/data"}};
	/*
	 * Two spare WAL segments instead of the default five (min_wal_size 80MB):
	 * after an init's bulk load a data directory is ~50 MB smaller, and so is
	 * every template and snapshot copy of it.  The official image's entrypoint
	 * takes flags as postgres's.
	 */
	static const char *const command[] = {"postgres", "-c", "min_wal_size=32MB", NULL};
	struct podman_container_spec spec = {
		.command = command,
		.name = w->names.db_container,
		.pod = w->names.pod,
		.image = w->cfg.profile.db_image,
		.env = env,
		.n_env = ISO_ARRAY_SIZE(env),
		.secret_env = secret_env,
		.n_secret_env = 1,
		.volumes = vols,
		.n_volumes = 1,
		.labels = l.v,
		.n_labels = l.n,
	};
	if (lifecycle_run_intent(r, LEASE_MADE_DB, err) < 0)
		return -1;
	if (lifecycle_created_or_aborted(r, podman_container_create(w->client, &spec, NULL, err), LEASE_MADE_DB, err) <
	    0)
		return -1; /* the podman layer names the object */
	return 0;
}

void lifecycle_odoo_spec_init(struct lifecycle_odoo_spec *o, struct wo_run *r, const char *name, const char *role,
			      const char *const *cmd)
{
	struct wo_ctx *w = r->w;
	memset(o, 0, sizeof(*o));
	size_t n = 0;
	/* As the official image's entrypoint reads them; "db" is the pod's alias of 127.0.0.1. */
	o->env[n++] = (struct podman_pair){"HOST", "db"};
	o->env[n++] = (struct podman_pair){"PORT", "5432"};
	o->env[n++] = (struct podman_pair){"USER", WO_DB_USER};
	for (char **e = w->cfg.profile.env; e && *e && n < ISO_ARRAY_SIZE(o->env); e++) {
		char *kv = xstrdup(*e);
		char *eq = strchr(kv, '=');
		if (!eq) {
			free(kv);
			continue;
		}
		*eq = '\0';
		o->env_copy[n] = kv;
		o->env[n++] = (struct podman_pair){kv, eq + 1};
	}
	o->secret_env[0] = (struct podman_pair){"PASSWORD", w->names.secret};
	o->vols[0] = (struct podman_volume_mount){.name = w->names.odoo_volume, .dest = "/var/lib/odoo"};
	size_t nm = 0;
	static const char *const subdirs[2][2] = {{"addons", "/mnt/extra-addons"}, {"etc", "/etc/odoo"}};
	for (int i = 0; w->cfg.repo_dir && i < 2; i++) {
		char *src = xasprintf("%s/%s", w->cfg.repo_dir, subdirs[i][0]);
		struct stat st;
		if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
			o->mount_src[nm] = src;
			o->mounts[nm++] =
				(struct podman_bind_mount){.source = src, .dest = subdirs[i][1], .relabel = 'z'};
		} else {
			free(src);
		}
	}
	wo_labels_init(&o->labels, w, role, r->grant.ports, NULL);
	o->spec = (struct podman_container_spec){
		.name = name,
		.pod = w->names.pod,
		.image = w->cfg.profile.odoo_image,
		.env = o->env,
		.n_env = n,
		.secret_env = o->secret_env,
		.n_secret_env = 1,
		.volumes = o->vols,
		.n_volumes = 1,
		.mounts = o->mounts,
		.n_mounts = nm,
		.labels = o->labels.v,
		.n_labels = o->labels.n,
		.command = cmd,
	};
}

void lifecycle_odoo_spec_release(struct lifecycle_odoo_spec *o)
{
	for (size_t i = 0; i < ISO_ARRAY_SIZE(o->env_copy); i++)
		free(o->env_copy[i]);
	free(o->mount_src[0]);
	free(o->mount_src[1]);
}

int lifecycle_create_odoo(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	progress_step(r->progress, "pod", "creating container %s", w->names.odoo_container);
	cleanup_free char *filter = xasprintf("^%s$", w->names.database);
	const char *cmd[] = {"odoo", "--database", w->names.database, "--db-filter", filter, NULL};
	struct lifecycle_odoo_spec o;
	if (lifecycle_run_intent(r, LEASE_MADE_ODOO, err) < 0)
		return -1;
	lifecycle_odoo_spec_init(&o, r, w->names.odoo_container, ROLE_ODOO, cmd);
	int rc = podman_container_create(w->client, &o.spec, NULL, err);
	lifecycle_odoo_spec_release(&o);
	if (lifecycle_created_or_aborted(r, rc, LEASE_MADE_ODOO, err) < 0)
		return -1; /* the podman layer names the object */
	return 0;
}
