/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/json.h - the JSON layer: the only code that sees yajl (the parser in
 * src/base/json.c; the generator, src/base/json_gen.c, is a writer of its own).
 *
 * It serves the Podman client's request and response bodies, the config
 * files, the lease file and every --json output.  Three tools:
 *
 *   1. A tree parser for bodies that are read whole and queried:
 *        iso_json *root = iso_json_parse (buf, len, ISO_JSON_COMMENTS,
 *                                         ISO_E_USAGE, "config file 'x'", err);
 *        const char *s = iso_json_get_string (root, "Name");  // NULL if absent or not a string
 *        iso_json_free (root);
 *      Every accessor takes NULL and a node of the wrong type and answers
 *      "absent" (NULL / -1), so a chain of lookups needs one check at the end.
 *      A malformed document is an error of the class the caller names, with
 *      the line and column: "config file 'x': line 3, column 7: invalid char".
 *
 *   2. A streaming reader (callbacks, no tree), for large files and for
 *      streams that arrive in chunks (pull progress, events):
 *        iso_json_reader *r = iso_json_reader_new (&callbacks, ctx, flags);
 *        iso_json_reader_feed (r, chunk, n, err) ... iso_json_reader_finish (r, err);
 *      A callback returns 1 to go on, 0 to stop the parse (the feed then
 *      fails with ISO_E_INTERNAL unless the callback set its own error in ctx:
 *      see iso_json_reader_stopped()).
 *
 *   3. A generator that never formats user strings into JSON by hand:
 *        iso_jgen *g = iso_jgen_new (0);
 *        iso_jgen_map_open (g); iso_jgen_kv_string (g, "Name", name); iso_jgen_map_close (g);
 *        const char *body = iso_jgen_finish (g, &len, err);  // borrowed until iso_jgen_free
 *      Generator calls record the first misuse (a key where a value belongs, a
 *      close with no open) and iso_jgen_finish reports it.  A string's bytes
 *      that start no well-formed UTF-8 character (overlong forms, surrogates
 *      and code points above U+10FFFF included) are written as U+FFFD, so a
 *      message that quotes foreign bytes still makes a JSON document.
 */
#ifndef ISO_JSON_H
#define ISO_JSON_H

#include <stddef.h>
#include "base/error.h"

enum iso_json_flags {
	ISO_JSON_COMMENTS = 1 << 0, /* allow // and slash-star comments (config files) */
	ISO_JSON_MULTIPLE = 1 << 1, /* a stream of several top-level values (streaming reader) */
};

enum iso_json_type {
	ISO_JSON_NULL,
	ISO_JSON_BOOL,
	ISO_JSON_NUMBER,
	ISO_JSON_STRING,
	ISO_JSON_OBJECT,
	ISO_JSON_ARRAY,
};

typedef struct iso_json iso_json; /* a node of a parsed tree; opaque */

/* Parse BUF (LEN bytes, need not be NUL-terminated).  WHAT names the document in errors. */
iso_json *iso_json_parse(const char *buf, size_t len, unsigned flags, enum iso_class class, const char *what,
			 struct iso_error **err);
void iso_json_free(iso_json *root);
static inline void iso_json_freep(iso_json **p)
{
	iso_json_free(*p);
}
#define cleanup_json __attribute__((cleanup(iso_json_freep)))

enum iso_json_type iso_json_type(const iso_json *v); /* ISO_JSON_NULL for NULL */
int iso_json_is(const iso_json *v, enum iso_json_type t);

/* Object member KEY, or NULL when V is not an object or has no such member. */
const iso_json *iso_json_get(const iso_json *v, const char *key);
/* Nested lookup: iso_json_path (v, "State", "Pid", NULL). */
const iso_json *iso_json_path(const iso_json *v, ...) __attribute__((sentinel));

const char *iso_json_string(const iso_json *v);      /* NULL unless a string */
int iso_json_int(const iso_json *v, long long *out); /* 0, or -1 unless an integer */
int iso_json_double(const iso_json *v, double *out); /* 0, or -1 unless a number */
int iso_json_bool(const iso_json *v, int *out);      /* 0, or -1 unless true/false */
const char *iso_json_number_text(const iso_json *v); /* the number as written, NULL unless a number */
const char *iso_json_get_string(const iso_json *obj, const char *key);

/* Arrays and objects: number of elements/members (0 for anything else). */
size_t iso_json_len(const iso_json *v);
const iso_json *iso_json_at(const iso_json *array, size_t i);        /* NULL out of range */
const char *iso_json_key_at(const iso_json *object, size_t i);       /* NULL out of range */
const iso_json *iso_json_value_at(const iso_json *object, size_t i); /* NULL out of range */

/* ---- streaming reader ---- */
struct iso_json_callbacks {
	int (*on_null)(void *ctx);
	int (*on_bool)(void *ctx, int value);
	int (*on_number)(void *ctx, const char *text, size_t len); /* the number as written */
	int (*on_string)(void *ctx, const char *s, size_t len);
	int (*on_map_start)(void *ctx);
	int (*on_map_key)(void *ctx, const char *key, size_t len);
	int (*on_map_end)(void *ctx);
	int (*on_array_start)(void *ctx);
	int (*on_array_end)(void *ctx);
};

typedef struct iso_json_reader iso_json_reader;

iso_json_reader *iso_json_reader_new(const struct iso_json_callbacks *cb, void *ctx, unsigned flags);
/* WHAT and CLASS name the document and the class of a syntax error. */
void iso_json_reader_describe(iso_json_reader *r, enum iso_class class, const char *what);
int iso_json_reader_feed(iso_json_reader *r, const char *buf, size_t len, struct iso_error **err);
int iso_json_reader_finish(iso_json_reader *r, struct iso_error **err);
/* Whether the last failure came from a callback returning 0 (not from the syntax). */
int iso_json_reader_stopped(const iso_json_reader *r);
void iso_json_reader_free(iso_json_reader *r);

/* One-shot: new + feed + finish + free. */
int iso_json_stream(const char *buf, size_t len, unsigned flags, const struct iso_json_callbacks *cb, void *ctx,
		    enum iso_class class, const char *what, struct iso_error **err);

/* ---- generator ---- */
typedef struct iso_jgen iso_jgen;

iso_jgen *iso_jgen_new(int pretty);
void iso_jgen_free(iso_jgen *g);
static inline void iso_jgen_freep(iso_jgen **p)
{
	iso_jgen_free(*p);
}
#define cleanup_jgen __attribute__((cleanup(iso_jgen_freep)))

void iso_jgen_map_open(iso_jgen *g);
void iso_jgen_map_close(iso_jgen *g);
void iso_jgen_array_open(iso_jgen *g);
void iso_jgen_array_close(iso_jgen *g);
void iso_jgen_key(iso_jgen *g, const char *key);
void iso_jgen_string(iso_jgen *g, const char *s); /* NULL writes null */
void iso_jgen_stringn(iso_jgen *g, const char *s, size_t len);
void iso_jgen_int(iso_jgen *g, long long v);
void iso_jgen_double(iso_jgen *g, double v);
void iso_jgen_bool(iso_jgen *g, int v);
void iso_jgen_null(iso_jgen *g);
void iso_jgen_kv_string(iso_jgen *g, const char *key, const char *s);
void iso_jgen_kv_int(iso_jgen *g, const char *key, long long v);
void iso_jgen_kv_bool(iso_jgen *g, const char *key, int v);
/* Copy a parsed value (any type) into the output. */
void iso_jgen_value(iso_jgen *g, const iso_json *v);

/*
 * The document so far (complete or not: iso_jgen_finish checks nothing about
 * completeness, so one generator can produce several lines); borrowed until
 * the next generator call or iso_jgen_free.  NULL with ISO_E_INTERNAL when a
 * call misused the generator.
 */
const char *iso_jgen_finish(iso_jgen *g, size_t *len, struct iso_error **err);
/* Forget the output so far (after it was written out), and any misuse, and allow a new top-level value. */
void iso_jgen_reset(iso_jgen *g);

#endif
