/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod test: a work order's module tests in a one-shot Odoo inside its
 * pod, with a verdict read from Odoo's exit status and its log together
 * while the log streams (testrun/testrun.h), a JSON report and JUnit XML.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/test.h"
#include "testrun/tags.h"

#define TEST_JUNIT_LOG_CAP (1u << 20) /* the log's end kept in JUnit's system-out */

static const struct cli_help test_help = {
	"usage: isopod test WO-ID [MODULE...] [--tags SPEC] [--install | --upgrade] [--junit FILE]\n"
	"                   [--timeout S] [--profile NAME] [--repo DIR] [--json]\n\n"
	"Run the modules' tests in a one-shot Odoo container in the work order's pod (its\n"
	"image, addons, configuration, data dir and database) with Odoo's --test-enable,\n"
	"as in 'odoo --stop-after-init --log-level=test --max-cron-threads=0 --http-port " TEST_HTTP_PORT "'.\n"
	"With no MODULE: every module of the repository's addons directory.  Modules not\n"
	"installed are installed (-i), installed ones upgraded (-u); --install or\n"
	"--upgrade passes only that one.  The tests run are the modules' own (--test-tags\n"
	"/MODULE,...) unless --tags SPEC gives Odoo's [-][tag][/module][:class][.method],...\n"
	"The work order must be up; it stays up and its database usable.\n\n"
	"The verdict comes from Odoo's exit status and its log, each rule that fired named:\n"
	"failed when Odoo exits non-zero (exit-code), odoo.tests.result reports failures or\n"
	"errors (result-failures), an ERROR or CRITICAL line (error-line, critical-line) or a\n"
	"Traceback (traceback) appears, or the run ends without 'Modules loaded.'\n"
	"(no-modules-loaded); else no-tests when no test ran (no-tests); else passed,\n"
	"WARNING lines counted (warnings).  The log streams on stderr as it comes (on a\n"
	"terminal: one progress line per module and test); it is saved under the state\n"
	"directory (tests/PROFILE/WO-ID.log).  --junit FILE writes JUnit XML (checked\n"
	"writable before the run).  With --json: only the report (docs/schema/test.json).\n\n",
	"Exit codes: 0 passed, 11 tests failed, 12 no tests ran (11 and 12 print the report,\n"
	"with --json its document), 2 bad input (a bad --tags spec, an unknown module, an\n"
	"unwritable --junit path), 3 unknown work order, 4 the work order is down or busy,\n"
	"5 Podman unreachable, 6 Podman refused, 7 timeout (the one-shot is removed),\n"
	"129/130/143 interrupted (the one-shot is removed).\n",
};

struct test_opts {
	struct iso_config_flags flags;
	struct test_plan plan;
	int install, upgrade;
	const char *junit;
	long timeout_s;
	const char *wo;
	char **names; /* NULL-terminated */
};

static int opt_timeout(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	if (iso_parse_long(arg, 1, 86400, opt->value) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "--timeout '%s' is not a number of seconds (1-86400)", arg);
	return 0;
}

static int parse(int argc, char **argv, struct iso_globals *g, struct test_opts *o, int *rc)
{
	const struct cli_option opts[] = {
		CLI_OPT_STRING(0, "tags", &o->plan.tags, "SPEC",
			       "Odoo's --test-tags (default: the modules' own tests)"),
		CLI_OPT_BOOL(0, "install", &o->install, "install the modules (-i) only"),
		CLI_OPT_BOOL(0, "upgrade", &o->upgrade, "upgrade the modules (-u) only"),
		CLI_OPT_STRING(0, "junit", &o->junit, "FILE", "write JUnit XML to FILE"),
		CLI_OPT_CALLBACK(0, "timeout", &o->timeout_s, "S", "give up after S seconds (default 3600)",
				 opt_timeout),
		CLI_OPT_PROFILE(&o->flags.profile, "the profile (default: the work order's own)"),
		CLI_OPT_STRING(0, "repo", &o->flags.repo, "DIR",
			       "the repository (default: the one the work order was brought up from)"),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON document on stdout"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &test_help, 0, g, rc);
	if (n < 0)
		return -1;
	char why[256];
	if (n < 1)
		*rc = cli_usage(g, "test", "a work-order id is required");
	else if (o->install && o->upgrade)
		*rc = cli_usage(g, "test", "--install and --upgrade exclude each other (neither: both, as needed)");
	else if (o->plan.tags && tr_tags_check(o->plan.tags, why, sizeof why) < 0)
		*rc = cli_usage(g, "test", "--tags '%s' is not Odoo's test-tags syntax: %s", o->plan.tags, why);
	else if (o->junit && !*o->junit)
		*rc = cli_usage(g, "test", "--junit needs a file name");
	else {
		o->wo = argv[1];
		o->names = &argv[2];
		o->plan.mode = o->install ? TEST_MODE_INSTALL : o->upgrade ? TEST_MODE_UPGRADE : TEST_MODE_AUTO;
		return 0;
	}
	return -1;
}

/* The JUnit file is written to PATH.tmp, renamed at the end: opened now, so a bad path fails before the run. */
static int junit_open(const char *path, char **tmp, struct iso_error **err)
{
	*tmp = xasprintf("%s.isopod-tmp", path);
	int fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		int e = errno;
		free(*tmp);
		*tmp = NULL;
		return iso_error_set(err, ISO_E_USAGE, e,
				     "cannot write the JUnit file '%s' (%s); choose a writable path (nothing was run)",
				     path, strerror(e));
	}
	return fd;
}

static FILE *log_open(struct wo_ctx *w, char **path)
{
	cleanup_free char *dir = xasprintf("%s/tests/%s", w->cfg.state_dir, w->names.profile);
	struct iso_error *e = NULL;
	*path = NULL;
	if (iso_mkdir_p(dir, 0700, &e) < 0) {
		iso_warn("the test log is not saved: %s", e->msg);
		iso_error_free(e);
		return NULL;
	}
	*path = xasprintf("%s/%s.log", dir, w->names.wo);
	int fd = open(*path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		iso_warn("the test log is not saved: cannot write '%s': %s", *path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(*path);
		*path = NULL;
	}
	return f;
}

static const char *const mode_names[] = {"install or upgrade", "install", "upgrade"};

static void print_json(const struct wo_ctx *w, const struct test_plan *p, const struct tr_report *rep, const char *log,
		       const char *junit)
{
	cleanup_jgen iso_jgen *j = iso_jgen_new(1);
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "work_order", w->names.wo);
	iso_jgen_kv_string(j, "profile", w->names.profile);
	iso_jgen_key(j, "modules");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < p->n_modules; i++)
		iso_jgen_string(j, p->modules[i]);
	iso_jgen_array_close(j);
	iso_jgen_kv_string(j, "mode", mode_names[p->mode]);
	iso_jgen_kv_string(j, "tags", p->tags);
	tr_report_json(j, rep);
	iso_jgen_kv_string(j, "log", log);
	iso_jgen_kv_string(j, "junit", junit);
	iso_jgen_map_close(j);
	cli_print_json(j, NULL);
}

static void print_rules(const struct tr_report *rep)
{
	printf("  rules:     ");
	if (!rep->rules || !rep->rules[0])
		printf("none fired");
	for (size_t i = 0; rep->rules && rep->rules[i]; i++)
		printf("%s%s", i ? ", " : "", rep->rules[i]);
	printf("\n");
}

static void print_text(const struct wo_ctx *w, const struct test_plan *p, const struct tr_report *rep, const char *log,
		       const char *junit)
{
	int colour = iso_colour_ok(STDOUT_FILENO);
	const char *on = !colour                     ? ""
			 : rep->verdict == TR_PASSED ? "\033[32m"
						     : "\033[31m",
		   *off = colour ? "\033[0m" : "";
	printf("tests of work order %s (profile %s): %s%s%s\n", w->names.wo, w->names.profile, on,
	       tr_verdict_name(rep->verdict), off);
	printf("  modules:   ");
	for (size_t i = 0; i < p->n_modules; i++)
		printf("%s%s", i ? ", " : "", p->modules[i]);
	printf(" (%s%s%s)\n", mode_names[p->mode], p->tags ? ", tags " : "", p->tags ? p->tags : "");
	printf("  tests:     %d run, %d failed, %d errors, %d skipped in %.2f s (Odoo exited %d)\n", rep->run,
	       rep->failed, rep->errors, rep->skipped, (double)rep->duration_ms / 1000.0, rep->exit_code);
	for (size_t i = 0; i < rep->n_failures; i++) {
		const struct tr_failure *f = &rep->failures[i];
		printf("  %s%-5s%s %s%s%s\n", on, !strcmp(f->kind, "error") ? "ERROR" : "FAIL", off,
		       f->module ? f->module : "", f->module ? ": " : "", f->test);
		for (const char *l = f->traceback && *f->traceback ? f->traceback : f->message; l && *l;) {
			const char *nl = strchr(l, '\n');
			int len = nl ? (int)(nl - l) : (int)strlen(l);
			printf("        %.*s\n", len, l);
			l = nl ? nl + 1 : NULL;
		}
	}
	print_rules(rep);
	printf("  warnings:  %zu\n", rep->n_warnings_total);
	for (size_t i = 0; i < rep->n_warnings; i++)
		printf("    %s\n", rep->warnings[i]);
	if (log)
		printf("  log:       %s\n", log);
	if (junit)
		printf("  junit:     %s\n", junit);
}

/* The end of the saved log, for JUnit's system-out (NULL when there is none). */
static char *log_tail(const char *path)
{
	if (!path)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	off_t from =
		fstat(fd, &st) == 0 && st.st_size > (off_t)TEST_JUNIT_LOG_CAP ? st.st_size - TEST_JUNIT_LOG_CAP : 0;
	char *buf = xmalloc(TEST_JUNIT_LOG_CAP + 1);
	ssize_t n = pread(fd, buf, TEST_JUNIT_LOG_CAP, from);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int junit_finish(int fd, char *tmp, const char *path, const struct tr_report *rep, const char *log,
			struct iso_error **err)
{
	cleanup_free char *text = log_tail(log);
	int rc = tr_junit_write(fd, rep, text, err);
	if (close(fd) < 0 && rc == 0)
		rc = iso_error_set(err, ISO_E_HOST, errno, "cannot write the JUnit file '%s': %s", tmp,
				   strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = iso_error_set(err, ISO_E_HOST, errno, "cannot rename '%s' to '%s': %s", tmp, path,
				   strerror(errno));
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* The run and its outcome, for the command's last step. */
struct test_run {
	struct wo_run r;
	struct test_watch x;
	struct tr_report rep;
	char *log;
	int code;
};

/* Run the plan's one-shot; 0 with T->rep, or -1 (the one-shot removed). */
static int run_tests(struct test_run *t, struct test_opts *o, const struct iso_globals *g, struct iso_error **err)
{
	struct wo_ctx *w = t->r.w;
	if (cmd_odoo_need_up(&t->r, o->flags.repo != NULL, err) < 0 ||
	    test_plan_modules(&o->plan, w->cfg.repo_dir, o->names, err) < 0)
		return -1;
	char *own[2] = {NULL, NULL};
	cleanup_free const char **argv = test_plan_argv(&o->plan, w->names.database, own);
	enum progress_format fmt = progress_cli_format(g->progress, g->quiet, g->json, STDERR_FILENO);
	struct progress_render pr;
	progress_render_init(&pr, fmt == PROGRESS_PLAIN ? PROGRESS_NONE : fmt, stderr);
	struct progress_sink sink = progress_render_sink(&pr);
	FILE *logf = log_open(w, &t->log);
	t->x = (struct test_watch){
		.reader = tr_reader_new(w->names.database),
		.log = logf,
		.stream = fmt == PROGRESS_PLAIN,
		.sink = fmt == PROGRESS_PLAIN ? NULL : &sink,
	};
	progress_step(&sink, "test", "testing %zu module%s of %s", o->plan.n_modules, o->plan.n_modules == 1 ? "" : "s",
		      w->names.wo);
	int64_t t0 = iso_now_ms();
	cleanup_free char *out = NULL;
	int rc = lifecycle_run_oneshot_watch(&t->r, WO_ONESHOT_ODOO, argv, test_watch_line, &t->x, &t->code, &out, err);
	int64_t ms = iso_now_ms() - t0;
	if (logf && fclose(logf) != 0)
		iso_warn("the test log '%s' may be incomplete: %s", t->log, strerror(errno));
	if (rc < 0) {
		progress_render_end(&pr);
		lifecycle_oneshot_abandon(&t->r);
	} else {
		tr_reader_finish(t->x.reader, t->code, ms, &t->rep);
		progress_done(&sink, "test", "%s: %d run, %d failed, %d errors", tr_verdict_name(t->rep.verdict),
			      t->rep.run, t->rep.failed, t->rep.errors);
	}
	tr_reader_free(t->x.reader);
	free(own[0]);
	free(own[1]);
	return rc;
}

static int verdict_code(const struct tr_report *rep)
{
	return rep->verdict == TR_PASSED ? 0 : rep->verdict == TR_FAILED ? ISO_E_TESTS_FAILED : ISO_E_NO_TESTS;
}

int cmd_test(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct test_opts o = {.timeout_s = 3600};
	int rc = 0;
	if (parse(argc, argv, &mine, &o, &rc) < 0)
		return rc;
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct test_run t = {.r = {.w = &w, .g = &mine}};
	cleanup_free char *tmp = NULL;
	int jfd = -1;
	cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
	if (wo_ctx_init(&w, o.wo, &o.flags, WO_NEED_PODMAN, &err) < 0 ||
	    (o.junit && (jfd = junit_open(o.junit, &tmp, &err)) < 0) || wo_lock(&w, o.timeout_s * 1000L, &err) < 0) {
		rc = cli_fail(&mine, err);
		goto out;
	}
	t.r.deadline_ms = iso_now_ms() + o.timeout_s * 1000L;
	if (run_tests(&t, &o, &mine, &err) < 0) {
		int sig = wo_interrupted;
		if (sig) {
			iso_error_free(err);
			rc = cli_interrupted(&mine, sig,
					     "test of '%s' interrupted by signal %d; the one-shot was removed", o.wo,
					     sig);
		} else {
			rc = cli_fail(&mine, err);
		}
		goto out;
	}
	if (jfd >= 0) {
		int fd = jfd;
		jfd = -1;
		if (junit_finish(fd, tmp, o.junit, &t.rep, t.log, &err) < 0) {
			rc = cli_fail(&mine, err);
			goto out;
		}
	}
	if (mine.json)
		print_json(&w, &o.plan, &t.rep, t.log, o.junit);
	else
		print_text(&w, &o.plan, &t.rep, t.log, o.junit);
	rc = verdict_code(&t.rep);
out:
	if (jfd >= 0) {
		close(jfd);
		unlink(tmp);
	}
	tr_report_release(&t.rep);
	free(t.log);
	test_plan_release(&o.plan);
	wo_ctx_release(&w);
	return rc;
}
