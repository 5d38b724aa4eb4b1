/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/pump.h - an interactive session's streams (src/cmd/pump.c), shared by
 * `exec -i/-t` (an exec session) and `odoo -i/-t` (an attached one-shot).
 *
 *   cmd_pump_signals (tty, &h, &w);          // TERM/HUP end it, WINCH resizes, SIGPIPE ignored
 *   ...attach: p.raw...
 *   cmd_term_make_raw (&term);               // with -t and -i
 *   podman_demux_init (&p.demux, cmd_pump_on_output, &mid_line);
 *   cmd_pump_run (&p, err);                  // until the stream ends
 *   cmd_term_restore (&term);
 */
#ifndef ISOPOD_CMD_PUMP_H
#define ISOPOD_CMD_PUMP_H

#include <termios.h>

#include "podman/exec.h"

struct cmd_term {
	int raw;
	struct termios saved;
};
void cmd_term_make_raw(struct cmd_term *t);
void cmd_term_restore(struct cmd_term *t);

struct cmd_pump {
	struct podman_client *client;
	const char *id; /* the session or container resized */
	struct podman_raw *raw;
	int tty, in_open;
	int *mid_line; /* stdout's last byte ended no line (cmd_pump_on_output's context) */
	struct podman_demux demux;
	int (*resize)(struct podman_client *c, const char *id, int height, int width, struct iso_error **err);
};

/* Output of the session to stdout/stderr; CTX: an int, whether stdout's last byte ended no line. */
int cmd_pump_on_output(void *ctx, enum podman_stream_id stream, const char *data, size_t len);
/* Pump until the session's stream ends: 0, or -1 (interrupted: ECANCELED). */
int cmd_pump_run(struct cmd_pump *p, struct iso_error **err);
/* The signals of a session; with TTY also WINCH, and *h, *w the terminal's size (unchanged when unknown). */
void cmd_pump_signals(int tty, int *h, int *w);

#endif
