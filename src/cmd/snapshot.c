/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod snapshot | snapshots | restore | reset: a work order's snapshots
 * (snapshot/snapshot.h).  Each takes the work order's lock (a busy work
 * order is exit 4 and nothing changes) and returns once it serves again.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "progress/progress.h"
#include "snapshot/snapshot.h"

#define SNAP_LOCK_WAIT_MS (300 * 1000L) /* behind an up of the work order (its --timeout default) */

enum snap_op { OP_SNAPSHOT, OP_RESTORE, OP_RESET };

struct snap_opts {
	struct iso_config_flags flags;
	long timeout_s;
	int replace;
};

static int opt_timeout(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	if (iso_parse_long(arg, 1, 86400, opt->value) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "--timeout '%s' is not a number of seconds (1-86400)", arg);
	return 0;
}

static void default_name(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, "%Y%m%d-%H%M%S", &tm);
}

static void print_result(const struct iso_globals *g, const struct wo_ctx *w, enum snap_op op,
			 const struct snap_result *res)
{
	if (g->json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(0);
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "work_order", w->names.wo);
		iso_jgen_kv_string(j, "profile", w->names.profile);
		iso_jgen_kv_string(j, op == OP_SNAPSHOT ? "snapshot" : "before_restore",
				   op == OP_SNAPSHOT ? res->name : SNAP_BEFORE_RESTORE);
		if (op != OP_SNAPSHOT)
			iso_jgen_kv_string(j, "source", res->source);
		if (op == OP_SNAPSHOT)
			iso_jgen_kv_bool(j, "replaced", res->replaced);
		iso_jgen_kv_int(j, "bytes", (long long)res->bytes);
		iso_jgen_kv_string(j, "method", res->method[0] ? res->method : NULL);
		iso_jgen_kv_int(j, "copy_ms", res->copy_ms);
		iso_jgen_kv_int(j, "downtime_ms", res->downtime_ms);
		iso_jgen_kv_int(j, "ms", res->ms);
		iso_jgen_map_close(j);
		struct iso_error *e = NULL;
		if (cli_print_json(j, &e) < 0)
			cli_fail(g, e); /* stdout is gone: say so on stderr */
		return;
	}
	if (op == OP_SNAPSHOT)
		printf("snapshot '%s' of %s: %.1f MB copied in %lld ms (%s); Postgres stopped for %lld ms; serving "
		       "again "
		       "after %lld ms\n",
		       res->name, w->names.wo, (double)res->bytes / 1e6, (long long)res->copy_ms, res->method,
		       (long long)res->downtime_ms, (long long)res->ms);
	else
		printf("%s now holds %s (the state before is snapshot '%s'); serving again after %lld ms\n",
		       w->names.wo, res->source, SNAP_BEFORE_RESTORE, (long long)res->ms);
}

static int run_op(struct wo_ctx *w, enum snap_op op, const char *wo, const char *name, const struct snap_opts *o,
		  const struct progress_sink *sink, struct snap_result *res, struct iso_error **err)
{
	if (wo_ctx_init(w, wo, &o->flags, WO_NEED_PODMAN, err) < 0 || wo_lock(w, SNAP_LOCK_WAIT_MS, err) < 0)
		return -1;
	long timeout = (o->timeout_s ? o->timeout_s : 300) * 1000L;
	struct wo_run r = {.w = w, .progress = sink};
	if (snap_run_open(&r, timeout, err) < 0)
		return -1;
	if (op == OP_SNAPSHOT)
		return snap_create(&r, name, o->replace, res, err);
	if (op == OP_RESTORE)
		return snap_restore(&r, name, res, err);
	return snap_reset(&r, res, err);
}

static const struct cli_help snapshot_help = {
	"usage: isopod snapshot WO-ID [NAME] [--replace] [--profile NAME] [--repo DIR] [--timeout S] [--json]\n"
	"       isopod snapshot rm WO-ID NAME [--profile NAME] [--json]\n\n"
	"Keep the work order's database and filestore as snapshot NAME (default: the time,\n"
	"YYYYMMDD-HHMMSS UTC).  Postgres is stopped for the copy (a clean shutdown), started\n"
	"again, and the command returns once Odoo serves.  Snapshots survive down/up;\n"
	"'down --cleanup' removes them.\n\n",
	"Exit codes: 0 ok, 1 internal (an answer from Podman that is no answer included),\n"
	"2 bad input, 3 unknown work order or snapshot, 4 busy or the\n"
	"name exists (--replace replaces it), 5 Podman unreachable, 6 Podman refused,\n"
	"7 readiness timeout, 8 a container exited, 10 host not prepared,\n"
	"129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM.\n",
};

static const struct cli_help restore_help = {
	"usage: isopod restore WO-ID NAME [--profile NAME] [--repo DIR] [--timeout S] [--json]\n\n"
	"Replace the work order's data by snapshot NAME.  The state before is kept first as\n"
	"snapshot 'before-restore' (replaced each time): 'isopod restore WO before-restore'\n"
	"undoes a wrong restore.  Returns once Odoo serves.\n\n",
	"Exit codes: 0 ok, 1 internal (an answer from Podman that is no answer included),\n"
	"2 bad input, 3 unknown work order or snapshot, 4 busy,\n"
	"5 Podman unreachable, 6 Podman refused, 7 readiness timeout, 8 a container exited,\n"
	"10 host not prepared, 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM.\n",
};

static const struct cli_help reset_help = {
	"usage: isopod reset WO-ID [--profile NAME] [--repo DIR] [--timeout S] [--json]\n\n"
	"Put the work order back to its profile's template (given its own identity), or to a\n"
	"fresh init when there is none.  The state before is kept as snapshot\n"
	"'before-restore'.  Returns once Odoo serves.\n\n",
	"Exit codes: 0 ok, 1 internal (an answer from Podman that is no answer included),\n"
	"2 bad input, 3 unknown work order, 4 busy, 5 Podman unreachable,\n"
	"6 Podman refused, 7 readiness timeout, 8 a container exited or the init failed,\n"
	"10 host not prepared, 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM.\n",
};

static int snapshot_rm(int argc, char **argv, struct iso_globals *g, struct snap_opts *o);

static int op_main(int argc, char **argv, struct iso_globals *g, enum snap_op op)
{
	struct snap_opts o = {0};
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&o.flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_STRING(0, "repo", &o.flags.repo, "DIR",
			       "the repository (default: the git top level); reset's template key\n"
			       "counts its addons/ and etc/"),
		CLI_OPT_CALLBACK(0, "timeout", &o.timeout_s, "S", "readiness timeout in seconds (default 300)",
				 opt_timeout),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON object on stdout"),
		CLI_OPT_BOOL(0, "replace", &o.replace, "replace a snapshot of that name"),
		CLI_OPT_END(),
	};
	/* restore and reset have no --replace: the table without its last entry. */
	struct cli_option few[ISO_ARRAY_SIZE(opts) - 1];
	memcpy(few, opts, sizeof few);
	few[ISO_ARRAY_SIZE(few) - 1] = (struct cli_option)CLI_OPT_END();
	const struct cli_help *help = op == OP_SNAPSHOT  ? &snapshot_help
				      : op == OP_RESTORE ? &restore_help
							 : &reset_help;
	int n = cli_parse(argc, argv, op == OP_SNAPSHOT ? opts : few, help, 0, g, &rc);
	if (n < 0)
		return rc;
	if (op == OP_SNAPSHOT && n >= 1 && !strcmp(argv[1], "rm")) {
		if (o.replace || o.timeout_s)
			return cli_usage(g, "snapshot rm",
					 "--replace and --timeout are for making a snapshot, not removing one");
		return snapshot_rm(n, argv + 1, g, &o);
	}
	int want = op == OP_RESET ? 1 : 2;
	if (n < 1 || (op == OP_RESTORE && n < 2))
		return cli_usage(g, argv[0], n < 1 ? "a work-order id is required" : "the snapshot NAME is required");
	if (n > want)
		return cli_usage(g, argv[0], "unexpected argument '%s'", argv[want + 1]);
	const char *given = op != OP_RESET && n >= 2 ? argv[2] : NULL;
	struct iso_error *err = NULL;
	if (given && snap_name_check(given, &err) < 0)
		return cli_fail(g, err);
	if (op == OP_SNAPSHOT && given && !strcmp(given, SNAP_BEFORE_RESTORE)) {
		iso_error_set(&err, ISO_E_USAGE, 0,
			      "'%s' is the name of the automatic snapshot restore and reset keep; pick another name",
			      SNAP_BEFORE_RESTORE);
		return cli_fail(g, err);
	}
	char name[SNAP_NAME_MAX + 1];
	if (given)
		snprintf(name, sizeof name, "%s", given);
	else if (op == OP_SNAPSHOT)
		default_name(name, sizeof name);
	else
		snprintf(name, sizeof name, "%s", SNAP_BEFORE_RESTORE);
	cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
	struct progress_render pr;
	progress_render_init(&pr, progress_cli_format(g->progress, g->quiet, g->json, STDERR_FILENO), stderr);
	struct progress_sink sink = progress_render_sink(&pr);
	struct wo_ctx w;
	struct snap_result res;
	memset(&res, 0, sizeof res);
	if (run_op(&w, op, argv[1], name, &o, &sink, &res, &err) < 0) {
		progress_fail(&sink, argv[0], "%s of '%s' failed", argv[0], argv[1]);
		int sig = (int)wo_interrupted;
		if (sig) {
			iso_error_free(err);
			rc = cli_interrupted(g, sig,
					     "%s of '%s' interrupted by signal %d; 'isopod gc' removes a half-made "
					     "snapshot",
					     argv[0], argv[1], sig);
		} else {
			rc = cli_fail(g, err);
		}
	} else {
		progress_done(&sink, argv[0], "%s of %s done in %lld ms", argv[0], w.names.wo, (long long)res.ms);
		print_result(g, &w, op, &res);
	}
	progress_render_end(&pr);
	wo_ctx_release(&w);
	return rc;
}

static int snapshot_rm(int argc, char **argv, struct iso_globals *g, struct snap_opts *o)
{
	if (argc != 3)
		return cli_usage(g, "snapshot rm", "usage: isopod snapshot rm WO-ID NAME");
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct snap_list l = {0};
	int rc = 0, removed = 0;
	if (snap_name_check(argv[2], &err) < 0 || wo_ctx_init(&w, argv[1], &o->flags, WO_NEED_PODMAN, &err) < 0 ||
	    wo_lock(&w, SNAP_LOCK_WAIT_MS, &err) < 0 || snap_list(&w, 0, &l, &err) < 0)
		goto fail;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].name, argv[2]))
			continue;
		if (snap_remove_entry(&w, &l.v[i], &err) < 0)
			goto fail;
		removed++; /* a partial one too: what was asked is gone */
	}
	if (!removed) {
		iso_error_set(&err, ISO_E_UNKNOWN, 0,
			      "work order '%s' has no snapshot '%s'; 'isopod snapshots %s' lists its snapshots",
			      w.names.wo, argv[2], w.names.wo);
		goto fail;
	}
	if (g->json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(0);
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "work_order", w.names.wo);
		iso_jgen_kv_string(j, "profile", w.names.profile);
		iso_jgen_kv_string(j, "removed", argv[2]);
		iso_jgen_map_close(j);
		rc = cli_print_json(j, &err) < 0 ? cli_fail(g, err) : 0;
	} else {
		printf("removed snapshot '%s' of %s\n", argv[2], w.names.wo);
	}
	goto out;
fail:
	rc = cli_fail(g, err);
out:
	snap_list_release(&l);
	wo_ctx_release(&w);
	return rc;
}

int cmd_snapshot(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	return op_main(argc, argv, &mine, OP_SNAPSHOT);
}

int cmd_restore(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	return op_main(argc, argv, &mine, OP_RESTORE);
}

int cmd_reset(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	return op_main(argc, argv, &mine, OP_RESET);
}
