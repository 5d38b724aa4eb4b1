/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON parser, tree and streaming reader: the one file of isopod that
 * includes yajl.  A later swap of the library (crun moved from yajl to json-c
 * in 2026 and touched many files) touches this file alone; the generator
 * (json_gen.c) is a writer of its own and reads parsed values through the
 * accessors here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"

/* A tree node is a yajl_val; the public type stays opaque. */
#define V(x) ((yajl_val)(x))
#define J(x) ((const iso_json *)(x))

/* ---- streaming reader ---- */

/* A place in the text, 1-based; LAST_* is just after its last byte that is not blank (where a truncated text ends). */
struct json_pos {
	size_t line, column;
	size_t last_line, last_column;
};

struct iso_json_reader {
	yajl_handle h;
	const struct iso_json_callbacks *cb;
	void *ctx;
	enum iso_class class;
	char *what;
	struct json_pos pos; /* of the start of the next chunk */
	int stopped;
};

static int t_null(void *r)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_null ? rd->cb->on_null(rd->ctx) : 1;
}
static int t_bool(void *r, int v)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_bool ? rd->cb->on_bool(rd->ctx, v) : 1;
}
static int t_number(void *r, const char *s, size_t n)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_number ? rd->cb->on_number(rd->ctx, s, n) : 1;
}
static int t_string(void *r, const unsigned char *s, size_t n)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_string ? rd->cb->on_string(rd->ctx, (const char *)s, n) : 1;
}
static int t_map_start(void *r)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_map_start ? rd->cb->on_map_start(rd->ctx) : 1;
}
static int t_map_key(void *r, const unsigned char *s, size_t n)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_map_key ? rd->cb->on_map_key(rd->ctx, (const char *)s, n) : 1;
}
static int t_map_end(void *r)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_map_end ? rd->cb->on_map_end(rd->ctx) : 1;
}
static int t_array_start(void *r)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_array_start ? rd->cb->on_array_start(rd->ctx) : 1;
}
static int t_array_end(void *r)
{
	struct iso_json_reader *rd = r;
	return rd->cb->on_array_end ? rd->cb->on_array_end(rd->ctx) : 1;
}

static const yajl_callbacks trampolines = {
	.yajl_null = t_null,
	.yajl_boolean = t_bool,
	.yajl_number = t_number,
	.yajl_string = t_string,
	.yajl_start_map = t_map_start,
	.yajl_map_key = t_map_key,
	.yajl_end_map = t_map_end,
	.yajl_start_array = t_array_start,
	.yajl_end_array = t_array_end,
};

static const struct iso_json_callbacks no_callbacks;

iso_json_reader *iso_json_reader_new(const struct iso_json_callbacks *cb, void *ctx, unsigned flags)
{
	struct iso_json_reader *r = xzalloc(sizeof(*r));
	r->cb = cb ? cb : &no_callbacks;
	r->ctx = ctx;
	r->class = ISO_E_INTERNAL;
	r->what = xstrdup("JSON document");
	r->pos = (struct json_pos){1, 1, 1, 1};
	r->h = yajl_alloc(&trampolines, NULL, r);
	if (!r->h)
		abort();
	yajl_config(r->h, yajl_allow_comments, (flags & ISO_JSON_COMMENTS) ? 1 : 0);
	yajl_config(r->h, yajl_allow_multiple_values, (flags & ISO_JSON_MULTIPLE) ? 1 : 0);
	yajl_config(r->h, yajl_dont_validate_strings, 0);
	return r;
}

void iso_json_reader_describe(iso_json_reader *r, enum iso_class class, const char *what)
{
	r->class = class;
	free(r->what);
	r->what = xstrdup(what ? what : "JSON document");
}

static void advance(struct json_pos *p, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			p->line++;
			p->column = 1;
			continue;
		}
		p->column++;
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r') {
			p->last_line = p->line;
			p->last_column = p->column;
		}
	}
}

static int reader_fail(iso_json_reader *r, yajl_status st, const char *buf, size_t len, struct iso_error **err)
{
	if (st == yajl_status_client_canceled) {
		r->stopped = 1;
		return iso_error_set(err, r->class, 0, "%s: reading stopped", r->what);
	}
	struct json_pos at = r->pos;
	size_t used = buf ? yajl_get_bytes_consumed(r->h) : 0;
	if (buf)
		advance(&at, buf, used < len ? used : len);
	unsigned char *m = yajl_get_error(r->h, 0, NULL, 0);
	cleanup_free char *msg = xstrdup(m ? (const char *)m : "parse error");
	if (m)
		yajl_free_error(r->h, m);
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	/* yajl says "parse error: X" or "lexical error: X"; keep X. */
	const char *text = msg;
	const char *colon = strstr(msg, ": ");
	if (colon && (iso_str_has_prefix(msg, "parse error") || iso_str_has_prefix(msg, "lexical error")))
		text = colon + 2;
	/* At the end of the text the place to name is where the text stopped, not the blank lines after it. */
	if (!buf)
		return iso_error_set(err, r->class, 0, "%s: line %zu, column %zu: ends early (truncated?): %s", r->what,
				     at.last_line, at.last_column, text);
	return iso_error_set(err, r->class, 0, "%s: line %zu, column %zu: %s", r->what, at.line, at.column, text);
}

int iso_json_reader_feed(iso_json_reader *r, const char *buf, size_t len, struct iso_error **err)
{
	yajl_status st = yajl_parse(r->h, (const unsigned char *)buf, len);
	if (st != yajl_status_ok)
		return reader_fail(r, st, buf, len, err);
	advance(&r->pos, buf, len);
	return 0;
}

int iso_json_reader_finish(iso_json_reader *r, struct iso_error **err)
{
	yajl_status st = yajl_complete_parse(r->h);
	if (st != yajl_status_ok)
		return reader_fail(r, st, NULL, 0, err);
	return 0;
}

int iso_json_reader_stopped(const iso_json_reader *r)
{
	return r->stopped;
}

void iso_json_reader_free(iso_json_reader *r)
{
	if (!r)
		return;
	yajl_free(r->h);
	free(r->what);
	free(r);
}

int iso_json_stream(const char *buf, size_t len, unsigned flags, const struct iso_json_callbacks *cb, void *ctx,
		    enum iso_class class, const char *what, struct iso_error **err)
{
	iso_json_reader *r = iso_json_reader_new(cb, ctx, flags);
	iso_json_reader_describe(r, class, what);
	int ret = iso_json_reader_feed(r, buf, len, err);
	if (ret == 0)
		ret = iso_json_reader_finish(r, err);
	iso_json_reader_free(r);
	return ret;
}

/* ---- tree ---- */

iso_json *iso_json_parse(const char *buf, size_t len, unsigned flags, enum iso_class class, const char *what,
			 struct iso_error **err)
{
	if (!what)
		what = "JSON document";
	if (memchr(buf, '\0', len))
		return iso_error_set(err, class, 0, "%s: contains a NUL byte", what), NULL;
	/*
	 * yajl_tree_parse always allows comments; where the caller does not,
	 * and the text holds something comment-like, a strict streaming pass
	 * decides (the sequence may sit inside a string).
	 */
	if (!(flags & ISO_JSON_COMMENTS) && (memmem(buf, len, "//", 2) || memmem(buf, len, "/*", 2))) {
		struct iso_error *e = NULL;
		if (iso_json_stream(buf, len, 0, NULL, NULL, class, what, &e) < 0) {
			iso_error_move(err, e);
			return NULL;
		}
	}
	cleanup_free char *copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	char ebuf[256] = "";
	yajl_val v = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
	if (!v) {
		/* Read again with the streaming parser to name the line and column. */
		struct iso_error *e = NULL;
		if (iso_json_stream(buf, len, flags & ISO_JSON_COMMENTS, NULL, NULL, class, what, &e) < 0) {
			iso_error_move(err, e);
			return NULL;
		}
		char *nl = strchr(ebuf, '\n');
		if (nl)
			*nl = '\0';
		return iso_error_set(err, class, 0, "%s: %s", what, *ebuf ? ebuf : "not valid JSON"), NULL;
	}
	return (iso_json *)v;
}

void iso_json_free(iso_json *root)
{
	if (root)
		yajl_tree_free(V(root));
}

enum iso_json_type iso_json_type(const iso_json *v)
{
	if (!v)
		return ISO_JSON_NULL;
	switch (V(v)->type) {
	case yajl_t_string:
		return ISO_JSON_STRING;
	case yajl_t_number:
		return ISO_JSON_NUMBER;
	case yajl_t_object:
		return ISO_JSON_OBJECT;
	case yajl_t_array:
		return ISO_JSON_ARRAY;
	case yajl_t_true:
	case yajl_t_false:
		return ISO_JSON_BOOL;
	default:
		return ISO_JSON_NULL;
	}
}

int iso_json_is(const iso_json *v, enum iso_json_type t)
{
	return v && iso_json_type(v) == t;
}

const iso_json *iso_json_get(const iso_json *v, const char *key)
{
	if (!v || !key || !YAJL_IS_OBJECT(V(v)))
		return NULL;
	yajl_val o = V(v);
	for (size_t i = 0; i < o->u.object.len; i++)
		if (strcmp(o->u.object.keys[i], key) == 0)
			return J(o->u.object.values[i]);
	return NULL;
}

const iso_json *iso_json_path(const iso_json *v, ...)
{
	va_list ap;
	va_start(ap, v);
	const char *k;
	while (v && (k = va_arg(ap, const char *)))
		v = iso_json_get(v, k);
	va_end(ap);
	return v;
}

const char *iso_json_string(const iso_json *v)
{
	return v && YAJL_IS_STRING(V(v)) ? V(v)->u.string : NULL;
}

int iso_json_int(const iso_json *v, long long *out)
{
	if (!v || !YAJL_IS_INTEGER(V(v)))
		return -1;
	*out = V(v)->u.number.i;
	return 0;
}

int iso_json_double(const iso_json *v, double *out)
{
	if (!v || !YAJL_IS_NUMBER(V(v)))
		return -1;
	if (YAJL_IS_DOUBLE(V(v)))
		*out = V(v)->u.number.d;
	else if (YAJL_IS_INTEGER(V(v)))
		*out = (double)V(v)->u.number.i;
	else
		return -1;
	return 0;
}

int iso_json_bool(const iso_json *v, int *out)
{
	if (!v)
		return -1;
	if (YAJL_IS_TRUE(V(v)))
		*out = 1;
	else if (YAJL_IS_FALSE(V(v)))
		*out = 0;
	else
		return -1;
	return 0;
}

const char *iso_json_number_text(const iso_json *v)
{
	return v && YAJL_IS_NUMBER(V(v)) ? V(v)->u.number.r : NULL;
}

const char *iso_json_get_string(const iso_json *obj, const char *key)
{
	return iso_json_string(iso_json_get(obj, key));
}

size_t iso_json_len(const iso_json *v)
{
	if (!v)
		return 0;
	if (YAJL_IS_ARRAY(V(v)))
		return V(v)->u.array.len;
	if (YAJL_IS_OBJECT(V(v)))
		return V(v)->u.object.len;
	return 0;
}

const iso_json *iso_json_at(const iso_json *array, size_t i)
{
	if (!array || !YAJL_IS_ARRAY(V(array)) || i >= V(array)->u.array.len)
		return NULL;
	return J(V(array)->u.array.values[i]);
}

const char *iso_json_key_at(const iso_json *object, size_t i)
{
	if (!object || !YAJL_IS_OBJECT(V(object)) || i >= V(object)->u.object.len)
		return NULL;
	return V(object)->u.object.keys[i];
}

const iso_json *iso_json_value_at(const iso_json *object, size_t i)
{
	if (!object || !YAJL_IS_OBJECT(V(object)) || i >= V(object)->u.object.len)
		return NULL;
	return J(V(object)->u.object.values[i]);
}
