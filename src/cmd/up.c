/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod up: bring a work order's pod up and prove it ready.
 *
 * The paths, decided from what Podman's labels say exists and what the
 * lease records:
 *   pod running, config unchanged      print the environment; no create or start call
 *   pod running, config changed        report the drift; --recreate rebuilds the pod
 *   pod stopped or degraded            start it, prove it ready
 *   no pod, a `ready` lease            recreate the pod on the same ports and volumes,
 *                                      start both containers with one pods/start
 *   no pod, no `ready` lease           the DB-first path: Postgres, the initialisation
 *                                      check (and Odoo's init), then Odoo
 * Any failure or signal undoes exactly what this run made (lifecycle_undo).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "doctor/doctor.h"
#include "lifecycle/lifecycle.h"
#include "progress/progress.h"
#include "snapshot/snapshot.h"
#include "template/template.h"
#include "verify/verify.h"
#include "up.h"

#define PORT_RACE_TRIES 3

struct up_opts {
	struct iso_config_flags flags;
	int port;
	long timeout_s; /* 0: the default of the path taken */
	int verify, recreate, show_secrets;
};

static int pull_progress(void *ctx, const char *line)
{
	progress_pull_line(ctx, line);
	return 0;
}

/* Both images present, or pulled now (each line of the pull an event); before anything is made. */
static int ensure_images(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *images[] = {w->cfg.profile.db_image, w->cfg.profile.odoo_image};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(images); i++) {
		int have = podman_image_exists(w->client, images[i], err);
		if (have < 0)
			return -1;
		if (have)
			continue;
		struct progress_pull pp = {.image = images[i], .sink = r->progress};
		progress_step(r->progress, "pull", "pulling image '%s'...", images[i]);
		podman_progress_cb cb = r->progress && r->progress->emit ? pull_progress : NULL;
		if (podman_image_pull(w->client, images[i], 1, cb, &pp, NULL, err) < 0)
			return iso_error_wrap(err,
					      "image '%s' is not here and cannot be pulled (set the profile's "
					      "%s or ISOPOD_%s_IMAGE to an image that exists)",
					      images[i], i ? "odoo_image" : "db_image", i ? "ODOO" : "DB");
	}
	return 0;
}

/* The pod's infra container alone (its ports and network), for a copy into volumes Postgres does not use yet. */
static int start_infra(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct podman_pod pod;
	if (podman_pod_inspect(w->client, w->names.pod, &pod, err) < 0)
		return -1;
	progress_step(r->progress, "pod", "starting the infra container of %s", w->names.pod);
	int rc = pod.infra_id ? podman_container_start(w->client, pod.infra_id, err)
			      : iso_error_set(err, ISO_E_REFUSED, 0, "pod '%s' has no infra container", w->names.pod);
	podman_pod_release(&pod);
	return rc;
}

/* The pod, then (cloning: its infra started and the template copied) its containers, started. */
static int make_once(struct wo_run *r, int db_first, struct tpl_up *t, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int clone = t->enabled && t->plan.match != TPL_NONE;
	if (lifecycle_create_pod(r, err) < 0)
		return -1;
	if (clone && !t->copied && !t->job) {
		/* No way into the user namespace but the pod's own: its infra first. */
		if (start_infra(r, err) < 0)
			return 1; /* a start failure: maybe a port race */
		if (tpl_up_clone(r, t, 1, err) < 0)
			return -1;
	}
	if (lifecycle_create_db(r, err) < 0)
		return -1;
	/* A clone's Odoo is made while the copy runs, started once the database has its identity. */
	if ((!db_first || clone) && lifecycle_create_odoo(r, err) < 0)
		return -1;
	if (clone && tpl_up_clone_wait(r, t, err) < 0)
		return -1;
	progress_step(r->progress, "pod", "starting %s", db_first ? w->names.db_container : w->names.pod);
	int rc = db_first ? podman_container_start(w->client, w->names.db_container, err)
			  : podman_pod_start(w->client, w->names.pod, err);
	return rc < 0 ? 1 : 0;
}

/* Create the pod and its containers and start them; on a lost port race move to the next free port. */
static int make_and_start(struct wo_run *r, const struct up_opts *o, int db_first, struct tpl_up *t,
			  struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	for (int attempt = 1;; attempt++) {
		wo_config_hash(&w->cfg, r->grant.ports, r->hash);
		int rc = make_once(r, db_first, t, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		int race = cmd_up_race_lost(r, err);
		if (race <= 0 || attempt == PORT_RACE_TRIES || o->port)
			return race < 0 ? -1 : iso_error_wrap(err, "start pod '%s'", w->names.pod);
		int lost = r->grant.ports[ISO_PORT_HTTP];
		iso_error_free(*err);
		*err = NULL;
		if (lifecycle_remove_made(w, LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_ODOO, err) < 0)
			return -1;
		r->made &= ~(unsigned)(LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_ODOO);
		if (cmd_up_move_http_lease(r, lost, err) < 0)
			return -1;
		iso_warn("port %d was taken by another program after it was leased; moved to port %d", lost,
			 r->grant.ports[ISO_PORT_HTTP]);
	}
}

/* What the lease says about the run ahead, decided once the lease is held. */
struct up_plan {
	int pod_ports[ISO_PORT_PURPOSES]; /* the ports the existing pod was made with */
	int ready_lease;                  /* a `ready` lease: the work order was up before */
	int half_made;                    /* a `creating` lease of a run that died: its pod is half-made */
	long timeout_ms;
};

/* Objects of the work order's names that are not this work order's, or a volume without its secret. */
static int refuse_foreign(const struct wo_ctx *w, const struct wo_found *f, struct iso_error **err)
{
	if (f->other_profile[0])
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "work order '%s' exists with profile '%s'; use --profile %s, or remove it with "
				     "'isopod down %s --profile %s --cleanup'",
				     w->names.wo, f->other_profile, f->other_profile, w->names.wo, f->other_profile);
	if (f->pod_foreign)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "a pod named '%s' exists without this work order's labels; it is not isopod's to "
				     "touch: remove it with 'podman pod rm %s' if it is not needed",
				     w->names.pod, w->names.pod);
	if (f->secret_foreign)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "a secret named '%s' exists without this work order's labels; remove it with "
				     "'podman secret rm %s' if it is not needed",
				     w->names.secret, w->names.secret);
	if (f->have_db_volume && !f->have_secret)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "volume '%s' exists but its password secret '%s' is gone, so its database cannot "
				     "be opened; 'isopod down %s --cleanup' deletes the data and starts afresh",
				     w->names.db_volume, w->names.secret, w->names.wo);
	return 0;
}

/* Lease the ports (an existing pod keeps its own unless --recreate moves it) and set the deadline. */
static int take_lease(struct wo_run *r, const struct up_opts *o, const struct wo_found *f, struct up_plan *p,
		      struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct lease_request req = cmd_up_lease_request(w, o->port);
	if (f->have_pod) {
		wo_labels_ports(&f->pod.labels, p->pod_ports, NULL, 0);
		req.own = p->pod_ports;
		/*
		 * The pod keeps its port; --recreate --port moves the lease only once
		 * the old pod is gone (existing_pod), so a run cut off before that
		 * leaves the lease where the pod still publishes.
		 */
		if (p->pod_ports[ISO_PORT_HTTP] && (!o->recreate || o->port))
			req.port = p->pod_ports[ISO_PORT_HTTP];
	}
	/* Only leases this run made are this run's to release (a moved or widened lease is not). */
	int held = 0;
	if (lifecycle_lease_held(&r->reg, w, &held, err) < 0)
		return -1;
	if (lease_run_self(&req.run, err) < 0 || lease_acquire(&r->reg, &req, &r->grant, err) < 0)
		return -1;
	r->took_lease = !held;
	p->ready_lease = r->grant.existing && r->grant.state == LEASE_READY;
	/* A `creating` lease found here belongs to a run that died (we hold the lock). */
	p->half_made = r->grant.existing && r->grant.state != LEASE_READY;
	wo_config_hash(&w->cfg, r->grant.ports, r->hash);
	p->timeout_ms = (o->timeout_s ? o->timeout_s : (p->ready_lease ? 120 : 300)) * 1000L;
	r->deadline_ms = iso_now_ms() + p->timeout_ms;
	return 0;
}

/* Remove the pod (volumes and secret stay) so the no-pod path makes it anew: returns 0. */
static int drop_pod(struct wo_ctx *w, struct wo_found *f, int *drift, struct iso_error **err)
{
	if (lifecycle_remove_made(w, LEASE_MADE_POD, err) < 0)
		return -1;
	podman_pod_release(&f->pod);
	f->have_pod = 0;
	*drift = 0;
	return 0;
}

/* The existing pod is the answer: a lease lost with its registry is rebuilt from it.  Returns 1. */
static int keep_pod(struct wo_run *r, struct iso_error **err)
{
	if (!r->grant.existing && lease_mark_ready(&r->reg, &r->key, err) < 0)
		return -1;
	r->took_lease = 0;
	return 1;
}

/* A stopped or degraded pod: start it and prove it ready, or, its port taken, drop it. */
static int start_stopped(struct wo_run *r, const struct up_opts *o, struct wo_found *f, const struct up_plan *p,
			 const char **what, int *drift, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	progress_step(r->progress, "pod", "starting pod %s (it was %s)", w->names.pod,
		      f->pod.state ? f->pod.state : "stopped");
	if (podman_pod_start(w->client, w->names.pod, err) == 0) {
		if (lifecycle_wait_db(r, err) < 0 || lifecycle_wait_odoo(r, err) < 0)
			return -1;
		*what = "started";
		return keep_pod(r, err);
	}
	int race = cmd_up_race_lost(r, err);
	if (race <= 0)
		return race < 0 ? -1 : iso_error_wrap(err, "start pod '%s'", w->names.pod);
	/* After a reboot another program may hold the port: recreate the pod (volumes kept). */
	iso_error_free(*err);
	*err = NULL;
	if (o->port)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "port %d is in use by another program; pick another with --port, or drop "
				     "--port for the next free one",
				     o->port);
	progress_step(r->progress, "pod", "pod %s cannot start on port %d (in use): recreating it", w->names.pod,
		      p->pod_ports[ISO_PORT_HTTP]);
	return drop_pod(w, f, drift, err);
}

/* A pod exists: 1 when it is the answer (running, or started), 0 when it was dropped to be made anew. */
static int existing_pod(struct wo_run *r, const struct up_opts *o, struct wo_found *f, const struct up_plan *p,
			const char **what, int *drift, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *label_hash = podman_labels_get(&f->pod.labels, LABEL_CONFIG);
	*drift = !label_hash || strcmp(label_hash, r->hash) != 0 || (o->port && o->port != p->pod_ports[ISO_PORT_HTTP]);
	/* Infra, Postgres and Odoo: fewer is a pod a run did not finish (or someone took apart). */
	int incomplete = f->pod.n_containers < 3;
	if (p->half_made || incomplete || (*drift && o->recreate)) {
		/* Half-made by a run that died, or rebuilt on request. */
		progress_step(r->progress, "pod", "%s pod %s",
			      p->half_made || incomplete ? "replacing the unfinished" : "recreating", w->names.pod);
		if (drop_pod(w, f, drift, err) < 0)
			return -1;
		return o->recreate && o->port && o->port != r->grant.ports[ISO_PORT_HTTP]
			       ? cmd_up_move_lease(r, o->port, err)
			       : 0;
	}
	if (f->pod.state && !strcmp(f->pod.state, "Running")) {
		*what = "already running";
		return keep_pod(r, err);
	}
	return start_stopped(r, o, f, p, what, drift, err);
}

/*
 * DB-first: the database is up.  A clone gets its identity; a database made
 * by this run is initialised (and saved as a template when there was none);
 * an older one is asked whether it is initialised.  Then Odoo.
 */
static int finish_db_first(struct wo_run *r, int fresh, struct tpl_up *t, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int initialised = 0;
	if (t->enabled && t->plan.match != TPL_NONE) {
		if (tpl_up_identity(r, t, err) < 0)
			return -1;
	} else {
		if (!fresh && lifecycle_db_initialised(r, &initialised, err) < 0)
			return -1;
		if (!initialised && lifecycle_db_initialise(r, err) < 0)
			return -1;
		if (t->save && tpl_up_save(r, t, err) < 0)
			return -1;
	}
	if (!(r->made & LEASE_MADE_ODOO) && lifecycle_create_odoo(r, err) < 0)
		return -1;
	progress_step(r->progress, "odoo", "starting container %s", w->names.odoo_container);
	return podman_container_start(w->client, w->names.odoo_container, err);
}

/*
 * No pod: make it.  With a `ready` lease and the database volume, recreate
 * it on the same ports and start both containers at once; else DB-first.
 */
static int make_pod(struct wo_run *r, const struct up_opts *o, struct wo_found *f, const struct up_plan *p,
		    struct tpl_up *t, const char **what, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	/* The journal first: from here on a kill leaves a `creating` lease that `up` and `gc` finish. */
	if (ensure_images(r, err) < 0 || lifecycle_run_begin(r, err) < 0)
		return -1;
	/* A pull may take long; the readiness timeout starts after it. */
	r->deadline_ms = iso_now_ms() + p->timeout_ms;
	/* No pod: the database volume and its secret are one unit. */
	if (!f->have_db_volume && f->have_secret) {
		iso_debug("removing secret '%s' left without its volume", w->names.secret);
		if (lifecycle_remove_made(w, LEASE_MADE_SECRET, err) < 0)
			return -1;
		f->have_secret = 0;
	}
	if (!f->have_db_volume && lifecycle_create_secret(r, err) < 0)
		return -1;
	if (lifecycle_create_volumes(r, !f->have_db_volume, !f->have_odoo_volume, err) < 0)
		return -1;
	int db_first = !(p->ready_lease && f->have_db_volume);
	int fresh = !f->have_db_volume;
	if (tpl_up_prepare(r, fresh && !o->flags.no_template, t, err) < 0)
		return -1;
	/* A clone's database still has the template's name until tpl_up_identity. */
	int clone = t->enabled && t->plan.match != TPL_NONE;
	r->probe_db = clone ? "postgres" : NULL;
	/* The copy runs beside the pod's making when the service's PID leads into the user namespace. */
	if (clone && tpl_up_clone_start(r, t, err) < 0)
		return -1;
	if (make_and_start(r, o, db_first, t, err) < 0 || lifecycle_wait_db(r, err) < 0)
		return -1;
	r->probe_db = NULL;
	if (db_first && finish_db_first(r, fresh, t, err) < 0)
		return -1;
	if (lifecycle_wait_odoo(r, err) < 0 || lease_mark_ready(&r->reg, &r->key, err) < 0)
		return -1;
	*what = f->have_db_volume ? "recreated" : "created";
	return 0;
}

/*
 * A run that died made the work order's volumes (its journal names them): they
 * hold nothing the work order ever served (a partial copy of a template, a cut
 * init), so they go with its secret and this run starts afresh.  A rebuild's
 * journal never names the volumes: those of a work order that was up stay.
 */
static int drop_dead_runs_data(struct wo_run *r, struct wo_found *f, struct iso_error **err)
{
	unsigned data = r->grant.made & (LEASE_MADE_DB_VOLUME | LEASE_MADE_ODOO_VOLUME | LEASE_MADE_SECRET);
	if (!(r->grant.made & LEASE_MADE_DB_VOLUME) || f->have_pod)
		return 0;
	progress_step(r->progress, "volumes", "removing the volumes an interrupted first up of %s made",
		      r->w->names.wo);
	if (lifecycle_remove_made(r->w, data, err) < 0)
		return -1;
	f->have_db_volume = f->have_odoo_volume = 0;
	if (data & LEASE_MADE_SECRET)
		f->have_secret = 0;
	return 0;
}

/* The whole of one `up` under the work order's lock; *what says which path was taken. */
static int up(struct wo_run *r, const struct up_opts *o, const char **what, int *drift, struct iso_error **err)
{
	struct wo_found f;
	if (wo_find(r->w, &f, err) < 0)
		return -1;
	struct up_plan p = {0};
	int rc = refuse_foreign(r->w, &f, err);
	if (rc == 0)
		rc = take_lease(r, o, &f, &p, err);
	if (rc == 0 && f.have_pod)
		rc = existing_pod(r, o, &f, &p, what, drift, err);
	if (rc == 0 && p.half_made)
		rc = drop_dead_runs_data(r, &f, err);
	struct tpl_up t = {.lock_fd = -1};
	if (rc == 0)
		rc = make_pod(r, o, &f, &p, &t, what, err);
	tpl_up_release(&t);
	wo_found_release(&f);
	return rc < 0 ? -1 : 0;
}

static int opt_timeout(const struct cli_option *opt, const char *arg, struct iso_error **err)
{
	if (iso_parse_long(arg, 1, 86400, opt->value) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "--timeout '%s' is not a number of seconds (1-86400)", arg);
	return 0;
}

static const struct cli_help up_help = {
	"usage: isopod up WO-ID [--port N] [--profile NAME] [--repo DIR] [--bind ADDR] [--timeout S]\n"
	"                       [--verify] [--recreate] [--no-template] [--show-secrets] [--json]\n\n"
	"Bring up the work order's pod (Odoo + PostgreSQL) and wait until it is proven ready:\n"
	"Postgres answers inside the pod and Odoo serves /web/login on the published port.\n"
	"A fresh work order's database comes from the profile's template (config 'template':\n"
	"auto, exact or never); with none yet, it is initialised with the profile's modules\n"
	"and saved as the profile's first template.\n\n",
	"Exit codes: 0 up, 1 internal (an answer from Podman that is no answer included),\n"
	"2 bad input, 4 conflict, 5 Podman unreachable, 6 Podman refused,\n"
	"7 readiness timeout, 8 a container exited, 9 verify failed, 10 host not prepared,\n"
	"129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM (what this run made is removed; if that\n"
	"fails, it says so and 'isopod gc' finishes it).\n",
};

/* The options and the one work order: 0 to go on, else -1 with the exit code in *rc. */
static int parse_opts(int argc, char **argv, struct up_opts *o, struct iso_globals *g, int *rc)
{
	const struct cli_option opts[] = {
		CLI_OPT_PORT('p', "port", &o->port,
			     "the host port for Odoo (default: the work order's lease, or the\n"
			     "lowest free port of the range)"),
		CLI_OPT_PROFILE(&o->flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_STRING(0, "repo", &o->flags.repo, "DIR",
			       "the repository (default: the git top level of the current directory)"),
		CLI_OPT_STRING(0, "bind", &o->flags.bind, "ADDR", "the host address ports bind to (default 127.0.0.1)"),
		CLI_OPT_CALLBACK(0, "timeout", &o->timeout_s, "S",
				 "readiness timeout in seconds (default 300 on a first up, 120 after)", opt_timeout),
		CLI_OPT_BOOL(0, "verify", &o->verify, "run 'isopod verify' once ready"),
		CLI_OPT_BOOL(0, "recreate", &o->recreate,
			     "rebuild a pod whose configuration changed (volumes are kept)"),
		CLI_OPT_BOOL(0, "show-secrets", &o->show_secrets, "print the database password"),
		CLI_OPT_BOOL(0, "no-template", &o->flags.no_template,
			     "initialise a fresh work order from scratch, not from the\n"
			     "profile's template (this run only)"),
		CLI_OPT_BOOL(0, "json", &g->json, "one JSON object on stdout"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &up_help, 0, g, rc);
	if (n < 0)
		return -1;
	if (n != 1) {
		*rc = cli_usage(g, "up", n == 0 ? "a work-order id is required" : "one work-order id only");
		return -1;
	}
	return 0;
}

/* A failed or interrupted run: undo exactly what it made, then report. */
static int fail_run(struct wo_run *r, const struct iso_globals *g, const char *wo, struct iso_error *err)
{
	/* lifecycle_undo clears the flag so its own requests go through: read it first. */
	int sig = wo_interrupted;
	int undone = 1;
	if (r->made || r->uncertain || (r->have_reg && (r->took_lease || r->rebuilding)))
		undone = lifecycle_undo(r) == 0;
	const char *after =
		undone ? "everything this run made was removed" : "the rollback is incomplete: 'isopod gc' finishes it";
	if (sig) {
		/* Not a class of its own. */
		iso_error_free(err);
		return cli_interrupted(g, sig, "up '%s' interrupted by signal %d; %s", wo, sig, after);
	}
	doctor_explain_refusal(r->w->client, &err);
	if (!undone)
		iso_error_wrap(&err, "%s", after);
	return cli_fail(g, err);
}

/* Context, lock and registry of the work order, then the run; -1 with *err on failure. */
static int run(struct wo_run *r, const char *wo, const struct up_opts *o, const char **what, int *drift,
	       struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	/* Every input, and the registry directory, is judged before Podman is looked for. */
	if (wo_ctx_init(w, wo, &o->flags, WO_NEED_CONFIG, err) < 0 ||
	    lease_check_unprivileged(w->uid, o->port, w->cfg.profile.port_low, w->cfg.profile.port_high, err) < 0 ||
	    lease_registry_open_config(&r->reg, &w->cfg, err) < 0)
		return -1;
	r->have_reg = 1;
	if (wo_client_open(w, err) < 0)
		return -1;
	if (w->remote && o->verify)
		return iso_error_set(err, ISO_E_HOST, 0,
				     "--verify needs a local Podman: behind the remote endpoint '%s' there are no PIDs "
				     "to enter; run 'isopod up' without --verify",
				     podman_client_endpoint(w->client));
	if (wo_lock(w, (o->timeout_s ? o->timeout_s : 300) * 1000L, err) < 0)
		return -1;
	cleanup_free char *cut = snap_interrupted(w);
	if (cut)
		return iso_error_set(err, ISO_E_CONFLICT, 0, "%s", cut);
	r->key = (struct lease_key){.uid = w->uid, .profile = w->names.profile, .wo = w->names.wo};
	return up(r, o, what, drift, err);
}

/* The result on the progress line: which path, and how long it took. */
static void tell_result(const struct progress_sink *s, const char *wo, const char *what, int64_t t0)
{
	int64_t ms = iso_now_ms() - t0;
	progress_done(s, "up", "work order %s is up (%s) in %lld.%llds", wo, *what ? what : "done",
		      (long long)(ms / 1000), (long long)(ms % 1000 / 100));
}

int cmd_up(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct up_opts o = {0};
	int rc = 0;
	if (parse_opts(argc, argv, &o, &mine, &rc) < 0)
		return rc;
	const char *wo = argv[1];

	cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
	struct progress_render pr;
	progress_render_init(&pr, progress_cli_format(mine.progress, mine.quiet, mine.json, STDERR_FILENO), stderr);
	struct progress_sink sink = progress_render_sink(&pr);
	int64_t t0 = iso_now_ms();
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct wo_run r = {.w = &w, .g = &mine, .progress = &sink};
	const char *what = "";
	int drift = 0;
	if (run(&r, wo, &o, &what, &drift, &err) < 0) {
		progress_fail(&sink, "up", "up of '%s' failed", wo);
		rc = fail_run(&r, &mine, wo, err);
	} else {
		/* The environment stays up when a check fails: it works, its isolation is what is in question. */
		struct verify_outcome vo;
		if (o.verify)
			progress_step(&sink, "verify", "proving the isolation of pod %s", w.names.pod);
		if (o.verify && verify_run(&w, &vo, &err) < 0) {
			progress_fail(&sink, "verify", "verify of '%s' failed", wo);
			rc = cli_fail(&mine, err);
		} else {
			if (o.verify)
				rc = (int)verify_report_class(&vo.report);
			tell_result(&sink, wo, what, t0);
			cmd_up_print_env(&r, &mine, o.show_secrets, what, drift, o.verify ? &vo : NULL);
		}
	}
	progress_render_end(&pr);
	if (r.have_reg)
		lease_registry_release(&r.reg);
	wo_ctx_release(&w);
	return rc;
}
