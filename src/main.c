/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod - an isolated Odoo + PostgreSQL environment per work order on
 * rootless Podman.  main() only dispatches: global options, then one
 * cmd_<verb> from the table below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "progress/progress.h"

const struct iso_command iso_commands[] = {
	{"up", cmd_up, "bring a work order's pod up and prove it ready"},
	{"down", cmd_down, "stop and remove a work order's pod (--cleanup: its data too)"},
	{"ls", cmd_ls, "list your work orders: state, URL, age, drift"},
	{"status", cmd_status, "show one work order: containers, ports, volumes, secret"},
	{"logs", cmd_logs, "print a work order's logs (odoo, db or init)"},
	{"exec", cmd_exec, "run a command in a work order's container"},
	{"odoo", cmd_odoo, "run Odoo once with a work order's settings (-u, shell, neutralize...)"},
	{"test", cmd_test, "run a work order's module tests, with a verdict (passed, failed, no-tests)"},
	{"verify", cmd_verify, "prove a work order's network isolation"},
	{"gc", cmd_gc, "finish interrupted runs and reclaim unused port leases"},
	{"doctor", cmd_doctor, "check this host for rootless work orders, with the fix for each problem"},
	{"template", cmd_template, "build, list and remove a profile's templates (fresh work orders in a second)"},
	{"snapshot", cmd_snapshot, "keep a work order's data as a named snapshot ('snapshot rm' removes one)"},
	{"snapshots", cmd_snapshots, "list a work order's snapshots, or everyone's"},
	{"restore", cmd_restore, "put a work order back to a snapshot (the state before kept as before-restore)"},
	{"reset", cmd_reset, "put a work order back to its profile's template, or a fresh init"},
	{"ports", cmd_ports, "list the host ports leased to work orders"},
	{"mcp", cmd_mcp, "serve the commands as Model Context Protocol tools on stdio"},
	{"version", cmd_version, "client and Podman versions, the endpoint, whether the service was started"},
	{NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: isopod [--json] [--verbose | --quiet] [--progress=MODE] COMMAND [ARGS...]\n\n"
		     "Each work order gets its own rootless Podman pod with Odoo and PostgreSQL.\n\n"
		     "Commands:\n");
	for (const struct iso_command *c = iso_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nGlobal options (anywhere before '--'):\n"
		     "  --json          one JSON document on stdout, errors included\n"
		     "  -v, --verbose   say more (debug detail on stderr)\n"
		     "  -q, --quiet     errors only (no progress either, unless --progress=json)\n"
		     "  --progress=MODE the progress of long work, on stderr: auto (one\n"
		     "                  updating line on a terminal, else plain lines), plain,\n"
		     "                  or json (one JSON object a line, also with --json and -q)\n"
		     "  -h, --help      this text; 'isopod COMMAND --help' for a command\n"
		     "  --version       the client version\n\n"
		     "Exit codes: 0 ok, 1 internal, 2 usage or bad input, 3 unknown work order,\n"
		     "4 conflict, 5 Podman unreachable, 6 Podman refused, 7 readiness timeout,\n"
		     "8 container exited, 9 isolation not verified, 10 host not prepared,\n"
		     "11 tests failed, 12 no tests ran.\n"
		     "See isopod(1).\n");
}

int main(int argc, char **argv)
{
	struct iso_globals g = {0};
	const char *lvl = getenv("ISOPOD_LOG");
	if (lvl && !strcmp(lvl, "debug"))
		iso_log_level = ISO_LOG_DEBUG;

	/* Strip the global options wherever they stand before "--"; keep the rest in order. */
	char **args = calloc((size_t)argc + 1, sizeof(char *));
	if (!args)
		return 1;
	int n = 0, dashdash = 0, want_help = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && !strcmp(a, "--"))
			dashdash = 1;
		if (!dashdash && !strcmp(a, "--json"))
			g.json = 1;
		else if (!dashdash && (!strcmp(a, "--verbose") || !strcmp(a, "-v")))
			g.verbose = 1, g.quiet = 0;
		else if (!dashdash && (!strcmp(a, "--quiet") || !strcmp(a, "-q")))
			g.quiet = 1, g.verbose = 0;
		else if (!dashdash && (!strcmp(a, "--progress") || !strncmp(a, "--progress=", 11))) {
			const char *mode = a[10] == '=' ? a + 11 : i + 1 < argc ? argv[++i] : "";
			if (progress_request_parse(mode, &g.progress) < 0) {
				free(args);
				return cli_usage(&g, "isopod", "--progress '%s' is not one of auto, plain, json", mode);
			}
		} else if (n == 0 && (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")))
			want_help = 1;
		else if (n == 0 && !strcmp(a, "--version")) {
			printf("isopod %s\n", ISOPOD_VERSION);
			free(args);
			return 0;
		} else
			args[n++] = argv[i];
	}
	if (g.verbose)
		iso_log_level = ISO_LOG_DEBUG;
	else if (g.quiet)
		iso_log_level = ISO_LOG_QUIET;

	int rc;
	if (n == 0) {
		usage(want_help ? stdout : stderr);
		rc = want_help ? 0 : 2;
		goto out;
	}
	if (want_help) {
		/* "isopod help CMD" reads as "isopod CMD --help". */
		args[n++] = "--help";
	}
	for (const struct iso_command *c = iso_commands; c->name; c++) {
		if (!strcmp(c->name, args[0])) {
			rc = c->fn(n, args, &g);
			goto out;
		}
	}
	rc = cli_usage(&g, "isopod", "unknown command '%s'", args[0]);
out:
	fflush(stdout);
	free(args);
	return rc;
}
