/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mcp/mcp.h - the data of `isopod mcp`, the Model Context Protocol server
 * (revision 2025-11-25) over stdio: the tool table and the embedded output
 * schemas.  src/mcp/ uses only the base layer; the dispatch (which calls
 * the cmd_* functions) lives in src/cmd/mcp.c.
 *
 * Design
 *   - stdio, one JSON-RPC message a line, UTF-8; stdout carries nothing but
 *     messages (written with write(2), never stdio), logs go to stderr.
 *     initialize echoes a supported protocolVersion, else the latest;
 *     notifications/initialized and ping; unknown method -32601, unknown
 *     tool -32602, malformed line -32700 (then the next line is read).
 *     EOF on stdin: exit once the calls in flight are cancelled.  SIGTERM:
 *     SIGINT to every child, wait for them, exit.  Starting touches nothing
 *     (no Podman connection until a tool runs).
 *   - ONE thread, one poll loop over stdin, a self-pipe for SIGCHLD/SIGTERM
 *     and each call's two pipes.  A tools/call forks a child (safe: the
 *     server has one thread); the child builds the command's argv (the
 *     tool table below, mcp_tool_argv), puts stdout on one pipe (the --json
 *     document) and stderr on another (--progress=json lines), calls the
 *     cmd_* function in-process and _exit()s with its code.  No exec: a
 *     call costs a fork, not a process start and dynamic link.
 *   - The parent turns exit code + document into the result; progress
 *     lines into notifications/progress when the request had
 *     _meta.progressToken (a heartbeat repeating the last step after 1 s
 *     of silence, checked every 250 ms while calls are in flight, so no gap
 *     reaches 2 s; none after the response; no wake-ups when idle).  notifications/cancelled:
 *     SIGINT to the child (the command removes what it made), no response.
 *     A child killed by a signal: an isError result naming it.
 *   - No global lock: calls on different work orders run at once.  Calls
 *     of a tool that takes the work order's lock (MCP_LOCKS) on one work
 *     order wait in the server, in arrival order, for the one before to end
 *     (the commands' own lock waits are as short as 5 s: an up in flight
 *     would make them busy); a waiting call gets heartbeats naming the
 *     wait, and a cancelled one is dropped.  Read-only tools never wait.
 *
 * The ls cache
 *   With 10 work orders Podman takes ~17 ms to answer ls's two listings
 *   (it checks every container's state), so a warm server answers ls
 *   from a cache of those two answers (GET /pods/json?... and
 *   /volumes/json?..., the raw bodies; nothing else is cached and no other
 *   tool reads it).  It is kept true by Podman's own events:
 *   - a watcher, a child of the server started by the first ls call,
 *     follows GET /events from 2 s before it connected (nothing is missed
 *     between its connect and the stream going live) and counts every
 *     container, pod and volume event (exec and attach excepted) as a
 *     change; its stream ending, or it dying, turns the cache off until
 *     the next ls starts another (at most one start per 2 s);
 *   - every call of a tool that is not read-only is a change when it ends,
 *     before its response goes out, so an ls after the server's own up or
 *     down always asks Podman;
 *   - a change makes every cached answer stale (one generation counter);
 *     an answer fetched across a change is not kept;
 *   - and no answer is served more than 2 s after it was fetched
 *     (MCP_CACHE_MAX_AGE_MS), whatever the events say: an event Podman
 *     failed to send, or a stream that died without a close, costs that.
 *   So an ls through the server can miss a change made outside it (a
 *   terminal, another server) only until Podman's event reaches the
 *   watcher, and never by more than 2 s.  With the file events logger
 *   (this host's) the file is read every 250 ms; the journald and none
 *   loggers were not tried here, and the 2 s limit holds whatever they
 *   do.  ISOPOD_MCP_CACHE=0 turns the cache off.  The cache is one shared
 *   mapping made at start (MCP_CACHE_SLOTS slots of MCP_CACHE_SLOT_BYTES;
 *   only used pages are resident); the watcher keeps one connection to
 *   Podman open, so an auto-started service does not idle out while the
 *   server runs.
 */
#ifndef ISOPOD_MCP_H
#define ISOPOD_MCP_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/json.h"

#define MCP_PROTOCOL_LATEST "2025-11-25"

/* One embedded docs/schema/NAME.json (generated: $(BUILD)/gen/mcp_schemas.c). */
struct mcp_schema {
	const char *name;
	const char *json;
};
extern const struct mcp_schema mcp_schemas[];
const char *mcp_schema_find(const char *name);

enum mcp_arg_type { MCP_STR, MCP_BOOL, MCP_INT, MCP_ARGV };

/* One argument: its JSON name, type, the option it becomes (NULL: positional), whether required. */
struct mcp_arg {
	const char *name;
	enum mcp_arg_type type;
	const char *flag;
	int required;
	const char *description;
};

enum {
	MCP_READONLY = 1,
	MCP_DESTRUCTIVE = 2,
	MCP_IDEMPOTENT = 4,
	MCP_CONFIRM = 8,   /* needs "confirm": true (always, or with CONFIRM_IF) */
	MCP_CAPTURE = 16,  /* exec/odoo: the program's output is captured into {exit_code, stdout, stderr, truncated} */
	MCP_VERDICT = 32,  /* verify/test: the report on the verdict codes too, isError when failed */
	MCP_DASHDASH = 64, /* the MCP_ARGV argument goes after "--" */
	MCP_LOCKS = 128,   /* takes the work order's lock: queued behind a call on the same work order */
};

#define MCP_MAX_ARGS 10

struct mcp_tool {
	const char *name;
	const char *verb; /* the command of the iso_commands table */
	const char *sub;  /* its sub-command, or NULL */
	const char *schema;
	const char *description;
	unsigned flags;
	const char *confirm_if; /* the bool argument that makes the call delete data (down: cleanup) */
	int verdict_codes[3];   /* exit codes that still carry the report (verify 9; test 11, 12) */
	struct mcp_arg args[MCP_MAX_ARGS];
};

extern const struct mcp_tool mcp_tools[];
const struct mcp_tool *mcp_tool_find(const char *name);

/* The tool's definition (name, description, inputSchema, outputSchema, annotations) into G. */
void mcp_tool_json(iso_jgen *g, const struct mcp_tool *t);

/*
 * ARGS (an object or NULL) as the command line `VERB [SUB] ... --json`:
 * *ARGV (NULL-terminated, strings borrowed from ARGS or static) owned by the
 * caller (free(*argv)).  -1 with a usage error naming the argument.
 */
int mcp_tool_argv(const struct mcp_tool *t, const iso_json *args, char ***argv, int *argc, struct iso_error **err);

/* A growing buffer with a cap: past LIMIT bytes the rest is dropped and TRUNCATED set. */
struct mcp_buf {
	char *p;
	size_t len, cap;
	int truncated;
};
void mcp_buf_add(struct mcp_buf *b, const char *s, size_t n, size_t limit);
void mcp_buf_release(struct mcp_buf *b);

/* ---- a finished call (src/mcp/mcp_call.c) ---- */
/* A --progress=json LINE as "STEP: MESSAGE" into STEP (SIZE bytes): 1, or 0 when it is no event. */
int mcp_progress_step(const char *line, size_t len, char *step, size_t size);
/*
 * The result of T's call ID from its waitpid STATUS, its stdout OUT (the
 * --json document) and, for exec/odoo, its stderr ERR: the document as
 * structuredContent on 0 (and a verdict tool's verdict codes, isError when
 * not 0); an isError error document otherwise.
 */
void mcp_send_call_result(const iso_json *id, const struct mcp_tool *t, int status, const struct mcp_buf *out,
			  const struct mcp_buf *err);

/* ---- the ls cache (src/mcp/mcp_cache.c; design above) ---- */
#define MCP_CACHE_SLOTS 4
#define MCP_CACHE_SLOT_BYTES (1u << 20) /* an answer larger than this is not kept (~1 KB a pod) */
#define MCP_CACHE_MAX_AGE_MS 2000       /* an answer older than this is asked again, events or not */
/* The shared mapping, before any fork: 0 or -1 (then every get misses). */
int mcp_cache_init(void);
void mcp_cache_release(void);
/* A change: every cached answer is stale (lock-free, safe anywhere). */
void mcp_cache_invalidate(void);
/* The watcher's stream is live (1) or not (0); either way a change. */
void mcp_cache_set_live(int live);
int mcp_cache_live(void);
/* 1 with *BODY (malloc'd, NUL-terminated) and *LEN; 0 with *TOKEN for the put after the fetch. */
int mcp_cache_get(const char *path, char **body, size_t *len, uint64_t *token);
/* Keep PATH's answer, unless a change came since the get that gave TOKEN. */
void mcp_cache_put(const char *path, const char *body, size_t len, uint64_t token);

/* ---- JSON-RPC framing (src/mcp/mcp_rpc.c): each writes one line on stdout ---- */
void mcp_send_doc(iso_jgen *g);
/* Open a response to ID (NULL: null): {"jsonrpc": "2.0", "id": ID, ... the caller adds and closes. */
void mcp_head(iso_jgen *g, const iso_json *id);
void mcp_send_error(const iso_json *id, int code, const char *msg);
/* A tools/call result: TEXT as the text block, ST (or NULL) as structuredContent. */
void mcp_send_result(const iso_json *id, const char *text, size_t len, const iso_json *st, int is_error);
/* An isError result whose text is the error document {"error": {CLS, CODE, MSG}}. */
void mcp_send_error_doc(const iso_json *id, const char *cls, int code, const char *msg);
/* The initialize answer: the client's protocolVersion when supported, else the latest. */
void mcp_send_initialize(const iso_json *id, const iso_json *params);

#endif
