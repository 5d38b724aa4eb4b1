/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot/snapshot.h - a work order's snapshots, restore and reset.
 *
 * A snapshot is three volumes, isopod-snap-<profile>-<wo>-<name>-<h8>-{db,files,seal}
 * (h8: a hash of the name and the moment it was made, so a replacement is
 * made beside the one it replaces and that one is removed only after), with
 * labels io.isopod.kind=snapshot, io.isopod.snapshot-of=<profile>/<wo> (the
 * one label that finds them), io.isopod.snapshot=<name>, io.isopod.role; no
 * io.isopod.key or io.isopod.wo, so nothing takes them for a work order's.
 * The seal is made last, after the copy is synced; its labels say the
 * database's name, the size, and where the data came from.
 *
 * Consistency: Postgres is stopped for the copy (a clean shutdown, SIGINT),
 * and started again before the copy is synced and sealed; Odoo keeps running
 * during a snapshot (it writes a filestore file before it commits the row,
 * so with Postgres stopped nothing it writes is referenced), and is stopped
 * for a restore or reset (its caches belong to the old data).  Every
 * operation returns once the work order serves again.
 *
 * restore and reset first keep the current state as the automatic snapshot
 * `before-restore` (replaced each time).  Before they overwrite the work
 * order's volumes they write <state_dir>/restoring/<profile>_<wo>; `up` and
 * `status` refuse a work order with that mark (the copy was cut: its data is
 * partial) and name the restore that brings it back; a finished restore
 * removes it.
 *
 * The caller holds the work order's lock (wo_lock).
 */
#ifndef ISOPOD_SNAPSHOT_H
#define ISOPOD_SNAPSHOT_H

#include <stdint.h>

#include "base/error.h"
#include "lifecycle/lifecycle.h"
#include "workorder/workorder.h"

#define SNAP_NAME_MAX 40
#define SNAP_BEFORE_RESTORE "before-restore"

/* [A-Za-z0-9][A-Za-z0-9_.-]*, at most 40: ISO_E_USAGE naming what is wrong. */
int snap_name_check(const char *name, struct iso_error **err);

struct snap_entry {
	char name[SNAP_NAME_MAX + 1];
	char profile[PROFILE_NAME_MAX + 1];
	char wo[WO_ID_MAX + 1];
	char base[OBJECT_NAME_MAX + 48]; /* isopod-snap-...-<h8>: + "-db", "-files", "-seal" */
	int have_db, have_files, sealed;
	char *db_path, *files_path; /* owned */
	char *database;             /* the seal's io.isopod.database (owned) */
	uint64_t bytes;
	int64_t created;
};
struct snap_list {
	struct snap_entry *v;
	size_t n;
};
/* The snapshots of W's work order (ALL: of every work order of the user), sealed or not, newest first. */
int snap_list(struct wo_ctx *w, int all, struct snap_list *out, struct iso_error **err);
void snap_list_release(struct snap_list *l);
/* The newest sealed snapshot NAME in L, or NULL. */
const struct snap_entry *snap_find(const struct snap_list *l, const char *name);

/* Remove one snapshot's volumes, the seal first. */
int snap_remove_entry(struct wo_ctx *w, const struct snap_entry *s, struct iso_error **err);
/* Remove every snapshot of W's work order; *COUNT says how many (sealed ones counted). */
int snap_remove_all(struct wo_ctx *w, int *count, struct iso_error **err);

struct snap_result {
	char name[SNAP_NAME_MAX + 1];
	uint64_t bytes;
	int64_t copy_ms;     /* the copies */
	int64_t downtime_ms; /* Postgres stopped until it answers again */
	int64_t ms;          /* the whole operation, until Odoo serves */
	char method[32];
	char source[96]; /* restore/reset: what the data now is */
	int replaced;    /* an earlier snapshot of that name was replaced */
};

/*
 * Open R on W's existing pod (its ports from the labels), starting it when it
 * is not running; ISO_E_UNKNOWN when the work order has no pod.
 */
int snap_run_open(struct wo_run *r, long timeout_ms, struct iso_error **err);
/* snapshot WO NAME (REPLACE: an existing NAME is replaced, else ISO_E_CONFLICT). */
int snap_create(struct wo_run *r, const char *name, int replace, struct snap_result *res, struct iso_error **err);
/* restore WO NAME: before-restore kept, the work order's data replaced by NAME's. */
int snap_restore(struct wo_run *r, const char *name, struct snap_result *res, struct iso_error **err);
/* reset WO: before-restore kept, the data replaced by the profile's template, or a fresh init. */
int snap_reset(struct wo_run *r, struct snap_result *res, struct iso_error **err);

/* The mark of a cut restore: the message to refuse with (owned), or NULL. */
char *snap_interrupted(const struct wo_ctx *w);
/* Write the mark (WHAT: "restore NAME", "reset"), synced, before the work order's volumes are overwritten. */
int snap_mark_set(const struct wo_ctx *w, const char *what, struct iso_error **err);
/* Clear the mark (a finished restore, down --cleanup). */
void snap_mark_clear(const struct wo_ctx *w);

#endif
