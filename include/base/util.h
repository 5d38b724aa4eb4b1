/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/util.h - small helpers of the base layer: allocation that aborts on
 * out-of-memory (as crun's xmalloc), number parsing, growable capped
 * buffers, files and directories, time.
 */
#ifndef ISO_UTIL_H
#define ISO_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/error.h"

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a whole decimal string into [min, max]: 0, or -1 with errno (EINVAL, ERANGE). */
int iso_parse_long(const char *s, long min, long max, long *out);

/* Lowercase ASCII in place; returns S. */
char *iso_str_lower(char *s);
int iso_str_has_prefix(const char *s, const char *prefix);

/* A growable buffer with a cap: appending past MAX fails (the response-size cap). */
struct iso_buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /* 0: no cap */
};
void iso_buf_init(struct iso_buf *b, size_t max);
int iso_buf_append(struct iso_buf *b, const void *data, size_t len); /* 0, or -1 when over max */
void iso_buf_release(struct iso_buf *b);
/* Hand out the data (NUL-terminated, never NULL) and reset the buffer. */
char *iso_buf_steal(struct iso_buf *b, size_t *len);

/* mkdir -p with MODE for each directory it makes. */
int iso_mkdir_p(const char *path, mode_t mode, struct iso_error **err);
/* Read a whole file of at most CAP bytes; *out NUL-terminated. ENOENT is ISO_E_USAGE-free: see status. */
int iso_read_file(const char *path, size_t cap, char **out, size_t *len, struct iso_error **err);
/* Write all of LEN bytes, retrying on EINTR and short writes: 0 or -1 with errno. */
int iso_write_all(int fd, const void *buf, size_t len);

/* Monotonic clock in milliseconds / microseconds. */
int64_t iso_now_ms(void);
int64_t iso_now_us(void);

#define ISO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
