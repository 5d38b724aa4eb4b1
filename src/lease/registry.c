/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease_registry.c - the registry directory (its rules for a shared one),
 * the lock, and the read / write-by-rename of the lease file.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "internal.h"

int lease_unpriv_port_start(const char *path)
{
	char buf[32] = {0};
	long v;
	cleanup_close int fd =
		open(path ? path : "/proc/sys/net/ipv4/ip_unprivileged_port_start", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return 1024;
	buf[strcspn(buf, "\n")] = '\0';
	return iso_parse_long(buf, 0, 65536, &v) < 0 ? 1024 : (int)v;
}

static int in_group(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (getegid() == gid)
		return 1;
	n = getgroups((int)ISO_ARRAY_SIZE(groups), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

static void group_name(gid_t gid, char *buf, size_t size)
{
	struct group gr, *res = NULL;
	char tmp[1024];

	if (getgrgid_r(gid, &gr, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, size, "%s", res->gr_name);
	else
		snprintf(buf, size, "%u", (unsigned)gid);
}

/* The rules of a shared directory, with the chmod that fixes a breach. */
static int check_shared(const char *dir, const struct stat *st, struct iso_error **err)
{
	char fix[64] = "", grp[256];
	size_t off = 0;

	group_name(st->st_gid, grp, sizeof(grp));
	if (geteuid() != 0 && !in_group(st->st_gid))
		return iso_error_set(err, ISO_E_HOST, EACCES,
				     "shared registry directory '%s' belongs to group '%s', which you are not in; "
				     "ask an administrator to add you (usermod -aG %s USER) and log in again",
				     dir, grp, grp);
	if ((st->st_mode & (S_IRGRP | S_IWGRP | S_IXGRP)) != (S_IRGRP | S_IWGRP | S_IXGRP))
		off += (size_t)snprintf(fix + off, sizeof(fix) - off, "%sg+rwx", off ? "," : "");
	if (!(st->st_mode & S_ISGID))
		off += (size_t)snprintf(fix + off, sizeof(fix) - off, "%sg+s", off ? "," : "");
	if (st->st_mode & S_ISVTX)
		off += (size_t)snprintf(fix + off, sizeof(fix) - off, "%so-t", off ? "," : "");
	if (st->st_mode & S_IWOTH)
		off += (size_t)snprintf(fix + off, sizeof(fix) - off, "%so-w", off ? "," : "");
	if (off)
		return iso_error_set(err, ISO_E_HOST, 0,
				     "shared registry directory '%s' must be group-writable, setgid, not sticky and "
				     "not world-writable (mode is %04o, group '%s'); fix it: chmod %s '%s'",
				     dir, (unsigned)(st->st_mode & 07777), grp, fix, dir);
	return 0;
}

int lease_registry_open(struct lease_registry *reg, const char *dir, int shared, struct iso_error **err)
{
	cleanup_close int fd = -1;
	struct stat st;

	memset(reg, 0, sizeof(*reg));
	reg->dirfd = -1;
	if (!shared && iso_mkdir_p(dir, 0700, err) < 0)
		return iso_error_wrap(err, "lease registry");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return iso_error_set(err, ISO_E_HOST, errno,
				     "shared registry directory '%s' does not exist; create it: mkdir -m 2770 '%s' && "
				     "chgrp GROUP '%s'",
				     dir, dir, dir);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return iso_error_set(err, ISO_E_HOST, errno,
				     "registry directory '%s' is a symbolic link or not a directory; point "
				     "registry_dir at the real directory",
				     dir);
	/* A 2770 directory of a group we are not in: say that, not just EACCES. */
	if (fd < 0 && errno == EACCES && shared) {
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && !in_group(st.st_gid) &&
		    check_shared(dir, &st, err) < 0)
			return -1;
		errno = EACCES;
	}
	if (fd < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot open registry directory '%s': %s", dir,
				     strerror(errno));
	if (fstat(fd, &st) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot stat registry directory '%s': %s", dir,
				     strerror(errno));
	if (shared && check_shared(dir, &st, err) < 0)
		return -1;
	reg->dir = xstrdup(dir);
	reg->dirfd = iso_steal_fd(&fd);
	reg->shared = shared;
	reg->gid = st.st_gid;
	reg->unpriv_port_start = lease_unpriv_port_start(NULL);
	return 0;
}

const char *lease_origin_name(enum lease_origin o)
{
	static const char *const names[] = {"configured", "host-wide", "per-user", "per-user (fallback)"};
	return (unsigned)o < ISO_ARRAY_SIZE(names) ? names[o] : "unknown";
}

void lease_how_release(struct lease_how *how)
{
	free(how->hostwide);
	free(how->why);
	how->hostwide = how->why = NULL;
}

/*
 * Open the host-wide registry DIR when this user may use it: 0 opened; -1
 * passed over, *WHY saying why (NULL when DIR does not exist: nothing to say).
 */
static int open_hostwide(struct lease_registry *reg, const char *dir, char **why)
{
	struct iso_error *e = NULL;

	*why = NULL;
	if (lease_registry_open(reg, dir, 1, &e) == 0) {
		/* The rules hold; a read-only mount or an ACL can still keep this user out. */
		if (faccessat(reg->dirfd, ".", R_OK | W_OK | X_OK, AT_EACCESS) == 0)
			return 0;
		*why = xasprintf("host-wide registry directory '%s' is not writable for you: %s; ask an "
				 "administrator to fix it (docs/shared-server.md)",
				 dir, strerror(errno));
		lease_registry_release(reg);
		return -1;
	}
	if (e->status != ENOENT)
		*why = iso_steal_pointer(&e->msg);
	iso_error_free(e);
	return -1;
}

int lease_registry_open_how(struct lease_registry *reg, const struct iso_config *cfg, struct lease_how *how,
			    struct iso_error **err)
{
	const char *dir = cfg->registry_dir ? cfg->registry_dir : cfg->state_dir;

	memset(how, 0, sizeof(*how));
	memset(reg, 0, sizeof(*reg));
	reg->dirfd = -1;
	if (!dir)
		return iso_error_set(err, ISO_E_INTERNAL, 0, "no registry directory configured; set registry_dir");
	if (cfg->registry_shared && cfg->registry_dir)
		return lease_registry_open(reg, dir, 1, err);
	how->hostwide = xstrdup(cfg->registry_hostwide ? cfg->registry_hostwide : LEASE_HOSTWIDE_DIR);
	if (open_hostwide(reg, how->hostwide, &how->why) == 0) {
		how->origin = LEASE_ORIGIN_HOSTWIDE;
		return 0;
	}
	how->origin = how->why ? LEASE_ORIGIN_FALLBACK : LEASE_ORIGIN_PRIVATE;
	return lease_registry_open(reg, dir, 0, err);
}

int lease_registry_open_config(struct lease_registry *reg, const struct iso_config *cfg, struct iso_error **err)
{
	struct lease_how how;
	int rc = lease_registry_open_how(reg, cfg, &how, err);

	if (rc == 0 && how.origin == LEASE_ORIGIN_FALLBACK)
		iso_warn("lease registry: using your per-user '%s', not the host-wide one, so another user may be "
			 "handed the same ports: %s",
			 reg->dir, how.why);
	lease_how_release(&how);
	return rc;
}

void lease_registry_release(struct lease_registry *reg)
{
	if (reg->dirfd >= 0)
		close(reg->dirfd);
	free(reg->dir);
	reg->dir = NULL;
	reg->dirfd = -1;
}

/* ---- the transaction ---- */

/*
 * A lease file that cannot be written (the old one is untouched): a full or
 * read-only directory is the host's state, with what to do; anything else
 * is internal.
 */
static int write_failed(const struct lease_registry *reg, int e, struct iso_error **err)
{
	if (e == ENOSPC || e == EDQUOT || e == EFBIG)
		return iso_error_set(err, ISO_E_HOST, e,
				     "cannot write lease file '%s/%s': %s; the lease file is unchanged: free space "
				     "in '%s' (df -h '%s') and run the command again",
				     reg->dir, LEASE_FILE, strerror(e), reg->dir, reg->dir);
	if (e == EROFS || e == EACCES || e == EPERM)
		return iso_error_set(err, ISO_E_HOST, e,
				     "cannot write lease file '%s/%s': %s; the lease file is unchanged: make '%s' "
				     "writable for you (chmod u+w '%s', or remount it read-write), or point "
				     "ISOPOD_STATE_DIR (ISOPOD_REGISTRY_DIR for a shared registry) elsewhere",
				     reg->dir, LEASE_FILE, strerror(e), reg->dir, reg->dir);
	return iso_error_set(err, ISO_E_INTERNAL, e, "cannot write lease file '%s/%s': %s", reg->dir, LEASE_FILE,
			     strerror(e));
}

static int open_lock(const struct lease_registry *reg, struct iso_error **err)
{
	mode_t mode = reg->shared ? 0660 : 0600;
	int fd = openat(reg->dirfd, LEASE_LOCK_FILE, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd >= 0) {
		/* Our umask must not keep the other users of a shared directory out. */
		if (fchmod(fd, mode) < 0 || (reg->shared && fchown(fd, (uid_t)-1, reg->gid) < 0 && errno != EPERM)) {
			int e = errno;
			close(fd);
			return iso_error_set(err, ISO_E_INTERNAL, e, "cannot set up lock file '%s/%s': %s", reg->dir,
					     LEASE_LOCK_FILE, strerror(e));
		}
		return fd;
	}
	if (errno == EEXIST) {
		fd = openat(reg->dirfd, LEASE_LOCK_FILE, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == EACCES) /* flock needs no write access */
			fd = openat(reg->dirfd, LEASE_LOCK_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return iso_error_set(err, ISO_E_HOST, errno,
				     "cannot open lock file '%s/%s': %s; check its owner and mode", reg->dir,
				     LEASE_LOCK_FILE, strerror(errno));
	return fd;
}

static int read_leases(struct lease_txn *t, struct iso_error **err)
{
	const struct lease_registry *reg = t->reg;
	cleanup_free char *what = xasprintf("%s/%s", reg->dir, LEASE_FILE);
	cleanup_close int fd = openat(reg->dirfd, LEASE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	size_t got = 0;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot read lease file '%s': %s", what,
				     strerror(errno));
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > LEASE_FILE_CAP)
		return iso_error_set(err, ISO_E_INTERNAL, 0,
				     "lease file '%s' is not a regular file of at most %u bytes; move it aside", what,
				     LEASE_FILE_CAP);
	t->buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, t->buf + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot read lease file '%s': %s", what,
					     strerror(errno));
		if (k == 0)
			break;
		got += (size_t)k;
	}
	t->buf[got] = '\0';
	t->len = got;
	if (lease_parse(t->buf, t->len, what, &t->e, &t->n, err) < 0) {
		t->damaged = 1;
		return -1;
	}
	t->cap = t->n;
	return 0;
}

/* The lines of the damaged file in T->buf that parse on their own and are not UID's, each once. */
static size_t salvage_lines(struct lease_txn *t, uid_t uid, size_t *dropped)
{
	static const char header[] = LEASE_FORMAT_MAGIC "\t1\t1\n";
	const char *p = t->buf, *end = t->buf + t->len;
	size_t kept = 0;
	*dropped = 0;
	for (const char *nl; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (p == t->buf && !strncmp(p, LEASE_FORMAT_MAGIC "\t", sizeof(LEASE_FORMAT_MAGIC)))
			continue; /* the header */
		size_t n = (size_t)(nl - p);
		cleanup_free char *one = xasprintf("%s%.*s\n", header, (int)n, p);
		cleanup_free struct lease_entry *e = NULL;
		size_t ne = 0;
		struct iso_error *ignored = NULL;
		if (lease_parse(one, strlen(one), "", &e, &ne, &ignored) < 0 || ne != 1) {
			iso_error_free(ignored);
			*dropped += n > 0;
			continue;
		}
		const struct lease_key key = {e[0].l.uid, e[0].l.profile, e[0].l.wo};
		if (e[0].l.uid == uid || lease_txn_find_port(t, e[0].l.port) ||
		    lease_txn_find(t, &key, e[0].l.purpose)) {
			*dropped += e[0].l.uid != uid; /* the caller's own are rebuilt from the labels */
			continue;
		}
		lease_txn_add(t)->l = e[0].l;
		kept++;
	}
	return kept;
}

int lease_txn_begin_salvage(struct lease_txn *t, const struct lease_registry *reg, uid_t uid, struct lease_salvage *out,
			    struct iso_error **err)
{
	struct iso_error *e = NULL;
	memset(out, 0, sizeof(*out));
	if (lease_txn_begin(t, reg, 1, &e) == 0 || !t->damaged)
		return e ? iso_error_move(err, e) : 0;
	out->why = xstrdup(e->msg);
	iso_error_free(e);
	free(t->e);
	t->e = NULL;
	t->n = t->cap = 0;
	out->kept = salvage_lines(t, uid, &out->dropped);
	/* Kept for whoever wants to look; the lock is held, so nobody writes in between. */
	out->aside = xasprintf("%s.damaged-%lld", LEASE_FILE, (long long)time(NULL));
	if (renameat(reg->dirfd, LEASE_FILE, reg->dirfd, out->aside) < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot move the damaged lease file '%s/%s' aside: %s",
				     reg->dir, LEASE_FILE, strerror(errno));
	t->changed = 1;
	return 0;
}

void lease_salvage_release(struct lease_salvage *s)
{
	free(s->aside);
	free(s->why);
	memset(s, 0, sizeof(*s));
}

int lease_txn_begin(struct lease_txn *t, const struct lease_registry *reg, int lock, struct iso_error **err)
{
	memset(t, 0, sizeof(*t));
	t->reg = reg;
	t->lockfd = -1;
	if (lock) {
		t->lockfd = open_lock(reg, err);
		if (t->lockfd < 0)
			return -1;
		while (flock(t->lockfd, LOCK_EX) < 0) {
			if (errno != EINTR)
				return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot lock '%s/%s': %s", reg->dir,
						     LEASE_LOCK_FILE, strerror(errno));
		}
	}
	return read_leases(t, err);
}

void lease_txn_end(struct lease_txn *t)
{
	if (t->lockfd >= 0)
		close(t->lockfd); /* drops the flock */
	t->lockfd = -1;
	free(t->e);
	free(t->buf);
	t->e = NULL;
	t->buf = NULL;
	t->n = t->cap = 0;
}

void lease_txn_reserve(struct lease_txn *t, size_t extra)
{
	if (t->n + extra > t->cap) {
		t->cap = t->n + extra;
		t->e = xrealloc(t->e, t->cap * sizeof(*t->e));
	}
}

struct lease_entry *lease_txn_add(struct lease_txn *t)
{
	if (t->n == t->cap)
		lease_txn_reserve(t, t->n + 8);
	memset(&t->e[t->n], 0, sizeof(t->e[t->n]));
	t->changed = 1;
	return &t->e[t->n++];
}

void lease_txn_touch(struct lease_txn *t, struct lease_entry *e)
{
	e->line = NULL;
	t->changed = 1;
}

struct lease_entry *lease_txn_find_port(struct lease_txn *t, int port)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->e[i].dropped && t->e[i].l.port == port)
			return &t->e[i];
	return NULL;
}

struct lease_entry *lease_txn_find(struct lease_txn *t, const struct lease_key *key, enum iso_port_purpose purpose)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->e[i].dropped && t->e[i].l.purpose == purpose && lease_matches(&t->e[i].l, key))
			return &t->e[i];
	return NULL;
}

/*
 * The new file as pieces to writev: the header, runs of kept lines straight
 * from the buffer read (contiguous ones coalesced), changed lines formatted
 * into FMT.  No copy of a thousand unchanged lines.
 */
struct image {
	struct iovec *iov;
	size_t n;
	char header[64];
	char *fmt;
};

static void image_add(struct image *im, const char *p, size_t len)
{
	struct iovec *last = im->n ? &im->iov[im->n - 1] : NULL;

	if (last && (const char *)last->iov_base + last->iov_len == p) {
		last->iov_len += len;
		return;
	}
	im->iov[im->n].iov_base = (void *)p;
	im->iov[im->n].iov_len = len;
	im->n++;
}

static void image_build(const struct lease_txn *t, struct image *im)
{
	size_t live = 0, changed = 0, off = 0;

	for (size_t i = 0; i < t->n; i++) {
		live += !t->e[i].dropped;
		changed += !t->e[i].dropped && !t->e[i].line;
	}
	im->iov = xmalloc((live + 1) * sizeof(*im->iov));
	im->fmt = xmalloc(changed * LEASE_LINE_MAX + 1);
	im->n = 0;
	image_add(im, im->header,
		  (size_t)snprintf(im->header, sizeof(im->header), "%s\t%d\t%zu\n", LEASE_FORMAT_MAGIC,
				   LEASE_FORMAT_VERSION, live));
	for (size_t i = 0; i < t->n; i++) {
		const struct lease_entry *e = &t->e[i];
		size_t n;
		if (e->dropped)
			continue;
		if (e->line) {
			image_add(im, e->line, e->len);
			continue;
		}
		lease_format_line(&e->l, im->fmt + off, LEASE_LINE_MAX, &n);
		image_add(im, im->fmt + off, n);
		off += n;
	}
}

/* writev all of IOV, in batches of IOV_MAX, through short writes and EINTR. */
static int write_iov(int fd, struct iovec *iov, size_t n)
{
	while (n > 0) {
		ssize_t k = writev(fd, iov, (int)(n < IOV_MAX ? n : IOV_MAX));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

int lease_txn_commit(struct lease_txn *t, struct iso_error **err)
{
	const struct lease_registry *reg = t->reg;
	mode_t mode = reg->shared ? 0660 : 0600;
	struct image im = {0};
	cleanup_close int fd = -1;
	struct stat st;

	if (!t->changed)
		return 0;
	if (t->lockfd < 0)
		return iso_error_set(err, ISO_E_INTERNAL, 0, "lease file written without its lock");
	image_build(t, &im);
	/* A killed writer may have left its temporary file behind; we hold the lock, so it is stale. */
	if (unlinkat(reg->dirfd, LEASE_TMP_FILE, 0) < 0 && errno != ENOENT)
		goto fail;
	fd = openat(reg->dirfd, LEASE_TMP_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (st.st_gid != reg->gid && fchown(fd, (uid_t)-1, reg->gid) < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || write_iov(fd, im.iov, im.n) < 0 || fsync(fd) < 0)
		goto fail;
	if (renameat(reg->dirfd, LEASE_TMP_FILE, reg->dirfd, LEASE_FILE) < 0)
		goto fail;
	if (fsync(reg->dirfd) < 0)
		goto fail;
	t->changed = 0;
	free(im.iov);
	free(im.fmt);
	return 0;
fail : {
	int e = errno;
	free(im.iov);
	free(im.fmt);
	unlinkat(reg->dirfd, LEASE_TMP_FILE, 0);
	return write_failed(reg, e, err);
}
}
