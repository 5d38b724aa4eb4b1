/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON layer: tree lookups, errors with positions, the streaming reader, the generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"

static iso_json *parse(const char *s, unsigned flags, struct iso_error **err)
{
	return iso_json_parse(s, strlen(s), flags, ISO_E_REFUSED, "body", err);
}

static void test_tree_lookups(void **state)
{
	struct iso_error *err = NULL;
	iso_json *root = parse("{\"State\":{\"Pid\":42,\"Running\":true},\"Names\":[\"a\",\"b\"],\"x\":1.5,"
			       "\"n\":null,\"s\":\"str\"}",
			       0, &err);
	assert_non_null(root);
	assert_null(err);
	long long pid = 0;
	assert_int_equal(iso_json_int(iso_json_path(root, "State", "Pid", NULL), &pid), 0);
	assert_int_equal(pid, 42);
	int running = 0;
	assert_int_equal(iso_json_bool(iso_json_path(root, "State", "Running", NULL), &running), 0);
	assert_true(running);
	assert_int_equal(iso_json_len(iso_json_get(root, "Names")), 2);
	assert_string_equal(iso_json_string(iso_json_at(iso_json_get(root, "Names"), 1)), "b");
	assert_null(iso_json_at(iso_json_get(root, "Names"), 2));
	double d = 0;
	assert_int_equal(iso_json_double(iso_json_get(root, "x"), &d), 0);
	assert_true(d > 1.49 && d < 1.51);
	/* Wrong types and absent keys answer "absent", never crash. */
	assert_int_equal(iso_json_int(iso_json_get(root, "x"), &pid), -1);
	assert_null(iso_json_get_string(root, "n"));
	assert_null(iso_json_get_string(root, "State"));
	assert_null(iso_json_path(root, "State", "Pid", "deeper", NULL));
	assert_null(iso_json_get(iso_json_get(root, "s"), "k"));
	assert_string_equal(iso_json_get_string(root, "s"), "str");
	assert_int_equal(iso_json_type(iso_json_get(root, "n")), ISO_JSON_NULL);
	assert_string_equal(iso_json_key_at(root, 0), "State");
	assert_null(iso_json_key_at(root, 99));
	iso_json_free(root);
}

static void test_errors_name_line_and_column(void **state)
{
	struct iso_error *err = NULL;
	assert_null(parse("{\n  \"a\": 1,\n  \"b\": ]\n}", 0, &err));
	assert_non_null(err);
	assert_int_equal(err->class, ISO_E_REFUSED);
	assert_non_null(strstr(err->msg, "body: line 3"));
	iso_error_free(err);
	err = NULL;
	/* Truncated. */
	assert_null(parse("{\"a\": [1, 2", 0, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "body"));
	iso_error_free(err);
	err = NULL;
	/* Empty. */
	assert_null(iso_json_parse("", 0, 0, ISO_E_USAGE, "empty", &err));
	assert_int_equal(err->class, ISO_E_USAGE);
	iso_error_free(err);
	err = NULL;
	/* A NUL byte inside. */
	assert_null(iso_json_parse("{\"a\":\0}", 7, 0, ISO_E_USAGE, "nul", &err));
	assert_non_null(strstr(err->msg, "NUL"));
	iso_error_free(err);
	/* NULL err is allowed. */
	assert_null(parse("nope", 0, NULL));
}

/* A text that ends early names the file and the line and column just after its last non-blank character. */
static void test_truncated_names_where_it_ended(void **state)
{
	struct iso_error *err = NULL;
	const char *doc = "{\n  // ports\n  \"ports\": [8069, 8072\n\n  \n";
	assert_null(iso_json_parse(doc, strlen(doc), ISO_JSON_COMMENTS, ISO_E_USAGE, "config file '/etc/isopod.json'",
				   &err));
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_string_equal(
		err->msg, "config file '/etc/isopod.json': line 3, column 23: ends early (truncated?): premature EOF");
	iso_error_free(err);
	err = NULL;
	/* Empty: where it ended is the start. */
	assert_null(iso_json_parse("\n", 1, ISO_JSON_COMMENTS, ISO_E_USAGE, "config file 'e'", &err));
	assert_non_null(strstr(err->msg, "config file 'e': line 1, column 1: ends early"));
	iso_error_free(err);
	err = NULL;
	/* Fed in chunks, the place counts across them. */
	iso_json_reader *r = iso_json_reader_new(NULL, NULL, 0);
	iso_json_reader_describe(r, ISO_E_USAGE, "lease file");
	assert_int_equal(iso_json_reader_feed(r, "[1,\n 2", 6, &err), 0);
	assert_int_equal(iso_json_reader_feed(r, "2,\t\r\n", 5, &err), 0);
	assert_int_equal(iso_json_reader_finish(r, &err), -1);
	assert_non_null(strstr(err->msg, "lease file: line 2, column 5: ends early (truncated?)"));
	iso_json_reader_free(r);
	iso_error_free(err);
}

static void test_comments_only_when_allowed(void **state)
{
	const char *doc = "{ // a comment\n \"a\": 1 /* more */ }";
	struct iso_error *err = NULL;
	iso_json *r = parse(doc, ISO_JSON_COMMENTS, &err);
	assert_non_null(r);
	iso_json_free(r);
	assert_null(parse(doc, 0, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "line 1"));
	iso_error_free(err);
	err = NULL;
	/* Comment-like text inside a string is not a comment. */
	r = parse("{\"url\": \"http://x/*y\"}", 0, &err);
	assert_non_null(r);
	assert_string_equal(iso_json_get_string(r, "url"), "http://x/*y");
	iso_json_free(r);
}

struct counter {
	int maps, keys, strings, numbers, stop_at_key;
	char last_key[32];
};

static int c_map(void *ctx)
{
	((struct counter *)ctx)->maps++;
	return 1;
}
static int c_key(void *ctx, const char *k, size_t n)
{
	struct counter *c = ctx;
	c->keys++;
	snprintf(c->last_key, sizeof(c->last_key), "%.*s", (int)n, k);
	return c->stop_at_key == 0 || c->keys < c->stop_at_key;
}
static int c_string(void *ctx, const char *s, size_t n)
{
	((struct counter *)ctx)->strings++;
	return 1;
}
static int c_number(void *ctx, const char *s, size_t n)
{
	((struct counter *)ctx)->numbers++;
	return 1;
}

static const struct iso_json_callbacks counting = {
	.on_map_start = c_map, .on_map_key = c_key, .on_string = c_string, .on_number = c_number};

static void test_stream_in_chunks(void **state)
{
	const char *doc = "{\"a\":\"x\",\"b\":12}\n{\"c\":3}\n";
	struct counter c = {0};
	iso_json_reader *r = iso_json_reader_new(&counting, &c, ISO_JSON_MULTIPLE);
	struct iso_error *err = NULL;
	/* One byte at a time: values split across chunks still arrive whole. */
	for (size_t i = 0; i < strlen(doc); i++)
		assert_int_equal(iso_json_reader_feed(r, doc + i, 1, &err), 0);
	assert_int_equal(iso_json_reader_finish(r, &err), 0);
	iso_json_reader_free(r);
	assert_int_equal(c.maps, 2);
	assert_int_equal(c.keys, 3);
	assert_int_equal(c.strings, 1);
	assert_int_equal(c.numbers, 2);
}

static void test_stream_stop_and_syntax(void **state)
{
	struct counter c = {.stop_at_key = 2};
	iso_json_reader *r = iso_json_reader_new(&counting, &c, 0);
	struct iso_error *err = NULL;
	const char *doc = "{\"a\":1,\"b\":2,\"c\":3}";
	assert_int_equal(iso_json_reader_feed(r, doc, strlen(doc), &err), -1);
	assert_true(iso_json_reader_stopped(r));
	assert_string_equal(c.last_key, "b");
	iso_json_reader_free(r);
	iso_error_free(err);
	err = NULL;

	r = iso_json_reader_new(NULL, NULL, 0);
	iso_json_reader_describe(r, ISO_E_USAGE, "lease file");
	const char *bad = "[1,\n2,\n3 4]";
	assert_int_equal(iso_json_reader_feed(r, bad, strlen(bad), &err), -1);
	assert_false(iso_json_reader_stopped(r));
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_non_null(strstr(err->msg, "lease file: line 3"));
	iso_json_reader_free(r);
	iso_error_free(err);
	err = NULL;

	/* Truncated input fails at finish. */
	r = iso_json_reader_new(NULL, NULL, 0);
	assert_int_equal(iso_json_reader_feed(r, "{\"a\":", 5, &err), 0);
	assert_int_equal(iso_json_reader_finish(r, &err), -1);
	assert_non_null(strstr(err->msg, "truncated"));
	iso_json_reader_free(r);
	iso_error_free(err);
}

static void test_generator_round_trip(void **state)
{
	iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "name", "quote\" backslash\\ newline\n");
	iso_jgen_kv_int(g, "n", -5);
	iso_jgen_kv_bool(g, "ok", 1);
	iso_jgen_key(g, "list");
	iso_jgen_array_open(g);
	iso_jgen_string(g, NULL);
	iso_jgen_double(g, 0.5);
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
	struct iso_error *err = NULL;
	size_t len = 0;
	const char *out = iso_jgen_finish(g, &len, &err);
	assert_non_null(out);
	iso_json *r = iso_json_parse(out, len, 0, ISO_E_INTERNAL, "gen", &err);
	assert_non_null(r);
	assert_string_equal(iso_json_get_string(r, "name"), "quote\" backslash\\ newline\n");
	assert_int_equal(iso_json_len(iso_json_get(r, "list")), 2);
	/* Copying a parsed value reproduces it. */
	iso_jgen *g2 = iso_jgen_new(1);
	iso_jgen_value(g2, r);
	const char *out2 = iso_jgen_finish(g2, &len, &err);
	iso_json *r2 = iso_json_parse(out2, len, 0, ISO_E_INTERNAL, "gen2", &err);
	assert_non_null(r2);
	assert_string_equal(iso_json_get_string(r2, "name"), iso_json_get_string(r, "name"));
	iso_json_free(r);
	iso_json_free(r2);
	iso_jgen_free(g);
	iso_jgen_free(g2);
}

/* The bytes every --json output and request body is made of, as the generator always wrote them. */
static void test_generator_output_bytes(void **state)
{
	iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "s", "a/\"\\\b\f\n\r\t\x01\x1f\x7f\xc3\xa9");
	iso_jgen_key(g, "l");
	iso_jgen_array_open(g);
	iso_jgen_int(g, -7);
	iso_jgen_double(g, 2);
	iso_jgen_double(g, 0.5);
	iso_jgen_null(g);
	iso_jgen_bool(g, 0);
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
	size_t len = 0;
	const char *out = iso_jgen_finish(g, &len, NULL);
	const char *want =
		"{\"s\":\"a/\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\xc3\xa9\",\"l\":[-7,2.0,0.5,null,false]}";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	iso_jgen_free(g);

	g = iso_jgen_new(1);
	iso_jgen_map_open(g);
	iso_jgen_kv_int(g, "n", 1);
	iso_jgen_key(g, "a");
	iso_jgen_array_open(g);
	iso_jgen_string(g, "x");
	iso_jgen_map_open(g);
	iso_jgen_map_close(g);
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
	out = iso_jgen_finish(g, &len, NULL);
	want = "{\n  \"n\": 1,\n  \"a\": [\n    \"x\",\n    {\n\n    }\n  ]\n}\n";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	iso_jgen_free(g);
}

static void test_generator_misuse_is_reported(void **state)
{
	iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_int(g, 1); /* a value where a key belongs */
	iso_jgen_map_close(g);
	struct iso_error *err = NULL;
	assert_null(iso_jgen_finish(g, NULL, &err));
	assert_int_equal(err->class, ISO_E_INTERNAL);
	assert_non_null(strstr(err->msg, "key"));
	iso_error_free(err);
	iso_jgen_free(g);

	/* Bytes that start no well-formed UTF-8 character are written as U+FFFD: a bad byte, an
	 * overlong form, a surrogate, a code point above U+10FFFF, a cut sequence at the end. */
	g = iso_jgen_new(0);
	iso_jgen_array_open(g);
	iso_jgen_string(g, "bad \xff utf-8");
	iso_jgen_string(g, "\xc0\x80|\xed\xa0\x80|\xf5\x80\x80\x80|\xc3\xa9\xe2\x82");
	iso_jgen_array_close(g);
	err = NULL;
	const char *lossy = iso_jgen_finish(g, NULL, &err);
	assert_non_null(lossy);
	assert_string_equal(lossy, "[\"bad \xef\xbf\xbd utf-8\",\"\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd"
				   "\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xc3\xa9\xef\xbf\xbd"
				   "\xef\xbf\xbd\"]");
	/* After a reset the generator forgets an earlier misuse too. */
	iso_jgen_reset(g);
	iso_jgen_map_close(g);
	assert_null(iso_jgen_finish(g, NULL, NULL));
	iso_jgen_reset(g);
	iso_jgen_int(g, 1);
	assert_string_equal(iso_jgen_finish(g, NULL, NULL), "1");
	iso_jgen_free(g);

	/* A close that matches no open, or the other kind of open. */
	g = iso_jgen_new(0);
	iso_jgen_map_close(g);
	err = NULL;
	assert_null(iso_jgen_finish(g, NULL, &err));
	assert_non_null(strstr(err->msg, "map_close"));
	iso_error_free(err);
	iso_jgen_free(g);
	g = iso_jgen_new(0);
	iso_jgen_array_open(g);
	iso_jgen_map_close(g);
	err = NULL;
	assert_null(iso_jgen_finish(g, NULL, &err));
	iso_error_free(err);
	iso_jgen_free(g);

	/* reset allows a second top-level value (one JSON document per line). */
	g = iso_jgen_new(0);
	iso_jgen_int(g, 1);
	iso_jgen_reset(g);
	iso_jgen_int(g, 2);
	err = NULL;
	size_t len;
	const char *out = iso_jgen_finish(g, &len, &err);
	assert_non_null(out);
	assert_memory_equal(out, "2", 1);
	iso_jgen_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_lookups),
		cmocka_unit_test(test_errors_name_line_and_column),
		cmocka_unit_test(test_truncated_names_where_it_ended),
		cmocka_unit_test(test_comments_only_when_allowed),
		cmocka_unit_test(test_stream_in_chunks),
		cmocka_unit_test(test_stream_stop_and_syntax),
		cmocka_unit_test(test_generator_round_trip),
		cmocka_unit_test(test_generator_output_bytes),
		cmocka_unit_test(test_generator_misuse_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
