/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/connect.c - concurrent non-blocking connects from inside a namespace.
 *
 * Why concurrent: check 6 of a work order tries every other work order's
 * ports at several addresses; one at a time at 200 ms each would blow the
 * verify budget, while all at once cost one timeout at most (and nothing
 * when every probe is refused at once, the normal case).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"
#include "netns/netns.h"
#include "netns/probe.h"
#include "nl.h"

int netns_target_set(struct netns_target *t, const char *addr, uint16_t port, struct iso_error **err)
{
	memset(t, 0, sizeof *t);
	t->port = port;
	if (inet_pton(AF_INET, addr, t->addr) == 1)
		t->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, t->addr) == 1)
		t->family = AF_INET6;
	else
		return iso_error_set(err, ISO_E_USAGE, EINVAL, "'%s' is not a numeric IPv4 or IPv6 address", addr);
	return 0;
}

const char *netns_conn_name(enum netns_conn c)
{
	switch (c) {
	case NETNS_CONN_OPEN:
		return "open";
	case NETNS_CONN_REFUSED:
		return "refused";
	case NETNS_CONN_TIMEOUT:
		return "timeout";
	case NETNS_CONN_UNREACHABLE:
		return "unreachable";
	default:
		return "error";
	}
}

static enum netns_conn classify(int e)
{
	switch (e) {
	case 0:
		return NETNS_CONN_OPEN;
	case ECONNREFUSED:
		return NETNS_CONN_REFUSED;
	case ETIMEDOUT:
		return NETNS_CONN_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
		return NETNS_CONN_UNREACHABLE;
	default:
		return NETNS_CONN_ERROR;
	}
}

static void target_text(const struct netns_target *t, char *buf, size_t len)
{
	char a[NETNS_ADDR_TEXT];
	netns_addr_format(t->family, t->addr, a, sizeof a);
	snprintf(buf, len, t->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, t->port);
}

struct probe_job {
	const struct netns_target *targets;
	size_t n;
	int timeout_ms;
};

static socklen_t target_sockaddr(const struct netns_target *t, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (t->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->port);
		memcpy(&sin->sin_addr, t->addr, 4);
		return sizeof *sin;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(t->port);
	memcpy(&sin6->sin6_addr, t->addr, 16);
	return sizeof *sin6;
}

/* Start a non-blocking connect to T: the socket still connecting, or -1 with RES already final. */
static int probe_start(const struct netns_target *t, struct netns_probe *res, int64_t t0)
{
	struct sockaddr_storage ss;
	socklen_t sl = target_sockaddr(t, &ss);
	memset(res, 0, sizeof *res);
	res->target = *t;
	target_text(t, res->text, sizeof res->text);
	int fd = socket(t->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		res->result = NETNS_CONN_ERROR;
		res->error = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0 || errno != EINPROGRESS) {
		res->error = errno == EINPROGRESS ? 0 : errno;
		res->result = classify(res->error);
		res->elapsed_ms = (unsigned)(iso_now_ms() - t0);
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for the PENDING connects of PFD until T0 + TIMEOUT_MS; -1 only when poll fails. */
static int probe_wait(struct pollfd *pfd, struct netns_probe *res, size_t n, size_t pending, int64_t t0, int timeout_ms,
		      struct iso_error **err)
{
	while (pending > 0) {
		int64_t left = t0 + timeout_ms - iso_now_ms();
		if (left <= 0)
			break;
		int k = poll(pfd, n, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return iso_error_set(err, ISO_E_INTERNAL, errno, "poll: %s", strerror(errno));
		for (size_t i = 0; i < n && k > 0; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			int e = 0;
			socklen_t el = sizeof e;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = errno;
			res[i].error = e;
			res[i].result = classify(e);
			res[i].elapsed_ms = (unsigned)(iso_now_ms() - t0);
			close(pfd[i].fd);
			pfd[i].fd = -1;
			pending--;
			k--;
		}
	}
	return 0;
}

/* Runs inside the namespace; sends one NETNS_TAG_PROBE record per target, in order. */
static int probe_fn(struct netns_chan *ch, void *arg, struct iso_error **err)
{
	struct probe_job *job = arg;
	struct netns_probe res[NETNS_PROBE_MAX];
	struct pollfd pfd[NETNS_PROBE_MAX];
	int64_t t0 = iso_now_ms();
	size_t pending = 0;

	netns_chan_step(ch, "connecting to %zu targets", job->n);
	for (size_t i = 0; i < job->n; i++) {
		pfd[i].fd = probe_start(&job->targets[i], &res[i], t0);
		pfd[i].events = POLLOUT;
		pending += pfd[i].fd >= 0;
	}
	netns_chan_step(ch, "waiting for %zu connects", pending);
	int rc = probe_wait(pfd, res, job->n, pending, t0, job->timeout_ms, err);
	for (size_t i = 0; i < job->n; i++) {
		if (pfd[i].fd >= 0) {
			close(pfd[i].fd);
			res[i].result = NETNS_CONN_TIMEOUT;
			res[i].elapsed_ms = (unsigned)job->timeout_ms;
		}
	}
	if (rc < 0)
		return rc;
	netns_chan_step(ch, "sending probe results");
	for (size_t i = 0; i < job->n; i++)
		if (netns_chan_put(ch, NETNS_TAG_PROBE, &res[i], sizeof res[i], err) < 0)
			return -1;
	return 0;
}

int netns_connect_probe(pid_t pid, const struct netns_target *targets, size_t n, int timeout_ms,
			struct netns_probe **out, struct iso_error **err)
{
	if (n > NETNS_PROBE_MAX)
		return iso_error_set(err, ISO_E_USAGE, E2BIG, "%zu probe targets are more than %d; split them", n,
				     NETNS_PROBE_MAX);
	if (timeout_ms <= 0)
		timeout_ms = NETNS_PROBE_TIMEOUT_MS;
	struct probe_job job = {.targets = targets, .n = n, .timeout_ms = timeout_ms};
	struct netns_run_opts opts = {.timeout_ms = timeout_ms + 2000};
	struct netns_result res = {0};
	if (netns_run(pid, probe_fn, &job, &opts, &res, err) < 0)
		return -1;
	struct netns_probe *v = xzalloc((n ? n : 1) * sizeof *v);
	size_t got = 0;
	for (struct netns_rec r = {0}; netns_result_next(&res, &r);) {
		if (r.tag != NETNS_TAG_PROBE || r.len != sizeof *v || got >= n)
			break;
		memcpy(&v[got++], r.data, sizeof *v);
	}
	netns_result_release(&res);
	if (got != n) {
		free(v);
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO,
				     "the connect probe sent %zu results for %zu targets; this is a bug", got, n);
	}
	*out = v;
	return 0;
}
