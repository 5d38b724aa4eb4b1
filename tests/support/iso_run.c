/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iso_run.c - see iso_run.h.  One loop polls the child's pipes (and its
 * stdin while text is left to write) against the timer; the child is watched
 * with waitid(WNOWAIT) and reaped only at the end, so its pid, which names
 * the process group, cannot be reused by another process while a signal to
 * the group may still be sent.
 */
#include "iso_run.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

extern char **environ;

/* The caller's environment with OVERRIDES applied ("K=V" sets, "K" unsets); the strings are borrowed. */
static char **run_environ(const char *const *overrides)
{
	size_t n = 0, extra = 0;
	while (environ && environ[n])
		n++;
	while (overrides && overrides[extra])
		extra++;
	char **env = malloc((n + extra + 1) * sizeof(*env));
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		env[i] = environ[i];
	for (size_t k = 0; k < extra; k++) {
		const char *o = overrides[k], *eq = strchr(o, '=');
		size_t klen = eq ? (size_t)(eq - o) : strlen(o), j = 0;
		for (size_t i = 0; i < n; i++)
			if (strncmp(env[i], o, klen) || env[i][klen] != '=')
				env[j++] = env[i];
		n = j;
		if (eq)
			env[n++] = (char *)o;
	}
	env[n] = NULL;
	return env;
}

static long run_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void run_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The running child and the parent's ends of its pipes. */
struct run_child {
	pid_t pid;
	int in, out, err; /* -1 once closed */
	const char *text; /* stdin left to write */
	size_t text_len;
	struct iso_buf bo, be;
	size_t max;
	bool out_cut, err_cut;
};

/* In the child: FROM onto TO, open across exec also when it is already there. */
static void run_dup(int from, int to)
{
	if (from == to)
		fcntl(to, F_SETFD, 0);
	else
		dup2(from, to);
}

/* Start ARGV with the pipes of C; 0, or -1 with errno (nothing left open). */
static int run_start(const char *const *argv, const struct iso_run_opts *o, char **env, struct run_child *c)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, saved;
	if (o->stdin_text ? pipe2(in, O_CLOEXEC) < 0 : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0 || (!o->merge && pipe2(err, O_CLOEXEC) < 0))
		goto fail;
	c->pid = fork();
	if (c->pid < 0)
		goto fail;
	if (c->pid == 0) {
		setpgid(0, 0);
		run_dup(in[0], 0);
		run_dup(out[1], 1);
		run_dup(o->merge ? out[1] : err[1], 2);
		execvpe(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	setpgid(c->pid, c->pid); /* also here: a timeout may come before the child runs */
	close(in[0]);
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	if (c->in >= 0)
		fcntl(c->in, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	saved = errno;
	for (int i = 0; i < 2; i++) {
		run_close(&in[i]);
		run_close(&out[i]);
		run_close(&err[i]);
	}
	errno = saved;
	return -1;
}

/* Keep what fits under the cap; the rest is dropped and noted. */
static void run_keep(struct iso_buf *b, bool *cut, size_t max, const char *data, size_t n)
{
	size_t room = max - b->len;
	if (n > room) {
		n = room;
		*cut = true;
	}
	iso_buf_append(b, data, n);
}

static void run_read(struct run_child *c, int *fd, bool is_err)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof buf);
	if (n > 0)
		run_keep(is_err ? &c->be : &c->bo, is_err ? &c->err_cut : &c->out_cut, c->max, buf, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		run_close(fd);
}

static void run_write(struct run_child *c)
{
	ssize_t n = c->text_len ? write(c->in, c->text, c->text_len) : 0;
	if (n > 0) {
		c->text += n;
		c->text_len -= (size_t)n;
	}
	if (c->text_len == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		run_close(&c->in); /* all written, or the child closed its stdin (EPIPE) */
}

/* One wait for the pipes, at most WAIT_MS (-1: until something happens). */
static void run_poll(struct run_child *c, int wait_ms)
{
	struct pollfd p[3];
	int *fds[3], n = 0;
	if (c->out >= 0)
		fds[n] = &c->out, p[n++] = (struct pollfd){.fd = c->out, .events = POLLIN};
	if (c->err >= 0)
		fds[n] = &c->err, p[n++] = (struct pollfd){.fd = c->err, .events = POLLIN};
	if (c->in >= 0)
		fds[n] = &c->in, p[n++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
	if (poll(p, (nfds_t)n, wait_ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (fds[i] == &c->in)
			run_write(c);
		else
			run_read(c, fds[i], fds[i] == &c->err);
	}
}

static bool run_exited(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Time left until AT (>= 0), or -1 for none. */
static int run_left(long at, long now)
{
	return at < 0 ? -1 : at > now ? (int)(at - now) : 0;
}

/* Poll until the child has exited and its pipes are closed, or the timeout ends it; true on a timeout. */
static bool run_wait(struct run_child *c, int timeout_ms, const char *name)
{
	long start = run_now_ms(), term_at = timeout_ms > 0 ? start + timeout_ms : -1, kill_at = -1, give_up_at = -1;
	for (;;) {
		bool exited = run_exited(c->pid);
		long now = run_now_ms();
		if (exited && c->out < 0 && c->err < 0)
			return kill_at >= 0;
		if (term_at >= 0 && now >= term_at && kill_at < 0) {
			fprintf(stderr, "iso_run: '%s' still running after %d ms; ending its process group\n", name,
				timeout_ms);
			kill(-c->pid, SIGTERM);
			kill_at = now + ISO_RUN_GRACE_MS;
		}
		if (kill_at >= 0 && now >= kill_at && give_up_at < 0) {
			kill(-c->pid, SIGKILL);
			give_up_at = now + ISO_RUN_GRACE_MS;
		}
		if (give_up_at >= 0 && now >= give_up_at) {
			run_close(&c->in);
			run_close(&c->out);
			run_close(&c->err);
			return true; /* the child has its SIGKILL: the final waitpid returns */
		}
		int wait = run_left(give_up_at >= 0 ? give_up_at : kill_at >= 0 ? kill_at : term_at, now);
		if (c->out < 0 && c->err < 0) /* nothing left to wake the poll: look for the exit again soon */
			wait = wait < 0 || wait > 10 ? 10 : wait;
		run_poll(c, wait);
	}
}

int iso_run(const char *const *argv, const struct iso_run_opts *opts, struct iso_run_result *r)
{
	static const struct iso_run_opts defaults;
	const struct iso_run_opts *o = opts ? opts : &defaults;
	struct run_child c = {.in = -1, .out = -1, .err = -1, .text = o->stdin_text};
	memset(r, 0, sizeof *r);
	char **env = run_environ(o->env);
	if (env == NULL)
		return -1;
	c.text_len = c.text ? strlen(c.text) : 0;
	c.max = o->max_output ? o->max_output : ISO_RUN_OUTPUT_MAX;
	iso_buf_init(&c.bo, 0);
	iso_buf_init(&c.be, 0);
	int rc = run_start(argv, o, env, &c), saved = errno;
	if (rc == 0) {
		/* after the fork: the child keeps the caller's SIGPIPE */
		struct sigaction ign = {.sa_handler = SIG_IGN}, old;
		sigaction(SIGPIPE, &ign, &old);
		r->timed_out = run_wait(&c, o->timeout_ms == 0 ? ISO_RUN_TIMEOUT_MS : o->timeout_ms, argv[0]);
		sigaction(SIGPIPE, &old, NULL);
		run_close(&c.in);
		run_close(&c.out);
		run_close(&c.err);
		int st = 0;
		while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR)
			;
		r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		r->pid = (int)c.pid;
		r->out = iso_buf_steal(&c.bo, &r->out_len);
		r->err = iso_buf_steal(&c.be, &r->err_len);
		r->out_truncated = c.out_cut;
		r->err_truncated = c.err_cut;
	}
	free(env);
	errno = saved;
	return rc;
}

int iso_run_isopodv(const struct iso_run_opts *opts, struct iso_run_result *r, const char *fmt, va_list ap)
{
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	const char *argv[32];
	int argc = 0;
	argv[argc++] = ISO_ISOPOD_BIN;
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return iso_run(argv, opts, r);
}

int iso_run_isopod(const struct iso_run_opts *opts, struct iso_run_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = iso_run_isopodv(opts, r, fmt, ap);
	va_end(ap);
	return rc;
}

void iso_run_result_release(struct iso_run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
}

static int rmtree_errno;

static int rmtree_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT && rmtree_errno == 0)
		rmtree_errno = errno;
	return 0;
}

int iso_rmtree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	rmtree_errno = 0;
	if (nftw(path, rmtree_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && rmtree_errno == 0)
		rmtree_errno = errno;
	errno = rmtree_errno;
	return rmtree_errno ? -1 : 0;
}
