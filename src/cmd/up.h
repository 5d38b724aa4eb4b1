/* SPDX-License-Identifier: Apache-2.0 */
/* cmd/up.h - the parts of `up` in more than one file: leases and port races (src/cmd/up_ports.c). */
#ifndef ISOPOD_CMD_UP_H
#define ISOPOD_CMD_UP_H

#include "lifecycle/lifecycle.h"

/* The lease request of the work order's ports, asking for PORT (0: none) as http's. */
struct lease_request cmd_up_lease_request(const struct wo_ctx *w, int port);
/* A start failure that is a lost port race: 1 for the http port, -1 with an error naming another port, 0 none. */
int cmd_up_race_lost(const struct wo_run *r, struct iso_error **err);
/* Move the http lease off LOST, taken by another program, to the next free port of the range. */
int cmd_up_move_http_lease(struct wo_run *r, int lost, struct iso_error **err);
/* The pod is gone: move the work order's lease to PORT (--recreate --port). */
int cmd_up_move_lease(struct wo_run *r, int port, struct iso_error **err);

#endif
