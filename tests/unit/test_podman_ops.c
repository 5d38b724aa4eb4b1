/* SPDX-License-Identifier: Apache-2.0 */
/* The podman client's operations over the fake transport, replaying bodies recorded from Podman 4.3.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_transport.h"
#include "base/json.h"
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
	/* every test must have used every answer it scripted, each request typed */
	if (x->err)
		print_message("last error: %s\n", x->err->msg);
	if (x->f->mismatch)
		fail_msg("fake transport: %s", x->f->mismatch);
	assert_int_equal(x->f->next, x->f->n);
	podman_set_get_cache(NULL); /* a failed test_get_cache leaves none behind */
	podman_client_free(x->c);
	fake_free(x->f);
	iso_error_free(x->err);
	free(x);
	return 0;
}

static const struct podman_pair owner_a = {"org.example.owner", "a"};

static void test_volume_create_inspect(void **state)
{
	struct fx *x = *state;
	struct podman_pair labels[] = {{"org.example.owner", "a"}, {"org.example.k", "v"}};
	struct podman_volume v;
	fake_expect(x->f, "POST", "/v4.0.0/libpod/volumes/create", 201, "volume_create");
	assert_int_equal(podman_volume_create(x->c, "t-rec-vol1", labels, 2, &v, &x->err), 0);
	assert_string_equal(v.name, "t-rec-vol1");
	assert_string_equal(podman_labels_get(&v.labels, "org.example.owner"), "a");
	podman_volume_release(&v);
	/* the body is JSON built by the generator, labels under "Label" */
	struct iso_error *e = NULL;
	iso_json *b = iso_json_parse(x->f->last_body, x->f->last_body_len, 0, ISO_E_INTERNAL, "body", &e);
	assert_non_null(b);
	assert_string_equal(iso_json_get_string(iso_json_get(b, "Label"), "org.example.k"), "v");
	iso_json_free(b);

	fake_expect(x->f, "GET", "/volumes/t-rec-vol1/json", 200, "volume_inspect");
	assert_int_equal(podman_volume_inspect(x->c, "t-rec-vol1", &v, &x->err), 0);
	assert_non_null(strstr(v.mountpoint, "/volumes/t-rec-vol1/_data"));
	podman_volume_release(&v);
}

static void test_volume_exists(void **state)
{
	struct fx *x = *state;
	fake_expect(x->f, "GET", "/volumes/t-rec-vol1/exists", 204, "volume_exists");
	fake_expect(x->f, "GET", "/volumes/nope/exists", 404, "volume_exists_missing");
	assert_int_equal(podman_volume_exists(x->c, "t-rec-vol1", &x->err), 1);
	assert_int_equal(podman_volume_exists(x->c, "nope", &x->err), 0);
	assert_null(x->err);
}

/* 4.3 ORs volume label filters: a foreign volume in the answer must not come back. */
static void test_volume_list_drops_foreign(void **state)
{
	struct fx *x = *state;
	struct podman_volume *vs;
	size_t n;
	fake_expect(x->f, "GET", "/volumes/json?filters=", 200, "volume_list_or");
	assert_int_equal(podman_volume_list(x->c, &owner_a, &vs, &n, &x->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(vs[0].name, "t-rec-vol1");
	podman_volume_list_free(vs, n);
	/* the filter sent is exactly one label, URL-encoded JSON */
	assert_non_null(strstr(x->f->last_path, "filters=%7B%22label%22%3A%5B%22org.example.owner%3Da%22%5D%7D"));
}

static void test_volume_list_empty_and_remove(void **state)
{
	struct fx *x = *state;
	struct podman_volume *vs;
	size_t n = 99;
	fake_expect(x->f, "GET", "/volumes/json", 200, "volume_list_empty");
	fake_expect(x->f, "DELETE", "/volumes/t-rec-vol3", 204, "volume_remove");
	fake_expect(x->f, "DELETE", "/volumes/t-rec-vol3", 404, "volume_remove_missing");
	assert_int_equal(podman_volume_list(x->c, &owner_a, &vs, &n, &x->err), 0);
	assert_int_equal(n, 0);
	podman_volume_list_free(vs, n);
	assert_int_equal(podman_volume_remove(x->c, "t-rec-vol3", 0, &x->err), 0);
	assert_int_equal(podman_volume_remove(x->c, "t-rec-vol3", 0, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
}

static void test_secret_create_labels_query_is_json(void **state)
{
	struct fx *x = *state;
	struct podman_pair labels[] = {{"org.example.owner", "a \"quoted\" & odd="}, {"k2", "v2"}};
	char *id = NULL;
	fake_expect(x->f, "POST", "/secrets/create?name=t-rec-sec1&labels=", 200, "secret_create");
	assert_int_equal(podman_secret_create(x->c, "t-rec-sec1", "s3cr3t", 6, labels, 2, &id, &x->err), 0);
	assert_string_equal(id, "aea0830654a44ad3b5a317aab");
	free(id);
	assert_string_equal(x->f->last_ctype, "application/octet-stream");
	assert_memory_equal(x->f->last_body, "s3cr3t", 6);
	/* decode the labels query and parse it: it must be a valid JSON map */
	const char *q = strstr(x->f->last_path, "labels=") + 7;
	char dec[512];
	size_t k = 0;
	for (const char *p = q; *p && *p != '&' && k < sizeof dec - 1; p++) {
		if (*p == '%') {
			unsigned v;
			assert_int_equal(sscanf(p + 1, "%2x", &v), 1);
			dec[k++] = (char)v;
			p += 2;
		} else {
			assert_true(strchr("\"{}:, &=", *p) == NULL); /* nothing unsafe left unencoded */
			dec[k++] = *p;
		}
	}
	dec[k] = 0;
	struct iso_error *e = NULL;
	iso_json *m = iso_json_parse(dec, k, 0, ISO_E_INTERNAL, "labels", &e);
	assert_non_null(m);
	assert_string_equal(iso_json_get_string(m, "org.example.owner"), "a \"quoted\" & odd=");
	assert_string_equal(iso_json_get_string(m, "k2"), "v2");
	iso_json_free(m);
}

static void test_secret_inspect_remove(void **state)
{
	struct fx *x = *state;
	struct podman_secret s;
	fake_expect(x->f, "GET", "/secrets/t-rec-sec1/json", 200, "secret_inspect");
	fake_expect(x->f, "DELETE", "/secrets/t-rec-sec1", 204, "secret_remove");
	fake_expect(x->f, "DELETE", "/secrets/t-rec-sec1", 404, "secret_remove_missing");
	assert_int_equal(podman_secret_inspect(x->c, "t-rec-sec1", &s, &x->err), 0);
	assert_string_equal(s.name, "t-rec-sec1");
	assert_string_equal(s.driver, "file");
	assert_string_equal(podman_labels_get(&s.labels, "org.example.owner"), "a");
	podman_secret_release(&s);
	assert_int_equal(podman_secret_remove(x->c, "t-rec-sec1", &x->err), 0);
	assert_int_equal(podman_secret_remove(x->c, "t-rec-sec1", &x->err), -1);
	assert_true(podman_err_not_found(x->err));
}

static void test_pod_create_body(void **state)
{
	struct fx *x = *state;
	const char *aliases[] = {"db:127.0.0.1", NULL};
	const char *nopts[] = {"allow_host_loopback=true", NULL};
	struct podman_port ports[] = {{"127.0.0.1", 18945, 8069, NULL}};
	struct podman_pod_spec spec = {.name = "t-rec-pod1",
				       .labels = &owner_a,
				       .n_labels = 1,
				       .host_aliases = aliases,
				       .ports = ports,
				       .n_ports = 1,
				       .network_mode = "slirp4netns",
				       .network_options = nopts};
	char *id = NULL;
	fake_expect(x->f, "POST", "/pods/create", 201, "pod_create");
	assert_int_equal(podman_pod_create(x->c, &spec, &id, &x->err), 0);
	assert_string_equal(id, "15963efdef35532116dd2b0e7e96afef0cada4434695f3c38148b46e10830ad4");
	free(id);
	struct iso_error *e = NULL;
	iso_json *b = iso_json_parse(x->f->last_body, x->f->last_body_len, 0, ISO_E_INTERNAL, "body", &e);
	assert_non_null(b);
	assert_string_equal(iso_json_string(iso_json_at(iso_json_get(b, "hostadd"), 0)), "db:127.0.0.1");
	const iso_json *pm = iso_json_at(iso_json_get(b, "portmappings"), 0);
	long long hp;
	assert_int_equal(iso_json_int(iso_json_get(pm, "host_port"), &hp), 0);
	assert_int_equal(hp, 18945);
	assert_string_equal(iso_json_get_string(pm, "host_ip"), "127.0.0.1");
	assert_string_equal(iso_json_get_string(iso_json_get(b, "netns"), "nsmode"), "slirp4netns");
	assert_string_equal(iso_json_string(iso_json_at(iso_json_path(b, "network_options", "slirp4netns", NULL), 0)),
			    "allow_host_loopback=true");
	iso_json_free(b);
}

static void test_pod_lifecycle(void **state)
{
	struct fx *x = *state;
	fake_expect(x->f, "POST", "/pods/t-rec-pod1/start", 200, "pod_start");
	fake_expect(x->f, "POST", "/pods/t-rec-pod1/start", 304, NULL);
	fake_expect(x->f, "POST", "/pods/t-rec-pod1/stop?t=2", 200, "pod_stop");
	fake_expect(x->f, "POST", "/pods/t-rec-pod1/stop", 304, NULL);
	fake_expect(x->f, "DELETE", "/pods/t-rec-pod1?force=true", 200, "pod_remove");
	assert_int_equal(podman_pod_start(x->c, "t-rec-pod1", &x->err), 0);
	assert_int_equal(podman_pod_start(x->c, "t-rec-pod1", &x->err), 0); /* 304 is not an error */
	assert_int_equal(podman_pod_stop(x->c, "t-rec-pod1", 2, &x->err), 0);
	assert_int_equal(podman_pod_stop(x->c, "t-rec-pod1", -1, &x->err), 0);
	assert_int_equal(podman_pod_remove(x->c, "t-rec-pod1", 1, &x->err), 0);
	assert_null(x->err);
}

static void test_pod_inspect(void **state)
{
	struct fx *x = *state;
	struct podman_pod p;
	fake_expect(x->f, "GET", "/pods/t-rec-pod1/json", 200, "pod_inspect");
	assert_int_equal(podman_pod_inspect(x->c, "t-rec-pod1", &p, &x->err), 0);
	assert_string_equal(p.state, "Running");
	assert_string_equal(p.infra_id, "c16d0b2d1f6083c24196ad14711ba0b55998c9caed6f84710595625fa3a27cc8");
	assert_string_equal(p.network_mode, "slirp4netns");
	assert_int_equal(p.n_ports, 1);
	assert_int_equal(p.ports[0].host_port, 18945);
	assert_int_equal(p.ports[0].container_port, 8069);
	assert_string_equal(p.ports[0].host_ip, "127.0.0.1");
	assert_string_equal(p.ports[0].protocol, "tcp");
	assert_string_equal(podman_labels_get(&p.labels, "org.example.owner"), "a");
	podman_pod_release(&p);
}

static void test_pod_list(void **state)
{
	struct fx *x = *state;
	struct podman_pod *ps;
	size_t n;
	struct podman_pair other = {"org.example.owner", "b"};
	fake_expect(x->f, "GET", "/pods/json?filters=", 200, "pod_list");
	fake_expect(x->f, "GET", "/pods/json?filters=", 200, "pod_list");
	assert_int_equal(podman_pod_list(x->c, &owner_a, &ps, &n, &x->err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ps[0].name, "t-rec-pod1");
	assert_string_equal(ps[0].state, "Running");
	podman_pod_list_free(ps, n);
	/* a server answering pods without the label: re-checked away */
	assert_int_equal(podman_pod_list(x->c, &other, &ps, &n, &x->err), 0);
	assert_int_equal(n, 0);
	podman_pod_list_free(ps, n);
}

static void test_container_create_body(void **state)
{
	struct fx *x = *state;
	struct podman_pair env[] = {{"A", "1"}, {"B", "two words"}};
	struct podman_pair senv[] = {{"SEC", "t-rec-sec1"}};
	struct podman_volume_mount vols[] = {{"t-rec-vol1", "/vol", 0}};
	struct podman_bind_mount mounts[] = {{"/tmp", "/host", 1, 'Z'}};
	struct podman_rlimit rl[] = {{"nofile", 4096, 4096}};
	const char *cmd[] = {"/bin/sh", "-c", "echo out", NULL};
	struct podman_container_spec s = {.name = "t-rec-c1",
					  .pod = "t-rec-pod1",
					  .image = "localhost/tiny:1",
					  .env = env,
					  .n_env = 2,
					  .secret_env = senv,
					  .n_secret_env = 1,
					  .volumes = vols,
					  .n_volumes = 1,
					  .mounts = mounts,
					  .n_mounts = 1,
					  .labels = &owner_a,
					  .n_labels = 1,
					  .command = cmd,
					  .user = "0",
					  .workdir = "/tmp",
					  .rlimits = rl,
					  .n_rlimits = 1,
					  .image_volume_mode = "ignore"};
	char *id = NULL;
	fake_expect(x->f, "POST", "/containers/create", 201, "ctr_create");
	assert_int_equal(podman_container_create(x->c, &s, &id, &x->err), 0);
	assert_string_equal(id, "368623f0788b380ebe62b01ee605155def9bde1cc3e6b4560891e5f25f301082");
	free(id);
	struct iso_error *e = NULL;
	iso_json *b = iso_json_parse(x->f->last_body, x->f->last_body_len, 0, ISO_E_INTERNAL, "body", &e);
	assert_non_null(b);
	assert_string_equal(iso_json_get_string(iso_json_get(b, "env"), "B"), "two words");
	assert_string_equal(iso_json_get_string(iso_json_get(b, "secret_env"), "SEC"), "t-rec-sec1");
	assert_string_equal(iso_json_get_string(iso_json_at(iso_json_get(b, "volumes"), 0), "Name"), "t-rec-vol1");
	const iso_json *opts = iso_json_get(iso_json_at(iso_json_get(b, "mounts"), 0), "Options");
	assert_string_equal(iso_json_string(iso_json_at(opts, 2)), "Z");
	assert_string_equal(iso_json_string(iso_json_at(opts, 1)), "ro");
	assert_string_equal(iso_json_get_string(iso_json_at(iso_json_get(b, "r_limits"), 0), "type"), "nofile");
	assert_string_equal(iso_json_get_string(b, "work_dir"), "/tmp");
	assert_string_equal(iso_json_get_string(b, "pod"), "t-rec-pod1");
	assert_string_equal(iso_json_get_string(b, "image_volume_mode"), "ignore");
	iso_json_free(b);
	/* RLIMIT_ prefixed types become RLIMIT_RLIMIT_ in runc: refused before sending */
	rl[0].type = "RLIMIT_NOFILE";
	assert_int_equal(podman_container_create(x->c, &s, &id, &x->err), -1);
}

static void test_container_lifecycle(void **state)
{
	struct fx *x = *state;
	int code = -5;
	fake_expect(x->f, "POST", "/containers/t-rec-c1/start", 204, "ctr_start");
	fake_expect(x->f, "POST", "/containers/t-rec-c1/start", 304, NULL);
	fake_expect(x->f, "POST", "/containers/t-rec-c1/stop?timeout=1", 204, "ctr_stop");
	fake_expect(x->f, "POST", "/containers/t-rec-c1/stop", 304, NULL);
	fake_expect(x->f, "POST", "/containers/t-rec-c1/wait", 200, "ctr_wait");
	fake_expect(x->f, "DELETE", "/containers/t-rec-c1?force=true&volumes=true", 200, "ctr_remove");
	fake_expect(x->f, "DELETE", "/containers/t-rec-c1?volumes=true", 404, "ctr_remove_missing_noforce");
	assert_int_equal(podman_container_start(x->c, "t-rec-c1", &x->err), 0);
	assert_int_equal(podman_container_start(x->c, "t-rec-c1", &x->err), 0);
	assert_int_equal(podman_container_stop(x->c, "t-rec-c1", 1, &x->err), 0);
	assert_int_equal(podman_container_stop(x->c, "t-rec-c1", -1, &x->err), 0);
	assert_int_equal(podman_container_wait(x->c, "t-rec-c1", &code, &x->err), 0);
	assert_int_equal(code, 137);
	assert_int_equal(podman_container_remove(x->c, "t-rec-c1", 1, &x->err), 0);
	assert_int_equal(podman_container_remove(x->c, "t-rec-c1", 0, &x->err), -1);
	assert_true(podman_err_not_found(x->err));
}

static void test_container_inspect_and_list(void **state)
{
	struct fx *x = *state;
	struct podman_container k, *ks;
	size_t n;
	fake_expect(x->f, "GET", "/containers/t-rec-c1/json", 200, "ctr_inspect");
	fake_expect(x->f, "GET", "/containers/t-rec-c1/json", 200, "ctr_inspect_exited");
	fake_expect(x->f, "GET", "/containers/json?all=true&filters=", 200, "ctr_list");
	assert_int_equal(podman_container_inspect(x->c, "t-rec-c1", &k, &x->err), 0);
	assert_true(k.running);
	assert_int_equal(k.pid, 6150);
	assert_string_equal(k.state, "running");
	assert_string_equal(k.image, "localhost/tiny:1");
	assert_non_null(strstr(k.network_mode, "container:"));
	podman_container_release(&k);
	assert_int_equal(podman_container_inspect(x->c, "t-rec-c1", &k, &x->err), 0);
	assert_false(k.running);
	assert_int_equal(k.exit_code, 137);
	assert_int_equal(k.pid, 0);
	podman_container_release(&k);
	assert_int_equal(podman_container_list(x->c, &owner_a, &ks, &n, &x->err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ks[1].name, "t-rec-c1");
	podman_container_list_free(ks, n);
}

static int collect(void *ctx, enum podman_stream_id s, const char *d, size_t n)
{
	char *buf = ctx;
	size_t l = strlen(buf);
	snprintf(buf + l, 256 - l, "%d:%.*s", (int)s, (int)n, d);
	return 0;
}

struct two {
	char out[128], err[128];
};

static int collect2(void *ctx, enum podman_stream_id s, const char *d, size_t n)
{
	struct two *t = ctx;
	char *b = s == PODMAN_STDERR ? t->err : t->out;
	size_t l = strlen(b);
	snprintf(b + l, 128 - l, "%.*s", (int)n, d);
	return 0;
}

static void test_logs_demux(void **state)
{
	struct fx *x = *state;
	struct two t = {"", ""};
	struct podman_logs_opts o = {.tail = 10};
	fake_expect(x->f, "GET", "/containers/t-rec-c1/logs?stdout=true&stderr=true&follow=false", 200, "ctr_logs");
	/* chunks of 7 bytes split headers and payloads; each stream comes back whole */
	assert_int_equal(podman_container_logs(x->c, "t-rec-c1", &o, collect2, &t, &x->err), 0);
	assert_non_null(strstr(x->f->last_path, "tail=10"));
	assert_string_equal(t.out, "out\n0\n");
	assert_string_equal(t.err, "err\n");
}

static void test_exec_run(void **state)
{
	struct fx *x = *state;
	char out[256] = "";
	const char *cmd[] = {"/bin/sh", "-c", "echo hi; echo oops >&2; exit 3", NULL};
	struct podman_exec_spec s = {.cmd = cmd};
	int code = -1;
	fake_expect(x->f, "POST", "/containers/t-rec-c1/exec", 201, "exec_create");
	fake_expect(x->f, "POST", "/exec/1805735bcb2b0e8442cd4ee31e01f52327d368252d7cfe1cb9288f6d02a636c5/start", 200,
		    "exec_start");
	fake_expect(x->f, "GET", "/exec/1805735bcb2b0e8442cd4ee31e01f52327d368252d7cfe1cb9288f6d02a636c5/json", 200,
		    "exec_inspect");
	x->f->chunk = 1000;
	assert_int_equal(podman_exec_run(x->c, "t-rec-c1", &s, collect, out, &code, &x->err), 0);
	assert_int_equal(code, 3);
	assert_string_equal(out, "1:hi\n2:oops\n");
}

static void test_exec_attach_upgrade(void **state)
{
	struct fx *x = *state;
	struct podman_raw *raw = NULL;
	char buf[16];
	fake_expect_body(x->f, "POST", "/exec/abc/start", 101, "raw tty bytes", 13);
	fake_expect(x->f, "POST", "/exec/nope/start", 404, "exec_inspect_missing");
	assert_int_equal(podman_exec_attach(x->c, "abc", 1, 24, 80, &raw, &x->err), 0);
	assert_non_null(raw);
	assert_int_equal(raw->ops->read(raw, buf, sizeof buf, 100, &x->err), 13);
	assert_int_equal(raw->ops->write(raw, "ls\n", 3, &x->err), 0);
	podman_raw_close(raw);
	assert_memory_equal(x->f->written, "ls\n", 3);
	assert_non_null(strstr(x->f->last_body, "\"Tty\":true"));
	raw = NULL;
	assert_int_equal(podman_exec_attach(x->c, "nope", 0, 0, 0, &raw, &x->err), -1);
	assert_null(raw);
	assert_true(podman_err_not_found(x->err));
}

static int count_progress(void *ctx, const char *line)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_image_exists_and_pull(void **state)
{
	struct fx *x = *state;
	int lines = 0;
	char *id = NULL;
	fake_expect(x->f, "GET", "/images/localhost%2Ftiny%3A1/exists", 204, "image_exists");
	fake_expect(x->f, "GET", "/images/localhost%2Fnope%3A1/exists", 404, "image_exists_missing");
	fake_expect(x->f, "POST", "/images/pull?reference=127.0.0.1%3A18949%2Ftiny%3A1", 200, "image_pull");
	assert_int_equal(podman_image_exists(x->c, "localhost/tiny:1", &x->err), 1);
	assert_int_equal(podman_image_exists(x->c, "localhost/nope:1", &x->err), 0);
	assert_int_equal(podman_image_pull(x->c, "127.0.0.1:18949/tiny:1", 0, count_progress, &lines, &id, &x->err), 0);
	assert_string_equal(id, "da3795c36fb895d9174d6124f4f14b80bb4b9cfedacef7a1abcf6a530dcd40dd");
	assert_int_equal(lines, 6);
	free(id);
}

static void test_version_info(void **state)
{
	struct fx *x = *state;
	struct podman_version v;
	struct podman_info i;
	fake_expect(x->f, "GET", "/version", 200, "version");
	fake_expect(x->f, "GET", "/info", 200, "info");
	assert_int_equal(podman_version(x->c, &v, &x->err), 0);
	assert_string_equal(v.version, "4.3.1"); /* the engine, not Docker's 1.41 */
	assert_string_equal(v.api_version, "4.3.1");
	podman_version_release(&v);
	assert_int_equal(podman_info(x->c, &i, &x->err), 0);
	assert_true(i.rootless);
	assert_string_equal(i.oci_runtime, "runc");
	assert_string_equal(i.graph_driver, "overlay");
	assert_string_equal(i.cgroup_manager, "cgroupfs");
	podman_info_release(&i);
}

struct seen_events {
	char got[512];
	int stop_after; /* stop at that many events (0: never) */
	int n;
};

static int on_event(void *ctx, const char *type, const char *status)
{
	struct seen_events *s = ctx;
	size_t l = strlen(s->got);
	snprintf(s->got + l, sizeof(s->got) - l, "%s%s/%s", l ? " " : "", type ? type : "(live)", status ? status : "");
	return type && s->stop_after && ++s->n >= s->stop_after;
}

/* The event stream: live first, then each line's Type/Action (split anywhere); its end is an error. */
static void test_events_follow(void **state)
{
	struct fx *x = *state;
	static const char body[] =
		"{\"status\":\"create\",\"Type\":\"volume\",\"Action\":\"create\",\"Actor\":{\"ID\":\"\"}}\n"
		"{\"status\":\"died\",\"Type\":\"container\",\"Action\":\"died\"}\n"
		"{\"Type\":\"pod\",\"status\":\"stop\"}\n";
	fake_expect_body(x->f, "GET", "/events?stream=true&since=1700000000", 200, body, sizeof(body) - 1);
	struct seen_events s = {.n = 0};
	assert_int_equal(podman_events_follow(x->c, 1700000000, on_event, &s, &x->err), -1);
	assert_string_equal(s.got, "(live)/ volume/create container/died pod/stop");
	assert_int_equal(x->err->class, ISO_E_UNREACHABLE);
	assert_non_null(strstr(x->err->msg, "ended the event stream"));
	iso_error_free(x->err), x->err = NULL;

	/* the callback stops it: 0; a line that is no event: an error */
	fake_expect_body(x->f, "GET", "/events?stream=true", 200, body, sizeof(body) - 1);
	struct seen_events t = {.stop_after = 1};
	assert_int_equal(podman_events_follow(x->c, 0, on_event, &t, &x->err), 0);
	assert_string_equal(t.got, "(live)/ volume/create");
	fake_expect_body(x->f, "GET", "/events", 200, "not json\n", 9);
	struct seen_events u = {.n = 0};
	assert_int_equal(podman_events_follow(x->c, 0, on_event, &u, &x->err), -1);
	assert_non_null(strstr(x->err->msg, "no event object"));
}

struct fake_cache {
	char *path, *body;
	size_t len;
	uint64_t token;
	int gets, puts;
};

static int fc_get(void *ctx, const char *path, char **body, size_t *len, uint64_t *token)
{
	struct fake_cache *f = ctx;
	f->gets++;
	*token = 42;
	if (!f->body || strcmp(path, f->path))
		return 0;
	*body = strdup(f->body), *len = f->len;
	return 1;
}

static void fc_put(void *ctx, const char *path, const char *body, size_t len, uint64_t token)
{
	struct fake_cache *f = ctx;
	f->puts++;
	free(f->path), free(f->body);
	f->path = strdup(path), f->body = strndup(body, len), f->len = len, f->token = token;
}

/* A GET cache: a miss asks Podman and is put with its token; the same listing again is not asked. */
static void test_get_cache(void **state)
{
	struct fx *x = *state;
	static struct fake_cache fc;
	static struct podman_get_cache gc = {fc_get, fc_put, &fc};
	podman_set_get_cache(&gc);
	struct podman_volume *vs;
	size_t n;
	fake_expect(x->f, "GET", "/volumes/json?filters=", 200, "volume_list_or");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(podman_volume_list(x->c, &owner_a, &vs, &n, &x->err), 0);
		assert_int_equal(n, 1);
		assert_string_equal(vs[0].name, "t-rec-vol1");
		podman_volume_list_free(vs, n);
	}
	podman_set_get_cache(NULL);
	assert_int_equal(fc.gets, 2);
	assert_int_equal(fc.puts, 1);
	assert_int_equal(fc.token, 42);
	assert_true(!strncmp(fc.path, "/volumes/json?filters=", 22));
	free(fc.path), free(fc.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_volume_create_inspect),
		T(test_volume_exists),
		T(test_volume_list_drops_foreign),
		T(test_volume_list_empty_and_remove),
		T(test_secret_create_labels_query_is_json),
		T(test_secret_inspect_remove),
		T(test_pod_create_body),
		T(test_pod_lifecycle),
		T(test_pod_inspect),
		T(test_pod_list),
		T(test_container_create_body),
		T(test_container_lifecycle),
		T(test_container_inspect_and_list),
		T(test_logs_demux),
		T(test_exec_run),
		T(test_exec_attach_upgrade),
		T(test_image_exists_and_pull),
		T(test_version_info),
		T(test_events_follow),
		T(test_get_cache),
	};
	return cmocka_run_group_tests_name("podman_ops", tests, NULL, NULL);
}
