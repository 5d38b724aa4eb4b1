/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the base layer. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

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

int iso_parse_long(const char *s, long min, long max, long *out)
{
	if (!s || !*s || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	if (errno || *end) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

char *iso_str_lower(char *s)
{
	for (char *p = s; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

int iso_str_has_prefix(const char *s, const char *prefix)
{
	return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

void iso_buf_init(struct iso_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int iso_buf_append(struct iso_buf *b, const void *data, size_t len)
{
	if (b->max && (len > b->max || b->len > b->max - len))
		return -1;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

void iso_buf_release(struct iso_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *iso_buf_steal(struct iso_buf *b, size_t *len)
{
	char *d = b->data ? b->data : xstrdup("");
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

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

int64_t iso_now_ms(void)
{
	return iso_now_us() / 1000;
}

int64_t iso_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
