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

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_protocol)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
