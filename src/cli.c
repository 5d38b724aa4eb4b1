/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the cmd_* functions share: the one place errors are printed, and the
 * table-driven option parser (cli/cli.h), so every command names a wrong
 * option the same way and its --help lists exactly the options it parses.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "cli/cli.h"
#include "workorder/names.h"
#include "workorder/workorder.h"

#define CLI_HELP_COLUMN_MAX 24

int cli_print_json(iso_jgen *j, struct iso_error **err)
{
	size_t len;
	const char *text = iso_jgen_finish(j, &len, err);
	if (!text)
		return -1;
	printf("%.*s\n", (int)len, text);
	return 0;
}

int cli_fail(const struct iso_globals *g, struct iso_error *err)
{
	int code = iso_error_report(err, g && g->json);
	iso_error_free(err);
	return code;
}

int cli_usage(const struct iso_globals *g, const char *cmd, const char *fmt, ...)
{
	struct iso_error *err = NULL;
	va_list ap;
	va_start(ap, fmt);
	iso_error_setv(&err, ISO_E_USAGE, 0, fmt, ap);
	va_end(ap);
	int top = !strcmp(cmd, "isopod");
	if (!g || !g->json) {
		/* "isopod up: ...": the command is part of the prefix, as git's "usage: git up". */
		fprintf(stderr, "isopod%s%s: %s; see 'isopod%s%s --help'\n", top ? "" : " ", top ? "" : cmd, err->msg,
			top ? "" : " ", top ? "" : cmd);
		int code = iso_error_exit_code(err);
		iso_error_free(err);
		return code;
	}
	if (!top)
		iso_error_wrap(&err, "%s", cmd);
	char *msg = xasprintf("%s; see 'isopod%s%s --help'", err->msg, top ? "" : " ", top ? "" : cmd);
	free(err->msg);
	err->msg = msg;
	return cli_fail(g, err);
}

int cli_parse_port(const char *s, const char *what, int *out, struct iso_error **err)
{
	long v;
	if (iso_parse_long(s, 1, 65535, &v) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "%s '%s' is not a port number (1-65535)", what, s);
	*out = (int)v;
	return 0;
}

int cli_opt_port(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	char what[64];
	snprintf(what, sizeof(what), "--%s", opt->long_name);
	return cli_parse_port(arg, what, opt->value, err);
}

int cli_opt_profile(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	if (wo_profile_name_check(arg, err) < 0)
		return -1;
	*(const char **)opt->value = arg;
	return 0;
}

static void on_signal(int sig)
{
	wo_interrupted = sig;
}

void cli_catch_signals(int sig, ...)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	va_list ap;
	va_start(ap, sig);
	for (; sig; sig = va_arg(ap, int))
		sigaction(sig, &sa, NULL);
	va_end(ap);
}

int cli_interrupted(const struct iso_globals *g, int sig, const char *fmt, ...)
{
	int rc = 128 + sig;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g && g->json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(0);
		iso_jgen_map_open(j);
		iso_jgen_key(j, "error");
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "class", "interrupted");
		iso_jgen_kv_int(j, "code", rc);
		iso_jgen_kv_string(j, "message", msg);
		iso_jgen_map_close(j);
		iso_jgen_map_close(j);
		cli_print_json(j, NULL);
	}
	fprintf(stderr, "isopod: %s\n", msg);
	return rc;
}

/* ---- the parser ---- */

struct parse {
	const char *cmd;
	const struct cli_option *opts;
	const struct iso_globals *g;
	int *rc;
};

static int takes_value(const struct cli_option *o)
{
	return o->type != CLI_BOOL;
}

/* Store ARG (NULL for a bool) by O's type; a usage error names TYPED, the option as the user wrote it. */
static int apply(struct parse *p, const struct cli_option *o, const char *typed, const char *arg)
{
	struct iso_error *e = NULL;
	switch (o->type) {
	case CLI_BOOL:
		*(int *)o->value = 1;
		return 0;
	case CLI_STRING:
		*(const char **)o->value = arg;
		return 0;
	case CLI_CALLBACK:
		if (o->cb(o, arg, &e) == 0)
			return 0;
		*p->rc = cli_usage(p->g, p->cmd, "%s", e && e->msg ? e->msg : typed);
		iso_error_free(e);
		return -1;
	case CLI_END:
		break;
	}
	return 0;
}

/* The long option NAME (LEN characters) names: exact, else a unique prefix; NULL after printing why not. */
static const struct cli_option *find_long(struct parse *p, const char *name, size_t len)
{
	const struct cli_option *hit = NULL;
	int n = 0;
	for (const struct cli_option *o = p->opts; o->type && len; o++) {
		if (!o->long_name || strncmp(o->long_name, name, len))
			continue;
		if (strlen(o->long_name) == len)
			return o;
		hit = o;
		n++;
	}
	if (n == 1)
		return hit;
	if (n == 0) {
		*p->rc = cli_usage(p->g, p->cmd, "unknown option '--%.*s'", (int)len, name);
		return NULL;
	}
	char list[256] = "";
	for (const struct cli_option *o = p->opts; o->type; o++)
		if (o->long_name && !strncmp(o->long_name, name, len))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s--%s", list[0] ? ", " : "",
				 o->long_name);
	*p->rc = cli_usage(p->g, p->cmd, "option '--%.*s' is ambiguous (%s)", (int)len, name, list);
	return NULL;
}

/* "--name[=value]" at argv[*i]; the value may be the next argument. */
static int parse_long(struct parse *p, int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_option *o = find_long(p, name, len);
	if (!o)
		return -1;
	char typed[64];
	snprintf(typed, sizeof(typed), "--%s", o->long_name);
	if (!takes_value(o)) {
		if (eq) {
			*p->rc = cli_usage(p->g, p->cmd, "option '%s' takes no value", typed);
			return -1;
		}
		return apply(p, o, typed, NULL);
	}
	const char *arg = eq ? eq + 1 : *i + 1 < argc ? argv[++*i] : NULL;
	if (!arg) {
		*p->rc = cli_usage(p->g, p->cmd, "option '%s' needs a value", typed);
		return -1;
	}
	return apply(p, o, typed, arg);
}

/* A cluster of short options "-it", "-p8080", "-p 8080" at argv[*i]. */
static int parse_short(struct parse *p, int argc, char **argv, int *i)
{
	for (const char *c = argv[*i] + 1; *c; c++) {
		const struct cli_option *o = p->opts;
		while (o->type && o->short_name != *c)
			o++;
		char typed[3] = {'-', *c, '\0'};
		if (!o->type) {
			*p->rc = cli_usage(p->g, p->cmd, "unknown option '%s'", typed);
			return -1;
		}
		if (!takes_value(o)) {
			if (apply(p, o, typed, NULL) < 0)
				return -1;
			continue;
		}
		const char *arg = c[1] ? c + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!arg) {
			*p->rc = cli_usage(p->g, p->cmd, "option '%s' needs a value", typed);
			return -1;
		}
		return apply(p, o, typed, arg);
	}
	return 0;
}

static int is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

int cli_parse(int argc, char **argv, const struct cli_option *opts, const struct cli_help *help, unsigned flags,
	      const struct iso_globals *g, int *rc)
{
	struct parse p = {.cmd = argv[0], .opts = opts, .g = g, .rc = rc};
	/* --help wins wherever it stands before "--", also after a wrong option. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (is_help(argv[i])) {
			cli_help_print(stdout, opts, help);
			*rc = 0;
			return -1;
		}
	}
	char **pos = xzalloc(((size_t)argc + 1) * sizeof(char *));
	int n = 0, r = 0;
	for (int i = 1; i < argc && r == 0; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			if (flags & CLI_KEEP_DASHDASH)
				pos[n++] = argv[i];
			while (++i < argc)
				pos[n++] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1])
			pos[n++] = argv[i];
		else if (a[1] == '-')
			r = parse_long(&p, argc, argv, &i);
		else
			r = parse_short(&p, argc, argv, &i);
	}
	if (r == 0 && n && (flags & CLI_NO_ARGS)) {
		*rc = cli_usage(g, p.cmd, "unexpected argument '%s'", pos[0]);
		r = -1;
	}
	if (r == 0) {
		memcpy(argv + 1, pos, (size_t)n * sizeof(char *));
		argv[n + 1] = NULL;
	}
	free(pos);
	return r < 0 ? -1 : n;
}

/* "-p, --port N" as the left column of one option line. */
static void option_label(const struct cli_option *o, char *buf, size_t size)
{
	snprintf(buf, size, "%c%c%c %s%s%s%s", o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
		 o->short_name && o->long_name ? ',' : ' ', o->long_name ? "--" : "", o->long_name ? o->long_name : "",
		 o->argh ? " " : "", o->argh ? o->argh : "");
}

void cli_help_print(FILE *out, const struct cli_option *opts, const struct cli_help *help)
{
	static const struct cli_option help_opt = CLI_OPT_BOOL('h', "help", NULL, "this text");
	char label[96];
	int col = (int)strlen("-h, --help");
	for (const struct cli_option *o = opts; o->type; o++) {
		option_label(o, label, sizeof(label));
		if ((int)strlen(label) > col)
			col = (int)strlen(label);
	}
	if (col > CLI_HELP_COLUMN_MAX)
		col = CLI_HELP_COLUMN_MAX;
	fputs(help->head, out);
	for (const struct cli_option *o = opts;; o++) {
		const struct cli_option *x = o->type ? o : &help_opt;
		option_label(x, label, sizeof(label));
		fprintf(out, "  %-*s  ", col, label);
		if ((int)strlen(label) > col)
			fprintf(out, "\n  %-*s  ", col, "");
		for (const char *h = x->help; *h; h++) {
			fputc(*h, out);
			if (*h == '\n')
				fprintf(out, "  %-*s  ", col, "");
		}
		fputc('\n', out);
		if (!o->type)
			break;
	}
	if (help->tail)
		fprintf(out, "\n%s", help->tail);
}
