/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptest_wo.h - what exists of one work order, asked of Podman by its labels
 * (never the CLI), for integration and reliability tests that judge whether
 * isopod converged.
 *
 *   ptest_client ()                      a connected client (podman_client_free it)
 *   ptest_wo_count ("pod", "hub", wo)    pods (or "container", "volume") labelled io.isopod.key=hub/<wo>
 *   ptest_wo_secret ("hub", wo)          1 when db-hub-<wo>-password exists
 *   ptest_wo_leased (wo)                 1 when `isopod ports --json` names it
 *   ptest_wo_assert_healthy ("hub", wo)  1 pod, 3 containers (infra, Postgres, Odoo), 2 volumes, the secret, a lease
 *   ptest_wo_assert_gone ("hub", wo)     none of them
 *
 * The assertions fail the cmocka test naming what was found.
 */
#ifndef ISOPOD_PTEST_WO_H
#define ISOPOD_PTEST_WO_H

#include <stddef.h>

struct podman_client;
/* A client connected to the tests' Podman (CONTAINER_HOST or the user's socket); fails the test otherwise. */
struct podman_client *ptest_client(void);

int ptest_wo_count(const char *kind, const char *profile, const char *wo);
int ptest_wo_secret(const char *profile, const char *wo);
int ptest_wo_leased(const char *wo);
void ptest_wo_assert_healthy(const char *profile, const char *wo);
void ptest_wo_assert_gone(const char *profile, const char *wo);

/*
 * The environment isopod runs in for a test binary: a fresh state directory
 * /tmp/isopod-TAG-XXXXXX (its path in STATE_DIR, of SIZE bytes), ISOPOD_PORTS
 * = N ports from block OFFSET of ISOPOD_TEST_PORTS (ptest_ports_block), the
 * test images, no ISOPOD_PROFILE.  Returns the low port, -1 on failure
 * (printed).  For cmocka setups: it skips nothing.
 */
int ptest_wo_env(char *state_dir, size_t size, const char *tag, int offset, int n);

/*
 * `isopod up WO ARGS --verbose`, sent SIG when its Nth libpod request shows on
 * its stderr (N 0: never), or when a line holds WHEN_TEXT (NULL: never).
 * Returns the exit code (128+signal when killed); *SEEN the requests it made.
 */
int ptest_up_signalled(const char *wo, int n, int sig, const char *when_text, int *seen);

#endif
