/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/cmd.h - the command table and what every cmd_<verb> promises.
 *
 * main() strips the global options (--json, --verbose/-v, --quiet/-q) from
 * anywhere before a "--", sets the log level, and calls the command with
 * argv[0] = the verb.  A command parses the rest with its table of options
 * (cli_parse, cli/cli.h), answers --help on stdout with exit 0, and
 * returns the process exit code: 0, or the class of its error
 * (base/error.h), printed by cli_fail() (cli/cli.h).  With --json a command
 * prints exactly one JSON document on stdout, the error object included.
 */
#ifndef ISOPOD_CMD_H
#define ISOPOD_CMD_H

#include "cli/cli.h"

typedef int (*iso_cmd_fn)(int argc, char **argv, const struct iso_globals *g);

struct iso_command {
	const char *name;
	iso_cmd_fn fn;
	const char *summary;
};

/* The table, NULL-terminated, in the order `isopod --help` shows it. */
extern const struct iso_command iso_commands[];

int cmd_version(int argc, char **argv, const struct iso_globals *g);
/* `ports --rebuild`: the caller's leases from Podman's labels (src/cmd/ports_rebuild.c). */
int cmd_ports_rebuild(const struct iso_globals *g, struct iso_error **err);
int cmd_ports(int argc, char **argv, const struct iso_globals *g);
int cmd_up(int argc, char **argv, const struct iso_globals *g);
struct wo_run;
struct verify_outcome;
/* `up`'s answer once ready, WHAT the path taken, VO the --verify outcome or NULL (src/cmd/up_env.c). */
void cmd_up_print_env(struct wo_run *r, const struct iso_globals *g, int show_secrets, const char *what, int drift,
		      const struct verify_outcome *vo);
int cmd_down(int argc, char **argv, const struct iso_globals *g);
int cmd_verify(int argc, char **argv, const struct iso_globals *g);
struct wo_ctx;
struct verify_outcome;
/* Print a verify outcome as text or, with JSON, one document (verify and up --verify). */
void cmd_verify_print(const struct wo_ctx *w, const struct verify_outcome *out, int json);
/* The report's members (checks with their evidence and data, mode and its options) into an open map. */
void cmd_verify_report_json(iso_jgen *g, const struct verify_outcome *out);
int cmd_ls(int argc, char **argv, const struct iso_globals *g);
int cmd_status(int argc, char **argv, const struct iso_globals *g);
int cmd_logs(int argc, char **argv, const struct iso_globals *g);
int cmd_exec(int argc, char **argv, const struct iso_globals *g);
int cmd_odoo(int argc, char **argv, const struct iso_globals *g);
/*
 * For a one-shot Odoo in R's pod (odoo, test): the pod must be running; its
 * ports go into R, and its own repository (the pod's label) replaces the
 * configuration's unless REPO_GIVEN, so the one-shot mounts the addons the running Odoo has.
 */
int cmd_odoo_need_up(struct wo_run *r, int repo_given, struct iso_error **err);
int cmd_test(int argc, char **argv, const struct iso_globals *g);
int cmd_gc(int argc, char **argv, const struct iso_globals *g);
/* gc's part for templates and snapshots (src/cmd/gc_store.c); each thing done or skipped told through TELL. */
typedef void (*cmd_gc_tell)(void *ctx, const char *action, const char *profile, const char *subject,
			    const char *removed, const char *note);
int cmd_gc_store(struct wo_ctx *w, cmd_gc_tell tell, void *ctx, struct iso_error **err);
int cmd_doctor(int argc, char **argv, const struct iso_globals *g);
int cmd_template(int argc, char **argv, const struct iso_globals *g);
int cmd_snapshot(int argc, char **argv, const struct iso_globals *g);
int cmd_snapshots(int argc, char **argv, const struct iso_globals *g);
int cmd_restore(int argc, char **argv, const struct iso_globals *g);
int cmd_reset(int argc, char **argv, const struct iso_globals *g);
/* `isopod mcp`: the MCP server on stdio (src/cmd/mcp.c, design in mcp/mcp.h). */
int cmd_mcp(int argc, char **argv, const struct iso_globals *g);

#endif
