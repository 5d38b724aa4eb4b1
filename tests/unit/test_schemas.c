/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --json documents have their schemas (docs/schema/<command>.json), and
 * the schemas hold.  With a real validator (tests/support/validate-json.py,
 * Debian's python3-jsonschema under /usr/bin/python3):
 *   - every file is a valid schema under Draft7Validator and
 *     Draft202012Validator, self-contained (no $ref), with a title, a
 *     non-empty required list and additionalProperties on every object, and
 *     the copies of one document inside another agree (up's verify member
 *     and verify.json, a logs --follow line and logs.json's items);
 *   - every command of `isopod --help` whose --help offers --json has its
 *     file (exec but: it prints the program's output, errors as error.json),
 *     and so has every sub-command its usage lines name ("isopod template
 *     build|ls|rm", "isopod snapshot rm ...") whose --help offers --json, as
 *     <command>-<sub>.json; every file names a command or such a sub-command
 *     (or is error.json, or <command>-line);
 *   - the validator accepts the right documents and rejects wrong ones (a
 *     field added, one missing, a wrong type, an unknown value), and the
 *     house rules catch a planted $ref, a missing required list, an open
 *     object and a copy that drifted;
 *   - the integration tests' check of each real document (ptest_check_json)
 *     picks the schema as it should: the command's (a sub-command's own:
 *     template-build.json, snapshot-rm.json, never for a work order's id),
 *     error.json for a failure's error document (also of a command with no
 *     document of its own), logs-line.json per line of --follow, exec's
 *     last line only, nothing for --help or without --json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "iso_run.h"
#include "iso_test.h"
#include "podman_test.h"

#define SCHEMA_DIR ISO_SRCDIR "/docs/schema"
#define VALIDATOR ISO_SRCDIR "/tests/support/validate-json.py"
#define PYTHON "/usr/bin/python3"

static void need_validator(void)
{
	const char *argv[] = {PYTHON, "-c", "import jsonschema", NULL};
	struct iso_run_result r;
	bool have = access(PYTHON, X_OK) == 0 && iso_run(argv, NULL, &r) == 0 && r.status == 0;
	if (access(PYTHON, X_OK) == 0)
		iso_run_result_release(&r);
	iso_test_need(have, "python3-jsonschema is not installed for %s (apt-get install python3-jsonschema)", PYTHON);
}

/* Run the validator with ARGS (after the script) on STDIN_TEXT; its exit code, its words in *out. */
static int validate(const char *const *args, const char *stdin_text, char **out)
{
	const char *argv[8] = {PYTHON, VALIDATOR};
	size_t n = 2;
	for (; args[n - 2]; n++) {
		assert_true(n < 7);
		argv[n] = args[n - 2];
	}
	argv[n] = NULL;
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, &(struct iso_run_opts){.stdin_text = stdin_text, .merge = true}, &r), 0);
	*out = r.out;
	r.out = NULL;
	iso_run_result_release(&r);
	return r.status;
}

static void test_every_schema_keeps_the_rules(void **state)
{
	need_validator();
	cleanup_free char *out = NULL;
	int rc = validate((const char *[]){"--check-schemas", SCHEMA_DIR, NULL}, NULL, &out);
	if (rc != 0)
		fail_msg("docs/schema/ breaks the rules (exit %d):\n%s", rc, out);
}

/* `isopod [CMD] --help`, which must succeed; its text (owned). */
static char *run_help(const char *cmd)
{
	struct iso_run_result r;
	assert_int_equal(iso_run_isopod(NULL, &r, "%s%s--help", cmd ? cmd : "", cmd ? " " : ""), 0);
	if (r.status != 0)
		fail_msg("isopod %s --help: exit %d", cmd ? cmd : "", r.status);
	char *out = xstrdup(r.out);
	iso_run_result_release(&r);
	return out;
}

static bool listed(const char *top, const char *name, size_t len)
{
	const char *l = strstr(top, "Commands:\n");
	assert_non_null(l);
	for (l = strchr(l, '\n') + 1; l[0] == ' ' && l[1] == ' '; l = strchr(l, '\n') + 1) {
		const char *w = l + strspn(l, " ");
		if (strcspn(w, " \n") == len && !strncmp(w, name, len))
			return true;
		if (!strchr(l, '\n'))
			break;
	}
	return false;
}

#define SUBS_MAX 16

struct subs {
	char v[SUBS_MAX][64]; /* "template-build" */
	int n;
};

/*
 * The sub-commands CMD's usage lines name ("usage: isopod template build|ls|rm ...", "       isopod snapshot rm
 * WO-ID ..."): the word after the command when it is lowercase words joined by '|'; each as "CMD-SUB" into S.
 */
static void usage_subs(const char *help, const char *cmd, struct subs *s)
{
	cleanup_free char *head = xasprintf("isopod %s ", cmd);
	for (const char *l = help; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *u = l;
		if (!strncmp(u, "usage: ", 7))
			u += 7;
		else
			u += strspn(u, " ");
		if (strncmp(u, head, strlen(head)))
			continue;
		u += strlen(head);
		size_t len = strcspn(u, " \n");
		if (!len || strspn(u, "abcdefghijklmnopqrstuvwxyz|") != len)
			continue;
		for (const char *w = u; w < u + len;) {
			size_t n = strcspn(w, "| \n");
			assert_true(s->n < SUBS_MAX);
			snprintf(s->v[s->n++], sizeof s->v[0], "%s-%.*s", cmd, (int)n, w);
			w += n + (w[n] == '|');
		}
	}
}

static bool subs_has(const struct subs *s, const char *name, size_t len)
{
	for (int i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && !strncmp(s->v[i], name, len))
			return true;
	return false;
}

/* ARGS ("ls", "template build") offers --json per HELP: docs/schema/DOC.json must exist; 1 when it is missing. */
static int need_file(const char *args, const char *doc, const char *help, int *documents)
{
	if (!strstr(help, "--json"))
		return 0;
	(*documents)++;
	cleanup_free char *path = xasprintf("%s/%s.json", SCHEMA_DIR, doc);
	if (access(path, R_OK) == 0)
		return 0;
	fprintf(stderr, "isopod %s offers --json but docs/schema/%s.json is missing\n", args, doc);
	return 1;
}

/* Every command and sub-command with a document has its file; *SUBS gets the sub-commands. */
static int commands_have_files(const char *top, struct subs *subs, int *documents)
{
	int bad = 0;
	const char *l = strstr(top, "Commands:\n");
	assert_non_null(l);
	for (l = strchr(l, '\n') + 1; l[0] == ' ' && l[1] == ' '; l = strchr(l, '\n') + 1) {
		const char *w = l + strspn(l, " ");
		cleanup_free char *cmd = xstrndup(w, strcspn(w, " \n"));
		cleanup_free char *help = run_help(cmd);
		if (!strcmp(cmd, "exec")) {
			cleanup_free char *path = xasprintf("%s/exec.json", SCHEMA_DIR);
			if (access(path, R_OK) == 0)
				bad++, fprintf(stderr, "docs/schema/exec.json: exec prints the program's output, no "
						       "document\n");
			continue;
		}
		bad += need_file(cmd, cmd, help, documents);
		int first = subs->n;
		usage_subs(help, cmd, subs);
		for (int i = first; i < subs->n; i++) {
			cleanup_free char *line = xstrdup(subs->v[i]);
			line[strlen(cmd)] = ' '; /* "template build" */
			cleanup_free char *sub_help = run_help(line);
			bad += need_file(line, subs->v[i], sub_help, documents);
		}
	}
	return bad;
}

static void test_every_document_has_its_schema(void **state)
{
	cleanup_free char *top = run_help(NULL);
	struct subs subs = {0};
	int documents = 0;
	int bad = commands_have_files(top, &subs, &documents);
	assert_true(documents >= 10);
	/* The sub-commands of today: the rule reads them from the usage lines, and does. */
	assert_true(subs_has(&subs, "template-build", 14) && subs_has(&subs, "snapshot-rm", 11));
	DIR *d = opendir(SCHEMA_DIR);
	assert_non_null(d);
	int files = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		files++;
		size_t stem = n - 5;
		if (subs_has(&subs, e->d_name, stem))
			continue;
		if (stem > 5 && !strncmp(e->d_name + stem - 5, "-line", 5))
			stem -= 5;
		if (strcmp(e->d_name, "error.json") && !listed(top, e->d_name, stem))
			bad++, fprintf(stderr,
				       "docs/schema/%s names no command of 'isopod --help' nor a sub-command its usage "
				       "names\n",
				       e->d_name);
	}
	closedir(d);
	assert_true(files > documents);
	assert_int_equal(bad, 0);
}

struct doc_case {
	const char *schema;    /* under docs/schema/ */
	int failed;            /* the command failed: its error document is checked against error.json */
	const char *doc;       /* stdin */
	const char *complaint; /* NULL: valid; else a word the validator's answer holds */
};

#define ROW                                                                                                            \
	"\"work_order\":\"WO-1\",\"profile\":\"hub\",\"state\":\"running\",\"url\":\"http://127.0.0.1:8090\","         \
	"\"ports\":{\"http\":8090,\"db\":8091},\"age_seconds\":5,\"drift\":false,\"pod\":\"hub-WO-1\","                \
	"\"volumes\":[\"odoo-hub-WO-1-data\"]"
#define ERROR_DOC "{\"error\":{\"class\":\"unknown-work-order\",\"code\":3,\"message\":\"no work order 'x'\"}}"
/* What src/cmd/snapshot.c, snapshots.c and template.c print. */
#define SNAP_HEAD "\"wo\":\"wo-1\",\"profile\":\"hub\",\"snapshot\":"
#define SNAP_TAIL                                                                                                      \
	",\"replaced\":false,\"bytes\":46137344,\"method\":\"copy_file_range\",\"copy_ms\":210,\"downtime_ms\":640,"   \
	"\"ms\":1200"
#define SNAP SNAP_HEAD "\"20261202-162710\"" SNAP_TAIL
#define SNAP_RM "{\"wo\":\"wo-1\",\"profile\":\"hub\",\"removed\":\"s1\"}"
#define RESTORE(source)                                                                                                \
	"\"wo\":\"wo-1\",\"profile\":\"hub\",\"before_restore\":\"before-restore\",\"source\":\"" source "\","         \
	"\"bytes\":46137344,\"method\":\"copy_file_range\",\"copy_ms\":420,\"downtime_ms\":0,\"ms\":2100"
#define SNAPS_ROW(state)                                                                                               \
	"{\"wo\":\"wo-1\",\"profile\":\"hub\",\"name\":\"s1\",\"state\":\"" state                                      \
	"\",\"created\":\"2026-12-02T16:27:10Z\","                                                                     \
	"\"bytes\":46137344,\"database\":\"hub_wo-1\"}"
#define TPL_BUILD                                                                                                      \
	"{\"profile\":\"hub\",\"key\":\"0123456789abcdef\",\"reused\":false,\"modules\":[\"base\",\"sale\"],\"ms\":"   \
	"9000,"                                                                                                        \
	"\"pruned\":0}"
#define TPL_LS_HEAD "\"profile\":\"hub\",\"current_key\":\"0123456789abcdef\""
#define TPL_ROW                                                                                                        \
	"{\"profile\":\"hub\",\"key\":\"0123456789abcdef\",\"state\":\"ready\",\"current\":true,\"modules\":["         \
	"\"base\"],"                                                                                                   \
	"\"database\":\"hub_template\",\"source\":\"build\",\"odoo_image_id\":\"e3b0c442\",\"db_image_id\":"           \
	"\"98fc1c14\","                                                                                                \
	"\"created\":\"2026-12-02T16:27:10Z\",\"last_used\":\"2026-12-02T16:30:00Z\"},"                                \
	"{\"profile\":\"hub\",\"key\":\"fedcba9876543210\",\"state\":\"partial\",\"current\":false,\"modules\":[],"    \
	"\"database\":null,\"source\":null,\"odoo_image_id\":null,\"db_image_id\":null,\"created\":null,"              \
	"\"last_used\":null}"

static const struct doc_case cases[] = {
	{"ls.json", 0, "{\"work_orders\":[{" ROW "}]}", NULL},
	{"ls.json", 0, "{\"work_orders\":[]}", NULL},
	{"ls.json", 0, "[{" ROW "}]", "is not of type 'object'"}, /* the shape before the work_orders key */
	{"ls.json", 0, "{\"work_orders\":[{" ROW ",\"colour\":\"red\"}]}", "'colour' was unexpected"},
	{"ls.json", 0, "{\"work_orders\":[{\"work_order\":\"WO-1\"}]}", "'profile' is a required property"},
	{"ls.json", 0, "{\"work_orders\":[{" ROW "}]}\n{\"work_orders\":[]}", "not JSON"}, /* two documents */
	{"ls.json", 1, ERROR_DOC, NULL},
	{"ls.json", 0, ERROR_DOC, "'work_orders' is a required property"}, /* exit 0 with an error */
	{"error.json", 1, "{\"error\":{\"class\":\"oops\",\"code\":3,\"message\":\"m\"}}", "'oops' is not one of"},
	{"error.json", 1, "{\"error\":{\"class\":\"usage\",\"code\":\"2\",\"message\":\"m\"}}",
	 "is not of type 'integer'"},
	{"status.json", 0, "{" ROW "}", "'database' is a required property"},
	{"status.json", 0,
	 "{" ROW ",\"database\":\"wo\",\"db_user\":\"odoo\",\"secret\":true,\"lease\":\"ready\",\"origin\":\"template "
	 "0123456789abcdef "
	 "2026-12-02T16:27:10Z\",\"snapshots\":1,\"restore_interrupted\":null,\"containers\":[{\"name\":"
	 "\"db-hub-WO-1\",\"role\":\"db\",\"state\":\"running\",\"running\":true,\"exit_code\":0}]}",
	 NULL},
	{"down.json", 0,
	 "{\"work_order\":\"WO-1\",\"profile\":\"hub\",\"state\":\"down\",\"pod_removed\":true,\"cleanup\":false,"
	 "\"volumes_removed\":[],\"secret_removed\":false,\"ports_released\":\"0\"}",
	 "is not of type 'integer'"},
	{"logs.json", 0, "{\"lines\":[{\"stream\":\"stdout\",\"text\":\"ready\"}]}", NULL},
	{"logs.json", 0, "{\"lines\":[{\"stream\":\"tty\",\"text\":\"ready\"}]}", "'tty' is not one of"},
	{"gc.json", 0, "{\"collected\":[]}", NULL},
	{"gc.json", 0, "[]", "is not of type 'object'"},
	{"gc.json", 0,
	 "{\"collected\":[{\"action\":\"removed partial template\",\"work_order\":\"0123456789abcdef\",\"profile\":"
	 "\"hub\",\"removed\":[\"template\"],\"ports\":[],\"note\":\"an interrupted build or save; never used\"}]}",
	 NULL},
	{"version.json", 0, "{\"client\":{\"version\":\"1\"},\"endpoint\":\"unix:///x\",\"service_started\":false}",
	 "'server' is a required property"},
	/* Templates and snapshots (issue 14): a sub-command's document is not its command's. */
	{"snapshot.json", 0, "{" SNAP "}", NULL},
	{"snapshot.json", 0, SNAP_RM, "'snapshot' is a required property"},
	{"snapshot.json", 0, "{" SNAP_HEAD "\"a b\"" SNAP_TAIL "}", "does not match"}, /* a name with a space */
	{"snapshot.json", 0, "{" SNAP ",\"source\":\"snapshot s1\"}", "'source' was unexpected"},
	{"snapshot-rm.json", 0, SNAP_RM, NULL},
	{"snapshot-rm.json", 0, "{" SNAP "}", "'removed' is a required property"},
	{"restore.json", 0, "{" RESTORE("snapshot s1") "}", NULL},
	{"restore.json", 0, "{" RESTORE("template 0123456789abcdef") "}", "does not match"},
	{"restore.json", 0, "{" SNAP "}", "'before_restore' is a required property"},
	{"reset.json", 0, "{" RESTORE("template 0123456789abcdef") "}", NULL},
	{"reset.json", 0, "{" RESTORE("a fresh init") "}", NULL},
	{"reset.json", 0, "{" RESTORE("snapshot s1") "}", "does not match"},
	{"snapshots.json", 0, "{\"snapshots\":[" SNAPS_ROW("ready") "]}", NULL},
	{"snapshots.json", 0, "{\"snapshots\":[]}", NULL},
	{"snapshots.json", 0, "{\"snapshots\":[" SNAPS_ROW("sealed") "]}", "'sealed' is not one of"},
	{"template-build.json", 0, TPL_BUILD, NULL},
	{"template-build.json", 0, "{\"templates\":[]," TPL_LS_HEAD "}", "'key' is a required property"},
	{"template-ls.json", 0, "{" TPL_LS_HEAD ",\"templates\":[" TPL_ROW "]}", NULL},
	{"template-ls.json", 0, "{\"profile\":null,\"current_key\":null,\"templates\":[]}", NULL},
	{"template-ls.json", 0, "{" TPL_LS_HEAD ",\"templates\":[{\"key\":\"0123456789abcdef\"}]}",
	 "'profile' is a required property"},
	{"template-ls.json", 0, TPL_BUILD, "'templates' is a required property"},
	{"template-rm.json", 0, "{\"removed\":[\"0123456789abcdef\"],\"profile\":\"hub\"}", NULL},
	{"template-rm.json", 0, "{\"removed\":\"0123456789abcdef\",\"profile\":\"hub\"}", "is not of type 'array'"},
	{"template-rm.json", 1, ERROR_DOC, NULL},
};

static void test_wrong_documents_are_rejected(void **state)
{
	need_validator();
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct doc_case *c = &cases[i];
		cleanup_free char *schema = xasprintf("%s/%s", SCHEMA_DIR, c->schema);
		const char *with_error[] = {schema, "--error-schema", SCHEMA_DIR "/error.json", NULL};
		const char *alone[] = {schema, NULL};
		cleanup_free char *out = NULL;
		int rc = validate(c->failed ? with_error : alone, c->doc, &out);
		if (c->complaint ? rc != 1 || !strstr(out, c->complaint) : rc != 0)
			bad++, fprintf(stderr, "case %zu (%s, %s): exit %d, wanted %s:\n%s\n", i, c->schema, c->doc, rc,
				       c->complaint ? c->complaint : "valid", out);
	}
	assert_int_equal(bad, 0);
}

struct planted {
	const char *file, *text, *complaint;
};

#define HEAD "\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"title\":\"t\",\"type\":\"object\","
#define ITEM "{\"type\":\"object\",\"required\":[\"stream\",\"text\"],\"additionalProperties\":false,"
#define LINES "\"properties\":{\"stream\":{\"enum\":[\"stdout\",\"stderr\"]},\"text\":{\"type\":\"string\"}}}"

static const struct planted planted[] = {
	{"ref.json",
	 "{" HEAD "\"required\":[\"a\"],\"additionalProperties\":false,\"properties\":{\"a\":{\"$ref\":\"#/x\"}}}",
	 "$ref"},
	{"loose.json", "{" HEAD "\"additionalProperties\":false,\"properties\":{\"a\":{\"type\":\"string\"}}}",
	 "no non-empty 'required'"},
	{"open.json", "{" HEAD "\"required\":[\"a\"],\"properties\":{\"a\":{\"type\":\"string\"}}}",
	 "additionalProperties"},
	{"tuple.json",
	 "{" HEAD "\"required\":[\"a\"],\"additionalProperties\":false,\"properties\":{\"a\":"
	 "{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}}}",
	 "items"},
	{"defs.json",
	 "{" HEAD "\"required\":[\"a\"],\"additionalProperties\":false,\"$defs\":{},\"properties\":"
	 "{\"a\":{\"type\":\"string\"}}}",
	 "'$defs'"},
	{"invalid.json", "{" HEAD "\"required\":\"a\",\"additionalProperties\":false}", "not a valid"},
	{"logs.json",
	 "{" HEAD "\"required\":[\"lines\"],\"additionalProperties\":false,\"properties\":{\"lines\":"
	 "{\"type\":\"array\",\"items\":" ITEM LINES "}}}",
	 NULL},
};

/* Each house rule catches its planted fault, alone in a directory beside a good logs.json. */
static void test_planted_schema_faults_are_caught(void **state)
{
	need_validator();
	const struct planted *good = &planted[sizeof planted / sizeof planted[0] - 1];
	struct planted drift = {"logs-line.json",
				"{" HEAD
				"\"required\":[\"stream\",\"text\"],\"additionalProperties\":false,\"properties\":"
				"{\"stream\":{\"enum\":[\"stdout\"]},\"text\":{\"type\":\"string\"}}}",
				"differs from logs.json"};
	int bad = 0;
	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
		const struct planted *p = i + 1 < sizeof planted / sizeof planted[0] ? &planted[i] : &drift;
		char dir[] = "/tmp/isopod-test-schemas-XXXXXX";
		assert_non_null(mkdtemp(dir));
		const struct planted *files[] = {good, p};
		for (size_t k = 0; k < 2; k++) {
			cleanup_free char *path = xasprintf("%s/%s", dir, files[k]->file);
			FILE *f = fopen(path, "w");
			assert_non_null(f);
			fputs(files[k]->text, f);
			assert_int_equal(fclose(f), 0);
		}
		cleanup_free char *out = NULL;
		int rc = validate((const char *[]){"--check-schemas", dir, NULL}, NULL, &out);
		if (rc != 1 || !strstr(out, p->complaint))
			bad++, fprintf(stderr, "planted %s: exit %d, wanted '%s':\n%s\n", p->file, rc, p->complaint,
				       out);
		assert_int_equal(iso_rmtree(dir), 0);
	}
	/* The good one alone passes: the faults, not the harness, made the others fail. */
	char dir[] = "/tmp/isopod-test-schemas-XXXXXX";
	assert_non_null(mkdtemp(dir));
	cleanup_free char *path = xasprintf("%s/%s", dir, good->file);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(good->text, f);
	assert_int_equal(fclose(f), 0);
	cleanup_free char *out = NULL;
	int rc = validate((const char *[]){"--check-schemas", dir, NULL}, NULL, &out);
	assert_int_equal(iso_rmtree(dir), 0);
	if (rc != 0)
		fail_msg("a good schema is refused (exit %d):\n%s", rc, out);
	assert_int_equal(bad, 0);
}

struct run_case {
	const char *args[8]; /* isopod's, no program name */
	int status;
	const char *out;
	int rejected;
};

#define LINE "{\"stream\":\"stdout\",\"text\":\"ready\"}\n"

static const struct run_case runs[] = {
	{{"ls", "--json"}, 0, "{\"work_orders\":[{" ROW "}]}\n", 0},
	{{"ls", "--json"}, 0, "[{" ROW "}]\n", 1},
	{{"--json", "status", "WO-1"}, 3, ERROR_DOC "\n", 0},
	{{"status", "WO-1", "--json"}, 0, ERROR_DOC "\n", 1},
	{{"ls", "--json", "--help"}, 0, "usage: isopod ls [--json]\n", 0},
	{{"ls"}, 0, "PROFILE  WORK ORDER\n", 0},
	{{"--progress", "json", "ls", "--json"}, 0, "{\"work_orders\":[]}\n", 0},
	{{"exec", "WO-1", "--", "sh", "--json"}, 0, "[not json\n", 0},
	{{"exec", "--json", "WO-1", "--", "sh"}, 7, "[not json\n", 0},
	{{"exec", "--json", "WO-1", "--", "sh"}, 125, "half a line" ERROR_DOC "\n", 1},
	{{"exec", "--json", "WO-1", "--", "sh"}, 125, "a line\n" ERROR_DOC "\n", 0},
	{{"logs", "WO-1", "--follow", "--json"}, 0, LINE LINE, 0},
	{{"logs", "WO-1", "--json"}, 0, LINE, 1},
	{{"logs", "WO-1", "-f", "--json"}, 6, LINE ERROR_DOC "\n", 0},
	{{"nosuchcommand", "--json"}, 0, "{}\n", 1},
	{{"down", "WO-1", "--json"}, 0, "", 1},
	{{"down", "WO-1", "--json"}, 137, "", 0}, /* killed: no answer to check */
	/* A sub-command's document against its own schema, never its command's nor a work order's "sub". */
	{{"template", "build", "--json"}, 0, TPL_BUILD "\n", 0},
	{{"template", "build", "--json"}, 0, "{\"removed\":[],\"profile\":\"hub\"}\n", 1},
	{{"--json", "template", "ls", "--all"}, 0, "{\"profile\":null,\"current_key\":null,\"templates\":[]}\n", 0},
	{{"template", "rm", "--json"}, 0, "{\"removed\":[],\"profile\":\"hub\"}\n", 0},
	{{"--json", "template"}, 2, ERROR_DOC "\n", 0}, /* no document of its own: only the error one */
	{{"--json", "template"}, 2, "{}\n", 1},
	{{"--json", "template"}, 0, "{}\n", 1},
	{{"snapshot", "rm", "wo-1", "s1", "--json"}, 0, SNAP_RM "\n", 0},
	{{"snapshot", "wo-1", "s1", "--json"}, 0, SNAP_RM "\n", 1},
	{{"snapshot", "wo-1", "--json"}, 0, "{" SNAP "}\n", 0},
	{{"logs", "line", "--json"}, 0, "{\"lines\":[]}\n", 0}, /* a work order named "line" */
	{{"logs", "line", "-f", "--json"}, 0, LINE, 0},
};

/* What the integration tests' check (ptest_check_json) takes and refuses, each in a child (which exits 1 on a
 * refusal instead of failing the test). */
static void test_the_integration_check_picks_the_schema(void **state)
{
	need_validator();
	int bad = 0;
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		const struct run_case *c = &runs[i];
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, STDERR_FILENO); /* the refusal's words: the cases above say what they are */
			ptest_check_json(c->args, c->status, c->out);
			_exit(0);
		}
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		int rejected = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (rejected != c->rejected)
			bad++, fprintf(stderr, "run case %zu (isopod %s %s, exit %d): %s, wanted %s\n", i, c->args[0],
				       c->args[1] ? c->args[1] : "", c->status, rejected ? "refused" : "taken",
				       c->rejected ? "refused" : "taken");
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_schema_keeps_the_rules),
		cmocka_unit_test(test_every_document_has_its_schema),
		cmocka_unit_test(test_wrong_documents_are_rejected),
		cmocka_unit_test(test_planted_schema_faults_are_caught),
		cmocka_unit_test(test_the_integration_check_picks_the_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
