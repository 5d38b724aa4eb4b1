/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `template build`: a throwaway pod (workorder/names.h: isopod.tpl-...) whose
 * Postgres and init container write straight into the template's volumes;
 * Odoo's init with the profile's modules, a clean Postgres shutdown, the
 * throwaway pod and secret removed, the file system synced, and the seal
 * made last.  The build holds the template's lock: a second build of the key
 * waits and then finds it sealed.  Any failure or signal removes what the
 * build made (lifecycle_undo of the build's own journal); a SIGKILL leaves
 * objects labelled io.isopod.kind=template-build and an unsealed template,
 * which `gc` removes once nobody holds the lock (the volumes are made first,
 * so every object of a build has unsealed volumes beside it to be found by).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "template/template.h"

/* Leftovers of an earlier build of the key that was killed: the throwaway objects and unsealed volumes. */
static int clear_leftovers(struct wo_run *r, const struct tpl_list *l, struct iso_error **err)
{
	struct wo_ctx *b = r->w;
	if (lifecycle_remove_made(b, LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_INIT | LEASE_MADE_SECRET, err) < 0)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, b->names.template_key) && l->v[i].sealed <= 0 &&
		    tpl_remove(b, &l->v[i], err) < 0)
			return -1;
	return 0;
}

/* The build proper, in the throwaway pod of R. */
static int build_in_pod(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *b = r->w;
	/* The volumes first: any object of a build then has unsealed volumes beside it for `gc` to find. */
	if (lifecycle_create_volumes(r, 1, 1, err) < 0 || lifecycle_create_secret(r, err) < 0 ||
	    lifecycle_create_pod(r, err) < 0 || lifecycle_create_db(r, err) < 0)
		return -1;
	progress_step(r->progress, "pod", "starting %s", b->names.db_container);
	if (podman_container_start(b->client, b->names.db_container, err) < 0)
		return iso_error_wrap(err, "start container '%s'", b->names.db_container);
	if (lifecycle_wait_db(r, err) < 0 || lifecycle_db_initialise(r, err) < 0 || lifecycle_stop_db(r, err) < 0)
		return -1;
	/* The pod, its containers and the secret go; the volumes are the template. */
	unsigned throwaway = LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_INIT | LEASE_MADE_SECRET;
	if (lifecycle_remove_made(b, throwaway, err) < 0)
		return -1;
	r->made &= ~throwaway;
	return 0;
}

static int build_locked(struct wo_ctx *w, struct wo_run *r, const struct tpl_key *k, struct tpl_result *res,
			struct iso_error **err)
{
	struct wo_ctx *b = r->w;
	struct tpl_list l;
	if (tpl_list(w, w->names.profile, &l, err) < 0)
		return -1;
	struct tpl_plan p;
	tpl_plan_choose(&l, k, 0, &p);
	if (p.match == TPL_EXACT) {
		res->reused = 1;
		progress_step(r->progress, "template", "template %s of profile '%s' exists: reused", k->key,
			      w->names.profile);
		tpl_list_release(&l);
		return 0;
	}
	int rc = clear_leftovers(r, &l, err);
	tpl_list_release(&l);
	if (rc < 0 || build_in_pod(r, err) < 0)
		return -1;
	cleanup_free char *db_path = NULL, *files_path = NULL;
	if (tpl_volume_paths(b, b->names.db_volume, b->names.odoo_volume, &db_path, &files_path, err) < 0)
		return -1;
	tpl_sync(db_path);
	progress_step(r->progress, "template", "sealing template %s", k->key);
	if (tpl_seal(w, w->names.profile, k, b->names.database, "build", err) < 0)
		return -1;
	r->made = 0; /* published: no longer the build's to undo */
	return 0;
}

int tpl_build(struct wo_ctx *w, const struct tpl_key *k, const struct progress_sink *progress, long timeout_ms,
	      struct tpl_result *res, struct iso_error **err)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->key, sizeof res->key, "%s", k->key);
	int64_t t0 = iso_now_ms();
	if (w->remote)
		return tpl_pod_pid(w, &(pid_t){0}, err); /* the remote endpoint's error */
	struct wo_ctx b = *w;
	b.lock_fd = -1;
	if (wo_names_template_build(&b.names, w->names.profile, k->key, err) < 0)
		return -1;
	struct wo_run r = {.w = &b, .progress = progress};
	r.deadline_ms = iso_now_ms() + timeout_ms;
	int fd = -1;
	progress_step(progress, "template", "building template %s of profile '%s' (modules %s)", k->key,
		      w->names.profile, k->modules_csv);
	if (tpl_lock(w, w->names.profile, k->key, 0, timeout_ms, &fd, err) < 0)
		return -1;
	int rc = build_locked(w, &r, k, res, err);
	/* lifecycle_undo clears the flag so its own requests go through: read it first. */
	res->signal = rc < 0 && w->abort_flag ? (int)*w->abort_flag : 0;
	if (rc < 0 && (r.made || r.uncertain))
		lifecycle_undo(&r);
	tpl_unlock(fd);
	if (rc == 0 && !res->reused &&
	    tpl_prune(w, w->names.profile, w->cfg.profile.template_keep, k->key, &res->pruned, err) < 0)
		return iso_error_wrap(err, "template %s was built, but older ones could not be pruned", k->key);
	res->ms = iso_now_ms() - t0;
	return rc;
}
