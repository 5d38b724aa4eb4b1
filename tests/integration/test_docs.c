/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands the documents show are the commands that work.  Every line
 * of a fenced block with language `sh` in docs/quickref.md,
 * docs/work-order-template.md and docs/agents.md is an `isopod ...` command
 * (optionally ending in a comment; `# exit N` is its expected exit code, 0
 * otherwise).  Each document's commands run in order against real rootless
 * Podman with this test's own work orders (WO-<n> -> t-docs-<pid>-<n>) and
 * ports (8090+k -> the k-th of ISOPOD_TEST_PORTS), a temporary state
 * directory and the local images; each --json document matches its schema
 * (docs/schema/).  They run in a repository of the test's own whose addons
 * hold my_module (make_repo), so `isopod test` and `isopod odoo` run on the
 * stand-in.  A line marked `# needs-odoo` needs the real Odoo image: it is
 * reported as not run, with that reason.  Every work
 * order the test made is removed afterwards, also when it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podman_test.h"

#define ISOPOD ISO_ISOPOD_BIN
#define MAX_WOS 16

static char state_dir[] = "/tmp/isopod-test-docs-XXXXXX";
static int port_base;         /* 8090+k -> port_base+k: ten ports of ISOPOD_TEST_PORTS */
static char wos[MAX_WOS][64]; /* the work orders substituted so far, for the teardown */
static int n_wos;

static void append(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
	while (*len + n + 1 > *cap)
		*out = realloc(*out, *cap *= 2);
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

static const char *test_wo(const char *digits, size_t n)
{
	char id[64];
	snprintf(id, sizeof id, "t-docs-%ld-%.*s", (long)getpid(), (int)n, digits);
	for (int i = 0; i < n_wos; i++)
		if (!strcmp(wos[i], id))
			return wos[i];
	assert_true(n_wos < MAX_WOS);
	snprintf(wos[n_wos], sizeof wos[n_wos], "%s", id);
	char name[160];
	snprintf(name, sizeof name, "hub-%s", id);
	ptest_cleanup_add(PTEST_POD, name);
	snprintf(name, sizeof name, "db-hub-%s-data", id);
	ptest_cleanup_add(PTEST_VOLUME, name);
	snprintf(name, sizeof name, "odoo-hub-%s-data", id);
	ptest_cleanup_add(PTEST_VOLUME, name);
	return wos[n_wos++];
}

/* The command line with the documents' work orders and ports replaced by the test's. */
static char *substitute(const char *cmd)
{
	size_t len = 0, cap = 256;
	char *out = malloc(cap);
	out[0] = '\0';
	for (const char *p = cmd; *p;) {
		int at_word = p == cmd || !isalnum((unsigned char)p[-1]);
		if (at_word && !strncasecmp(p, "wo-", 3) && isdigit((unsigned char)p[3])) {
			size_t n = strspn(p + 3, "0123456789");
			const char *id = test_wo(p + 3, n);
			append(&out, &len, &cap, id, strlen(id));
			p += 3 + n;
			continue;
		}
		if (at_word && isdigit((unsigned char)*p)) {
			size_t n = strspn(p, "0123456789");
			long v = strtol(p, NULL, 10);
			if (n == 4 && v >= 8090 && v <= 8099 && !isalnum((unsigned char)p[n])) {
				char port[16];
				snprintf(port, sizeof port, "%ld", port_base + v - 8090);
				append(&out, &len, &cap, port, strlen(port));
			} else
				append(&out, &len, &cap, p, n);
			p += n;
			continue;
		}
		append(&out, &len, &cap, p, 1);
		p++;
	}
	return out;
}

/* Run LINE (an "isopod ..." command) with sh, the built binary in front; *out gets its output, stderr too.
 * A --json document (stdout alone, then) must match its schema (ptest_check_json). */
static int run_line(const char *line, char **out)
{
	char *cmd = malloc(strlen(line) + strlen(ISOPOD) + 16);
	sprintf(cmd, "'%s'%s", ISOPOD, line + strlen("isopod"));
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	bool json = strstr(line, "--json") != NULL;
	struct iso_run_result r;
	assert_int_equal(iso_run(argv, &(struct iso_run_opts){.merge = !json}, &r), 0);
	free(cmd);
	if (json) {
		/* The words as sh sees them, near enough: the documents quote nothing before "--". */
		char *words = strdup(line + strlen("isopod"));
		const char *args[64];
		size_t n = 0;
		for (char *save = NULL, *t = strtok_r(words, " \t", &save); t && n < 63;
		     t = strtok_r(NULL, " \t", &save))
			args[n++] = t;
		args[n] = NULL;
		ptest_check_json(args, r.status, r.out);
		free(words);
		size_t len = r.out_len + r.err_len;
		r.out = realloc(r.out, len + 1);
		memcpy(r.out + r.out_len, r.err, r.err_len + 1);
	}
	free(r.err);
	*out = r.out;
	return r.status;
}

/* Run the `sh` blocks of docs/NAME; MIN_RUN commands at least must run (the test cannot pass empty). */
static void run_doc(const char *name, int min_run)
{
	ptest_require_podman();
	char path[512];
	snprintf(path, sizeof path, "%s/docs/%s", ISO_SRCDIR, name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char line[2048];
	int in_sh = 0, in_other = 0, lineno = 0, ran = 0, skipped = 0, failed = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "```", 3)) {
			if (in_sh || in_other)
				in_sh = in_other = 0;
			else if (!strcmp(line, "```sh"))
				in_sh = 1;
			else
				in_other = 1;
			continue;
		}
		if (!in_sh)
			continue;
		const char *l = line + strspn(line, " \t");
		if (!*l || *l == '#')
			continue;
		if (strncmp(l, "isopod ", 7) && strcmp(l, "isopod"))
			fail_msg("%s:%d: a `sh` block holds only isopod commands (use a `console` block): %s", name,
				 lineno, l);
		int want = 0;
		const char *hash = strstr(l, " # ");
		char cmd[2048];
		snprintf(cmd, sizeof cmd, "%.*s", hash ? (int)(hash - l) : (int)strlen(l), l);
		for (size_t e = strlen(cmd); e > 0 && (cmd[e - 1] == ' ' || cmd[e - 1] == '\t'); e--)
			cmd[e - 1] = '\0';
		if (hash && strstr(hash, "needs-odoo")) {
			printf("[ NOT RUN  ] %s:%d: %s\n             reason: needs the real Odoo image (module tests); "
			       "the harness has only the stand-in\n",
			       name, lineno, cmd);
			skipped++;
			continue;
		}
		if (hash && strstr(hash, "# exit "))
			want = atoi(strstr(hash, "# exit ") + 7);
		char *sub = substitute(cmd), *out = NULL;
		int rc = run_line(sub, &out);
		printf("[ %s ] %s:%d: %s -> exit %d\n", rc == want ? "   RAN   " : " FAILED  ", name, lineno, sub, rc);
		if (rc != want) {
			printf("%s\n", out);
			failed++;
		}
		ran++;
		free(sub);
		free(out);
	}
	fclose(f);
	printf("%s: %d commands ran, %d failed, %d not run (need the real Odoo image)\n", name, ran, failed, skipped);
	assert_int_equal(failed, 0);
	assert_true(ran >= min_run);
}

static int teardown(void **state)
{
	for (int i = 0; i < n_wos; i++) {
		const char *argv[] = {ISOPOD, "down", "--cleanup", wos[i], NULL};
		struct iso_run_result r;
		if (iso_run(argv, NULL, &r) < 0)
			fprintf(stderr, "cannot run: %s down --cleanup %s: %s\n", ISOPOD, wos[i], strerror(errno));
		iso_run_result_release(&r);
	}
	n_wos = 0;
	return ptest_teardown(state);
}

static void test_quickref(void **state)
{
	run_doc("quickref.md", 15);
}

static void test_work_order_template(void **state)
{
	run_doc("work-order-template.md", 5);
}

static void test_agents(void **state)
{
	run_doc("agents.md", 8);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * The documents' commands run in a repository of their own: a git top level
 * (an empty .git) whose addons/ hold my_module, with the test the documents
 * name (TestSale.test_confirm), so `isopod test WO-042 my_module` runs for real.
 */
static int make_repo(void)
{
	char repo[128], dir[200];
	snprintf(repo, sizeof repo, "%s/repo", state_dir);
	chmod(state_dir, 0711); /* Odoo's user in the container enters it */
	const char *dirs[] = {"", "/.git", "/addons", "/addons/my_module", "/addons/my_module/tests"};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(dir, sizeof dir, "%s%s", repo, dirs[i]);
		if (mkdir(dir, 0755) < 0)
			return -1;
	}
	snprintf(dir, sizeof dir, "%s/addons/my_module", repo);
	put_file(dir, "__manifest__.py", "{'name': 'my_module', 'version': '18.0.1.0', 'depends': ['base']}\n");
	put_file(dir, "__init__.py", "");
	snprintf(dir, sizeof dir, "%s/addons/my_module/tests", repo);
	put_file(dir, "__init__.py", "from . import test_sale\n");
	put_file(dir, "test_sale.py",
		 "from odoo.tests.common import TransactionCase\n\n\n"
		 "class TestSale(TransactionCase):\n"
		 "    def test_confirm(self):\n"
		 "        self.env.cr.execute('SELECT 1')\n"
		 "        self.assertEqual(self.env.cr.fetchone()[0], 1)\n\n"
		 "    def test_total(self):\n"
		 "        self.assertEqual(2 + 2, 4)\n");
	return chdir(repo);
}

static int group_setup(void **state)
{
	if (!mkdtemp(state_dir) || make_repo() < 0)
		return -1;
	setenv("ISOPOD_STATE_DIR", state_dir, 1);
	port_base = ptest_ports_block(0, 10); /* 18890-18899 by default */
	if (port_base < 0)
		return -1;
	char ports[32];
	snprintf(ports, sizeof ports, "%d-%d", port_base, port_base + 9);
	setenv("ISOPOD_PORTS", ports, 1);
	setenv("ISOPOD_PROFILE", "hub", 1);
	unsetenv("ISOPOD_REGISTRY_DIR");
	return 0;
}

static int group_teardown(void **state)
{
	if (iso_rmtree(state_dir) < 0)
		fprintf(stderr, "cannot remove %s: %s\n", state_dir, strerror(errno));
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_quickref, teardown),
		cmocka_unit_test_teardown(test_work_order_template, teardown),
		cmocka_unit_test_teardown(test_agents, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
