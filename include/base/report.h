/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/report.h - printing an error for the user, the one place an
 * iso_error meets the output: kept apart from base/error.h so the error
 * object needs nothing of the JSON layer.  Only main() and cmd_* call it.
 */
#ifndef ISO_REPORT_H
#define ISO_REPORT_H

#include "base/error.h"

/*
 * Print an error for the user: "isopod: <message>" on stderr, or with
 * as_json {"error":{"class","code","message"}} on stdout.  Only main() and
 * cmd_* call this.  Returns the exit code.
 */
int iso_error_report(const struct iso_error *err, int as_json);

#endif
