/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fresh work order from its profile's template, as steps of up's DB-first
 * path:
 *   tpl_up_prepare   the mode, the key, the choice (exact, stale, none)
 *   tpl_up_clone     the pod's infra runs, Postgres does not: copy the template's
 *                    volumes into the work order's (shared lock on the template)
 *   tpl_up_identity  Postgres answers: the clone's own name, password and identity
 *                    (tpl_identity), then -u / -i of what changed (stale)
 *   tpl_up_save      no template: after the from-scratch init, Postgres stopped,
 *                    one consistent copy becomes the profile's template
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "template/template.h"

static void tell_choice(struct wo_run *r, const struct tpl_up *t)
{
	const struct tpl_plan *p = &t->plan;
	char when[32] = "?";
	time_t c = (time_t)(p->t ? p->t->created : 0);
	struct tm tm;
	if (c && gmtime_r(&c, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	if (p->match == TPL_EXACT)
		progress_step(r->progress, "template", "from template %s of profile '%s' (made %s UTC)", p->t->key,
			      r->w->names.profile, when);
	else if (p->match == TPL_STALE)
		progress_step(r->progress, "template",
			      "from template %s of profile '%s' (made %s UTC), not current: then%s%s%s%s%s", p->t->key,
			      r->w->names.profile, when, p->upgrade[0] ? " upgrading " : "", p->upgrade,
			      p->install[0] ? " installing " : "", p->install,
			      p->upgrade[0] || p->install[0] ? "" : " nothing to update");
	if (p->match == TPL_STALE && p->extra[0])
		progress_step(r->progress, "template", "modules %s stay installed from the template (no longer listed)",
			      p->extra);
	if (p->match == TPL_NONE)
		progress_step(r->progress, "template",
			      "no template of profile '%s' matches (key %s): initialising from scratch, then saving "
			      "it as a template",
			      r->w->names.profile, t->k.key);
}

int tpl_up_prepare(struct wo_run *r, int fresh, struct tpl_up *t, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
	enum iso_template_mode mode = w->cfg.profile.template_mode;
	if (!fresh || mode == ISO_TEMPLATE_NEVER)
		return 0;
	if (w->remote) {
		progress_step(r->progress, "template",
			      "templates need a local Podman (the endpoint is remote): initialising from scratch");
		return 0;
	}
	t->enabled = 1;
	if (tpl_key_compute(w, &t->k, err) < 0 || tpl_list(w, w->names.profile, &t->list, err) < 0)
		return -1;
	tpl_plan_choose(&t->list, &t->k, mode == ISO_TEMPLATE_AUTO, &t->plan);
	if (t->plan.match == TPL_NONE) {
		t->save = 1;
		tell_choice(r, t);
		return 0;
	}
	/* Shared: a prune or `template rm` waits until the copy is done. */
	long left = (long)(r->deadline_ms - iso_now_ms());
	if (tpl_lock(w, w->names.profile, t->plan.t->key, 1, left > 1000 ? left : 1000, &t->lock_fd, err) < 0)
		return -1;
	char db[OBJECT_NAME_MAX + 1], files[OBJECT_NAME_MAX + 1], seal[OBJECT_NAME_MAX + 1];
	tpl_volume_names(w->names.profile, t->plan.t->key, db, files, seal);
	int still = podman_volume_exists(w->client, seal, err);
	if (still < 0)
		return -1;
	if (!still || !t->plan.t->db_path || !t->plan.t->files_path) {
		/* Removed between the listing and the lock: as if there had been none. */
		tpl_unlock(t->lock_fd);
		t->lock_fd = -1;
		t->plan.match = TPL_NONE;
		t->save = 1;
	} else {
		snprintf(t->from_db, sizeof t->from_db, "%s", tpl_entry_label(t->plan.t, "io.isopod.database"));
	}
	tell_choice(r, t);
	return 0;
}

/* Where the copy goes, found before it starts (the client is not for two threads). */
struct tpl_clone_job {
	pthread_t thread;
	pid_t pid;
	char *db_path, *files_path;
	const char *src_db, *src_files, *from_db, *to_db;
	struct tpl_copy_stats st;
	int rc;
	struct iso_error *err;
	int64_t t0;
};

static void *clone_thread(void *arg)
{
	struct tpl_clone_job *j = arg;
	j->rc = tpl_copy_pair(j->pid, j->src_db, j->src_files, j->db_path, j->files_path, j->from_db, j->to_db, 0,
			      &j->st, &j->err);
	return NULL;
}

/* The job of T's copy into R's volumes: 0, 1 when only the pod's infra leads into the namespace, -1. */
static int clone_job(struct wo_run *r, struct tpl_up *t, int pod_running, struct tpl_clone_job *j,
		     struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	memset(j, 0, sizeof(*j));
	int rc = tpl_userns_pid(w, pod_running, &j->pid, err);
	if (rc != 0)
		return rc;
	if (tpl_volume_paths(w, w->names.db_volume, w->names.odoo_volume, &j->db_path, &j->files_path, err) < 0)
		return -1;
	j->src_db = t->plan.t->db_path;
	j->src_files = t->plan.t->files_path;
	j->from_db = t->from_db;
	j->to_db = w->names.database;
	j->t0 = iso_now_ms();
	progress_step(r->progress, "copy", "copying template %s into %s, %s", t->plan.t->key, w->names.db_volume,
		      w->names.odoo_volume);
	return 0;
}

/* The copy is over: its stats, the template's use noted, its lock let go. */
static int clone_done(struct wo_run *r, struct tpl_up *t, struct tpl_clone_job *j, struct iso_error **err)
{
	free(j->db_path);
	free(j->files_path);
	j->db_path = j->files_path = NULL;
	if (j->rc < 0) {
		iso_error_move(err, j->err);
		j->err = NULL;
		return iso_error_wrap(err, "copy template %s into work order '%s'", t->plan.t->key, r->w->names.wo);
	}
	t->copy = j->st;
	tpl_touch(t->plan.t);
	tpl_unlock(t->lock_fd);
	t->lock_fd = -1;
	t->copied = 1;
	progress_step(r->progress, "copy", "copied %.1f MB in %lld ms (%s)", (double)t->copy.bytes / 1e6,
		      (long long)t->copy.ms, t->copy.method);
	return 0;
}

int tpl_up_clone(struct wo_run *r, struct tpl_up *t, int pod_running, struct iso_error **err)
{
	struct tpl_clone_job j;
	int rc = clone_job(r, t, pod_running, &j, err);
	if (rc != 0)
		return rc;
	clone_thread(&j);
	return clone_done(r, t, &j, err);
}

int tpl_up_clone_start(struct wo_run *r, struct tpl_up *t, struct iso_error **err)
{
	struct tpl_clone_job *j = xzalloc(sizeof(*j));
	int rc = clone_job(r, t, 0, j, err);
	if (rc == 0 && pthread_create(&j->thread, NULL, clone_thread, j) != 0)
		rc = iso_error_set(err, ISO_E_INTERNAL, 0, "cannot start the copy of template %s", t->plan.t->key);
	if (rc != 0) {
		free(j->db_path);
		free(j->files_path);
		free(j);
		return rc;
	}
	t->job = j;
	return 0;
}

int tpl_up_clone_wait(struct wo_run *r, struct tpl_up *t, struct iso_error **err)
{
	struct tpl_clone_job *j = t->job;
	if (!j)
		return 0;
	pthread_join(j->thread, NULL);
	t->job = NULL;
	int rc = clone_done(r, t, j, err);
	free(j);
	return rc;
}

int tpl_up_identity(struct wo_run *r, struct tpl_up *t, struct iso_error **err)
{
	if (tpl_identity(r, t->from_db, err) < 0)
		return -1;
	if (t->plan.match == TPL_STALE && lifecycle_db_update(r, t->plan.upgrade, t->plan.install, err) < 0)
		return -1;
	char when[32] = "?";
	time_t c = (time_t)t->plan.t->created;
	struct tm tm;
	if (c && gmtime_r(&c, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	tpl_origin_write(r->w, "template %s %s%s%s", t->plan.t->key, when,
			 t->plan.match == TPL_STALE ? " updated " : "", t->plan.match == TPL_STALE ? t->k.key : "");
	return 0;
}

void tpl_up_release(struct tpl_up *t)
{
	if (t->job) {
		/* A run that failed while the copy ran: the copy ends before anything is undone. */
		struct iso_error *e = NULL;
		pthread_join(t->job->thread, NULL);
		iso_error_free(t->job->err);
		free(t->job->db_path);
		free(t->job->files_path);
		free(t->job);
		t->job = NULL;
		iso_error_free(e);
	}
	tpl_unlock(t->lock_fd);
	t->lock_fd = -1;
	tpl_list_release(&t->list);
	tpl_key_release(&t->k);
}
