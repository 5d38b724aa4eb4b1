/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The podman client against the real rootless service: every operation
 * once, names t-podman-<pid>-*, ports 18940-18949, cleaned up even when a
 * test fails (teardown removes by name).  Skips with the reason when no
 * socket answers, or fails under ISOPOD_REQUIRE_PODMAN (iso_test.h).  The image is
 * ISOPOD_TEST_IMAGE (default localhost/isopod-postgres:15); it must have
 * /bin/sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "podman/client.h"
#include "podman/exec.h"
#include "podman/objects.h"
#include "iso_test.h"

static struct podman_client *C;
static char POD[64], CTR[64], VOL[64], SEC[64], LABEL_VAL[64];
static const char *IMAGE;
static char no_podman[512]; /* why C is NULL */

static void cleanup_all(void)
{
	struct iso_error *e = NULL;
	podman_pod_remove(C, POD, 1, &e);
	iso_error_free(e);
	e = NULL;
	podman_container_remove(C, CTR, 1, &e);
	iso_error_free(e);
	e = NULL;
	podman_volume_remove(C, VOL, 1, &e);
	iso_error_free(e);
	e = NULL;
	podman_secret_remove(C, SEC, &e);
	iso_error_free(e);
}

static int group_setup(void **state)
{
	struct iso_error *e = NULL;
	struct podman_client_opts o = {0};
	int pid = (int)getpid();
	snprintf(POD, sizeof POD, "t-podman-%d-pod", pid);
	snprintf(CTR, sizeof CTR, "t-podman-%d-ctr", pid);
	snprintf(VOL, sizeof VOL, "t-podman-%d-vol", pid);
	snprintf(SEC, sizeof SEC, "t-podman-%d-sec", pid);
	snprintf(LABEL_VAL, sizeof LABEL_VAL, "t-podman-%d", pid);
	IMAGE = getenv("ISOPOD_TEST_IMAGE") ? getenv("ISOPOD_TEST_IMAGE") : "localhost/isopod-postgres:15";
	C = podman_client_new(&o, &e);
	if (!C || podman_connect(C, &e) < 0) {
		/* No skip here (an error in a cmocka 1.1 group setup): each test skips or fails in NEED_PODMAN. */
		snprintf(no_podman, sizeof no_podman, "Podman is unreachable: %s", e ? e->msg : "?");
		iso_error_free(e);
		podman_client_free(C);
		C = NULL;
		return 0;
	}
	cleanup_all();
	return 0;
}

static int group_teardown(void **state)
{
	if (C) {
		cleanup_all();
		podman_client_free(C);
	}
	return 0;
}

#define NEED_PODMAN() iso_test_need(C != NULL, "%s", no_podman)
#define OK(call)                                                                                                       \
	do {                                                                                                           \
		if ((call) < 0)                                                                                        \
			fail_msg("%s: %s", #call, e_ ? e_->msg : "?");                                                 \
		iso_error_free(e_);                                                                                    \
		e_ = NULL;                                                                                             \
	} while (0)

static void test_ping_version_info(void **state)
{
	NEED_PODMAN();
	struct podman_version v;
	struct podman_info i;
	struct iso_error *e_ = NULL;
	OK(podman_ping(C, &e_));
	OK(podman_version(C, &v, &e_));
	assert_true(v.version[0] >= '4');
	podman_version_release(&v);
	OK(podman_info(C, &i, &e_));
	assert_true(i.rootless || geteuid() == 0);
	podman_info_release(&i);
	assert_non_null(podman_client_server_version(C));
}

static void test_volumes(void **state)
{
	NEED_PODMAN();
	struct podman_pair l = {"org.example.t-podman", LABEL_VAL};
	struct podman_pair other = {"org.example.t-podman-other", LABEL_VAL};
	struct podman_volume v, *vs;
	size_t n;
	struct iso_error *e_ = NULL;
	OK(podman_volume_create(C, VOL, &l, 1, &v, &e_));
	podman_volume_release(&v);
	assert_int_equal(podman_volume_create(C, VOL, &l, 1, NULL, &e_), -1);
	assert_true(podman_err_exists(e_));
	iso_error_free(e_);
	e_ = NULL;
	assert_int_equal(podman_volume_exists(C, VOL, &e_), 1);
	OK(podman_volume_inspect(C, VOL, &v, &e_));
	assert_string_equal(podman_labels_get(&v.labels, l.key), LABEL_VAL);
	podman_volume_release(&v);
	OK(podman_volume_list(C, &l, &vs, &n, &e_));
	assert_int_equal(n, 1);
	podman_volume_list_free(vs, n);
	OK(podman_volume_list(C, &other, &vs, &n, &e_));
	assert_int_equal(n, 0);
	podman_volume_list_free(vs, n);
}

static void test_secrets(void **state)
{
	NEED_PODMAN();
	struct podman_pair l = {"org.example.t-podman", LABEL_VAL};
	struct podman_secret s;
	char *id = NULL;
	struct iso_error *e_ = NULL;
	OK(podman_secret_create(C, SEC, "pw-123", 6, &l, 1, &id, &e_));
	free(id);
	OK(podman_secret_inspect(C, SEC, &s, &e_));
	assert_string_equal(podman_labels_get(&s.labels, l.key), LABEL_VAL); /* labels survived the query */
	podman_secret_release(&s);
}

static int collect(void *ctx, enum podman_stream_id s, const char *d, size_t n)
{
	char *b = ctx;
	size_t l = strlen(b);
	snprintf(b + l, 512 - l, "%.*s", (int)n, d);
	return 0;
}

static void test_pod_and_containers(void **state)
{
	NEED_PODMAN();
	struct podman_pair l = {"org.example.t-podman", LABEL_VAL};
	const char *aliases[] = {"db:127.0.0.1", NULL};
	const char *nopts[] = {"allow_host_loopback=true", NULL};
	struct podman_port ports[] = {{"127.0.0.1", 18940, 8069, NULL}};
	struct podman_pod_spec ps = {.name = POD,
				     .labels = &l,
				     .n_labels = 1,
				     .host_aliases = aliases,
				     .ports = ports,
				     .n_ports = 1,
				     .network_mode = "slirp4netns",
				     .network_options = nopts};
	struct podman_pair env[] = {{"GREETING", "hello world"}};
	struct podman_pair senv[] = {{"SECRET_PW", SEC}};
	struct podman_volume_mount vols[] = {{VOL, "/data-t", 0}};
	struct podman_rlimit rl[] = {{"nofile", 1024, 1024}};
	const char *cmd[] = {"/bin/sh", "-c", "echo \"$GREETING\"; echo \"$SECRET_PW\" >&2; exec sleep 300", NULL};
	struct podman_container_spec cs = {.name = CTR,
					   .pod = POD,
					   .image = IMAGE,
					   .env = env,
					   .n_env = 1,
					   .secret_env = senv,
					   .n_secret_env = 1,
					   .volumes = vols,
					   .n_volumes = 1,
					   .labels = &l,
					   .n_labels = 1,
					   .command = cmd,
					   .workdir = "/",
					   .rlimits = rl,
					   .n_rlimits = 1,
					   .user = "0"};
	struct podman_pod p, *pl;
	struct podman_container k, *kl;
	size_t n;
	char *id = NULL;
	struct iso_error *e_ = NULL;

	OK(podman_pod_create(C, &ps, &id, &e_));
	free(id);
	id = NULL;
	OK(podman_container_create(C, &cs, &id, &e_));
	free(id);
	OK(podman_pod_start(C, POD, &e_));
	OK(podman_pod_start(C, POD, &e_)); /* 304 */
	OK(podman_pod_inspect(C, POD, &p, &e_));
	assert_string_equal(p.network_mode, "slirp4netns");
	assert_int_equal(p.n_ports, 1);
	assert_int_equal(p.ports[0].host_port, 18940);
	assert_non_null(p.infra_id);
	podman_pod_release(&p);
	OK(podman_pod_list(C, &l, &pl, &n, &e_));
	assert_int_equal(n, 1);
	podman_pod_list_free(pl, n);
	OK(podman_container_inspect(C, CTR, &k, &e_));
	assert_true(k.running);
	assert_true(k.pid > 0);
	podman_container_release(&k);
	OK(podman_container_list(C, &l, &kl, &n, &e_));
	assert_int_equal(n, 2); /* the infra container inherits the pod's labels */
	podman_container_list_free(kl, n);

	/* logs: stdout and stderr demuxed */
	char out[512] = "";
	struct podman_logs_opts lo = {.tail = -1};
	usleep(300 * 1000);
	OK(podman_container_logs(C, CTR, &lo, collect, out, &e_));
	assert_non_null(strstr(out, "hello world"));
	assert_non_null(strstr(out, "pw-123"));

	/* exec with exit code and output */
	const char *ecmd[] = {"/bin/sh", "-c", "echo in-exec; exit 7", NULL};
	struct podman_exec_spec es = {.cmd = ecmd};
	char eout[512] = "";
	int code = -1;
	OK(podman_exec_run(C, CTR, &es, collect, eout, &code, &e_));
	assert_int_equal(code, 7);
	assert_string_equal(eout, "in-exec\n");

	/* interactive exec through the upgrade, with a TTY */
	const char *icmd[] = {"/bin/sh", "-c", "read x; echo got-$x", NULL};
	struct podman_exec_spec is = {.cmd = icmd, .tty = 1, .attach_stdin = 1};
	struct podman_raw *raw = NULL;
	char *eid = NULL;
	OK(podman_exec_create(C, CTR, &is, &eid, &e_));
	OK(podman_exec_attach(C, eid, 1, 24, 80, &raw, &e_));
	OK(raw->ops->write(raw, "abc\n", 4, &e_));
	char rb[512] = "";
	size_t got = 0;
	for (int i = 0; i < 50 && !strstr(rb, "got-abc"); i++) {
		struct iso_error *re = NULL;
		ssize_t k2 = raw->ops->read(raw, rb + got, sizeof rb - 1 - got, 200, &re);
		iso_error_free(re);
		if (k2 == 0)
			break;
		if (k2 > 0)
			got += (size_t)k2;
		rb[got] = 0;
	}
	podman_raw_close(raw);
	free(eid);
	assert_non_null(strstr(rb, "got-abc"));

	OK(podman_container_stop(C, CTR, 1, &e_));
	OK(podman_container_wait(C, CTR, &code, &e_));
	OK(podman_pod_stop(C, POD, 1, &e_));
	OK(podman_pod_stop(C, POD, 1, &e_)); /* 304 */
	OK(podman_container_remove(C, CTR, 1, &e_));
	assert_int_equal(podman_container_exists(C, CTR, &e_), 0);
	OK(podman_pod_remove(C, POD, 1, &e_));
	assert_int_equal(podman_pod_inspect(C, POD, &p, &e_), -1);
	assert_true(podman_err_not_found(e_));
	iso_error_free(e_);
}

static void test_images(void **state)
{
	NEED_PODMAN();
	struct iso_error *e_ = NULL;
	assert_int_equal(podman_image_exists(C, IMAGE, &e_), 1);
	assert_int_equal(podman_image_exists(C, "localhost/t-podman-no-such:1", &e_), 0);
	/* a pull from a registry that is not there: 200 + streamed error */
	assert_int_equal(podman_image_pull(C, "127.0.0.1:18948/none:1", 0, NULL, NULL, NULL, &e_), -1);
	assert_int_equal(e_->class, ISO_E_REFUSED);
	iso_error_free(e_);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_version_info),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_pod_and_containers),
		cmocka_unit_test(test_images),
	};
	return cmocka_run_group_tests_name("podman_client", tests, group_setup, group_teardown);
}
