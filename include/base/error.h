/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/error.h - the error object every isopod layer returns.
 *
 * Contract
 *   A fallible function returns 0 / -1 (or a pointer / NULL) and takes
 *   `struct iso_error **err` as its last parameter.  On failure it sets *err
 *   with iso_error_set() (where the error is born: the class is decided there)
 *   or passes it up, optionally with iso_error_wrap() adding context in front
 *   of the message; the class never changes on the way up.  On success *err
 *   is left untouched.
 *
 *   Only main() and the cmd_* functions print an error (iso_error_report, in
 *   base/report.h, which this header includes) and turn its class into the
 *   process exit code (iso_error_exit_code).  Modules never print an error
 *   and never exit.
 *
 * Ownership
 *   The caller owns *err and frees it with iso_error_free() (NULL is fine).
 *   iso_error_set() on an already set *err frees the old one first: the last
 *   error born wins.
 *
 * Messages
 *   Lowercase, no full stop, the subject quoted, the next step named, e.g.
 *   "port 8092 is held by work order 'wo-017'; pick another with --port".
 */
#ifndef ISO_ERROR_H
#define ISO_ERROR_H

#include <stdarg.h>

/* The error classes; the numeric value is the documented exit code. */
enum iso_class {
	ISO_OK = 0,
	ISO_E_INTERNAL = 1,      /* a bug or an unexpected system failure */
	ISO_E_USAGE = 2,         /* usage or bad input */
	ISO_E_UNKNOWN = 3,       /* unknown work order: no pod, no volume, no lease */
	ISO_E_CONFLICT = 4,      /* port held, range full, work order busy or of another profile */
	ISO_E_UNREACHABLE = 5,   /* Podman unreachable: socket missing, refused, timeout */
	ISO_E_REFUSED = 6,       /* Podman refused the request (image missing included) */
	ISO_E_TIMEOUT = 7,       /* readiness timeout */
	ISO_E_EXITED = 8,        /* a container exited while waiting */
	ISO_E_ISOLATION = 9,     /* an isolation check failed or could not be verified */
	ISO_E_HOST = 10,         /* host not prepared, or not available for a remote endpoint */
	ISO_E_TESTS_FAILED = 11, /* `isopod test`: the verdict is failed */
	ISO_E_NO_TESTS = 12,     /* `isopod test`: no test ran */
};
#define ISO_CLASS_MAX ISO_E_NO_TESTS

/* Exit codes of `isopod exec` for its own failures, as `podman exec` uses them. */
#define ISO_EXEC_EXIT_FAILED 125
#define ISO_EXEC_EXIT_NOEXEC 126
#define ISO_EXEC_EXIT_NOTFOUND 127

struct iso_error {
	enum iso_class class; /* picks the exit code */
	int status;           /* errno or another numeric cause, 0 when none */
	char *msg;            /* owned, never NULL once set */
};

/* Set *err to a new error of class CLASS; returns -1 so `return iso_error_set(...)` works. */
int iso_error_set(struct iso_error **err, enum iso_class class, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int iso_error_setv(struct iso_error **err, enum iso_class class, int status, const char *fmt, va_list ap);

/* Prefix the message of *err with context ("context: old message"); returns -1. */
int iso_error_wrap(struct iso_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void iso_error_free(struct iso_error *err);

/* Hand SRC (made locally) to the caller's ERR, which may be NULL; returns -1. */
int iso_error_move(struct iso_error **err, struct iso_error *src);

/* Stable short name of a class ("conflict", "podman-unreachable", ...), used in --json. */
const char *iso_class_name(enum iso_class class);

/* The exit code of an error (its class), 1 for a NULL or malformed error. */
int iso_error_exit_code(const struct iso_error *err);

static inline void iso_error_freep(struct iso_error **p)
{
	iso_error_free(*p);
}
#define cleanup_error __attribute__((cleanup(iso_error_freep)))

/* Printing an error is base/report.h; here for the includers of old. */
#include "base/report.h"

#endif
