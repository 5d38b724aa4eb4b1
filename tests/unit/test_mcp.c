/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mcp.c - `isopod mcp` at the protocol level: spawn it, talk JSON-RPC
 * over pipes, check each answer (no Podman needed: only `version --no-start`
 * style calls that fail cleanly are made).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/json.h"
#include "mcp/mcp.h"

struct srv {
	pid_t pid;
	FILE *in, *out;
};

static void srv_start(struct srv *s)
{
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	s->pid = fork();
	if (s->pid == 0) {
		dup2(a[0], 0);
		dup2(b[1], 1);
		close(a[1]), close(b[0]);
		execl(ISO_ISOPOD_BIN, "isopod", "mcp", (char *)NULL);
		_exit(127);
	}
	close(a[0]), close(b[1]);
	s->in = fdopen(a[1], "w");
	s->out = fdopen(b[0], "r");
}

/* Send LINE, read one line of answer into BUF. */
static const char *rpc(struct srv *s, const char *line, char *buf, size_t size)
{
	fprintf(s->in, "%s\n", line);
	fflush(s->in);
	assert_non_null(fgets(buf, (int)size, s->out));
	return buf;
}

static void srv_stop(struct srv *s)
{
	fclose(s->in);
	int status;
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fclose(s->out);
}

static void test_protocol(void **state)
{
	(void)state;
	static char buf[1 << 20];
	struct srv s;
	srv_start(&s);
	rpc(&s,
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"}}",
	    buf, sizeof buf);
	assert_non_null(strstr(buf, "\"protocolVersion\":\"2025-06-18\""));
	fprintf(s.in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
	rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", buf, sizeof buf);
	assert_non_null(strstr(buf, "\"id\":2,\"result\":{}"));
	rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}", buf, sizeof buf);
	assert_non_null(strstr(buf, "\"name\":\"ls\""));
	assert_non_null(strstr(buf, "\"outputSchema\""));
	rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"no/such\"}", buf, sizeof buf);
	assert_non_null(strstr(buf, "-32601"));
	rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}", buf,
	    sizeof buf);
	assert_non_null(strstr(buf, "-32602"));
	rpc(&s, "{not json", buf, sizeof buf);
	assert_non_null(strstr(buf, "-32700"));
	rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}", buf, sizeof buf);
	assert_non_null(strstr(buf, "\"id\":6,\"result\":{}"));
	rpc(&s,
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"down\",\"arguments\":"
	    "{\"work_order\":\"T-1\",\"cleanup\":true}}}",
	    buf, sizeof buf);
	assert_non_null(strstr(buf, "\"isError\":true"));
	assert_non_null(strstr(buf, "confirm"));
	rpc(&s,
	    "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"status\",\"arguments\":"
	    "{\"work_order\":7}}}",
	    buf, sizeof buf);
	assert_non_null(strstr(buf, "\"isError\":true"));
	assert_null(strstr(buf, "structuredContent"));
	/* version: the client's version in the document, whatever Podman answers. */
	rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"version\"}}", buf,
	    sizeof buf);
	assert_non_null(strstr(buf, "\"id\":9,\"result\""));
	assert_non_null(strstr(buf, ISOPOD_VERSION));
	srv_stop(&s);
}

/* ARGS (JSON text) of TOOL as one command line joined by spaces into BUF; -1 on a usage error. */
static int argv_of(const char *tool, const char *args, char *buf, size_t size)
{
	const struct mcp_tool *t = mcp_tool_find(tool);
	assert_non_null(t);
	iso_json *a = iso_json_parse(args, strlen(args), 0, ISO_E_USAGE, "args", NULL);
	char **v = NULL;
	int n = 0;
	struct iso_error *e = NULL;
	int rc = mcp_tool_argv(t, a, &v, &n, &e);
	buf[0] = '\0';
	for (int i = 0; rc == 0 && i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " " : "", v[i]);
	if (rc < 0)
		snprintf(buf, size, "%s", e->msg);
	iso_error_free(e);
	free(v);
	iso_json_free(a);
	return rc;
}

static void test_argv(void **state)
{
	(void)state;
	char b[512];
	assert_int_equal(argv_of("test",
				 "{\"work_order\":\"W\",\"modules\":[\"sale\",\"stock\"],\"tags\":\"/sale\","
				 "\"install\":true,\"junit\":\"/tmp/j.xml\",\"timeout\":60}",
				 b, sizeof b),
			 0);
	assert_string_equal(b, "test W --tags /sale --install --junit /tmp/j.xml --timeout 60 --json sale stock");
	assert_int_equal(argv_of("exec", "{\"work_order\":\"W\",\"argv\":[\"ls\",\"-l\"]}", b, sizeof b), 0);
	assert_string_equal(b, "exec W --json -- ls -l");
	assert_int_equal(argv_of("odoo", "{\"work_order\":\"W\",\"args\":[\"shell\"]}", b, sizeof b), 0);
	assert_string_equal(b, "odoo W --json -- shell");
	assert_int_equal(argv_of("down", "{\"work_order\":\"W\",\"cleanup\":true,\"confirm\":true}", b, sizeof b), 0);
	assert_string_equal(b, "down W --cleanup --json");
	assert_int_equal(argv_of("restore", "{\"work_order\":\"W\",\"name\":\"s\"}", b, sizeof b), -1);
	assert_non_null(strstr(b, "confirm"));
	/* the tools that take the work order's lock wait for each other in the server */
	static const char *const locks[] = {"up",      "down",  "snapshot", "snapshot_rm",
					    "restore", "reset", "test",     "odoo"};
	for (const struct mcp_tool *t = mcp_tools; t->name; t++) {
		int want = 0;
		for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
			want |= !strcmp(t->name, locks[i]);
		if (!!(t->flags & MCP_LOCKS) != want)
			fail_msg("tool '%s': MCP_LOCKS %s", t->name, want ? "missing" : "set");
	}
}

/* The result mcp_send_call_result writes for TOOL ending with exit code RC and stdout OUT, into BUF. */
static void result_of(const char *tool, int rc, const char *out, char *buf, size_t size)
{
	int p[2], saved = dup(1);
	assert_int_equal(pipe(p), 0);
	dup2(p[1], 1);
	struct mcp_buf o = {0}, e = {0};
	mcp_buf_add(&o, out, strlen(out), 1 << 20);
	mcp_send_call_result(NULL, mcp_tool_find(tool), (rc & 0xff) << 8, &o, &e);
	mcp_buf_release(&o);
	dup2(saved, 1);
	close(saved), close(p[1]);
	ssize_t k = read(p[0], buf, size - 1);
	buf[k > 0 ? k : 0] = '\0';
	close(p[0]);
}

/* test: the report on 0, 11 (failed) and 12 (no tests ran), isError on 11 and 12; an error document without it. */
static void test_verdicts(void **state)
{
	(void)state;
	char b[4096];
	const char *report = "{\"work_order\":\"w\",\"verdict\":\"failed\"}";
	result_of("test", 0, report, b, sizeof b);
	assert_non_null(strstr(b, "\"structuredContent\""));
	assert_non_null(strstr(b, "\"isError\":false"));
	for (int rc = 11; rc <= 12; rc++) {
		result_of("test", rc, report, b, sizeof b);
		assert_non_null(strstr(b, "\"structuredContent\""));
		assert_non_null(strstr(b, "\"isError\":true"));
	}
	result_of("test", 3, "{\"error\":{\"class\":\"unknown-work-order\",\"code\":3,\"message\":\"m\"}}", b,
		  sizeof b);
	assert_null(strstr(b, "\"structuredContent\""));
	assert_non_null(strstr(b, "\"isError\":true"));
	result_of("verify", 9, report, b, sizeof b);
	assert_non_null(strstr(b, "\"structuredContent\""));
	assert_non_null(strstr(b, "\"isError\":true"));
	result_of("ls", 1, "not json", b, sizeof b);
	assert_null(strstr(b, "\"structuredContent\""));
	assert_non_null(strstr(b, "without a JSON document"));
}

/* Get from the cache: the body (freed here) compared with WANT, or NULL for a miss; the token in *TOK. */
static void expect_get(const char *path, const char *want, uint64_t *tok)
{
	char *b = NULL;
	size_t n = 0;
	int hit = mcp_cache_get(path, &b, &n, tok);
	if (want) {
		assert_int_equal(hit, 1);
		assert_int_equal(n, strlen(want));
		assert_string_equal(b, want);
	} else
		assert_int_equal(hit, 0);
	free(b);
}

/*
 * The ls cache's rules: nothing answers while the watcher is not live;
 * an answer is kept only when no change came since the miss that gave its
 * token; a change (or live going off) makes every answer stale; an answer
 * larger than a slot is not kept; a child's put is seen by the parent; the
 * oldest filled slot is the one reused; no answer outlives its 2 s.
 */
static void test_ls_cache(void **state)
{
	(void)state;
	uint64_t tok, tok2;
	assert_int_equal(mcp_cache_init(), 0);
	expect_get("/pods/json?a", NULL, &tok);
	mcp_cache_put("/pods/json?a", "[1]", 3, tok);
	expect_get("/pods/json?a", NULL, &tok); /* not live: nothing kept, nothing served */

	mcp_cache_set_live(1);
	expect_get("/pods/json?a", NULL, &tok);
	mcp_cache_put("/pods/json?a", "[1]", 3, tok);
	expect_get("/pods/json?a", "[1]", &tok2);
	expect_get("/volumes/json?a", NULL, &tok2);
	mcp_cache_put("/volumes/json?a", "[2]", 3, tok2);
	expect_get("/pods/json?a", "[1]", &tok2);
	expect_get("/volumes/json?a", "[2]", &tok2);

	mcp_cache_invalidate(); /* a change: both stale */
	expect_get("/pods/json?a", NULL, &tok);
	expect_get("/volumes/json?a", NULL, &tok2);
	mcp_cache_invalidate(); /* a change between the miss and the put: the answer is not kept */
	mcp_cache_put("/pods/json?a", "[3]", 3, tok);
	expect_get("/pods/json?a", NULL, &tok);

	char *big = malloc(MCP_CACHE_SLOT_BYTES + 2);
	memset(big, 'x', MCP_CACHE_SLOT_BYTES + 1);
	big[MCP_CACHE_SLOT_BYTES + 1] = 0;
	mcp_cache_put("/pods/json?a", big, MCP_CACHE_SLOT_BYTES + 1, tok);
	expect_get("/pods/json?a", NULL, &tok);
	free(big);

	/* one mapping for every process: a child's put, the parent's get */
	pid_t pid = fork();
	if (pid == 0) {
		mcp_cache_put("/pods/json?a", "[from the child]", 16, tok);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	expect_get("/pods/json?a", "[from the child]", &tok);
	/* more paths than slots: the oldest filled go, the newest MCP_CACHE_SLOTS stay, each still right */
	char p[32];
	for (int i = 0; i < MCP_CACHE_SLOTS + 2; i++) {
		snprintf(p, sizeof(p), "/volumes/json?%d", i);
		expect_get(p, NULL, &tok);
		mcp_cache_put(p, p, strlen(p), tok);
		expect_get(p, p, &tok);
	}
	expect_get("/pods/json?a", NULL, &tok);
	for (int i = 0; i < MCP_CACHE_SLOTS + 2; i++) {
		snprintf(p, sizeof(p), "/volumes/json?%d", i);
		expect_get(p, i < 2 ? NULL : p, &tok);
	}
	/* no answer outlives MCP_CACHE_MAX_AGE_MS, even with no change */
	usleep((MCP_CACHE_MAX_AGE_MS + 50) * 1000);
	expect_get(p, NULL, &tok);
	mcp_cache_put(p, p, strlen(p), tok);
	expect_get(p, p, &tok);
	mcp_cache_set_live(0);
	expect_get(p, NULL, &tok);
	mcp_cache_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_protocol), cmocka_unit_test(test_argv),
					   cmocka_unit_test(test_verdicts), cmocka_unit_test(test_ls_cache)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
