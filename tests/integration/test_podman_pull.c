/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull with streamed progress (issue #3) against a local `docker-registry`
 * this test starts on 127.0.0.1 (a free port of 18900-18909, a config and
 * storage in a directory under $TMPDIR), with the local Postgres image pushed to it by the podman CLI.
 * A missing tag is refused with the registry's message.  The registry is
 * stopped by its PID, the pulled image removed by its exact name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "podman/client.h"
#include "podman/objects.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define REGISTRY_BIN "/usr/bin/docker-registry"
#define PORT_LOW 18900
#define PORT_HIGH 18909

static char dir[256]; /* under $TMPDIR; empty until made */
static pid_t registry;
static int port;
static char ref[128];

/* A port of ours nothing listens on (SO_REUSEADDR: a TIME_WAIT leftover is fine for the registry). */
static int free_port(void)
{
	for (int p = PORT_HIGH; p >= PORT_LOW; p--) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)p),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return p;
	}
	return -1;
}

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Start the registry from the test body, not from a cmocka setup: a skip
 * there is an error in cmocka 1.1, and a setup that fails after the fork
 * never gets its teardown.  From here every failure runs teardown(), which
 * stops what was started and removes the directory.
 */
static void start_registry(void)
{
	ptest_require_podman();
	iso_test_need(access(REGISTRY_BIN, X_OK) == 0,
		      "%s is missing: install the Debian package docker-registry ('make setup')", REGISTRY_BIN);
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/isopod-reg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		dir[0] = '\0';
		fail_msg("mkdtemp in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
	}
	port = free_port();
	assert_true(port > 0);
	char conf[300];
	snprintf(conf, sizeof(conf), "%s/config.yml", dir);
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f,
		"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n"
		"  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%d\n",
		dir, port);
	fclose(f);
	registry = fork();
	assert_true(registry >= 0);
	if (registry == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* a killed test leaves no registry behind */
		char log[300];
		snprintf(log, sizeof(log), "%s/registry.log", dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(REGISTRY_BIN, REGISTRY_BIN, "serve", conf, (char *)NULL);
		_exit(127);
	}
	long status = 0;
	if (ptest_wait_http(port, "/v2/", 200, 10000, &status) < 0)
		fail_msg("the registry on 127.0.0.1:%d did not answer /v2/ (last status %ld); see %s/registry.log",
			 port, status, dir);
	snprintf(ref, sizeof(ref), "127.0.0.1:%d/isopod/pg:t-%d", port, (int)getpid());
}

/* Without rm(1): the directory goes also when PATH has nothing on it. */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	int rc = 0;
	if (ref[0]) {
		/* Only the exact name this test pulled; the local source image stays. */
		sh("podman rmi '%s' >/dev/null 2>&1", ref);
		ref[0] = '\0';
	}
	if (registry > 0) {
		kill(registry, SIGTERM);
		int st;
		if (waitpid(registry, &st, 0) < 0)
			rc = -1;
		registry = 0;
	}
	if (dir[0] && nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
		rc = -1;
	dir[0] = '\0';
	return rc;
}

struct progress {
	int lines;
	int copying;
};

static int on_progress(void *ctx, const char *line)
{
	struct progress *p = ctx;
	p->lines++;
	p->copying |= strstr(line, "Copying") != NULL;
	return 0;
}

static void test_pull_from_local_registry(void **state)
{
	start_registry();
	/* The test's own push, with the CLI; no local tag is made, so none is left. */
	assert_int_equal(sh("podman push -q --tls-verify=false '%s' '%s' >/dev/null", ptest_db_image(), ref), 0);
	struct podman_client *c = ptest_client();
	struct iso_error *err = NULL;
	assert_int_equal(podman_image_exists(c, ref, &err), 0);

	struct progress p = {0};
	char *id = NULL;
	if (podman_image_pull(c, ref, 0, on_progress, &p, &id, &err) < 0)
		fail_msg("pull '%s': %s", ref, err->msg);
	assert_true(p.lines >= 1);
	assert_true(p.copying);
	assert_non_null(id);
	assert_true(strlen(id) >= 12);
	free(id);
	assert_int_equal(podman_image_exists(c, ref, &err), 1);

	/* A tag the registry does not have: refused, with what the registry said. */
	char missing[160];
	snprintf(missing, sizeof(missing), "127.0.0.1:%d/isopod/pg:t-%d-missing", port, (int)getpid());
	p = (struct progress){0};
	assert_int_equal(podman_image_pull(c, missing, 0, on_progress, &p, NULL, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->class, ISO_E_REFUSED);
	if (!strstr(err->msg, "manifest unknown"))
		fprintf(stderr, "  pull of a missing tag: %s\n", err->msg);
	assert_non_null(strstr(err->msg, "manifest unknown"));
	iso_error_free(err);
	err = NULL;
	assert_int_equal(podman_image_exists(c, missing, &err), 0);
	podman_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pull_from_local_registry, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
