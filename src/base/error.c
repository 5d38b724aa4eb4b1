/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The error object: born with a class where the failure happens, wrapped
 * with context on the way up, turned into an exit code only by main() and
 * the cmd_* layer (which print it with iso_error_report, in report.c).  It
 * uses the allocators alone, so every other file of the base layer may use it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

int iso_error_setv(struct iso_error **err, enum iso_class class, int status, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	struct iso_error *e = xzalloc(sizeof(*e));
	e->class = class;
	e->status = status;
	if (vasprintf(&e->msg, fmt, ap) < 0)
		abort();
	iso_error_free(*err);
	*err = e;
	return -1;
}

int iso_error_set(struct iso_error **err, enum iso_class class, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	iso_error_setv(err, class, status, fmt, ap);
	va_end(ap);
	return -1;
}

int iso_error_wrap(struct iso_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	char *ctx = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		abort();
	va_end(ap);
	char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

void iso_error_free(struct iso_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

static const char *const class_names[] = {
	[ISO_OK] = "ok",
	[ISO_E_INTERNAL] = "internal",
	[ISO_E_USAGE] = "usage",
	[ISO_E_UNKNOWN] = "unknown-work-order",
	[ISO_E_CONFLICT] = "conflict",
	[ISO_E_UNREACHABLE] = "podman-unreachable",
	[ISO_E_REFUSED] = "podman-refused",
	[ISO_E_TIMEOUT] = "readiness-timeout",
	[ISO_E_EXITED] = "container-exited",
	[ISO_E_ISOLATION] = "isolation",
	[ISO_E_HOST] = "host-not-prepared",
	[ISO_E_TESTS_FAILED] = "tests-failed",
	[ISO_E_NO_TESTS] = "no-tests",
};

int iso_error_move(struct iso_error **err, struct iso_error *src)
{
	if (err) {
		iso_error_free(*err);
		*err = src;
	} else {
		iso_error_free(src);
	}
	return -1;
}

const char *iso_class_name(enum iso_class class)
{
	if ((unsigned)class > ISO_CLASS_MAX)
		return "internal";
	return class_names[class];
}

int iso_error_exit_code(const struct iso_error *err)
{
	if (!err || (unsigned)err->class > ISO_CLASS_MAX || err->class == ISO_OK)
		return ISO_E_INTERNAL;
	return (int)err->class;
}
