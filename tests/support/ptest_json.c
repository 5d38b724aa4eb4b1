/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptest_json.c - ptest_check_json (podman_test.h): an isopod run's --json
 * document against docs/schema/, by tests/support/validate-json.py under
 * Debian's /usr/bin/python3 with python3-jsonschema.  Apart from the Podman
 * helpers: it needs no Podman, only the validator.
 */
#include "podman_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The process that runs the tests: a forked child must not longjmp into cmocka. */
static pid_t ptest_main_pid;
__attribute__((constructor)) static void ptest_note_main_pid(void)
{
	ptest_main_pid = getpid();
}

/* Fail the test with WHY; in a forked child print it and exit 1, which the parent's check sees. */
static void ptest_json_fail(const char *why)
{
	if (getpid() != ptest_main_pid) {
		fprintf(stderr, "%s\n", why);
		fflush(stderr);
		_exit(1);
	}
	fail_msg("%s", why);
}

/*
 * The command of isopod's ARGS and whether it was asked for --json (before "--", not for help); *follow for
 * -f; *sub the word right after the command when it is no option (a sub-command: "template build").
 */
static int ptest_json_wanted(const char *const *args, const char **cmd, const char **sub, int *follow)
{
	int json = 0;
	*cmd = *sub = NULL;
	*follow = 0;
	for (size_t i = 0; args[i] && strcmp(args[i], "--"); i++) {
		const char *a = args[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h") || (!*cmd && !strcmp(a, "help")) ||
		    (!*cmd && !strcmp(a, "--version")))
			return 0; /* help and the bare version are text */
		if (!strcmp(a, "--json"))
			json = 1;
		else if (!strcmp(a, "--progress") && args[i + 1])
			i++;
		else if (!*cmd && a[0] != '-') {
			*cmd = a;
			if (args[i + 1] && args[i + 1][0] != '-')
				*sub = args[i + 1];
		} else if (!strcmp(a, "--follow") || !strcmp(a, "-f"))
			*follow = 1;
	}
	return json && *cmd;
}

/*
 * The schema of CMD's document into SCHEMA: docs/schema/CMD-SUB.json when SUB is a lowercase word and that file
 * exists (a sub-command's document: template build, snapshot rm; test_schemas holds every such file to a
 * sub-command that CMD's --help names, so a work order's id never picks one), else CMD.json, or
 * logs-line.json for a line of logs --follow.
 */
static void ptest_json_schema(const char *cmd, const char *sub, int follow, char *schema, size_t size)
{
	if (sub && sub[0] && strspn(sub, "abcdefghijklmnopqrstuvwxyz") == strlen(sub) && strcmp(sub, "line")) {
		snprintf(schema, size, "%s/docs/schema/%s-%s.json", ISO_SRCDIR, cmd, sub);
		if (access(schema, R_OK) == 0)
			return;
	}
	snprintf(schema, size, "%s/docs/schema/%s.json", ISO_SRCDIR, follow ? "logs-line" : cmd);
}

void ptest_check_json(const char *const *args, int status, const char *out)
{
	const char *cmd, *sub;
	int follow;
	if (!ptest_json_wanted(args, &cmd, &sub, &follow))
		return;
	if (!strcmp(cmd, "exec")) {
		/* exec's stdout is the program's; its own failure (125) is the error document, the last line. */
		size_t n = strlen(out);
		while (n && out[n - 1] == '\n')
			n--;
		while (n && out[n - 1] != '\n')
			n--;
		if (status != 125 && (status == 0 || strncmp(out + n, "{\"error\"", strlen("{\"error\""))))
			return;
		out += n;
		cmd = "error";
		sub = NULL;
	}
	if (!*out && status >= 128)
		return; /* killed before it could answer */
	char schema[512], error[512], why[8192];
	follow = follow && !strcmp(cmd, "logs");
	ptest_json_schema(cmd, sub, follow, schema, sizeof schema);
	snprintf(error, sizeof error, "%s/docs/schema/error.json", ISO_SRCDIR);
	if (access(schema, R_OK) != 0 && status != 0) {
		/* A command with no document of its own ("template" without a sub-command) can only fail. */
		snprintf(schema, sizeof schema, "%s", error);
	} else if (access(schema, R_OK) != 0) {
		snprintf(why, sizeof why, "isopod %s --json printed a document but %s has no schema: write it", cmd,
			 schema);
		ptest_json_fail(why);
	}
	const char *argv[8] = {"/usr/bin/python3", ISO_SRCDIR "/tests/support/validate-json.py"};
	size_t n = 2;
	if (follow)
		argv[n++] = "--lines";
	if (status != 0) {
		/* A failure may answer with the error document alone; a success never. */
		argv[n++] = "--error-schema";
		argv[n++] = error;
	}
	argv[n++] = schema;
	struct iso_run_result r;
	if (iso_run(argv, &(struct iso_run_opts){.stdin_text = out, .timeout_ms = 60 * 1000}, &r) < 0) {
		snprintf(why, sizeof why, "cannot run %s: %s", argv[1], strerror(errno));
		ptest_json_fail(why);
	}
	int rc = r.status;
	snprintf(why, sizeof why,
		 "isopod %s --json (exit %d): its document does not match its schema:\n%s%s\n"
		 "document: %.3000s",
		 cmd, status, r.out, r.err, out);
	iso_run_result_release(&r);
	if (rc == 77 || rc == 127)
		iso_test_need(false, "the --json documents cannot be validated: %s",
			      rc == 127 ? "no /usr/bin/python3; apt-get install python3-jsonschema" : why);
	if (rc != 0)
		ptest_json_fail(why);
}
