/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe/pg.h - is PostgreSQL ready?  What pg_isready checks, without
 * libpq and without exec: from inside the pod's network namespace, connect
 * to 127.0.0.1:PORT, send a protocol-3 StartupMessage and read the first
 * answer.
 *
 *   'R' (an authentication request)       ready
 *   'E' with SQLSTATE 57P03               starting up: not ready, poll again
 *   refused, closed, no answer in time    down: not ready, poll again
 *   'E' with any other SQLSTATE           error: stop polling and report it
 *
 * Calling sequence
 *   struct probe_pg_result r;
 *   if (probe_pg_once (infra_pid, 5432, "odoo", "postgres", 1000, &r, err) < 0) ...
 *   if (r.state == PROBE_PG_READY) ...
 *
 * Errors: those of netns_run (the namespace cannot be entered); every answer
 * of the server, even a malformed one, is a result, not an error.
 */
#ifndef ISOPOD_PGPROBE_H
#define ISOPOD_PGPROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/error.h"

#define PROBE_PG_TIMEOUT_MS 1000
#define PROBE_PG_MSG_MAX 8192 /* the first message is read whole up to this size */

enum probe_pg_state {
	PROBE_PG_READY = 1, /* authentication request: accepting connections */
	PROBE_PG_STARTING,  /* 57P03: the database system is starting up (or shutting down) */
	PROBE_PG_DOWN,      /* refused, closed, or silent: nothing answers yet */
	PROBE_PG_ERROR,     /* another ErrorResponse, or an answer that is not PostgreSQL */
};

struct probe_pg_result {
	enum probe_pg_state state;
	char sqlstate[6]; /* of an ErrorResponse, else "" */
	char message[256];
};

/* Write the StartupMessage for USER and DB into BUF; its length, or -1 when over CAP. */
long probe_pg_startup_message(const char *user, const char *db, uint8_t *buf, size_t cap);

/* Classify the first LEN bytes the server sent: 1 when decided (*RES set), 0 when more bytes are needed. */
int probe_pg_parse(const uint8_t *buf, size_t len, struct probe_pg_result *res);

/* One attempt in this process's namespace, bounded by TIMEOUT_MS; never fails, *RES says what happened. */
void probe_pg_attempt(uint16_t port, const char *user, const char *db, int timeout_ms, struct probe_pg_result *res);

/* One attempt from inside the network namespace of PID (0: here, in a child all the same). */
int probe_pg_once(pid_t pid, uint16_t port, const char *user, const char *db, int timeout_ms,
		  struct probe_pg_result *res, struct iso_error **err);

/* "ready", "starting", "down", "error". */
const char *probe_pg_state_name(enum probe_pg_state s);

#endif
