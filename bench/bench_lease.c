/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_lease.c - one allocation with 1,000 leases present, against a bare
 * write + fsync + rename of a file of the same size in the same directory,
 * in the same run.  Prints both medians and the difference; the target is
 * a difference of at most 0.5 ms.  Exit 1 when the target is missed.
 *
 *   bench_lease [ROUNDS]      (default 101)
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "lease/lease.h"

#define LEASES 1000
#define TARGET_US 500

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static long long median(long long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_ll);
	return v[n / 2];
}

/* The baseline: what any durable replace of the file costs. */
static long long bare_replace(int dirfd, const char *data, size_t len)
{
	int64_t t0 = iso_now_us();
	int fd = openat(dirfd, "bare.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || iso_write_all(fd, data, len) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    renameat(dirfd, "bare.tmp", dirfd, "bare"))
		return -1;
	return iso_now_us() - t0;
}

static char *read_all(const char *path, size_t *len)
{
	char *out = NULL;
	struct iso_error *err = NULL;

	if (iso_read_file(path, LEASE_FILE_CAP, &out, len, &err) < 0) {
		fprintf(stderr, "bench_lease: %s\n", err->msg);
		exit(1);
	}
	return out;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/isopod-bench-lease-XXXXXX";
	int rounds = argc > 1 ? atoi(argv[1]) : 101;
	struct lease_registry reg;
	struct iso_error *err = NULL;
	long long *alloc, *bare;
	char *path, *data;
	size_t len;
	FILE *f;
	int fail = 0;

	if (rounds < 1 || !mkdtemp(dir))
		return 1;
	alloc = calloc((size_t)rounds, sizeof(*alloc));
	bare = calloc((size_t)rounds, sizeof(*bare));
	/* 1,000 leases of several users, in 20000-20999; new work orders get ports above. */
	path = xasprintf("%s/%s", dir, LEASE_FILE);
	f = fopen(path, "w");
	fprintf(f, "%s\t%d\t%d\n", LEASE_FORMAT_MAGIC, LEASE_FORMAT_VERSION, LEASES);
	for (int i = 0; i < LEASES; i++)
		fprintf(f,
			"%d\t127.0.0.1\t%s\t%d\thub\two-%04d\tready\tsecret,odoo-volume,db-volume,pod,db,odoo\t%d\t%"
			"d\t%d\n",
			20000 + i, i % 3 == 1 ? "websocket" : "http", 1000 + i % 7, i, 1000 + i, 4000000 + i,
			1700000000 + i);
	fclose(f);
	if (lease_registry_open(&reg, dir, 0, &err) < 0) {
		fprintf(stderr, "bench_lease: %s\n", err->msg);
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		char wo[32];
		struct lease_request r = {
			.uid = 1000, .profile = "bench", .wo = wo, .address = "127.0.0.1", .low = 20000, .high = 29999};
		struct lease_key k = {1000, "bench", wo};
		struct lease_grant g;
		int64_t t0;

		snprintf(wo, sizeof(wo), "wo-bench-%d", i);
		lease_run_self(&r.run, NULL);
		data = read_all(path, &len);
		bare[i] = bare_replace(reg.dirfd, data, len);
		free(data);
		t0 = iso_now_us();
		if (lease_acquire(&reg, &r, &g, &err) < 0) {
			fprintf(stderr, "bench_lease: %s\n", err->msg);
			return 1;
		}
		alloc[i] = iso_now_us() - t0;
		/* Back to 1,000 leases for the next round (not timed). */
		if (lease_release(&reg, &k, NULL, &err) < 0) {
			fprintf(stderr, "bench_lease: %s\n", err->msg);
			return 1;
		}
		if (bare[i] < 0)
			return 1;
	}
	{
		long long a = median(alloc, rounds), b = median(bare, rounds);
		data = read_all(path, &len);
		free(data);
		printf("lease: allocation with %d leases (%zu bytes): median %lld us\n", LEASES, len, a);
		printf("lease: bare write+fsync+rename of that size:      median %lld us\n", b);
		printf("lease: difference %+lld us (target <= +%d us, %d rounds): %s\n", a - b, TARGET_US, rounds,
		       a - b <= TARGET_US ? "ok" : "MISSED");
		fail = a - b > TARGET_US;
	}
	lease_registry_release(&reg);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(path);
	free(alloc);
	free(bare);
	return fail;
}
