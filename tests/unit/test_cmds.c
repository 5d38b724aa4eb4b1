/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure helpers of `isopod ls` (cmd/ls.h): Podman's time stamps, ages for
 * people, and which state a row is called; the lines of `isopod logs
 * --json` (cmd/log_lines.h), written to a memory stream; the drift of
 * rows against configurations in scratch repositories, and the reason a
 * drift is unknown in the table and in --json.  Nothing here talks to Podman.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/util.h"
#include "cmd/log_lines.h"
#include "cmd/ls.h"
#include "iso_test.h"

static void test_parse_time(void **state)
{
	assert_int_equal(cmd_ls_parse_time("2024-05-01T10:20:30Z"), 1714558830LL);
	assert_int_equal(cmd_ls_parse_time("2024-05-01T12:20:30.123456789+02:00"), 1714558830LL);
	assert_int_equal(cmd_ls_parse_time("2024-05-01T08:20:30.5-02:00"), 1714558830LL);
	assert_int_equal(cmd_ls_parse_time("yesterday"), -1);
	assert_int_equal(cmd_ls_parse_time(NULL), -1);
}

static void test_format_age(void **state)
{
	char b[32];
	cmd_ls_format_age(-1, b, sizeof b);
	assert_string_equal(b, "-");
	cmd_ls_format_age(45, b, sizeof b);
	assert_string_equal(b, "45s");
	cmd_ls_format_age(5 * 60 + 59, b, sizeof b);
	assert_string_equal(b, "5m");
	cmd_ls_format_age(3 * 3600 + 10, b, sizeof b);
	assert_string_equal(b, "3h");
	cmd_ls_format_age(2 * 86400 + 5, b, sizeof b);
	assert_string_equal(b, "2d");
}

static void test_row_state(void **state)
{
	assert_string_equal(cmd_ls_row_state("Running", 1, 2, 1, 0, 0), "running");
	assert_string_equal(cmd_ls_row_state("Degraded", 1, 2, 1, 0, 0), "degraded");
	assert_string_equal(cmd_ls_row_state("Exited", 1, 2, 1, 0, 0), "stopped");
	assert_string_equal(cmd_ls_row_state("", 0, 2, 1, 0, 0), "down");
	assert_string_equal(cmd_ls_row_state("Running", 1, 2, 1, 1, 1), "creating");
	assert_string_equal(cmd_ls_row_state("Running", 1, 2, 1, 1, 0), "interrupted");
	assert_string_equal(cmd_ls_row_state("", 0, 0, 1, 0, 0), "leased");
}

/* Frames cut lines anywhere; the two streams interleave; a last line without its newline still counts. */
static void test_log_lines_document(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 0, m.f);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "first li", 8), 0);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDERR, "oops\nhalf", 9), 0);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "ne\n\nq\"\t\n", 8), 0);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "bad \xff\xc3 end", 10), 0);
	fflush(m.f);
	assert_int_equal(m.len, 0); /* nothing before the end: the stdout stays free for an error */
	struct iso_error *err = NULL;
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	cmd_log_lines_release(&l);
	fflush(m.f);
	assert_string_equal(m.text, "{\"lines\":[{\"stream\":\"stderr\",\"text\":\"oops\"},"
				    "{\"stream\":\"stdout\",\"text\":\"first line\"},"
				    "{\"stream\":\"stdout\",\"text\":\"\"},"
				    "{\"stream\":\"stdout\",\"text\":\"q\\\"\\t\"},"
				    "{\"stream\":\"stdout\",\"text\":\"bad \xef\xbf\xbd\xef\xbf\xbd end\"},"
				    "{\"stream\":\"stderr\",\"text\":\"half\"}]}\n");
	iso_test_mem_close(&m);
	free(m.text);

	/* Nothing at all: an empty list. */
	iso_test_mem_open(&m);
	cmd_log_lines_init(&l, 0, m.f);
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	cmd_log_lines_release(&l);
	fflush(m.f);
	assert_string_equal(m.text, "{\"lines\":[]}\n");
	iso_test_mem_close(&m);
	free(m.text);
}

/* With follow each line is out, whole and flushed, as soon as its newline came. */
static void test_log_lines_follow(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 1, m.f);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, "a\nb", 3), 0);
	assert_string_equal(m.text, "{\"stream\":\"stdout\",\"text\":\"a\"}\n");
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDERR, "\xe2\x82\xac\n", 4), 0);
	assert_string_equal(m.text, "{\"stream\":\"stdout\",\"text\":\"a\"}\n"
				    "{\"stream\":\"stderr\",\"text\":\"\xe2\x82\xac\"}\n");
	struct iso_error *err = NULL;
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	assert_string_equal(m.text, "{\"stream\":\"stdout\",\"text\":\"a\"}\n"
				    "{\"stream\":\"stderr\",\"text\":\"\xe2\x82\xac\"}\n"
				    "{\"stream\":\"stdout\",\"text\":\"b\"}\n");
	cmd_log_lines_release(&l);
	iso_test_mem_close(&m);
	free(m.text);
}

/* Overlong forms, surrogates and cut sequences are not UTF-8: each bad byte is one U+FFFD. */
/* A line that never ends comes out in pieces of 1 MiB: memory stays bounded, --follow shows it. */
static void test_log_lines_endless_line(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 1, m.f);
	size_t big = (1u << 20) + 10;
	char *chunk = malloc(big);
	assert_non_null(chunk);
	memset(chunk, 'x', big);
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, chunk, big), 0);
	assert_non_null(m.text);
	assert_int_equal(strlen(m.text), strlen("{\"stream\":\"stdout\",\"text\":\"\"}\n") + big);
	struct iso_error *err = NULL;
	assert_int_equal(cmd_log_lines_end(&l, &err), 0);
	free(chunk);
	cmd_log_lines_release(&l);
	iso_test_mem_close(&m);
	free(m.text);
}

static void test_log_lines_not_utf8(void **state)
{
	struct iso_test_mem m;
	iso_test_mem_open(&m);
	struct cmd_log_lines l;
	cmd_log_lines_init(&l, 1, m.f);
	const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82\n";
	assert_int_equal(cmd_log_lines_feed(&l, PODMAN_STDOUT, bad, sizeof(bad) - 1), 0);
	const char *r = "\xef\xbf\xbd";
	char want[256];
	snprintf(want, sizeof(want), "{\"stream\":\"stdout\",\"text\":\"%s%s|%s%s%s|%s%s%s%s|%s%s\"}\n", r, r, r, r, r,
		 r, r, r, r, r, r);
	assert_string_equal(m.text, want);
	cmd_log_lines_release(&l);
	iso_test_mem_close(&m);
	free(m.text);
}

#define DRIFT_REPOS 20 /* more than the 16 pairs `ls` once judged before giving up */

struct drift_fx {
	char root[64];
	char repo[DRIFT_REPOS][96];
	char broken[96];
};

static void put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A scratch home with no host or user file, DRIFT_REPOS good repositories and one whose isopod.json is broken. */
static void drift_fx_init(struct drift_fx *x)
{
	char p[160];
	snprintf(x->root, sizeof(x->root), "/tmp/isopod-test-drift-XXXXXX");
	assert_non_null(mkdtemp(x->root));
	setenv("HOME", x->root, 1);
	snprintf(p, sizeof(p), "%s/xdg", x->root);
	setenv("XDG_CONFIG_HOME", p, 1);
	snprintf(p, sizeof(p), "%s/no-host-config.json", x->root);
	setenv("ISOPOD_HOST_CONFIG", p, 1);
	const char *clear[] = {"ISOPOD_PROFILE",   "ISOPOD_PORTS",      "ISOPOD_REGISTRY_DIR",
			       "ISOPOD_STATE_DIR", "ISOPOD_ODOO_IMAGE", "ISOPOD_DB_IMAGE"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(clear); i++)
		unsetenv(clear[i]);
	char root[sizeof(x->root)]; /* a copy: gcc -O1 takes x->repo[i] and x->root for one object (-Wrestrict) */
	memcpy(root, x->root, sizeof(root));
	for (int i = 0; i < DRIFT_REPOS; i++) {
		snprintf(x->repo[i], sizeof(x->repo[i]), "%s/repo%d", root, i);
		assert_int_equal(mkdir(x->repo[i], 0700), 0);
		snprintf(p, sizeof(p), "%s/isopod.json", x->repo[i]);
		put_text(p, "{ \"profiles\": { \"hub\": { \"env\": { \"REPO\": \"yes\" } } } }\n");
	}
	snprintf(x->broken, sizeof(x->broken), "%s/broken", root);
	assert_int_equal(mkdir(x->broken, 0700), 0);
	snprintf(p, sizeof(p), "%s/isopod.json", x->broken);
	put_text(p, "{ \"profiles\": { oops } }\n");
}

static void drift_fx_release(struct drift_fx *x)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->root);
	assert_int_equal(system(cmd), 0);
}

/* A row of work order WO with a pod made in REPO labelled with HASH ("" for no label); REPO NULL: no pod. */
static void drift_row(struct cmd_ls_rows *rows, const char *wo, const char *repo, const char *hash)
{
	rows->v = xrealloc(rows->v, (rows->n + 1) * sizeof(*rows->v));
	struct cmd_ls_row *r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	assert_int_equal(wo_names_init(&r->n, "hub", wo, NULL), 0);
	r->created = -1;
	r->drift = -1;
	r->ports[ISO_PORT_HTTP] = 8090;
	if (!repo)
		return;
	r->have_pod = 1;
	snprintf(r->pod_state, sizeof(r->pod_state), "Running");
	snprintf(r->pod_config, sizeof(r->pod_config), "%s", hash);
	snprintf(r->pod_repo, sizeof(r->pod_repo), "%s", repo);
}

/* The hash a pod of profile hub made in REPO now carries. */
static void hash_in(const char *repo, char out[17])
{
	struct iso_config c;
	struct iso_config_flags f = {.repo = repo};
	struct iso_error *e = NULL;
	int ports[ISO_PORT_PURPOSES] = {8090, 0, 0};
	assert_int_equal(wo_config_load(&c, &f, &e), 0);
	wo_config_hash(&c, ports, out);
	wo_config_release(&c);
}

/* Every pod's drift is judged, however many repositories they come from (past the old cap of 16). */
static void test_ls_drift_no_cap(void **state)
{
	struct drift_fx x;
	struct cmd_ls_rows rows = {0};
	char hash[17], wo[16];
	drift_fx_init(&x);
	for (int i = 0; i < DRIFT_REPOS; i++) {
		hash_in(x.repo[i], hash);
		snprintf(wo, sizeof(wo), "wo-%d", i);
		drift_row(&rows, wo, x.repo[i], i % 2 ? hash : "0123456789abcdef");
	}
	cmd_ls_rows_drift(&rows, NULL);
	for (int i = 0; i < DRIFT_REPOS; i++) {
		if (rows.v[i].drift != (i % 2 ? 0 : 1))
			fail_msg("row %d (repository %d of %d): drift %d, want %d", i, i + 1, DRIFT_REPOS,
				 rows.v[i].drift, i % 2 ? 0 : 1);
		assert_null(rows.v[i].drift_why);
	}
	cmd_ls_rows_release(&rows);
	drift_fx_release(&x);
}

static const char *row_reason(const iso_json *doc, size_t i)
{
	const iso_json *row = iso_json_at(iso_json_get(doc, "work_orders"), i);
	assert_non_null(row);
	return iso_json_string(iso_json_get(row, "drift_reason"));
}

/* A drift that cannot be judged says why: in the row, under the table, in --json. */
static void test_ls_drift_reasons(void **state)
{
	struct drift_fx x;
	struct cmd_ls_rows rows = {0};
	struct iso_test_mem m;
	struct iso_error *e = NULL;
	char hash[17], want[512];
	drift_fx_init(&x);
	hash_in(x.repo[0], hash);
	drift_row(&rows, "wo-good", x.repo[0], hash);
	drift_row(&rows, "wo-broken", x.broken, hash);
	drift_row(&rows, "wo-broken2", x.broken, hash);
	drift_row(&rows, "wo-nolabel", x.repo[0], "");
	drift_row(&rows, "wo-down", NULL, NULL);
	drift_row(&rows, "wo-moved", "/nonexistent/isopod-repo", hash);
	cmd_ls_rows_drift(&rows, NULL);
	assert_int_equal(rows.v[0].drift, 0);
	for (size_t i = 1; i < rows.n; i++) {
		assert_int_equal(rows.v[i].drift, -1);
		assert_non_null(rows.v[i].drift_why);
	}
	snprintf(want, sizeof(want),
		 "the configuration of profile 'hub' in repository '%s' does not load: config file '%s/isopod.json'",
		 x.broken, x.broken);
	assert_non_null(strstr(rows.v[1].drift_why, want));
	assert_non_null(strstr(rows.v[3].drift_why, "no io.isopod.config label"));
	assert_string_equal(rows.v[4].drift_why, "no pod to compare");
	assert_non_null(strstr(rows.v[5].drift_why, "the repository '/nonexistent/isopod-repo' the pod was made in is "
						    "not there any more"));

	iso_test_mem_open(&m);
	cmd_ls_print_table(m.f, &rows, 0, 0);
	iso_test_mem_close(&m);
	assert_non_null(strstr(m.text, "running      http://127.0.0.1:8090  -      ?\n")); /* the pods unknown */
	snprintf(want, sizeof(want), "\n? drift unknown for wo-broken (hub), wo-broken2 (hub): %s\n",
		 rows.v[1].drift_why);
	assert_non_null(strstr(m.text, want)); /* one line for one reason */
	assert_non_null(strstr(m.text, "\n? drift unknown for wo-nolabel (hub): the pod has no io.isopod.config"));
	assert_null(strstr(m.text, "wo-down (hub)")); /* no pod: "-", nothing to explain */
	free(m.text);

	cleanup_jgen iso_jgen *j = iso_jgen_new(0);
	size_t len;
	cmd_ls_rows_json(j, &rows, 0);
	const char *out = iso_jgen_finish(j, &len, &e);
	assert_non_null(out);
	cleanup_json iso_json *doc = iso_json_parse(out, len, 0, ISO_E_INTERNAL, "ls --json", &e);
	assert_non_null(doc);
	assert_non_null(strstr(out, "\"drift\":false,\"pod\":\"hub-wo-good\",\"volumes\":[],\"drift_reason\":null}"));
	for (size_t i = 1; i < rows.n; i++)
		assert_string_equal(row_reason(doc, i), rows.v[i].drift_why);
	cmd_ls_rows_release(&rows);
	drift_fx_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),         cmocka_unit_test(test_format_age),
		cmocka_unit_test(test_row_state),          cmocka_unit_test(test_log_lines_document),
		cmocka_unit_test(test_log_lines_follow),   cmocka_unit_test(test_log_lines_endless_line),
		cmocka_unit_test(test_log_lines_not_utf8), cmocka_unit_test(test_ls_drift_no_cap),
		cmocka_unit_test(test_ls_drift_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
