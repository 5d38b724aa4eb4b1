/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readiness that is proven, never slept on: Postgres answers its protocol
 * from inside the pod (a netns probe, no exec), the database is asked
 * whether Odoo initialised it, Odoo serves /web/login on the published
 * port.  A container that exits fails the wait at once, with its last lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "probe/http.h"
#include "lifecycle/lifecycle.h"
#include "probe/pg.h"
#include "podman/exec.h"

/* A missed probe costs up to one period; each costs well under a millisecond. */
#define POLL_MS 25
#define LOG_LINES 15

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int collect(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	iso_buf_append(ctx, data, len);
	return 0;
}

char *lifecycle_last_log_lines(struct wo_ctx *w, const char *container, int lines)
{
	struct iso_buf b;
	iso_buf_init(&b, 1u << 20);
	struct podman_logs_opts o = {.tail = lines};
	struct iso_error *e = NULL;
	if (podman_container_logs(w->client, container, &o, collect, &b, &e) < 0)
		iso_error_free(e);
	char *s = iso_buf_steal(&b, NULL);
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

char *lifecycle_init_log_path(const struct wo_ctx *w)
{
	return xasprintf("%s/%s-%s-init.log", w->cfg.state_dir, w->names.profile, w->names.wo);
}

static int interrupted(struct wo_run *r, struct iso_error **err)
{
	if (r->w->abort_flag && *r->w->abort_flag)
		return iso_error_set(err, ISO_E_INTERNAL, ECANCELED, "interrupted");
	return 0;
}

/* Fail at once when CONTAINER is no longer running; *pid its PID when it is. */
static int check_running(struct wo_run *r, const char *container, int *pid, struct iso_error **err)
{
	struct podman_container c;
	if (podman_container_inspect(r->w->client, container, &c, err) < 0)
		return -1;
	int running = c.running, code = c.exit_code;
	*pid = c.pid;
	cleanup_free char *state = xstrdup(c.state ? c.state : "unknown");
	podman_container_release(&c);
	if (running)
		return 0;
	if (!strcmp(state, "created") || !strcmp(state, "initialized")) {
		*pid = 0; /* not started yet */
		return 0;
	}
	cleanup_free char *tail = lifecycle_last_log_lines(r->w, container, LOG_LINES);
	return iso_error_set(err, ISO_E_EXITED, code,
			     "container '%s' stopped (%s, exit code %d) while waiting for it; its last lines:\n%s",
			     container, state, code, *tail ? tail : "(no output)");
}

static int timed_out(struct wo_run *r, const char *what, const char *last, struct iso_error **err)
{
	return iso_error_set(err, ISO_E_TIMEOUT, ETIMEDOUT,
			     "%s was not ready within the timeout (last seen: %s); raise --timeout, or look at "
			     "'isopod logs %s'",
			     what, last, r->w->names.wo);
}

/*
 * Behind a remote endpoint there is no PID to enter: readiness is asked from
 * inside the pod by a one-shot container (one a second: each costs a create,
 * a start and a removal).  *ready tells; the container's exit is the answer.
 */
static int remote_probe(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, int *ready, char *last,
			size_t size, struct iso_error **err)
{
	int code = -1;
	cleanup_free char *out = NULL;
	if (lifecycle_run_oneshot(r, kind, cmd, &code, &out, err) < 0)
		return -1;
	*ready = code == 0;
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	snprintf(last, size, "exit %d%s%s", code, *out ? ": " : "", out);
	return 0;
}

static int wait_db_remote(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	char last[300] = "nothing yet";
	const char *cmd[] = {"pg_isready", "-h", "127.0.0.1",       "-p", "5432", "-U",
			     WO_DB_USER,   "-d", w->names.database, NULL};
	for (;;) {
		int pid, ready = 0;
		if (interrupted(r, err) < 0 || check_running(r, w->names.db_container, &pid, err) < 0)
			return -1;
		if (remote_probe(r, WO_ONESHOT_DB_TOOL, cmd, &ready, last, sizeof(last), err) < 0)
			return -1;
		if (ready)
			return 0;
		if (iso_now_ms() >= r->deadline_ms)
			return timed_out(r, "Postgres", last, err);
		nap(1000);
	}
}

static int wait_odoo_remote(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	char last[300] = "nothing yet";
	/* http.client does not follow redirects: a 303 to the database selector is not ready. */
	const char *cmd[] = {"python3", "-c",
			     "import http.client as h\n"
			     "c = h.HTTPConnection('127.0.0.1', 8069, timeout=2)\n"
			     "c.request('GET', '/web/login')\n"
			     "s = c.getresponse().status\n"
			     "print('HTTP', s)\n"
			     "raise SystemExit(0 if s == 200 else 1)\n",
			     NULL};
	for (;;) {
		int pid, ready = 0;
		if (interrupted(r, err) < 0 || check_running(r, w->names.odoo_container, &pid, err) < 0)
			return -1;
		if (remote_probe(r, WO_ONESHOT_ODOO_TOOL, cmd, &ready, last, sizeof(last), err) < 0)
			return -1;
		if (ready)
			return 0;
		if (iso_now_ms() >= r->deadline_ms)
			return timed_out(r, "Odoo", last, err);
		nap(1000);
	}
}

int lifecycle_wait_db(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	char last[300] = "nothing yet";
	int pid = 0;
	progress_step(r->progress, "database", "waiting for Postgres in pod %s", w->names.pod);
	if (w->remote)
		return wait_db_remote(r, err);
	for (int round = 0;; round++) {
		if (interrupted(r, err) < 0)
			return -1;
		/* The PID is read once it runs; later inspections only watch for an exit (every half second). */
		if ((pid <= 0 || round % 20 == 0) && check_running(r, w->names.db_container, &pid, err) < 0)
			return -1;
		if (pid > 0) {
			struct probe_pg_result res;
			if (probe_pg_once(pid, 5432, WO_DB_USER, r->probe_db ? r->probe_db : w->names.database,
					  PROBE_PG_TIMEOUT_MS, &res, err) < 0) {
				/*
				 * The PID is gone, or the probe did not finish: a container that
				 * exited is the story to tell (exit 8 with its last lines).
				 */
				struct iso_error *probe_err = steal_pointer(err);
				if (check_running(r, w->names.db_container, &pid, err) < 0) {
					iso_error_free(probe_err);
					return -1;
				}
				if (iso_now_ms() >= r->deadline_ms) {
					iso_error_move(err, probe_err);
					return iso_error_wrap(err, "probe Postgres of '%s'", w->names.pod);
				}
				iso_debug("probe of Postgres failed, container still running: %s", probe_err->msg);
				iso_error_free(probe_err);
				snprintf(last, sizeof(last), "the probe could not enter the pod");
				nap(POLL_MS);
				continue;
			}
			if (res.state == PROBE_PG_READY)
				return 0;
			snprintf(last, sizeof(last), "%s%s%s", probe_pg_state_name(res.state),
				 res.message[0] ? ": " : "", res.message);
			if (res.state == PROBE_PG_ERROR)
				return iso_error_set(err, ISO_E_REFUSED, 0,
						     "Postgres of '%s' answers with an error: %s", w->names.pod, last);
		}
		if (iso_now_ms() >= r->deadline_ms)
			return timed_out(r, "Postgres", last, err);
		nap(POLL_MS);
	}
}

int lifecycle_wait_odoo(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *addr = w->cfg.profile.host_address;
	int port = r->grant.ports[ISO_PORT_HTTP];
	char last[64] = "no answer";
	int rounds = 0;
	progress_step(r->progress, "odoo", "waiting for Odoo on http://%s:%d/web/login", addr, port);
	if (w->remote)
		return wait_odoo_remote(r, err);
	for (;;) {
		if (interrupted(r, err) < 0)
			return -1;
		int status = 0;
		if (probe_http(addr, port, "/web/login", 1000, &status, err) < 0)
			return -1;
		if (status == 200)
			return 0;
		if (status)
			snprintf(last, sizeof(last), "HTTP %d from /web/login", status);
		/* Inspecting on every round would multiply the API traffic; every half second fails fast enough. */
		int pid;
		if (rounds++ % 20 == 0 && (check_running(r, w->names.odoo_container, &pid, err) < 0 ||
					   check_running(r, w->names.db_container, &pid, err) < 0))
			return -1;
		if (iso_now_ms() >= r->deadline_ms)
			return timed_out(r, "Odoo", last, err);
		nap(POLL_MS);
	}
}

int lifecycle_db_initialised(struct wo_run *r, int *initialised, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *cmd[] = {"psql", "-h", "127.0.0.1", "-U", WO_DB_USER, "-d", w->names.database, "-tAc",
			     /*
			      * base installed and nothing left half-done: Odoo commits module by
			      * module, so an init cut off leaves the others 'to install'.
			      */
			     "SELECT state || CASE WHEN EXISTS (SELECT 1 FROM ir_module_module WHERE state IN "
			     "('to install', 'to upgrade')) THEN '/unfinished' ELSE '' END "
			     "FROM ir_module_module WHERE name = 'base'",
			     NULL};
	int code = -1;
	cleanup_free char *out = NULL;
	if (lifecycle_run_oneshot(r, WO_ONESHOT_DB_TOOL, cmd, &code, &out, err) < 0)
		return iso_error_wrap(err, "ask the database whether it is initialised");
	if (code == 0) {
		/* -tA prints the state alone: "installed", or nothing when base is not there. */
		size_t n = strlen(out);
		while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
			out[--n] = '\0';
		*initialised = strcmp(out, "installed") == 0;
		return 0;
	}
	/* psql exits 1 when the query fails: without Odoo's table the database is empty. */
	if (strstr(out, "relation \"ir_module_module\" does not exist")) {
		*initialised = 0;
		return 0;
	}
	return iso_error_set(err, ISO_E_REFUSED, code,
			     "could not ask database '%s' whether it is initialised (psql exited %d): %s",
			     w->names.database, code, out);
}

struct init_watch {
	struct progress_odoo odoo;
	const struct progress_sink *sink;
};

static void init_line(void *ctx, int is_stderr, const char *line)
{
	struct init_watch *iw = ctx;
	progress_odoo_line(&iw->odoo, line, iw->sink);
}

/* The profile's modules as one -i argument ("base,sale"). */
static void modules_csv(const struct wo_ctx *w, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (char **m = w->cfg.profile.modules; m && *m && n < size; m++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "", *m);
	if (!out[0])
		snprintf(out, size, "base");
}

/* Odoo in the init container with CMD, its log saved; WHAT: "initialising", "upgrading". */
static int run_odoo_init(struct wo_run *r, const char *const *cmd, const char *what, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int code = -1;
	cleanup_free char *out = NULL;
	struct init_watch iw = {.sink = r->progress};
	lifecycle_line_cb cb = r->progress && r->progress->emit ? init_line : NULL;
	if (lifecycle_run_oneshot_watch(r, WO_ONESHOT_ODOO, cmd, cb, &iw, &code, &out, err) < 0)
		return iso_error_wrap(err, "%s database '%s'", what, w->names.database);
	cleanup_free char *path = lifecycle_init_log_path(w);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || iso_write_all(fd, out, strlen(out)) < 0)
		iso_warn("cannot save the init log to '%s': %s", path, strerror(errno));
	if (code != 0) {
		/* The last LOG_LINES lines say why: step back over that many line ends (a final one not counted). */
		const char *tail = out + strlen(out);
		if (tail > out && tail[-1] == '\n')
			tail--;
		for (int lines = 0; tail > out; tail--)
			if (tail[-1] == '\n' && ++lines == LOG_LINES)
				break;
		return iso_error_set(err, ISO_E_EXITED, code,
				     "%s database '%s' failed (exit code %d); the next 'isopod up' tries "
				     "again; full log: %s (or 'isopod logs %s init'); last lines:\n%s",
				     what, w->names.database, code, path, w->names.wo, tail);
	}
	return 0;
}

int lifecycle_db_initialise(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	char mods[64 * 65];
	modules_csv(w, mods, sizeof mods);
	const char *cmd[] = {"odoo", "-d", w->names.database, "-i", mods, "--without-demo=all", "--stop-after-init",
			     NULL};
	progress_step(r->progress, "init", "initialising database '%s' (odoo -i %s)...", w->names.database, mods);
	return run_odoo_init(r, cmd, "initialising", err);
}

int lifecycle_db_update(struct wo_run *r, const char *upgrade, const char *install, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *cmd[10] = {"odoo", "-d", w->names.database};
	size_t n = 3;
	if (upgrade && *upgrade) {
		cmd[n++] = "-u";
		cmd[n++] = upgrade;
	}
	if (install && *install) {
		cmd[n++] = "-i";
		cmd[n++] = install;
	}
	if (n == 3)
		return 0;
	cmd[n++] = "--without-demo=all";
	cmd[n++] = "--stop-after-init";
	cmd[n] = NULL;
	progress_step(r->progress, "upgrade", "updating database '%s' (%s%s%s%s%s)...", w->names.database,
		      upgrade && *upgrade ? "-u " : "", upgrade && *upgrade ? upgrade : "",
		      upgrade && *upgrade && install && *install ? " " : "", install && *install ? "-i " : "",
		      install && *install ? install : "");
	return run_odoo_init(r, cmd, "updating", err);
}

int lifecycle_stop_db(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	progress_step(r->progress, "db", "stopping Postgres (%s) for a consistent copy", w->names.db_container);
	if (podman_container_stop(w->client, w->names.db_container, 60, err) < 0)
		return iso_error_wrap(err, "stop Postgres of '%s'", w->names.pod);
	struct podman_container c;
	if (podman_container_inspect(w->client, w->names.db_container, &c, err) < 0)
		return -1;
	int code = c.exit_code, running = c.running;
	podman_container_release(&c);
	if (running || code != 0)
		return iso_error_set(
			err, ISO_E_EXITED, code,
			"Postgres of '%s' did not shut down cleanly (exit code %d): its data is not copied; "
			"see 'isopod logs %s db'",
			w->names.pod, code, w->names.wo);
	return 0;
}
