/* SPDX-License-Identifier: Apache-2.0 */
/* Every libpod error shape, broken bodies, fault injection, endpoints and version negotiation. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "fake_transport.h"
#include "podman/client.h"
#include "podman/exec.h"
#include "podman/objects.h"

struct fx {
	struct fake_transport *f;
	struct podman_client *c;
	struct iso_error *err;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	x->f = fake_new();
	x->c = podman_client_new_with_transport(fake_transport(x->f), NULL);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	if (x->f->mismatch)
		fail_msg("fake transport: %s", x->f->mismatch);
	podman_client_free(x->c);
	fake_free(x->f);
	iso_error_free(x->err);
	free(x);
	return 0;
}

/* Run podman_error_from_response on a recorded body. */
static struct iso_error *shape(int status, const char *name)
{
	size_t len;
	char *b = fake_read_data(name, &len);
	struct iso_error *e = NULL;
	assert_int_equal(podman_error_from_response(status, b, len, "do it", &e), -1);
	free(b);
	assert_non_null(e);
	return e;
}

static void test_shape_cause_message(void **state)
{
	struct iso_error *e = shape(409, "pod_create_dup");
	assert_int_equal(e->class, ISO_E_REFUSED);
	assert_true(podman_err_exists(e));
	assert_string_equal(e->msg, "do it: failed to make pod: adding pod to state: name \"t-rec-pod1\" is in use: "
				    "pod already exists");
	iso_error_free(e);
	/* duplicate volume is 500 in 4.3.1 but the cause says exists */
	e = shape(500, "volume_create_dup");
	assert_true(podman_err_exists(e));
	iso_error_free(e);
	e = shape(500, "ctr_create_dup");
	assert_true(podman_err_exists(e));
	iso_error_free(e);
	e = shape(500, "secret_create_dup");
	assert_true(podman_err_exists(e));
	iso_error_free(e);
	/* unknown pod in containers/create: 500 with "no such pod" → not found */
	e = shape(500, "ctr_create_nopod");
	assert_true(podman_err_not_found(e));
	assert_int_equal(e->class, ISO_E_UNKNOWN);
	iso_error_free(e);
	/* unknown image: a refusal, message kept */
	e = shape(500, "ctr_create_noimage");
	assert_int_equal(e->class, ISO_E_REFUSED);
	assert_false(podman_err_not_found(e));
	assert_non_null(strstr(e->msg, "localhost/nope:1: image not known"));
	iso_error_free(e);
	e = shape(500, "ctr_create_portinpod");
	assert_non_null(strstr(e->msg, "published or exposed ports must be defined when the pod is created"));
	iso_error_free(e);
	e = shape(500, "ctr_create_noct");
	assert_non_null(strstr(e->msg, "decode(): EOF"));
	iso_error_free(e);
	e = shape(500, "ctr_start_oci_error");
	assert_non_null(strstr(e->msg, "RLIMIT_RLIMIT_NOFILE"));
	iso_error_free(e);
}

static void test_shape_errs_and_err(void **state)
{
	struct iso_error *e = shape(409, "pod_start_conflict");
	assert_int_equal(e->class, ISO_E_REFUSED);
	assert_false(podman_err_exists(e)); /* 409 here is a failed start, not "exists" */
	assert_non_null(strstr(e->msg, "rootlessport listen tcp 127.0.0.1:18945: bind: address already in use"));
	iso_error_free(e);
	struct iso_error *e2 = NULL;
	const char *err_body = "{\"Err\":\"pod has running containers\",\"Id\":\"abc\"}";
	podman_error_from_response(500, err_body, strlen(err_body), "remove pod 'p'", &e2);
	assert_string_equal(e2->msg, "remove pod 'p': pod has running containers");
	iso_error_free(e2);
}

static void test_pod_start_errs_on_409(void **state)
{
	struct fx *x = *state;
	fake_expect(x->f, "POST", "/pods/t-rec-pod2/start", 409, "pod_start_conflict");
	assert_int_equal(podman_pod_start(x->c, "t-rec-pod2", &x->err), -1);
	assert_non_null(strstr(x->err->msg, "start pod 't-rec-pod2': starting container"));
}

static void test_pod_start_errs_on_200(void **state)
{
	struct fx *x = *state;
	const char *b = "{\"Errs\":[\"one\",\"two\"],\"Id\":\"x\"}";
	fake_expect_body(x->f, "POST", "/pods/p/start", 200, b, strlen(b));
	assert_int_equal(podman_pod_start(x->c, "p", &x->err), -1);
	assert_string_equal(x->err->msg, "start pod 'p': one; two");
}

static void test_pod_remove_err(void **state)
{
	struct fx *x = *state;
	const char *b = "{\"Err\":\"cannot remove\",\"Id\":\"x\"}";
	fake_expect_body(x->f, "DELETE", "/pods/p", 200, b, strlen(b));
	assert_int_equal(podman_pod_remove(x->c, "p", 1, &x->err), -1);
	assert_string_equal(x->err->msg, "remove pod 'p': cannot remove");
}

static void test_not_found_everywhere(void **state)
{
	struct fx *x = *state;
	struct podman_pod p;
	struct podman_container k;
	struct podman_volume v;
	struct podman_secret s;
	struct podman_exec_info ei;
	fake_expect(x->f, "GET", "/pods/nope/json", 404, "pod_inspect_missing");
	fake_expect(x->f, "GET", "/containers/nope/json", 404, "ctr_inspect_missing");
	fake_expect(x->f, "GET", "/volumes/nope/json", 404, "volume_inspect_missing");
	fake_expect(x->f, "GET", "/secrets/nope/json", 404, "secret_inspect_missing");
	fake_expect(x->f, "GET", "/exec/nope/json", 404, "exec_inspect_missing");
	fake_expect(x->f, "POST", "/pods/nope/stop", 404, "pod_stop_missing");
	fake_expect(x->f, "POST", "/containers/nope/start", 404, "ctr_start_missing");
	fake_expect(x->f, "GET", "/pods/nope/exists", 404, "pod_exists_missing");
	assert_int_equal(podman_pod_inspect(x->c, "nope", &p, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_int_equal(podman_container_inspect(x->c, "nope", &k, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_int_equal(podman_volume_inspect(x->c, "nope", &v, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_int_equal(podman_secret_inspect(x->c, "nope", &s, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_int_equal(podman_exec_inspect(x->c, "nope", &ei, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_int_equal(podman_pod_stop(x->c, "nope", 1, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_int_equal(podman_container_start(x->c, "nope", &x->err), -1);
	assert_true(podman_err_not_found(x->err));
	assert_string_equal(x->err->msg,
			    "start container 'nope': no container with name or ID \"nope\" found: no such container");
	/* exists answers 404 with a body: that is "no", not an error */
	iso_error_free(x->err);
	x->err = NULL;
	assert_int_equal(podman_pod_exists(x->c, "nope", &x->err), 0);
	assert_null(x->err);
}

static void test_pull_streamed_error(void **state)
{
	struct fx *x = *state;
	fake_expect(x->f, "POST", "/images/pull", 200, "image_pull_unknown");
	fake_expect(x->f, "POST", "/images/pull", 200, "image_pull_error");
	assert_int_equal(podman_image_pull(x->c, "127.0.0.1:18949/nope:1", 0, NULL, NULL, NULL, &x->err), -1);
	assert_int_equal(x->err->class, ISO_E_REFUSED);
	assert_non_null(strstr(x->err->msg, "pull image '127.0.0.1:18949/nope:1': initializing source"));
	assert_non_null(strstr(x->err->msg, "manifest unknown"));
	assert_int_equal(podman_image_pull(x->c, "127.0.0.1:18949/nope:1", 0, NULL, NULL, NULL, &x->err), -1);
	assert_non_null(strstr(x->err->msg, "connection refused"));
}

/* Every recorded JSON answer, truncated at every length, fails cleanly (no crash, no leak, an error). */
static void test_truncated_bodies(void **state)
{
	static const char *const names[] = {"pod_inspect", "ctr_inspect",    "volume_list_or", "pod_list",
					    "ctr_list",    "secret_inspect", "exec_inspect",   "version"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		size_t len;
		char *b = fake_read_data(names[i], &len);
		for (size_t cut = 0; cut < len; cut += 1 + len / 97) {
			struct fake_transport *f = fake_new();
			struct podman_client *c = podman_client_new_with_transport(fake_transport(f), NULL);
			struct iso_error *e = NULL;
			struct podman_pod p;
			struct podman_container k, *ks;
			struct podman_volume *vs;
			struct podman_pod *ps;
			struct podman_secret s;
			struct podman_exec_info ei;
			struct podman_version v;
			struct podman_pair l = {"org.example.owner", "a"};
			size_t n;
			int rc = 0;
			fake_expect_body(f, "GET", "/", 200, b, cut);
			switch (i) {
			case 0:
				rc = podman_pod_inspect(c, "x", &p, &e);
				break;
			case 1:
				rc = podman_container_inspect(c, "x", &k, &e);
				break;
			case 2:
				rc = podman_volume_list(c, &l, &vs, &n, &e);
				break;
			case 3:
				rc = podman_pod_list(c, &l, &ps, &n, &e);
				break;
			case 4:
				rc = podman_container_list(c, &l, &ks, &n, &e);
				break;
			case 5:
				rc = podman_secret_inspect(c, "x", &s, &e);
				break;
			case 6:
				rc = podman_exec_inspect(c, "x", &ei, &e);
				break;
			case 7:
				rc = podman_version(c, &v, &e);
				break;
			}
			assert_int_equal(rc, -1);
			assert_int_equal(e->class, ISO_E_INTERNAL);
			iso_error_free(e);
			podman_client_free(c);
			fake_free(f);
		}
		free(b);
	}
}

/*
 * One call of each operation that wants a JSON document (inspect, list,
 * create, version, info), answered by the fake; *WHAT gets the request's
 * name as its error message must say it.
 */
static int document_op(struct podman_client *c, int i, const char **what, struct iso_error **e)
{
	static const char *const cmd[] = {"true", NULL};
	struct podman_pod_spec ps = {.name = "p"};
	struct podman_container_spec cs = {.name = "c", .image = "localhost/tiny:1", .pod = "p"};
	struct podman_exec_spec es = {.cmd = cmd};
	struct podman_pair l = {"org.example.owner", "a"};
	union {
		struct podman_pod p;
		struct podman_container k;
		struct podman_volume v;
		struct podman_secret s;
		struct podman_exec_info ei;
		struct podman_version ver;
		struct podman_info inf;
	} u;
	void *list;
	char *id = NULL;
	size_t n;
	int rc = 0;

	switch (i) {
	case 0:
		*what = "inspect pod 'p'";
		return podman_pod_inspect(c, "p", &u.p, e);
	case 1:
		*what = "inspect container 'c'";
		return podman_container_inspect(c, "c", &u.k, e);
	case 2:
		*what = "inspect volume 'v'";
		return podman_volume_inspect(c, "v", &u.v, e);
	case 3:
		*what = "inspect secret 's'";
		return podman_secret_inspect(c, "s", &u.s, e);
	case 4:
		*what = "inspect exec session 'x'";
		return podman_exec_inspect(c, "x", &u.ei, e);
	case 5:
		*what = "read the podman version";
		return podman_version(c, &u.ver, e);
	case 6:
		*what = "read podman info";
		return podman_info(c, &u.inf, e);
	case 7:
		*what = "list pods";
		return podman_pod_list(c, &l, (struct podman_pod **)&list, &n, e);
	case 8:
		*what = "list containers";
		return podman_container_list(c, &l, (struct podman_container **)&list, &n, e);
	case 9:
		*what = "list volumes";
		return podman_volume_list(c, &l, (struct podman_volume **)&list, &n, e);
	case 10:
		*what = "create pod 'p'";
		rc = podman_pod_create(c, &ps, &id, e);
		break;
	case 11:
		*what = "create container 'c'";
		rc = podman_container_create(c, &cs, &id, e);
		break;
	case 12:
		*what = "create volume 'v'";
		return podman_volume_create(c, "v", &l, 1, &u.v, e);
	case 13:
		*what = "create an exec session in container 'c'";
		rc = podman_exec_create(c, "c", &es, &id, e);
		break;
	}
	free(id);
	return rc;
}
#define DOCUMENT_OPS 14

/*
 * A 2xx or 304 without a document where one is wanted is an error that
 * names the request and the status, never a failure with no message (it
 * surfaced as "no message was recorded; this is a bug").
 */
static void test_no_document_answers(void **state)
{
	static const int statuses[] = {204, 304};
	for (size_t s = 0; s < sizeof statuses / sizeof *statuses; s++) {
		for (int i = 0; i < DOCUMENT_OPS; i++) {
			struct fake_transport *f = fake_new();
			struct podman_client *c = podman_client_new_with_transport(fake_transport(f), NULL);
			struct iso_error *e = NULL;
			const char *what = NULL;
			char status[32];
			fake_expect_body(f, i < 10 ? "GET" : "POST", "/", statuses[s], "", 0);
			assert_int_equal(document_op(c, i, &what, &e), -1);
			if (!e)
				fail_msg("%s answered %d: failed without an error", what, statuses[s]);
			assert_int_equal(e->class, ISO_E_INTERNAL);
			snprintf(status, sizeof status, "HTTP %d", statuses[s]);
			if (!strstr(e->msg, what) || !strstr(e->msg, status))
				fail_msg("%s answered %d: message '%s' names neither", what, statuses[s], e->msg);
			assert_null(f->mismatch);
			iso_error_free(e);
			podman_client_free(c);
			fake_free(f);
		}
	}
}

static void test_malformed_bodies(void **state)
{
	struct fx *x = *state;
	struct podman_pod p;
	struct podman_container k;
	const char *wrong_type = "{\"Id\":\"x\",\"Name\":\"n\",\"State\":42}";
	const char *not_json = "<html>502 Bad Gateway</html>";
	const char *labels_array = "{\"Id\":\"x\",\"Name\":\"n\",\"State\":\"Running\",\"Labels\":[1]}";
	const char *pid_string = "{\"Id\":\"x\",\"State\":{\"Status\":\"running\",\"Running\":true,\"ExitCode\":0,"
				 "\"Pid\":\"12\"}}";
	fake_expect_body(x->f, "GET", "/pods/p/json", 200, wrong_type, strlen(wrong_type));
	fake_expect_body(x->f, "GET", "/pods/p/json", 200, not_json, strlen(not_json));
	fake_expect_body(x->f, "GET", "/pods/p/json", 200, labels_array, strlen(labels_array));
	fake_expect_body(x->f, "GET", "/containers/c/json", 200, pid_string, strlen(pid_string));
	fake_expect_body(x->f, "GET", "/pods/p/json", 502, not_json, strlen(not_json));
	fake_expect_body(x->f, "GET", "/pods/p/json", 500, "", 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(podman_pod_inspect(x->c, "p", &p, &x->err), -1);
		assert_int_equal(x->err->class, ISO_E_INTERNAL);
	}
	assert_int_equal(podman_container_inspect(x->c, "c", &k, &x->err), -1);
	assert_int_equal(x->err->class, ISO_E_INTERNAL);
	assert_int_equal(podman_pod_inspect(x->c, "p", &p, &x->err), -1);
	assert_int_equal(x->err->class, ISO_E_REFUSED);
	assert_string_equal(x->err->msg, "inspect pod 'p': podman answered HTTP 502: <html>502 Bad Gateway</html>");
	assert_int_equal(podman_pod_inspect(x->c, "p", &p, &x->err), -1);
	assert_string_equal(x->err->msg, "inspect pod 'p': podman answered HTTP 500 with no explanation");
}

/* Fault injection: fail the Nth request of a create/start/stop/remove sequence, then cut the Nth body. */
static int sequence(struct podman_client *c, struct iso_error **e)
{
	struct podman_pod_spec ps = {.name = "t-rec-pod1"};
	struct podman_container_spec cs = {.name = "t-rec-c1", .image = "localhost/tiny:1", .pod = "t-rec-pod1"};
	struct podman_container k;
	char *id = NULL;
	if (podman_pod_create(c, &ps, &id, e) < 0)
		return 1;
	free(id);
	id = NULL;
	if (podman_container_create(c, &cs, &id, e) < 0)
		return 2;
	free(id);
	if (podman_pod_start(c, "t-rec-pod1", e) < 0)
		return 3;
	if (podman_container_inspect(c, "t-rec-c1", &k, e) < 0)
		return 4;
	podman_container_release(&k);
	if (podman_pod_stop(c, "t-rec-pod1", 1, e) < 0)
		return 5;
	if (podman_pod_remove(c, "t-rec-pod1", 1, e) < 0)
		return 6;
	return 0;
}

static void script(struct fake_transport *f)
{
	fake_expect(f, "POST", "/pods/create", 201, "pod_create");
	fake_expect(f, "POST", "/containers/create", 201, "ctr_create");
	fake_expect(f, "POST", "/pods/t-rec-pod1/start", 200, "pod_start");
	fake_expect(f, "GET", "/containers/t-rec-c1/json", 200, "ctr_inspect");
	fake_expect(f, "POST", "/pods/t-rec-pod1/stop", 200, "pod_stop");
	fake_expect(f, "DELETE", "/pods/t-rec-pod1", 200, "pod_remove");
}

static void test_fault_injection(void **state)
{
	for (int nth = 0; nth <= 6; nth++) {
		for (int mode = 0; mode < 2; mode++) {
			struct fake_transport *f = fake_new();
			struct podman_client *c = podman_client_new_with_transport(fake_transport(f), NULL);
			struct iso_error *e = NULL;
			script(f);
			if (mode == 0)
				f->fail_nth = nth;
			else
				f->cut_nth = nth;
			int step = sequence(c, &e);
			if (nth == 0) {
				assert_int_equal(step, 0);
			} else if (mode == 0) {
				assert_int_equal(step, nth); /* stops exactly at the failed request */
				assert_int_equal(e->class, ISO_E_UNREACHABLE);
			} else if (step) {
				/* a cut body fails as a bad answer, at that step */
				assert_int_equal(step, nth);
				assert_int_equal(e->class, ISO_E_INTERNAL);
			} else {
				/* half of a body some calls do not need (pod stop/remove reports) still works */
				assert_true(nth == 3 || nth == 5 || nth == 6);
			}
			iso_error_free(e);
			podman_client_free(c);
			fake_free(f);
		}
	}
}

static void test_endpoint_discovery(void **state)
{
	struct podman_endpoint ep;
	struct iso_error *e = NULL;
	assert_int_equal(podman_endpoint_discover(NULL, "/run/user/1000", 1000, &ep, &e), 0);
	assert_string_equal(ep.path, "/run/user/1000/podman/podman.sock");
	assert_true(ep.is_default);
	podman_endpoint_release(&ep);
	assert_int_equal(podman_endpoint_discover(NULL, NULL, 0, &ep, &e), 0);
	assert_string_equal(ep.path, "/run/podman/podman.sock");
	podman_endpoint_release(&ep);
	assert_int_equal(podman_endpoint_discover("unix:///tmp/x.sock", "/run/user/1", 1, &ep, &e), 0);
	assert_string_equal(ep.path, "/tmp/x.sock");
	assert_false(ep.is_default); /* CONTAINER_HOST: never auto-started */
	podman_endpoint_release(&ep);
	assert_int_equal(podman_endpoint_discover("tcp://127.0.0.1:8888", NULL, 1, &ep, &e), 0);
	assert_string_equal(ep.base, "http://127.0.0.1:8888");
	assert_int_equal(ep.kind, PODMAN_EP_TCP);
	podman_endpoint_release(&ep);
	assert_int_equal(podman_endpoint_discover(NULL, NULL, 1000, &ep, &e), -1);
	assert_non_null(strstr(e->msg, "XDG_RUNTIME_DIR is not set"));
	iso_error_free(e);
	e = NULL;
	assert_int_equal(podman_endpoint_discover("ssh://core@host/run/podman.sock", NULL, 1000, &ep, &e), -1);
	assert_int_equal(e->class, ISO_E_HOST);
	assert_non_null(strstr(e->msg, "ssh -nNT -L"));
	iso_error_free(e);
	e = NULL;
	assert_int_equal(podman_endpoint_discover("tcp://host", NULL, 1000, &ep, &e), -1);
	iso_error_free(e);
	e = NULL;
	assert_int_equal(podman_endpoint_discover("unix://relative", NULL, 1000, &ep, &e), -1);
	iso_error_free(e);
}

/* The curl transport against sockets that are missing or refuse: distinct messages. */
static void test_unreachable_messages(void **state)
{
	char dir[] = "/tmp/podman-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char uri[256], sock[200];
	snprintf(sock, sizeof sock, "%s/podman.sock", dir);
	snprintf(uri, sizeof uri, "unix://%s", sock);
	struct podman_client_opts o = {.endpoint = uri};
	struct iso_error *e = NULL;
	struct podman_client *c = podman_client_new(&o, &e);
	assert_non_null(c);
	assert_int_equal(podman_connect(c, &e), -1);
	assert_int_equal(e->class, ISO_E_UNREACHABLE);
	assert_int_equal(e->status, ENOENT);
	assert_non_null(strstr(e->msg, "does not exist"));
	iso_error_free(e);
	e = NULL;
	/* a socket file nobody listens on: refused */
	FILE *fp = fopen(sock, "w");
	fclose(fp);
	unlink(sock);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, sock);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	close(s); /* bound, never listening: ECONNREFUSED */
	assert_int_equal(podman_connect(c, &e), -1);
	assert_int_equal(e->status, ECONNREFUSED);
	assert_non_null(strstr(e->msg, "connection refused"));
	iso_error_free(e);
	podman_client_free(c);
	unlink(sock);
	rmdir(dir);
}

static void test_demux_malformed(void **state)
{
	struct podman_demux d;
	struct iso_error *e = NULL;
	podman_demux_init(&d, NULL, NULL);
	assert_int_equal(podman_demux_feed(&d, "\x07\0\0\0\0\0\0\1x", 9, &e), -1);
	iso_error_free(e);
	e = NULL;
	podman_demux_init(&d, NULL, NULL);
	assert_int_equal(podman_demux_feed(&d, "\x01\0\0\0\0\0\0\5ab", 10, &e), 0);
	assert_int_equal(podman_demux_finish(&d, &e), -1); /* ended inside a frame */
	iso_error_free(e);
	e = NULL;
	podman_demux_init(&d, NULL, NULL);
	assert_int_equal(podman_demux_feed(&d, "\x01\0\0\0\x7f\0\0\0", 8, &e), -1); /* over the cap */
	iso_error_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_shape_cause_message),   T(test_shape_errs_and_err),  T(test_pod_start_errs_on_409),
		T(test_pod_start_errs_on_200), T(test_pod_remove_err),      T(test_not_found_everywhere),
		T(test_pull_streamed_error),   T(test_truncated_bodies),    T(test_malformed_bodies),
		T(test_fault_injection),       T(test_endpoint_discovery),  T(test_unreachable_messages),
		T(test_demux_malformed),       T(test_no_document_answers),
	};
	return cmocka_run_group_tests_name("podman_errors", tests, NULL, NULL);
}
