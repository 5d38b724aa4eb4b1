/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/mcp_watch.h - the ls cache's watcher and GET hook (src/cmd/mcp_watch.c;
 * design in include/mcp/mcp.h).  For src/cmd/mcp.c only.
 */
#ifndef ISOPOD_CMD_MCP_WATCH_H
#define ISOPOD_CMD_MCP_WATCH_H

#include <sys/types.h>

/* In the server: fork the watcher unless one runs or one started < 2 s ago; IN_CHILD closes the server's fds. */
void mcp_watch_ensure(void (*in_child)(void));
/* In the server: 1 when PID was the watcher (the cache is off until the next ensure), else 0. */
int mcp_watch_reaped(pid_t pid);
/* In the server: SIGTERM to the watcher and wait for it. */
void mcp_watch_stop(void);
/* In an ls call's child: its Podman listings go through the cache while the watcher is live. */
void mcp_watch_use_cache(void);

#endif
