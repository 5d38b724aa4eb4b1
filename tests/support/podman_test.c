/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman_test.c - see podman_test.h. Tests are exempt from the one-curl-file
 * rule; this file keeps its own tiny client so it depends on nothing under
 * src/ and costs nothing in a test that does not call it.
 */
#include "podman_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PTEST_BODY_MAX (8 * 1024 * 1024)
#define PTEST_MAX_CLEANUPS 64

struct ptest_buf {
	char *data;
	size_t len;
	int toobig;
};

static size_t ptest_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct ptest_buf *b = userdata;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > PTEST_BODY_MAX) {
		b->toobig = 1;
		return 0;
	}
	p = realloc(b->data, b->len + n + 1);
	if (p == NULL)
		return 0;
	b->data = p;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

const char *ptest_socket_path(void)
{
	static char path[512];
	const char *host = getenv("CONTAINER_HOST");
	const char *rt = getenv("XDG_RUNTIME_DIR");

	if (host != NULL && strncmp(host, "unix://", 7) == 0)
		snprintf(path, sizeof path, "%s", host + 7);
	else if (rt != NULL && *rt != '\0')
		snprintf(path, sizeof path, "%s/podman/podman.sock", rt);
	else
		snprintf(path, sizeof path, "/run/user/%u/podman/podman.sock", (unsigned)getuid());
	return path;
}

/* One curl transfer; url is complete, sock NULL for TCP. */
static int ptest_transfer(const char *sock, const char *method, const char *url, const char *json_body, long timeout_s,
			  long *status, char **body, size_t *body_len)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct ptest_buf b = {0};
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	CURL *c;

	*status = 0;
	c = curl_easy_init();
	if (c == NULL)
		return -1;
	if (sock != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ptest_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (json_body != NULL) {
		/* Podman 4.3.1 consumes a body sent with libcurl's form type. */
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		if (sock != NULL)
			fprintf(stderr, "ptest: %s %s via %s: %s\n", method, url, sock,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
		free(b.data);
		return -1;
	}
	if (b.data == NULL)
		b.data = strdup("");
	if (body_len != NULL)
		*body_len = b.len;
	if (body != NULL)
		*body = b.data;
	else
		free(b.data);
	return 0;
}

int ptest_request(const char *method, const char *path, const char *json_body, long *status, char **body)
{
	char url[2048];

	snprintf(url, sizeof url, "http://d%s", path);
	/* wait on a one-shot container may take as long as the container runs */
	return ptest_transfer(ptest_socket_path(), method, url, json_body, 180L, status, body, NULL);
}

int ptest_http_get(int port, const char *path, long *status, char **body)
{
	char url[1024];

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	return ptest_transfer(NULL, "GET", url, NULL, 10L, status, body, NULL);
}

static long ptest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int ptest_wait_http(int port, const char *path, long want_status, int timeout_ms, long *last_status)
{
	long deadline = ptest_now_ms() + timeout_ms;
	long st = 0;

	for (;;) {
		if (ptest_http_get(port, path, &st, NULL) != 0)
			st = 0;
		if (last_status != NULL)
			*last_status = st;
		if (st == want_status)
			return 0;
		if (ptest_now_ms() >= deadline)
			return -1;
		usleep(100 * 1000);
	}
}

int ptest_podman_answers(char *why, size_t why_size)
{
	long st = 0;
	char *body = NULL;
	const char *sock = ptest_socket_path();
	int ok = access(sock, F_OK) == 0 && ptest_request("GET", "/_ping", NULL, &st, &body) == 0 && st == 200;

	free(body);
	if (!ok)
		snprintf(why, why_size,
			 "Podman does not answer on %s (start 'podman system service' or run 'make check-integration')",
			 sock);
	return ok;
}

void ptest_require_podman(void)
{
	char why[700] = "";

	iso_test_need(ptest_podman_answers(why, sizeof why), "%s", why);
}

const char *ptest_require_root_and_user2(void)
{
	const char *u = getenv("ISOPOD_TEST_USER2");

	if (u == NULL || *u == '\0')
		u = "isopod-test2";
	iso_test_need(geteuid() == 0 && getpwnam(u) != NULL,
		      "this test needs root and the second test user '%s' (scripts/setup-host.sh makes it)", u);
	return u;
}

/* ---- ports and names --------------------------------------------------- */

static unsigned char ptest_ports_given[65536 / 8];

static int ptest_port_free(int port)
{
	struct sockaddr_in a;
	int one = 1, ok;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* TIME_WAIT from an earlier run is fine: rootlessport binds with SO_REUSEADDR too */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static int ptest_ports_range(int *lo, int *hi)
{
	const char *r = getenv("ISOPOD_TEST_PORTS");
	*lo = 18890, *hi = 18949;
	if (r != NULL && (sscanf(r, "%d-%d", lo, hi) != 2 || *lo < 1 || *hi > 65535 || *lo > *hi)) {
		fprintf(stderr, "ptest: ISOPOD_TEST_PORTS='%s' is not LOW-HIGH\n", r);
		return -1;
	}
	return 0;
}

int ptest_ports_block(int offset, int n)
{
	int lo, hi;
	if (ptest_ports_range(&lo, &hi) < 0)
		return -1;
	if (hi - lo + 1 < n) {
		fprintf(stderr, "ptest: ISOPOD_TEST_PORTS=%d-%d holds fewer than the %d ports this test needs\n", lo,
			hi, n);
		return -1;
	}
	return lo + offset + n - 1 <= hi ? lo + offset : hi - n + 1;
}

int ptest_port(void)
{
	int lo, hi, span, i;

	if (ptest_ports_range(&lo, &hi) < 0)
		return -1;
	span = hi - lo + 1;
	/* start at a pid-dependent offset so parallel test binaries rarely meet */
	for (i = 0; i < span; i++) {
		int p = lo + (int)((getpid() * 7 + i) % span);

		if (ptest_ports_given[p / 8] & (1 << (p % 8)))
			continue;
		if (!ptest_port_free(p))
			continue;
		ptest_ports_given[p / 8] |= (unsigned char)(1 << (p % 8));
		return p;
	}
	return -1;
}

void ptest_unique(char *buf, size_t size, const char *what)
{
	static int calls;

	if (calls++ == 0)
		snprintf(buf, size, "t-%s-%ld", what, (long)getpid());
	else
		snprintf(buf, size, "t-%s-%ld-%d", what, (long)getpid(), calls);
}

char *ptest_labels_json(const char *id, const char *role)
{
	char *s = NULL;

	if (asprintf(&s,
		     "{\"io.isopod.schema\":\"1\",\"io.isopod.key\":\"test/%s\",\"io.isopod.wo\":\"%s\","
		     "\"io.isopod.profile\":\"test\",\"io.isopod.role\":\"%s\"}",
		     id, id, role) < 0)
		return NULL;
	return s;
}

const char *ptest_db_image(void)
{
	const char *v = getenv("ISOPOD_DB_IMAGE");
	return v != NULL && *v ? v : "localhost/isopod-postgres:15";
}

const char *ptest_odoo_image(void)
{
	const char *v = getenv("ISOPOD_ODOO_IMAGE");
	return v != NULL && *v ? v : "localhost/isopod-odoo-standin:18";
}

/* ---- cleanup registry -------------------------------------------------- */

static struct {
	enum ptest_kind kind;
	char name[128];
} ptest_cleanups[PTEST_MAX_CLEANUPS];
static int ptest_ncleanups;
static pid_t ptest_cleanup_owner;

static void ptest_cleanup_atexit(void)
{
	/* a forked child must not delete its parent's objects */
	if (getpid() == ptest_cleanup_owner)
		ptest_cleanup_run();
}

void ptest_cleanup_add(enum ptest_kind kind, const char *name)
{
	if (ptest_cleanup_owner == 0) {
		ptest_cleanup_owner = getpid();
		atexit(ptest_cleanup_atexit);
	}
	assert_true(ptest_ncleanups < PTEST_MAX_CLEANUPS);
	ptest_cleanups[ptest_ncleanups].kind = kind;
	snprintf(ptest_cleanups[ptest_ncleanups].name, sizeof ptest_cleanups[0].name, "%s", name);
	ptest_ncleanups++;
}

static int ptest_remove(enum ptest_kind kind, const char *name)
{
	static const char *const fmt[] = {
		[PTEST_POD] = "/v4.0.0/libpod/pods/%s?force=true",
		[PTEST_CONTAINER] = "/v4.0.0/libpod/containers/%s?force=true&volumes=true",
		[PTEST_VOLUME] = "/v4.0.0/libpod/volumes/%s?force=true",
	};
	char path[512];
	char *body = NULL;
	long st = 0;
	int rc;

	snprintf(path, sizeof path, fmt[kind], name);
	rc = ptest_request("DELETE", path, NULL, &st, &body);
	/* 404: never made, or already gone with its pod */
	if (rc == 0 && (st == 200 || st == 204 || st == 404)) {
		free(body);
		return 0;
	}
	fprintf(stderr, "ptest: cleanup of '%s' failed: HTTP %ld %s\n", name, st, body ? body : "");
	free(body);
	return -1;
}

int ptest_cleanup_run(void)
{
	static const enum ptest_kind order[] = {PTEST_POD, PTEST_CONTAINER, PTEST_VOLUME};
	int failures = 0;
	size_t k;
	int i;

	for (k = 0; k < sizeof order / sizeof order[0]; k++)
		for (i = ptest_ncleanups - 1; i >= 0; i--)
			if (ptest_cleanups[i].kind == order[k] && ptest_remove(order[k], ptest_cleanups[i].name) != 0)
				failures++;
	ptest_ncleanups = 0;
	return failures;
}

int ptest_teardown(void **state)
{
	(void)state;
	return ptest_cleanup_run() == 0 ? 0 : -1;
}

/* ---- one-shot containers ----------------------------------------------- */

/* Logs come framed: 8-byte headers (stream, 0, 0, 0, big-endian length). */
static char *ptest_unframe(const char *raw, size_t n)
{
	size_t i = 0, o = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	while (i + 8 <= n && (raw[i] == 1 || raw[i] == 2) && raw[i + 1] == 0) {
		const unsigned char *h = (const unsigned char *)raw + i;
		size_t len = ((size_t)h[4] << 24) | ((size_t)h[5] << 16) | ((size_t)h[6] << 8) | h[7];

		i += 8;
		if (len > n - i)
			len = n - i;
		memcpy(out + o, raw + i, len);
		o += len;
		i += len;
	}
	if (i < n) { /* not framed (a TTY): keep the rest as it is */
		memcpy(out + o, raw + i, n - i);
		o += n - i;
	}
	out[o] = '\0';
	return out;
}

int ptest_oneshot(const char *name, const char *spec_json, int *exit_code, char **logs)
{
	char path[512];
	char *body = NULL, *req = NULL;
	long st = 0;
	int rc = -1;

	ptest_cleanup_add(PTEST_CONTAINER, name);
	if (asprintf(&req, "{\"name\":\"%s\",%s}", name, spec_json) < 0)
		return -1;
	if (ptest_request("POST", "/v4.0.0/libpod/containers/create", req, &st, &body) != 0 || st != 201) {
		fprintf(stderr, "ptest: create one-shot '%s': HTTP %ld %s\n", name, st, body ? body : "");
		goto out;
	}
	free(body);
	body = NULL;
	snprintf(path, sizeof path, "/v4.0.0/libpod/containers/%s/start", name);
	if (ptest_request("POST", path, NULL, &st, &body) != 0 || st != 204) {
		fprintf(stderr, "ptest: start one-shot '%s': HTTP %ld %s\n", name, st, body ? body : "");
		goto out;
	}
	free(body);
	body = NULL;
	snprintf(path, sizeof path, "/v4.0.0/libpod/containers/%s/wait", name);
	if (ptest_request("POST", path, NULL, &st, &body) != 0 || st != 200) {
		fprintf(stderr, "ptest: wait for one-shot '%s': HTTP %ld %s\n", name, st, body ? body : "");
		goto out;
	}
	*exit_code = atoi(body);
	free(body);
	body = NULL;
	if (logs != NULL) {
		char url[600];
		size_t len = 0;

		snprintf(url, sizeof url, "http://d/v4.0.0/libpod/containers/%s/logs?stdout=true&stderr=true", name);
		if (ptest_transfer(ptest_socket_path(), "GET", url, NULL, 30L, &st, &body, &len) == 0 && st == 200)
			*logs = ptest_unframe(body, len);
		else
			*logs = strdup("");
	}
	rc = 0;
out:
	free(body);
	free(req);
	ptest_remove(PTEST_CONTAINER, name);
	return rc;
}

int ptest_isopod(char **out, char **errout, const char *fmt, ...)
{
	char line[1024], verb[64] = "", words[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sscanf(line, "%63s", verb);
	struct iso_run_result r;
	if (iso_run_isopod(NULL, &r, "%s", line) < 0) {
		fprintf(stderr, "  [%s %s] cannot run: %s\n", ISO_ISOPOD_BIN, verb, strerror(errno));
		return -1;
	}
	/* The arguments as iso_run_isopod split them, for the document's check. */
	const char *args[32];
	size_t n = 0;
	snprintf(words, sizeof words, "%s", line);
	for (char *save = NULL, *t = strtok_r(words, " ", &save); t && n < 31; t = strtok_r(NULL, " ", &save))
		args[n++] = t;
	args[n] = NULL;
	ptest_check_json(args, r.status, r.out);
	if (out)
		*out = r.out;
	else
		free(r.out);
	if (errout) {
		*errout = r.err;
	} else {
		if (*r.err)
			fprintf(stderr, "  [%s %s] %s", ISO_ISOPOD_BIN, verb, r.err);
		free(r.err);
	}
	return r.status;
}
