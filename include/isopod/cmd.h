/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod/cmd.h - the command table and what every cmd_<verb> promises.
 *
 * main() strips the global options (--json, --verbose/-v, --quiet/-q) from
 * anywhere before a "--", sets the log level, and calls the command with
 * argv[0] = the verb.  A command parses the rest with getopt_long, answers
 * --help on stdout with exit 0, and returns the process exit code: 0, or the
 * class of its error (iso/error.h), printed by cmd_fail().  With --json a
 * command prints exactly one JSON document on stdout, the error object
 * included.
 */
#ifndef ISOPOD_CMD_H
#define ISOPOD_CMD_H

#include "iso/error.h"

struct iso_globals {
	int json;
	int verbose;
	int quiet;
};

typedef int (*iso_cmd_fn)(int argc, char **argv, const struct iso_globals *g);

struct iso_command {
	const char *name;
	iso_cmd_fn fn;
	const char *summary;
};

/* The table, NULL-terminated, in the order `isopod --help` shows it. */
extern const struct iso_command iso_commands[];

/* Report ERR (freeing it) and return its exit code. */
int cmd_fail(const struct iso_globals *g, struct iso_error *err);
/* A usage error of command CMD: print it with a pointer to CMD --help; returns 2. */
int cmd_usage(const struct iso_globals *g, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Options of a command that takes no arguments, only --help (--json and the
 * log level are global): 0 to go on, or -1 with the exit code in *RC
 * (after printing HELP, or a usage error).
 */
int cmd_parse_no_args(int argc, char **argv, const struct iso_globals *g, void (*help)(void), int *rc);
/* Parse a port number argument ("--port N") into 1..65535. */
int cmd_parse_port(const char *s, const char *what, int *out, struct iso_error **err);

int cmd_version(int argc, char **argv, const struct iso_globals *g);
/* `ports --rebuild`: the caller's leases from Podman's labels (src/ports_rebuild.c). */
int ports_rebuild(const struct iso_globals *g, struct iso_error **err);
int cmd_ports(int argc, char **argv, const struct iso_globals *g);
int cmd_up(int argc, char **argv, const struct iso_globals *g);
int cmd_down(int argc, char **argv, const struct iso_globals *g);
int cmd_verify(int argc, char **argv, const struct iso_globals *g);
int cmd_ls(int argc, char **argv, const struct iso_globals *g);
int cmd_status(int argc, char **argv, const struct iso_globals *g);
int cmd_logs(int argc, char **argv, const struct iso_globals *g);
int cmd_exec(int argc, char **argv, const struct iso_globals *g);
int cmd_gc(int argc, char **argv, const struct iso_globals *g);
int cmd_doctor(int argc, char **argv, const struct iso_globals *g);

#endif
