/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the lease file (include/lease/lease.h, "The lease file").  The
 * input is a whole file image.  It goes through the parser of the
 * transaction, lease_parse(), and, written as the registry's "leases" in a
 * private directory under /dev/shm, through the public readers and writers.
 * Beyond "no crash, no leak" it checks what the format promises:
 *   - a refused file is an ISO_E_INTERNAL error with a message (never lost);
 *   - lease_list_all() over the file agrees with lease_parse() over the bytes;
 *   - every accepted lease formats to a line that parses back to it;
 *   - a change to one work order (lease_note_made, lease_release) rewrites
 *     its lines and copies every other line through byte for byte.
 * Seeds: tests/fuzz/corpus/fuzz_lease/ (run-fuzz.sh passes them).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/lease/internal.h"
#include "base/fs.h"
#include "base/util.h"

static char dir[64];
static struct lease_registry reg;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_lease: broken promise: %s\n", what);
		abort();
	}
}

static void cleanup(void)
{
	char p[128];
	const char *const names[] = {LEASE_FILE, LEASE_LOCK_FILE, LEASE_TMP_FILE};

	lease_registry_release(&reg);
	for (size_t i = 0; i < ISO_ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct iso_error *err = NULL;

	snprintf(dir, sizeof(dir), "/dev/shm/isopod-fuzz-lease-XXXXXX");
	if (!mkdtemp(dir) || lease_registry_open(&reg, dir, 0, &err) < 0) {
		fprintf(stderr, "fuzz_lease: no scratch registry in /dev/shm: %s\n", err ? err->msg : "mkdtemp failed");
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

static void put_file(const uint8_t *data, size_t size)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, LEASE_FILE);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check(fd >= 0 && write(fd, data, size) == (ssize_t)size && close(fd) == 0, "scratch file written");
}

/* The registry's file as it is now, parsed; the bytes in *BUF (caller frees). */
static size_t reread(char **buf, struct lease_entry **e)
{
	char p[128];
	size_t len = 0, n = 0;
	struct iso_error *err = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, LEASE_FILE);
	check(iso_read_file(p, LEASE_FILE_CAP, buf, &len, &err) == 0, "a written lease file can be read");
	check(lease_parse(*buf, len, "again", e, &n, &err) == 0, "a written lease file parses");
	return n;
}

/* Every accepted lease formats to a line that parses back to the same lease. */
static void check_format(const struct lease *l)
{
	char file[LEASE_LINE_MAX + 32];
	size_t len, n = 0;
	struct lease_entry *e = NULL;
	struct iso_error *err = NULL;
	int k = snprintf(file, sizeof(file), "%s\t%d\t1\n", LEASE_FORMAT_MAGIC, LEASE_FORMAT_VERSION);

	lease_format_line(l, file + k, LEASE_LINE_MAX, &len);
	check(len > 0 && len < LEASE_LINE_MAX - 1 && file[k + len - 1] == '\n', "a lease line fits LEASE_LINE_MAX");
	if (lease_parse(file, (size_t)k + len, "formatted", &e, &n, &err) < 0) {
		fprintf(stderr, "fuzz_lease: %s\n", err->msg);
		check(0, "a formatted lease parses");
	}
	check(n == 1 && memcmp(&e->l, l, sizeof(*l)) == 0, "a formatted lease parses back to itself");
	free(e);
}

static int same_key(const struct lease *a, const struct lease_key *k)
{
	return lease_matches(a, k);
}

/*
 * Change the work order of the first lease (RELEASE: drop it, else note a
 * pod made), then compare the file with OLD, the entries of the input: the
 * other leases keep their bytes and order, the work order's are as asked.
 */
static void check_change(const struct lease_entry *old, size_t n, int release)
{
	struct lease_key key = {old[0].l.uid, old[0].l.profile, old[0].l.wo};
	struct iso_error *err = NULL;
	struct lease_entry *e = NULL;
	char *buf = NULL;
	size_t released = 0, mine = 0, got, j = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		mine += same_key(&old[i].l, &key);
	rc = release ? lease_release(&reg, &key, &released, &err) : lease_note_made(&reg, &key, LEASE_MADE_POD, &err);
	if (rc < 0)
		fprintf(stderr, "fuzz_lease: %s\n", err->msg);
	check(rc == 0, "a change to a work order of a good file succeeds");
	check(!release || released == mine, "lease_release counts the leases it drops");
	got = reread(&buf, &e);
	check(got == (release ? n - mine : n), "the changed file holds the leases it should");
	for (size_t i = 0; i < n; i++) {
		struct lease want = old[i].l;
		if (same_key(&want, &key)) {
			if (release)
				continue;
			if (!(want.made & LEASE_MADE_POD))
				want.time = e[j].l.time; /* a change stamps the time */
			want.made |= LEASE_MADE_POD;
			check(memcmp(&e[j].l, &want, sizeof(want)) == 0, "a changed lease is what was asked");
		} else {
			check(e[j].len == old[i].len && memcmp(e[j].line, old[i].line, old[i].len) == 0,
			      "an untouched line is copied through byte for byte");
		}
		j++;
	}
	check(j == got, "every lease accounted for");
	free(e);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lease_entry *e = NULL;
	struct lease_list all = {0};
	struct iso_error *err = NULL, *ferr = NULL;
	size_t n = 0;
	int rc, frc;

	rc = lease_parse((const char *)data, size, "fuzz", &e, &n, &err);
	if (rc < 0) {
		check(err && err->msg && err->msg[0], "a refused file has a message");
		check(err->class == ISO_E_INTERNAL, "a refused file is ISO_E_INTERNAL");
		check(e == NULL, "nothing is handed out on failure");
	} else {
		check(err == NULL, "no error on success");
		for (size_t i = 0; i < n; i++) {
			const struct lease_entry *x = &e[i];
			check(x->line >= (const char *)data && x->line + x->len <= (const char *)data + size &&
				      x->len > 0 && x->line[x->len - 1] == '\n',
			      "an entry's line lies in the input and ends in a newline");
			check(x->l.port >= 1 && x->l.port <= 65535, "ports are 1-65535");
			check(wo_profile_name_valid(x->l.profile) && wo_id_valid(x->l.wo), "names are valid");
			check_format(&x->l);
		}
	}

	put_file(data, size);
	frc = lease_list_all(&reg, 0, &all, &ferr);
	check(frc == rc, "the registry's reader agrees with lease_parse");
	check(frc < 0 || all.n == n, "the registry's reader sees every lease");
	check(frc == 0 || (ferr && ferr->class == ISO_E_INTERNAL), "the registry's reader says why");
	if (frc == 0)
		lease_list_release(&all);
	iso_error_free(ferr);
	iso_error_free(err);

	if (rc == 0 && n > 0) {
		check_change(e, n, 0);
		put_file(data, size);
		check_change(e, n, 1);
	}
	free(e);
	return 0;
}
