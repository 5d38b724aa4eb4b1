/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod template build | ls | rm: a profile's templates (template/template.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/ls.h"
#include "progress/progress.h"
#include "template/template.h"

struct tpl_opts {
	struct iso_config_flags flags;
	long timeout_s;
};

static int opt_timeout(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	if (iso_parse_long(arg, 1, 86400, opt->value) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "--timeout '%s' is not a number of seconds (1-86400)", arg);
	return 0;
}

/* The configuration of the profile asked for and a Podman client; the work order is a placeholder. */
static int open_profile(struct wo_ctx *w, const struct tpl_opts *o, struct iso_error **err)
{
	return wo_ctx_init(w, "template", &o->flags, WO_NEED_PODMAN, err);
}

static void modules_json(iso_jgen *j, const char *key, const char *csv)
{
	iso_jgen_key(j, key);
	iso_jgen_array_open(j);
	for (const char *p = csv; p && *p;) {
		const char *c = strchr(p, ',');
		iso_jgen_stringn(j, p, c ? (size_t)(c - p) : strlen(p));
		p = c ? c + 1 : NULL;
	}
	iso_jgen_array_close(j);
}

static const struct cli_help build_help = {
	"usage: isopod template build [--profile NAME] [--repo DIR] [--timeout S] [--json]\n\n"
	"Initialise a database with the profile's modules in a throwaway pod and keep it\n"
	"as the profile's template (its key hashes the images, the modules and their files).\n"
	"A template of the same key is reused.\n\n",
	"Exit codes: 0 built or reused, 1 internal (an answer from Podman that is no answer\n"
	"included), 2 bad input, 4 busy, 5 Podman unreachable,\n"
	"6 Podman refused, 7 timeout, 8 the init failed, 10 host not prepared (a remote\n"
	"endpoint), 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM (what the build made\n"
	"is removed).\n",
};

static int template_build(int argc, char **argv, struct iso_globals *g)
{
	struct tpl_opts o = {0};
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&o.flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_STRING(0, "repo", &o.flags.repo, "DIR",
			       "the repository whose addons/ provides modules (default: the git top level)"),
		CLI_OPT_CALLBACK(0, "timeout", &o.timeout_s, "S", "give up after S seconds (default 600)", opt_timeout),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON object on stdout"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &build_help, CLI_NO_ARGS, g, &rc) < 0)
		return rc;
	cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
	struct progress_render pr;
	progress_render_init(&pr, progress_cli_format(g->progress, g->quiet, g->json, STDERR_FILENO), stderr);
	struct progress_sink sink = progress_render_sink(&pr);
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct tpl_key k = {0};
	struct tpl_result res = {.signal = 0};
	if (open_profile(&w, &o, &err) < 0 || tpl_key_compute(&w, &k, &err) < 0 ||
	    tpl_build(&w, &k, &sink, (o.timeout_s ? o.timeout_s : 600) * 1000L, &res, &err) < 0) {
		progress_fail(&sink, "template", "template build failed");
		int sig = res.signal ? res.signal : (int)wo_interrupted;
		if (sig) {
			iso_error_free(err);
			rc = cli_interrupted(g, sig,
					     "template build interrupted by signal %d; what it made was removed", sig);
		} else {
			rc = cli_fail(g, err);
		}
	} else {
		progress_done(&sink, "template", "template %s of profile '%s' %s in %lld ms", res.key, w.names.profile,
			      res.reused ? "exists (reused)" : "built", (long long)res.ms);
		if (g->json) {
			cleanup_jgen iso_jgen *j = iso_jgen_new(0);
			iso_jgen_map_open(j);
			iso_jgen_kv_string(j, "profile", w.names.profile);
			iso_jgen_kv_string(j, "key", res.key);
			iso_jgen_kv_bool(j, "reused", res.reused);
			modules_json(j, "modules", k.modules_csv);
			iso_jgen_kv_int(j, "ms", res.ms);
			iso_jgen_kv_int(j, "pruned", res.pruned);
			iso_jgen_map_close(j);
			rc = cli_print_json(j, &err) < 0 ? cli_fail(g, err) : 0;
		} else {
			printf("template %s of profile %s: %s (modules %s)\n", res.key, w.names.profile,
			       res.reused ? "reused" : "built", k.modules_csv);
		}
	}
	progress_render_end(&pr);
	tpl_key_release(&k);
	wo_ctx_release(&w);
	return rc;
}

static void entry_json(iso_jgen *j, const struct tpl_entry *t, const char *current)
{
	char created[32], used[32];
	cmd_format_utc(t->created, created, sizeof created);
	cmd_format_utc(t->used, used, sizeof used);
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "profile", t->profile);
	iso_jgen_kv_string(j, "key", t->key);
	iso_jgen_kv_string(j, "state", t->sealed > 0 ? "ready" : "partial");
	iso_jgen_kv_bool(j, "current", current && !strcmp(current, t->key));
	modules_json(j, "modules", tpl_entry_label(t, "io.isopod.modules"));
	iso_jgen_kv_string(j, "database", tpl_entry_label(t, "io.isopod.database"));
	iso_jgen_kv_string(j, "source", tpl_entry_label(t, "io.isopod.source"));
	iso_jgen_kv_string(j, "odoo_image_id", tpl_entry_label(t, "io.isopod.image.odoo"));
	iso_jgen_kv_string(j, "db_image_id", tpl_entry_label(t, "io.isopod.image.db"));
	iso_jgen_kv_string(j, "created", t->created ? created : NULL);
	iso_jgen_kv_string(j, "last_used", t->used ? used : NULL);
	iso_jgen_map_close(j);
}

static const struct cli_help ls_help = {
	"usage: isopod template ls [--profile NAME] [--repo DIR] [--all] [--json]\n\n"
	"List the profile's templates (--all: every profile's): key, state (ready, or\n"
	"partial: an interrupted build that 'isopod gc' removes), whether it matches the\n"
	"configuration now (current), modules, when made and last used.\n\n",
	"Exit codes: 0 ok, 2 bad input, 5 Podman unreachable, 6 Podman refused.\n",
};

static void ls_print(const struct tpl_list *l, const char *current)
{
	printf("%-8s %-16s %-7s %-3s %-20s %-20s %s\n", "PROFILE", "KEY", "STATE", "CUR", "CREATED", "LAST USED",
	       "MODULES");
	for (size_t i = 0; i < l->n; i++) {
		const struct tpl_entry *t = &l->v[i];
		char created[32], used[32];
		cmd_format_utc(t->created, created, sizeof created);
		cmd_format_utc(t->used, used, sizeof used);
		const char *mods = tpl_entry_label(t, "io.isopod.modules");
		printf("%-8s %-16s %-7s %-3s %-20s %-20s %s\n", t->profile, t->key, t->sealed > 0 ? "ready" : "partial",
		       current && !strcmp(current, t->key) ? "yes" : "-", created, used, mods ? mods : "-");
	}
	if (!l->n)
		printf("no templates; 'isopod template build' makes one, and 'isopod up' saves one on the first work "
		       "order of a profile\n");
}

static int template_ls(int argc, char **argv, struct iso_globals *g)
{
	struct tpl_opts o = {0};
	int rc = 0, all = 0;
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&o.flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_STRING(0, "repo", &o.flags.repo, "DIR", "the repository (for the current key)"),
		CLI_OPT_BOOL(0, "all", &all, "every profile's templates"),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON object: {\"templates\": [...]}"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &ls_help, CLI_NO_ARGS, g, &rc) < 0)
		return rc;
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct tpl_key k = {0};
	struct tpl_list l = {0};
	cleanup_jgen iso_jgen *j = NULL;
	if (open_profile(&w, &o, &err) < 0 || tpl_list(&w, all ? NULL : w.names.profile, &l, &err) < 0) {
		rc = cli_fail(g, err);
		goto out;
	}
	/* The current key needs the images: without them there is none, which is no error here. */
	struct iso_error *e = NULL;
	const char *current = tpl_key_compute(&w, &k, &e) == 0 ? k.key : NULL;
	iso_error_free(e);
	if (!g->json) {
		ls_print(&l, current);
		goto out;
	}
	j = iso_jgen_new(0);
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "profile", all ? NULL : w.names.profile);
	iso_jgen_kv_string(j, "current_key", current);
	iso_jgen_key(j, "templates");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < l.n; i++)
		entry_json(j, &l.v[i], current);
	iso_jgen_array_close(j);
	iso_jgen_map_close(j);
	rc = cli_print_json(j, &err) < 0 ? cli_fail(g, err) : 0;
out:
	tpl_list_release(&l);
	tpl_key_release(&k);
	wo_ctx_release(&w);
	return rc;
}

static const struct cli_help rm_help = {
	"usage: isopod template rm [--profile NAME] [KEY] [--json]\n\n"
	"Remove template KEY of the profile, or without KEY every template of the profile.\n"
	"A template being copied is waited for.  Work orders made from it keep their data.\n\n",
	"Exit codes: 0 removed, 2 bad input, 3 no such template, 4 busy,\n"
	"5 Podman unreachable, 6 Podman refused.\n",
};

static int rm_locked(struct wo_ctx *w, const struct tpl_entry *t, struct iso_error **err)
{
	int fd = -1;
	if (tpl_lock(w, t->profile, t->key, 0, 60000, &fd, err) < 0)
		return -1;
	int rc = tpl_remove(w, t, err);
	tpl_unlock(fd);
	return rc;
}

static int template_rm(int argc, char **argv, struct iso_globals *g)
{
	struct tpl_opts o = {0};
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&o.flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON object: {\"removed\": [keys]}"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &rm_help, 0, g, &rc);
	if (n < 0)
		return rc;
	if (n > 1)
		return cli_usage(g, "template rm", "one template key at most");
	const char *key = n ? argv[1] : NULL;
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct tpl_list l = {0};
	cleanup_jgen iso_jgen *j = iso_jgen_new(0);
	iso_jgen_map_open(j);
	iso_jgen_key(j, "removed");
	iso_jgen_array_open(j);
	size_t removed = 0;
	if (open_profile(&w, &o, &err) < 0 || tpl_list(&w, w.names.profile, &l, &err) < 0)
		goto fail;
	for (size_t i = 0; i < l.n; i++) {
		if (key && strcmp(l.v[i].key, key))
			continue;
		if (rm_locked(&w, &l.v[i], &err) < 0)
			goto fail;
		removed++;
		iso_jgen_string(j, l.v[i].key);
		if (!g->json)
			printf("removed template %s of profile %s\n", l.v[i].key, l.v[i].profile);
	}
	if (key && !removed) {
		iso_error_set(&err, ISO_E_UNKNOWN, 0,
			      "profile '%s' has no template '%s'; 'isopod template ls --profile %s' lists them",
			      w.names.profile, key, w.names.profile);
		goto fail;
	}
	iso_jgen_array_close(j);
	iso_jgen_kv_string(j, "profile", w.names.profile);
	iso_jgen_map_close(j);
	if (g->json)
		rc = cli_print_json(j, &err) < 0 ? cli_fail(g, err) : 0;
	else if (!removed)
		printf("profile %s has no templates\n", w.names.profile);
	goto out;
fail:
	rc = cli_fail(g, err);
out:
	tpl_list_release(&l);
	wo_ctx_release(&w);
	return rc;
}

int cmd_template(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
		printf("usage: isopod template build|ls|rm [OPTIONS]\n\n"
		       "  build   initialise the profile's template (see 'isopod template build --help')\n"
		       "  ls      list templates\n"
		       "  rm      remove templates\n");
		return 0;
	}
	if (sub && !strcmp(sub, "build"))
		return template_build(argc - 1, argv + 1, &mine);
	if (sub && !strcmp(sub, "ls"))
		return template_ls(argc - 1, argv + 1, &mine);
	if (sub && !strcmp(sub, "rm"))
		return template_rm(argc - 1, argv + 1, &mine);
	return cli_usage(&mine, "template",
			 sub ? "unknown subcommand '%s'; use build, ls or rm"
			     : "a subcommand is required: build, ls or rm%s",
			 sub ? sub : "");
}
