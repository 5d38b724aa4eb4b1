/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One-shot containers: a command run to its end in the work order's pod
 * (psql to ask whether the database is initialised, `odoo -i base` to
 * initialise it), under the init container's name and labels.  The journal
 * names the container while it exists, so an interrupted run leaves nothing
 * `gc` cannot find.
 */
#include <errno.h>
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

struct watch_read {
	struct iso_buf b;
	int over; /* the output outgrew the cap */
};

static int collect_all(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	struct watch_read *x = ctx;
	if (iso_buf_append(&x->b, data, len) < 0)
		x->over = 1;
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

#define WATCH_MS 400
#define WATCH_CAP (4u << 20)

/* Who reads a one-shot's lines while it runs, and how far it has read. */
struct oneshot_watch {
	lifecycle_line_cb cb;
	void *ctx;
	size_t fed; /* bytes of the output already handed over, whole lines */
	int off;    /* the output outgrew WATCH_CAP: no more lines */
};

/* Hand the complete lines of the log after W->fed to the watcher. */
static void watch_feed(struct wo_run *r, const char *name, struct oneshot_watch *wt)
{
	if (!wt->cb || wt->off)
		return;
	struct watch_read x = {.over = 0};
	struct iso_buf *b = &x.b;
	iso_buf_init(b, WATCH_CAP);
	struct podman_logs_opts lo = {.tail = -1};
	struct iso_error *e = NULL;
	if (podman_container_logs(r->w->client, name, &lo, collect_all, &x, &e) < 0) {
		iso_debug("read the output of '%s' while it runs: %s", name, e->msg);
		iso_error_free(e);
	}
	wt->off = x.over;
	for (char *p = b->data && b->len > wt->fed ? b->data + wt->fed : NULL, *nl;
	     p && (nl = memchr(p, '\n', b->len - wt->fed));) {
		*nl = '\0';
		wt->cb(wt->ctx, p);
		wt->fed += (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	iso_buf_release(b);
}

/* The wait for NAME's end timed out: 1 when the deadline is still ahead (keep waiting), 0 when not. */
static int wait_again(struct wo_run *r, struct iso_error **err, long step)
{
	if (step < 0 || !*err || (*err)->status != ETIMEDOUT || (r->deadline_ms && iso_now_ms() >= r->deadline_ms))
		return 0;
	if (r->w->abort_flag && *r->w->abort_flag)
		return 0;
	iso_error_free(*err);
	*err = NULL;
	return 1;
}

/*
 * Start the created one-shot NAME and wait for its end, bounded by the run's
 * readiness deadline; with a watcher, in steps of WATCH_MS, its new lines read between.
 */
static int start_and_wait(struct wo_run *r, const char *name, const char *prog, struct oneshot_watch *wt,
			  int *exit_code, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	if (podman_container_start(w->client, name, err) == 0) {
		for (;;) {
			/* A hung `odoo -i base` must not hang `up`. */
			long left = r->deadline_ms ? (long)(r->deadline_ms - iso_now_ms()) : -1;
			long t = left > 1000 ? left : 1000, step = wt->cb && t > WATCH_MS ? WATCH_MS : -1;
			if (podman_container_wait_for(w->client, name, step > 0 ? step : t, exit_code, err) == 0) {
				watch_feed(r, name, wt);
				return 0;
			}
			if (!wait_again(r, err, step))
				break;
			watch_feed(r, name, wt);
		}
	}
	if (*err && (*err)->status == ETIMEDOUT && r->deadline_ms && iso_now_ms() >= r->deadline_ms) {
		iso_error_free(*err);
		*err = NULL;
		return iso_error_set(err, ISO_E_TIMEOUT, ETIMEDOUT,
				     "container '%s' (%s) did not finish within the timeout; raise --timeout, and see "
				     "its output with 'podman logs %s' while it runs",
				     name, prog, name);
	}
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
	struct oneshot_watch wt = {.cb = cb, .ctx = ctx};
	if (start_and_wait(r, name, cmd[0], &wt, exit_code, err) < 0)
		goto out;
	struct podman_logs_opts lo = {.tail = -1};
	if (podman_container_logs(w->client, name, &lo, collect, &out, err) < 0)
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
