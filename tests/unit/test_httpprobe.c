/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP readiness probe against listeners of the test's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"
#include "probe/http.h"

struct server {
	int fd;
	const char *answer;
};

static void *serve_once(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	if (c >= 0) {
		char buf[512];
		ssize_t n = read(c, buf, sizeof(buf));
		(void)n;
		if (s->answer && write(c, s->answer, strlen(s->answer)) < 0)
			perror("write");
		close(c);
	}
	return NULL;
}

static int listen_any(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void probe_answer(const char *answer, int want)
{
	int port;
	struct server s = {.fd = listen_any(&port), .answer = answer};
	pthread_t t;
	pthread_create(&t, NULL, serve_once, &s);
	int status = -1;
	struct iso_error *err = NULL;
	assert_int_equal(probe_http("127.0.0.1", port, "/web/login", 2000, &status, &err), 0);
	assert_int_equal(status, want);
	pthread_join(t, NULL);
	close(s.fd);
}

static void test_http_probe_reads_the_status(void **state)
{
	probe_answer("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>", 200);
	probe_answer("HTTP/1.1 303 See Other\r\nLocation: /web/database/selector\r\n\r\n", 303);
	probe_answer("HTTP/1.0 500 Internal Server Error\r\n\r\n", 500);
	probe_answer("garbage\r\n", 0);
	probe_answer(NULL, 0); /* closed without a word */
}

static void test_http_probe_refused_is_not_an_error(void **state)
{
	int port;
	int fd = listen_any(&port);
	close(fd); /* nothing listens there now */
	int status = -1;
	struct iso_error *err = NULL;
	assert_int_equal(probe_http("127.0.0.1", port, "/", 500, &status, &err), 0);
	assert_int_equal(status, 0);
	assert_int_equal(probe_http("not-an-address", port, "/", 500, &status, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	iso_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_probe_reads_the_status),
		cmocka_unit_test(test_http_probe_refused_is_not_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
