/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/log_lines.h - `isopod logs --json` (src/cmd/log_lines.c): the demuxed
 * output of a container, or the init log, cut into lines, each line one
 * object {"stream": "stdout"|"stderr", "text": "<the line without its
 * newline>"}.
 *
 *   struct cmd_log_lines l;
 *   cmd_log_lines_init (&l, follow, stdout);
 *   ... cmd_log_lines_feed (&l, PODMAN_STDOUT, chunk, n) ...   // 1: stop the stream
 *   if (cmd_log_lines_end (&l, err) < 0) ...                   // also when feed said 1
 *   cmd_log_lines_release (&l);
 *
 * Without FOLLOW the lines are kept and cmd_log_lines_end prints one
 * document {"lines": [...]}; nothing is printed before, so a failure on the
 * way leaves stdout free for the error document.  With FOLLOW each line is
 * printed as soon as it is whole, as one JSON document on a line of its own
 * (JSON lines), flushed.  A chunk may end inside a line: the rest of it
 * waits for the next chunk of its stream; cmd_log_lines_end prints what is
 * left of each stream as a last line.  Bytes that are not UTF-8 become
 * U+FFFD, so any log can be printed.
 */
#ifndef ISOPOD_CMD_LOG_LINES_H
#define ISOPOD_CMD_LOG_LINES_H

#include <stdio.h>

#include "base/error.h"
#include "base/json.h"
#include "base/util.h"
#include "podman/exec.h"

/* The size of the document without --follow past which `logs --json` stops (use --tail). */
#define CMD_LOG_LINES_DOC_CAP (64u << 20)

struct cmd_log_lines {
	int follow;
	FILE *out;
	iso_jgen *g;
	struct iso_buf part[2]; /* the unfinished line of stdout, of stderr */
	struct iso_error *err;  /* why a feed said stop; reported by cmd_log_lines_end */
	int gone;               /* OUT failed (a closed pipe): stop quietly */
};

void cmd_log_lines_init(struct cmd_log_lines *l, int follow, FILE *out);
/* Take LEN bytes of STREAM; 0 to go on, 1 to stop (OUT is gone, or the document is over its cap). */
int cmd_log_lines_feed(struct cmd_log_lines *l, enum podman_stream_id stream, const char *data, size_t len);
/* Print what is left (and without follow the document): 0, or -1 with *ERR. */
int cmd_log_lines_end(struct cmd_log_lines *l, struct iso_error **err);
void cmd_log_lines_release(struct cmd_log_lines *l);

#endif
