/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman/internal.h - what the files of podman/ share.  Not a public header.
 *
 * The files in layers, each calling only those below it:
 *   pods.c containers.c volumes.c secrets.c images.c exec.c system.c
 *                               the typed operations
 *   labels.c                    labels and the listings by one label
 *   http.c                      the call layer: prefix, connect on first use,
 *                               status >= 400 to an error, JSON helpers
 *   client.c                    the client object: connect, ping, versions
 *   service.c errors.c transport.c transport_curl.c
 *   endpoint.c                  where the service is
 * (scripts/check-symbols.py keeps the arrows between them free of cycles.)
 */
#ifndef PODMAN_INTERNAL_H
#define PODMAN_INTERNAL_H

#include "base/json.h"
#include "base/util.h"
#include "podman/client.h"
#include "podman/objects.h"
#include "podman/exec.h"

struct podman_client {
	struct podman_transport *t;
	struct podman_endpoint ep;
	struct podman_client_opts opts;
	char *state_dir;
	char *podman_bin;
	char *server_version;
	int connected;
	int started_service;
};

/* Connect unless connected (client.c): the call layer's first step. */
int podman_client_ensure(struct podman_client *c, struct iso_error **err);

/* "%s" a path component, percent-encoded (RFC 3986 unreserved kept). Owned. */
char *podman_escape(const char *s);

/*
 * Send METHOD PREFIX+PATH with BODY (may be NULL; content type CTYPE), fill
 * RESP.  A status >= 400 becomes an error through podman_error_from_response
 * with WHAT; RESP is released then.  Returns the status (>= 100) or -1.
 */
int podman_call(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		const char *ctype, const char *what, struct podman_response *resp, struct iso_error **err);
/* podman_call with a request timeout: 0 the transport's, -1 none. */
int podman_call_timeout(struct podman_client *c, const char *method, const char *path, const char *body,
			size_t body_len, const char *ctype, long timeout_ms, const char *what,
			struct podman_response *resp, struct iso_error **err);
/*
 * podman_call + parse the JSON body (object or array as the caller checks).
 * NULL with *ERR set on any failure: a 204 or 304 (no document) is a bad
 * answer (ISO_E_INTERNAL naming WHAT and the status), as is a body that is
 * not JSON.  *STATUS (may be NULL) gets the 2xx status on success.
 */
iso_json *podman_call_json(struct podman_client *c, const char *method, const char *path, const char *body,
			   size_t body_len, const char *what, int *status, struct iso_error **err);
/* podman_call for an answer nobody reads (DELETE, resize): 0 or -1. */
int podman_call_ok(struct podman_client *c, const char *method, const char *path, const char *what,
		   struct iso_error **err);
/* A streaming call: 2xx body chunks to CB; error bodies become errors. */
int podman_call_stream(struct podman_client *c, const char *method, const char *path, const char *body, size_t body_len,
		       long timeout_ms, podman_chunk_cb cb, void *ctx, const char *what, struct iso_error **err);
/* GET PATH followed for as long as it runs (no timeout); CB(ctx, NULL, 0) once it is live, then its chunks. */
int podman_call_follow(struct podman_client *c, const char *path, podman_chunk_cb cb, void *ctx, const char *what,
		       struct iso_error **err);

/*
 * One named object of libpod, at /<KIND>s/<NAME escaped> (KIND "pod",
 * "container", "volume", "secret", "image").  exists: GET .../exists,
 * 1, 0 or -1 ("check KIND 'NAME'").  inspect: GET .../json, the answer
 * (owned) or NULL; *WHAT (owned, set either way) is "inspect KIND 'NAME'"
 * for the caller's own complaints about the answer.
 */
int podman_exists_named(struct podman_client *c, const char *kind, const char *name, struct iso_error **err);
iso_json *podman_inspect_named(struct podman_client *c, const char *kind, const char *name, char **what,
			       struct iso_error **err);
/* Finish G and POST it to PATH (a create); *ID (may be NULL) gets the answer's "Id". */
int podman_post_create(struct podman_client *c, const char *path, iso_jgen *g, const char *what, char **id,
		       struct iso_error **err);
/* *ID (may be NULL) = the string KEY of ROOT, or a bad answer to WHAT ("no KEY"). */
int podman_answer_id(const iso_json *root, const char *key, const char *what, char **id, struct iso_error **err);

/* ISO_E_INTERNAL "unexpected answer from podman to WHAT: DETAIL" (errors.c). */
int podman_bad_answer(struct iso_error **err, const char *what, const char *detail);

/* Write labels as a JSON map under KEY. */
void podman_jgen_pairs(iso_jgen *g, const char *key, const struct podman_pair *p, size_t n);
void podman_jgen_strv(iso_jgen *g, const char *key, const char *const *v);
/*
 * The report in the body of an action that happened (owned), or NULL when
 * the body is empty or not JSON: an odd report is not worth failing over.
 */
iso_json *podman_report_json(const struct podman_response *resp);
/* Copy a JSON string member, or NULL. */
char *podman_json_strdup(const iso_json *obj, const char *key);

/* ---- labels.c ---- */
/* Labels of a JSON object map (string values only); 0, or -1 when V is not an object or null. */
int podman_labels_from_json(const iso_json *v, struct podman_labels *out);
/* Whether labels carry KEY=VALUE exactly. */
int podman_labels_match(const struct podman_labels *l, const struct podman_pair *label);

/*
 * One kind of object in a listing.  PARSE fills ITEM (zeroed, SIZE bytes)
 * from one answered object, or fails with *err set (ITEM may be half
 * filled: RELEASE frees it); the labels of an element sit at LABELS_OFF.
 */
struct podman_list_shape {
	const char *path; /* "/pods/json?": the label filter follows */
	const char *what; /* "list pods" */
	size_t size;
	size_t labels_off;
	int (*parse)(const iso_json *o, void *item, const char *what, struct iso_error **err);
	void (*release)(void *item);
};
/*
 * GET S->path with the filter for LABEL and parse every object, keeping
 * those whose labels carry LABEL exactly: the array of *N elements
 * (owned), or NULL.
 */
void *podman_list_objects(struct podman_client *c, const struct podman_list_shape *s, const struct podman_pair *label,
			  size_t *n, struct iso_error **err);

#endif
