/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/ls.h - the rows `isopod ls` lists and `isopod status` shows one of
 * (src/cmd/ls.c), for the commands of src/cmd/ only.
 *
 * One listing call per kind of object (pods, volumes, leases) builds one row
 * per work order, keyed by io.isopod.key; every label of an object is
 * re-checked against that key before the object counts.
 *
 *   struct cmd_ls_rows rows = {0};
 *   if (cmd_ls_rows_gather (&w, &filter, wo_or_empty, &rows, err) < 0) ...
 *   cmd_ls_rows_drift (&rows, &flags);     // drift, or drift_why
 *   cmd_ls_print_table (stdout, &rows, now, colour);  // or cmd_ls_rows_json
 *   cmd_ls_rows_release (&rows);
 *
 * The presentation helpers (time stamps, ages, the state's name) are pure.
 */
#ifndef ISOPOD_CMD_LS_H
#define ISOPOD_CMD_LS_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "base/json.h"
#include "lease/lease.h"
#include "workorder/workorder.h"

#define CMD_LS_VOLUMES 2

struct cmd_ls_row {
	struct workorder_names n;
	int have_pod;
	char pod_state[24];  /* Podman's: Running, Exited, Degraded, Created ... */
	char pod_config[24]; /* io.isopod.config of the pod */
	char pod_repo[4096]; /* io.isopod.repo of the pod: "" when made outside a repository */
	int ports[ISO_PORT_PURPOSES];
	char address[LEASE_ADDR_MAX];
	int port_src; /* 0 none, 1 lease, 2 volume, 3 pod: the best source wins */
	char volumes[CMD_LS_VOLUMES][OBJECT_NAME_MAX + 1];
	size_t n_volumes;
	long long created; /* unix seconds the db volume was made, -1 unknown */
	int have_lease;
	enum lease_state lease_state;
	int lease_alive; /* the creating run is still alive */
	int drift;       /* 1, 0, -1 unknown */
	char *drift_why; /* owned: why drift is unknown (-1); NULL when it is known */
};

struct cmd_ls_rows {
	struct cmd_ls_row *v;
	size_t n;
};

void cmd_ls_rows_release(struct cmd_ls_rows *r);
/* Pods, volumes and leases carrying FILTER (pods, volumes) or of WO (leases, "" for all): one call each. */
int cmd_ls_rows_gather(struct wo_ctx *w, const struct podman_pair *filter, const char *wo, struct cmd_ls_rows *rows,
		       struct iso_error **err);
/*
 * The drift of each row: its pod's io.isopod.config against the hash of the
 * configuration of the row's profile in the pod's repository, each pair
 * loaded once (no cap).  BASE: the flags every configuration loads with.
 * A row whose drift stays unknown gets the reason in drift_why: no pod, no
 * label, or the configuration's own error ("... does not load: MESSAGE").
 */
void cmd_ls_rows_drift(struct cmd_ls_rows *rows, const struct iso_config_flags *base);

/* What a row's state is called (cmd_ls_row_state of its fields). */
const char *cmd_ls_state(const struct cmd_ls_row *r);
/* The row's URL, or "-" without an http port. */
void cmd_ls_url(const struct cmd_ls_row *r, char *buf, size_t size);
/* The fields of one row of `ls --json` (an element of work_orders), into an open map; `status` adds to them. */
void cmd_ls_row_json(iso_jgen *j, const struct cmd_ls_row *r, long long now);
/* The document of `ls --json`: {"work_orders": [...]}, a cmd_ls_row_json object per row. */
void cmd_ls_rows_json(iso_jgen *j, const struct cmd_ls_rows *rows, long long now);
/*
 * The table of `ls` to OUT (COLOUR: escape codes for the state), then one
 * line per reason drift is unknown for pods ("?" in the DRIFT column).
 */
void cmd_ls_print_table(FILE *out, const struct cmd_ls_rows *rows, long long now, int colour);

/* Podman's time stamps ("2024-05-01T10:20:30.123456789+02:00", "...Z") as unix seconds; -1 when unreadable. */
long long cmd_ls_parse_time(const char *s);
/* An age for people: 45s, 5m, 3h, 2d; "-" when unknown (< 0). */
void cmd_ls_format_age(long long seconds, char *buf, size_t size);
/* What a row's state is called: running, stopped, degraded, down, creating, interrupted, leased, gone. */
const char *cmd_ls_row_state(const char *pod_state, int have_pod, size_t n_volumes, int have_lease, int lease_creating,
			     int lease_alive);

/* Epoch seconds T as "2026-12-02T16:27:10Z" (UTC), or "-" for 0 (src/cmd/ls.c). */
void cmd_format_utc(int64_t t, char *out, size_t size);

#endif
