/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON generator: a small writer of its own, so that json.c stays the
 * one file that includes yajl (the parser).  Its output is the one isopod
 * always printed: compact, or with `pretty` two spaces of indentation,
 * "key": value, a newline after a complete top-level value, strings
 * validated as UTF-8 and escaped (\" \\ \b \f \n \r \t, \u00XX for the other
 * control characters; '/' and bytes from 0x7f up as they are).
 *
 * Each container level has a state; a call that does not fit it (a value
 * where a key belongs, a close that matches no open, a second top-level
 * value) is recorded as the first misuse and reported by iso_jgen_finish.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/util.h"

/* As deep as yajl's generator went (YAJL_MAX_DEPTH). */
#define GEN_MAX_DEPTH 128

enum gen_state {
	GEN_START,       /* nothing written yet */
	GEN_MAP_START,   /* '{' written: a key or '}' next */
	GEN_MAP_KEY,     /* a member written: a key or '}' next */
	GEN_MAP_VAL,     /* a key written: its value next */
	GEN_ARRAY_START, /* '[' written */
	GEN_IN_ARRAY,    /* an element written */
	GEN_COMPLETE,    /* a whole top-level value written */
};

enum gen_error {
	GEN_OK,
	GEN_KEY_EXPECTED,
	GEN_TOO_DEEP,
	GEN_SECOND_VALUE,
	GEN_BAD_NUMBER,
	GEN_MISUSE,
};

static const char *const gen_error_text[] = {
	[GEN_OK] = "no error",
	[GEN_KEY_EXPECTED] = "a key was expected",
	[GEN_TOO_DEEP] = "nested too deeply",
	[GEN_SECOND_VALUE] = "a second top-level value",
	[GEN_BAD_NUMBER] = "a number that JSON cannot hold",
	[GEN_MISUSE] = "generator misuse",
};

struct iso_jgen {
	struct iso_buf out;
	int pretty;
	unsigned depth;
	enum gen_state state[GEN_MAX_DEPTH];
	enum gen_error first_error;
	const char *first_call;
};

iso_jgen *iso_jgen_new(int pretty)
{
	struct iso_jgen *g = xzalloc(sizeof(*g));
	iso_buf_init(&g->out, 0);
	g->pretty = pretty ? 1 : 0;
	return g;
}

void iso_jgen_free(iso_jgen *g)
{
	if (!g)
		return;
	iso_buf_release(&g->out);
	free(g);
}

/* Record the first misuse; returns -1 so a call can `return note (...)`. */
static int note(iso_jgen *g, enum gen_error e, const char *call)
{
	if (g->first_error == GEN_OK) {
		g->first_error = e;
		g->first_call = call;
	}
	return -1;
}

static void put(iso_jgen *g, const char *s, size_t n)
{
	iso_buf_append(&g->out, s, n); /* no cap: never fails */
}

static void indent(iso_jgen *g)
{
	for (unsigned i = 0; i < g->depth; i++)
		put(g, "  ", 2);
}

/* Whether the state takes a value (KEY: or a key); the error else. */
static enum gen_error state_takes(const iso_jgen *g, int key)
{
	enum gen_state st = g->state[g->depth];
	if (st == GEN_COMPLETE)
		return GEN_SECOND_VALUE;
	if (!key && (st == GEN_MAP_START || st == GEN_MAP_KEY))
		return GEN_KEY_EXPECTED;
	return GEN_OK;
}

/* What stands between the last item and the next one: a comma, a colon, the indentation. */
static void separate(iso_jgen *g)
{
	enum gen_state st = g->state[g->depth];
	if (st == GEN_MAP_KEY || st == GEN_IN_ARRAY)
		put(g, ",\n", g->pretty ? 2 : 1);
	else if (st == GEN_MAP_VAL)
		put(g, ": ", g->pretty ? 2 : 1);
	if (g->pretty && st != GEN_MAP_VAL)
		indent(g);
}

/* After an item: the level moves on; a complete document ends its line when pretty. */
static void moved_on(iso_jgen *g)
{
	enum gen_state *st = &g->state[g->depth];
	switch (*st) {
	case GEN_START:
		*st = GEN_COMPLETE;
		break;
	case GEN_MAP_START:
	case GEN_MAP_KEY:
		*st = GEN_MAP_VAL;
		break;
	case GEN_ARRAY_START:
	case GEN_IN_ARRAY:
		*st = GEN_IN_ARRAY;
		break;
	case GEN_MAP_VAL:
		*st = GEN_MAP_KEY;
		break;
	case GEN_COMPLETE:
		break;
	}
}

static void done_item(iso_jgen *g)
{
	moved_on(g);
	if (g->pretty && g->state[g->depth] == GEN_COMPLETE)
		put(g, "\n", 1);
}

/* A scalar written as TEXT (a number, true, false, null). */
static void atom(iso_jgen *g, const char *call, const char *text, size_t n)
{
	enum gen_error e = state_takes(g, 0);
	if (e != GEN_OK) {
		note(g, e, call);
		return;
	}
	separate(g);
	put(g, text, n);
	done_item(g);
}

static void open_level(iso_jgen *g, const char *call, const char *bracket, enum gen_state inner)
{
	enum gen_error e = state_takes(g, 0);
	if (e == GEN_OK && g->depth + 1 >= GEN_MAX_DEPTH)
		e = GEN_TOO_DEEP;
	if (e != GEN_OK) {
		note(g, e, call);
		return;
	}
	separate(g);
	g->state[++g->depth] = inner;
	put(g, bracket, 1);
	if (g->pretty)
		put(g, "\n", 1);
}

/* Close a level opened with the state FIRST, which moved on to the state NEXT. */
static void close_level(iso_jgen *g, const char *call, const char *bracket, enum gen_state first, enum gen_state next)
{
	enum gen_state st = g->state[g->depth];
	if (st == GEN_COMPLETE) {
		note(g, GEN_SECOND_VALUE, call);
		return;
	}
	if (g->depth == 0 || (st != first && st != next)) {
		note(g, GEN_MISUSE, call);
		return;
	}
	g->depth--;
	if (g->pretty)
		put(g, "\n", 1);
	moved_on(g);
	if (g->pretty)
		indent(g);
	put(g, bracket, 1);
	if (g->pretty && g->state[g->depth] == GEN_COMPLETE)
		put(g, "\n", 1);
}

void iso_jgen_map_open(iso_jgen *g)
{
	open_level(g, "map_open", "{", GEN_MAP_START);
}
void iso_jgen_map_close(iso_jgen *g)
{
	close_level(g, "map_close", "}", GEN_MAP_START, GEN_MAP_KEY);
}
void iso_jgen_array_open(iso_jgen *g)
{
	open_level(g, "array_open", "[", GEN_ARRAY_START);
}
void iso_jgen_array_close(iso_jgen *g)
{
	close_level(g, "array_close", "]", GEN_ARRAY_START, GEN_IN_ARRAY);
}

/* The length of the well-formed UTF-8 sequence at S (N bytes left), 0 when there is none:
 * no overlong form, no surrogate, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t k = s[0] < 0x80             ? 1
		   : (s[0] & 0xe0) == 0xc0 ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4
					   : 0;
	if (k <= 1 || k > n)
		return k == 1;
	unsigned cp = s[0] & (0x7fu >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

static void put_escaped(iso_jgen *g, const unsigned char *s, size_t len)
{
	size_t plain = 0; /* start of the run not yet written */
	for (size_t i = 0; i < len; i++) {
		char hex[7];
		const char *esc = NULL;
		size_t seq = utf8_seq(s + i, len - i);
		if (seq > 1) {
			i += seq - 1; /* a whole multibyte character, written as it is */
			continue;
		}
		if (seq == 0) {
			/* A byte that starts no well-formed character: U+FFFD, so the document stays JSON. */
			put(g, (const char *)s + plain, i - plain);
			put(g, "\xef\xbf\xbd", 3);
			plain = i + 1;
			continue;
		}
		switch (s[i]) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (s[i] < 0x20) {
				snprintf(hex, sizeof(hex), "\\u%04X", s[i]);
				esc = hex;
			}
		}
		if (!esc)
			continue;
		put(g, (const char *)s + plain, i - plain);
		put(g, esc, strlen(esc));
		plain = i + 1;
	}
	put(g, (const char *)s + plain, len - plain);
}

void iso_jgen_stringn(iso_jgen *g, const char *s, size_t len)
{
	enum gen_error e = state_takes(g, 1); /* a key or a value */
	if (e != GEN_OK) {
		note(g, e, "string");
		return;
	}
	separate(g);
	put(g, "\"", 1);
	put_escaped(g, (const unsigned char *)s, len);
	put(g, "\"", 1);
	done_item(g);
}

void iso_jgen_key(iso_jgen *g, const char *key)
{
	iso_jgen_stringn(g, key ? key : "", key ? strlen(key) : 0);
}
void iso_jgen_string(iso_jgen *g, const char *s)
{
	if (!s)
		iso_jgen_null(g);
	else
		iso_jgen_stringn(g, s, strlen(s));
}
void iso_jgen_int(iso_jgen *g, long long v)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%lld", v);
	atom(g, "integer", text, (size_t)n);
}
void iso_jgen_double(iso_jgen *g, double v)
{
	if (state_takes(g, 0) == GEN_OK && !isfinite(v)) {
		note(g, GEN_BAD_NUMBER, "double");
		return;
	}
	char text[40];
	snprintf(text, sizeof(text), "%.20g", v);
	/* A whole number still reads back as a double. */
	if (strspn(text, "0123456789-") == strlen(text))
		strcat(text, ".0");
	atom(g, "double", text, strlen(text));
}
void iso_jgen_bool(iso_jgen *g, int v)
{
	atom(g, "bool", v ? "true" : "false", v ? 4 : 5);
}
void iso_jgen_null(iso_jgen *g)
{
	atom(g, "null", "null", 4);
}
void iso_jgen_kv_string(iso_jgen *g, const char *key, const char *s)
{
	iso_jgen_key(g, key);
	iso_jgen_string(g, s);
}
void iso_jgen_kv_int(iso_jgen *g, const char *key, long long v)
{
	iso_jgen_key(g, key);
	iso_jgen_int(g, v);
}
void iso_jgen_kv_bool(iso_jgen *g, const char *key, int v)
{
	iso_jgen_key(g, key);
	iso_jgen_bool(g, v);
}

void iso_jgen_value(iso_jgen *g, const iso_json *v)
{
	int b = 0;
	const char *num;
	switch (iso_json_type(v)) {
	case ISO_JSON_STRING:
		iso_jgen_string(g, iso_json_string(v));
		break;
	case ISO_JSON_NUMBER:
		num = iso_json_number_text(v);
		atom(g, "number", num, strlen(num));
		break;
	case ISO_JSON_OBJECT:
		iso_jgen_map_open(g);
		for (size_t i = 0; i < iso_json_len(v); i++) {
			iso_jgen_key(g, iso_json_key_at(v, i));
			iso_jgen_value(g, iso_json_value_at(v, i));
		}
		iso_jgen_map_close(g);
		break;
	case ISO_JSON_ARRAY:
		iso_jgen_array_open(g);
		for (size_t i = 0; i < iso_json_len(v); i++)
			iso_jgen_value(g, iso_json_at(v, i));
		iso_jgen_array_close(g);
		break;
	case ISO_JSON_BOOL:
		iso_json_bool(v, &b);
		iso_jgen_bool(g, b);
		break;
	case ISO_JSON_NULL:
		iso_jgen_null(g);
	}
}

const char *iso_jgen_finish(iso_jgen *g, size_t *len, struct iso_error **err)
{
	if (g->first_error != GEN_OK) {
		iso_error_set(err, ISO_E_INTERNAL, 0, "cannot write JSON: %s (at %s)", gen_error_text[g->first_error],
			      g->first_call);
		return NULL;
	}
	if (len)
		*len = g->out.len;
	return g->out.data ? g->out.data : "";
}

void iso_jgen_reset(iso_jgen *g)
{
	iso_buf_release(&g->out);
	g->depth = 0;
	g->state[0] = GEN_START;
	g->first_error = GEN_OK;
	g->first_call = NULL;
}
