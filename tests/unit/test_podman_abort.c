/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The abort flag of the curl transport (issue #3): when a SIGINT/SIGTERM
 * handler sets *abort_flag while a long request is in flight, the call
 * returns within ~0.5 s with podman_err_aborted(), so `up` can roll back.
 *
 * No Podman: a stand-in on a unix socket of our own answers /_ping like
 * libpod and then never answers the long request (a container wait, a logs
 * follow), the way a real wait on a sleeping container behaves.  The flag is
 * set from a SIGALRM handler, as a signal handler would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "podman/client.h"
#include "podman/exec.h"
#include "podman/objects.h"

static char dir[64];
static char sock_path[96];
static pid_t server;
static volatile sig_atomic_t abort_flag;

static void on_alarm(int sig)
{
	(void)sig;
	abort_flag = 1;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Answer each /_ping on a connection; on anything else fall silent (the connection stays open). */
static void serve(int lfd)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (fork() == 0) {
			char buf[8192];
			size_t len = 0;
			for (;;) {
				ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
				if (n <= 0)
					_exit(0);
				len += (size_t)n;
				buf[len] = '\0';
				char *end = strstr(buf, "\r\n\r\n");
				if (!end)
					continue;
				if (!strstr(buf, "/_ping")) {
					pause(); /* the long request: no answer, ever */
					_exit(0);
				}
				static const char ok[] =
					"HTTP/1.1 200 OK\r\nLibpod-Api-Version: 4.3.1\r\n"
					"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nOK";
				if (write(fd, ok, sizeof(ok) - 1) < 0)
					_exit(0);
				size_t used = (size_t)(end + 4 - buf);
				memmove(buf, buf + used, len - used);
				len -= used;
			}
		}
		close(fd);
	}
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/isopod-abort-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/podman.sock", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	server = -1;
	if (lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 8) == 0)
		server = fork();
	if (server < 0) {
		/* cmocka runs no teardown after a failed setup: undo here */
		if (lfd >= 0)
			close(lfd);
		unlink(sock_path);
		rmdir(dir);
		server = 0;
		return -1;
	}
	if (server == 0) {
		setpgid(0, 0); /* its connection children go with it */
		serve(lfd);
		_exit(0);
	}
	setpgid(server, server);
	close(lfd);
	abort_flag = 0;
	struct sigaction act = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &act, NULL);
	return 0;
}

static int teardown(void **state)
{
	if (server > 0) {
		kill(-server, SIGKILL); /* the stand-in and its connection children: all started here */
		waitpid(server, NULL, 0);
		server = 0;
	}
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

static struct podman_client *client(void)
{
	char uri[160];
	snprintf(uri, sizeof(uri), "unix://%s", sock_path);
	struct podman_client_opts o = {.endpoint = uri, .transport = {.timeout_ms = 30000, .abort_flag = &abort_flag}};
	struct iso_error *err = NULL;
	struct podman_client *c = podman_client_new(&o, &err);
	if (!c || podman_connect(c, &err) < 0)
		fail_msg("client over the stand-in: %s", err ? err->msg : "?");
	return c;
}

/* Set the flag DELAY_MS from now, from a signal handler. */
static void abort_in(long delay_ms)
{
	struct itimerval it = {.it_value = {.tv_sec = delay_ms / 1000, .tv_usec = (delay_ms % 1000) * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void test_wait_in_flight_is_aborted(void **state)
{
	struct podman_client *c = client();
	struct iso_error *err = NULL;
	int code = -1;
	abort_in(200);
	long t0 = now_ms();
	int rc = podman_container_wait(c, "t-abort-sleeper", &code, &err);
	long took = now_ms() - t0;
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_true(podman_err_aborted(err));
	assert_true(took >= 150);      /* it was in flight until the flag */
	assert_true(took < 200 + 500); /* and stopped within ~0.5 s of it */
	iso_error_free(err);
	podman_client_free(c);
}

static int collect(void *ctx, enum podman_stream_id s, const char *data, size_t len)
{
	return 0;
}

static void test_logs_follow_is_aborted(void **state)
{
	struct podman_client *c = client();
	struct iso_error *err = NULL;
	struct podman_logs_opts lo = {.follow = 1, .tail = -1};
	abort_in(200);
	long t0 = now_ms();
	int rc = podman_container_logs(c, "t-abort-talker", &lo, collect, NULL, &err);
	long took = now_ms() - t0;
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_true(podman_err_aborted(err));
	assert_true(took >= 150);
	assert_true(took < 200 + 500);
	iso_error_free(err);
	podman_client_free(c);
}

/* Without the flag the same wait keeps waiting: the abort is what ended it above. */
static void test_without_flag_it_waits(void **state)
{
	struct podman_client *c = client();
	struct iso_error *err = NULL;
	int code = -1;
	abort_in(1500);
	long t0 = now_ms();
	assert_int_equal(podman_container_wait(c, "t-abort-sleeper", &code, &err), -1);
	assert_true(now_ms() - t0 >= 1400);
	assert_true(podman_err_aborted(err));
	iso_error_free(err);
	podman_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wait_in_flight_is_aborted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs_follow_is_aborted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_flag_it_waits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
