/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/store/tree.c - the walk: directories by descriptor (openat, fstatat,
 * AT_SYMLINK_NOFOLLOW, O_NOFOLLOW), so a symbolic link anywhere in the tree
 * is copied or removed as a link and never followed out of it, and no path
 * longer than a name is ever resolved by the kernel.  The relative path is
 * kept only to name things in the errors.
 *
 * Why a directory's metadata comes last: creating its entries changes its
 * times, and a read-only mode (0500) would refuse them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "tree.h"

/* Owner, then mode (a chown clears setuid bits), then times: as SST, on the open FD (P names it). */
static int set_meta(const struct store_path *p, int fd, const struct stat *sst, struct iso_error **err)
{
	char path[PATH_MAX + 256];
	if (fchown(fd, sst->st_uid, sst->st_gid) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno,
				     "cannot give '%s' the owner %u:%u of its source: %s; "
				     "copy in the user namespace that owns the files",
				     store_path_str(p, path, sizeof path), (unsigned)sst->st_uid, (unsigned)sst->st_gid,
				     strerror(errno));
	if (fchmod(fd, sst->st_mode & 07777) < 0)
		return store_fail(p, errno, "set the mode of", err);
	struct timespec ts[2] = {sst->st_atim, sst->st_mtim};
	if (futimens(fd, ts) < 0)
		return store_fail(p, errno, "set the times of", err);
	return 0;
}

/* Create NAME in DDIR with MAKE (an openat, a symlinkat); an entry already there is replaced once. */
static int create_replacing(struct store_walk *w, int ddir, const char *name, int (*make)(int, const char *, void *),
			    void *arg, struct iso_error **err)
{
	int r = make(ddir, name, arg);
	if (r < 0 && errno == EEXIST) {
		if (unlinkat(ddir, name, 0) < 0 && errno != ENOENT)
			return store_fail(&w->d, errno, "replace", err);
		r = make(ddir, name, arg);
	}
	if (r < 0)
		return store_fail(&w->d, errno, "create", err);
	return r;
}

static int make_file(int ddir, const char *name, void *arg)
{
	return openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int make_link(int ddir, const char *name, void *target)
{
	return symlinkat(target, ddir, name);
}

static int copy_file(struct store_walk *w, int sdir, const char *sname, int ddir, const char *dname, dev_t ddev,
		     const struct stat *sst, struct iso_error **err)
{
	cleanup_close int sfd = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (sfd < 0)
		return store_fail(&w->s, errno, "open", err);
	cleanup_close int dfd = create_replacing(w, ddir, dname, make_file, NULL, err);
	if (dfd < 0)
		return -1;
	if (store_data_copy(w, sfd, sst, dfd, ddev, err) < 0 || set_meta(&w->d, dfd, sst, err) < 0)
		return -1;
	if (close(iso_steal_fd(&dfd)) < 0)
		return store_fail(&w->d, errno, "write", err);
	w->st.files++;
	return 0;
}

static int copy_link(struct store_walk *w, int sdir, const char *sname, int ddir, const char *dname,
		     const struct stat *sst, struct iso_error **err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, sname, target, sizeof target);
	if (n < 0 || (size_t)n >= sizeof target)
		return store_fail(&w->s, n < 0 ? errno : ENAMETOOLONG, "read the link", err);
	target[n] = '\0';
	if (create_replacing(w, ddir, dname, make_link, target, err) < 0)
		return -1;
	if (fchownat(ddir, dname, sst->st_uid, sst->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return store_fail(&w->d, errno, "set the owner of", err);
	struct timespec ts[2] = {sst->st_atim, sst->st_mtim};
	if (utimensat(ddir, dname, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return store_fail(&w->d, errno, "set the times of", err);
	w->st.symlinks++;
	return 0;
}

static int copy_dir(struct store_walk *w, int sdir, const char *sname, int ddir, const char *dname,
		    const struct stat *sst, struct iso_error **err);

/* Copy the entry SNAME of SDIR as DNAME of DDIR (on file system DDEV); W's paths name it already. */
static int copy_entry(struct store_walk *w, int sdir, const char *sname, int ddir, const char *dname, dev_t ddev,
		      struct iso_error **err)
{
	struct stat st;
	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return store_fail(&w->s, errno, "inspect", err);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return copy_file(w, sdir, sname, ddir, dname, ddev, &st, err);
	case S_IFDIR:
		return copy_dir(w, sdir, sname, ddir, dname, &st, err);
	case S_IFLNK:
		return copy_link(w, sdir, sname, ddir, dname, &st, err);
	case S_IFSOCK:
		return 0; /* a server's socket means nothing in a copy */
	default: {
		char path[PATH_MAX + 256];
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
				     "'%s' is a %s, which a copy does not carry; remove it from the source",
				     store_path_str(&w->s, path, sizeof path),
				     S_ISFIFO(st.st_mode) ? "fifo" : "device file");
	}
	}
}

int store_wal_segment_name(const char *name)
{
	return strlen(name) == 24 && strspn(name, "0123456789ABCDEF") == 24;
}

void store_wal_newest(int sfd, char *keep, size_t size)
{
	keep[0] = '\0';
	int fd = openat(sfd, "pg_wal", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct timespec best = {0, 0};
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (!store_wal_segment_name(e->d_name) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		int newer = st.st_mtim.tv_sec > best.tv_sec ||
			    (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec > best.tv_nsec);
		int same = st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec == best.tv_nsec;
		if (newer || (same && strcmp(e->d_name, keep) > 0)) {
			best = st.st_mtim;
			snprintf(keep, size, "%s", e->d_name);
		}
	}
	closedir(d);
}

/* Whether the entry at W->s (NAME, at the top when W->depth is 0) is left out of the walk. */
static int left_out(struct store_walk *w, const char *name)
{
	const struct store_copy_job *j = w->job;
	/* Recycled WAL segments after the newest: on the timeline of the newest (same first 8 digits). */
	if (w->depth == 1 && w->wal_keep[0] && !strncmp(w->s.rel, "pg_wal/", 7) && store_wal_segment_name(name) &&
	    !strncmp(name, w->wal_keep, 8) && strcmp(name, w->wal_keep) > 0) {
		w->st.trimmed++;
		return 1;
	}
	if (w->depth == 0 && j->skip)
		for (const char *const *s = j->skip; *s; s++)
			if (strcmp(*s, name) == 0)
				return 1;
	return j->rename_from && (strcmp(w->s.rel, j->rename_from) == 0 || strcmp(w->s.rel, j->rename_to) == 0);
}

/* The directory REL of the source (a path of plain names, "" for the root), opened without following links. */
static int open_src_dir(struct store_walk *w, const char *rel, struct iso_error **err)
{
	int fd = fcntl(w->sroot, F_DUPFD_CLOEXEC, 0);
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", rel);
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); fd >= 0 && c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0) {
		struct store_path p = {.root = w->s.root};
		snprintf(p.rel, sizeof p.rel, "%s", rel);
		p.len = strlen(p.rel);
		return store_fail(&p, errno, "open the directory", err);
	}
	return fd;
}

/* At the parent of rename_to (DFD, on DDEV): copy rename_from there under its new name. */
static int copy_renamed(struct store_walk *w, int dfd, dev_t ddev, struct iso_error **err)
{
	const struct store_copy_job *j = w->job;
	cleanup_close int from = open_src_dir(w, w->from_dir, err);
	if (from < 0)
		return -1;
	struct store_path keep = w->s;
	snprintf(w->s.rel, sizeof w->s.rel, "%s", j->rename_from);
	w->s.len = strlen(w->s.rel);
	size_t dsaved;
	store_path_push(&w->d, w->to_base, &dsaved); /* fits: to_dir is where d stands */
	int r = copy_entry(w, from, w->from_base, dfd, w->to_base, ddev, err);
	store_path_pop(&w->d, dsaved);
	w->s = keep;
	w->renamed = 1;
	return r;
}

/* Name the directory being copied as the helper's step (the errors and the deadline say it). */
static void announce(struct store_walk *w)
{
	if (w->ch)
		netns_chan_step(w->ch, "copying '%s'", w->s.len ? w->s.rel : w->s.root);
	w->stepped = 0;
}

/* Copy the entries of the directory stream D into DFD (on DDEV). */
static int copy_contents(struct store_walk *w, DIR *d, int dfd, dev_t ddev, struct iso_error **err)
{
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			if (errno)
				return store_fail(&w->s, errno, "read the directory", err);
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		size_t ss, ds;
		if (store_path_push(&w->s, e->d_name, &ss) < 0)
			return store_fail(&w->s, errno, "copy", err);
		if (store_path_push(&w->d, e->d_name, &ds) < 0) {
			store_path_pop(&w->s, ss);
			return store_fail(&w->d, errno, "copy", err);
		}
		int r = left_out(w, e->d_name) ? 0 : copy_entry(w, dirfd(d), e->d_name, dfd, e->d_name, ddev, err);
		store_path_pop(&w->s, ss);
		store_path_pop(&w->d, ds);
		if (r < 0)
			return -1;
		if (w->stepped) /* back from a subdirectory: the step names this one again */
			announce(w);
	}
	if (w->job->rename_from && !w->renamed && strcmp(w->d.rel, w->to_dir) == 0)
		return copy_renamed(w, dfd, ddev, err);
	return 0;
}

static int copy_dir(struct store_walk *w, int sdir, const char *sname, int ddir, const char *dname,
		    const struct stat *sst, struct iso_error **err)
{
	struct stat dst;
	if (w->depth >= STORE_DEPTH_MAX) {
		char path[PATH_MAX + 256];
		return iso_error_set(err, ISO_E_INTERNAL, ELOOP, "'%s' is nested deeper than %d directories",
				     store_path_str(&w->s, path, sizeof path), STORE_DEPTH_MAX);
	}
	announce(w);
	int sfd = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return store_fail(&w->s, errno, "open the directory", err);
	DIR *d = fdopendir(sfd);
	if (!d) {
		close(sfd);
		return store_fail(&w->s, errno, "read the directory", err);
	}
	if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST) {
		closedir(d);
		return store_fail(&w->d, errno, "create", err);
	}
	cleanup_close int dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &dst) < 0) {
		closedir(d);
		return store_fail(&w->d, errno, "open the directory", err);
	}
	/* One there already (a merge) may be read-only; it gets its source's mode at the end. */
	if ((dst.st_mode & 0700) != 0700)
		(void)fchmod(dfd, (dst.st_mode & 07777) | 0700);
	w->depth++;
	int r = copy_contents(w, d, dfd, dst.st_dev, err);
	w->depth--;
	w->stepped = 1;
	closedir(d);
	if (r < 0 || set_meta(&w->d, dfd, sst, err) < 0)
		return -1;
	w->st.dirs++;
	return 0;
}

int store_tree_copy(struct store_walk *w, int sfd, int dfd, const struct stat *sst, struct iso_error **err)
{
	struct stat dst;
	int fd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return store_fail(&w->s, errno, "read the directory", err);
	}
	if (fstat(dfd, &dst) < 0) {
		closedir(d);
		return store_fail(&w->d, errno, "inspect", err);
	}
	w->sroot = sfd;
	announce(w);
	int r = copy_contents(w, d, dfd, dst.st_dev, err);
	closedir(d);
	if (r < 0)
		return -1;
	if (w->job->rename_from && !w->renamed) {
		char path[PATH_MAX + 256];
		struct store_path p = {.root = w->s.root};
		snprintf(p.rel, sizeof p.rel, "%s", w->to_dir);
		p.len = strlen(p.rel);
		return iso_error_set(err, ISO_E_INTERNAL, ENOENT,
				     "'%s' cannot be copied as '%s': '%s' is no directory of the copy",
				     w->job->rename_from, w->job->rename_to, store_path_str(&p, path, sizeof path));
	}
	return set_meta(&w->d, dfd, sst, err);
}

/* Remove the entry NAME of FD (P names it). */
static int clear_entry(struct store_path *p, int fd, const struct dirent *e, int depth, struct iso_error **err)
{
	int is_dir = e->d_type == DT_DIR;
	if (e->d_type == DT_UNKNOWN) {
		struct stat st;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : store_fail(p, errno, "inspect", err);
		is_dir = S_ISDIR(st.st_mode);
	}
	if (is_dir) {
		cleanup_close int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (sub < 0 || fstat(sub, &st) < 0)
			return store_fail(p, errno, "open the directory", err);
		/* A read-only directory (a copied 0500) would refuse its entries to its owner without capabilities. */
		if ((st.st_mode & 0700) != 0700)
			(void)fchmod(sub, (st.st_mode & 07777) | 0700);
		if (store_tree_clear(p, sub, depth + 1, err) < 0)
			return -1;
	}
	if (unlinkat(fd, e->d_name, is_dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return store_fail(p, errno, "remove", err);
	return 0;
}

int store_tree_clear(struct store_path *p, int fd, int depth, struct iso_error **err)
{
	if (depth >= STORE_DEPTH_MAX) {
		char path[PATH_MAX + 256];
		return iso_error_set(err, ISO_E_INTERNAL, ELOOP, "'%s' is nested deeper than %d directories",
				     store_path_str(p, path, sizeof path), STORE_DEPTH_MAX);
	}
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	if (!d) {
		if (dup >= 0)
			close(dup);
		return store_fail(p, errno, "read the directory", err);
	}
	/* Pass again until one finds nothing: entries removed under readdir must not hide others. */
	for (int removed = 1; removed;) {
		removed = 0;
		rewinddir(d);
		for (;;) {
			errno = 0;
			struct dirent *e = readdir(d);
			if (!e && errno) {
				closedir(d);
				return store_fail(p, errno, "read the directory", err);
			}
			if (!e)
				break;
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			size_t saved;
			int r = store_path_push(p, e->d_name, &saved) < 0 ? store_fail(p, errno, "remove", err)
									  : clear_entry(p, fd, e, depth, err);
			store_path_pop(p, saved);
			if (r < 0) {
				closedir(d);
				return -1;
			}
			removed++;
		}
	}
	closedir(d);
	return 0;
}
