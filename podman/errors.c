/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How libpod's refusals become classed errors.  Every error keeps libpod's
 * `message`; the class and status come from `cause`, because libpod's
 * status codes are not consistent (a duplicate pod is 409, a duplicate
 * volume 500).  Below the client and the call layer: it knows no client.
 */
#include <errno.h>
#include <string.h>
#include "base/cleanup.h"
#include "internal.h"

#define ERRMSG_MAX 1024

int podman_bad_answer(struct iso_error **err, const char *what, const char *detail)
{
	return iso_error_set(err, ISO_E_INTERNAL, EPROTO, "unexpected answer from podman to %s: %s", what, detail);
}

static int cause_is_not_found(const char *cause)
{
	return cause && iso_str_has_prefix(cause, "no such "); /* an unknown image is a refusal */
}

static int cause_is_exists(const char *cause)
{
	size_t n = cause ? strlen(cause) : 0;
	return n && ((n >= 14 && strcmp(cause + n - 14, "already exists") == 0) ||
		     strcmp(cause, "that name is already in use") == 0 || strcmp(cause, "secret name in use") == 0);
}

/* Join the strings of a libpod "Errs" array into BUF (capped). */
static void join_errs(const iso_json *errs, struct iso_buf *buf)
{
	for (size_t i = 0; i < iso_json_len(errs); i++) {
		const char *s = iso_json_string(iso_json_at(errs, i));
		if (!s)
			continue;
		if (buf->len && iso_buf_append(buf, "; ", 2) < 0)
			return;
		if (iso_buf_append(buf, s, strlen(s)) < 0)
			return;
	}
}

int podman_error_from_response(int status, const char *body, size_t len, const char *what, struct iso_error **err)
{
	struct iso_error *perr = NULL;
	cleanup_json iso_json *root = len ? iso_json_parse(body, len, 0, ISO_E_INTERNAL, "error body", &perr) : NULL;
	const char *message = NULL, *cause = NULL;
	struct iso_buf joined;
	enum iso_class class = ISO_E_REFUSED;
	int st = status;
	int ret;

	iso_error_free(perr);
	iso_buf_init(&joined, ERRMSG_MAX);
	if (iso_json_is(root, ISO_JSON_OBJECT)) {
		cause = iso_json_get_string(root, "cause");
		message = iso_json_get_string(root, "message");
		if (!message)
			message = iso_json_get_string(root, "error"); /* streamed pull error, compat API */
		if (!message)
			message = iso_json_get_string(root, "Err"); /* DELETE /pods */
		if (!message && iso_json_is(iso_json_get(root, "Errs"), ISO_JSON_ARRAY)) {
			join_errs(iso_json_get(root, "Errs"), &joined);
			message = joined.len ? joined.data : NULL;
		}
		if (!message)
			message = cause;
	}
	if (cause_is_not_found(cause)) {
		class = ISO_E_UNKNOWN;
		st = 404;
	} else if (cause_is_exists(cause)) {
		st = 409;
	} else if (status == 404 && (!cause || !root)) {
		/* a bare 404 (exists endpoints, unknown path) is "not found" too */
		class = ISO_E_UNKNOWN;
	} else if (status == 404 || status == 409) {
		st = 500; /* keep 404/409 meaning exactly "not found"/"exists" */
	}
	if (message) {
		int n = (int)strnlen(message, ERRMSG_MAX);
		ret = iso_error_set(err, class, st, "%s: %.*s", what, n, message);
	} else if (len) {
		/* not libpod JSON: show the start of it, NULs and all made safe */
		char text[201];
		size_t k = len < 200 ? len : 200;
		for (size_t i = 0; i < k; i++)
			text[i] = (body[i] >= 32 && body[i] < 127) ? body[i] : '?';
		text[k] = 0;
		ret = iso_error_set(err, class, st, "%s: podman answered HTTP %d: %s", what, status, text);
	} else {
		ret = iso_error_set(err, class, st, "%s: podman answered HTTP %d with no explanation", what, status);
	}
	iso_buf_release(&joined);
	return ret;
}

int podman_err_not_found(const struct iso_error *e)
{
	return e && e->class == ISO_E_UNKNOWN && e->status == 404;
}

int podman_err_exists(const struct iso_error *e)
{
	return e && e->class == ISO_E_REFUSED && e->status == 409;
}

int podman_err_aborted(const struct iso_error *e)
{
	return e && e->status == ECANCELED;
}
