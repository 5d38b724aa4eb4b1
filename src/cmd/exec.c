/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_exec.c - `isopod exec [-i] [-t] WO-ID [odoo|db] -- CMD...`: run a
 * command in a work order's container, as `podman exec` does.
 *
 * The session is created, then started hijacked (podman_exec_attach): one
 * connection carries stdin up and the output down, raw with a TTY, in
 * 8-byte frames without.  At the end of stdin the connection's write side
 * is shut so the command sees EOF.  With -t the local terminal goes raw for
 * the session and is restored on every way out; SIGWINCH becomes an
 * exec resize.  The exit status is the command's, read from exec inspect;
 * isopod's own failures exit 125, a command that cannot be run 126, a
 * command not found 127 (as `podman exec`).  --json changes only how
 * isopod's own failures are told (the error document on stdout): the
 * command's output is not isopod's to reshape.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/pump.h"
#include "workorder/workorder.h"
#include "podman/exec.h"

#define EXEC_INSPECT_WAIT_MS 3000

/* Report ERR (freeing it) the way every command does, but exit as podman exec: 125. */
static int exec_fail(const struct iso_globals *g, int mid_line, struct iso_error *err)
{
	/* After what the command printed, the error document is a line of its own, the last. */
	if (g->json && mid_line)
		putchar('\n');
	cli_fail(g, err);
	return ISO_EXEC_EXIT_FAILED;
}

/* The exit code of the finished session (it may take a moment to be recorded after the stream ends). */
static int session_exit_code(struct podman_client *c, const char *id, int *code, struct iso_error **err)
{
	int64_t deadline = iso_now_ms() + EXEC_INSPECT_WAIT_MS;
	for (;;) {
		struct podman_exec_info info;
		if (podman_exec_inspect(c, id, &info, err) < 0)
			return -1;
		int running = info.running;
		*code = info.exit_code;
		podman_exec_info_release(&info);
		if (!running || iso_now_ms() >= deadline)
			return 0;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Whether a refused exec start says the command is missing (127) or cannot be run (126); 0 otherwise. */
static int start_failure_code(const struct iso_error *e)
{
	/* libpod passes the OCI runtime's text through; there is no cause to branch on for these. */
	if (!e || !e->msg)
		return 0;
	if (strstr(e->msg, "executable file not found") || strstr(e->msg, "no such file or directory"))
		return ISO_EXEC_EXIT_NOTFOUND;
	if (strstr(e->msg, "permission denied"))
		return ISO_EXEC_EXIT_NOEXEC;
	return 0;
}

/* Create the session in ROLE's container, switching profile once when the container is missing. */
static int session_create(struct wo_ctx *w, int profile_given, const char *role, const struct podman_exec_spec *spec,
			  char **id, struct iso_error **err)
{
	for (int attempt = 0;; attempt++) {
		const char *name = !strcmp(role, ROLE_DB) ? w->names.db_container : w->names.odoo_container;
		if (podman_exec_create(w->client, name, spec, id, err) == 0)
			return 0;
		if (podman_err_exists(*err) || (*err && (*err)->msg && strstr((*err)->msg, "running container")))
			return iso_error_set(
				err, ISO_E_REFUSED, 0,
				"container '%s' is not running; 'isopod up %s' starts it, 'isopod status %s' "
				"shows why it stopped",
				name, w->names.wo, w->names.wo);
		if (attempt || !podman_err_not_found(*err))
			return -1;
		iso_error_free(*err);
		*err = NULL;
		if (wo_resolve_container(w, profile_given, role, err) < 0)
			return -1;
	}
}

static const struct cli_help exec_help = {
	"usage: isopod exec [-i] [-t] [--profile NAME] [--json] WO-ID [odoo|db] -- CMD [ARGS...]\n\n"
	"Run CMD in the work order's Odoo container (default) or database container.\n\n",
	"With --json the command's own output still passes through untouched (it is not JSON);\n"
	"isopod's own failures (exit 125: bad usage, unknown work order, Podman unreachable...)\n"
	"are printed on stdout as the error document {\"error\": {\"class\", \"code\", \"message\"}},\n"
	"its last line (\"code\" is the class's; the exit status stays 125).  126 and 127 are the\n"
	"command's, as with podman exec: their message stays on stderr.  A --json after '--' is\n"
	"the command's.\n\n"
	"Example: isopod exec -it WO-042 db -- psql -U odoo\n\n"
	"Exit codes: the command's own status; 125 isopod failed (bad usage, unknown work order,\n"
	"Podman unreachable or refusing), 126 the command cannot be run, 127 command not found.\n",
};

struct exec_opts {
	struct iso_config_flags flags;
	int interactive, tty;
	const char *wo, *role;
	char **cmd; /* NULL-terminated, after the "--" */
};

/* Options up to the "--" (anywhere before it), then WO-ID [odoo|db] -- CMD: 0, or -1 with *rc. */
static int parse_opts(int argc, char **argv, struct iso_globals *g, struct exec_opts *o, int *rc)
{
	const struct cli_option opts[] = {
		CLI_OPT_BOOL('i', "interactive", &o->interactive,
			     "forward stdin to the command (its end reaches the command as EOF)"),
		CLI_OPT_BOOL('t', "tty", &o->tty, "give the command a terminal (window size changes follow)"),
		CLI_OPT_PROFILE(&o->flags.profile, "the profile (default: the work order's own)"),
		CLI_OPT_BOOL(0, "json", &g->json, "isopod's own failures as the JSON error document on stdout"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &exec_help, CLI_KEEP_DASHDASH, g, rc);
	if (n < 0)
		return -1;
	int dd = 1;
	while (dd <= n && strcmp(argv[dd], "--"))
		dd++;
	int n_pos = dd - 1;
	if (n_pos < 1)
		*rc = cli_usage(g, argv[0], "missing the work order (WO-ID)");
	else if (n_pos > 2)
		*rc = cli_usage(g, argv[0], "unexpected argument '%s' (the command goes after '--')", argv[3]);
	else if (dd >= n)
		*rc = cli_usage(g, argv[0], "missing the command: put it after '--'");
	else {
		o->wo = argv[1];
		o->role = n_pos == 2 ? argv[2] : ROLE_ODOO;
		o->cmd = &argv[dd + 1];
		if (!strcmp(o->role, ROLE_ODOO) || !strcmp(o->role, ROLE_DB))
			return 0;
		*rc = cli_usage(g, argv[0], "unknown container '%s': use odoo or db", o->role);
	}
	return -1;
}

/* Attach, pump the streams, read the exit code into *code (126/127 when the start is refused so). */
static int session_run(struct wo_ctx *w, const char *id, const struct exec_opts *o, int *code, int *mid_line,
		       struct iso_error **err)
{
	struct cmd_term term = {0};
	struct cmd_pump p = {0};
	int h = 0, wd = 0;
	cmd_pump_signals(o->tty, &h, &wd);
	if (podman_exec_attach(w->client, id, o->tty, h, wd, &p.raw, err) < 0) {
		int nf = start_failure_code(*err);
		if (!nf)
			return -1;
		fprintf(stderr, "isopod: %s\n", (*err)->msg);
		iso_error_free(*err);
		*err = NULL;
		*code = nf;
		return 0;
	}
	if (o->tty && o->interactive)
		cmd_term_make_raw(&term);
	p.client = w->client;
	p.id = id;
	p.tty = o->tty;
	p.in_open = o->interactive;
	p.mid_line = mid_line;
	p.resize = podman_exec_resize;
	podman_demux_init(&p.demux, cmd_pump_on_output, mid_line);
	/* A resize is refused until the session runs: the size given to the start may not have been applied. */
	if (o->tty && h && wd) {
		struct iso_error *e = NULL;
		if (podman_exec_resize(w->client, id, h, wd, &e) < 0)
			iso_error_free(e);
	}
	int rc = cmd_pump_run(&p, err);
	cmd_term_restore(&term);
	if (rc == 0)
		rc = session_exit_code(w->client, id, code, err);
	podman_raw_close(p.raw);
	return rc;
}

int cmd_exec(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct exec_opts o = {0};
	int rc = 0;
	if (parse_opts(argc, argv, &mine, &o, &rc) < 0)
		return rc ? ISO_EXEC_EXIT_FAILED : 0;

	struct iso_error *err = NULL;
	struct wo_ctx w;
	cleanup_free char *id = NULL;
	int code = ISO_EXEC_EXIT_FAILED, mid_line = 0;
	struct podman_exec_spec spec = {
		.cmd = (const char *const *)o.cmd,
		.tty = o.tty,
		.attach_stdin = o.interactive,
	};
	/* No abort of requests by Ctrl-C: with -t it reaches the command as a byte, without it ends isopod. */
	if (wo_ctx_init(&w, o.wo, &o.flags, WO_NEED_PODMAN, &err) < 0 ||
	    session_create(&w, o.flags.profile != NULL, o.role, &spec, &id, &err) < 0 ||
	    session_run(&w, id, &o, &code, &mid_line, &err) < 0)
		code = exec_fail(&mine, mid_line, err);
	wo_ctx_release(&w);
	return code;
}
