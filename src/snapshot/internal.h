/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot/internal.h - the steps snapshot.c and restore.c share. */
#ifndef ISOPOD_SNAPSHOT_INTERNAL_H
#define ISOPOD_SNAPSHOT_INTERNAL_H

#include "snapshot/snapshot.h"

/* Postgres and Odoo answer (the published /web/login). */
int snap_serving(struct wo_run *r, struct iso_error **err);
/* Start Postgres again / wait for it; when OK is 0 (the run failed already) a failure is only a warning. */
int snap_start_db(struct wo_run *r, int ok, struct iso_error **err);
int snap_wait_db(struct wo_run *r, int ok, struct iso_error **err);
/* A new snapshot's volume base name for NAME: isopod-snap-<profile>-<wo>-<name>-<h8>. */
void snap_base_name(const struct wo_ctx *w, const char *name, char *out, size_t size);
/* Make snapshot NAME's data volumes and copy the work order into them (Postgres stopped); *BASE gets the base. */
int snap_copy_out(struct wo_run *r, const char *name, char *base, size_t base_size, struct snap_result *res,
		  struct iso_error **err);
/* Sync and seal BASE. */
int snap_publish(struct wo_run *r, const char *base, const char *name, uint64_t bytes, struct iso_error **err);
int snap_seal(struct wo_ctx *w, const char *base, const char *name, uint64_t bytes, const char *source,
	      struct iso_error **err);
/* Remove a half-made snapshot (a warning when that fails: `gc` finishes). */
void snap_drop_partial(struct wo_ctx *w, const char *base, const char *name);

#endif
