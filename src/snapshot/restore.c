/* SPDX-License-Identifier: Apache-2.0 */
/*
 * restore and reset: Odoo and Postgres of the work order stopped, the
 * current state kept as `before-restore` (sealed before anything is
 * overwritten), the mark of a restore in progress written, the work order's
 * volumes replaced (by a snapshot; by the profile's template, given its
 * identity; or emptied and initialised afresh), the mark cleared, the older
 * `before-restore` removed, the pod started and proven to serve.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "internal.h"
#include "store/copy.h"
#include "template/template.h"

/*
 * Odoo and Postgres stopped, the current state sealed as before-restore, the
 * mark written.  After a restore that was cut off the data is partial: the
 * newest before-restore (of the cut restore, or before it) is kept as it is
 * and named in *BASE, so the older ones go when this one is done.
 */
static int keep_before(struct wo_run *r, const struct snap_list *l, const char *what, char *base, size_t size,
		       struct snap_result *res, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	cleanup_free char *cut = snap_interrupted(w);
	progress_step(r->progress, "pod", "stopping Odoo (%s)", w->names.odoo_container);
	res->downtime_ms = iso_now_ms(); /* until it serves again: made a duration by finish() */
	if (podman_container_stop(w->client, w->names.odoo_container, 10, err) < 0)
		return iso_error_wrap(err, "stop Odoo of '%s'", w->names.pod);
	if (lifecycle_stop_db(r, err) < 0)
		return -1;
	if (cut) {
		progress_step(r->progress, "restore",
			      "an earlier restore was cut off: its '%s' stays, the partial data is not kept",
			      SNAP_BEFORE_RESTORE);
		/* The newest sealed before-restore is the one kept: older ones go once this one is done. */
		const struct snap_entry *keep = snap_find(l, SNAP_BEFORE_RESTORE);
		if (keep)
			snprintf(base, size, "%s", keep->base);
		return snap_mark_set(w, what, err);
	}
	if (snap_copy_out(r, SNAP_BEFORE_RESTORE, base, size, res, err) < 0) {
		snap_drop_partial(w, base, SNAP_BEFORE_RESTORE);
		return -1;
	}
	if (snap_publish(r, base, SNAP_BEFORE_RESTORE, res->bytes, err) < 0) {
		snap_drop_partial(w, base, SNAP_BEFORE_RESTORE);
		return -1;
	}
	return snap_mark_set(w, what, err);
}

/*
 * The data is in place: synced, then the mark cleared, everything started
 * and waited for, then the older before-restore dropped (none when
 * KEEP_BASE is "": it is still the one).
 */
static int finish(struct wo_run *r, const struct snap_list *l, const char *keep_base, struct snap_result *res,
		  struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	cleanup_free char *db = NULL, *files = NULL;
	if (tpl_volume_paths(w, w->names.db_volume, w->names.odoo_volume, &db, &files, err) < 0)
		return -1;
	tpl_sync(db);
	snap_mark_clear(w);
	progress_step(r->progress, "pod", "starting pod %s", w->names.pod);
	if (podman_pod_start(w->client, w->names.pod, err) < 0)
		return iso_error_wrap(err, "start pod '%s'", w->names.pod);
	if (snap_serving(r, err) < 0)
		return -1;
	res->downtime_ms = iso_now_ms() - res->downtime_ms;
	/* The older before-restore goes once the work order serves again: not while it is down. */
	for (size_t i = 0; keep_base[0] && i < l->n; i++)
		if (!strcmp(l->v[i].name, SNAP_BEFORE_RESTORE) && strcmp(l->v[i].base, keep_base))
			snap_drop_partial(w, l->v[i].base, SNAP_BEFORE_RESTORE);
	return 0;
}

/* Back on a failure after the containers stopped: start them so the work order serves what it has. */
static void restart_after_failure(struct wo_run *r)
{
	struct iso_error *e = NULL;
	if (podman_pod_start(r->w->client, r->w->names.pod, &e) < 0) {
		iso_warn("%s; 'isopod up %s' starts it", e->msg, r->w->names.wo);
		iso_error_free(e);
	}
}

int snap_restore(struct wo_run *r, const char *name, struct snap_result *res, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int64_t t0 = iso_now_ms();
	memset(res, 0, sizeof(*res));
	snprintf(res->name, sizeof res->name, "%s", name);
	struct snap_list l;
	if (snap_list(w, 0, &l, err) < 0)
		return -1;
	const struct snap_entry *src = snap_find(&l, name);
	int rc = 0;
	char base[OBJECT_NAME_MAX + 48] = "";
	cleanup_free char *what = xasprintf("restore %s", name);
	if (!src)
		rc = iso_error_set(err, ISO_E_UNKNOWN, 0,
				   "work order '%s' has no snapshot '%s'; 'isopod snapshots %s' lists its snapshots",
				   w->names.wo, name, w->names.wo);
	if (rc == 0)
		rc = keep_before(r, &l, what, base, sizeof base, res, err);
	int marked = rc == 0;
	pid_t pid;
	cleanup_free char *db = NULL, *files = NULL;
	if (rc == 0)
		rc = tpl_userns_pid(w, 1, &pid, err) < 0 ||
				     tpl_volume_paths(w, w->names.db_volume, w->names.odoo_volume, &db, &files, err) < 0
			     ? -1
			     : 0;
	if (rc == 0) {
		progress_step(r->progress, "copy", "restoring snapshot '%s' into %s", name, w->names.wo);
		struct tpl_copy_stats st = {0};
		rc = tpl_copy_pair(pid, src->db_path, src->files_path, db, files, src->database, w->names.database, 0,
				   &st, err);
		res->copy_ms += st.ms;
		res->bytes = st.bytes;
		snprintf(res->method, sizeof res->method, "%s", st.method);
	}
	if (rc == 0) {
		snprintf(res->source, sizeof res->source, "snapshot %s", name);
		rc = finish(r, &l, base, res, err);
	} else if (!marked && src) {
		restart_after_failure(r); /* nothing was overwritten */
	}
	if (rc == 0)
		tpl_origin_write(w, "snapshot %s", name);
	snap_list_release(&l);
	res->ms = iso_now_ms() - t0;
	return rc;
}

/* Reset's data: the template cloned and given its identity, or the volumes emptied and initialised. */
static int reset_data(struct wo_run *r, struct tpl_up *t, struct snap_result *res, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	if (tpl_up_prepare(r, 1, t, err) < 0)
		return -1;
	int clone = t->enabled && t->plan.match != TPL_NONE;
	if (clone) {
		if (tpl_up_clone(r, t, 1, err) < 0)
			return -1;
		res->copy_ms += t->copy.ms;
		res->bytes = t->copy.bytes;
		snprintf(res->method, sizeof res->method, "%s", t->copy.method);
		snprintf(res->source, sizeof res->source, "template %s", t->plan.t->key);
	} else {
		pid_t pid;
		cleanup_free char *db = NULL, *files = NULL;
		if (tpl_userns_pid(w, 1, &pid, err) < 0 ||
		    tpl_volume_paths(w, w->names.db_volume, w->names.odoo_volume, &db, &files, err) < 0)
			return -1;
		const char *dirs[] = {db, files};
		progress_step(r->progress, "reset", "emptying %s and %s", w->names.db_volume, w->names.odoo_volume);
		if (store_clear(pid, dirs, 2, 0, err) < 0)
			return -1;
		snprintf(res->source, sizeof res->source, "a fresh init");
	}
	r->probe_db = clone ? "postgres" : NULL;
	int rc = snap_start_db(r, 1, err) < 0 || lifecycle_wait_db(r, err) < 0 ? -1 : 0;
	r->probe_db = NULL;
	if (rc < 0)
		return -1;
	if (clone)
		return tpl_up_identity(r, t, err);
	if (lifecycle_db_initialise(r, err) < 0)
		return -1;
	if (t->save)
		return tpl_up_save(r, t, err); /* it records the origin */
	tpl_origin_write(w, "scratch -");
	return 0;
}

int snap_reset(struct wo_run *r, struct snap_result *res, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int64_t t0 = iso_now_ms();
	memset(res, 0, sizeof(*res));
	snprintf(res->name, sizeof res->name, "%s", SNAP_BEFORE_RESTORE);
	struct snap_list l;
	if (snap_list(w, 0, &l, err) < 0)
		return -1;
	char base[OBJECT_NAME_MAX + 48] = "";
	int rc = keep_before(r, &l, "reset", base, sizeof base, res, err);
	if (rc < 0) {
		restart_after_failure(r);
	} else {
		struct tpl_up t = {.lock_fd = -1};
		rc = reset_data(r, &t, res, err);
		tpl_up_release(&t);
		if (rc == 0)
			rc = finish(r, &l, base, res, err);
	}
	snap_list_release(&l);
	res->ms = iso_now_ms() - t0;
	return rc;
}
