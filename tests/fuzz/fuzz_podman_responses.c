/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: every response parser of the podman client over one input.
 * The first byte picks the parser; the rest is the body.  Seeds: the
 * recorded bodies in tests/data/podman (run-fuzz.sh passes the corpus).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_transport.h"
#include "podman/client.h"
#include "podman/exec.h"
#include "podman/objects.h"

static int sink(void *ctx, enum podman_stream_id s, const char *d, size_t n)
{
	return 0;
}

static int progress(void *ctx, const char *line)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned which = data[0] % 12;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	struct iso_error *e = NULL;
	struct fake_transport *f = fake_new();
	struct podman_client *c = podman_client_new_with_transport(fake_transport(f), NULL);
	struct podman_pair l = {"org.example.owner", "a"};
	size_t n;
	fake_expect_body(f, which == 9 ? "POST" : "GET", "/", which == 11 ? 500 : 200, body, len);
	switch (which) {
	case 0: {
		struct podman_pod p;
		if (podman_pod_inspect(c, "x", &p, &e) == 0)
			podman_pod_release(&p);
		break;
	}
	case 1: {
		struct podman_container k;
		if (podman_container_inspect(c, "x", &k, &e) == 0)
			podman_container_release(&k);
		break;
	}
	case 2: {
		struct podman_volume *v;
		if (podman_volume_list(c, &l, &v, &n, &e) == 0)
			podman_volume_list_free(v, n);
		break;
	}
	case 3: {
		struct podman_pod *p;
		if (podman_pod_list(c, &l, &p, &n, &e) == 0)
			podman_pod_list_free(p, n);
		break;
	}
	case 4: {
		struct podman_container *k;
		if (podman_container_list(c, &l, &k, &n, &e) == 0)
			podman_container_list_free(k, n);
		break;
	}
	case 5: {
		struct podman_secret s;
		if (podman_secret_inspect(c, "x", &s, &e) == 0)
			podman_secret_release(&s);
		break;
	}
	case 6: {
		struct podman_exec_info i;
		if (podman_exec_inspect(c, "x", &i, &e) == 0)
			podman_exec_info_release(&i);
		break;
	}
	case 7: {
		struct podman_version v;
		if (podman_version(c, &v, &e) == 0)
			podman_version_release(&v);
		struct podman_info i;
		fake_expect_body(f, "GET", "/", 200, body, len);
		if (podman_info(c, &i, &e) == 0)
			podman_info_release(&i);
		break;
	}
	case 8: {
		struct podman_logs_opts o = {.tail = -1};
		podman_container_logs(c, "x", &o, sink, NULL, &e);
		break;
	}
	case 9: {
		char *id = NULL;
		podman_image_pull(c, "r", 0, progress, NULL, &id, &e);
		free(id);
		break;
	}
	case 10: {
		struct podman_volume v;
		if (podman_volume_inspect(c, "x", &v, &e) == 0)
			podman_volume_release(&v);
		break;
	}
	case 11:
		podman_pod_start(c, "x", &e); /* error shapes */
		break;
	}
	iso_error_free(e);
	podman_client_free(c);
	fake_free(f);
	return 0;
}
