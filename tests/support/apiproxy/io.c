/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Buffered reading, HTTP body framing (Content-Length, chunked), the
 * two-way relay used after an upgrade, and the request log.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proxy.h"

int ap_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	if (fd < 0)
		return 0;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w, n -= (size_t)w;
	}
	return 0;
}

static ssize_t fill(struct ap_rbuf *rb)
{
	ssize_t r;
	if (rb->off == rb->len)
		rb->off = rb->len = 0;
	if (rb->len == sizeof rb->buf) {
		if (rb->off == 0)
			return -1;
		memmove(rb->buf, rb->buf + rb->off, rb->len - rb->off);
		rb->len -= rb->off, rb->off = 0;
	}
	do
		r = read(rb->fd, rb->buf + rb->len, sizeof rb->buf - rb->len);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		rb->len += (size_t)r;
	return r;
}

int ap_read_head(struct ap_rbuf *rb, char *head, size_t size, size_t *len)
{
	size_t n = 0;
	for (;;) {
		while (rb->off < rb->len) {
			if (n + 1 >= size)
				return -1;
			head[n++] = rb->buf[rb->off++];
			if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0) {
				head[n] = 0;
				*len = n;
				return 1;
			}
			if (n == 2 && memcmp(head, "\r\n", 2) == 0)
				n = 0; /* a stray CRLF between requests is allowed */
		}
		ssize_t r = fill(rb);
		if (r == 0 && n == 0)
			return 0;
		if (r <= 0)
			return -1;
	}
}

int ap_copy_n(struct ap_rbuf *rb, int outfd, long long n)
{
	while (n > 0) {
		if (rb->off == rb->len && fill(rb) <= 0)
			return -1;
		size_t avail = rb->len - rb->off;
		size_t take = (long long)avail < n ? avail : (size_t)n;
		if (ap_write_all(outfd, rb->buf + rb->off, take) < 0)
			return -1;
		rb->off += take, n -= (long long)take;
	}
	return 0;
}

/* One CRLF-terminated line into LINE (with the CRLF), copied to OUTFD. */
static int copy_line(struct ap_rbuf *rb, int outfd, char *line, size_t size)
{
	size_t n = 0;
	for (;;) {
		if (rb->off == rb->len && fill(rb) <= 0)
			return -1;
		char c = rb->buf[rb->off++];
		if (n + 1 >= size)
			return -1;
		line[n++] = c;
		if (c == '\n') {
			line[n] = 0;
			return ap_write_all(outfd, line, n);
		}
	}
}

int ap_copy_chunked(struct ap_rbuf *rb, int outfd)
{
	char line[1024];
	for (;;) {
		char *end;
		if (copy_line(rb, outfd, line, sizeof line) < 0)
			return -1;
		errno = 0;
		long long size = strtoll(line, &end, 16);
		if (errno || end == line || size < 0)
			return -1;
		if (size == 0)
			break;
		if (ap_copy_n(rb, outfd, size + 2) < 0) /* the data and its CRLF */
			return -1;
	}
	do /* trailers, up to the blank line */
		if (copy_line(rb, outfd, line, sizeof line) < 0)
			return -1;
	while (strcmp(line, "\r\n") != 0 && strcmp(line, "\n") != 0);
	return 0;
}

/* Move what is buffered or readable from A to B; -1 when A is at its end. */
static int relay_once(struct ap_rbuf *a, struct ap_rbuf *b)
{
	if (a->off == a->len && fill(a) <= 0)
		return -1;
	if (ap_write_all(b->fd, a->buf + a->off, a->len - a->off) < 0)
		return -1;
	a->off = a->len = 0;
	return 0;
}

void ap_tunnel(struct ap_rbuf *a, struct ap_rbuf *b)
{
	int a_open = 1, b_open = 1;
	if (a->off < a->len && ap_write_all(b->fd, a->buf + a->off, a->len - a->off) == 0)
		a->off = a->len = 0;
	if (b->off < b->len && ap_write_all(a->fd, b->buf + b->off, b->len - b->off) == 0)
		b->off = b->len = 0;
	while (a_open || b_open) {
		struct pollfd p[2] = {{.fd = a_open ? a->fd : -1, .events = POLLIN},
				      {.fd = b_open ? b->fd : -1, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (a_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && relay_once(a, b) < 0) {
			a_open = 0;
			shutdown(b->fd, SHUT_WR);
		}
		if (b_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && relay_once(b, a) < 0) {
			b_open = 0;
			shutdown(a->fd, SHUT_WR);
		}
	}
}

void ap_hold(int fd)
{
	char buf[4096];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r == 0 || (r < 0 && errno != EINTR))
			return;
	}
}

void ap_log(int fd, long seq, const char *method, const char *path, const char *status, const char *fault,
	    const char *target)
{
	char line[2048];
	int n = snprintf(line, sizeof line, "%ld\t%s\t%s\t%s\t%s\t%s\n", seq, method, path, status, fault, target);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = sizeof line - 1;
		line[n - 1] = '\n';
	}
	(void)ap_write_all(fd, line, (size_t)n); /* O_APPEND: one write, one whole line */
}
