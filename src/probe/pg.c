/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/probe/pg.c - PostgreSQL readiness through a StartupMessage, run inside
 * the pod's namespace by netns_run: no exec (each API exec leaves a conmon
 * pair behind for 300 s), no libpq, no published port needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "probe/pg.h"
#include "probe/poll.h"
#include "netns/netns.h"

#define PG_PROTOCOL_3 0x00030000u
#define SQLSTATE_CANNOT_CONNECT_NOW "57P03"

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return ntohl(v);
}

long probe_pg_startup_message(const char *user, const char *db, uint8_t *buf, size_t cap)
{
	const char *kv[] = {"user", user, "database", db, "application_name", "isopod"};
	size_t len = 8;
	for (size_t i = 0; i < ISO_ARRAY_SIZE(kv); i++)
		len += strlen(kv[i]) + 1;
	len += 1; /* the terminating empty name */
	if (len > cap || len > 10000)
		return -1;
	put32(buf, (uint32_t)len);
	put32(buf + 4, PG_PROTOCOL_3);
	size_t off = 8;
	for (size_t i = 0; i < ISO_ARRAY_SIZE(kv); i++) {
		size_t n = strlen(kv[i]) + 1;
		memcpy(buf + off, kv[i], n);
		off += n;
	}
	buf[off++] = '\0';
	return (long)off;
}

static void set(struct probe_pg_result *res, enum probe_pg_state state, const char *fmt, const char *arg)
{
	res->state = state;
	snprintf(res->message, sizeof res->message, fmt, arg);
}

/* The fields of an ErrorResponse body: code byte + C string each, then a zero byte. */
static void parse_error_fields(const uint8_t *p, size_t n, struct probe_pg_result *res)
{
	const char *msg = NULL, *sqlstate = NULL;
	size_t off = 0;
	while (off < n && p[off] != 0) {
		uint8_t code = p[off++];
		const uint8_t *end = memchr(p + off, 0, n - off);
		if (!end)
			break;
		if (code == 'C')
			sqlstate = (const char *)p + off;
		else if (code == 'M')
			msg = (const char *)p + off;
		off = (size_t)(end - p) + 1;
	}
	snprintf(res->sqlstate, sizeof res->sqlstate, "%s", sqlstate ? sqlstate : "");
	snprintf(res->message, sizeof res->message, "%s", msg ? msg : "the server sent an error without a message");
}

int probe_pg_parse(const uint8_t *buf, size_t len, struct probe_pg_result *res)
{
	memset(res, 0, sizeof *res);
	if (len < 1)
		return 0;
	uint8_t type = buf[0];
	if (type != 'R' && type != 'E') {
		res->state = PROBE_PG_ERROR;
		snprintf(res->message, sizeof res->message,
			 "the server answered with message type 0x%02x: it does not speak the PostgreSQL protocol",
			 type);
		return 1;
	}
	if (len < 5)
		return 0;
	uint32_t mlen = get32(buf + 1);
	if (mlen < 4 || mlen > PROBE_PG_MSG_MAX) {
		res->state = PROBE_PG_ERROR;
		snprintf(res->message, sizeof res->message, "the server sent a '%c' message of length %u", type, mlen);
		return 1;
	}
	if (type == 'R') {
		/* An authentication request of any kind: the server accepts connections. */
		set(res, PROBE_PG_READY, "%s", "accepting connections");
		return 1;
	}
	if (len < 1 + (size_t)mlen)
		return 0;
	parse_error_fields(buf + 5, mlen - 4, res);
	res->state = !strcmp(res->sqlstate, SQLSTATE_CANNOT_CONNECT_NOW) ? PROBE_PG_STARTING : PROBE_PG_ERROR;
	return 1;
}

const char *probe_pg_state_name(enum probe_pg_state s)
{
	switch (s) {
	case PROBE_PG_READY:
		return "ready";
	case PROBE_PG_STARTING:
		return "starting";
	case PROBE_PG_DOWN:
		return "down";
	default:
		return "error";
	}
}

void probe_pg_attempt(uint16_t port, const char *user, const char *db, int timeout_ms, struct probe_pg_result *res)
{
	uint8_t msg[1024];
	uint8_t in[PROBE_PG_MSG_MAX + 8];
	size_t have = 0;
	int64_t deadline = iso_now_ms() + (timeout_ms > 0 ? timeout_ms : PROBE_PG_TIMEOUT_MS);
	struct sockaddr_in sa = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char why[128];

	memset(res, 0, sizeof *res);
	long mlen = probe_pg_startup_message(user, db, msg, sizeof msg);
	if (mlen < 0) {
		set(res, PROBE_PG_ERROR, "%s", "the user and database names are too long for a startup message");
		return;
	}
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set(res, PROBE_PG_ERROR, "cannot make a socket: %s", strerror(errno));
		return;
	}
	int c = probe_connect(fd, (struct sockaddr *)&sa, sizeof sa, deadline);
	if (c == 0) {
		set(res, PROBE_PG_DOWN, "%s", "no answer to the connect in time");
		return;
	}
	if (c < 0) {
		snprintf(why, sizeof why, "127.0.0.1:%u: %s", port, strerror(errno));
		set(res, PROBE_PG_DOWN, "%s", why);
		return;
	}
	if (send(fd, msg, (size_t)mlen, MSG_NOSIGNAL) != mlen) {
		set(res, PROBE_PG_DOWN, "cannot send the startup message: %s", strerror(errno));
		return;
	}
	for (;;) {
		int w = probe_wait_fd(fd, POLLIN, deadline);
		if (w <= 0) {
			set(res, PROBE_PG_DOWN, "%s",
			    w == 0 ? "no answer to the startup message in time" : strerror(errno));
			return;
		}
		ssize_t n = recv(fd, in + have, sizeof in - have, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			set(res, PROBE_PG_DOWN, "%s", n == 0 ? "the server closed the connection" : strerror(errno));
			return;
		}
		have += (size_t)n;
		if (probe_pg_parse(in, have, res))
			return;
		if (have == sizeof in) {
			set(res, PROBE_PG_ERROR, "%s", "the first message of the server is over the cap");
			return;
		}
	}
}

struct attempt_args {
	uint16_t port;
	const char *user;
	const char *db;
	int timeout_ms;
};

static int attempt_fn(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	struct attempt_args *a = arg;
	struct probe_pg_result res;
	netns_chan_step(ch, "probing postgresql on 127.0.0.1:%u", a->port);
	probe_pg_attempt(a->port, a->user, a->db, a->timeout_ms, &res);
	return netns_chan_put(ch, 1, &res, sizeof res, err);
}

int probe_pg_once(pid_t pid, uint16_t port, const char *user, const char *db, int timeout_ms,
		  struct probe_pg_result *res, struct iso_error **err)
{
	struct attempt_args a = {.port = port, .user = user, .db = db, .timeout_ms = timeout_ms};
	struct netns_run_opts opts = {.timeout_ms = (timeout_ms > 0 ? timeout_ms : PROBE_PG_TIMEOUT_MS) + 1000};
	struct netns_result out = {0};
	struct netns_rec r = {0};

	if (netns_run(pid, attempt_fn, &a, &opts, &out, err) < 0)
		return -1;
	int ok = netns_result_next(&out, &r) && r.len == sizeof *res;
	if (ok)
		memcpy(res, r.data, sizeof *res);
	netns_result_release(&out);
	if (!ok)
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO, "the readiness probe sent no result; this is a bug");
	res->message[sizeof res->message - 1] = '\0';
	res->sqlstate[sizeof res->sqlstate - 1] = '\0';
	return 0;
}
