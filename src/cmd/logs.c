/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_logs.c - `isopod logs WO-ID [odoo|db|init] [--follow] [--tail N] [--json]`.
 *
 * odoo and db are the containers' logs, demuxed: what the container wrote
 * to stdout goes to stdout, stderr to stderr.  init is the file the last
 * initialisation run left in the state directory (the one-shot init
 * container is removed after it ran).  --follow ends on SIGINT or SIGTERM
 * with exit 0: the handler sets wo_interrupted and the client's transport
 * stops the stream.  With --json the lines go through cmd/log_lines.h: one
 * document {"lines": [...]}, or with --follow one JSON line per log line.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/log_lines.h"
#include "lifecycle/lifecycle.h"
#include "podman/exec.h"

#define INIT_LOG_CAP (64u << 20)

/* Where the output goes: the streams as they are, or (json) lines of JSON. */
struct logs_out {
	int follow;
	struct cmd_log_lines *json; /* NULL: text */
};

static int on_output(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	struct logs_out *o = ctx;
	if (o->json)
		return cmd_log_lines_feed(o->json, stream, data, len);
	FILE *f = stream == PODMAN_STDERR ? stderr : stdout;
	if (fwrite(data, 1, len, f) != len)
		return 1; /* stdout closed (a pager quit): stop */
	if (o->follow)
		fflush(f);
	return 0;
}

/* Where the last TAIL lines (all when < 0) of BUF start. */
static size_t tail_start(const char *buf, size_t len, int tail)
{
	size_t start = 0;
	if (tail >= 0) {
		size_t end = len, lines = 0;
		if (end && buf[end - 1] == '\n')
			end--;
		start = end;
		while (start > 0 && lines < (size_t)tail) {
			if (buf[start - 1] == '\n' && ++lines == (size_t)tail)
				break;
			start--;
		}
		if (tail == 0)
			start = len;
	}
	return start;
}

/* The init log of W's work order under any profile (a user's work order has one), or NULL. */
static char *find_init_log(const struct wo_ctx *w)
{
	cleanup_free char *suffix = xasprintf("-%s-init.log", w->names.wo);
	DIR *d = opendir(w->cfg.state_dir);
	char *found = NULL;
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		size_t n = strlen(e->d_name), k = strlen(suffix);
		if (n <= k || strcmp(e->d_name + n - k, suffix))
			continue;
		cleanup_free char *profile = xstrndup(e->d_name, n - k);
		if (wo_profile_name_check(profile, NULL) == 0)
			found = xasprintf("%s/%s", w->cfg.state_dir, e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static int logs_init(struct wo_ctx *w, int profile_given, int tail, struct logs_out *out, struct iso_error **err)
{
	cleanup_free char *path = lifecycle_init_log_path(w);
	if (access(path, F_OK) < 0 && !profile_given) {
		char *other = find_init_log(w);
		if (other) {
			free(path);
			path = other;
		}
	}
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct iso_error *e = NULL;
	if (iso_read_file(path, INIT_LOG_CAP, &buf, &len, &e) < 0) {
		int missing = e && e->status == ENOENT;
		if (!missing)
			return iso_error_move(err, e);
		iso_error_free(e);
		return iso_error_set(err, ISO_E_UNKNOWN, ENOENT,
				     "work order '%s' has no init log ('%s'): its database was never initialised by "
				     "isopod on this machine; 'isopod up %s' initialises it",
				     w->names.wo, path, w->names.wo);
	}
	size_t start = tail_start(buf, len, tail);
	if (out->json)
		cmd_log_lines_feed(out->json, PODMAN_STDOUT, buf + start, len - start);
	else
		fwrite(buf + start, 1, len - start, stdout);
	return 0;
}

static const struct cli_help logs_help = {
	"usage: isopod logs WO-ID [odoo|db|init] [--follow] [--tail N] [--profile NAME] [--json]\n\n"
	"Print a work order's logs: the Odoo container's (default), the database's, or the\n"
	"output of its last initialisation run (init).  Container output keeps its streams:\n"
	"stdout to stdout, stderr to stderr.\n\n"
	"With --json: one JSON object {\"lines\": [{\"stream\": \"stdout\"|\"stderr\", \"text\": LINE}, ...]},\n"
	"LINE without its newline (init: the file's lines, stream \"stdout\").  With --follow --json:\n"
	"JSON lines on stdout, one object {\"stream\": ..., \"text\": ...} per log line, flushed as\n"
	"each line is whole.  Errors are the error document {\"error\": {\"class\", \"code\",\n"
	"\"message\"}} (with --follow, as the last line).  Bytes that are not UTF-8 become U+FFFD.\n\n",
	"Exit codes: 0 ok (also when --follow is ended by Ctrl-C), 2 bad usage, 3 unknown work\n"
	"order, container or init log, 5 Podman unreachable, 6 Podman refused, 1 internal.\n",
};

struct logs_opts {
	struct iso_config_flags flags;
	int follow, tail;
	const char *wo, *role;
};

static int opt_tail(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	long v;
	if (iso_parse_long(arg, 0, 1000000000, &v) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "--tail '%s' is not a number of lines", arg);
	*(int *)opt->value = (int)v;
	return 0;
}

/* Options may stand before or after the positional arguments: "logs WO db --tail 5". */
static int parse_opts(int argc, char **argv, struct iso_globals *g, struct logs_opts *o, int *rc)
{
	const struct cli_option opts[] = {
		CLI_OPT_BOOL('f', "follow", &o->follow, "keep printing new output until the container stops or Ctrl-C"),
		CLI_OPT_CALLBACK('n', "tail", &o->tail, "N", "only the last N lines", opt_tail),
		CLI_OPT_PROFILE(&o->flags.profile, "the profile (default: the work order's own)"),
		CLI_OPT_BOOL(0, "json", &g->json,
			     "lines as JSON: {\"lines\": [{stream, text}]}; with --follow one per line"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &logs_help, 0, g, rc);
	if (n < 0)
		return -1;
	if (n > 2)
		*rc = cli_usage(g, argv[0], "unexpected argument '%s'", argv[3]);
	else if (n == 0)
		*rc = cli_usage(g, argv[0], "missing the work order (WO-ID)");
	if (n > 2 || n == 0)
		return -1;
	o->wo = argv[1];
	o->role = n == 2 ? argv[2] : ROLE_ODOO;
	if (strcmp(o->role, ROLE_ODOO) && strcmp(o->role, ROLE_DB) && strcmp(o->role, ROLE_INIT))
		*rc = cli_usage(g, argv[0], "unknown log '%s': use odoo, db or init", o->role);
	else if (o->follow && !strcmp(o->role, ROLE_INIT))
		*rc = cli_usage(g, argv[0], "--follow does not apply to the init log (a file)");
	else
		return 0;
	return -1;
}

/* A container's log, switching profile once when the container is missing; ends quietly on a signal. */
static int logs_container(struct wo_ctx *w, const struct logs_opts *lo, struct logs_out *out, struct iso_error **err)
{
	struct podman_logs_opts o = {.follow = lo->follow, .tail = lo->tail};
	if (lo->follow)
		cli_catch_signals(SIGINT, SIGTERM, 0);
	for (int attempt = 0;; attempt++) {
		const char *name = !strcmp(lo->role, ROLE_DB) ? w->names.db_container : w->names.odoo_container;
		if (podman_container_logs(w->client, name, &o, on_output, out, err) == 0)
			return 0;
		if (wo_interrupted && podman_err_aborted(*err)) {
			iso_error_free(*err);
			*err = NULL;
			return 0;
		}
		if (attempt || !podman_err_not_found(*err))
			return -1;
		iso_error_free(*err);
		*err = NULL;
		if (wo_resolve_container(w, lo->flags.profile != NULL, lo->role, err) < 0)
			return -1;
	}
}

int cmd_logs(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct logs_opts o = {.tail = -1};
	struct iso_error *err = NULL;
	int rc = 0;
	if (parse_opts(argc, argv, &mine, &o, &rc) < 0)
		return rc;

	struct wo_ctx w;
	struct cmd_log_lines lines;
	struct logs_out out = {.follow = o.follow, .json = mine.json ? &lines : NULL};
	if (out.json)
		cmd_log_lines_init(&lines, o.follow, stdout);
	int init = !strcmp(o.role, ROLE_INIT);
	if (wo_ctx_init(&w, o.wo, &o.flags, init ? WO_NEED_CONFIG : WO_NEED_PODMAN, &err) < 0 ||
	    (init ? logs_init(&w, o.flags.profile != NULL, o.tail, &out, &err) : logs_container(&w, &o, &out, &err)) <
		    0 ||
	    (out.json && cmd_log_lines_end(out.json, &err) < 0)) {
		fflush(stdout);
		rc = cli_fail(&mine, err);
	}
	fflush(stdout);
	if (out.json)
		cmd_log_lines_release(out.json);
	wo_ctx_release(&w);
	return rc;
}
