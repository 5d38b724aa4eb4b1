/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/util.h - small helpers of the base layer: number parsing, strings,
 * growable capped buffers, time.  None of them fails with an iso_error.
 *
 * For its includers of old it also brings in base/alloc.h (the x* allocators)
 * and base/fs.h (files and directories); new code includes those itself.
 */
#ifndef ISO_UTIL_H
#define ISO_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/fs.h"

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

/* Monotonic clock in milliseconds / microseconds. */
int64_t iso_now_ms(void);
int64_t iso_now_us(void);

#define ISO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
