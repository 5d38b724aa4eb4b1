/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot: Postgres of the work order stopped, both volumes copied into a
 * new snapshot, Postgres started again; the copy is synced and sealed while
 * Postgres starts, and the call returns once Odoo serves.  The common steps
 * of snapshot, restore and reset live here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "internal.h"
#include "template/template.h"

int snap_run_open(struct wo_run *r, long timeout_ms, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	r->deadline_ms = iso_now_ms() + timeout_ms;
	pid_t pid;
	if (w->remote)
		return tpl_pod_pid(w, &pid, err); /* before anything is stopped: the remote endpoint's error */
	struct wo_found f;
	if (wo_find(w, &f, err) < 0)
		return -1;
	int rc = 0;
	if (!f.have_pod) {
		rc = iso_error_set(err, ISO_E_UNKNOWN, 0,
				   "work order '%s' (profile '%s') has no pod%s; 'isopod up %s' makes it", w->names.wo,
				   w->names.profile, f.have_db_volume ? " (its volumes are kept)" : "", w->names.wo);
	} else {
		wo_labels_ports(&f.pod.labels, r->grant.ports, NULL, 0);
		if (!f.pod.state || strcmp(f.pod.state, "Running")) {
			progress_step(r->progress, "pod", "starting pod %s (it was %s)", w->names.pod,
				      f.pod.state ? f.pod.state : "stopped");
			rc = podman_pod_start(w->client, w->names.pod, err);
			/* After a cut restore the data is partial: it cannot serve; restore and reset replace it. */
			cleanup_free char *cut = rc == 0 ? snap_interrupted(w) : NULL;
			if (rc == 0 && !cut)
				rc = snap_serving(r, err);
		}
	}
	wo_found_release(&f);
	return rc;
}

int snap_serving(struct wo_run *r, struct iso_error **err)
{
	if (lifecycle_wait_db(r, err) < 0 || lifecycle_wait_odoo(r, err) < 0)
		return -1;
	return 0;
}

/* Start Postgres again; when the run already failed (OK 0) a failure is a warning beside the first error. */
int snap_start_db(struct wo_run *r, int ok, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct iso_error *e = NULL;
	progress_step(r->progress, "pod", "starting %s again", w->names.db_container);
	if (podman_container_start(w->client, w->names.db_container, &e) == 0)
		return 0;
	if (!ok) {
		iso_warn("%s; 'isopod up %s' starts it", e->msg, w->names.wo);
		iso_error_free(e);
		return 0;
	}
	return iso_error_move(err, e);
}

int snap_wait_db(struct wo_run *r, int ok, struct iso_error **err)
{
	struct iso_error *e = NULL;
	if (lifecycle_wait_db(r, &e) == 0)
		return 0;
	if (!ok) {
		iso_warn("%s", e->msg);
		iso_error_free(e);
		return 0;
	}
	return iso_error_move(err, e);
}

void snap_base_name(const struct wo_ctx *w, const char *name, char *out, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char seed[128];
	snprintf(seed, sizeof seed, "%s/%lld/%d", name, (long long)iso_now_us(), (int)getpid());
	for (const char *p = seed; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ull;
	}
	snprintf(out, size, "isopod-snap-%s-%s-%s-%08llx", w->names.profile, w->names.wo, name,
		 (unsigned long long)(h & 0xffffffffull));
}

static int create_volume(struct wo_ctx *w, const char *base, const char *suffix, const char *role, const char *name,
			 struct iso_error **err)
{
	cleanup_free char *vol = xasprintf("%s%s", base, suffix);
	struct podman_pair l[] = {
		{LABEL_SCHEMA, LABEL_SCHEMA_VERSION}, {LABEL_KIND, KIND_SNAPSHOT}, {LABEL_PROFILE, w->names.profile},
		{LABEL_SNAPSHOT_OF, w->names.key},    {LABEL_SNAPSHOT, name},      {LABEL_ROLE, role},
	};
	return podman_volume_create(w->client, vol, l, ISO_ARRAY_SIZE(l), NULL, err);
}

int snap_seal(struct wo_ctx *w, const char *base, const char *name, uint64_t bytes, const char *source,
	      struct iso_error **err)
{
	cleanup_free char *vol = xasprintf("%s-seal", base);
	char b[24];
	snprintf(b, sizeof b, "%llu", (unsigned long long)bytes);
	struct podman_pair l[] = {
		{LABEL_SCHEMA, LABEL_SCHEMA_VERSION},
		{LABEL_KIND, KIND_SNAPSHOT},
		{LABEL_PROFILE, w->names.profile},
		{LABEL_SNAPSHOT_OF, w->names.key},
		{LABEL_SNAPSHOT, name},
		{LABEL_ROLE, ROLE_SNAP_SEAL},
		{"io.isopod.database", w->names.database},
		{"io.isopod.bytes", b},
		{"io.isopod.source", source ? source : "-"},
	};
	if (podman_volume_create(w->client, vol, l, ISO_ARRAY_SIZE(l), NULL, err) < 0)
		return iso_error_wrap(err, "seal snapshot '%s'", name);
	return 0;
}

/* Remove the half-made snapshot BASE (a failed copy); a failure is a warning: `gc` finishes. */
void snap_drop_partial(struct wo_ctx *w, const char *base, const char *name)
{
	struct snap_entry s = {.sealed = 0};
	snprintf(s.base, sizeof s.base, "%s", base);
	snprintf(s.name, sizeof s.name, "%s", name);
	snprintf(s.wo, sizeof s.wo, "%s", w->names.wo);
	snprintf(s.profile, sizeof s.profile, "%s", w->names.profile);
	struct iso_error *e = NULL;
	if (snap_remove_entry(w, &s, &e) < 0) {
		iso_warn("%s ('isopod gc' removes it)", e->msg);
		iso_error_free(e);
	}
}

int snap_copy_out(struct wo_run *r, const char *name, char *base, size_t base_size, struct snap_result *res,
		  struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	snap_base_name(w, name, base, base_size);
	cleanup_free char *db = xasprintf("%s-db", base), *files = xasprintf("%s-files", base);
	cleanup_free char *src_db = NULL, *src_files = NULL, *dst_db = NULL, *dst_files = NULL;
	pid_t pid;
	if (create_volume(w, base, "-db", ROLE_SNAP_DB, name, err) < 0 ||
	    create_volume(w, base, "-files", ROLE_SNAP_FILES, name, err) < 0 || tpl_userns_pid(w, 1, &pid, err) < 0 ||
	    tpl_volume_paths(w, w->names.db_volume, w->names.odoo_volume, &src_db, &src_files, err) < 0 ||
	    tpl_volume_paths(w, db, files, &dst_db, &dst_files, err) < 0)
		return -1;
	progress_step(r->progress, "copy", "copying work order %s into snapshot '%s'", w->names.wo, name);
	struct tpl_copy_stats st;
	if (tpl_copy_pair(pid, src_db, src_files, dst_db, dst_files, w->names.database, w->names.database, 0, &st,
			  err) < 0)
		return -1;
	res->bytes = st.bytes;
	res->copy_ms += st.ms;
	snprintf(res->method, sizeof res->method, "%s", st.method);
	progress_step(r->progress, "copy", "copied %.1f MB in %lld ms (%s)", (double)st.bytes / 1e6, (long long)st.ms,
		      st.method);
	return 0;
}

/* Sync what was copied into BASE and seal it. */
int snap_publish(struct wo_run *r, const char *base, const char *name, uint64_t bytes, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	cleanup_free char *db = xasprintf("%s-db", base), *files = xasprintf("%s-files", base);
	cleanup_free char *db_path = NULL, *files_path = NULL;
	if (tpl_volume_paths(w, db, files, &db_path, &files_path, err) < 0)
		return -1;
	tpl_sync(db_path);
	cleanup_free char *origin = tpl_origin_read(w);
	return snap_seal(w, base, name, bytes, origin, err);
}

int snap_create(struct wo_run *r, const char *name, int replace, struct snap_result *res, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int64_t t0 = iso_now_ms();
	memset(res, 0, sizeof(*res));
	snprintf(res->name, sizeof res->name, "%s", name);
	cleanup_free char *cut = snap_interrupted(w);
	if (cut)
		return iso_error_set(err, ISO_E_CONFLICT, 0, "%s", cut);
	struct snap_list l;
	if (snap_list(w, 0, &l, err) < 0)
		return -1;
	const struct snap_entry *old = snap_find(&l, name);
	int rc = 0;
	if (old && !replace)
		rc = iso_error_set(
			err, ISO_E_CONFLICT, 0,
			"work order '%s' has a snapshot '%s' already; 'isopod snapshot rm %s %s' removes it, "
			"or pick another name",
			w->names.wo, name, w->names.wo, name);
	char base[OBJECT_NAME_MAX + 48];
	int stopped = 0, made = 0;
	int64_t t_stop = 0;
	if (rc == 0) {
		t_stop = iso_now_ms();
		rc = lifecycle_stop_db(r, err);
		stopped = rc == 0;
	}
	if (rc == 0) {
		made = 1;
		rc = snap_copy_out(r, name, base, sizeof base, res, err);
	}
	if (stopped && snap_start_db(r, rc == 0, err) < 0)
		rc = -1;
	if (rc == 0)
		rc = snap_publish(r, base, name, res->bytes, err);
	if (rc == 0 && old) {
		res->replaced = 1;
		rc = snap_remove_entry(w, old, err);
	}
	if (rc < 0 && made)
		snap_drop_partial(w, base, name);
	for (size_t i = 0; rc == 0 && i < l.n; i++) /* leftovers of cut snapshots of this name */
		if (!l.v[i].sealed && !strcmp(l.v[i].name, name))
			snap_drop_partial(w, l.v[i].base, name);
	snap_list_release(&l);
	if (stopped && snap_wait_db(r, rc == 0, err) < 0)
		rc = -1;
	res->downtime_ms = t_stop ? iso_now_ms() - t_stop : 0;
	if (rc == 0 && lifecycle_wait_odoo(r, err) < 0)
		rc = -1;
	res->ms = iso_now_ms() - t0;
	return rc;
}
