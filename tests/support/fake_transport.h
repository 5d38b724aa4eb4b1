/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_transport.h - a scripted podman transport for unit tests.
 *
 *   struct fake_transport *f = fake_new ();
 *   fake_expect (f, "POST", "/pods/create", 201, "pod_create");   // replays tests/data/podman/pod_create.json
 *   struct podman_client *c = podman_client_new_with_transport (fake_transport (f), NULL);
 *   ... calls ...
 *   assert_null (f->mismatch);  // every request matched, bodies typed
 *   podman_client_free (c); fake_free (f);
 *
 * Each request must match the next expectation (method, and PATH as a
 * substring of the path); a body without a Content-Type, or a secret body
 * not sent as application/octet-stream, is recorded as a mismatch.  Fault
 * injection: fail_nth (1-based) makes that request fail like a dead socket;
 * cut_nth truncates that answer's body to half.  Self-contained: no cmocka.
 */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include <stddef.h>
#include "podman/transport.h"

#define FAKE_MAX 64

struct fake_exchange {
	const char *method;
	const char *path; /* substring the request path must contain */
	int status;
	char *body; /* owned */
	size_t len;
	const char *api_version;
};

struct fake_transport {
	struct podman_transport base;
	struct fake_exchange ex[FAKE_MAX];
	size_t n, next;
	int fail_nth, cut_nth;
	size_t chunk;   /* stream chunk size (default 7: frames split everywhere) */
	char *mismatch; /* first problem seen, or NULL */
	/* the last request */
	char *last_path, *last_body, *last_ctype;
	size_t last_body_len;
	char *paths[FAKE_MAX]; /* every request path */
	/* what was written into an upgraded stream */
	char written[4096];
	size_t written_len;
};

struct fake_transport *fake_new(void);
struct podman_transport *fake_transport(struct fake_transport *f);
void fake_free(struct fake_transport *f);
/* Expect a request; answer STATUS with the recorded body tests/data/podman/NAME.json (NULL: empty). */
void fake_expect(struct fake_transport *f, const char *method, const char *path, int status, const char *name);
/* Same with a literal body. */
void fake_expect_body(struct fake_transport *f, const char *method, const char *path, int status, const char *body,
		      size_t len);
/* Read a recorded body (for fuzz seeds and direct parser tests); caller frees. */
char *fake_read_data(const char *name, size_t *len);

#endif
