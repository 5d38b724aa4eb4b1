/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apiproxy.c - see apiproxy.h: starting isopod-apiproxy, talking to its
 * control requests over its socket, and reading its request log.
 */
#include "apiproxy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ISO_BUILD_DIR
#define ISO_BUILD_DIR "build"
#endif

const char *apiproxy_binary(void)
{
	return ISO_BUILD_DIR "/tests/support/apiproxy/isopod-apiproxy";
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void exec_proxy(const struct apiproxy *p, const char *upstream, int ready_wr, pid_t parent)
{
	char fdarg[16];
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	snprintf(fdarg, sizeof fdarg, "%d", ready_wr);
	execl(apiproxy_binary(), apiproxy_binary(), "--listen", p->socket_path, "--upstream", upstream, "--log",
	      p->log_path, "--ready-fd", fdarg, (char *)NULL);
	fprintf(stderr, "apiproxy: cannot run %s: %s\n", apiproxy_binary(), strerror(errno));
	_exit(127);
}

int apiproxy_start(struct apiproxy *p, const char *upstream, const char *dir)
{
	int pfd[2];
	char buf[16] = "";
	memset(p, 0, sizeof *p);
	if (dir) {
		snprintf(p->dir, sizeof p->dir, "%s", dir);
	} else {
		snprintf(p->dir, sizeof p->dir, "/tmp/isopod-apiproxy-XXXXXX");
		if (mkdtemp(p->dir) == NULL) {
			fprintf(stderr, "apiproxy: mkdtemp: %s\n", strerror(errno));
			return -1;
		}
		p->own_dir = 1;
	}
	if (strlen(p->dir) + sizeof "/proxy.sock" > sizeof p->socket_path) {
		fprintf(stderr, "apiproxy: directory '%s' is too long for a unix socket in it\n", p->dir);
		return -1;
	}
	memcpy(p->socket_path, p->dir, strlen(p->dir));
	memcpy(p->socket_path + strlen(p->dir), "/proxy.sock", sizeof "/proxy.sock");
	snprintf(p->log_path, sizeof p->log_path, "%s/requests.log", p->dir);
	snprintf(p->container_host, sizeof p->container_host, "CONTAINER_HOST=unix://%.107s", p->socket_path);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		int wr = dup(pfd[1]); /* without O_CLOEXEC: the proxy writes "ready" to it */
		exec_proxy(p, upstream, wr, parent);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	p->pid = pid;
	ssize_t r;
	do
		r = read(pfd[0], buf, sizeof buf - 1);
	while (r < 0 && errno == EINTR);
	close(pfd[0]);
	if (r <= 0 || strncmp(buf, "ready", 5) != 0) {
		fprintf(stderr, "apiproxy: the proxy did not start (see its message above)\n");
		apiproxy_stop(p);
		return -1;
	}
	return 0;
}

/* One control request; 0 when it answered 200. */
static int control(struct apiproxy *p, const char *method, const char *path, const char *body)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char req[20000], resp[2048];
	size_t blen = body ? strlen(body) : 0, got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), n;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", p->socket_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "apiproxy: cannot connect to %s: %s\n", p->socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: d\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     method, path, blen, body ? body : "");
	if (n < 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n) {
		close(fd);
		fprintf(stderr, "apiproxy: cannot send %s %s\n", method, path);
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, resp + got, sizeof resp - 1 - got);
		if (r <= 0 || (got += (size_t)r) == sizeof resp - 1)
			break;
	}
	close(fd);
	resp[got] = 0;
	if (strncmp(resp, "HTTP/1.1 200", 12) == 0)
		return 0;
	const char *b = strstr(resp, "\r\n\r\n");
	fprintf(stderr, "apiproxy: %s %s refused: %s\n", method, path, b ? b + 4 : resp);
	return -1;
}

int apiproxy_set_faults(struct apiproxy *p, const char *spec)
{
	return control(p, "POST", "/_apiproxy/faults", spec ? spec : "");
}

int apiproxy_log_clear(struct apiproxy *p)
{
	if (truncate(p->log_path, 0) < 0) {
		fprintf(stderr, "apiproxy: truncate %s: %s\n", p->log_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct apiproxy_req *x = a, *y = b;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* One tab-separated field of LINE into OUT; advances *LINE. */
static void field(char **line, char *out, size_t size)
{
	char *s = *line;
	size_t n = strcspn(s, "\t\n");
	snprintf(out, size, "%.*s", (int)n, s);
	*line = s[n] ? s + n + 1 : s + n;
}

int apiproxy_log_read(struct apiproxy *p, struct apiproxy_log *log)
{
	FILE *f = fopen(p->log_path, "re");
	char line[4096], seq[32];
	size_t cap = 0;
	log->reqs = NULL;
	log->n = 0;
	if (!f) {
		fprintf(stderr, "apiproxy: cannot read %s: %s\n", p->log_path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		if (log->n == cap) {
			cap = cap ? cap * 2 : 64;
			void *nr = realloc(log->reqs, cap * sizeof *log->reqs);
			if (!nr) {
				fclose(f);
				apiproxy_log_release(log);
				return -1;
			}
			log->reqs = nr;
		}
		struct apiproxy_req *r = &log->reqs[log->n];
		field(&s, seq, sizeof seq);
		r->seq = atol(seq);
		field(&s, r->method, sizeof r->method);
		field(&s, r->path, sizeof r->path);
		field(&s, r->status, sizeof r->status);
		field(&s, r->fault, sizeof r->fault);
		field(&s, r->target, sizeof r->target);
		if (r->seq > 0)
			log->n++;
	}
	fclose(f);
	qsort(log->reqs, log->n, sizeof *log->reqs, by_seq);
	return 0;
}

void apiproxy_log_release(struct apiproxy_log *log)
{
	free(log->reqs);
	log->reqs = NULL;
	log->n = 0;
}

size_t apiproxy_log_fired(const struct apiproxy_log *log)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n; i++)
		n += strcmp(log->reqs[i].fault, "-") != 0;
	return n;
}

int apiproxy_log_distinct(const struct apiproxy_log *log, char ***out, size_t *n)
{
	char **v = calloc(log->n + 1, sizeof *v);
	size_t k = 0;
	if (!v)
		return -1;
	for (size_t i = 0; i < log->n; i++) {
		char key[600];
		snprintf(key, sizeof key, "%s %s", log->reqs[i].method, log->reqs[i].path);
		size_t j = 0;
		while (j < k && strcmp(v[j], key) != 0)
			j++;
		if (j == k && (v[k++] = strdup(key)) == NULL) {
			for (j = 0; j + 1 < k; j++)
				free(v[j]);
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

int apiproxy_wait_fired(struct apiproxy *p, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		struct apiproxy_log log;
		if (apiproxy_log_read(p, &log) == 0) {
			size_t fired = apiproxy_log_fired(&log);
			apiproxy_log_release(&log);
			if (fired > 0)
				return 0;
		}
		if (now_ms() >= deadline)
			return -1;
		usleep(20 * 1000);
	}
}

void apiproxy_glob_escape(const char *path, char *out, size_t size)
{
	size_t n = 0;
	for (; *path && n + 2 < size; path++) {
		if (strchr("*?[]\\", *path))
			out[n++] = '\\';
		out[n++] = *path;
	}
	out[n] = 0;
}

/* The whole of file PATH (malloc'd, NUL-terminated; "" when unreadable). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	if (f) {
		FILE *m = open_memstream(&buf, &len);
		char chunk[4096];
		size_t n;
		while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
			fwrite(chunk, 1, n, m);
		if (m)
			fclose(m);
		fclose(f);
	}
	return buf ? buf : calloc(1, 1);
}

static void run_child(const char *const *argv, const char *const *env, const char *out, const char *err)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq) {
			char key[256];
			snprintf(key, sizeof key, "%.*s", (int)(eq - env[i]), env[i]);
			setenv(key, eq + 1, 1);
		} else {
			unsetenv(env[i]);
		}
	}
	int in = open("/dev/null", O_RDONLY), o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], (char *const *)argv);
	dprintf(2, "apiproxy_run: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static size_t log_fired(struct apiproxy *p)
{
	struct apiproxy_log log;
	size_t fired = 0;
	if (apiproxy_log_read(p, &log) == 0)
		fired = apiproxy_log_fired(&log);
	apiproxy_log_release(&log);
	return fired;
}

int apiproxy_run(struct apiproxy *p, const char *const *argv, const char *const *env, int sig, int timeout_ms,
		 struct apiproxy_run *r)
{
	char out[320], err[320];
	int status = 0;
	memset(r, 0, sizeof *r);
	snprintf(out, sizeof out, "%s/run.out", p->dir);
	snprintf(err, sizeof err, "%s/run.err", p->dir);
	size_t fired0 = log_fired(p);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		run_child(argv, env, out, err);
	long deadline = now_ms() + timeout_ms;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (sig && !r->signalled && log_fired(p) > fired0) {
			kill(pid, sig);
			r->signalled = 1;
		}
		if (!r->timed_out && now_ms() > deadline) {
			fprintf(stderr, "apiproxy_run: %s ran longer than %d ms; killing it\n", argv[0], timeout_ms);
			kill(pid, SIGKILL);
			r->timed_out = 1;
		}
		usleep(20 * 1000);
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->fired = log_fired(p) > fired0;
	r->out = slurp(out);
	r->err = slurp(err);
	unlink(out);
	unlink(err);
	return 0;
}

void apiproxy_run_release(struct apiproxy_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int apiproxy_stop(struct apiproxy *p)
{
	int status;
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		long deadline = now_ms() + 2000;
		while (waitpid(p->pid, &status, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(p->pid, SIGKILL);
				waitpid(p->pid, &status, 0);
				break;
			}
			usleep(10 * 1000);
		}
		p->pid = 0;
	}
	if (p->own_dir) {
		unlink(p->socket_path);
		unlink(p->log_path);
		rmdir(p->dir);
		p->own_dir = 0;
	}
	return 0;
}
