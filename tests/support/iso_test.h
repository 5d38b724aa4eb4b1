/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iso_test.h - one rule for a test that needs something of the host
 * (Podman, the `ip` command, unprivileged user namespaces, root and the
 * test users, slirp4netns, a registry binary...).
 *
 * Calling sequence, in a test BODY:
 *
 *   static void test_x(void **state) {
 *           iso_test_need(have_ip(), "the 'ip' command is not on PATH");
 *           ...the test proper...
 *   }
 *
 * Without the capability the test is skipped with the reason printed
 * ("skipped: <reason>"); with ISOPOD_REQUIRE_PODMAN on it fails with the
 * reason instead, so CI cannot pass by skipping.
 *
 * ISOPOD_REQUIRE_PODMAN: unset, "", "0", "no" and "false" (any case) are
 * off; every other value is on.  tests/run-tests.sh reads it the same way.
 *
 * Never call iso_test_need (or cmocka's skip()) in a cmocka setup: cmocka
 * 1.1 reports a skip there as "Test setup failed", an error, and then does
 * not run the teardown.  A setup records what is missing, starts nothing and
 * returns 0; the body calls iso_test_need first; the teardown copes with
 * nothing started.
 *
 * Free of Podman and of src/: the unit tests link it.
 */
#ifndef ISOPOD_ISO_TEST_H
#define ISOPOD_ISO_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True when ISOPOD_REQUIRE_PODMAN is on (see above): a missing capability is a failure. */
bool iso_test_required(void);

/* Returns when HAVE; otherwise skips the calling test with the reason
 * WHY_FMT..., or fails it under ISOPOD_REQUIRE_PODMAN.  Test bodies only. */
#define iso_test_need(have, ...) iso_test_need_at(__FILE__, __LINE__, (have), __VA_ARGS__)
void iso_test_need_at(const char *file, int line, bool have, const char *why_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A FILE * that writes into memory (open_memstream): M.text holds what was
 * written (NUL-terminated, M.len bytes) after an fflush or iso_test_mem_close;
 * iso_test_mem_close closes the stream and keeps M.text for the caller to free. */
struct iso_test_mem {
	char *text;
	size_t len;
	FILE *f;
};
void iso_test_mem_open(struct iso_test_mem *m);
void iso_test_mem_close(struct iso_test_mem *m);

#endif
