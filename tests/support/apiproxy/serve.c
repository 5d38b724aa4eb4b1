/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One client connection: requests one after the other (keep-alive), each
 * checked against the fault table, forwarded over one upstream connection
 * (opened again when Podman closed it), and answered with Podman's answer,
 * framed by Content-Length or chunked; after a 101 or an answer with no
 * framing (a hijacked stream) the two sides are relayed as bytes.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "proxy.h"

struct msg {
	char line[2048];          /* request line or status line */
	long long content_length; /* -1: none */
	int chunked, conn_close, upgrade;
	int status; /* responses */
};

static const char *header_value(const char *line, const char *name)
{
	size_t n = strlen(name);
	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/* Parse the head's first line and the framing headers. */
static void parse_head(const char *head, struct msg *m)
{
	const char *p = head, *v;
	memset(m, 0, sizeof *m);
	m->content_length = -1;
	size_t n = strcspn(p, "\r\n");
	snprintf(m->line, sizeof m->line, "%.*s", (int)n, p);
	if (strncmp(m->line, "HTTP/1.0", 8) == 0)
		m->conn_close = 1;
	while ((p = strstr(p, "\r\n")) != NULL && p[2] != '\r') {
		p += 2;
		if ((v = header_value(p, "Content-Length")) != NULL)
			m->content_length = strtoll(v, NULL, 10);
		else if ((v = header_value(p, "Transfer-Encoding")) != NULL)
			m->chunked = strncasecmp(v, "chunked", 7) == 0;
		else if ((v = header_value(p, "Connection")) != NULL)
			m->conn_close |= strncasecmp(v, "close", 5) == 0,
				m->upgrade |= strncasecmp(v, "upgrade", 7) == 0;
		else if (header_value(p, "Upgrade") != NULL)
			m->upgrade = 1;
	}
	if (strncmp(m->line, "HTTP/", 5) == 0) {
		const char *sp = strchr(m->line, ' ');
		m->status = sp ? atoi(sp + 1) : 0;
	}
}

static int copy_body(struct ap_rbuf *rb, const struct msg *m, int outfd)
{
	if (m->chunked)
		return ap_copy_chunked(rb, outfd);
	if (m->content_length > 0)
		return ap_copy_n(rb, outfd, m->content_length);
	return 0;
}

static int upstream_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

static void answer(int fd, int status, const char *reason, const char *ctype, const char *body, int close_it)
{
	char head[512];
	int n = snprintf(
		head, sizeof head,
		"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nLibpod-Api-Version: 4.3.1\r\nContent-Length: %zu\r\n%s\r\n",
		status, reason, ctype, strlen(body), close_it ? "Connection: close\r\n" : "");
	if (ap_write_all(fd, head, (size_t)n) == 0)
		(void)ap_write_all(fd, body, strlen(body));
}

static void answer_error(int fd, const char *method, const char *path)
{
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"cause\":\"fault injected by isopod-apiproxy\",\"message\":\"isopod-apiproxy: injected "
		 "failure of %s %s\",\"response\":500}\n",
		 method, path);
	answer(fd, 500, "Internal Server Error", "application/json", body, 0);
}

/* The /_apiproxy/ control requests (never logged, never counted). */
static void control(const struct ap_config *cfg, struct ap_rbuf *c, const char *method, const char *path,
		    const struct msg *m)
{
	char body[16 * 1024] = "", why[600] = "";
	if (m->content_length >= (long long)sizeof body || m->chunked) {
		answer(c->fd, 400, "Bad Request", "text/plain", "control bodies need a Content-Length < 16k\n", 1);
		_exit(0);
	}
	if (m->content_length > 0) {
		size_t got = 0;
		while ((long long)got < m->content_length) {
			if (c->off == c->len) {
				ssize_t r = read(c->fd, c->buf, sizeof c->buf);
				if (r <= 0)
					_exit(0);
				c->off = 0, c->len = (size_t)r;
			}
			size_t take = c->len - c->off;
			if ((long long)take > m->content_length - (long long)got)
				take = (size_t)(m->content_length - (long long)got);
			memcpy(body + got, c->buf + c->off, take);
			got += take, c->off += take;
		}
	}
	if (strcmp(path, "/_apiproxy/faults") == 0 && strcmp(method, "POST") == 0) {
		if (ap_faults_set(cfg->shared, body, why, sizeof why) < 0) {
			strcat(why, "\n");
			answer(c->fd, 400, "Bad Request", "text/plain", why, 0);
		} else {
			answer(c->fd, 200, "OK", "text/plain", "ok\n", 0);
		}
	} else if (strcmp(path, "/_apiproxy/ping") == 0) {
		answer(c->fd, 200, "OK", "text/plain", "ok\n", 0);
	} else {
		answer(c->fd, 404, "Not Found", "text/plain", "unknown control request\n", 0);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct req {
	const struct ap_config *cfg;
	struct ap_rbuf *c, *u;
	char head[AP_HEAD_MAX];
	size_t head_len;
	struct msg m;
	char method[32], target[1024], path[1024];
	long seq;
	int faulted;
	struct ap_fault f;
};

static void logreq(struct req *r, const char *status)
{
	ap_log(r->cfg->log_fd, r->seq, r->method, r->path, status, r->faulted ? ap_kind_name(r->f.kind) : "-",
	       r->target);
}

/* The faults that act before anything is forwarded; returns 1 when the request is done. */
static int fault_before(struct req *r)
{
	switch (r->faulted ? (int)r->f.kind : -1) {
	case AP_CLOSE_BEFORE:
		logreq(r, "closed");
		_exit(0);
	case AP_FREEZE:
		logreq(r, "frozen");
		ap_hold(r->c->fd);
		_exit(0);
	case AP_GARBAGE_HTTP:
		logreq(r, "garbage");
		(void)ap_write_all(r->c->fd, "\x01\x02 this is not HTTP }{\r\n\r\n", 26);
		_exit(0);
	case AP_ERROR:
		if (copy_body(r->c, &r->m, -1) < 0)
			_exit(0);
		answer_error(r->c->fd, r->method, r->path);
		logreq(r, "500");
		if (r->m.conn_close)
			_exit(0);
		return 1;
	case AP_DELAY:
		sleep_ms(r->f.arg);
		return 0;
	default:
		return 0;
	}
}

/* Forward the request; read Podman's answer head into RESP and RM (or exit). */
static void forward(struct req *r, char *resp, size_t resp_size, struct msg *rm)
{
	size_t rlen;
	struct pollfd p = {.fd = r->u->fd, .events = POLLIN};
	if (r->u->fd >= 0 && poll(&p, 1, 0) == 1) { /* Podman closed the idle connection */
		close(r->u->fd);
		r->u->fd = -1;
	}
	for (int attempt = 0;; attempt++) {
		if (r->u->fd < 0 && (r->u->fd = upstream_connect(r->cfg->upstream_path)) < 0) {
			logreq(r, "upstream-down");
			_exit(0);
		}
		r->u->off = r->u->len = 0;
		if (ap_write_all(r->u->fd, r->head, r->head_len) == 0)
			break;
		close(r->u->fd); /* Podman closed the idle connection: once more on a fresh one */
		r->u->fd = -1;
		if (attempt > 0) {
			logreq(r, "upstream-closed");
			_exit(0);
		}
	}
	if (copy_body(r->c, &r->m, r->u->fd) < 0) {
		logreq(r, "client-closed");
		_exit(0);
	}
	if (ap_read_head(r->u, resp, resp_size, &rlen) != 1) {
		logreq(r, "upstream-closed");
		_exit(0);
	}
	parse_head(resp, rm);
}

/* No framing and a status that has a body: a hijacked stream. */
static int unframed(const struct req *r, const struct msg *rm)
{
	if (rm->status == 101)
		return 1;
	if (rm->chunked || rm->content_length >= 0 || rm->status == 204 || rm->status == 304 ||
	    (rm->status >= 100 && rm->status < 200) || strcmp(r->method, "HEAD") == 0)
		return 0;
	return 1;
}

static void respond(struct req *r, const char *resp, const struct msg *rm)
{
	char st[16];
	snprintf(st, sizeof st, "%d", rm->status);
	if (r->faulted && r->f.kind == AP_CLOSE_AFTER) {
		logreq(r, st);
		_exit(0);
	}
	if (r->faulted && r->f.kind == AP_FREEZE_AFTER) {
		logreq(r, "frozen");
		ap_hold(r->c->fd);
		_exit(0);
	}
	if (r->faulted && r->f.kind == AP_GARBAGE) {
		logreq(r, st);
		int keep = !unframed(r, rm) && copy_body(r->u, rm, -1) == 0 && !rm->conn_close;
		if (!keep)
			close(r->u->fd), r->u->fd = -1;
		answer(r->c->fd, 200, "OK", "application/json", "\x01garbage{[\"not json", 0);
		return;
	}
	logreq(r, st);
	if (ap_write_all(r->c->fd, resp, strlen(resp)) < 0)
		_exit(0);
	if (unframed(r, rm)) {
		ap_tunnel(r->c, r->u);
		_exit(0);
	}
	if (copy_body(r->u, rm, r->c->fd) < 0)
		_exit(0);
	if (rm->conn_close) {
		close(r->u->fd);
		r->u->fd = -1;
	}
}

void ap_serve(const struct ap_config *cfg, int cfd)
{
	static struct ap_rbuf c, u;
	static struct req r;
	static char resp[AP_HEAD_MAX];
	struct msg rm;
	c.fd = cfd, u.fd = -1;
	r.cfg = cfg, r.c = &c, r.u = &u;
	for (;;) {
		if (ap_read_head(&c, r.head, sizeof r.head, &r.head_len) != 1)
			_exit(0);
		parse_head(r.head, &r.m);
		r.method[0] = r.target[0] = 0;
		sscanf(r.m.line, "%31s %1023s", r.method, r.target);
		ap_normalise_path(r.target, r.path, sizeof r.path);
		if (strncmp(r.path, "/_apiproxy/", 11) == 0) {
			control(cfg, &c, r.method, r.path, &r.m);
			if (r.m.conn_close)
				_exit(0); /* the client reads to the end of the connection */
			continue;
		}
		r.faulted = ap_faults_match(cfg->shared, r.method, r.path, &r.f, &r.seq);
		if (fault_before(&r))
			continue;
		forward(&r, resp, sizeof resp, &rm);
		respond(&r, resp, &rm);
		if (r.m.conn_close)
			_exit(0);
	}
}
