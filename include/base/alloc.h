/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/alloc.h - allocation that aborts on out-of-memory, as crun's xmalloc.
 *
 * Out of memory is not an error isopod can report usefully: these print
 * "isopod: out of memory" and abort instead of returning NULL, so a caller
 * never checks.  A size of 0 allocates 1 byte (the result is never NULL);
 * xstrdup (NULL) is "".  Everything returned is the caller's, freed with
 * free().  The bottom of the base layer: it uses nothing of isopod.
 */
#ifndef ISO_ALLOC_H
#define ISO_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
