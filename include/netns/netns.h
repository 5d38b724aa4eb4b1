/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/netns.h - run a function inside the network namespace of a process.
 *
 * The module knows namespaces, sockets and netlink; it takes plain values
 * (a PID, addresses, ports) and knows nothing of who made the namespace.
 *
 * Calling sequence
 *   static int fn (struct netns_chan *ch, void *arg, struct iso_error **err)
 *   {
 *           netns_chan_step (ch, "dumping links");       // named in errors
 *           ... open sockets here: we are inside the namespace ...
 *           return netns_chan_put (ch, TAG, &item, sizeof item, err);
 *   }
 *   struct netns_result res;
 *   if (netns_run (pid, fn, arg, NULL, &res, err) < 0) ...
 *   for (struct netns_rec r; netns_result_next (&res, &r) > 0;) ... r.tag, r.data, r.len
 *   netns_result_release (&res);
 *
 * How
 *   netns_run forks a child (single-threaded by construction, so the caller
 *   may keep libcurl and its threads) that joins the user namespace of PID
 *   (unless it is already ours) and then its network namespace, and runs FN.
 *   FN sends typed records back over a pipe: length-prefixed, every record
 *   and the whole result capped.  The child reports the step it is in as it
 *   goes; the parent kills it at the deadline and names that step.  FN may
 *   use the iso_error of its own: it comes back to the caller, class kept,
 *   with the step prefixed.  FN must not exit; it may fork (e.g. system()).
 *
 * Errors
 *   ISO_E_ISOLATION  the namespace cannot be entered (no such process, another
 *                    user's process: EACCES, EPERM), the deadline passed
 *                    (status ETIMEDOUT), the child died, the result is too large
 *   ISO_E_INTERNAL   pipe, fork, poll failed
 *   any class        set by FN inside the child
 */
#ifndef NETNS_NETNS_H
#define NETNS_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/error.h"

#define NETNS_TIMEOUT_MS_DEFAULT 2000
#define NETNS_RESULT_MAX (4u << 20) /* bytes of all records of one run */
#define NETNS_REC_MAX (64u << 10)   /* bytes of one record */
#define NETNS_STEP_MAX 96           /* bytes of a step name, NUL included */

struct netns_chan; /* the child's end of the pipe; opaque */

typedef int (*netns_fn)(struct netns_chan *ch, void *arg, struct iso_error **err);

struct netns_run_opts {
	int timeout_ms;    /* 0: NETNS_TIMEOUT_MS_DEFAULT */
	size_t max_result; /* 0: NETNS_RESULT_MAX */
};

/* Records received from the child, in order. */
struct netns_result {
	char *data; /* [u32 tag][u32 len][len bytes] ... */
	size_t len;
};
struct netns_rec {
	uint32_t tag;
	uint32_t len;
	const void *data; /* borrowed from the result */
	size_t next;      /* offset of the next record */
};

/* Run FN(ch, ARG) inside the network namespace of PID; on success *OUT holds its records. */
int netns_run(pid_t pid, netns_fn fn, void *arg, const struct netns_run_opts *opts, struct netns_result *out,
	      struct iso_error **err);

/*
 * Like netns_run, but the child joins only the USER namespace of PID (not
 * when it is ours already) and then becomes uid 0 / gid 0 there, with that
 * namespace's capabilities over the files of its sub-uids: the way to read
 * and write a rootless user's volumes.  PID 0: no namespace change, FN runs
 * in a forked child of our own namespaces, as our own uid.  The errors are
 * netns_run's, naming the user namespace; ISO_E_ISOLATION also when uid 0
 * is not mapped in that namespace.  Give a copy a longer OPTS->timeout_ms.
 */
int netns_run_userns(pid_t pid, netns_fn fn, void *arg, const struct netns_run_opts *opts, struct netns_result *out,
		     struct iso_error **err);

/*
 * netns_run_userns in two halves, so the caller does other work (requests
 * to Podman) while the helper runs: _start forks it and returns at once
 * (*JOB owned), netns_job_finish waits for its end (the deadline counts from
 * the start) and gives its records as netns_run does, freeing JOB.  The
 * caller stays one thread: the helper is forked from it, never from a thread.
 * FN sees ARG as it was at the start (the helper has its own copy of memory).
 */
struct netns_job;
int netns_run_userns_start(pid_t pid, netns_fn fn, void *arg, const struct netns_run_opts *opts, struct netns_job **job,
			   struct iso_error **err);
int netns_job_finish(struct netns_job *job, struct netns_result *out, struct iso_error **err);

/* Name the step the child is in ("dumping links"); sent to the parent at once. */
void netns_chan_step(struct netns_chan *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send one record (TAG chosen by FN, LEN <= NETNS_REC_MAX) to the parent. */
int netns_chan_put(struct netns_chan *ch, uint32_t tag, const void *data, size_t len, struct iso_error **err);

/* Iterate: R->next starts at 0 (zero R first); returns 1 with *R filled, 0 at the end. */
int netns_result_next(const struct netns_result *res, struct netns_rec *r);
void netns_result_release(struct netns_result *res);

/* The identity of a network namespace: device and inode of /proc/PID/ns/net. */
struct netns_id {
	uint64_t dev;
	uint64_t ino;
};

/* The network namespace of PID (0: this process); ISO_E_ISOLATION when it cannot be read. */
int netns_id_of(pid_t pid, struct netns_id *out, struct iso_error **err);
/* 1 when both ids name the same namespace, else 0. */
int netns_id_equal(const struct netns_id *a, const struct netns_id *b);
/* *SAME = whether PID_A and PID_B share one network namespace (0 names this process). */
int netns_same(pid_t pid_a, pid_t pid_b, int *same, struct iso_error **err);

#endif
