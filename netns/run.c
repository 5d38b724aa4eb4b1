/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/run.c - the primitive: a forked child joins the namespaces of a PID
 * (both, or only the user namespace and becomes root there: netns_run_userns)
 * and runs a function there, sending typed records back over a pipe.
 *
 * Why a child: setns(CLONE_NEWUSER) refuses a multi-threaded caller, and a
 * socket stays in the namespace it was opened in; the parent keeps libcurl's
 * threads and its own namespace.  Why steps over the pipe: a netlink wait can
 * block forever, and "killed after 2000 ms" alone does not say where.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "netns/netns.h"

enum frame_type {
	FRAME_STEP = 1, /* step name */
	FRAME_REC = 2,  /* u32 tag + data */
	FRAME_ERR = 3,  /* i32 class, i32 status, message */
	FRAME_END = 4,
};

struct frame_hdr {
	uint32_t type;
	uint32_t len;
};

#define FRAME_MAX (NETNS_REC_MAX + 1024)

struct netns_chan {
	int fd;
};

/* The child cannot return an error to anyone but the parent: a dead pipe ends it. */
static void chan_frame(struct netns_chan *ch, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	struct frame_hdr h = {.type = type, .len = (uint32_t)(alen + blen)};
	if (iso_write_all(ch->fd, &h, sizeof h) < 0 || (alen && iso_write_all(ch->fd, a, alen) < 0) ||
	    (blen && iso_write_all(ch->fd, b, blen) < 0))
		_exit(3);
}

void netns_chan_step(struct netns_chan *ch, const char *fmt, ...)
{
	char step[NETNS_STEP_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(step, sizeof step, fmt, ap);
	va_end(ap);
	chan_frame(ch, FRAME_STEP, step, strlen(step), NULL, 0);
}

int netns_chan_put(struct netns_chan *ch, uint32_t tag, const void *data, size_t len, struct iso_error **err)
{
	if (len > NETNS_REC_MAX)
		return iso_error_set(err, ISO_E_INTERNAL, EMSGSIZE, "record of %zu bytes is over the cap of %u bytes",
				     len, NETNS_REC_MAX);
	chan_frame(ch, FRAME_REC, &tag, sizeof tag, data, len);
	return 0;
}

static void chan_error(struct netns_chan *ch, const struct iso_error *e)
{
	int32_t head[2] = {e ? (int32_t)e->class : ISO_E_INTERNAL, e ? e->status : 0};
	const char *msg = e && e->msg ? e->msg : "the function failed without saying why";
	size_t n = strnlen(msg, 2048);
	chan_frame(ch, FRAME_ERR, head, sizeof head, msg, n);
}

static int set_step_error(struct netns_chan *ch, enum iso_class class, int status, const char *fmt, ...)
{
	struct iso_error *e = NULL;
	va_list ap;
	va_start(ap, fmt);
	iso_error_setv(&e, class, status, fmt, ap);
	va_end(ap);
	chan_error(ch, e);
	iso_error_free(e);
	return -1;
}

/* What the helper does before FN: which namespaces it joins (-1: none), whether it becomes root there. */
struct plan {
	pid_t pid;
	int userfd;
	int netfd;
	int as_root;    /* become uid 0 / gid 0 of the user namespace */
	char where[64]; /* "network namespace of process 12", for the errors */
};

/* Do not outlive a parent that died or was killed; 0, or -1 when it is gone already. */
static int tie_to_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return getppid() == parent ? 0 : -1;
}

/*
 * Become uid 0 and gid 0 of the user namespace just joined: setns gave the
 * capabilities of that namespace, but the files of its sub-uids obey the
 * ids, and our own uid may map to nothing there (root joining a rootless
 * user's namespace).  setgroups fails where the namespace denies it; the
 * supplementary groups then stay, unmapped, and grant nothing.
 */
static int become_root(struct netns_chan *ch, const struct plan *pl, pid_t parent)
{
	netns_chan_step(ch, "becoming root of the user namespace");
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return set_step_error(ch, ISO_E_ISOLATION, errno, "cannot drop the groups in the %s: %s", pl->where,
				      strerror(errno));
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return set_step_error(ch, ISO_E_ISOLATION, errno,
				      "cannot become root of the %s: %s; its uid 0 must be mapped", pl->where,
				      strerror(errno));
	/* A change of credentials clears the parent-death signal. */
	if (tie_to_parent(parent) < 0)
		_exit(4);
	return 0;
}

static int enter(struct netns_chan *ch, const struct plan *pl, pid_t parent)
{
	if (pl->userfd >= 0) {
		netns_chan_step(ch, "joining user namespace");
		if (setns(pl->userfd, CLONE_NEWUSER) < 0)
			return set_step_error(ch, ISO_E_ISOLATION, errno,
					      "cannot join the user namespace of process %d: %s", (int)pl->pid,
					      strerror(errno));
		close(pl->userfd);
		if (pl->as_root && become_root(ch, pl, parent) < 0)
			return -1;
	}
	if (pl->netfd >= 0) {
		netns_chan_step(ch, "joining network namespace");
		if (setns(pl->netfd, CLONE_NEWNET) < 0)
			return set_step_error(
				ch, ISO_E_ISOLATION, errno, "cannot join the network namespace of process %d: %s%s",
				(int)pl->pid, strerror(errno),
				errno == EPERM ? "; the user namespace that owns it must be joined first" : "");
		close(pl->netfd);
	}
	return 0;
}

static __attribute__((noreturn)) void child_main(int wfd, const struct plan *pl, pid_t parent, netns_fn fn, void *arg)
{
	struct netns_chan ch = {.fd = wfd};
	struct iso_error *e = NULL;

	if (tie_to_parent(parent) < 0)
		_exit(4);
	/* The parent's handlers (a test runner's SIGSEGV catcher, an ignored SIGPIPE) are not ours. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if (enter(&ch, pl, parent) == 0) {
		netns_chan_step(&ch, "running");
		if (fn(&ch, arg, &e) < 0)
			chan_error(&ch, e);
		else
			chan_frame(&ch, FRAME_END, NULL, 0, NULL, 0);
		iso_error_free(e);
	}
	fflush(NULL);
	_exit(0);
}

/*
 * The error of a failed VERB ("open", "read") of PATH, a namespace file of
 * PID, from errno: the process is gone (GONE says what cannot be done
 * then), belongs to another user (FOREIGN), or something else.
 */
static int ns_file_error(pid_t pid, const char *path, const char *verb, const char *gone, const char *foreign,
			 struct iso_error **err)
{
	int e = errno;
	if (e == ENOENT || e == ESRCH)
		return iso_error_set(err, ISO_E_ISOLATION, e,
				     "process %d does not exist, so %s; check that it is still running", (int)pid,
				     gone);
	if (e == EACCES || e == EPERM)
		return iso_error_set(err, ISO_E_ISOLATION, e,
				     "process %d belongs to another user: %s; run as the user that owns it", (int)pid,
				     foreign);
	return iso_error_set(err, ISO_E_ISOLATION, e, "cannot %s '%s': %s", verb, path, strerror(e));
}

static int open_ns(pid_t pid, const char *which, int *fd, struct iso_error **err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, which);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	return ns_file_error(pid, path, "open", "its namespaces cannot be inspected",
			     "its namespaces cannot be entered", err);
}

/*
 * Whether FD names the namespace of this process (joining our own user
 * namespace fails with EINVAL; our own network namespace needs no joining,
 * and an unprivileged caller could not join it).
 */
static int is_own_ns(int fd, const char *self)
{
	struct stat a, b;
	if (fstat(fd, &a) < 0 || stat(self, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

struct reader {
	char *buf; /* one frame being assembled */
	size_t have;
	struct iso_buf out;
	char step[NETNS_STEP_MAX];
	struct iso_error *child_err;
	int ended;
	int overflow;
};

/* Consume complete frames in R->buf; returns -1 on a malformed frame. */
static int reader_drain(struct reader *r)
{
	size_t off = 0;
	while (r->have - off >= sizeof(struct frame_hdr)) {
		struct frame_hdr h;
		memcpy(&h, r->buf + off, sizeof h);
		if (h.len > FRAME_MAX)
			return -1;
		if (r->have - off < sizeof h + h.len)
			break;
		const char *p = r->buf + off + sizeof h;
		switch (h.type) {
		case FRAME_STEP: {
			size_t n = h.len < NETNS_STEP_MAX - 1 ? h.len : NETNS_STEP_MAX - 1;
			memcpy(r->step, p, n);
			r->step[n] = '\0';
			break;
		}
		case FRAME_REC: {
			if (h.len < 4)
				return -1;
			uint32_t len = h.len - 4;
			if (iso_buf_append(&r->out, p, 4) < 0 || iso_buf_append(&r->out, &len, 4) < 0 ||
			    iso_buf_append(&r->out, p + 4, len) < 0)
				r->overflow = 1;
			break;
		}
		case FRAME_ERR: {
			int32_t head[2];
			if (h.len < sizeof head)
				return -1;
			memcpy(head, p, sizeof head);
			enum iso_class cl =
				head[0] > ISO_OK && head[0] <= ISO_CLASS_MAX ? (enum iso_class)head[0] : ISO_E_INTERNAL;
			iso_error_set(&r->child_err, cl, head[1], "%.*s", (int)(h.len - sizeof head), p + sizeof head);
			break;
		}
		case FRAME_END:
			r->ended = 1;
			break;
		default:
			return -1;
		}
		off += sizeof h + h.len;
	}
	memmove(r->buf, r->buf + off, r->have - off);
	r->have -= off;
	return 0;
}

static int reap(pid_t child, int kill_it)
{
	int status = 0;
	if (kill_it)
		kill(child, SIGKILL);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Drop *FD when it names this process's own namespace (SELF): -1 then. */
static void drop_own(int *fd, const char *self)
{
	if (*fd >= 0 && is_own_ns(*fd, self)) {
		close(*fd);
		*fd = -1;
	}
}

/* The plan for PID: the user namespace, and the network namespace when NET; none for PID <= 0 or our own. */
static int plan_target(pid_t pid, int net, int as_root, struct plan *pl, struct iso_error **err)
{
	*pl = (struct plan){.pid = pid, .userfd = -1, .netfd = -1, .as_root = as_root};
	if (pid <= 0 && !net)
		snprintf(pl->where, sizeof pl->where, "namespaces of this process");
	else
		snprintf(pl->where, sizeof pl->where, "%s namespace of process %d", net ? "network" : "user", (int)pid);
	if (pid <= 0)
		return 0;
	if (open_ns(pid, "user", &pl->userfd, err) < 0 || (net && open_ns(pid, "net", &pl->netfd, err) < 0))
		return -1;
	drop_own(&pl->userfd, "/proc/self/ns/user");
	drop_own(&pl->netfd, "/proc/self/ns/net");
	return 0;
}

static void plan_release(struct plan *pl)
{
	iso_closep(&pl->userfd);
	iso_closep(&pl->netfd);
}

/* Fork the helper that carries out PL and runs FN: its pid, *RFD reading its frames; or -1. */
static pid_t spawn(const struct plan *pl, netns_fn fn, void *arg, int *rfd, struct iso_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot make a pipe: %s", strerror(errno));
	pid_t parent = getpid();
	fflush(NULL); /* or the child's exit would write our buffered output twice */
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return iso_error_set(err, ISO_E_INTERNAL, e, "cannot fork: %s", strerror(e));
	}
	if (child == 0) {
		close(p[0]);
		child_main(p[1], pl, parent, fn, arg);
	}
	close(p[1]);
	*rfd = p[0];
	return child;
}

enum read_end { READ_EOF, READ_TIMEOUT, READ_MALFORMED, READ_OVERFLOW, READ_FAILED };

/* Read frames into R until the helper closes the pipe, DEADLINE passes or a frame is wrong. */
static enum read_end read_frames(struct reader *r, int rfd, int64_t deadline, struct iso_error **err)
{
	while (!r->overflow) {
		int64_t left = deadline - iso_now_ms();
		if (left <= 0)
			return READ_TIMEOUT;
		struct pollfd pfd = {.fd = rfd, .events = POLLIN};
		int n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			iso_error_set(err, ISO_E_INTERNAL, errno, "cannot poll the namespace helper: %s",
				      strerror(errno));
			return READ_FAILED;
		}
		if (n == 0)
			continue;
		ssize_t got = read(rfd, r->buf + r->have, FRAME_MAX + sizeof(struct frame_hdr) - r->have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return READ_EOF;
		r->have += (size_t)got;
		if (reader_drain(r) < 0)
			return r->overflow ? READ_OVERFLOW : READ_MALFORMED;
	}
	return READ_OVERFLOW;
}

/* How the helper ended, once reading stopped: 0 when it sent FRAME_END, else -1 with why. */
static int helper_verdict(struct reader *r, enum read_end end, pid_t child, const char *where, int timeout_ms,
			  size_t max, struct iso_error **err)
{
	if (end != READ_EOF)
		reap(child, 1);
	switch (end) {
	case READ_FAILED:
		return -1;
	case READ_TIMEOUT:
		return iso_error_set(err, ISO_E_ISOLATION, ETIMEDOUT,
				     "'%s' did not finish within %d ms in the %s; "
				     "the helper was killed: retry, or check that the process is healthy",
				     r->step, timeout_ms, where);
	case READ_OVERFLOW:
		return iso_error_set(err, ISO_E_ISOLATION, EMSGSIZE,
				     "'%s' in the %s sent more than %zu bytes; "
				     "the namespace holds more than expected: inspect it by hand",
				     r->step, where, max);
	case READ_MALFORMED:
		return iso_error_set(err, ISO_E_INTERNAL, EPROTO, "'%s' in the %s sent a malformed record", r->step,
				     where);
	case READ_EOF:
		break;
	}
	int status = reap(child, 0);
	if (r->child_err) {
		*err = r->child_err;
		r->child_err = NULL;
		return iso_error_wrap(err, "%s (%s)", r->step, where);
	}
	if (r->ended)
		return 0;
	if (WIFSIGNALED(status))
		return iso_error_set(err, ISO_E_ISOLATION, 0, "the helper in the %s died of signal %d while '%s'",
				     where, WTERMSIG(status), r->step);
	return iso_error_set(err, ISO_E_ISOLATION, 0, "the helper in the %s exited (%d) while '%s'", where,
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1, r->step);
}

/* A helper started and not yet collected (netns_job_finish). */
struct netns_job {
	pid_t child;
	int rfd;
	int timeout_ms;
	size_t max;
	int64_t deadline;
	char where[64];
};

/* Fork the helper that carries out PL and runs FN: *JOB to collect it with netns_job_finish. */
static int start_plan(const struct plan *pl, netns_fn fn, void *arg, const struct netns_run_opts *opts,
		      struct netns_job **job, struct iso_error **err)
{
	struct netns_job *j = xzalloc(sizeof *j);
	j->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : NETNS_TIMEOUT_MS_DEFAULT;
	j->max = opts && opts->max_result ? opts->max_result : NETNS_RESULT_MAX;
	j->child = spawn(pl, fn, arg, &j->rfd, err);
	if (j->child < 0) {
		free(j);
		return -1;
	}
	j->deadline = iso_now_ms() + j->timeout_ms;
	memcpy(j->where, pl->where, sizeof j->where);
	*job = j;
	return 0;
}

/* Carry out PL in a helper that runs FN and collect it; both blocking entry points share it. */
static int run_plan(const struct plan *pl, netns_fn fn, void *arg, const struct netns_run_opts *opts,
		    struct netns_result *out, struct iso_error **err)
{
	struct netns_job *j = NULL;
	if (start_plan(pl, fn, arg, opts, &j, err) < 0)
		return -1;
	return netns_job_finish(j, out, err);
}

int netns_run_userns_start(pid_t pid, netns_fn fn, void *arg, const struct netns_run_opts *opts, struct netns_job **job,
			   struct iso_error **err)
{
	*job = NULL;
	struct plan pl;
	int ret = plan_target(pid, 0, 1, &pl, err);
	if (ret == 0)
		ret = start_plan(&pl, fn, arg, opts, job, err);
	plan_release(&pl);
	return ret;
}

int netns_run(pid_t pid, netns_fn fn, void *arg, const struct netns_run_opts *opts, struct netns_result *out,
	      struct iso_error **err)
{
	struct plan pl;
	int ret = plan_target(pid, 1, 0, &pl, err);
	if (ret == 0)
		ret = run_plan(&pl, fn, arg, opts, out, err);
	plan_release(&pl);
	return ret;
}

int netns_run_userns(pid_t pid, netns_fn fn, void *arg, const struct netns_run_opts *opts, struct netns_result *out,
		     struct iso_error **err)
{
	struct plan pl;
	int ret = plan_target(pid, 0, 1, &pl, err);
	if (ret == 0)
		ret = run_plan(&pl, fn, arg, opts, out, err);
	plan_release(&pl);
	return ret;
}

int netns_job_finish(struct netns_job *j, struct netns_result *out, struct iso_error **err)
{
	struct reader r = {.buf = xmalloc(FRAME_MAX + sizeof(struct frame_hdr))};
	iso_buf_init(&r.out, j->max);
	snprintf(r.step, sizeof r.step, "starting");
	enum read_end end = read_frames(&r, j->rfd, j->deadline, err);
	int ret = helper_verdict(&r, end, j->child, j->where, j->timeout_ms, j->max, err);
	if (ret == 0)
		out->data = iso_buf_steal(&r.out, &out->len);
	iso_buf_release(&r.out);
	iso_error_free(r.child_err);
	free(r.buf);
	close(j->rfd);
	free(j);
	return ret;
}

int netns_result_next(const struct netns_result *res, struct netns_rec *r)
{
	if (!res->data || r->next + 8 > res->len)
		return 0;
	memcpy(&r->tag, res->data + r->next, 4);
	memcpy(&r->len, res->data + r->next + 4, 4);
	if (r->next + 8 + r->len > res->len)
		return 0;
	r->data = res->data + r->next + 8;
	r->next += 8 + r->len;
	return 1;
}

void netns_result_release(struct netns_result *res)
{
	free(res->data);
	res->data = NULL;
	res->len = 0;
}

int netns_id_of(pid_t pid, struct netns_id *out, struct iso_error **err)
{
	char path[64];
	struct stat st;
	if (pid > 0)
		snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/ns/net");
	if (stat(path, &st) < 0)
		return ns_file_error(pid, path, "read", "its network namespace cannot be compared",
				     "its network namespace cannot be read", err);
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	return 0;
}

int netns_id_equal(const struct netns_id *a, const struct netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

int netns_same(pid_t pid_a, pid_t pid_b, int *same, struct iso_error **err)
{
	struct netns_id a, b;
	if (netns_id_of(pid_a, &a, err) < 0 || netns_id_of(pid_b, &b, err) < 0)
		return -1;
	*same = netns_id_equal(&a, &b);
	return 0;
}
