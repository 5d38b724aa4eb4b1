/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy.h - the insides of isopod-apiproxy, the fault-injecting proxy that
 * the reliability tests put between isopod and the Podman API socket.  The
 * user-facing contract (arguments, fault syntax, log format, control
 * requests) is in main.c's opening comment and tests/support/apiproxy.h.
 *
 * One process accepts; each client connection is served by a forked child
 * with blocking I/O, one request after the other (HTTP/1.1 keep-alive), and
 * after an upgrade or a response without framing it relays bytes both ways.
 * What the children share (the fault table with its counters, the request
 * sequence number) lives in one MAP_SHARED page guarded by a spin lock.
 */
#ifndef ISOPOD_APIPROXY_PROXY_H
#define ISOPOD_APIPROXY_PROXY_H

#include <stddef.h>
#include <sys/types.h>

#define AP_MAX_FAULTS 32
#define AP_HEAD_MAX (64 * 1024)
#define AP_PATTERN_MAX 400

enum ap_kind {
	AP_CLOSE_BEFORE, /* close the client connection, nothing forwarded */
	AP_CLOSE_AFTER,  /* forward, wait for Podman's answer head, close: Podman acted, the client never hears */
	AP_ERROR,        /* answer 500 with a libpod error body, nothing forwarded */
	AP_GARBAGE,      /* forward, then answer 200 with a body that is not JSON */
	AP_GARBAGE_HTTP, /* answer bytes that are no HTTP at all and close, nothing forwarded */
	AP_DELAY,        /* hold the request ARG ms, then forward it */
	AP_FREEZE,       /* hold the request until the client goes away, nothing forwarded */
	AP_FREEZE_AFTER, /* forward, then hold Podman's answer until the client goes away */
};

struct ap_fault {
	enum ap_kind kind;
	long arg;                       /* AP_DELAY: milliseconds */
	char method[16];                /* "*" matches every method */
	char pattern[AP_PATTERN_MAX];   /* fnmatch(FNM_PATHNAME) on the normalised path */
	long from, to;                  /* fires on matching requests number from..to (1-based; to 0: no end) */
	long seen;                      /* matching requests so far */
	long fired;                     /* times it fired */
	char spec[AP_PATTERN_MAX + 64]; /* the line it was parsed from, for the log */
};

struct ap_shared {
	int lock;
	long seq;
	int nfaults;
	struct ap_fault faults[AP_MAX_FAULTS];
};

struct ap_config {
	const char *listen_path;
	const char *upstream_path;
	int log_fd;
	struct ap_shared *shared;
};

/* Parse one fault line (see main.c) into F; 0, or -1 with a reason in WHY. */
int ap_fault_parse(const char *line, struct ap_fault *f, char *why, size_t why_size);
/* Replace the table by the lines of TEXT (newline-separated; '#' comments and
 * blank lines skipped); counters start again.  0, or -1 with WHY. */
int ap_faults_set(struct ap_shared *sh, const char *text, char *why, size_t why_size);
/* Count the request against every matching fault; return the first that
 * fires, copied into OUT (1), or 0 when none does.  Also hands out *SEQ. */
int ap_faults_match(struct ap_shared *sh, const char *method, const char *path, struct ap_fault *out, long *seq);
const char *ap_kind_name(enum ap_kind k);

/* The request target without the query and without a leading /v<version>
 * (so "/v4.0.0/libpod/pods/x/json?a=b" is "/libpod/pods/x/json"). */
void ap_normalise_path(const char *target, char *out, size_t size);

/* Serve one client connection (in a forked child); never returns. */
void ap_serve(const struct ap_config *cfg, int cfd) __attribute__((noreturn));

/* I/O helpers (io.c). */
struct ap_rbuf {
	int fd;
	size_t off, len;
	char buf[64 * 1024];
};
int ap_write_all(int fd, const void *p, size_t n);
/* Read until CRLFCRLF into HEAD (NUL-terminated, *LEN bytes with the blank
 * line).  1 done, 0 EOF before any byte, -1 error or too long. */
int ap_read_head(struct ap_rbuf *rb, char *head, size_t size, size_t *len);
/* Copy N bytes from RB to OUTFD (-1: discard).  0, or -1 on EOF/error. */
int ap_copy_n(struct ap_rbuf *rb, int outfd, long long n);
/* Copy one chunked body (chunks and trailers) from RB to OUTFD (-1: discard). */
int ap_copy_chunked(struct ap_rbuf *rb, int outfd);
/* Relay both ways until both sides are done (bytes already buffered first). */
void ap_tunnel(struct ap_rbuf *a, struct ap_rbuf *b);
/* Hold: read and drop from FD until it reaches EOF or fails. */
void ap_hold(int fd);
/* Log one line: SEQ METHOD PATH STATUS FAULT TARGET (tab-separated). */
void ap_log(int fd, long seq, const char *method, const char *path, const char *status, const char *fault,
	    const char *target);

#endif
