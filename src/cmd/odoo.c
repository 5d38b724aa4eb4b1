/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod odoo: a one-shot Odoo with the work order's settings (its image,
 * environment, addons mount, data volume, database) running ARGS, e.g.
 * `-u mymodule --stop-after-init`, `shell` or `neutralize`.  The one-shot
 * runs in the pod under the init container's name: without -i/-t its
 * output is followed (lifecycle_run_oneshot_watch), each line to our stdout
 * or stderr as it came; with -i it is created with stdin open (-t: a
 * terminal), attached and pumped as `exec -it` does (cmd/pump.h).  Its exit
 * status is passed through, 125 is isopod's own failure; a timeout or a
 * signal removes the one-shot.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/pump.h"
#include "lifecycle/lifecycle.h"

#define ODOO_JSON_CAP (64u << 10)
#define ODOO_LOCK_WAIT_MS (300 * 1000L) /* behind an up of the work order (its --timeout default) */

static const struct cli_help odoo_help = {
	"usage: isopod odoo [-i] [-t] [--profile NAME] [--repo DIR] [--timeout S] [--json] WO-ID -- ARGS...\n\n"
	"Run 'odoo [SUBCOMMAND] -d DB ARGS...' once in a new container of the work order's pod, with\n"
	"the work order's Odoo image, settings, addons and data dir (the database\n"
	"connection comes from the image's entrypoint).  Its stdout and stderr stream\n"
	"to ours as they come.  -i passes stdin through, -t gives it a terminal\n"
	"('isopod odoo -it WO-ID -- shell').  The work order must be up.\n\n"
	"With --json (not with -i or -t): one document {\"exit_code\", \"stdout\", \"stderr\",\n"
	"\"truncated\"} (docs/schema/odoo.json; each stream kept up to 64 KiB: its end,\n"
	"with truncated true, when longer).\n\n"
	"Example: isopod odoo WO-042 -- -u mymodule --stop-after-init\n\n",
	"Exit codes: Odoo's own status; 125 isopod failed (bad usage, unknown work order,\n"
	"the work order down, Podman unreachable or refusing, timeout: the one-shot is\n"
	"removed); 129/130/143 interrupted (the one-shot is removed).\n",
};

struct odoo_opts {
	struct iso_config_flags flags;
	int interactive, tty;
	long timeout_s; /* 0: none (the default with -i or -t), else 3600 */
	const char *wo;
	char **args; /* NULL-terminated, after the "--" */
};

static int opt_timeout(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	if (iso_parse_long(arg, 1, 86400, opt->value) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "--timeout '%s' is not a number of seconds (1-86400)", arg);
	return 0;
}

static int parse(int argc, char **argv, struct iso_globals *g, struct odoo_opts *o, int *rc)
{
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&o->flags.profile, "the profile (default: the work order's own)"),
		CLI_OPT_STRING(
			0, "repo", &o->flags.repo, "DIR",
			"the repository whose addons to mount (default: the one the work order was brought up from)"),
		CLI_OPT_CALLBACK(0, "timeout", &o->timeout_s, "S",
				 "give up after S seconds (default 3600; none with -i or -t)", opt_timeout),
		CLI_OPT_BOOL('i', "interactive", &o->interactive, "pass stdin through"),
		CLI_OPT_BOOL('t', "tty", &o->tty, "give Odoo a terminal"),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON document on stdout (not with -i or -t)"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &odoo_help, CLI_KEEP_DASHDASH, g, rc);
	if (n < 0)
		return -1;
	int dd = 1;
	while (dd <= n && strcmp(argv[dd], "--"))
		dd++;
	if (dd - 1 < 1)
		*rc = cli_usage(g, "odoo", "missing the work order (WO-ID)");
	else if (dd - 1 > 1)
		*rc = cli_usage(g, "odoo", "unexpected argument '%s' (Odoo's arguments go after '--')", argv[2]);
	else if (dd >= n)
		*rc = cli_usage(g, "odoo", "missing Odoo's arguments: put them after '--'");
	else if (g->json && (o->interactive || o->tty))
		*rc = cli_usage(g, "odoo", "--json collects the output: it does not go with -i or -t");
	else {
		o->wo = argv[1];
		o->args = &argv[dd + 1];
		return 0;
	}
	if (*rc == ISO_E_USAGE)
		*rc = ISO_EXEC_EXIT_FAILED;
	return -1;
}

/* With --json: each stream's end, capped. */
struct odoo_capture {
	struct iso_buf b[2];
	int truncated;
};

static void keep_line(struct odoo_capture *c, int is_stderr, const char *line)
{
	struct iso_buf *b = &c->b[is_stderr];
	size_t n = strlen(line);
	if (b->len + n + 1 > ODOO_JSON_CAP) {
		/* Keep the end: drop whole lines from the front. */
		c->truncated = 1;
		size_t drop = b->len + n + 1 - ODOO_JSON_CAP;
		const char *nl = drop < b->len ? memchr(b->data + drop, '\n', b->len - drop) : NULL;
		size_t keep = nl ? b->len - (size_t)(nl + 1 - b->data) : 0;
		memmove(b->data, b->data + b->len - keep, keep);
		b->len = keep;
		if (b->data)
			b->data[keep] = '\0';
		if (n + 1 > ODOO_JSON_CAP)
			line += n + 1 - ODOO_JSON_CAP, n = ODOO_JSON_CAP - 1;
	}
	iso_buf_append(b, line, n);
	iso_buf_append(b, "\n", 1);
}

static void stream_line(void *ctx, int is_stderr, const char *line)
{
	if (ctx) {
		keep_line(ctx, is_stderr, line);
		return;
	}
	FILE *f = is_stderr ? stderr : stdout;
	fputs(line, f);
	fputc('\n', f);
	fflush(f);
}

/* The pod must be running: the one-shot shares its network and its database. */
int cmd_odoo_need_up(struct wo_run *r, int repo_given, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_found f;
	if (wo_find(w, &f, err) < 0)
		return -1;
	int rc = 0;
	if (!f.have_pod && (f.have_db_volume || f.have_odoo_volume))
		rc = iso_error_set(err, ISO_E_CONFLICT, 0,
				   "work order '%s' is down (its data is kept); 'isopod up %s' starts it", w->names.wo,
				   w->names.wo);
	else if (!f.have_pod)
		rc = iso_error_set(err, ISO_E_UNKNOWN, 0,
				   "work order '%s' (profile '%s') has no pod; 'isopod up %s' makes it", w->names.wo,
				   w->names.profile, w->names.wo);
	else if (!f.pod.state || strcmp(f.pod.state, "Running"))
		rc = iso_error_set(err, ISO_E_CONFLICT, 0, "work order '%s' is down (pod %s); 'isopod up %s' starts it",
				   w->names.wo, f.pod.state ? f.pod.state : "stopped", w->names.wo);
	else
		wo_labels_ports(&f.pod.labels, r->grant.ports, NULL, 0);
	const char *repo = rc == 0 && !repo_given ? podman_labels_get(&f.pod.labels, LABEL_REPO) : NULL;
	if (repo && (!w->cfg.repo_dir || strcmp(repo, w->cfg.repo_dir))) {
		free(w->cfg.repo_dir);
		w->cfg.repo_dir = xstrdup(repo);
	}
	wo_found_release(&f);
	return rc;
}

/* odoo [SUBCOMMAND] -d DB ARGS...: Odoo reads a subcommand (shell, neutralize) only as its first argument. */
static const char **odoo_argv(struct wo_ctx *w, const char *const *args)
{
	size_t n = 0;
	while (args[n])
		n++;
	const char **cmd = xzalloc((n + 4) * sizeof(*cmd));
	/* Odoo reads a subcommand (shell, neutralize) only as its first argument: -d DB after it. */
	size_t sub = n && args[0][0] != '-';
	cmd[0] = "odoo";
	if (sub)
		cmd[1] = args[0];
	cmd[1 + sub] = "-d";
	cmd[2 + sub] = w->names.database;
	memcpy(cmd + 3 + sub, args + sub, (n - sub) * sizeof(*cmd));
	return cmd;
}

/* The streams of an attached one-shot, as `exec -it` pumps them. */
static int odoo_attached(struct wo_run *r, const char **cmd, const struct odoo_opts *o, int *code,
			 struct iso_error **err)
{
	struct cmd_pump p = {.tty = o->tty, .in_open = o->interactive, .resize = podman_container_resize};
	struct cmd_term term = {0};
	int h = 0, wd = 0, mid = 0;
	cmd_pump_signals(o->tty, &h, &wd);
	if (!o->tty)
		cli_catch_signals(SIGINT, 0); /* with a terminal, Ctrl-C is Odoo's */
	if (lifecycle_oneshot_open(r, WO_ONESHOT_ODOO, cmd, o->tty, &p.raw, err) < 0)
		return -1;
	p.client = r->w->client;
	p.id = r->w->names.init_container;
	p.mid_line = &mid;
	podman_demux_init(&p.demux, cmd_pump_on_output, &mid);
	if (o->tty && o->interactive)
		cmd_term_make_raw(&term);
	struct iso_error *e = NULL;
	if (o->tty && h && wd && podman_container_resize(r->w->client, p.id, h, wd, &e) < 0)
		iso_error_free(e);
	int rc = cmd_pump_run(&p, err);
	cmd_term_restore(&term);
	podman_raw_close(p.raw);
	return rc < 0 ? -1 : lifecycle_oneshot_close(r, code, err);
}

/* Run Odoo with the work order's settings and ARGS; *code is its status (CAP: --json's capture, or NULL). */
static int odoo_run(struct wo_ctx *w, const struct odoo_opts *o, struct odoo_capture *cap, int *code,
		    struct iso_error **err)
{
	struct wo_run r = {.w = w};
	r.deadline_ms = o->timeout_s ? iso_now_ms() + o->timeout_s * 1000L : 0;
	if (cmd_odoo_need_up(&r, o->flags.repo != NULL, err) < 0)
		return -1;
	cleanup_free const char **cmd = odoo_argv(w, (const char *const *)o->args);
	int rc;
	if (o->interactive || o->tty) {
		rc = odoo_attached(&r, cmd, o, code, err);
	} else {
		cleanup_free char *out = NULL;
		cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
		rc = lifecycle_run_oneshot_watch(&r, WO_ONESHOT_ODOO, cmd, stream_line, cap, code, &out, err);
	}
	if (rc < 0)
		lifecycle_oneshot_abandon(&r); /* a timeout or a signal: the one-shot goes */
	return rc;
}

static void print_json(int code, const struct odoo_capture *c)
{
	cleanup_jgen iso_jgen *j = iso_jgen_new(1);
	iso_jgen_map_open(j);
	iso_jgen_kv_int(j, "exit_code", code);
	iso_jgen_kv_string(j, "stdout", c->b[0].data ? c->b[0].data : "");
	iso_jgen_kv_string(j, "stderr", c->b[1].data ? c->b[1].data : "");
	iso_jgen_kv_bool(j, "truncated", c->truncated);
	iso_jgen_map_close(j);
	cli_print_json(j, NULL);
}

int cmd_odoo(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct odoo_opts o = {.timeout_s = -1};
	int rc = 0;
	if (parse(argc, argv, &mine, &o, &rc) < 0)
		return rc;
	if (o.timeout_s < 0)
		o.timeout_s = o.interactive || o.tty ? 0 : 3600;
	struct iso_error *err = NULL;
	struct wo_ctx w;
	int code = ISO_EXEC_EXIT_FAILED;
	struct odoo_capture cap = {.truncated = 0};
	iso_buf_init(&cap.b[0], 0);
	iso_buf_init(&cap.b[1], 0);
	if (wo_ctx_init(&w, o.wo, &o.flags, WO_NEED_PODMAN, &err) < 0 || wo_lock(&w, ODOO_LOCK_WAIT_MS, &err) < 0 ||
	    odoo_run(&w, &o, mine.json ? &cap : NULL, &code, &err) < 0) {
		int sig = wo_interrupted;
		if (sig) {
			iso_error_free(err);
			rc = cli_interrupted(&mine, sig,
					     "odoo on '%s' interrupted by signal %d; the one-shot was removed", o.wo,
					     sig);
		} else {
			cli_fail(&mine, err);
			rc = ISO_EXEC_EXIT_FAILED;
		}
	} else {
		if (mine.json)
			print_json(code, &cap);
		rc = code;
	}
	iso_buf_release(&cap.b[0]);
	iso_buf_release(&cap.b[1]);
	wo_ctx_release(&w);
	return rc;
}
