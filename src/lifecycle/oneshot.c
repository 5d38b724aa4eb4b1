/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One-shot containers: a command run to its end in the work order's pod
 * (psql to ask whether the database is initialised, `odoo -i base` to
 * initialise it), under the init container's name and labels.  The journal
 * names the container while it exists, so an interrupted run leaves nothing
 * `gc` cannot find.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "internal.h"
#include "podman/exec.h"

#define ONESHOT_OUTPUT_CAP (256u << 10)

static int collect(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	struct iso_buf *b = ctx;
	if (iso_buf_append(b, data, len) == 0)
		return 0;
	/* Over the cap: keep the end, where an error usually is. */
	if (len >= b->max / 2) {
		iso_buf_release(b);
		iso_buf_append(b, data + len - b->max / 2, b->max / 2);
		return 0;
	}
	size_t keep = b->max / 2 - len;
	if (keep > b->len)
		keep = b->len;
	memmove(b->data, b->data + b->len - keep, keep);
	b->len = keep;
	b->data[keep] = '\0';
	iso_buf_append(b, data, len);
	return 0;
}

/* A leftover of an interrupted run would make the create fail: it is ours by name and labels. */
static int remove_leftover(struct wo_ctx *w, const char *name, struct iso_error **err)
{
	struct podman_container old;
	struct iso_error *e = NULL;
	if (podman_container_inspect(w->client, name, &old, &e) == 0) {
		int ours = wo_labels_match(&old.labels, &w->names);
		podman_container_release(&old);
		if (!ours)
			return iso_error_set(err, ISO_E_CONFLICT, 0,
					     "a container named '%s' exists and is not this work order's; remove it "
					     "with 'podman rm %s'",
					     name, name);
		return podman_container_remove(w->client, name, 1, err);
	}
	if (!podman_err_not_found(e))
		return iso_error_move(err, e);
	iso_error_free(e);
	return 0;
}

/* The container a one-shot of some kind runs in; the spec points into the struct. */
struct oneshot_spec {
	int db_image;
	struct lifecycle_odoo_spec o; /* the Odoo image: set up unless db_image */
	struct podman_container_spec db;
	struct podman_pair secret_env[1];
	struct wo_labels l;
	const char *entrypoint[2];
};

static const struct podman_container_spec *oneshot_spec_init(struct oneshot_spec *s, struct wo_run *r,
							     enum wo_oneshot kind, const char *const *cmd)
{
	struct wo_ctx *w = r->w;
	const char *name = w->names.init_container;
	s->entrypoint[0] = cmd[0];
	s->entrypoint[1] = NULL;
	s->db_image = kind == WO_ONESHOT_DB_TOOL;
	if (!s->db_image) {
		lifecycle_odoo_spec_init(&s->o, r, name, ROLE_INIT, cmd);
		if (kind == WO_ONESHOT_ODOO_TOOL) {
			s->o.spec.entrypoint = s->entrypoint;
			s->o.spec.command = cmd + 1;
			s->o.spec.image_volume_mode = "ignore";
		}
		return &s->o.spec;
	}
	s->secret_env[0] = (struct podman_pair){"PGPASSWORD", w->names.secret};
	wo_labels_init(&s->l, w, ROLE_INIT, r->grant.ports, NULL);
	s->db = (struct podman_container_spec){
		.name = name,
		.pod = w->names.pod,
		.image = w->cfg.profile.db_image,
		.secret_env = s->secret_env,
		.n_secret_env = 1,
		.labels = s->l.v,
		.n_labels = s->l.n,
		.entrypoint = s->entrypoint,
		.command = cmd + 1,
		/* psql and pg_isready write nothing: no anonymous volume for the image's data VOLUME */
		.image_volume_mode = "ignore",
	};
	return &s->db;
}

static void oneshot_spec_release(struct oneshot_spec *s)
{
	if (!s->db_image)
		lifecycle_odoo_spec_release(&s->o);
}

#define LINE_CAP (64u << 10)

/* Who reads a one-shot's lines as they come: its output followed, cut into lines per stream. */
struct oneshot_follow {
	lifecycle_line_cb cb;
	void *ctx;
	struct iso_buf *out;    /* the whole output, capped as collect keeps it */
	struct iso_buf line[2]; /* the partial line of stdout, stderr */
};

static void follow_flush(struct oneshot_follow *f, struct iso_buf *l)
{
	f->cb(f->ctx, l == &f->line[1], l->data ? l->data : "");
	iso_buf_release(l);
	iso_buf_init(l, LINE_CAP);
}

static int follow_chunk(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	struct oneshot_follow *f = ctx;
	collect(f->out, stream, data, len);
	struct iso_buf *l = &f->line[stream == PODMAN_STDERR];
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		/* A line longer than the cap keeps its beginning. */
		size_t room = l->len < LINE_CAP - 1 ? LINE_CAP - 1 - l->len : 0;
		iso_buf_append(l, data, n < room ? n : room);
		if (!nl)
			break;
		follow_flush(f, l);
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* Time left until the run's deadline, at least 1 s; 0 when there is none. */
static long left_ms(const struct wo_run *r)
{
	if (!r->deadline_ms)
		return 0;
	long left = (long)(r->deadline_ms - iso_now_ms());
	return left > 1000 ? left : 1000;
}

static int timed_out(const char *name, const char *prog, struct iso_error **err)
{
	iso_error_free(*err);
	*err = NULL;
	return iso_error_set(err, ISO_E_TIMEOUT, ETIMEDOUT,
			     "container '%s' (%s) did not finish within the timeout; raise --timeout, and see "
			     "its output with 'podman logs %s' while it runs",
			     name, prog, name);
}

#define STREAM_POLL_MS 250

/* Read the attached stream RAW to its end (the container's), through F; the deadline and a signal cut it. */
static int stream_attached(struct wo_run *r, const char *name, const char *prog, struct podman_raw *raw,
			   struct oneshot_follow *f, struct iso_error **err)
{
	struct podman_demux d;
	podman_demux_init(&d, follow_chunk, f);
	char buf[16384];
	for (;;) {
		if (r->w->abort_flag && *r->w->abort_flag)
			return iso_error_set(err, ISO_E_INTERNAL, ECANCELED, "container '%s' (%s): interrupted", name,
					     prog);
		if (r->deadline_ms && iso_now_ms() >= r->deadline_ms)
			return timed_out(name, prog, err);
		struct iso_error *e = NULL;
		ssize_t k = raw->ops->read(raw, buf, sizeof buf, STREAM_POLL_MS, &e);
		if (k < 0 && e->status == EAGAIN) {
			iso_error_free(e);
			continue;
		}
		if (k < 0)
			return iso_error_move(err, e);
		if (k == 0)
			return podman_demux_finish(&d, err);
		if (podman_demux_feed(&d, buf, (size_t)k, err) < 0)
			return -1;
	}
}

/*
 * Start the created one-shot NAME and wait for its end, bounded by the run's
 * deadline.  With F, it is attached first and its output read as it comes
 * (one stream, no polling of a log file: the stream ends when the container
 * does) and kept in F->out.
 */
static int start_and_wait(struct wo_run *r, const char *name, const char *prog, struct oneshot_follow *f,
			  int *exit_code, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct podman_raw *raw = NULL;
	if (f && podman_container_attach(w->client, name, 0, &raw, err) < 0)
		return iso_error_wrap(err, "run container '%s'", name);
	if (podman_container_start(w->client, name, err) < 0) {
		podman_raw_close(raw);
		return iso_error_wrap(err, "run container '%s'", name);
	}
	if (f) {
		int rc = stream_attached(r, name, prog, raw, f, err);
		podman_raw_close(raw);
		for (int i = 0; i < 2; i++)
			if (f->line[i].len)
				follow_flush(f, &f->line[i]);
		if (rc < 0)
			return (*err)->class == ISO_E_TIMEOUT ? -1 : iso_error_wrap(err, "run container '%s'", name);
	}
	/* A hung `odoo -i base` must not hang `up`. */
	long t = left_ms(r);
	if (podman_container_wait_for(w->client, name, t ? t : -1, exit_code, err) == 0)
		return 0;
	if (*err && (*err)->status == ETIMEDOUT && r->deadline_ms && iso_now_ms() >= r->deadline_ms)
		return timed_out(name, prog, err);
	return iso_error_wrap(err, "run container '%s'", name);
}

int lifecycle_run_oneshot(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, int *exit_code, char **output,
			  struct iso_error **err)
{
	return lifecycle_run_oneshot_watch(r, kind, cmd, NULL, NULL, exit_code, output, err);
}

int lifecycle_run_oneshot_watch(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, lifecycle_line_cb cb,
				void *ctx, int *exit_code, char **output, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *name = w->names.init_container;
	if (remove_leftover(w, name, err) < 0)
		return -1;

	int rc = -1;
	struct oneshot_spec s;
	const struct podman_container_spec *spec = oneshot_spec_init(&s, r, kind, cmd);
	struct iso_buf out;
	iso_buf_init(&out, ONESHOT_OUTPUT_CAP);
	if (lifecycle_run_intent(r, LEASE_MADE_INIT, err) < 0)
		goto out;
	if (lifecycle_created_or_aborted(r, podman_container_create(w->client, spec, NULL, err), LEASE_MADE_INIT, err) <
	    0) {
		goto out; /* the podman layer names the container */
	}
	struct oneshot_follow f = {.cb = cb, .ctx = ctx, .out = &out};
	iso_buf_init(&f.line[0], LINE_CAP);
	iso_buf_init(&f.line[1], LINE_CAP);
	rc = start_and_wait(r, name, cmd[0], cb ? &f : NULL, exit_code, err);
	iso_buf_release(&f.line[0]);
	iso_buf_release(&f.line[1]);
	if (rc < 0)
		goto out;
	rc = -1;
	struct podman_logs_opts lo = {.tail = -1};
	if (!cb && podman_container_logs(w->client, name, &lo, collect, &out, err) < 0)
		goto out;
	if (podman_container_remove(w->client, name, 1, err) < 0)
		goto out;
	r->made &= ~(unsigned)LEASE_MADE_INIT;
	*output = iso_buf_steal(&out, NULL);
	rc = 0;
out:
	oneshot_spec_release(&s);
	iso_buf_release(&out);
	return rc;
}

int lifecycle_oneshot_open(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, int tty,
			   struct podman_raw **raw, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *name = w->names.init_container;
	if (remove_leftover(w, name, err) < 0)
		return -1;
	struct oneshot_spec s;
	struct podman_container_spec spec = *oneshot_spec_init(&s, r, kind, cmd);
	spec.stdin_open = 1;
	spec.terminal = tty;
	int rc = -1;
	if (lifecycle_run_intent(r, LEASE_MADE_INIT, err) == 0 &&
	    lifecycle_created_or_aborted(r, podman_container_create(w->client, &spec, NULL, err), LEASE_MADE_INIT,
					 err) == 0)
		rc = podman_container_attach(w->client, name, 1, raw, err);
	oneshot_spec_release(&s);
	if (rc == 0 && podman_container_start(w->client, name, err) < 0) {
		podman_raw_close(*raw);
		*raw = NULL;
		rc = -1;
	}
	return rc;
}

int lifecycle_oneshot_close(struct wo_run *r, int *exit_code, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *name = w->names.init_container;
	long t = left_ms(r);
	if (podman_container_wait_for(w->client, name, t ? t : -1, exit_code, err) < 0)
		return iso_error_wrap(err, "wait for container '%s'", name);
	if (podman_container_remove(w->client, name, 1, err) < 0)
		return -1;
	r->made &= ~(unsigned)LEASE_MADE_INIT;
	return 0;
}

int lifecycle_oneshot_abandon(struct wo_run *r)
{
	if (!(r->made & LEASE_MADE_INIT))
		return 0;
	/* Not cut off by the signal that caused it, nor by a second one (held back until done). */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* The removal's requests must go through; the caller still reads which signal it was. */
	sig_atomic_t sig = r->w->abort_flag ? *r->w->abort_flag : 0;
	if (r->w->abort_flag)
		*r->w->abort_flag = 0;
	struct iso_error *e = NULL;
	int rc = podman_container_remove(r->w->client, r->w->names.init_container, 1, &e);
	if (rc < 0 && !podman_err_not_found(e))
		iso_warn("the one-shot container '%s' is left: %s; 'isopod gc' or the next run removes it",
			 r->w->names.init_container, e->msg);
	else
		r->made &= ~(unsigned)LEASE_MADE_INIT, rc = 0;
	iso_error_free(e);
	if (r->w->abort_flag)
		*r->w->abort_flag = sig;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
