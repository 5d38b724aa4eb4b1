/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_copy.c - what copying a volume costs: store_copy (pid 0) against
 * `cp -a` of the same data, in one run, with and without syncfs.
 *
 *   ext4 (or whatever holds BENCH_COPY_DIR, default /var/tmp: the file
 *   system of the rootless users' volumes)
 *     a Postgres-like data set, generated here: 8 KB files (40 % of the
 *     bytes, 250 to a directory, as base/<oid>/) and 16 MB files (the rest,
 *     as pg_wal/), of ~50 MB and ~200 MB; store_copy against `cp -a`
 *     (target: store_copy / cp -a throughput ratio >= 0.8)
 *   xfs (reflink=1) and btrfs, loop-mounted 1 GB images under /var/tmp on
 *     /mnt/isopod-bench-*: the 200 MB set, store_copy (FICLONE) against
 *     `cp -a --reflink=never` and, for reference, `cp -a --reflink=always`;
 *     root only, and only with mkfs.xfs / mkfs.btrfs: skipped with the
 *     reason otherwise; the images are unmounted and deleted afterwards
 *
 * Each figure is the median of BENCH_N runs (default 5) with [min-max];
 * the tools alternate which goes first; the output directory is removed
 * and its file system synced between runs, untimed.  With sync, both sides
 * end with syncfs of the destination (cp: after it exits), which also
 * flushes whatever else the machine wrote meanwhile: noisier.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "store/copy.h"

#define MB (1024.0 * 1024.0)
#define RUNS_MAX 51

struct dataset {
	char dir[256];       /* the generated tree */
	uint64_t bytes;      /* of regular files */
	unsigned small, big; /* 8 KB and 16 MB files */
};

struct timing {
	double ms[RUNS_MAX];
	int n;
	char method[24];
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[RUNS_MAX];
	memcpy(s, v, (size_t)n * sizeof *v);
	qsort(s, (size_t)n, sizeof *s, cmp);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Run ARGV quietly; its exit status, or -1. */
static int run(char *const argv[])
{
	fflush(NULL);
	pid_t p = fork();
	if (p == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (p < 0 || waitpid(p, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rm_rf(const char *path)
{
	char *argv[] = {"rm", "-rf", (char *)path, NULL};
	return run(argv);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = syncfs(fd);
	close(fd);
	return r;
}

static int write_file(const char *path, size_t size, uint32_t *x, char *buf)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < (1u << 20) ? size - done : (1u << 20);
		for (size_t i = 0; i + 4 <= n; i += 4) {
			*x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
			memcpy(buf + i, x, 4);
		}
		if (iso_write_all(fd, buf, n) < 0) {
			close(fd);
			return -1;
		}
		done += n;
	}
	return close(fd);
}

/* Generate ~TOTAL_MB of Postgres-like files in PARENT/NAME (incompressible bytes). */
static int dataset_make(struct dataset *d, const char *parent, const char *name, unsigned total_mb)
{
	char p[512];
	char *buf = xmalloc(1u << 20);
	uint32_t x = 2463534242u;
	uint64_t total = (uint64_t)total_mb << 20;
	d->small = (unsigned)(total * 2 / 5 / 8192);
	d->big = (unsigned)((total - (uint64_t)d->small * 8192 + (8u << 20)) >> 24);
	d->bytes = (uint64_t)d->small * 8192 + ((uint64_t)d->big << 24);
	snprintf(d->dir, sizeof d->dir, "%s/%s", parent, name);
	int r = mkdir(d->dir, 0700);
	snprintf(p, sizeof p, "%s/pg_wal", d->dir);
	r = r < 0 ? r : mkdir(p, 0700);
	for (unsigned i = 0; r == 0 && i < d->big; i++) {
		snprintf(p, sizeof p, "%s/pg_wal/%024X", d->dir, i + 1);
		r = write_file(p, 16u << 20, &x, buf);
	}
	for (unsigned i = 0; r == 0 && i < d->small; i++) {
		if (i % 250 == 0) {
			snprintf(p, sizeof p, "%s/base/%u", d->dir, 16384 + i / 250);
			if (i == 0) {
				char b[512];
				snprintf(b, sizeof b, "%s/base", d->dir);
				r = mkdir(b, 0700);
			}
			r = r < 0 ? r : mkdir(p, 0700);
		}
		snprintf(p, sizeof p, "%s/base/%u/%u", d->dir, 16384 + i / 250, 1000 + i);
		r = r < 0 ? r : write_file(p, 8192, &x, buf);
	}
	free(buf);
	if (r == 0)
		r = sync_dir(d->dir); /* the first timed run must not pay for the generation's writeback */
	if (r < 0)
		fprintf(stderr, "bench_copy: cannot generate '%s': %s\n", p, strerror(errno));
	return r;
}

enum tool { T_STORE, T_CP, T_CP_REFLINK };

/* One timed copy of SRC into a new DST with TOOL; ms, or -1.  METHOD gets store_copy's. */
static double time_one(enum tool tool, const char *cp_reflink, const char *src, const char *dst, int sync, char *method,
		       size_t msize)
{
	struct iso_error *err = NULL;
	char from[512];
	snprintf(from, sizeof from, "%s/.", src);
	if (mkdir(dst, 0700) < 0)
		return -1;
	int64_t t0 = iso_now_us();
	if (tool == T_STORE) {
		struct store_copy_job job = {.src = src, .dst = dst};
		struct store_copy_stats st;
		if (store_copy(0, &job, 1, sync, 0, &st, &err) < 0) {
			fprintf(stderr, "bench_copy: store_copy: %s\n", err->msg);
			iso_error_free(err);
			return -1;
		}
		snprintf(method, msize, "%s", st.method);
	} else {
		char *argv[] = {"cp", "-a", (char *)cp_reflink, from, (char *)dst, NULL};
		if (!cp_reflink)
			argv[2] = from, argv[3] = (char *)dst, argv[4] = NULL;
		if (run(argv) != 0 || (sync && sync_dir(dst) < 0)) {
			fprintf(stderr, "bench_copy: cp -a %s into '%s' failed\n", src, dst);
			return -1;
		}
	}
	double ms = (iso_now_us() - t0) / 1000.0;
	/* Untimed: the next run starts on a clean, synced file system. */
	if (rm_rf(dst) != 0 || sync_dir(src) < 0)
		return -1;
	return ms;
}

/* N runs of each of the N_TOOLS tools, alternating which goes first. */
static int time_tools(const enum tool *tools, const char *const *reflink, struct timing *t, int n_tools,
		      const char *src, const char *out, int sync, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < n_tools; k++) {
			int j = (i + k) % n_tools;
			double ms = time_one(tools[j], reflink[j], src, out, sync, t[j].method, sizeof t[j].method);
			if (ms < 0)
				return -1;
			t[j].ms[t[j].n++] = ms;
		}
	return 0;
}

static void print_tool(const char *name, const struct timing *t, uint64_t bytes)
{
	double lo, hi, m = median(t->ms, t->n, &lo, &hi);
	printf("bench_copy:     %-26s median %8.1f ms [%.1f-%.1f] %7.1f MB/s%s%s%s\n", name, m, lo, hi,
	       bytes / MB / (m / 1000.0), t->method[0] ? " (" : "", t->method, t->method[0] ? ")" : "");
}

/* Throughput of A over B: B's median time over A's, with the spread of the pairwise ratios. */
static double print_ratio(const char *what, const struct timing *a, const struct timing *b, double target)
{
	double lo, hi, rlo = 1e9, rhi = 0;
	double ma = median(a->ms, a->n, &lo, &hi), mb = median(b->ms, b->n, &lo, &hi);
	for (int i = 0; i < a->n && i < b->n; i++) {
		double r = b->ms[i] / a->ms[i];
		rlo = r < rlo ? r : rlo;
		rhi = r > rhi ? r : rhi;
	}
	double ratio = mb / ma;
	if (target > 0)
		printf("bench_copy:     %s throughput ratio %.2f [runs %.2f-%.2f] (target >= %.1f: %s)\n", what, ratio,
		       rlo, rhi, target, ratio >= target ? "ok" : "MISSED");
	else
		printf("bench_copy:     %s throughput ratio %.2f [runs %.2f-%.2f]\n", what, ratio, rlo, rhi);
	return ratio;
}

/* store_copy against cp -a on D, both modes; 1 when a target was missed, -1 on failure. */
static int bench_plain(const struct dataset *d, const char *out, int n)
{
	static const enum tool tools[] = {T_STORE, T_CP};
	static const char *const refl[] = {NULL, NULL};
	int missed = 0;
	for (int sync = 0; sync <= 1; sync++) {
		struct timing t[2] = {0};
		if (time_tools(tools, refl, t, 2, d->dir, out, sync, n) < 0)
			return -1;
		printf("bench_copy:   %s\n", sync ? "with syncfs" : "no sync");
		print_tool("store_copy", &t[0], d->bytes);
		print_tool("cp -a", &t[1], d->bytes);
		missed |= print_ratio("store_copy / cp -a", &t[0], &t[1], 0.8) < 0.8;
	}
	return missed;
}

/* store_copy (FICLONE) against cp -a --reflink=never (and =always) on D, both modes. */
static int bench_reflink(const struct dataset *d, const char *out, int n)
{
	static const enum tool tools[] = {T_STORE, T_CP, T_CP_REFLINK};
	static const char *const refl[] = {NULL, "--reflink=never", "--reflink=always"};
	for (int sync = 0; sync <= 1; sync++) {
		struct timing t[3] = {0};
		if (time_tools(tools, refl, t, 3, d->dir, out, sync, n) < 0)
			return -1;
		printf("bench_copy:   %s\n", sync ? "with syncfs" : "no sync");
		print_tool("store_copy", &t[0], d->bytes);
		print_tool("cp -a --reflink=never", &t[1], d->bytes);
		print_tool("cp -a --reflink=always", &t[2], d->bytes);
		print_ratio("store_copy / cp -a --reflink=never", &t[0], &t[1], 0);
		print_ratio("store_copy / cp -a --reflink=always", &t[0], &t[2], 0);
	}
	return 0;
}

static int have(const char *prog)
{
	char *argv[] = {(char *)prog, "-V", NULL};
	return run(argv) == 0;
}

/* Make, mount, bench and take away one loop-mounted FS image; a reason to skip in WHY, or -1. */
static int bench_loop_fs(const char *fs, int n, char *why, size_t whylen)
{
	char img[128], mnt[128], out[192], mkfs[32];
	snprintf(img, sizeof img, "/var/tmp/isopod-bench-%s.img", fs);
	snprintf(mnt, sizeof mnt, "/mnt/isopod-bench-%s", fs);
	snprintf(out, sizeof out, "%s/out", mnt);
	snprintf(mkfs, sizeof mkfs, "mkfs.%s", fs);
	if (!have(mkfs)) {
		snprintf(why, whylen, "%s is not installed (apt-get install %s)", mkfs,
			 strcmp(fs, "xfs") == 0 ? "xfsprogs" : "btrfs-progs");
		return 1;
	}
	char *umount_argv[] = {"umount", mnt, NULL};
	run(umount_argv); /* a mount left by an interrupted run */
	int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = fd < 0 || ftruncate(fd, 1L << 30) < 0 ? -1 : 0;
	if (fd >= 0)
		close(fd);
	char *xfs_argv[] = {mkfs, "-q", "-f", "-m", "reflink=1", img, NULL};
	char *btrfs_argv[] = {mkfs, "-q", "-f", img, NULL};
	char *mount_argv[] = {"mount", "-o", "loop", img, mnt, NULL};
	if (r == 0 && run(strcmp(fs, "xfs") == 0 ? xfs_argv : btrfs_argv) != 0)
		r = -1;
	if (r == 0 && ((mkdir(mnt, 0700) < 0 && errno != EEXIST) || run(mount_argv) != 0)) {
		snprintf(why, whylen, "cannot loop-mount a %s image on '%s'", fs, mnt);
		r = 1;
	} else if (r == 0) {
		struct dataset d;
		printf("bench_copy: %s (loop image, reflink), N=%d\n", fs, n);
		r = dataset_make(&d, mnt, "src", 200);
		if (r == 0) {
			printf("bench_copy:   %.0f MB: %u x 8 KB + %u x 16 MB\n", d.bytes / MB, d.small, d.big);
			r = bench_reflink(&d, out, n);
		}
		run(umount_argv);
	} else {
		snprintf(why, whylen, "cannot make a %s image '%s'", fs, img);
		r = 1;
	}
	rmdir(mnt);
	unlink(img);
	return r;
}

int main(void)
{
	int n = getenv("BENCH_N") ? atoi(getenv("BENCH_N")) : 5;
	const char *parent = getenv("BENCH_COPY_DIR") ? getenv("BENCH_COPY_DIR") : "/var/tmp";
	char top[256], out[300];
	int rc = 0;
	if (n < 1 || n > RUNS_MAX)
		n = 5;
	snprintf(top, sizeof top, "%s/isopod-bench-copy-XXXXXX", parent);
	if (!mkdtemp(top)) {
		printf("bench_copy: skipped: cannot make a directory in '%s': %s\n", parent, strerror(errno));
		return 0;
	}
	snprintf(out, sizeof out, "%s/out", top);
	static const unsigned sizes[] = {50, 200};
	for (size_t i = 0; rc == 0 && i < ISO_ARRAY_SIZE(sizes); i++) {
		struct dataset d;
		char name[32];
		snprintf(name, sizeof name, "src%u", sizes[i]);
		if (dataset_make(&d, top, name, sizes[i]) < 0) {
			rc = 1;
			break;
		}
		printf("bench_copy: %s, %.0f MB: %u x 8 KB + %u x 16 MB, N=%d\n", parent, d.bytes / MB, d.small, d.big,
		       n);
		int r = bench_plain(&d, out, n);
		rc = r < 0 ? 1 : rc;
		rm_rf(d.dir);
	}
	rm_rf(top);
	for (int k = 0; rc == 0 && k < 2; k++) {
		const char *fs = k == 0 ? "xfs" : "btrfs";
		char why[256];
		if (geteuid() != 0) {
			printf("bench_copy: %s reflink: skipped: not root (a loop mount needs root)\n", fs);
			continue;
		}
		int r = bench_loop_fs(fs, n, why, sizeof why);
		if (r > 0)
			printf("bench_copy: %s reflink: skipped: %s\n", fs, why);
		else if (r < 0)
			rc = 1;
	}
	return rc;
}
