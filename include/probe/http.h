/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe/http.h - one small HTTP/1.0 GET over a plain socket, for
 * readiness: "does Odoo serve its login page on the published port".  It
 * is not a client (libcurl lives in podman/ alone): no TLS, no redirects
 * followed, the status line is all it reads.
 */
#ifndef ISOPOD_HTTPPROBE_H
#define ISOPOD_HTTPPROBE_H

#include "base/error.h"

/*
 * GET PATH from ADDRESS:PORT (IPv4 or IPv6 literal; 0.0.0.0 and :: are
 * asked on loopback) within TIMEOUT_MS.  *status gets the HTTP status; a
 * refused or reset connection is *status = 0 with return 0 (not up yet);
 * only a bad address or a system failure is an error (ISO_E_INTERNAL).
 */
int probe_http(const char *address, int port, const char *path, int timeout_ms, int *status, struct iso_error **err);

#endif
