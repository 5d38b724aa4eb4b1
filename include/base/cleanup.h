/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/cleanup.h - scope-bound ownership, in the manner of crun's utils.h.
 *
 *   cleanup_free char *s = NULL;        freed with free() when s leaves scope
 *   cleanup_close int fd = -1;          closed when >= 0
 *   cleanup_fclose FILE *f = NULL;
 *   return steal_pointer (&s);          hand ownership out, leaving NULL behind
 *
 * Handles of a module's own libraries (CURL, yajl, nl_sock) get their own
 * cleanup_* in the one file of that module that sees the library.
 */
#ifndef ISO_CLEANUP_H
#define ISO_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static inline void iso_freep(void *p)
{
	free(*(void **)p);
}
static inline void iso_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void iso_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
/* Free a NULL-terminated array of strings and the array itself. */
static inline void iso_strvfree(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}
static inline void iso_strvfreep(char ***v)
{
	iso_strvfree(*v);
}

#define cleanup_free __attribute__((cleanup(iso_freep)))
#define cleanup_close __attribute__((cleanup(iso_closep)))
#define cleanup_fclose __attribute__((cleanup(iso_fclosep)))
#define cleanup_strv __attribute__((cleanup(iso_strvfreep)))

static inline void *iso_steal_pointer(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) iso_steal_pointer(pp)

static inline int iso_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
