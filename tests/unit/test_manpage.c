/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The man page cannot drift from the code.  Compared both ways, with a
 * failure for an extra on either side:
 *   - the commands `isopod --help` lists and the entries under COMMANDS;
 *   - the options each command's --help shows (but --help, and --json,
 *     which OPTIONS describes for all) and the options the synopsis line
 *     of its entry names;
 *   - the global options of `isopod --help` and those under OPTIONS;
 *   - the environment variables the code reads (getenv and the
 *     configuration's lookups in src/, podman/, netns/, but HOME and PATH)
 *     and those under ENVIRONMENT.
 * And `groff -man -ww -z` finds nothing to warn about.  A planted drift (an
 * option taken out of an entry, one added to it) is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/util.h"
#include "iso_run.h"
#include "iso_test.h"

#define NAMES_MAX 64

struct names {
	char v[NAMES_MAX][48];
	int n;
};

static void names_add(struct names *s, const char *name, size_t len)
{
	if (len == 0 || len >= sizeof s->v[0])
		return;
	for (int i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && !strncmp(s->v[i], name, len))
			return;
	assert_true(s->n < NAMES_MAX);
	memcpy(s->v[s->n], name, len);
	s->v[s->n++][len] = '\0';
}

static int names_has(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 1;
	return 0;
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len;
	struct iso_error *err = NULL;
	if (iso_read_file(path, 1 << 20, &buf, &len, &err) < 0)
		fail_msg("%s", err->msg);
	return buf;
}

static char *run_help(const char *cmd)
{
	const char *argv[] = {ISO_ISOPOD_BIN, cmd, "--help", NULL};
	const char *top[] = {ISO_ISOPOD_BIN, "--help", NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(cmd ? argv : top, NULL, &r), 0);
	if (r.status != 0)
		fail_msg("isopod %s --help: exit %d", cmd ? cmd : "", r.status);
	char *out = r.out;
	r.out = NULL;
	iso_run_result_release(&r);
	return out;
}

/* The text of section NAME (".SH NAME" up to the next ".SH"); NULL if none. */
static char *man_section(const char *man, const char *name)
{
	char head[64];
	snprintf(head, sizeof head, "\n.SH %s\n", name);
	const char *s = strstr(man, head);
	if (!s)
		return NULL;
	s += strlen(head);
	const char *e = strstr(s, "\n.SH ");
	return xstrndup(s, e ? (size_t)(e - s) : strlen(s));
}

/* The synopsis line of CMD's entry under COMMANDS (the line after its ".TP"); NULL if none. */
static char *man_synopsis(const char *cmds, const char *cmd)
{
	char head[64];
	snprintf(head, sizeof head, ".TP\n\\fB%s\\fR", cmd);
	const char *s = strstr(cmds, head);
	while (s && s[strlen(head)] != ' ' && s[strlen(head)] != '\n')
		s = strstr(s + 1, head);
	if (!s)
		return NULL;
	s += 4;
	return xstrndup(s, strcspn(s, "\n"));
}

/* Is the "--" at H where an option stands: in a usage bracket ("[--x", "|--x"), or first on
 * its line of the option list ("  --x", "  -x, --x")? Not in running text ("... 'up --x'"). */
static int option_position(const char *help, const char *h)
{
	if (h > help && (h[-1] == '[' || h[-1] == '|'))
		return 1;
	const char *l = h;
	while (l > help && l[-1] != '\n')
		l--;
	l += strspn(l, " ");
	if (l[0] == '-' && isalnum((unsigned char)l[1]) && l[2] == ',')
		l += 3 + strspn(l + 3, " ");
	return l == h;
}

/* The long options "--name" a --help text shows (each once), in option position. */
static void help_options(const char *help, struct names *out)
{
	for (const char *h = help; (h = strstr(h, "--")); h += 2) {
		if (!option_position(help, h))
			continue;
		size_t n = 0;
		while (isalnum((unsigned char)h[2 + n]) || (h[2 + n] == '-' && isalnum((unsigned char)h[3 + n])))
			n++;
		names_add(out, h + 2, n);
	}
}

/* The long options a roff text names: \-\-name (with \- for every dash). */
static void roff_options(const char *text, struct names *out)
{
	for (const char *s = text; (s = strstr(s, "\\-\\-")); s += 4) {
		char name[48];
		size_t n = 0;
		for (const char *p = s + 4; n + 1 < sizeof name;) {
			if (isalnum((unsigned char)*p))
				name[n++] = *p++;
			else if (p[0] == '\\' && p[1] == '-' && isalnum((unsigned char)p[2]))
				name[n++] = '-', p += 2;
			else
				break;
		}
		names_add(out, name, n);
	}
}

/* Each of A not in B: one line "WHAT: NAME" on stderr; the count. */
static int missing(const struct names *a, const struct names *b, const char *what)
{
	int bad = 0;
	for (int i = 0; i < a->n; i++)
		if (!names_has(b, a->v[i]) && strcmp(a->v[i], "help")) {
			print_error("docs/isopod.1: %s: %s\n", what, a->v[i]);
			bad++;
		}
	return bad;
}

/* The commands `isopod --help` lists. */
static void listed_commands(const char *top, struct names *out)
{
	const char *l = strstr(top, "Commands:\n");
	assert_non_null(l);
	for (l = strchr(l, '\n') + 1; l[0] == ' ' && l[1] == ' '; l = strchr(l, '\n') + 1) {
		const char *w = l + strspn(l, " ");
		names_add(out, w, strcspn(w, " \n"));
		if (!strchr(l, '\n'))
			break;
	}
}

/* Every drift between MAN and the code (the built isopod's --help texts); 0 when none. */
static int check_commands(const char *man)
{
	cleanup_free char *cmds = man_section(man, "COMMANDS");
	cleanup_free char *top = run_help(NULL);
	assert_non_null(cmds);
	struct names listed = {0}, described = {0};
	listed_commands(top, &listed);
	assert_true(listed.n >= 11);
	for (const char *s = cmds; (s = strstr(s, ".TP\n\\fB")); s++)
		names_add(&described, s + 7, strspn(s + 7, "abcdefghijklmnopqrstuvwxyz"));
	int bad = missing(&listed, &described, "no entry under COMMANDS for the command") +
		  missing(&described, &listed, "an entry under COMMANDS for a command isopod does not have");
	for (int i = 0; i < listed.n; i++) {
		cleanup_free char *entry = man_synopsis(cmds, listed.v[i]);
		if (!entry)
			continue;
		cleanup_free char *help = run_help(listed.v[i]);
		struct names code = {0}, doc = {0};
		help_options(help, &code);
		roff_options(entry, &doc);
		char what[96];
		snprintf(what, sizeof what, "the synopsis of '%s' does not name its option", listed.v[i]);
		struct names code_less_json = {0};
		for (int j = 0; j < code.n; j++)
			if (strcmp(code.v[j], "json"))
				names_add(&code_less_json, code.v[j], strlen(code.v[j]));
		bad += missing(&code_less_json, &doc, what);
		snprintf(what, sizeof what, "the synopsis of '%s' names an option its --help does not show",
			 listed.v[i]);
		bad += missing(&doc, &code, what);
	}
	return bad;
}

static int check_global_options(const char *man)
{
	cleanup_free char *opts = man_section(man, "OPTIONS");
	cleanup_free char *top = run_help(NULL);
	if (!opts) {
		print_error("docs/isopod.1 has no OPTIONS section\n");
		return 1;
	}
	const char *g = strstr(top, "Global options");
	assert_non_null(g);
	const char *end = strstr(g, "\n\n");
	cleanup_free char *global = xstrndup(g, end ? (size_t)(end - g) : strlen(g));
	struct names code = {0}, doc = {0};
	help_options(global, &code);
	roff_options(opts, &doc);
	return missing(&code, &doc, "OPTIONS does not name the global option") +
	       missing(&doc, &code, "OPTIONS names a global option 'isopod --help' does not show");
}

/* The environment variables the sources read: getenv("X"), env_nonempty("X"), xdg_path("X". */
static void source_variables(const char *dir, struct names *out)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t n = strlen(e->d_name);
		if (e->d_type == DT_DIR) {
			source_variables(path, out);
			continue;
		}
		if (n < 3 || strcmp(e->d_name + n - 2, ".c"))
			continue;
		cleanup_free char *text = slurp(path);
		static const char *const calls[] = {"getenv(\"", "env_nonempty(\"", "xdg_path(\""};
		for (size_t c = 0; c < ISO_ARRAY_SIZE(calls); c++)
			for (const char *s = text; (s = strstr(s, calls[c])); s++) {
				const char *v = s + strlen(calls[c]);
				size_t len = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
				if (v[len] == '"' && strncmp(v, "HOME\"", 5) && strncmp(v, "PATH\"", 5))
					names_add(out, v, len);
			}
	}
	closedir(d);
}

static int check_environment(const char *man)
{
	cleanup_free char *env = man_section(man, "ENVIRONMENT");
	assert_non_null(env);
	struct names code = {0}, doc = {0};
	source_variables(ISO_SRCDIR "/src", &code);
	source_variables(ISO_SRCDIR "/podman", &code);
	source_variables(ISO_SRCDIR "/netns", &code);
	assert_true(names_has(&code, "CONTAINER_HOST"));
	for (const char *s = env; (s = strstr(s, "\\fB")); s += 3) {
		size_t len = strspn(s + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
		if (len > 1 && s[3 + len] == '\\')
			names_add(&doc, s + 3, len);
	}
	return missing(&code, &doc, "ENVIRONMENT does not name the variable the code reads") +
	       missing(&doc, &code, "ENVIRONMENT names a variable the code does not read");
}

static void test_the_man_page_matches_the_code(void **state)
{
	cleanup_free char *man = slurp(ISO_SRCDIR "/docs/isopod.1");
	assert_int_equal(check_commands(man) + check_global_options(man) + check_environment(man), 0);
}

/* The check can fail: an option taken out of an entry, and one added that does not exist. */
static void test_planted_drift_is_caught(void **state)
{
	cleanup_free char *man = slurp(ISO_SRCDIR "/docs/isopod.1");
	char *opt = strstr(man, "[\\fB\\-\\-cleanup\\fR]");
	assert_non_null(opt);
	memcpy(opt, "[\\fB\\-\\-cleanuq\\fR]", strlen("[\\fB\\-\\-cleanuq\\fR]"));
	print_message("  (two lines of planted drift expected)\n");
	assert_int_equal(check_commands(man), 2); /* --cleanup missing, --cleanuq unknown */
}

static void test_groff_has_no_warnings(void **state)
{
	iso_test_need(access("/usr/bin/groff", X_OK) == 0, "groff is not installed (Debian's groff-base)");
	const char *argv[] = {"/usr/bin/groff", "-man", "-ww", "-z", ISO_SRCDIR "/docs/isopod.1", NULL};
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, &(struct iso_run_opts){.merge = true}, &r), 0);
	if (r.status != 0 || r.out_len)
		fail_msg("groff -man -ww -z docs/isopod.1: exit %d:\n%s", r.status, r.out);
	iso_run_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_man_page_matches_the_code),
		cmocka_unit_test(test_planted_drift_is_caught),
		cmocka_unit_test(test_groff_has_no_warnings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
