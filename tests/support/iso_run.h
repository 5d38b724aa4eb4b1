/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iso_run.h - the tests' one way to run a program and see what it did:
 * exit status, stdout and stderr (each capped), with a timeout that ends the
 * program's whole process group.  And iso_rmtree, `rm -rf` without a shell.
 *
 * Calling sequence:
 *
 *   const char *argv[] = {ISO_ISOPOD_BIN, "ls", "--json", NULL};
 *   const char *env[] = {"ISOPOD_PORTS=18890-18899", "NO_COLOR", NULL}; // sets, unsets
 *   struct iso_run_result r;
 *   if (iso_run(argv, &(struct iso_run_opts){.env = env}, &r) < 0)
 *           fail_msg("cannot run %s: %s", argv[0], strerror(errno));
 *   assert_int_equal(r.status, 0);               // ...and r.out, r.err
 *   iso_run_result_release(&r);
 *
 * The child: ARGV[0] is looked up on the caller's PATH unless it holds a
 * '/'; its environment is the caller's with opts->env applied in order
 * ("K=V" sets K, a bare "K" unsets it); its stdin is opts->stdin_text (then
 * EOF), or /dev/null when that is NULL; stdout and stderr are pipes (with
 * opts->merge, stderr goes into the stdout pipe, in the order written, and
 * r.err stays ""); it leads a process group of its own.  The caller's other
 * descriptors are inherited as by exec (the runner's own are O_CLOEXEC).
 * OPTS may be NULL: all defaults.
 *
 * Timeout: opts->timeout_ms (0: ISO_RUN_TIMEOUT_MS; negative: none) counts
 * from the start.  When it passes, the group gets SIGTERM, and SIGKILL
 * ISO_RUN_GRACE_MS later if anything of it still holds the pipes or the
 * child has not exited; r.timed_out is set and one line on stderr names the
 * command.  The runner stops reading ISO_RUN_GRACE_MS after the SIGKILL
 * (a descendant that left the group may hold the pipes) and then returns.
 * Without a timeout, iso_run returns once the child has exited and the
 * pipes are closed (a descendant holding them is waited for, as a shell
 * pipe would).
 *
 * Results: r.status is the exit code, 128+N when a signal N ended the
 * child, 127 when ARGV[0] could not be executed (as a shell says).  r.out
 * and r.err are NUL-terminated (they may hold NULs: r.out_len, r.err_len),
 * never NULL after a 0 return, and owned by R.  At most opts->max_output
 * bytes (0: ISO_RUN_OUTPUT_MAX) of each are kept; the rest is read and
 * dropped, so the child never blocks on a full pipe, and r.out_truncated /
 * r.err_truncated say so.  A child that does not read all of stdin_text is
 * no error (SIGPIPE is ignored while iso_run writes).
 *
 * Returns 0 when the program was started (whatever its status), -1 with
 * errno when it could not be (pipe, fork, no memory): then R holds NULLs and
 * iso_run_result_release is still safe.
 *
 * Free of Podman and of src/ (beyond base/util.h): the unit tests link it.
 * For single-threaded callers (it forks and swaps SIGPIPE's disposition).
 */
#ifndef ISOPOD_ISO_RUN_H
#define ISOPOD_ISO_RUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ISO_RUN_TIMEOUT_MS (600 * 1000)
#define ISO_RUN_GRACE_MS 1000
#define ISO_RUN_OUTPUT_MAX ((size_t)8 * 1024 * 1024)

struct iso_run_opts {
	const char *const *env; /* NULL-terminated "K=V" / "K"; NULL: the caller's environment */
	const char *stdin_text; /* NULL: /dev/null */
	bool merge;             /* stderr into r.out */
	int timeout_ms;         /* 0: ISO_RUN_TIMEOUT_MS; < 0: none */
	size_t max_output;      /* bytes kept of each stream; 0: ISO_RUN_OUTPUT_MAX */
};

struct iso_run_result {
	int status; /* exit code; 128+signal; 127: could not exec */
	int pid;    /* the child's pid, which is also its process group's id */
	bool timed_out;
	char *out, *err;
	size_t out_len, err_len;
	bool out_truncated, err_truncated;
};

/* Run ARGV (NULL-terminated) as above and wait for it; 0, or -1 with errno. */
int iso_run(const char *const *argv, const struct iso_run_opts *opts, struct iso_run_result *r);

/* iso_run of the isopod the Makefile built (ISO_ISOPOD_BIN) with the
 * printf-style FMT split at spaces into its arguments (at most 30; no
 * quoting: an argument cannot hold a space). */
int iso_run_isopod(const struct iso_run_opts *opts, struct iso_run_result *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int iso_run_isopodv(const struct iso_run_opts *opts, struct iso_run_result *r, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Free r->out and r->err and set them NULL; R may be all NULLs. */
void iso_run_result_release(struct iso_run_result *r);

/* Remove PATH and everything below it, as `rm -rf`: symbolic links are
 * removed, never followed; a PATH that does not exist is success.  Keeps
 * going past a failure; returns 0, or -1 with the first failure's errno. */
int iso_rmtree(const char *path);

#endif
