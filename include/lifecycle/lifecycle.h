/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle/lifecycle.h - the steps `up`, `down` and `gc` are made of.
 *
 * Every object a run creates is recorded in a journal (the `made` bits of
 * lease/lease.h, also written into the lease so `gc` can finish a run that
 * was killed); lifecycle_undo removes exactly those, in the order that works with
 * Podman: the pod first (its containers go with it), then any container
 * left, then the secret and the volumes together, then the lease if the run
 * took it.  Objects are removed by name after their labels are re-checked;
 * nothing is ever pruned.
 */
#ifndef ISOPOD_LIFECYCLE_H
#define ISOPOD_LIFECYCLE_H

#include "base/error.h"
#include "cmd/cmd.h"
#include "lease/lease.h"
#include "progress/progress.h"
#include "workorder/workorder.h"

/* Everything a run needs to know about ports and the journal. */
struct wo_run {
	struct wo_ctx *w;
	const struct iso_globals *g;
	struct lease_registry reg;
	int have_reg;
	struct lease_key key;
	struct lease_grant grant;
	int took_lease;      /* the run made the leases: undo releases them */
	int rebuilding;      /* the run turned a `ready` lease `creating`: a full undo turns it back */
	unsigned made;       /* LEASE_MADE_* this run created */
	unsigned uncertain;  /* creates cut off by a signal: Podman may finish them after the answer was lost */
	char hash[17];       /* config hash of the pod this run makes */
	int64_t deadline_ms; /* readiness deadline (monotonic) */
	const struct progress_sink *progress; /* where the steps are told (NULL: nowhere) */
	const char *probe_db;                 /* the database lifecycle_wait_db asks for (NULL: the work order's) */
};

/* ---- creation (src/lifecycle/create.c) ---- */
/*
 * Open the run's journal before it makes anything (lease_begin_build), and
 * record in it, before each create call, what the run is about to make (for
 * `gc`).  A journal that cannot be written stops the run: nothing is made that
 * the journal does not name.
 */
int lifecycle_run_begin(struct wo_run *r, struct iso_error **err);
int lifecycle_run_intent(struct wo_run *r, unsigned what, struct iso_error **err);
int lifecycle_create_volumes(struct wo_run *r, int db, int odoo, struct iso_error **err);
/* A random password in a new secret. */
int lifecycle_create_secret(struct wo_run *r, struct iso_error **err);
int lifecycle_create_pod(struct wo_run *r, struct iso_error **err);
int lifecycle_create_db(struct wo_run *r, struct iso_error **err);
int lifecycle_create_odoo(struct wo_run *r, struct iso_error **err);

/* ---- one-shot containers (src/lifecycle/oneshot.c) ---- */
/* What a one-shot container runs. */
enum wo_oneshot {
	WO_ONESHOT_DB_TOOL,   /* a program of the Postgres image (psql, pg_isready) as the entrypoint */
	WO_ONESHOT_ODOO,      /* Odoo through its image's entrypoint, with the Odoo containers' settings */
	WO_ONESHOT_ODOO_TOOL, /* a program of the Odoo image (python3) as the entrypoint */
};
/*
 * Run a one-shot container in the pod (the init container's name and
 * labels), wait for it, keep its output (capped) in *output, remove it with
 * its anonymous volumes.  *exit_code is the command's status.
 */
int lifecycle_run_oneshot(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, int *exit_code, char **output,
			  struct iso_error **err);
/* Each line of a one-shot's output as it runs (no newline), IS_STDERR: which stream it came on. */
typedef void (*lifecycle_line_cb)(void *ctx, int is_stderr, const char *line);
/* lifecycle_run_oneshot, with its output's lines handed to CB as they come (the logs followed). */
int lifecycle_run_oneshot_watch(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, lifecycle_line_cb cb,
				void *ctx, int *exit_code, char **output, struct iso_error **err);
/*
 * An interactive one-shot: created with stdin open (a terminal with TTY),
 * attached (*raw: raw with TTY, framed without) and started; the caller
 * pumps the stream, then lifecycle_oneshot_close waits for its status and
 * removes it (on failure: lifecycle_oneshot_abandon).
 */
struct podman_raw;
int lifecycle_oneshot_open(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, int tty,
			   struct podman_raw **raw, struct iso_error **err);
int lifecycle_oneshot_close(struct wo_run *r, int *exit_code, struct iso_error **err);
/* After a failed or interrupted one-shot of R: remove its container if made (signals held back, the abort flag kept); 0 when gone. */
int lifecycle_oneshot_abandon(struct wo_run *r);

/* ---- removal and undo (src/lifecycle/remove.c) ---- */
/* Remove what MADE names, of work order W, pod first; errors are collected, the rest still tried. */
int lifecycle_remove_made(struct wo_ctx *w, unsigned made, struct iso_error **err);
/* Whether W's work order holds any lease in REG. */
int lifecycle_lease_held(const struct lease_registry *reg, const struct wo_ctx *w, int *held, struct iso_error **err);
/*
 * Undo a failed run: lifecycle_remove_made of its journal, and release the lease it
 * took.  0 when all of it is gone; -1 when something is left (the lease then
 * stays, recording it for `isopod gc`; a warning says what).
 */
int lifecycle_undo(struct wo_run *r);

/* ---- readiness (src/lifecycle/ready.c) ---- */
/* Postgres answers its protocol inside the pod (netns probe), or ISO_E_TIMEOUT / ISO_E_EXITED. */
int lifecycle_wait_db(struct wo_run *r, struct iso_error **err);
/* Odoo serves /web/login with 200 on the published port. */
int lifecycle_wait_odoo(struct wo_run *r, struct iso_error **err);
/* Whether the database is initialised (base installed), asked with psql in a one-shot container. */
int lifecycle_db_initialised(struct wo_run *r, int *initialised, struct iso_error **err);
/*
 * Run Odoo's own initialisation (-i of the profile's modules) in the one-shot
 * init container; the log goes to the state dir.
 */
int lifecycle_db_initialise(struct wo_run *r, struct iso_error **err);
/*
 * Run Odoo in the one-shot init container on the work order's database with
 * -u UPGRADE and/or -i INSTALL (comma lists, either may be empty), logging
 * like the init; WHAT names it in messages ("upgrade").
 */
int lifecycle_db_update(struct wo_run *r, const char *upgrade, const char *install, struct iso_error **err);
/* Stop the Postgres container cleanly (SIGINT: a fast shutdown) and check that it ended well. */
int lifecycle_stop_db(struct wo_run *r, struct iso_error **err);
/* The last LINES lines of a container's log, for error messages (never fails: "" then). */
char *lifecycle_last_log_lines(struct wo_ctx *w, const char *container, int lines);
/* Path of the init log of W (owned). */
char *lifecycle_init_log_path(const struct wo_ctx *w);

#endif
