/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/copy.h - copy and clear directory trees on the host, inside the user
 * namespace that owns them: the data of templates and snapshots (a Postgres
 * data directory, Odoo's filestore) from one Podman named volume's _data
 * into another's.
 *
 * Calling sequence
 *   struct store_copy_job job = {.src = "/…/volumes/tpl-db/_data", .dst = "/…/volumes/wo-db/_data",
 *                                .clear_dst = 1};
 *   struct store_copy_stats st;
 *   if (store_copy (pause_pid, &job, 1, 1, 0, &st, err) < 0) ...
 *
 * How
 *   A rootless user cannot read its volumes on the host: their files belong
 *   to sub-uids, mode 0700.  store_copy forks one helper (netns_run_userns)
 *   that joins the user namespace of PID (the rootless pause process, or any
 *   container of that user), becomes root there and walks the trees with
 *   directory descriptors (openat, fstatat, O_NOFOLLOW): a symbolic link is
 *   copied as a link, never followed, so nothing outside the tree is read or
 *   written.  PID 0: our own namespaces and uid (root on the host, or files
 *   of our own).  Podman is not asked for anything: the caller names the
 *   directories, and a Postgres copy is consistent only with its server
 *   stopped.
 *
 * What is kept
 *   Contents, modes (setuid/setgid/sticky included), owner and group,
 *   access and modification times (a directory's after its contents),
 *   symbolic links as links with their targets verbatim.  DST's own root
 *   gets SRC root's mode, owner and times.  Regular files are cloned with
 *   FICLONE where the file system shares extents (xfs, btrfs), else copied
 *   with copy_file_range, else read/write; the first refusal on a pair of
 *   file systems decides for the rest of the call.  Sockets are skipped.
 *   Not kept: hard links (each name becomes a file of its own), extended
 *   attributes and ACLs, holes of sparse files.
 *   Existing entries of DST (without clear_dst) are merged into like cp -a:
 *   a directory is reused, any other name replaced.
 *
 * Errors
 *   ISO_E_HOST       no space left (ENOSPC, EDQUOT) on a destination
 *   ISO_E_INTERNAL   anything else: SRC missing, not a directory or a
 *                    symbolic link, DST not a directory, a device or fifo
 *                    in SRC, one tree inside the other, a bad job; each
 *                    message names the path and the errno text
 *   ISO_E_ISOLATION  the user namespace of PID cannot be entered, or the
 *                    copy did not finish within TIMEOUT_MS (it is killed:
 *                    DST is then partial)
 *   An error inside the helper comes back with its class and the step
 *   ("copying 'base/16384'") in front.  On failure DST holds a partial copy.
 */
#ifndef STORE_COPY_H
#define STORE_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

#define STORE_TIMEOUT_MS_DEFAULT (10 * 60 * 1000)
#define STORE_DEPTH_MAX 128 /* directory levels below a root */

struct store_copy_job {
	const char *src;         /* an existing directory (a volume's _data) */
	const char *dst;         /* an existing directory; it receives src's contents */
	int clear_dst;           /* remove dst's contents first (dst itself stays) */
	const char *rename_from; /* optional: a relative path inside src ("filestore/tpl_x") ... */
	const char *rename_to;   /* ... copied as this relative path ("filestore/hub_wo-042"); its parent
				    must be a directory of src that is copied; src's own rename_to is not */
	const char *const *skip; /* optional, NULL-terminated: top-level names of src not copied ("sessions") */
	/*
	 * src is the data directory of a Postgres that was shut down cleanly:
	 * leave out the WAL segments of pg_wal/ after the newest one (the
	 * segment the shutdown checkpoint went into has the newest mtime; the
	 * ones after it are recycled segments Postgres renamed for later use,
	 * which it makes again when it needs them).  After an init's bulk load
	 * they are most of pg_wal/.
	 */
	int pg_wal_trim;
};

struct store_copy_stats {
	uint64_t bytes;    /* of regular files */
	uint64_t files;    /* regular files */
	uint64_t dirs;     /* directories below the roots */
	uint64_t symlinks; /* symbolic links */
	uint64_t trimmed;  /* WAL segments left out (pg_wal_trim) */
	int64_t ms;        /* wall time of the whole call, sync included */
	char method[32];   /* "reflink", "copy_file_range", "read/write", joined by '+' when mixed
			      ("mixed" when all three), "none" when no file had data */
};

/*
 * Copy every job, in order, in one helper inside the user namespace of PID
 * (0: ours); SYNC: syncfs every destination's file system before returning.
 * TIMEOUT_MS 0 is STORE_TIMEOUT_MS_DEFAULT.  *ST (may be NULL) is filled on
 * success.
 */
int store_copy(pid_t pid, const struct store_copy_job *jobs, size_t n_jobs, int sync, int timeout_ms,
	       struct store_copy_stats *st, struct iso_error **err);

/*
 * store_copy in two halves: _start forks the helper and returns at once
 * (*C owned; JOBS may go once it returns), store_copy_finish waits for it,
 * fills *ST (may be NULL) and frees C.  Between them the caller may do other
 * work, e.g. its requests to Podman; C must be finished exactly once.
 */
struct store_copying;
int store_copy_start(pid_t pid, const struct store_copy_job *jobs, size_t n_jobs, int sync, int timeout_ms,
		     struct store_copying **c, struct iso_error **err);
int store_copy_finish(struct store_copying *c, struct store_copy_stats *st, struct iso_error **err);

/* Remove the contents of each of DIRS (the directories stay), in one helper in PID's user namespace. */
int store_clear(pid_t pid, const char *const *dirs, size_t n, int timeout_ms, struct iso_error **err);

#endif
