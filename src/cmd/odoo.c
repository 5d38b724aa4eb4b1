/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod odoo: a one-shot Odoo with the work order's settings (its image,
 * environment, addons mount, data volume, database) running ARGS, e.g.
 * `-u mymodule --stop-after-init` or `neutralize`.  The one-shot runs in the
 * pod under the init container's name (lifecycle_run_oneshot_watch): its
 * lines stream to stdout as they come, its exit status is passed through,
 * 125 is isopod's own failure.  Not interactive yet: stdin is not attached
 * (`isopod exec -it WO -- odoo shell` meanwhile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "lifecycle/lifecycle.h"

#define ODOO_JSON_CAP (64u << 10)
#define ODOO_LOCK_WAIT_MS 5000L

static const struct cli_help odoo_help = {
	"usage: isopod odoo [--profile NAME] [--repo DIR] [--timeout S] [--json] WO-ID -- ARGS...\n\n"
	"Run 'odoo [SUBCOMMAND] -d DB ARGS...' once in a new container of the work order's pod, with\n"
	"the work order's Odoo image, settings, addons and data dir (the database\n"
	"connection comes from the image's entrypoint).  Its output streams on stdout.\n"
	"The work order must be up.  stdin is not attached (no interactive use yet): use\n"
	"'isopod exec -it WO-ID -- odoo shell ...' meanwhile.\n\n"
	"With --json: one document {\"exit_code\", \"stdout\", \"stderr\", \"truncated\"}\n"
	"(docs/schema/odoo.json; the one-shot's streams are merged into stdout, kept up to\n"
	"64 KiB: the end, with truncated true, when longer).\n\n"
	"Example: isopod odoo WO-042 -- -u mymodule --stop-after-init\n\n",
	"Exit codes: Odoo's own status; 125 isopod failed (bad usage, unknown work order,\n"
	"the work order down, Podman unreachable or refusing, timeout).\n",
};

struct odoo_opts {
	struct iso_config_flags flags;
	long timeout_s;
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
		CLI_OPT_CALLBACK(0, "timeout", &o->timeout_s, "S", "give up after S seconds (default 3600)",
				 opt_timeout),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON document on stdout"),
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
	else {
		o->wo = argv[1];
		o->args = &argv[dd + 1];
		return 0;
	}
	if (*rc == ISO_E_USAGE)
		*rc = ISO_EXEC_EXIT_FAILED;
	return -1;
}

static void stream_line(void *ctx, const char *line)
{
	if (!ctx) {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

/* The pod must be running: the one-shot shares its network and its database. */
int cmd_odoo_need_up(struct wo_run *r, int repo_given, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_found f;
	if (wo_find(w, &f, err) < 0)
		return -1;
	int rc = 0;
	if (!f.have_pod)
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

/* Run Odoo with the work order's settings and ARGS; *code is its status, *out its output (owned). */
static int odoo_run(struct wo_ctx *w, int repo_given, const char *const *args, long timeout_ms, lifecycle_line_cb cb,
		    void *ctx, int *code, char **out, struct iso_error **err)
{
	struct wo_run r = {.w = w};
	r.deadline_ms = iso_now_ms() + timeout_ms;
	if (cmd_odoo_need_up(&r, repo_given, err) < 0)
		return -1;
	size_t n = 0;
	while (args[n])
		n++;
	cleanup_free const char **cmd = xzalloc((n + 4) * sizeof(*cmd));
	/* Odoo reads a subcommand (shell, neutralize) only as its first argument: -d DB after it. */
	size_t sub = n && args[0][0] != '-';
	cmd[0] = "odoo";
	if (sub)
		cmd[1] = args[0];
	cmd[1 + sub] = "-d";
	cmd[2 + sub] = w->names.database;
	memcpy(cmd + 3 + sub, args + sub, (n - sub) * sizeof(*cmd));
	if (lifecycle_run_oneshot_watch(&r, WO_ONESHOT_ODOO, cmd, cb, ctx, code, out, err) == 0)
		return 0;
	lifecycle_oneshot_abandon(&r); /* a timeout or Ctrl-C: the one-shot goes */
	return -1;
}

static void print_json(int code, const char *out)
{
	size_t len = out ? strlen(out) : 0;
	int truncated = len > ODOO_JSON_CAP;
	cleanup_jgen iso_jgen *j = iso_jgen_new(1);
	iso_jgen_map_open(j);
	iso_jgen_kv_int(j, "exit_code", code);
	iso_jgen_kv_string(j, "stdout", out ? out + (truncated ? len - ODOO_JSON_CAP : 0) : "");
	iso_jgen_kv_string(j, "stderr", "");
	iso_jgen_kv_bool(j, "truncated", truncated);
	iso_jgen_map_close(j);
	cli_print_json(j, NULL);
}

int cmd_odoo(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct odoo_opts o = {.timeout_s = 3600};
	int rc = 0;
	if (parse(argc, argv, &mine, &o, &rc) < 0)
		return rc;
	struct iso_error *err = NULL;
	struct wo_ctx w;
	int code = ISO_EXEC_EXIT_FAILED;
	cleanup_free char *out = NULL;
	if (wo_ctx_init(&w, o.wo, &o.flags, WO_NEED_PODMAN, &err) < 0 || wo_lock(&w, ODOO_LOCK_WAIT_MS, &err) < 0 ||
	    odoo_run(&w, o.flags.repo != NULL, (const char *const *)o.args, o.timeout_s * 1000L, stream_line,
		     mine.json ? &o : NULL, &code, &out, &err) < 0) {
		cli_fail(&mine, err);
		rc = ISO_EXEC_EXIT_FAILED;
	} else {
		if (mine.json)
			print_json(code, out);
		rc = code;
	}
	wo_ctx_release(&w);
	return rc;
}
