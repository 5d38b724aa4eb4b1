/* SPDX-License-Identifier: Apache-2.0 */
/* Files and directories, with errors a user can act on. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/util.h"

int iso_mkdir_p(const char *path, mode_t mode, struct iso_error **err)
{
	cleanup_free char *p = xstrdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	for (char *s = p + 1;; s++) {
		int last = *s == '\0';
		if (*s == '/' || last) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return iso_error_set(err, ISO_E_HOST, errno, "cannot create directory '%s': %s", p,
						     strerror(errno));
			*s = c;
		}
		if (last)
			break;
	}
	struct stat st;
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return iso_error_set(err, ISO_E_HOST, ENOTDIR, "'%s' exists and is not a directory", p);
	return 0;
}

int iso_read_file(const char *path, size_t cap, char **out, size_t *len, struct iso_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return iso_error_set(err, ISO_E_USAGE, errno, "cannot read '%s': %s", path, strerror(errno));
	struct iso_buf b;
	iso_buf_init(&b, cap);
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			iso_buf_release(&b);
			return iso_error_set(err, ISO_E_USAGE, e, "cannot read '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		if (iso_buf_append(&b, chunk, (size_t)r) < 0) {
			iso_buf_release(&b);
			return iso_error_set(err, ISO_E_USAGE, EFBIG, "'%s' is larger than %zu bytes", path, cap);
		}
	}
	*out = iso_buf_steal(&b, len);
	return 0;
}

int iso_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
