/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cli.h - what every command shares: the global options and the one
 * place errors are printed (src/cli.c).
 *
 * main() strips the global options (--json, --verbose/-v, --quiet/-q) from
 * anywhere before a "--" and hands them to the command in struct
 * iso_globals.  A command reports an error by returning cli_fail(), which
 * prints it (as JSON with --json) and turns its class into the exit code;
 * a usage error goes through cli_usage(), which names the command and
 * points at its --help (exit 2).
 */
#ifndef ISOPOD_CLI_H
#define ISOPOD_CLI_H

#include "base/error.h"

struct iso_globals {
	int json;
	int verbose;
	int quiet;
};

/* Report ERR (freeing it) and return its exit code. */
int cli_fail(const struct iso_globals *g, struct iso_error *err);
/* A usage error of command CMD: print it with a pointer to CMD --help; returns 2. */
int cli_usage(const struct iso_globals *g, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Options of a command that takes no arguments, only --help (--json and the
 * log level are global): 0 to go on, or -1 with the exit code in *RC
 * (after printing HELP, or a usage error).
 */
int cli_parse_no_args(int argc, char **argv, const struct iso_globals *g, void (*help)(void), int *rc);
/* Parse a port number argument ("--port N") into 1..65535. */
int cli_parse_port(const char *s, const char *what, int *out, struct iso_error **err);

#endif
