/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iso_test.c - see iso_test.h.  The skip and the failure are reported at the
 * caller's file and line, so cmocka names the test's own line.
 */
#include "iso_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool iso_test_required(void)
{
	const char *v = getenv("ISOPOD_REQUIRE_PODMAN");

	if (v == NULL || *v == '\0')
		return false;
	return strcmp(v, "0") != 0 && strcasecmp(v, "no") != 0 && strcasecmp(v, "false") != 0;
}

void iso_test_need_at(const char *file, int line, bool have, const char *why_fmt, ...)
{
	char why[1024];
	va_list ap;

	if (have)
		return;
	va_start(ap, why_fmt);
	vsnprintf(why, sizeof why, why_fmt, ap);
	va_end(ap);
	if (iso_test_required()) {
		print_error("ERROR: %s (ISOPOD_REQUIRE_PODMAN=%s: a missing prerequisite is a failure)\n", why,
			    getenv("ISOPOD_REQUIRE_PODMAN"));
		_fail(file, line);
	}
	print_message("skipped: %s\n", why);
	_skip(file, line);
}

void iso_test_mem_open(struct iso_test_mem *m)
{
	m->text = NULL;
	m->len = 0;
	m->f = open_memstream(&m->text, &m->len);
	assert_non_null(m->f);
}

void iso_test_mem_close(struct iso_test_mem *m)
{
	fclose(m->f);
	m->f = NULL;
}
