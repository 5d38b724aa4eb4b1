/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `isopod mcp` driven by an independent client on real rootless Podman: the
 * official TypeScript SDK (tests/mcp/client-test.mjs, installed by the test
 * set-up with `npm ci` from the committed lockfile) starts the isopod built
 * here as its stdio server.  One cmocka test per case of the script:
 * protocol errors, schemas and annotations, up -> ls -> verify -> down with
 * progress, a cancelled up and a SIGTERM during an up (then Podman asked
 * by label that nothing is left), the test tool's verdicts on tests/addons,
 * two ups overlapping, two calls on one work order, and the ls cache (a
 * change made outside the server listed within 2 s, the server's own down
 * at once).  The stand-in's
 * modules take 2.2 s each, so the progress events come further apart than
 * 2 s and the server's heartbeats are what keeps the gaps short.  Without
 * node (>= 18) or tests/mcp/node_modules the tests skip with the reason
 * (fail under ISOPOD_REQUIRE_PODMAN).  Ports: block 35-39 of
 * ISOPOD_TEST_PORTS (at most three work orders at once).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "iso_run.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define CLIENT ISO_SRCDIR "/tests/mcp/client-test.mjs"
#define SDK ISO_SRCDIR "/tests/mcp/node_modules/@modelcontextprotocol/sdk/package.json"

static char state_dir[64];
static char prefix[48];
static int have_node;
static char node_why[160];

/* node on PATH, version 18 or newer (the SDK's floor). */
static void probe_node(void)
{
	const char *argv[] = {"node", "--version", NULL};
	struct iso_run_result r;
	if (iso_run(argv, &(struct iso_run_opts){.timeout_ms = 20000}, &r) < 0 || r.status != 0) {
		snprintf(node_why, sizeof(node_why), "node is not installed (the test set-up installs nodejs)");
		iso_run_result_release(&r);
		return;
	}
	int major = r.out[0] == 'v' ? atoi(r.out + 1) : 0;
	if (major < 18)
		snprintf(node_why, sizeof(node_why), "node %.20s is older than 18, which the MCP SDK needs", r.out);
	else
		have_node = 1;
	iso_run_result_release(&r);
}

static int setup(void **state)
{
	if (ptest_wo_env(state_dir, sizeof(state_dir), "mcp", 35, 5) < 0)
		return -1;
	char path[128];
	/* the test tool's repository: tests/addons as its addons (readable by the containers' users) */
	chmod(state_dir, 0711);
	snprintf(path, sizeof(path), "%s/repo", state_dir);
	mkdir(path, 0755);
	setenv("MCP_TEST_REPO", path, 1);
	snprintf(path, sizeof(path), "%s/repo/addons", state_dir);
	const char *cp[] = {"cp", "-R", ISO_SRCDIR "/tests/addons", path, NULL};
	struct iso_run_result r;
	if (iso_run(cp, NULL, &r) < 0 || r.status != 0) {
		fprintf(stderr, "cannot copy tests/addons to %s\n", path);
		iso_run_result_release(&r);
		return -1;
	}
	iso_run_result_release(&r);
	setenv("XDG_CONFIG_HOME", state_dir, 1);
	snprintf(path, sizeof(path), "%s/isopod", state_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/isopod/config.json", state_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("{\"profiles\": {\"hub\": {\"env\": {\"ODOO_STANDIN_MODULE_SECONDS\": \"2.2\"}}}}\n", f);
	fclose(f);
	snprintf(prefix, sizeof(prefix), "t-mcp-%d", (int)getpid());
	setenv("MCP_WO_PREFIX", prefix, 1);
	setenv("ISOPOD_BIN", ISO_ISOPOD_BIN, 1);
	probe_node();
	return 0;
}

static const char *const tags[] = {"life", "cancel", "term", "test", "ov-a", "ov-b", "same", "cache"};

static int teardown(void **state)
{
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		char *out = NULL, *err = NULL;
		ptest_isopod(&out, &err, "down %s-%s --cleanup --quiet", prefix, tags[i]);
		free(out);
		free(err);
	}
	iso_rmtree(state_dir);
	return 0;
}

/* The client script's CASE against the isopod built here; fails with its output. */
static void run_case(const char *name)
{
	iso_test_need(have_node, "%s", node_why);
	iso_test_need(access(SDK, R_OK) == 0, "%s is missing: run 'npm ci' in tests/mcp (the test set-up does)", SDK);
	ptest_require_podman();
	const char *argv[] = {"node", CLIENT, name, NULL};
	struct iso_run_result r;
	if (iso_run(argv, &(struct iso_run_opts){.merge = true, .timeout_ms = 300000}, &r) < 0)
		fail_msg("cannot run node: %s", strerror(errno));
	print_message("%s", r.out);
	int st = r.status;
	iso_run_result_release(&r);
	if (st != 0)
		fail_msg("client case '%s' exited %d", name, st);
}

static void test_protocol(void **state)
{
	run_case("protocol");
}

static void test_schemas(void **state)
{
	run_case("schemas");
}

static void test_lifecycle(void **state)
{
	char w[80];
	run_case("lifecycle");
	snprintf(w, sizeof(w), "%s-life", prefix);
	ptest_wo_assert_gone("hub", w);
}

/* The cancelled up: the client waited for the server's exit, which waits for the clean-up. */
static void test_cancel(void **state)
{
	char w[80];
	run_case("cancel");
	snprintf(w, sizeof(w), "%s-cancel", prefix);
	ptest_wo_assert_gone("hub", w);
}

/* SIGTERM while an up runs: the server exits 0 once the up's clean-up is done. */
static void test_sigterm(void **state)
{
	char w[80];
	run_case("sigterm");
	snprintf(w, sizeof(w), "%s-term", prefix);
	ptest_wo_assert_gone("hub", w);
}

/* The test tool: its report on passed, failed (isError) and no tests ran (isError). */
static void test_test_tool(void **state)
{
	char w[80];
	run_case("testtool");
	snprintf(w, sizeof(w), "%s-test", prefix);
	ptest_wo_assert_gone("hub", w);
}

static void test_overlap(void **state)
{
	run_case("overlap");
}

static void test_same_work_order(void **state)
{
	char w[80];
	run_case("samewo");
	snprintf(w, sizeof(w), "%s-same", prefix);
	ptest_wo_assert_gone("hub", w);
}

/* The ls cache: Podman is then asked that the volume made outside the server is gone. */
static void test_ls_cache(void **state)
{
	char w[80];
	run_case("cache");
	snprintf(w, sizeof(w), "%s-cache", prefix);
	ptest_wo_assert_gone("hub", w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol),  cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_lifecycle), cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_sigterm),   cmocka_unit_test(test_test_tool),
		cmocka_unit_test(test_overlap),   cmocka_unit_test(test_same_work_order),
		cmocka_unit_test(test_ls_cache),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
