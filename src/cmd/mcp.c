/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_mcp.c - `isopod mcp`: the MCP server's loop and dispatch (design in
 * include/mcp/mcp.h).  One thread; each tools/call in a forked child that
 * runs the cmd_* function in-process and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "cmd/cmd.h"
#include "mcp/mcp.h"

#define MAX_CALLS 64
#define CAP_OUT (256 * 1024)
#define LINE_MAX_BYTES (4 * 1024 * 1024)
#define HEARTBEAT_MS 1500

/* The commands a tool may run; test and odoo are weak until their commands land. */
int cmd_test(int argc, char **argv, const struct iso_globals *g) __attribute__((weak));
int cmd_odoo(int argc, char **argv, const struct iso_globals *g) __attribute__((weak));

static iso_cmd_fn verb_fn(const char *verb)
{
	static const struct {
		const char *verb;
		iso_cmd_fn fn;
	} t[] = {{"up", cmd_up},
		 {"down", cmd_down},
		 {"ls", cmd_ls},
		 {"status", cmd_status},
		 {"logs", cmd_logs},
		 {"exec", cmd_exec},
		 {"verify", cmd_verify},
		 {"ports", cmd_ports},
		 {"doctor", cmd_doctor},
		 {"version", cmd_version},
		 {"template", cmd_template},
		 {"snapshot", cmd_snapshot},
		 {"snapshots", cmd_snapshots},
		 {"restore", cmd_restore},
		 {"reset", cmd_reset}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].verb, verb))
			return t[i].fn;
	if (!strcmp(verb, "test"))
		return cmd_test;
	if (!strcmp(verb, "odoo"))
		return cmd_odoo;
	return NULL;
}

struct buf {
	char *p;
	size_t len, cap;
	int truncated;
};

static void buf_add(struct buf *b, const char *s, size_t n, size_t limit)
{
	if (b->len + n > limit) {
		b->truncated = 1;
		n = limit > b->len ? limit - b->len : 0;
	}
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

struct call {
	pid_t pid;
	int out, err;  /* read ends, -1 when closed */
	iso_json *req; /* the request: its id and progress token */
	const struct mcp_tool *tool;
	struct buf o, e, eline;
	long progress;
	int64_t last_ms;
	char step[256];
	int cancelled;
};

static struct call calls[MAX_CALLS];
static int sigpipe_w = -1;

static void on_sig(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (write(sigpipe_w, &c, 1) < 0) {
	}
	errno = saved;
}

static void send_tools(const iso_json *id)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	mcp_head(g, id);
	iso_jgen_key(g, "result");
	iso_jgen_map_open(g);
	iso_jgen_key(g, "tools");
	iso_jgen_array_open(g);
	for (const struct mcp_tool *t = mcp_tools; t->name; t++)
		if (verb_fn(t->verb))
			mcp_tool_json(g, t);
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	mcp_send_doc(g);
}

/* In the child: the command in-process with stdout/stderr on the pipes; never returns. */
static void child_run(const struct mcp_tool *t, char **argv, int argc, int out, int err)
{
	struct sigaction sa = {0};
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	for (int i = 0; i < MAX_CALLS; i++) {
		if (calls[i].out >= 0 && calls[i].pid)
			close(calls[i].out);
		if (calls[i].err >= 0 && calls[i].pid)
			close(calls[i].err);
	}
	close(out);
	close(err);
	struct iso_globals g = {.json = 1, .progress = PROGRESS_REQ_JSON};
	int rc = verb_fn(t->verb)(argc, argv, &g);
	fflush(NULL);
	_exit(rc & 0xff);
}

static void start_call(iso_json *req, const struct mcp_tool *t, const iso_json *args)
{
	const iso_json *id = iso_json_get(req, "id");
	struct iso_error *e = NULL;
	char **argv = NULL;
	int argc = 0, slot = -1;
	if (mcp_tool_argv(t, args, &argv, &argc, &e) < 0) {
		mcp_send_error_doc(id, "usage", 2, e->msg);
		iso_error_free(e);
		iso_json_free(req);
		return;
	}
	for (int i = 0; i < MAX_CALLS && slot < 0; i++)
		if (!calls[i].pid)
			slot = i;
	int po[2], pe[2];
	if (slot < 0 || pipe2(po, O_CLOEXEC) < 0) {
		mcp_send_error_doc(id, "internal", 1, "too many calls in flight; wait for one to finish");
		goto out;
	}
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]), close(po[1]);
		mcp_send_error_doc(id, "internal", 1, "pipe failed");
		goto out;
	}
	pid_t pid = fork();
	if (pid == 0)
		child_run(t, argv, argc, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]), close(pe[0]);
		mcp_send_error_doc(id, "internal", 1, "fork failed");
		goto out;
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	struct call *c = &calls[slot];
	*c = (struct call){.pid = pid, .out = po[0], .err = pe[0], .req = req, .tool = t, .last_ms = iso_now_ms()};
	req = NULL;
out:
	free(argv);
	iso_json_free(req);
}

static const iso_json *progress_token(const struct call *c)
{
	return iso_json_path(c->req, "params", "_meta", "progressToken", NULL);
}

static void send_progress(struct call *c, const char *msg)
{
	const iso_json *tok = progress_token(c);
	if (!tok || c->cancelled)
		return;
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "jsonrpc", "2.0");
	iso_jgen_kv_string(g, "method", "notifications/progress");
	iso_jgen_key(g, "params");
	iso_jgen_map_open(g);
	iso_jgen_key(g, "progressToken");
	iso_jgen_value(g, tok);
	iso_jgen_kv_int(g, "progress", ++c->progress);
	iso_jgen_kv_string(g, "message", msg);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	mcp_send_doc(g);
	c->last_ms = iso_now_ms();
}

/* One stderr line of the child: a progress event, else a log line passed on to our stderr. */
static void child_line(struct call *c, const char *line, size_t len)
{
	if (c->tool->flags & MCP_CAPTURE) {
		buf_add(&c->e, line, len, CAP_OUT);
		buf_add(&c->e, "\n", 1, CAP_OUT);
		return;
	}
	cleanup_json iso_json *ev = iso_json_parse(line, len, 0, ISO_E_INTERNAL, "progress", NULL);
	const char *step = iso_json_get_string(ev, "step"), *msg = iso_json_get_string(ev, "message");
	if (!step || !msg) {
		fprintf(stderr, "%.*s\n", (int)len, line);
		return;
	}
	snprintf(c->step, sizeof(c->step), "%s: %s", step, msg);
	send_progress(c, c->step);
}

static void drain_err(struct call *c)
{
	char b[16384];
	ssize_t k;
	while (c->err >= 0 && (k = read(c->err, b, sizeof(b))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close(c->err), c->err = -1;
			return;
		}
		buf_add(&c->eline, b, (size_t)k, LINE_MAX_BYTES);
		char *nl;
		while ((nl = memchr(c->eline.p, '\n', c->eline.len))) {
			size_t n = (size_t)(nl - c->eline.p);
			child_line(c, c->eline.p, n);
			memmove(c->eline.p, nl + 1, c->eline.len - n - 1);
			c->eline.len -= n + 1;
		}
	}
	if (c->err >= 0 && k == 0)
		close(c->err), c->err = -1;
}

static void drain_out(struct call *c)
{
	char b[16384];
	ssize_t k;
	while (c->out >= 0 && (k = read(c->out, b, sizeof(b))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close(c->out), c->out = -1;
			return;
		}
		buf_add(&c->o, b, (size_t)k, (c->tool->flags & MCP_CAPTURE) ? CAP_OUT : LINE_MAX_BYTES);
	}
	if (c->out >= 0 && k == 0)
		close(c->out), c->out = -1;
}

static int is_verdict(const struct mcp_tool *t, int rc)
{
	for (int i = 0; i < 3 && t->verdict_codes[i]; i++)
		if (t->verdict_codes[i] == rc)
			return 1;
	return 0;
}

/* exec/odoo: the captured streams as {exit_code, stdout, stderr, truncated}. */
static void finish_capture(struct call *c, const iso_json *id, int rc)
{
	/* isopod's own failure (125) ends stdout with the error document. */
	const char *o = c->o.p ? c->o.p : "";
	size_t len = c->o.len;
	while (len && o[len - 1] == '\n')
		len--;
	const char *last = len ? (const char *)memrchr(o, '\n', len) : NULL;
	last = last ? last + 1 : o;
	cleanup_json iso_json *doc = NULL;
	if (rc == 125 && len)
		doc = iso_json_parse(last, len - (size_t)(last - o), 0, ISO_E_INTERNAL, "error", NULL);
	if (iso_json_get(doc, "error") && (!strcmp(c->tool->verb, "exec"))) {
		mcp_send_result(id, last, len - (size_t)(last - o), NULL, 1);
		return;
	}
	if (c->tool->verb[0] == 'o' && len) {
		/* odoo --json prints its own {exit_code, stdout, stderr, truncated} document. */
		cleanup_json iso_json *d = iso_json_parse(o, c->o.len, 0, ISO_E_INTERNAL, "odoo", NULL);
		if (iso_json_get(d, "error") || !iso_json_is(d, ISO_JSON_OBJECT)) {
			mcp_send_result(id, o, c->o.len, NULL, 1);
			return;
		}
		mcp_send_result(id, o, c->o.len, d, 0);
		return;
	}
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_int(g, "exit_code", rc);
	iso_jgen_key(g, "stdout");
	iso_jgen_stringn(g, o, c->o.len);
	iso_jgen_key(g, "stderr");
	iso_jgen_stringn(g, c->e.p ? c->e.p : "", c->e.len);
	iso_jgen_kv_bool(g, "truncated", c->o.truncated || c->e.truncated);
	iso_jgen_map_close(g);
	size_t n;
	const char *t = iso_jgen_finish(g, &n, NULL);
	cleanup_json iso_json *st = iso_json_parse(t, n, 0, ISO_E_INTERNAL, "exec", NULL);
	mcp_send_result(id, t, n, st, 0);
}

static void finish_call(struct call *c, int status)
{
	drain_out(c);
	drain_err(c);
	if (c->eline.len)
		child_line(c, c->eline.p, c->eline.len);
	const iso_json *id = iso_json_get(c->req, "id");
	if (c->cancelled) {
		/* cancelled: no response */
	} else if (WIFSIGNALED(status)) {
		char msg[128];
		snprintf(msg, sizeof(msg), "the call of '%s' died of signal %d (%s); the server goes on", c->tool->name,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
		mcp_send_error_doc(id, "internal", 1, msg);
	} else if (c->tool->flags & MCP_CAPTURE) {
		finish_capture(c, id, WEXITSTATUS(status));
	} else {
		int rc = WEXITSTATUS(status);
		const char *o = c->o.p ? c->o.p : "";
		cleanup_json iso_json *doc = iso_json_parse(o, c->o.len, 0, ISO_E_INTERNAL, "document", NULL);
		int err_doc = iso_json_get(doc, "error") != NULL && !is_verdict(c->tool, rc);
		if (!iso_json_is(doc, ISO_JSON_OBJECT)) {
			char msg[160];
			snprintf(msg, sizeof(msg), "'%s' exited %d without a JSON document", c->tool->name, rc);
			mcp_send_error_doc(id, rc ? "internal" : "internal", rc ? rc : 1, msg);
		} else if (rc == 0 || (is_verdict(c->tool, rc) && !err_doc))
			mcp_send_result(id, o, c->o.len, doc, rc != 0);
		else
			mcp_send_result(id, o, c->o.len, NULL, 1);
	}
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	free(c->o.p), free(c->e.p), free(c->eline.p);
	iso_json_free(c->req);
	*c = (struct call){.out = -1, .err = -1};
}

static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < MAX_CALLS; i++)
			if (calls[i].pid == pid)
				finish_call(&calls[i], status);
}

static void cancel(const iso_json *params)
{
	const iso_json *rid = iso_json_get(params, "requestId");
	const char *s = iso_json_string(rid), *n = iso_json_number_text(rid);
	for (int i = 0; i < MAX_CALLS; i++) {
		const iso_json *id = iso_json_get(calls[i].req, "id");
		if (!calls[i].pid || calls[i].cancelled)
			continue;
		if ((s && iso_json_string(id) && !strcmp(s, iso_json_string(id))) ||
		    (n && iso_json_number_text(id) && !strcmp(n, iso_json_number_text(id)))) {
			calls[i].cancelled = 1;
			kill(calls[i].pid, SIGINT);
		}
	}
}

static void handle(const char *line, size_t len)
{
	struct iso_error *e = NULL;
	iso_json *req = iso_json_parse(line, len, 0, ISO_E_USAGE, "message", &e);
	if (!req) {
		mcp_send_error(NULL, -32700, e && e->msg ? e->msg : "parse error");
		iso_error_free(e);
		return;
	}
	const char *m = iso_json_get_string(req, "method");
	const iso_json *id = iso_json_get(req, "id"), *params = iso_json_get(req, "params");
	if (!m) {
		if (id && !iso_json_get(req, "result") && !iso_json_get(req, "error"))
			mcp_send_error(id, -32600, "invalid request: no method");
	} else if (!strcmp(m, "initialize"))
		mcp_send_initialize(id, params);
	else if (!strcmp(m, "ping")) {
		cleanup_jgen iso_jgen *g = iso_jgen_new(0);
		mcp_head(g, id);
		iso_jgen_key(g, "result");
		iso_jgen_map_open(g);
		iso_jgen_map_close(g);
		iso_jgen_map_close(g);
		mcp_send_doc(g);
	} else if (!strcmp(m, "tools/list"))
		send_tools(id);
	else if (!strcmp(m, "notifications/cancelled"))
		cancel(params);
	else if (!strncmp(m, "notifications/", 14))
		; /* initialized and the rest: nothing to answer */
	else if (!strcmp(m, "tools/call")) {
		const char *name = iso_json_get_string(params, "name");
		const struct mcp_tool *t = mcp_tool_find(name);
		if (!t || !verb_fn(t->verb)) {
			char msg[256];
			snprintf(msg, sizeof(msg), "unknown tool '%s'; 'tools/list' lists them", name ? name : "");
			mcp_send_error(id, -32602, msg);
		} else {
			start_call(req, t, iso_json_get(params, "arguments"));
			return;
		}
	} else if (id)
		mcp_send_error(id, -32601, "method not found");
	iso_json_free(req);
}

static int in_flight(void)
{
	int n = 0;
	for (int i = 0; i < MAX_CALLS; i++)
		n += calls[i].pid != 0;
	return n;
}

/* SIGINT to every call in flight (they remove what they made), then wait for them all. */
static void cancel_all(void)
{
	for (int i = 0; i < MAX_CALLS; i++)
		if (calls[i].pid) {
			calls[i].cancelled = 1;
			kill(calls[i].pid, SIGINT);
		}
	while (in_flight()) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno != EINTR)
			break;
		for (int i = 0; pid > 0 && i < MAX_CALLS; i++)
			if (calls[i].pid == pid)
				finish_call(&calls[i], status);
	}
}

static void heartbeats(void)
{
	int64_t now = iso_now_ms();
	for (int i = 0; i < MAX_CALLS; i++)
		if (calls[i].pid && now - calls[i].last_ms >= HEARTBEAT_MS)
			send_progress(&calls[i], calls[i].step[0] ? calls[i].step : "working");
}

/* Read what stdin has; each whole line is a message.  0 at EOF. */
static int read_stdin(struct buf *in)
{
	char b[65536];
	ssize_t k = read(STDIN_FILENO, b, sizeof(b));
	if (k < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (k == 0)
		return 0;
	buf_add(in, b, (size_t)k, LINE_MAX_BYTES);
	char *nl;
	size_t off = 0;
	while ((nl = memchr(in->p + off, '\n', in->len - off))) {
		size_t n = (size_t)(nl - (in->p + off));
		if (n && !(n == 1 && in->p[off] == '\r'))
			handle(in->p + off, n);
		off += n + 1;
	}
	memmove(in->p, in->p + off, in->len - off);
	in->len -= off;
	if (in->truncated) {
		mcp_send_error(NULL, -32700, "message longer than 4 MiB");
		in->len = 0, in->truncated = 0;
	}
	return 1;
}

static int serve(int sigr)
{
	struct buf in = {0};
	struct pollfd fds[2 + 2 * MAX_CALLS];
	int open_in = 1, term = 0;
	while (open_in && !term) {
		int n = 0;
		fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = sigr, .events = POLLIN};
		for (int i = 0; i < MAX_CALLS; i++) {
			if (calls[i].out >= 0)
				fds[n++] = (struct pollfd){.fd = calls[i].out, .events = POLLIN};
			if (calls[i].err >= 0)
				fds[n++] = (struct pollfd){.fd = calls[i].err, .events = POLLIN};
		}
		if (poll(fds, (nfds_t)n, 500) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			open_in = read_stdin(&in);
		if (fds[1].revents) {
			unsigned char s[64];
			ssize_t k = read(sigr, s, sizeof(s));
			for (ssize_t i = 0; i < k; i++)
				term |= s[i] == SIGTERM || s[i] == SIGHUP;
		}
		for (int i = 0; i < MAX_CALLS; i++)
			if (calls[i].pid)
				drain_out(&calls[i]), drain_err(&calls[i]);
		reap();
		heartbeats();
	}
	cancel_all();
	free(in.p);
	return 0;
}

static const struct cli_help mcp_help = {
	"usage: isopod mcp\n\n"
	"Serve the Model Context Protocol (revision 2025-11-25) on stdin/stdout: one JSON-RPC\n"
	"message a line, a tool for each command (tools/list shows them).  Register it with an\n"
	"MCP client as {\"command\": \"isopod\", \"args\": [\"mcp\"]}.  Logs go to stderr.  It ends\n"
	"at the end of stdin or on SIGTERM, after interrupting the calls in flight.\n\n",
	"Exit codes: 0 stdin ended, 1 internal, 2 bad usage.\n",
};

int cmd_mcp(int argc, char **argv, const struct iso_globals *g)
{
	const struct cli_option opts[] = {CLI_OPT_END()};
	int rc, n = cli_parse(argc, argv, opts, &mcp_help, CLI_NO_ARGS, g, &rc);
	if (n < 0)
		return rc;
	int sp[2];
	if (pipe2(sp, O_CLOEXEC | O_NONBLOCK) < 0)
		return 1;
	sigpipe_w = sp[1];
	for (int i = 0; i < MAX_CALLS; i++)
		calls[i] = (struct call){.out = -1, .err = -1};
	struct sigaction sa = {0};
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	rc = serve(sp[0]);
	close(sp[0]);
	close(sp[1]);
	return rc;
}
