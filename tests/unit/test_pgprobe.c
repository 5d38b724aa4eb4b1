/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pgprobe.c - the readiness probe: parsing of the first answer, and a
 * scripted server inside a test namespace answering 57P03, then 'R', then
 * closing, then gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/error.h"
#include "base/util.h"
#include "probe/pg.h"
#include "test_netns_pod.h"

static const uint8_t AUTH_OK_MD5[] = {'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4};
static uint8_t STARTING[128], NO_DB[128];
static size_t STARTING_LEN, NO_DB_LEN;

/* An ErrorResponse as the server sends it: S, C, M fields, then a zero byte. */
static size_t mk_error(uint8_t *buf, const char *sqlstate, const char *msg)
{
	size_t off = 5;
	const char *f[][2] = {{"S", "FATAL"}, {"C", sqlstate}, {"M", msg}};
	for (size_t i = 0; i < 3; i++) {
		buf[off++] = (uint8_t)f[i][0][0];
		memcpy(buf + off, f[i][1], strlen(f[i][1]) + 1);
		off += strlen(f[i][1]) + 1;
	}
	buf[off++] = 0;
	uint32_t len = htonl((uint32_t)(off - 1));
	buf[0] = 'E';
	memcpy(buf + 1, &len, 4);
	return off;
}

static int setup_fixtures(void **state)
{
	STARTING_LEN = mk_error(STARTING, "57P03", "the database system is starting up");
	NO_DB_LEN = mk_error(NO_DB, "3D000", "database \"x\" does not exist");
	return 0;
}

static void test_parse_auth_request_is_ready(void **state)
{
	struct probe_pg_result r;
	assert_int_equal(probe_pg_parse(AUTH_OK_MD5, sizeof AUTH_OK_MD5, &r), 1);
	assert_int_equal(r.state, PROBE_PG_READY);
	/* The type and length are enough to decide. */
	assert_int_equal(probe_pg_parse(AUTH_OK_MD5, 5, &r), 1);
	assert_int_equal(probe_pg_parse(AUTH_OK_MD5, 3, &r), 0);
	assert_int_equal(probe_pg_parse(AUTH_OK_MD5, 0, &r), 0);
}

static void test_parse_starting_up(void **state)
{
	struct probe_pg_result r;
	assert_int_equal(probe_pg_parse(STARTING, STARTING_LEN, &r), 1);
	assert_int_equal(r.state, PROBE_PG_STARTING);
	assert_string_equal(r.sqlstate, "57P03");
	assert_string_equal(r.message, "the database system is starting up");
	/* Incomplete: wait for the rest. */
	for (size_t n = 0; n < STARTING_LEN; n++)
		assert_int_equal(probe_pg_parse(STARTING, n, &r), 0);
}

static void test_parse_other_error_is_reported(void **state)
{
	struct probe_pg_result r;
	assert_int_equal(probe_pg_parse(NO_DB, NO_DB_LEN, &r), 1);
	assert_int_equal(r.state, PROBE_PG_ERROR);
	assert_string_equal(r.sqlstate, "3D000");
	assert_string_equal(r.message, "database \"x\" does not exist");
}

static void test_parse_not_postgres(void **state)
{
	struct probe_pg_result r;
	const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";
	assert_int_equal(probe_pg_parse(http, sizeof http - 1, &r), 1);
	assert_int_equal(r.state, PROBE_PG_ERROR);
	assert_non_null(strstr(r.message, "PostgreSQL protocol"));
	const uint8_t huge[] = {'E', 0x7f, 0, 0, 0};
	assert_int_equal(probe_pg_parse(huge, sizeof huge, &r), 1);
	assert_int_equal(r.state, PROBE_PG_ERROR);
	const uint8_t tiny[] = {'E', 0, 0, 0, 2};
	assert_int_equal(probe_pg_parse(tiny, sizeof tiny, &r), 1);
	assert_int_equal(r.state, PROBE_PG_ERROR);
	/* Fields without their terminators do not read past the message. */
	const uint8_t cut[] = {'E', 0, 0, 0, 8, 'C', '5', '7', 'P'};
	assert_int_equal(probe_pg_parse(cut, sizeof cut, &r), 1);
	assert_int_equal(r.state, PROBE_PG_ERROR);
	assert_string_equal(r.sqlstate, "");
}

static void test_startup_message_layout(void **state)
{
	uint8_t buf[256];
	long n = probe_pg_startup_message("odoo", "postgres", buf, sizeof buf);
	assert_true(n > 8);
	assert_int_equal(((uint32_t)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3]), n);
	assert_memory_equal(buf + 4, "\0\3\0\0", 4);
	assert_memory_equal(buf + 8, "user\0odoo\0database\0postgres\0", 28);
	assert_int_equal(buf[n - 1], 0);
	assert_int_equal(buf[n - 2], 0);
	assert_int_equal(probe_pg_startup_message("odoo", "postgres", buf, 20), -1);
}

/* The scripted server: 57P03, then 'R', then a close without a word, then nothing listens. */
static void scripted_serve(void *arg, int ready)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5432), .sin_addr.s_addr = htonl(0x7f000001)};
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0)
		tpod_ready(ready, 6), _exit(1);
	tpod_ready(ready, 0);
	for (int i = 0; i < 3; i++) {
		uint8_t buf[512];
		int c = accept(l, NULL, NULL);
		if (c < 0)
			_exit(1);
		if (read(c, buf, sizeof buf) <= 0)
			_exit(1);
		if (i == 0 && write(c, STARTING, STARTING_LEN) < 0)
			_exit(1);
		if (i == 1 && write(c, AUTH_OK_MD5, sizeof AUTH_OK_MD5) < 0)
			_exit(1);
		close(c);
	}
	close(l);
	for (;;)
		pause();
}

static void test_probe_scripted_server(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct probe_pg_result r;

	TPOD_NEED_SERVING(&pod, NULL, scripted_serve, NULL);
	assert_int_equal(probe_pg_once(pod.pid, 5432, "odoo", "postgres", 1000, &r, &err), 0);
	assert_int_equal(r.state, PROBE_PG_STARTING);
	assert_string_equal(r.sqlstate, "57P03");
	assert_int_equal(probe_pg_once(pod.pid, 5432, "odoo", "postgres", 1000, &r, &err), 0);
	assert_int_equal(r.state, PROBE_PG_READY);
	assert_int_equal(probe_pg_once(pod.pid, 5432, "odoo", "postgres", 1000, &r, &err), 0);
	assert_int_equal(r.state, PROBE_PG_DOWN);
	assert_non_null(strstr(r.message, "closed"));
	assert_int_equal(probe_pg_once(pod.pid, 5432, "odoo", "postgres", 1000, &r, &err), 0);
	assert_int_equal(r.state, PROBE_PG_DOWN);
	assert_non_null(strstr(r.message, "refused"));
	tpod_stop(&pod);
}

/* A server that accepts and never answers: the attempt ends at its bound. */
static void silent_serve(void *arg, int ready)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5432), .sin_addr.s_addr = htonl(0x7f000001)};
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0)
		tpod_ready(ready, 6), _exit(1);
	tpod_ready(ready, 0);
	for (;;)
		pause();
}

static void test_probe_is_bounded(void **state)
{
	struct tpod pod;
	struct iso_error *err = NULL;
	struct probe_pg_result r;

	TPOD_NEED_SERVING(&pod, NULL, silent_serve, NULL);
	int64_t t0 = iso_now_ms();
	assert_int_equal(probe_pg_once(pod.pid, 5432, "odoo", "postgres", 300, &r, &err), 0);
	int64_t took = iso_now_ms() - t0;
	assert_int_equal(r.state, PROBE_PG_DOWN);
	assert_true(took >= 300 && took < 1000);
	/* The host's own 127.0.0.1:5432 is another namespace: the pod's listener is not there. */
	tpod_stop(&pod);
}

static void test_probe_dead_pid_is_error(void **state)
{
	struct iso_error *err = NULL;
	struct probe_pg_result r;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(probe_pg_once(pid, 5432, "odoo", "postgres", 300, &r, &err), -1);
	assert_int_equal(err->class, ISO_E_ISOLATION);
	iso_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_auth_request_is_ready),
		cmocka_unit_test(test_parse_starting_up),
		cmocka_unit_test(test_parse_other_error_is_reported),
		cmocka_unit_test(test_parse_not_postgres),
		cmocka_unit_test(test_startup_message_layout),
		cmocka_unit_test(test_probe_scripted_server),
		cmocka_unit_test(test_probe_is_bounded),
		cmocka_unit_test(test_probe_dead_pid_is_error),
	};
	return cmocka_run_group_tests(tests, setup_fixtures, NULL);
}
