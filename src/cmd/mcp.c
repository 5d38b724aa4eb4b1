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
#include "cmd/mcp_watch.h"
#include "mcp/mcp.h"
#include "podman/transport.h"

#define MAX_CALLS 64
#define CAP_OUT (256 * 1024)
#define LINE_MAX_BYTES (4 * 1024 * 1024)
#define HEARTBEAT_MS 1000
#define TICK_MS 250

/* The commands a tool may run. */
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
		 {"reset", cmd_reset},
		 {"odoo", cmd_odoo},
		 {"test", cmd_test}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].verb, verb))
			return t[i].fn;
	return NULL;
}

enum call_state { CALL_FREE, CALL_WAITING, CALL_RUNNING };

struct call {
	enum call_state state;
	pid_t pid;
	int out, err;  /* read ends, -1 when closed */
	iso_json *req; /* the request: its id, arguments and progress token */
	const struct mcp_tool *tool;
	const char *wo; /* an MCP_LOCKS tool's work_order (borrowed from req), else NULL */
	unsigned long seq;
	struct mcp_buf o, e, eline;
	long progress;
	int64_t last_ms;
	char step[256];
	int cancelled;
};

static struct call calls[MAX_CALLS];
static unsigned long next_seq;
static int sigpipe_r = -1, sigpipe_w = -1;
static int cache_on; /* the ls cache (include/mcp/mcp.h) */

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

/* In a child: the server's ends of the calls' pipes closed. */
static void close_call_fds(void)
{
	for (int i = 0; i < MAX_CALLS; i++) {
		if (calls[i].out >= 0)
			close(calls[i].out);
		if (calls[i].err >= 0)
			close(calls[i].err);
	}
}

/* In the watcher: every fd of the server's but stdio closed (the calls' pipes, the signal pipe). */
static void close_server_fds(void)
{
	close_call_fds();
	close(sigpipe_r);
	close(sigpipe_w);
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
	close_call_fds();
	close(out);
	close(err);
	if (cache_on && !strcmp(t->name, "ls"))
		mcp_watch_use_cache();
	struct iso_globals g = {.json = 1, .progress = PROGRESS_REQ_JSON};
	int rc = verb_fn(t->verb)(argc, argv, &g);
	fflush(NULL);
	_exit(rc & 0xff);
}

static const iso_json *call_id(const struct call *c)
{
	return iso_json_get(c->req, "id");
}

static void call_free(struct call *c)
{
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	mcp_buf_release(&c->o), mcp_buf_release(&c->e), mcp_buf_release(&c->eline);
	iso_json_free(c->req);
	*c = (struct call){.out = -1, .err = -1};
}

/* Fork the child of C (its arguments were checked when it came); an error result frees C. */
static void launch(struct call *c)
{
	const iso_json *args = iso_json_path(c->req, "params", "arguments", NULL);
	struct iso_error *e = NULL;
	char **argv = NULL;
	int argc = 0, po[2] = {-1, -1}, pe[2] = {-1, -1};
	const char *why = NULL;
	if (mcp_tool_argv(c->tool, args, &argv, &argc, &e) < 0) {
		mcp_send_error_doc(call_id(c), "usage", 2, e->msg);
		iso_error_free(e);
		call_free(c);
		return;
	}
	pid_t pid = -1;
	if (cache_on && !strcmp(c->tool->name, "ls"))
		mcp_watch_ensure(close_server_fds);
	/* signals wait until the child has its own handlers: a cancel's SIGINT is never lost */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
		why = "cannot make a pipe for the call; the server is out of descriptors";
	else if ((pid = fork()) == 0)
		child_run(c->tool, argv, argc, po[1], pe[1]);
	else if (pid < 0)
		why = "cannot fork the call; the host is out of processes or memory";
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(argv);
	for (int i = 0; i < 2; i++)
		if (po[i] >= 0 && (why || i == 1))
			close(po[i]);
	for (int i = 0; i < 2; i++)
		if (pe[i] >= 0 && (why || i == 1))
			close(pe[i]);
	if (why) {
		mcp_send_error_doc(call_id(c), "internal", 1, why);
		call_free(c);
		return;
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	c->state = CALL_RUNNING, c->pid = pid, c->out = po[0], c->err = pe[0];
	c->step[0] = '\0';
}

/* A call of the same work order before C (running, or waiting and older): C waits for it. */
static int wo_held(const struct call *c)
{
	for (int i = 0; c->wo && i < MAX_CALLS; i++) {
		const struct call *o = &calls[i];
		if (o == c || o->state == CALL_FREE || !o->wo || strcasecmp(o->wo, c->wo))
			continue;
		if (o->state == CALL_RUNNING || o->seq < c->seq)
			return 1;
	}
	return 0;
}

/* The waiting calls whose work order is free now, oldest first. */
static void start_waiting(void)
{
	for (;;) {
		struct call *best = NULL;
		for (int i = 0; i < MAX_CALLS; i++)
			if (calls[i].state == CALL_WAITING && !wo_held(&calls[i]) &&
			    (!best || calls[i].seq < best->seq))
				best = &calls[i];
		if (!best)
			return;
		launch(best);
	}
}

static void start_call(iso_json *req, const struct mcp_tool *t, const iso_json *args)
{
	struct iso_error *e = NULL;
	char **argv = NULL;
	int argc = 0;
	if (mcp_tool_argv(t, args, &argv, &argc, &e) < 0) {
		mcp_send_error_doc(iso_json_get(req, "id"), "usage", 2, e->msg);
		iso_error_free(e);
		iso_json_free(req);
		return;
	}
	free(argv);
	struct call *c = NULL;
	for (int i = 0; i < MAX_CALLS && !c; i++)
		if (calls[i].state == CALL_FREE)
			c = &calls[i];
	if (!c) {
		mcp_send_error_doc(iso_json_get(req, "id"), "internal", 1,
				   "too many calls in flight; wait for one to finish");
		iso_json_free(req);
		return;
	}
	*c = (struct call){.state = CALL_WAITING,
			   .out = -1,
			   .err = -1,
			   .req = req,
			   .tool = t,
			   .seq = ++next_seq,
			   .last_ms = iso_now_ms()};
	c->wo = (t->flags & MCP_LOCKS) ? iso_json_get_string(args, "work_order") : NULL;
	if (wo_held(c))
		snprintf(c->step, sizeof(c->step), "waiting: a call before this one holds work order '%s'", c->wo);
	else
		launch(c);
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
		mcp_buf_add(&c->e, line, len, CAP_OUT);
		mcp_buf_add(&c->e, "\n", 1, CAP_OUT);
	} else if (mcp_progress_step(line, len, c->step, sizeof(c->step)))
		send_progress(c, c->step);
	else
		fprintf(stderr, "%.*s\n", (int)len, line);
}

/* Read what FD has into B (LIMIT bytes kept); close it at EOF or on an error. */
static void drain(int *fd, struct mcp_buf *b, size_t limit)
{
	char tmp[16384];
	ssize_t k = 1;
	while (*fd >= 0 && (k = read(*fd, tmp, sizeof(tmp))) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		mcp_buf_add(b, tmp, (size_t)k, limit);
	}
	if (*fd >= 0 && (k == 0 || (k < 0 && errno != EAGAIN)))
		close(*fd), *fd = -1;
}

static void drain_call(struct call *c)
{
	drain(&c->out, &c->o, (c->tool->flags & MCP_CAPTURE) ? CAP_OUT : LINE_MAX_BYTES);
	drain(&c->err, &c->eline, LINE_MAX_BYTES);
	char *nl;
	while (c->eline.len && (nl = memchr(c->eline.p, '\n', c->eline.len))) {
		size_t n = (size_t)(nl - c->eline.p);
		child_line(c, c->eline.p, n);
		memmove(c->eline.p, nl + 1, c->eline.len - n - 1);
		c->eline.len -= n + 1;
	}
}

/* The child of C ended with STATUS: its last progress, then the result (none when cancelled). */
static void finish_call(struct call *c, int status)
{
	drain_call(c);
	if (c->eline.len)
		child_line(c, c->eline.p, c->eline.len);
	if (!(c->tool->flags & MCP_READONLY))
		mcp_cache_invalidate(); /* before the response: an ls after it asks Podman */
	if (!c->cancelled)
		mcp_send_call_result(call_id(c), c->tool, status, &c->o, &c->e);
	call_free(c);
}

static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; !mcp_watch_reaped(pid) && i < MAX_CALLS; i++)
			if (calls[i].state == CALL_RUNNING && calls[i].pid == pid)
				finish_call(&calls[i], status);
	start_waiting();
}

static int same_id(const iso_json *a, const iso_json *b)
{
	const char *s = iso_json_string(a), *n = iso_json_number_text(a);
	return (s && iso_json_string(b) && !strcmp(s, iso_json_string(b))) ||
	       (n && iso_json_number_text(b) && !strcmp(n, iso_json_number_text(b)));
}

/* notifications/cancelled: SIGINT to a running call (it removes what it made), a waiting one dropped. */
static void cancel(const iso_json *params)
{
	const iso_json *rid = iso_json_get(params, "requestId");
	for (int i = 0; rid && i < MAX_CALLS; i++) {
		struct call *c = &calls[i];
		if (c->state == CALL_FREE || c->cancelled || !same_id(rid, call_id(c)))
			continue;
		if (c->state == CALL_WAITING) {
			call_free(c);
			continue;
		}
		c->cancelled = 1;
		kill(c->pid, SIGINT);
	}
	start_waiting();
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
		n += calls[i].state != CALL_FREE;
	return n;
}

/* Drop the waiting calls, SIGINT to the running ones (they remove what they made), wait for them all. */
static void cancel_all(void)
{
	mcp_watch_stop();
	for (int i = 0; i < MAX_CALLS; i++) {
		if (calls[i].state == CALL_WAITING)
			call_free(&calls[i]);
		if (calls[i].state == CALL_RUNNING) {
			calls[i].cancelled = 1;
			kill(calls[i].pid, SIGINT);
		}
	}
	while (in_flight()) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno != EINTR)
			break;
		for (int i = 0; pid > 0 && i < MAX_CALLS; i++)
			if (calls[i].state == CALL_RUNNING && calls[i].pid == pid)
				finish_call(&calls[i], status);
	}
}

/* Progress at least every HEARTBEAT_MS: the step last seen again (or the wait) while nothing new came. */
static void heartbeats(void)
{
	int64_t now = iso_now_ms();
	for (int i = 0; i < MAX_CALLS; i++)
		if (calls[i].state != CALL_FREE && now - calls[i].last_ms >= HEARTBEAT_MS)
			send_progress(&calls[i], calls[i].step[0] ? calls[i].step : "working");
}

/* Read what stdin has; each whole line is a message.  0 at EOF. */
static int read_stdin(struct mcp_buf *in)
{
	char b[65536];
	ssize_t k = read(STDIN_FILENO, b, sizeof(b));
	if (k < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (k == 0)
		return 0;
	mcp_buf_add(in, b, (size_t)k, LINE_MAX_BYTES);
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
	struct mcp_buf in = {0};
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
		/* idle: no wake-ups; with calls in flight a tick for the heartbeats */
		if (poll(fds, (nfds_t)n, in_flight() ? TICK_MS : -1) < 0 && errno != EINTR)
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
			if (calls[i].state == CALL_RUNNING)
				drain_call(&calls[i]);
		reap();
		heartbeats();
	}
	cancel_all();
	mcp_buf_release(&in);
	return 0;
}

/*
 * libcurl's global initialisation (TLS included) once, here, so every call's
 * child inherits it instead of paying it per call.  A transport to a path
 * nobody listens on is made and freed: nothing is connected.
 */
static void warm_transport(void)
{
	struct podman_endpoint ep;
	if (podman_endpoint_parse("unix:///nonexistent/isopod-mcp-warm.sock", &ep, NULL) < 0)
		return;
	podman_transport_free(podman_transport_curl_new(&ep, NULL, NULL));
	podman_endpoint_release(&ep);
}

static const struct cli_help mcp_help = {
	"usage: isopod mcp\n\n"
	"Serve the Model Context Protocol (revision 2025-11-25) on stdin/stdout: one JSON-RPC\n"
	"message a line, a tool for each command (tools/list shows them).  Register it with an\n"
	"MCP client as {\"command\": \"isopod\", \"args\": [\"mcp\"]}.  Logs go to stderr.  It ends\n"
	"at the end of stdin or on SIGTERM, after interrupting the calls in flight.  ls answers\n"
	"from a cache of Podman's listings that Podman's events and the server's own calls keep\n"
	"true (ISOPOD_MCP_CACHE=0: no cache).\n\n",
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
	sigpipe_r = sp[0], sigpipe_w = sp[1];
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
	warm_transport();
	const char *cache = getenv("ISOPOD_MCP_CACHE");
	cache_on = !(cache && !strcmp(cache, "0")) && mcp_cache_init() == 0;
	rc = serve(sp[0]);
	mcp_cache_release();
	close(sp[0]);
	close(sp[1]);
	return rc;
}
