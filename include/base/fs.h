/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/fs.h - files and directories: the helpers that report an iso_error.
 *
 * Each returns 0, or -1 with *err set (class ISO_E_HOST for a directory that
 * cannot be made, ISO_E_USAGE for a file that cannot be read; status is the
 * errno); iso_write_all sets errno only, for callers that word their own error.
 */
#ifndef ISO_FS_H
#define ISO_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* mkdir -p with MODE for each directory it makes. */
int iso_mkdir_p(const char *path, mode_t mode, struct iso_error **err);
/* Read a whole file of at most CAP bytes; *out NUL-terminated.  A missing file is ISO_E_USAGE too: see status. */
int iso_read_file(const char *path, size_t cap, char **out, size_t *len, struct iso_error **err);
/* Write all of LEN bytes, retrying on EINTR and short writes: 0 or -1 with errno. */
int iso_write_all(int fd, const void *buf, size_t len);

#endif
