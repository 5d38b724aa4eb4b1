/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_copy.c - store_copy, store_clear and netns_run_userns on trees built in a temporary
 * directory: what a copy keeps (contents, modes, owners, times, links as links), leaves out (sockets,
 * the skip list, the source's own rename target) and refuses (fifos, devices, a missing or linked root,
 * one tree inside the other); a full file system is a host error naming the fix.  Owners of other
 * uids are checked as root only (a user cannot chown).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "netns/netns.h"
#include "store/copy.h"
#include "test_netns_pod.h"

struct ent {
	const char *path;
	char type; /* d f l s */
	mode_t mode;
	size_t size;
	const char *target;
	int foreign; /* as root: owned by another uid/gid */
};

#define F(p, m, s, ...)                                                                                                \
	{                                                                                                              \
		.path = p, .type = 'f', .mode = m, .size = s, __VA_ARGS__                                              \
	}
#define D(p, m, ...)                                                                                                   \
	{                                                                                                              \
		.path = p, .type = 'd', .mode = m, __VA_ARGS__                                                         \
	}
#define L(p, t, ...)                                                                                                   \
	{                                                                                                              \
		.path = p, .type = 'l', .target = t, __VA_ARGS__                                                       \
	}
static const struct ent TREE[] = {
	F("a.txt", 0644, 5),
	F("empty", 0600, 0),
	F("big.bin", 0600, 3u << 20),
	F("exec.sh", 04755, 100),
	D("secret", 0700, .foreign = 1),
	D("secret/deep", 0755),
	D("secret/deep/nested", 0750),
	F("secret/deep/nested/file", 0640, 8192, .foreign = 1),
	D("ro", 0500),
	F("ro/f", 0444, 10),
	L("link", "a.txt", .foreign = 1),
	L("dangling", "does/not/exist"),
	L("abs", "/etc/passwd"),
	D("sub", 0755),
	L("sub/to_secret", "../secret"),
	D("sub/sessions", 0755),
	F("sub/sessions/keep", 0644, 3),
	D("filestore", 0755),
	D("filestore/tpl_x", 0700),
	D("filestore/tpl_x/ab", 0700),
	F("filestore/tpl_x/ab/hash1", 0600, 20000, .foreign = 1),
	D("filestore/hub_wo-042", 0700),
	F("filestore/hub_wo-042/stale", 0600, 1),
	D("filestore/other", 0755),
	F("filestore/other/x", 0644, 7),
	D("sessions", 0700),
	F("sessions/s1", 0600, 50),
	{.path = "sock", .type = 's'},
};
#define N_TREE ISO_ARRAY_SIZE(TREE)
#define ROOT_MODE 0751
static const char *const SKIP[] = {"sessions", NULL};
/* The job of the template case: the filestore's database renamed, the sessions left behind. */
#define TEMPLATE_JOB(f, clear)                                                                                         \
	{                                                                                                              \
		.src = (f)->src, .dst = (f)->dst, .clear_dst = clear, .rename_from = "filestore/tpl_x",                \
		.rename_to = "filestore/hub_wo-042", .skip = SKIP                                                      \
	}

struct fx {
	char root[64];
	char src[96], dst[96];
	struct stat st[N_TREE]; /* the source entries as built */
	struct stat root_st;
	struct tpod pod;
};

static int setup(void **state)
{
	struct fx *f = xzalloc(sizeof *f);
	f->pod.pid = -1;
	snprintf(f->root, sizeof f->root, "/tmp/isopod-test-store-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->src, sizeof f->src, "%s/src", f->root);
	snprintf(f->dst, sizeof f->dst, "%s/dst", f->root);
	if (mkdir(f->src, 0700) < 0 || mkdir(f->dst, 0700) < 0)
		return -1;
	*state = f;
	return 0;
}

/* Runs after a failed test too: read-only directories first made writable. */
static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];
	tpod_stop(&f->pod);
	snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", f->root, f->root);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void path(char *buf, size_t n, const char *dir, const char *rel)
{
	if ((size_t)snprintf(buf, n, "%s%s%s", dir, rel && *rel ? "/" : "", rel ? rel : "") >= n)
		fail_msg("path too long: '%s/%s'", dir, rel);
}

/* The content of file REL: bytes from a generator seeded by its path. */
static void fill(const char *rel, unsigned char *buf, size_t n)
{
	uint32_t x = 2166136261u;
	for (const char *p = rel; *p; p++)
		x = (x ^ (unsigned char)*p) * 16777619u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

static void put_file(const char *p, const char *rel, size_t size, mode_t mode)
{
	unsigned char *buf = xmalloc(size);
	fill(rel, buf, size);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(iso_write_all(fd, buf, size), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	free(buf);
}

static void put_socket(const char *p)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	assert_true(strlen(p) < sizeof a.sun_path);
	memcpy(a.sun_path, p, strlen(p) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	close(s);
}

/* The times given to entry I (-1: the root); mtime when M. */
static struct timespec when(int i, int m)
{
	return (struct timespec){.tv_sec = (m ? 1200000000 : 1000000000) + (i + 1) * 100,
				 .tv_nsec = (m ? 222222 : 111111) + i + 1};
}

/* Modes and times of TREE under DIR, children before parents; records the entries as they are then. */
static void set_times(struct fx *f, const char *dir)
{
	char p[PATH_MAX];
	for (size_t i = N_TREE; i-- > 0;) {
		const struct ent *e = &TREE[i];
		path(p, sizeof p, dir, e->path);
		if (e->type == 'd' || e->type == 'f')
			assert_int_equal(chmod(p, e->mode), 0);
		struct timespec ts[2] = {when((int)i, 0), when((int)i, 1)};
		if (e->type != 's')
			assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
		assert_int_equal(lstat(p, &f->st[i]), 0);
	}
	struct timespec ts[2] = {when(-1, 0), when(-1, 1)};
	assert_int_equal(chmod(dir, ROOT_MODE), 0);
	assert_int_equal(utimensat(AT_FDCWD, dir, ts, 0), 0);
	assert_int_equal(lstat(dir, &f->root_st), 0);
}

/* Build TREE under DIR; owners first (a chown clears setuid), then modes and times, children before parents. */
static void build(struct fx *f, const char *dir)
{
	char p[PATH_MAX];
	for (size_t i = 0; i < N_TREE; i++) {
		const struct ent *e = &TREE[i];
		path(p, sizeof p, dir, e->path);
		if (e->type == 'd')
			assert_int_equal(mkdir(p, 0700), 0);
		else if (e->type == 'f')
			put_file(p, e->path, e->size, 0600);
		else if (e->type == 'l')
			assert_int_equal(symlink(e->target, p), 0);
		else
			put_socket(p);
		if (e->foreign && getuid() == 0)
			assert_int_equal(lchown(p, e->type == 'l' ? 4242 : 12345, e->type == 'l' ? 4343 : 23456), 0);
	}
	set_times(f, dir);
}

/* Where REL of the source lands in the copy (NULL: nowhere): the job's skip list and rename. */
static const char *mapped(const char *rel, char *buf, size_t n)
{
	static const char from[] = "filestore/tpl_x", to[] = "filestore/hub_wo-042";
	size_t fl = strlen(from), tl = strlen(to);
	if (strcmp(rel, "sock") == 0 || strncmp(rel, "sessions", 8) == 0)
		return NULL;
	if (strncmp(rel, to, tl) == 0 && (!rel[tl] || rel[tl] == '/'))
		return NULL;
	if (strncmp(rel, from, fl) == 0 && (!rel[fl] || rel[fl] == '/')) {
		snprintf(buf, n, "%s%s", to, rel + fl);
		return buf;
	}
	return rel;
}

static void same_times(const struct stat *d, int i, const char *what)
{
	struct timespec a = when(i, 0), m = when(i, 1);
	if (memcmp(&d->st_atim, &a, sizeof a) != 0 || memcmp(&d->st_mtim, &m, sizeof m) != 0)
		fail_msg("'%s': times %ld.%09ld/%ld.%09ld, expected %ld.%09ld/%ld.%09ld", what, (long)d->st_atim.tv_sec,
			 d->st_atim.tv_nsec, (long)d->st_mtim.tv_sec, d->st_mtim.tv_nsec, (long)a.tv_sec, a.tv_nsec,
			 (long)m.tv_sec, m.tv_nsec);
}

static void same_content(const char *p, const char *rel, size_t size)
{
	unsigned char *want = xmalloc(size + 1);
	char *got = NULL;
	size_t len = 0;
	struct iso_error *err = NULL;
	fill(rel, want, size);
	assert_int_equal(iso_read_file(p, size + 1, &got, &len, &err), 0);
	assert_int_equal(len, size);
	assert_memory_equal(got, want, size);
	free(want);
	free(got);
}

/* Everything of the source as built, in DIR: type, mode, owner, times, size, content, link targets. */
static void check_copy(const struct fx *f, const char *dir)
{
	char p[PATH_MAX], m[PATH_MAX], t[PATH_MAX];
	struct stat d;
	for (size_t i = 0; i < N_TREE; i++) {
		const struct ent *e = &TREE[i];
		const char *rel = mapped(e->path, m, sizeof m);
		if (!rel)
			continue;
		path(p, sizeof p, dir, rel);
		if (lstat(p, &d) < 0)
			fail_msg("'%s' is missing from the copy: %s", p, strerror(errno));
		if (d.st_mode != f->st[i].st_mode)
			fail_msg("'%s': mode 0%o, expected 0%o", p, d.st_mode, f->st[i].st_mode);
		if (d.st_uid != f->st[i].st_uid || d.st_gid != f->st[i].st_gid)
			fail_msg("'%s': owner %u:%u, expected %u:%u", p, d.st_uid, d.st_gid, f->st[i].st_uid,
				 f->st[i].st_gid);
		same_times(&d, (int)i, p);
		if (e->type == 'f') {
			assert_int_equal(d.st_size, e->size);
			same_content(p, e->path, e->size);
		} else if (e->type == 'l') {
			ssize_t n = readlink(p, t, sizeof t - 1);
			assert_true(n > 0);
			t[n] = '\0';
			assert_string_equal(t, e->target);
		}
	}
	assert_int_equal(lstat(dir, &d), 0);
	assert_int_equal(d.st_mode, f->root_st.st_mode);
	assert_int_equal(d.st_uid, f->root_st.st_uid);
	same_times(&d, -1, dir);
}

static void absent(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	path(p, sizeof p, dir, rel);
	if (lstat(p, &st) == 0)
		fail_msg("'%s' should not be in the copy", p);
}

static void sh(const char *fmt, const char *a)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, fmt, a, a, a);
	assert_int_equal(system(cmd), 0);
}

static void test_copy_keeps_everything(void **state)
{
	struct fx *f = *state;
	struct iso_error *err = NULL;
	struct store_copy_stats st;
	if (getuid() != 0)
		print_message("not root: owners of other uids are not checked (a user cannot chown to them)\n");
	build(f, f->src);
	/* Old contents the copy must clear, a directory where the source has a file among them. */
	sh("mkdir -p %s/olddir/x %s/a.txt && ln -s nowhere %s/oldlink", f->dst);
	struct store_copy_job job = TEMPLATE_JOB(f, 1);
	if (store_copy(0, &job, 1, 1, 0, &st, &err) < 0)
		fail_msg("store_copy: %s", err->msg);
	check_copy(f, f->dst);
	static const char *const gone[] = {"olddir",   "oldlink",         "sock",
					   "sessions", "filestore/tpl_x", "filestore/hub_wo-042/stale"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(gone); i++)
		absent(f->dst, gone[i]);
	/* Counted: the files, directories (roots not) and links of TREE less the left-out ones. */
	assert_int_equal(st.files, 9);
	assert_int_equal(st.dirs, 10);
	assert_int_equal(st.symlinks, 4);
	assert_int_equal(st.bytes, 5 + 0 + (3u << 20) + 100 + 8192 + 10 + 3 + 20000 + 7);
	assert_true(st.ms >= 0);
	assert_string_not_equal(st.method, "none");
	print_message("copied %llu bytes with %s in %lld ms\n", (unsigned long long)st.bytes, st.method,
		      (long long)st.ms);
	sh("test -f %s/filestore/hub_wo-042/stale && test -S %s/sock", f->src); /* the source keeps what was left out */
}

static void test_copy_merges_without_clear(void **state)
{
	struct fx *f = *state;
	struct iso_error *err = NULL;
	build(f, f->src);
	sh("echo old >%s/a.txt && echo kept >%s/keep.txt && ln -s a.txt %s/exec.sh", f->dst);
	struct store_copy_job job = TEMPLATE_JOB(f, 0);
	if (store_copy(0, &job, 1, 0, 0, NULL, &err) < 0)
		fail_msg("store_copy: %s", err->msg);
	check_copy(f, f->dst); /* a.txt and exec.sh replaced */
	char p[PATH_MAX];
	path(p, sizeof p, f->dst, "keep.txt");
	assert_int_equal(access(p, F_OK), 0);
	/* Once more onto the copy: every name exists and is replaced or reused.  The first copy's
	 * reads moved the source's access times (relatime): set them again. */
	set_times(f, f->src);
	if (store_copy(0, &job, 1, 0, 0, NULL, &err) < 0)
		fail_msg("store_copy again: %s", err->msg);
	check_copy(f, f->dst);
}

static void expect_error(const struct store_copy_job *job, enum iso_class class, int status, const char *needle1,
			 const char *needle2)
{
	struct iso_error *err = NULL;
	assert_int_equal(store_copy(0, job, 1, 0, 0, NULL, &err), -1);
	assert_non_null(err);
	if (err->class != class || err->status != status || !strstr(err->msg, needle1) ||
	    (needle2 && !strstr(err->msg, needle2)))
		fail_msg("class %d status %d '%s'; expected class %d status %d naming '%s'", err->class, err->status,
			 err->msg, class, status, needle1);
	iso_error_free(err);
}

static void test_copy_refuses_special_files(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX];
	sh("mkdir -p %s/pg && echo x >%s/pg/a", f->src);
	path(p, sizeof p, f->src, "pg/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	struct store_copy_job job = {.src = f->src, .dst = f->dst};
	expect_error(&job, ISO_E_INTERNAL, EINVAL, p, "fifo");
	assert_int_equal(unlink(p), 0);
	if (getuid() != 0) {
		print_message("not root: the device file case is not checked (mknod needs root)\n");
		return;
	}
	path(p, sizeof p, f->src, "pg/null");
	assert_int_equal(mknod(p, S_IFCHR | 0600, makedev(1, 3)), 0);
	expect_error(&job, ISO_E_INTERNAL, EINVAL, p, "device");
}

static void test_copy_refuses_bad_roots(void **state)
{
	struct fx *f = *state;
	char missing[PATH_MAX], file[PATH_MAX], link[PATH_MAX], inner[PATH_MAX];
	path(missing, sizeof missing, f->root, "missing");
	path(file, sizeof file, f->root, "file");
	path(link, sizeof link, f->root, "link");
	path(inner, sizeof inner, f->src, "inner");
	put_file(file, "file", 3, 0600);
	assert_int_equal(symlink(f->src, link), 0);
	assert_int_equal(mkdir(inner, 0700), 0);

	struct store_copy_job job = {.src = missing, .dst = f->dst};
	expect_error(&job, ISO_E_INTERNAL, ENOENT, missing, "does not exist");
	job = (struct store_copy_job){.src = f->src, .dst = file};
	expect_error(&job, ISO_E_INTERNAL, ENOTDIR, file, "not a directory");
	job = (struct store_copy_job){.src = link, .dst = f->dst};
	expect_error(&job, ISO_E_INTERNAL, ELOOP, link, "symbolic link");
	job = (struct store_copy_job){.src = f->src, .dst = inner};
	expect_error(&job, ISO_E_INTERNAL, EINVAL, inner, "inside the source");
	job = (struct store_copy_job){.src = f->src, .dst = f->src};
	expect_error(&job, ISO_E_INTERNAL, EINVAL, f->src, "inside");
	/* Clearing a destination that holds the source would delete the source: refused first. */
	job = (struct store_copy_job){.src = inner, .dst = f->src, .clear_dst = 1};
	expect_error(&job, ISO_E_INTERNAL, EINVAL, inner, "inside the destination");
	assert_int_equal(access(inner, F_OK), 0);
}

static void test_copy_refuses_bad_jobs(void **state)
{
	struct fx *f = *state;
	sh("mkdir -p %s/filestore/tpl_x", f->src);
	struct store_copy_job job = {.src = f->src, .dst = f->dst, .rename_from = "filestore/tpl_x"};
	expect_error(&job, ISO_E_INTERNAL, EINVAL, "only one of", NULL);
	job.rename_to = "../out";
	expect_error(&job, ISO_E_INTERNAL, EINVAL, "../out", "plain names");
	job.rename_to = "filestore/tpl_x/in";
	expect_error(&job, ISO_E_INTERNAL, EINVAL, "lies inside it", NULL);
	job.rename_from = "filestore/none";
	job.rename_to = "filestore/hub";
	expect_error(&job, ISO_E_INTERNAL, ENOENT, "filestore/none", NULL);
	job.rename_from = "filestore/tpl_x";
	job.rename_to = "nodir/hub";
	expect_error(&job, ISO_E_INTERNAL, ENOENT, "nodir", "no directory of the copy");
	const char *const bad_skip[] = {"a/b", NULL};
	job = (struct store_copy_job){.src = f->src, .dst = f->dst, .skip = bad_skip};
	expect_error(&job, ISO_E_INTERNAL, EINVAL, "a/b", "top of the source");
}

static void test_clear(void **state)
{
	struct fx *f = *state;
	struct iso_error *err = NULL;
	struct stat before, after;
	build(f, f->src); /* read-only directories, links, a socket */
	assert_int_equal(lstat(f->src, &before), 0);
	const char *dirs[] = {f->src, f->dst};
	sh("mkdir -p %s/x/y && touch %s/x/y/z", f->dst);
	if (store_clear(0, dirs, 2, 0, &err) < 0)
		fail_msg("store_clear: %s", err->msg);
	assert_int_equal(lstat(f->src, &after), 0);
	assert_int_equal(after.st_mode, before.st_mode); /* the directory stays as it was */
	sh("test -z \"$(ls -A %s)\"", f->src);
	sh("test -z \"$(ls -A %s)\"", f->dst);
	char missing[PATH_MAX];
	path(missing, sizeof missing, f->root, "missing");
	const char *gone[] = {missing};
	assert_int_equal(store_clear(0, gone, 1, 0, &err), -1);
	assert_int_equal(err->class, ISO_E_INTERNAL);
	assert_non_null(strstr(err->msg, missing));
	iso_error_free(err);
}

/* In a child with its own user and mount namespaces: a 1 MB tmpfs as the destination of a 3 MB file. */
static int enospc_child(const struct fx *f, const char *small)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return 100 + errno;
	snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
	if (tpod_write("/proc/self/uid_map", map) < 0 || tpod_write("/proc/self/setgroups", "deny") < 0)
		return 99;
	snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
	if (tpod_write("/proc/self/gid_map", map) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", small, "tmpfs", 0, "size=1m") < 0)
		return 98;
	struct iso_error *err = NULL;
	struct store_copy_job job = {.src = f->src, .dst = small};
	if (store_copy(0, &job, 1, 0, 0, NULL, &err) == 0)
		return 1;
	fprintf(stderr, "enospc: %s\n", err->msg);
	return err->class == ISO_E_HOST && err->status == ENOSPC && strstr(err->msg, "big.bin") &&
			       strstr(err->msg, "isopod template rm")
		       ? 0
		       : 2;
}

static void test_copy_full_disk_is_host_error(void **state)
{
	struct fx *f = *state;
	char small[PATH_MAX], big[PATH_MAX];
	path(small, sizeof small, f->root, "small");
	path(big, sizeof big, f->src, "big.bin");
	assert_int_equal(mkdir(small, 0700), 0);
	put_file(big, "big.bin", 3u << 20, 0600);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(enospc_child(f, small));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	int rc = WEXITSTATUS(status);
	iso_test_need(rc < 98, "no user and mount namespace for a small tmpfs (%d)", rc);
	assert_int_equal(rc, 0);
}

static int report_ids(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	struct stat u, n;
	if (stat("/proc/self/ns/user", &u) < 0 || stat("/proc/self/ns/net", &n) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "stat");
	uint64_t v[4] = {getuid(), getgid(), u.st_ino, n.st_ino};
	return netns_chan_put(ch, 1, v, sizeof v, err);
}

static void run_ids(pid_t pid, uint64_t v[4])
{
	struct iso_error *err = NULL;
	struct netns_result res = {0};
	struct netns_rec r = {0};
	struct netns_run_opts opts = {.timeout_ms = 30000};
	if (netns_run_userns(pid, report_ids, NULL, &opts, &res, &err) < 0)
		fail_msg("netns_run_userns: %s", err->msg);
	assert_int_equal(netns_result_next(&res, &r), 1);
	assert_int_equal(r.len, 4 * sizeof(uint64_t));
	memcpy(v, r.data, 4 * sizeof(uint64_t));
	netns_result_release(&res);
}

/* netns_run_userns: 0 stays ours; a pod's user namespace is joined as its root, the network namespace not. */
static void test_userns_run_and_copy(void **state)
{
	struct fx *f = *state;
	struct stat self_u, self_n, pod_u, d;
	uint64_t v[4];
	assert_int_equal(stat("/proc/self/ns/user", &self_u), 0);
	assert_int_equal(stat("/proc/self/ns/net", &self_n), 0);
	run_ids(0, v);
	assert_true(v[0] == getuid() && v[1] == getgid() && v[2] == self_u.st_ino && v[3] == self_n.st_ino);
	/* A process that is gone: its namespace cannot be entered. */
	struct iso_error *err = NULL;
	struct store_copy_job job = {.src = "/nonexistent", .dst = "/nonexistent"};
	fflush(NULL);
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	assert_int_equal(store_copy(gone, &job, 1, 0, 0, NULL, &err), -1);
	assert_int_equal(err->class, ISO_E_ISOLATION);
	assert_non_null(strstr(err->msg, "does not exist"));
	iso_error_free(err);
	err = NULL;

	TPOD_NEED(&f->pod, NULL);
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/ns/user", (int)f->pod.pid);
	assert_int_equal(stat(p, &pod_u), 0);
	run_ids(f->pod.pid, v);
	assert_true(v[0] == 0 && v[1] == 0 && v[2] == pod_u.st_ino && v[3] == self_n.st_ino);

	/* A copy in there: our files are root's files of that namespace, the copy ours again on the host. */
	char file[PATH_MAX], out[PATH_MAX];
	path(file, sizeof file, f->src, "a.txt");
	path(out, sizeof out, f->dst, "a.txt");
	put_file(file, "a.txt", 4096, 0640);
	job = (struct store_copy_job){.src = f->src, .dst = f->dst};
	struct store_copy_stats st;
	if (store_copy(f->pod.pid, &job, 1, 0, 0, &st, &err) < 0)
		fail_msg("store_copy in the pod's user namespace: %s", err->msg);
	assert_int_equal(lstat(out, &d), 0);
	assert_true(d.st_uid == getuid() && d.st_gid == getgid() && (d.st_mode & 07777) == 0640);
	assert_int_equal(st.files, 1);
	same_content(out, "a.txt", 4096);
	const char *dirs[] = {f->dst};
	if (store_clear(f->pod.pid, dirs, 1, 0, &err) < 0)
		fail_msg("store_clear in the pod's user namespace: %s", err->msg);
	assert_int_equal(access(out, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_keeps_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_merges_without_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_refuses_special_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_refuses_bad_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_refuses_bad_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_full_disk_is_host_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_userns_run_and_copy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
