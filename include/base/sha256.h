/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/sha256.h - SHA-256 (FIPS 180-4), for keys that someone else's input
 * must not be able to forge (a template's key hashes a repository's files).
 *
 *   struct iso_sha256 s;
 *   iso_sha256_init (&s);
 *   iso_sha256_update (&s, data, len);   // any number of times
 *   unsigned char md[32];
 *   iso_sha256_final (&s, md);
 */
#ifndef ISO_SHA256_H
#define ISO_SHA256_H
#include <stddef.h>
#include <stdint.h>

struct iso_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes so far */
	unsigned char buf[64];
	size_t fill;
};

void iso_sha256_init(struct iso_sha256 *s);
void iso_sha256_update(struct iso_sha256 *s, const void *data, size_t len);
void iso_sha256_final(struct iso_sha256 *s, unsigned char md[32]);
/* The first N bytes of MD as lowercase hex into OUT (2N + 1 bytes). */
void iso_hex(const unsigned char *md, size_t n, char *out);

#endif
