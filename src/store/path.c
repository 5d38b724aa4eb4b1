/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/store/path.c - the bottom of src/store/: the paths that name things
 * in the errors, the errors themselves, and opening a root directory.
 *
 * Why the root is lstat'ed before it is opened: O_NOFOLLOW alone says ELOOP
 * for a symbolic link and ENOTDIR for a file, and the caller deserves to be
 * told which of "missing", "a link" and "not a directory" it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tree.h"

int store_path_push(struct store_path *p, const char *name, size_t *saved)
{
	size_t n = strlen(name), need = p->len + (p->len ? 1 : 0) + n;
	*saved = p->len;
	if (need >= sizeof p->rel) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (p->len)
		p->rel[p->len++] = '/';
	memcpy(p->rel + p->len, name, n + 1);
	p->len = need;
	return 0;
}

void store_path_pop(struct store_path *p, size_t saved)
{
	p->len = saved;
	p->rel[saved] = '\0';
}

const char *store_path_str(const struct store_path *p, char *buf, size_t size)
{
	size_t rl = strlen(p->root);
	int slash = rl > 0 && p->root[rl - 1] == '/';
	if (!p->len)
		snprintf(buf, size, "%s", p->root);
	else
		snprintf(buf, size, "%s%s%s", p->root, slash ? "" : "/", p->rel);
	return buf;
}

int store_fail(const struct store_path *p, int e, const char *verb, struct iso_error **err)
{
	char path[PATH_MAX + 256];
	store_path_str(p, path, sizeof path);
	if (e == ENOSPC || e == EDQUOT)
		return iso_error_set(err, ISO_E_HOST, e,
				     "no space left on the file system of '%s': %s; "
				     "free space or remove templates with 'isopod template rm'",
				     path, strerror(e));
	return iso_error_set(err, ISO_E_INTERNAL, e, "cannot %s '%s': %s", verb, path, strerror(e));
}

int store_open_root(const struct store_path *p, const char *role, struct stat *st, struct iso_error **err)
{
	struct stat fst;
	if (lstat(p->root, st) < 0) {
		if (errno == ENOENT)
			return iso_error_set(err, ISO_E_INTERNAL, errno,
					     "the %s directory '%s' does not exist: %s; check the volume", role,
					     p->root, strerror(errno));
		return store_fail(p, errno, "inspect", err);
	}
	if (S_ISLNK(st->st_mode))
		return iso_error_set(err, ISO_E_INTERNAL, ELOOP,
				     "the %s '%s' is a symbolic link: %s; name the directory itself", role, p->root,
				     strerror(ELOOP));
	if (!S_ISDIR(st->st_mode))
		return iso_error_set(err, ISO_E_INTERNAL, ENOTDIR, "the %s '%s' is not a directory: %s", role, p->root,
				     strerror(ENOTDIR));
	int fd = open(p->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return store_fail(p, errno, "open the directory", err);
	if (fstat(fd, &fst) < 0 || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino) {
		close(fd);
		return iso_error_set(err, ISO_E_INTERNAL, ESTALE, "the %s '%s' changed while it was opened; retry",
				     role, p->root);
	}
	return fd;
}
