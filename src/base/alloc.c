/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that aborts on out-of-memory: the bottom of the base layer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* Out of memory is not an error isopod can report usefully: abort, as crun's xmalloc does. */
static void *oom(void *p)
{
	if (!p) {
		fputs("isopod: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return oom(malloc(n ? n : 1));
}

void *xzalloc(size_t n)
{
	return oom(calloc(1, n ? n : 1));
}

void *xrealloc(void *p, size_t n)
{
	return oom(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return oom(strdup(s ? s : ""));
}

char *xstrndup(const char *s, size_t n)
{
	return oom(strndup(s, n));
}

char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom(NULL);
	return s;
}
