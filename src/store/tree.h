/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/store/tree.h - inside src/store/: the walk over a tree (tree.c) and
 * the copy of one regular file's data (data.c), run in the helper that
 * store_copy and store_clear fork (copy.c).
 */
#ifndef STORE_TREE_H
#define STORE_TREE_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

#include "base/error.h"
#include "netns/netns.h"
#include "store/copy.h"

/* A path for the messages: ROOT (as the caller named it) and the relative part below it. */
struct store_path {
	const char *root;
	char rel[PATH_MAX];
	size_t len;
};

/* How one pair of file systems copies data: learnt from the first refusal. */
struct store_fs_memo {
	dev_t sdev, ddev;
	int no_clone; /* FICLONE refused: EOPNOTSUPP, EXDEV, EINVAL ... */
	int no_cfr;   /* copy_file_range refused */
};

enum store_method { STORE_M_CLONE = 1, STORE_M_CFR = 2, STORE_M_RW = 4 };

struct store_walk {
	struct netns_chan *ch; /* NULL: no steps reported */
	const struct store_copy_job *job;
	int sroot;              /* the job's src, open: where the rename is looked up */
	struct store_path s, d; /* where the walk is, in src and in dst */
	int depth;
	int stepped;      /* a subdirectory named itself as the step */
	unsigned methods; /* enum store_method bits used */
	struct store_copy_stats st;
	struct store_fs_memo memo[8];
	size_t n_memo;
	char *buf; /* read/write buffer, STORE_BUF bytes */
	/* the rename, split once: parents ("" for the root) and last names */
	char from_dir[PATH_MAX], to_dir[PATH_MAX];
	const char *from_base, *to_base;
	int renamed;
	char wal_keep[32]; /* pg_wal_trim: the newest segment; later ones are left out ("": none) */
};

#define STORE_BUF (256u << 10)

/* Append NAME to P ("" when too long: -1, errno ENAMETOOLONG); store_path_pop undoes it. */
int store_path_push(struct store_path *p, const char *name, size_t *saved);
void store_path_pop(struct store_path *p, size_t saved);
/* "ROOT/REL" (ROOT alone at the root) into BUF. */
const char *store_path_str(const struct store_path *p, char *buf, size_t size);

/* An iso_error for errno E on P while VERB ("read", "create"): ENOSPC/EDQUOT are ISO_E_HOST. */
int store_fail(const struct store_path *p, int e, const char *verb, struct iso_error **err);

/* Open P->root as a directory (ROLE: "source"): its descriptor, or -1 when missing, a symbolic link, no directory. */
int store_open_root(const struct store_path *p, const char *role, struct stat *st, struct iso_error **err);

/* Whether NAME is a WAL segment's file name: 24 hex digits. */
int store_wal_segment_name(const char *name);
/* The newest WAL segment (by mtime, then name) in the directory SFD/pg_wal into KEEP ("" when none). */
void store_wal_newest(int sfd, char *keep, size_t size);

/* Copy the contents of SFD into DFD (both roots of W's job), then give DFD the metadata of SST. */
int store_tree_copy(struct store_walk *w, int sfd, int dfd, const struct stat *sst, struct iso_error **err);

/* Remove everything below the directory FD (P names it for the errors); FD stays open. */
int store_tree_clear(struct store_path *p, int fd, int depth, struct iso_error **err);

/* Copy the data of SFD (described by SST) into the new file DFD on file system DDEV; W's paths name both. */
int store_data_copy(struct store_walk *w, int sfd, const struct stat *sst, int dfd, dev_t ddev, struct iso_error **err);

#endif
