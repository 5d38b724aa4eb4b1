/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workorder/ports.h - the ports of a work order: the purposes a profile
 * publishes ("http", "websocket", "db"), each with the port inside the pod,
 * and the "LOW-HIGH" ranges host ports come from.
 *
 * The configuration reads these names (a profile's "ports") and the lease
 * file writes them (its purpose field), so the table sits here, in the
 * workorder layer the lease already builds on; the lease never needs a
 * vocabulary of its own.  workorder/config.h includes this header.
 *
 * Errors: wo_parse_port_range fails with ISO_E_USAGE stating the rule; the
 * rest cannot fail (an unknown purpose is -1, "unknown" or 0).
 */
#ifndef ISOPOD_WORKORDER_PORTS_H
#define ISOPOD_WORKORDER_PORTS_H

#include <stddef.h>

#include "base/error.h"

enum iso_port_purpose {
	ISO_PORT_HTTP = 0,
	ISO_PORT_WEBSOCKET = 1,
	ISO_PORT_DB = 2,
	ISO_PORT_PURPOSES = 3,
};
/* "http", "websocket", "db"; and back (-1 for an unknown name or NULL). */
const char *wo_purpose_name(enum iso_port_purpose p);
int wo_purpose_parse(const char *s);
/* The same for the N bytes at S, which need not be NUL-terminated (a field of the lease file). */
int wo_purpose_parse_n(const char *s, size_t n);
/* Port inside the pod a purpose publishes: 8069, 8072, 5432. */
int wo_purpose_container_port(enum iso_port_purpose p);

/*
 * The I-th (0-based) port of LOW..HIGH in the order a lost port's
 * replacement is tried: from the one after LOST when LOST lies in the range,
 * else from LOW; always inside the range (I is taken modulo its size).
 */
int wo_port_candidate(int lost, int low, int high, int i);

/* Parse "LOW-HIGH" (1..65535, LOW <= HIGH). */
int wo_parse_port_range(const char *s, int *low, int *high, struct iso_error **err);

#endif
