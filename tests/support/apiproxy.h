/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apiproxy.h - the tests' handle on isopod-apiproxy, the fault-injecting
 * proxy in front of the Podman API socket (tests/support/apiproxy/main.c has
 * the fault syntax and the log format in full).
 *
 * Calling sequence:
 *
 *   struct apiproxy p;
 *   if (apiproxy_start(&p, ptest_socket_path(), NULL) < 0)  // its own socket and log
 *           fail_msg("cannot start the proxy");
 *   apiproxy_set_faults(&p, "close-after POST /libpod/containers/create 2");
 *   const char *env[] = {p.container_host, NULL};            // "CONTAINER_HOST=unix://..."
 *   ...run isopod with env...
 *   struct apiproxy_log log;
 *   apiproxy_log_read(&p, &log);                              // every request, in arrival order
 *   ...log.reqs[i].method / path / status / fault...
 *   apiproxy_log_release(&log);
 *   apiproxy_stop(&p);                                        // by its PID; removes its files
 *
 * A fault line: KIND[=ARG] METHOD PATTERN [OCCURRENCE], for example
 *   "500 DELETE /libpod/volumes/?* 1"       the 1st DELETE of a volume answers 500
 *   "close-after POST /libpod/containers/create 2"
 *   "freeze POST /libpod/pods/pod_x/start"  (then apiproxy_wait_fired and kill isopod)
 * KIND: close-before close-after 500 garbage garbage-http delay=MS freeze
 * freeze-after.  PATTERN: fnmatch(FNM_PATHNAME) on the path without the
 * query and the /v4.x.y prefix.  OCCURRENCE: N, N+, N-M or *.
 *
 * The proxy dies with the process that started it (PR_SET_PDEATHSIG), so a
 * crashed test leaves none behind.  All functions print the reason of a
 * failure on stderr and return -1.
 */
#ifndef ISOPOD_APIPROXY_H
#define ISOPOD_APIPROXY_H

#include <stddef.h>
#include <sys/types.h>

struct apiproxy {
	pid_t pid;
	int own_dir;   /* dir was made by apiproxy_start and is removed by apiproxy_stop */
	char dir[256]; /* holds proxy.sock and requests.log */
	char socket_path[108];
	char log_path[300];
	char container_host[320]; /* "CONTAINER_HOST=unix://<socket_path>", for iso_run's env */
};

struct apiproxy_req {
	long seq;
	char method[16];
	char path[512];    /* normalised: no /v4.x.y prefix, no query */
	char status[24];   /* "200", "500", "closed", "frozen", ... (see main.c) */
	char fault[24];    /* the kind that fired, or "-" */
	char target[1024]; /* the raw target with its query */
};

struct apiproxy_log {
	struct apiproxy_req *reqs; /* sorted by seq */
	size_t n;
};

/* The proxy binary the Makefile builds. */
const char *apiproxy_binary(void);

/* Start a proxy for UPSTREAM (the Podman socket) with its socket and log in
 * DIR (NULL: a new directory under /tmp, removed again by apiproxy_stop).
 * Returns when the proxy listens. */
int apiproxy_start(struct apiproxy *p, const char *upstream, const char *dir);

/* Replace the fault table by SPEC (newline-separated fault lines; "" or NULL
 * clears it); the occurrence counts start again. */
int apiproxy_set_faults(struct apiproxy *p, const char *spec);

/* Empty the request log. */
int apiproxy_log_clear(struct apiproxy *p);

/* Read the log: every request so far, sorted by arrival. */
int apiproxy_log_read(struct apiproxy *p, struct apiproxy_log *log);
void apiproxy_log_release(struct apiproxy_log *log);

/* The number of requests in LOG whose fault is not "-". */
size_t apiproxy_log_fired(const struct apiproxy_log *log);

/* The distinct "METHOD PATH" of LOG in the order of their first
 * appearance: *OUT gets N malloc'd strings (free each and the array). */
int apiproxy_log_distinct(const struct apiproxy_log *log, char ***out, size_t *n);

/* Wait until a fault has fired (its line is in the log; for a freeze: the
 * request is being held).  0 when one has, -1 after TIMEOUT_MS. */
int apiproxy_wait_fired(struct apiproxy *p, int timeout_ms);

/* Copy PATH into OUT with the glob characters * ? [ ] \ escaped, so a
 * fault can name exactly one recorded path. */
void apiproxy_glob_escape(const char *path, char *out, size_t size);

/* What apiproxy_run saw: the exit status (128+N when signal N ended it),
 * whether a fault fired during the run (the log shows one more), whether SIG was
 * sent, and the program's stdout and stderr (malloc'd, NUL-terminated). */
struct apiproxy_run {
	int status;
	int fired;
	int signalled;
	int timed_out;
	char *out, *err;
};

/* Run ARGV (ARGV[0] a path) with ENV applied to this environment ("K=V"
 * sets, "K" unsets, as iso_run), stdin /dev/null, its output kept in files
 * of P's directory.  With SIG not 0: as soon as the log shows a fault that
 * fired since the start (a freeze: the request is held), SIG is sent to the program's PID.
 * After TIMEOUT_MS it gets SIGKILL (r->timed_out).  Returns 0 with *R set
 * once the program has exited, -1 when it could not start. */
int apiproxy_run(struct apiproxy *p, const char *const *argv, const char *const *env, int sig, int timeout_ms,
		 struct apiproxy_run *r);
void apiproxy_run_release(struct apiproxy_run *r);

/* Stop the proxy (SIGTERM to its PID, SIGKILL after 2 s), reap it, and
 * remove its socket, log and directory when apiproxy_start made them.
 * Safe on a zeroed or already stopped handle. */
int apiproxy_stop(struct apiproxy *p);

#endif
