/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman_test.h - helpers for cmocka tests that drive real rootless Podman.
 *
 * Calling sequence of an integration test:
 *
 *   static void test_x(void **state) {
 *           ptest_require_podman();              // skip (or fail) without Podman: body only
 *           char id[64];
 *           ptest_unique(id, sizeof id, "x");   // "t-x-<pid>", never a real work order
 *           ptest_cleanup_add(PTEST_POD, id);    // registered BEFORE it is made
 *           ...ptest_request("POST", "/v4.0.0/libpod/pods/create", body, &status, &resp)...
 *   }
 *   cmocka_unit_test_teardown(test_x, ptest_teardown)
 *
 * Everything registered is removed by ptest_teardown (after a failed test too)
 * and, as a last resort, by an atexit handler: pods with force, containers with
 * their anonymous volumes, named volumes by their exact name. Nothing is pruned.
 *
 * Environment: CONTAINER_HOST (unix://PATH) or XDG_RUNTIME_DIR locate the
 * socket; ISOPOD_TEST_PORTS=LOW-HIGH (default 18890-18949) is the tests' own
 * port range; ISOPOD_REQUIRE_PODMAN (see iso_test.h) turns every skip for a
 * missing Podman into a failure (CI). ISOPOD_ODOO_IMAGE / ISOPOD_DB_IMAGE name
 * the images.
 *
 * The ptest_require_* helpers skip through iso_test_need: call them in a test
 * body, never in a cmocka setup (cmocka 1.1 makes a skip there an error and
 * skips the teardown). A setup that must know asks ptest_podman_answers,
 * starts nothing when it is false and returns 0.
 *
 * Linked into every test binary: nothing here runs unless a test calls it.
 * Strings returned through `char **` are malloc'd and owned by the caller.
 */
#ifndef ISOPOD_PODMAN_TEST_H
#define ISOPOD_PODMAN_TEST_H

#include <stddef.h>

#include "iso_run.h"
#include "iso_test.h"

enum ptest_kind { PTEST_POD, PTEST_CONTAINER, PTEST_VOLUME };

/* The API socket's path (static storage). */
const char *ptest_socket_path(void);

/* True when Podman answers /_ping on ptest_socket_path(); otherwise false
 * with the reason (and the next step) in WHY. Skips nothing: setups may call it. */
int ptest_podman_answers(char *why, size_t why_size);

/* Returns when Podman answers /_ping; otherwise skips the test with the
 * reason, or fails it under ISOPOD_REQUIRE_PODMAN (iso_test_need). */
void ptest_require_podman(void);

/* For tests that need root and a second unprivileged user (run as root by
 * scripts/run-integration.sh when the binary is named test_root_*): returns
 * that user's name (ISOPOD_TEST_USER2, default isopod-test2) when running as
 * root and the user exists; otherwise skips with the reason, or fails under
 * ISOPOD_REQUIRE_PODMAN (iso_test_need). */
const char *ptest_require_root_and_user2(void);

/* One request to the libpod API over the unix socket. json_body may be NULL;
 * with a body, Content-Type: application/json is sent. *status gets the HTTP
 * status, *body (if body is not NULL) the response, NUL-terminated.
 * Returns 0, or -1 when no answer came (the reason is printed). */
int ptest_request(const char *method, const char *path, const char *json_body, long *status, char **body);

/* Plain HTTP GET of http://127.0.0.1:PORT/PATH (redirects not followed).
 * Returns 0 with *status set, -1 when nothing answered. */
int ptest_http_get(int port, const char *path, long *status, char **body);

/* Poll GET 127.0.0.1:PORT/PATH until it answers want_status or timeout_ms
 * passes. Returns 0 on success, -1 on timeout (*last_status holds the last
 * answer, 0 for none). */
int ptest_wait_http(int port, const char *path, long want_status, int timeout_ms, long *last_status);

/* A free TCP port on 127.0.0.1 from ISOPOD_TEST_PORTS, not handed out
 * before by this process; -1 when the range is exhausted. */
int ptest_port(void);

/* The first of N consecutive ports of ISOPOD_TEST_PORTS for a test that
 * hands isopod a range of its own: OFFSET ports above the range's low end
 * (so tests that run at once keep apart), moved down when the range is too
 * short for that; -1 (printed) when it holds fewer than N ports.  Whether
 * they are free is the caller's to see. */
int ptest_ports_block(int offset, int n);

/* "t-<what>-<pid>" (and "-<n>" from the second call with the same what). */
void ptest_unique(char *buf, size_t size, const char *what);

/* The labels every test object carries, as a JSON object text (malloc'd):
 * io.isopod.key=test/<id>, io.isopod.wo=<id>, io.isopod.profile=test,
 * io.isopod.role=<role>. */
char *ptest_labels_json(const char *id, const char *role);

/* An image from the environment variable, else the local default. */
const char *ptest_db_image(void);
const char *ptest_odoo_image(void);

/* Remember an object to remove; removal happens in reverse order of kinds:
 * pods, then containers, then volumes. */
void ptest_cleanup_add(enum ptest_kind kind, const char *name);
/* Remove everything registered so far; returns the number of failures. */
int ptest_cleanup_run(void);
/* A cmocka teardown that runs ptest_cleanup_run. */
int ptest_teardown(void **state);

/* Run a one-shot container: create (spec_json is the inside of the
 * containers/create object, e.g. "\"pod\":\"p\",\"image\":\"i\",\"command\":[...]"),
 * start, wait, fetch its logs, delete it with its anonymous volumes.
 * Returns 0 with *exit_code (and *logs if not NULL) set, -1 on an API error
 * (printed). */
int ptest_oneshot(const char *name, const char *spec_json, int *exit_code, char **logs);

/*
 * Check the --json document of one isopod run against its schema, so no
 * field changes without docs/schema/ changing: ARGS are isopod's arguments
 * (no program name, NULL-terminated), STATUS its exit code, OUT its stdout.
 * Nothing is checked unless --json stands before "--" (and no --help);
 * exec's stdout is the program's, so only exec's own error is checked: the
 * last line, an error document (always at exit 125).  The
 * document must match docs/schema/COMMAND.json (or COMMAND-SUB.json when the
 * word after the command names a sub-command's document: template build,
 * snapshot rm), or error.json when STATUS is not 0 and it is the error
 * object alone (always for a command with no document of its own); `logs --follow` each line
 * against logs-line.json.  A mismatch fails the test with the validator's
 * words (tests/support/validate-json.py under /usr/bin/python3, Debian's
 * python3-jsonschema); in a forked child it is printed and the child exits
 * 1.  Without the validator the test is skipped, or failed under
 * ISOPOD_REQUIRE_PODMAN (iso_test_need).  ptest_isopod calls it on every run.
 * (In tests/support/ptest_json.c: it needs the validator, not Podman.)
 */
void ptest_check_json(const char *const *args, int status, const char *out);

/*
 * Run the isopod the Makefile built with the printf-style FMT split at spaces
 * (iso_run_isopod of iso_run.h: the caller's environment, stdin /dev/null,
 * ISO_RUN_TIMEOUT_MS).  Its stdout and stderr go to *out / *errout (owned;
 * errout NULL: stderr is echoed to the test's, out NULL: dropped).  Returns
 * the exit code, 128+signal when killed, -1 when it could not start.
 * A --json document is checked against its schema (ptest_check_json).
 */
int ptest_isopod(char **out, char **errout, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
