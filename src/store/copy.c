/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/store/copy.c - store_copy and store_clear: check the jobs, fork the
 * one helper (netns_run_userns) that walks them, bring its stats back.
 *
 * Why one helper for all the jobs: entering the namespace costs a fork, and
 * a template is two volumes (database and filestore) copied together.  Why
 * the nesting check before anything: clear_dst on a destination that holds
 * the source would delete the source.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "tree.h"

enum { TAG_STATS = 1 };

struct copy_arg {
	const struct store_copy_job *jobs;
	size_t n;
	int sync;
};

struct clear_arg {
	const char *const *dirs;
	size_t n;
};

/* A relative path of plain names: no leading '/', no empty, "." or ".." part. */
static int rel_ok(const char *s)
{
	if (!s || !*s || *s == '/' || strlen(s) >= PATH_MAX)
		return 0;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;
	}
	return 1;
}

static int job_check(const struct store_copy_job *j, struct iso_error **err)
{
	if (!j->src || !*j->src || !j->dst || !*j->dst)
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL, "a copy job needs a source and a destination");
	if (!j->rename_from != !j->rename_to)
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
				     "the copy of '%s' names only one of rename_from and rename_to", j->src);
	if (j->rename_from) {
		size_t fl = strlen(j->rename_from);
		if (!rel_ok(j->rename_from) || !rel_ok(j->rename_to) || strcmp(j->rename_from, j->rename_to) == 0)
			return iso_error_set(
				err, ISO_E_INTERNAL, EINVAL,
				"cannot copy '%s' as '%s': both must be distinct relative paths of plain names",
				j->rename_from, j->rename_to);
		if (strncmp(j->rename_to, j->rename_from, fl) == 0 && j->rename_to[fl] == '/')
			return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
					     "cannot copy '%s' as '%s', which lies inside it", j->rename_from,
					     j->rename_to);
	}
	for (const char *const *s = j->skip; s && *s; s++)
		if (!rel_ok(*s) || strchr(*s, '/'))
			return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
					     "cannot skip '%s' in '%s': name an entry at the top of the source", *s,
					     j->src);
	return 0;
}

/* Split REL into its parent (DIR, "" at the top) and its last name (*BASE, inside REL). */
static void split(const char *rel, char *dir, size_t size, const char **base)
{
	const char *slash = strrchr(rel, '/');
	*base = slash ? slash + 1 : rel;
	snprintf(dir, size, "%.*s", slash ? (int)(slash - rel) : 0, rel);
}

/* 1 when the directory FD is TOP or lies below it (climbing ".." to the root), else 0. */
static int lies_in(int fd, const struct stat *top)
{
	cleanup_close int cur = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct stat st;
	for (int i = 0; cur >= 0 && i < 4096 && fstat(cur, &st) == 0; i++) {
		if (st.st_dev == top->st_dev && st.st_ino == top->st_ino)
			return 1;
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct stat ust;
		if (up < 0 || fstat(up, &ust) < 0 || (ust.st_dev == st.st_dev && ust.st_ino == st.st_ino)) {
			if (up >= 0)
				close(up);
			return 0;
		}
		close(cur);
		cur = up;
	}
	return 0;
}

static int check_apart(const struct store_copy_job *j, int sfd, const struct stat *sst, int dfd, const struct stat *dst,
		       struct iso_error **err)
{
	if (lies_in(dfd, sst))
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
				     "the destination '%s' lies inside the source '%s'; copy into a directory apart",
				     j->dst, j->src);
	if (lies_in(sfd, dst))
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
				     "the source '%s' lies inside the destination '%s'; copy into a directory apart",
				     j->src, j->dst);
	return 0;
}

static int run_job(struct store_walk *w, const struct store_copy_job *j, struct iso_error **err)
{
	struct stat sst, dst;
	w->job = j;
	w->s = (struct store_path){.root = j->src};
	w->d = (struct store_path){.root = j->dst};
	w->renamed = 0;
	if (j->rename_from) {
		split(j->rename_from, w->from_dir, sizeof w->from_dir, &w->from_base);
		split(j->rename_to, w->to_dir, sizeof w->to_dir, &w->to_base);
	}
	cleanup_close int sfd = store_open_root(&w->s, "source", &sst, err);
	if (sfd < 0)
		return -1;
	w->wal_keep[0] = '\0';
	if (j->pg_wal_trim)
		store_wal_newest(sfd, w->wal_keep, sizeof w->wal_keep);
	cleanup_close int dfd = store_open_root(&w->d, "destination", &dst, err);
	if (dfd < 0 || check_apart(j, sfd, &sst, dfd, &dst, err) < 0)
		return -1;
	if (j->clear_dst) {
		netns_chan_step(w->ch, "clearing '%s'", j->dst);
		if (store_tree_clear(&w->d, dfd, 0, err) < 0)
			return -1;
	}
	return store_tree_copy(w, sfd, dfd, &sst, err);
}

/* syncfs each destination's file system once. */
static int sync_all(struct netns_chan *ch, const struct store_copy_job *jobs, size_t n, struct iso_error **err)
{
	dev_t done[16];
	size_t n_done = 0;
	for (size_t i = 0; i < n; i++) {
		struct store_path p = {.root = jobs[i].dst};
		struct stat st;
		cleanup_close int fd = open(jobs[i].dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return store_fail(&p, errno, "open the directory", err);
		size_t k = 0;
		while (k < n_done && done[k] != st.st_dev)
			k++;
		if (k < n_done)
			continue;
		netns_chan_step(ch, "syncing '%s'", jobs[i].dst);
		if (syncfs(fd) < 0)
			return store_fail(&p, errno, "sync the file system of", err);
		if (n_done < ISO_ARRAY_SIZE(done))
			done[n_done++] = st.st_dev;
	}
	return 0;
}

static void method_name(unsigned m, char *buf, size_t size)
{
	static const char *const names[] = {"reflink", "copy_file_range", "read/write"};
	size_t used = 0;
	buf[0] = '\0';
	if (m == (STORE_M_CLONE | STORE_M_CFR | STORE_M_RW)) {
		snprintf(buf, size, "mixed");
		return;
	}
	for (unsigned i = 0; i < 3; i++)
		if (m & (1u << i))
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "+" : "", names[i]);
	if (!used)
		snprintf(buf, size, "none");
}

static int copy_fn(struct netns_chan *ch, void *argp, struct iso_error **err)
{
	const struct copy_arg *a = argp;
	struct store_walk *w = xzalloc(sizeof *w);
	int r = 0;
	w->ch = ch;
	w->buf = xmalloc(STORE_BUF);
	for (size_t i = 0; r == 0 && i < a->n; i++)
		r = run_job(w, &a->jobs[i], err);
	if (r == 0 && a->sync)
		r = sync_all(ch, a->jobs, a->n, err);
	if (r == 0) {
		method_name(w->methods, w->st.method, sizeof w->st.method);
		r = netns_chan_put(ch, TAG_STATS, &w->st, sizeof w->st, err);
	}
	free(w->buf);
	free(w);
	return r;
}

struct store_copying {
	struct netns_job *job;
	int64_t t0;
};

int store_copy_start(pid_t pid, const struct store_copy_job *jobs, size_t n_jobs, int sync, int timeout_ms,
		     struct store_copying **out, struct iso_error **err)
{
	*out = NULL;
	int64_t t0 = iso_now_ms();
	for (size_t i = 0; i < n_jobs; i++)
		if (job_check(&jobs[i], err) < 0)
			return -1;
	/* The helper gets its own copy of A and the jobs at the fork: they may go once this returns. */
	struct copy_arg a = {.jobs = jobs, .n = n_jobs, .sync = sync};
	struct netns_run_opts opts = {.timeout_ms = timeout_ms > 0 ? timeout_ms : STORE_TIMEOUT_MS_DEFAULT};
	struct netns_job *job = NULL;
	if (netns_run_userns_start(pid, copy_fn, &a, &opts, &job, err) < 0)
		return -1;
	struct store_copying *c = xzalloc(sizeof *c);
	c->job = job;
	c->t0 = t0;
	*out = c;
	return 0;
}

int store_copy_finish(struct store_copying *c, struct store_copy_stats *st, struct iso_error **err)
{
	int64_t t0 = c->t0;
	struct netns_result res = {0};
	int rc = netns_job_finish(c->job, &res, err);
	free(c);
	if (rc < 0)
		return -1;
	struct netns_rec r = {0};
	struct store_copy_stats got;
	int found = 0;
	while (netns_result_next(&res, &r))
		if (r.tag == TAG_STATS && r.len == sizeof got) {
			memcpy(&got, r.data, sizeof got);
			found = 1;
		}
	netns_result_release(&res);
	if (!found)
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO, "the copy helper sent no statistics");
	got.method[sizeof got.method - 1] = '\0';
	got.ms = iso_now_ms() - t0;
	if (st)
		*st = got;
	return 0;
}

int store_copy(pid_t pid, const struct store_copy_job *jobs, size_t n_jobs, int sync, int timeout_ms,
	       struct store_copy_stats *st, struct iso_error **err)
{
	struct store_copying *c = NULL;
	if (store_copy_start(pid, jobs, n_jobs, sync, timeout_ms, &c, err) < 0)
		return -1;
	return store_copy_finish(c, st, err);
}

static int clear_fn(struct netns_chan *ch, void *argp, struct iso_error **err)
{
	const struct clear_arg *a = argp;
	for (size_t i = 0; i < a->n; i++) {
		struct store_path *p = xzalloc(sizeof *p);
		struct stat st;
		p->root = a->dirs[i];
		int fd = store_open_root(p, "directory", &st, err);
		int r = -1;
		if (fd >= 0) {
			netns_chan_step(ch, "clearing '%s'", a->dirs[i]);
			r = store_tree_clear(p, fd, 0, err);
			close(fd);
		}
		free(p);
		if (r < 0)
			return -1;
	}
	return 0;
}

int store_clear(pid_t pid, const char *const *dirs, size_t n, int timeout_ms, struct iso_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (!dirs[i] || !*dirs[i])
			return iso_error_set(err, ISO_E_INTERNAL, EINVAL, "a directory to clear has no name");
	struct clear_arg a = {.dirs = dirs, .n = n};
	struct netns_run_opts opts = {.timeout_ms = timeout_ms > 0 ? timeout_ms : STORE_TIMEOUT_MS_DEFAULT};
	struct netns_result res = {0};
	if (netns_run_userns(pid, clear_fn, &a, &opts, &res, err) < 0)
		return -1;
	netns_result_release(&res);
	return 0;
}
