/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lease.h - helpers of the lease tests: a temporary registry directory
 * per test, a random port range per process (never the default 8090 range,
 * below the ephemeral range), raw access to the lease file.
 */
#ifndef TEST_LEASE_H
#define TEST_LEASE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "lease/lease.h"

struct tl {
	char dir[64];
	struct lease_registry reg;
	int low, high;
};

static int tl_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* A private registry in a fresh mkdtemp directory, and a 20-port range of this process's own. */
static inline int tl_setup(void **state)
{
	struct tl *t = calloc(1, sizeof(*t));
	struct iso_error *err = NULL;

	snprintf(t->dir, sizeof(t->dir), "/tmp/isopod-lease-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	if (lease_registry_open(&t->reg, t->dir, 0, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return -1;
	}
	t->reg.unpriv_port_start = 1024;
	srand((unsigned)getpid() ^ (unsigned)iso_now_us());
	t->low = 19000 + (rand() % 600) * 20;
	t->high = t->low + 19;
	*state = t;
	return 0;
}

static inline int tl_teardown(void **state)
{
	struct tl *t = *state;

	lease_registry_release(&t->reg);
	nftw(t->dir, tl_rm, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static inline char *tl_path(const struct tl *t, const char *name)
{
	return xasprintf("%s/%s", t->dir, name);
}

/* Write the lease file raw: the header with COUNT, then the lines as given. */
static inline void tl_write_raw(const struct tl *t, const char *text)
{
	char *p = tl_path(t, LEASE_FILE);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static inline char *tl_read_raw(const struct tl *t)
{
	char *p = tl_path(t, LEASE_FILE), *out = NULL;
	size_t len;
	struct iso_error *err = NULL;
	if (iso_read_file(p, 1 << 24, &out, &len, &err) < 0) {
		iso_error_free(err);
		out = NULL;
	}
	free(p);
	return out;
}

/* The lease file holds exactly WANT (a refused change left it as it was). */
static inline void tl_assert_raw(const struct tl *t, const char *want)
{
	char *got = tl_read_raw(t);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static inline struct lease_request tl_req(const struct tl *t, const char *wo)
{
	struct lease_request r = {
		.uid = getuid(),
		.profile = "hub",
		.wo = wo,
		.purposes = 0,
		.port = 0,
		.address = "127.0.0.1",
		.low = t->low,
		.high = t->high,
	};
	lease_run_self(&r.run, NULL);
	return r;
}

/* Acquire and return the http port; fail the test on error. */
static inline int tl_acquire(const struct tl *t, const struct lease_request *r)
{
	struct lease_grant g;
	struct iso_error *err = NULL;
	if (lease_acquire(&t->reg, r, &g, &err) < 0) {
		fail_msg("lease_acquire('%s'): %s", r->wo, err->msg);
	}
	return g.ports[ISO_PORT_HTTP];
}

#endif
