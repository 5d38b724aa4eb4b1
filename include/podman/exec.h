/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman/exec.h - output streams: container logs, exec sessions, and the
 * 8-byte frame format both use (stream, 0, 0, 0, big-endian length), plus
 * the parsers exposed for the fuzz targets.
 *
 * Calling sequence (non-interactive exec)
 *   podman_exec_create (c, ctr, &spec, &id, err);
 *   podman_exec_start (c, id, on_output, ctx, err);   // demuxed stdout/stderr
 *   podman_exec_inspect (c, id, &info, err);          // info.exit_code
 * or podman_exec_run (c, ctr, &spec, on_output, ctx, &exit_code, err).
 * Interactive: podman_exec_attach gives a raw stream (podman/transport.h):
 * with a TTY the bytes are raw, without they are framed (podman_demux).
 */
#ifndef PODMAN_EXEC_H
#define PODMAN_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "podman/client.h"
#include "podman/objects.h"

enum podman_stream_id { PODMAN_STDIN = 0, PODMAN_STDOUT = 1, PODMAN_STDERR = 2 };

/* Demuxed output; return 0 to go on, non-zero to stop. */
typedef int (*podman_output_cb)(void *ctx, enum podman_stream_id stream, const char *data, size_t len);

/* Incremental 8-byte frame demuxer; frames may split anywhere across feeds. */
#define PODMAN_FRAME_MAX (16u << 20)
struct podman_demux {
	unsigned char hdr[8];
	size_t hdr_len;
	uint32_t remaining; /* payload bytes left of the current frame */
	int stream;
	podman_output_cb cb;
	void *ctx;
	int stopped;
};
void podman_demux_init(struct podman_demux *d, podman_output_cb cb, void *ctx);
/* 0; 1 when CB asked to stop; -1 on a malformed header (ISO_E_INTERNAL). */
int podman_demux_feed(struct podman_demux *d, const char *buf, size_t len, struct iso_error **err);
/* -1 when the stream ended inside a frame. */
int podman_demux_finish(struct podman_demux *d, struct iso_error **err);

struct podman_logs_opts {
	int follow;
	int tail;             /* lines; < 0: all */
	int stdout_, stderr_; /* both 0: both */
	int timestamps;
	long timeout_ms; /* with follow: give up after this long (ETIMEDOUT); 0: never */
};
/* Logs of container NAME, demuxed to CB; with follow until it stops, CB stops or the timeout. */
int podman_container_logs(struct podman_client *c, const char *name, const struct podman_logs_opts *o,
			  podman_output_cb cb, void *ctx, struct iso_error **err);

struct podman_exec_spec {
	const char *const *cmd; /* NULL-terminated */
	const struct podman_pair *env;
	size_t n_env;
	const char *user;
	const char *workdir;
	int tty;
	int attach_stdin;
};
int podman_exec_create(struct podman_client *c, const char *container, const struct podman_exec_spec *spec, char **id,
		       struct iso_error **err);
int podman_exec_start(struct podman_client *c, const char *id, podman_output_cb cb, void *ctx, struct iso_error **err);
struct podman_exec_info {
	char *id;
	char *container_id;
	int running;
	int exit_code;
	int pid;
};
int podman_exec_inspect(struct podman_client *c, const char *id, struct podman_exec_info *out, struct iso_error **err);
void podman_exec_info_release(struct podman_exec_info *i);
/* create + start + inspect: *exit_code of the command. */
int podman_exec_run(struct podman_client *c, const char *container, const struct podman_exec_spec *spec,
		    podman_output_cb cb, void *ctx, int *exit_code, struct iso_error **err);
/* Start exec ID hijacked: *raw is the live two-way stream (raw with TTY, framed without). */
int podman_exec_attach(struct podman_client *c, const char *id, int tty, int height, int width, struct podman_raw **raw,
		       struct iso_error **err);
/* Resize the TTY of a running exec session (on SIGWINCH). */
int podman_exec_resize(struct podman_client *c, const char *id, int height, int width, struct iso_error **err);
/*
 * Attach to container NAME's stdin, stdout and stderr before it starts
 * (podman run -i): *raw is the live stream (raw when the container has a
 * terminal, framed when not).
 */
int podman_container_attach(struct podman_client *c, const char *name, struct podman_raw **raw, struct iso_error **err);
int podman_container_resize(struct podman_client *c, const char *name, int height, int width, struct iso_error **err);

/* ---- parsers, exposed for the fuzz targets and tests ---- */
/* Turn a libpod error answer into *err (always returns -1). WHAT: "create pod 'x'". */
int podman_error_from_response(int status, const char *body, size_t len, const char *what, struct iso_error **err);
/* Feed a pull stream chunk; see podman/images.c. */
struct podman_pull_state;
struct podman_pull_state *podman_pull_state_new(podman_progress_cb cb, void *ctx);
int podman_pull_feed(struct podman_pull_state *s, const char *buf, size_t len, struct iso_error **err);
/* At the end: -1 with the streamed error, or 0 with *id (may be NULL) set. */
int podman_pull_finish(struct podman_pull_state *s, char **id, struct iso_error **err);
void podman_pull_state_free(struct podman_pull_state *s);

#endif
