/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The man page cannot drift from the code: every command that `isopod
 * --help` lists has its entry under COMMANDS in docs/isopod.1, and every
 * option its `--help` shows (but --help and the global --json) is named in
 * that entry; and every command the man page describes exists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/util.h"
#include "iso_run.h"

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

/* The man page's entry of CMD: from its ".TP\n\fBCMD\fR" to the next ".TP" or ".PP"; NULL if none. */
static char *man_entry(const char *man, const char *cmd)
{
	char head[64];
	snprintf(head, sizeof head, ".TP\n\\fB%s\\fR", cmd);
	const char *s = strstr(man, head);
	while (s && s[strlen(head)] != ' ' && s[strlen(head)] != '\n')
		s = strstr(s + 1, head);
	if (!s)
		return NULL;
	const char *e = s + strlen(head), *tp = strstr(e, "\n.TP"), *pp = strstr(e, "\n.PP");
	if (!tp || (pp && pp < tp))
		tp = pp;
	return xstrndup(s, tp ? (size_t)(tp - s) : strlen(s));
}

/* "--name" as roff writes it in the man page: \-\-na\-me. */
static void roff_option(const char *name, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "\\-\\-");
	for (const char *p = name; *p && n + 3 < size; p++) {
		if (*p == '-')
			buf[n++] = '\\';
		buf[n++] = *p;
	}
	buf[n] = '\0';
}

static void test_every_command_and_option_is_in_the_man_page(void **state)
{
	cleanup_free char *man = NULL;
	size_t len;
	struct iso_error *err = NULL;
	if (iso_read_file(ISO_SRCDIR "/docs/isopod.1", 1 << 20, &man, &len, &err) < 0)
		fail_msg("%s", err->msg);
	const char *cmds = strstr(man, ".SH COMMANDS");
	assert_non_null(cmds);
	cleanup_free char *top = run_help(NULL);
	const char *list = strstr(top, "Commands:\n");
	assert_non_null(list);
	int commands = 0, missing = 0;
	for (const char *l = strchr(list, '\n') + 1; l[0] == ' ' && l[1] == ' '; l = strchr(l, '\n') + 1) {
		char cmd[32];
		if (sscanf(l, " %31s", cmd) != 1 || !strchr(l, '\n'))
			break;
		commands++;
		cleanup_free char *entry = man_entry(cmds, cmd);
		if (!entry) {
			print_error("docs/isopod.1 has no entry for the command '%s'\n", cmd);
			missing++;
			continue;
		}
		cleanup_free char *help = run_help(cmd);
		char seen[512] = " ";
		for (const char *h = help; (h = strstr(h, "--")); h += 2) {
			if (h > help && !isspace((unsigned char)h[-1]) && h[-1] != '[' && h[-1] != ',')
				continue;
			char name[48];
			size_t n = 0;
			while (n + 1 < sizeof name && (isalnum((unsigned char)h[2 + n]) || h[2 + n] == '-'))
				name[n] = h[2 + n], n++;
			name[n] = '\0';
			char key[52];
			snprintf(key, sizeof key, " %s ", name);
			if (!n || !strcmp(name, "help") || !strcmp(name, "json") || strstr(seen, key))
				continue;
			snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s ", name);
			char roff[128];
			roff_option(name, roff, sizeof roff);
			if (!strstr(entry, roff)) {
				print_error("docs/isopod.1: the entry of '%s' does not name its option --%s\n", cmd,
					    name);
				missing++;
			}
		}
	}
	assert_true(commands >= 11);
	assert_int_equal(missing, 0);
}

static void test_every_man_page_command_exists(void **state)
{
	cleanup_free char *man = NULL;
	size_t len;
	struct iso_error *err = NULL;
	if (iso_read_file(ISO_SRCDIR "/docs/isopod.1", 1 << 20, &man, &len, &err) < 0)
		fail_msg("%s", err->msg);
	const char *cmds = strstr(man, ".SH COMMANDS"), *end = strstr(cmds, "\n.SH ");
	cleanup_free char *top = run_help(NULL);
	int bad = 0;
	for (const char *s = cmds; (s = strstr(s, ".TP\n\\fB")) && (!end || s < end); s++) {
		char cmd[32];
		if (sscanf(s + 7, "%31[a-z]", cmd) != 1)
			continue;
		char want[40];
		snprintf(want, sizeof want, "\n  %s ", cmd);
		if (!strstr(top, want)) {
			print_error("docs/isopod.1 describes '%s', which 'isopod --help' does not list\n", cmd);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_and_option_is_in_the_man_page),
		cmocka_unit_test(test_every_man_page_command_exists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
