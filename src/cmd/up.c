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
#include <getopt.h>
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
#include "lifecycle/lifecycle.h"
#include "verify/verify.h"

#define PORT_RACE_TRIES 3

struct up_opts {
	struct iso_config_flags flags;
	int port;
	long timeout_s; /* 0: the default of the path taken */
	int verify, recreate, show_secrets;
};

static void usage(FILE *out)
{
	fputs("usage: isopod up WO-ID [--port N] [--profile NAME] [--repo DIR] [--bind ADDR] [--timeout S]\n"
	      "                       [--verify] [--recreate] [--show-secrets] [--json]\n\n"
	      "Bring up the work order's pod (Odoo + PostgreSQL) and wait until it is proven ready:\n"
	      "Postgres answers inside the pod and Odoo serves /web/login on the published port.\n\n"
	      "  -p, --port N        the host port for Odoo (default: the work order's lease, or the\n"
	      "                      lowest free port of the range)\n"
	      "      --profile NAME  the profile (default: ISOPOD_PROFILE, the repository's, else hub)\n"
	      "      --repo DIR      the repository (default: the git top level of the current directory)\n"
	      "      --bind ADDR     the host address ports bind to (default 127.0.0.1)\n"
	      "      --timeout S     readiness timeout in seconds (default 300 on a first up, 120 after)\n"
	      "      --verify        run 'isopod verify' once ready\n"
	      "      --recreate      rebuild a pod whose configuration changed (volumes are kept)\n"
	      "      --show-secrets  print the database password\n"
	      "      --json          one JSON object on stdout\n\n"
	      "Exit codes: 0 up, 2 bad input, 4 conflict, 5 Podman unreachable, 6 Podman refused,\n"
	      "7 readiness timeout, 8 a container exited, 9 verify failed, 10 host not prepared,\n"
	      "129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM (what this run made is removed; if that\n"
	      "fails, it says so and 'isopod gc' finishes it).\n",
	      out);
}

static void on_signal(int sig)
{
	wo_interrupted = sig;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The password lives in the secret; Podman 4.3 shows it only in the db container's environment. */
static char *db_password(struct wo_ctx *w)
{
	struct podman_container c;
	struct iso_error *e = NULL;
	if (podman_container_inspect(w->client, w->names.db_container, &c, &e) < 0) {
		iso_error_free(e);
		return NULL;
	}
	char *pw = NULL;
	for (size_t i = 0; c.env && c.env[i]; i++)
		if (iso_str_has_prefix(c.env[i], "POSTGRES_PASSWORD="))
			pw = xstrdup(c.env[i] + strlen("POSTGRES_PASSWORD="));
	podman_container_release(&c);
	return pw;
}

static void print_env(struct wo_run *r, const struct iso_globals *g, const struct up_opts *o, const char *what,
		      int drift, const struct verify_outcome *vo)
{
	struct wo_ctx *w = r->w;
	const char *addr = w->cfg.profile.host_address;
	const char *shown = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::") ? "127.0.0.1" : addr;
	/* Behind a tcp:// endpoint the ports are published on that host. */
	char remote_host[256] = "";
	const char *ep = podman_client_endpoint(w->client);
	if (w->remote && ep && iso_str_has_prefix(ep, "tcp://")) {
		const char *h = ep + strlen("tcp://");
		size_t n = strcspn(h, h[0] == '[' ? "]" : ":/");
		snprintf(remote_host, sizeof(remote_host), "%.*s", (int)(h[0] == '[' ? n + 1 : n), h);
		shown = remote_host[0] == '[' ? remote_host + 1 : remote_host;
		if (remote_host[0] == '[')
			remote_host[strlen(remote_host) - 1] = '\0';
	}
	int v6 = strchr(shown, ':') != NULL;
	cleanup_free char *url =
		xasprintf("http://%s%s%s:%d", v6 ? "[" : "", shown, v6 ? "]" : "", r->grant.ports[ISO_PORT_HTTP]);
	cleanup_free char *pw = o->show_secrets ? db_password(w) : NULL;
	if (g->json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(1);
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "work_order", w->names.wo);
		iso_jgen_kv_string(j, "profile", w->names.profile);
		iso_jgen_kv_string(j, "pod", w->names.pod);
		iso_jgen_kv_string(j, "state", "running");
		iso_jgen_kv_string(j, "action", what);
		iso_jgen_kv_string(j, "url", url);
		iso_jgen_kv_string(j, "host_address", addr);
		iso_jgen_key(j, "ports");
		iso_jgen_map_open(j);
		for (int p = 0; p < ISO_PORT_PURPOSES; p++)
			if (r->grant.ports[p])
				iso_jgen_kv_int(j, wo_purpose_name(p), r->grant.ports[p]);
		iso_jgen_map_close(j);
		iso_jgen_kv_string(j, "database", w->names.database);
		iso_jgen_kv_string(j, "db_user", WO_DB_USER);
		if (o->show_secrets)
			iso_jgen_kv_string(j, "db_password", pw);
		iso_jgen_kv_bool(j, "drift", drift);
		iso_jgen_key(j, "volumes");
		iso_jgen_array_open(j);
		iso_jgen_string(j, w->names.odoo_volume);
		iso_jgen_string(j, w->names.db_volume);
		iso_jgen_array_close(j);
		iso_jgen_key(j, "commands");
		iso_jgen_map_open(j);
		cleanup_free char *logs = xasprintf("isopod logs %s", w->names.wo);
		cleanup_free char *stop = xasprintf("isopod down %s", w->names.wo);
		iso_jgen_kv_string(j, "logs", logs);
		iso_jgen_kv_string(j, "stop", stop);
		iso_jgen_map_close(j);
		if (vo) {
			/* One document: the isolation report is a member of up's answer. */
			iso_jgen_key(j, "verify");
			iso_jgen_map_open(j);
			iso_jgen_kv_bool(j, "ok", verify_report_class(&vo->report) == ISO_OK);
			iso_jgen_kv_int(j, "elapsed_ms", vo->elapsed_ms);
			struct verify_input in = {.mode = vo->network_mode};
			verify_report_json(&vo->report, &in, j);
			iso_jgen_map_close(j);
		}
		iso_jgen_map_close(j);
		size_t len;
		const char *out = iso_jgen_finish(j, &len, NULL);
		if (out)
			printf("%.*s\n", (int)len, out);
		return;
	}
	printf("work order %s (profile %s) is up: %s\n", w->names.wo, w->names.profile, what);
	printf("  url:       %s\n", url);
	printf("  database:  %s (user %s)\n", w->names.database, WO_DB_USER);
	if (o->show_secrets)
		printf("  password:  %s\n", pw ? pw : "(unavailable)");
	else
		printf("  password:  hidden (--show-secrets shows it)\n");
	if (drift)
		printf("  drift:     the pod was made from another configuration; 'isopod up %s --recreate' "
		       "rebuilds it (volumes kept)\n",
		       w->names.wo);
	printf("  logs:      isopod logs %s [odoo|db|init]\n", w->names.wo);
	printf("  stop:      isopod down %s   (--cleanup also deletes its data)\n", w->names.wo);
	if (vo)
		verify_outcome_print(w, vo, 0);
}

static int is_port_race(const struct iso_error *e)
{
	/* Podman reports rootlessport's bind failure only as text; the retry depends on it, the exit code does not. */
	return e && e->msg && strstr(e->msg, "address already in use");
}

static int pull_progress(void *ctx, const char *line)
{
	if (*(int *)ctx)
		fprintf(stderr, "  %s\n", line);
	return 0;
}

/* Both images present, or pulled now (with progress on a terminal); before anything is made. */
static int ensure_images(struct wo_ctx *w, const struct iso_globals *g, struct iso_error **err)
{
	const char *images[] = {w->cfg.profile.db_image, w->cfg.profile.odoo_image};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(images); i++) {
		int have = podman_image_exists(w->client, images[i], err);
		if (have < 0)
			return -1;
		if (have)
			continue;
		int show = !g->json && !g->quiet && isatty(STDERR_FILENO);
		iso_info("pulling image '%s'...", images[i]);
		if (podman_image_pull(w->client, images[i], 1, pull_progress, &show, NULL, err) < 0)
			return iso_error_wrap(err,
					      "image '%s' is not here and cannot be pulled (set the profile's "
					      "%s or ISOPOD_%s_IMAGE to an image that exists)",
					      images[i], i ? "odoo_image" : "db_image", i ? "ODOO" : "DB");
	}
	return 0;
}

/*
 * Another program took the leased http port after the probe (Podman then
 * fails the start).  Move the lease to the next port of the range that the
 * lease module accepts as free: the move keeps the lease's state and the
 * journal of what this run made.
 */
static int move_http_lease(struct wo_run *r, int lost, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int low = w->cfg.profile.port_low, high = w->cfg.profile.port_high;
	struct lease_request req = {
		.uid = w->uid,
		.profile = w->names.profile,
		.wo = w->names.wo,
		.purposes = w->cfg.profile.ports,
		.address = w->cfg.profile.host_address,
		.low = low,
		.high = high,
	};
	if (lease_run_self(&req.run, err) < 0)
		return -1;
	for (int i = 1; i <= high - low; i++) {
		req.port = low + (lost - low + i) % (high - low + 1);
		struct iso_error *e = NULL;
		if (lease_acquire(&r->reg, &req, &r->grant, &e) == 0)
			return 0;
		if (e->class != ISO_E_CONFLICT)
			return iso_error_move(err, e);
		iso_error_free(e); /* held by a lease or another program: the next one */
	}
	return iso_error_set(err, ISO_E_CONFLICT, 0,
			     "port %d was taken by another program after it was leased, and no other port of %d-%d is "
			     "free; 'isopod ports' lists the holders",
			     lost, low, high);
}

/* Create the pod and its containers and start them; on a lost port race move to the next free port. */
static int make_and_start(struct wo_run *r, const struct up_opts *o, int db_first, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	for (int attempt = 1;; attempt++) {
		wo_config_hash(&w->cfg, r->grant.ports, r->hash);
		if (lifecycle_create_pod(r, err) < 0 || lifecycle_create_db(r, err) < 0)
			return -1;
		if (!db_first && lifecycle_create_odoo(r, err) < 0)
			return -1;
		int rc = db_first ? podman_container_start(w->client, w->names.db_container, err)
				  : podman_pod_start(w->client, w->names.pod, err);
		if (rc == 0)
			return 0;
		if (!is_port_race(*err) || attempt == PORT_RACE_TRIES || o->port)
			return iso_error_wrap(err, "start pod '%s'", w->names.pod);
		int lost = r->grant.ports[ISO_PORT_HTTP];
		iso_error_free(*err);
		*err = NULL;
		if (lifecycle_remove_made(w, LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_ODOO, err) < 0)
			return -1;
		r->made &= ~(unsigned)(LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_ODOO);
		if (move_http_lease(r, lost, err) < 0)
			return -1;
		iso_warn("port %d was taken by another program after it was leased; moved to port %d", lost,
			 r->grant.ports[ISO_PORT_HTTP]);
	}
}

/* The whole of one `up` under the work order's lock; *what says which path was taken. */
static int up(struct wo_run *r, const struct up_opts *o, const char **what, int *drift, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_found f;
	if (wo_find(w, &f, err) < 0)
		return -1;
	int rc = -1;
	if (f.other_profile[0]) {
		iso_error_set(err, ISO_E_CONFLICT, 0,
			      "work order '%s' exists with profile '%s'; use --profile %s, or remove it with 'isopod "
			      "down %s --profile %s --cleanup'",
			      w->names.wo, f.other_profile, f.other_profile, w->names.wo, f.other_profile);
		goto out;
	}
	if (f.pod_foreign) {
		iso_error_set(err, ISO_E_CONFLICT, 0,
			      "a pod named '%s' exists without this work order's labels; it is not isopod's to "
			      "touch: remove it with 'podman pod rm %s' if it is not needed",
			      w->names.pod, w->names.pod);
		goto out;
	}
	if (f.secret_foreign) {
		iso_error_set(err, ISO_E_CONFLICT, 0,
			      "a secret named '%s' exists without this work order's labels; remove it with 'podman "
			      "secret rm %s' if it is not needed",
			      w->names.secret, w->names.secret);
		goto out;
	}
	if (f.have_db_volume && !f.have_secret) {
		iso_error_set(err, ISO_E_CONFLICT, 0,
			      "volume '%s' exists but its password secret '%s' is gone, so its database cannot be "
			      "opened; 'isopod down %s --cleanup' deletes the data and starts afresh",
			      w->names.db_volume, w->names.secret, w->names.wo);
		goto out;
	}

	struct lease_request req = {
		.uid = w->uid,
		.profile = w->names.profile,
		.wo = w->names.wo,
		.purposes = w->cfg.profile.ports,
		.port = o->port,
		.address = w->cfg.profile.host_address,
		.low = w->cfg.profile.port_low,
		.high = w->cfg.profile.port_high,
	};
	int pod_ports[ISO_PORT_PURPOSES] = {0};
	if (f.have_pod) {
		wo_labels_ports(&f.pod.labels, pod_ports, NULL, 0);
		/* A pod that exists keeps its port unless --recreate moves it. */
		if (!o->recreate && pod_ports[ISO_PORT_HTTP])
			req.port = pod_ports[ISO_PORT_HTTP];
	}
	/* Only leases this run made are this run's to release (a moved or widened lease is not). */
	int held = 0;
	if (lifecycle_lease_held(&r->reg, w, &held, err) < 0)
		goto out;
	if (lease_run_self(&req.run, err) < 0 || lease_acquire(&r->reg, &req, &r->grant, err) < 0)
		goto out;
	r->took_lease = !held;
	int ready_lease = r->grant.existing && r->grant.state == LEASE_READY;
	/* A `creating` lease found here belongs to a run that died (we hold the lock): its pod is half-made. */
	int half_made = r->grant.existing && r->grant.state != LEASE_READY;
	wo_config_hash(&w->cfg, r->grant.ports, r->hash);
	long timeout_ms = (o->timeout_s ? o->timeout_s : (ready_lease ? 120 : 300)) * 1000L;
	r->deadline_ms = iso_now_ms() + timeout_ms;

	if (f.have_pod) {
		const char *label_hash = podman_labels_get(&f.pod.labels, LABEL_CONFIG);
		*drift = !label_hash || strcmp(label_hash, r->hash) != 0 ||
			 (o->port && o->port != pod_ports[ISO_PORT_HTTP]);
		int running = f.pod.state && !strcmp(f.pod.state, "Running");
		if (half_made || (*drift && o->recreate)) {
			/* Half-made by a run that died, or rebuilt on request: volumes and secret stay. */
			iso_info("%s pod '%s'", half_made ? "replacing the unfinished" : "recreating", w->names.pod);
			if (lifecycle_remove_made(w, LEASE_MADE_POD, err) < 0)
				goto out;
			podman_pod_release(&f.pod);
			f.have_pod = 0;
			*drift = 0;
		} else if (!running && podman_pod_start(w->client, w->names.pod, err) < 0 && is_port_race(*err)) {
			/* After a reboot another program may hold the port: recreate the pod (volumes kept). */
			if (o->port) {
				iso_error_free(*err);
				*err = NULL;
				iso_error_set(err, ISO_E_CONFLICT, 0,
					      "port %d is in use by another program; pick another with --port, or drop "
					      "--port for the next free one",
					      o->port);
				goto out;
			}
			iso_info("pod '%s' cannot start on port %d (in use): recreating it", w->names.pod,
				 pod_ports[ISO_PORT_HTTP]);
			iso_error_free(*err);
			*err = NULL;
			if (lifecycle_remove_made(w, LEASE_MADE_POD, err) < 0)
				goto out;
			podman_pod_release(&f.pod);
			f.have_pod = 0;
			*drift = 0;
		} else if (*err) {
			iso_error_wrap(err, "start pod '%s'", w->names.pod);
			goto out;
		} else {
			if (running) {
				*what = "already running";
			} else {
				iso_info("started pod '%s' (was %s)", w->names.pod,
					 f.pod.state ? f.pod.state : "stopped");
				if (lifecycle_wait_db(r, err) < 0 || lifecycle_wait_odoo(r, err) < 0)
					goto out;
				*what = "started";
			}
			/* A lease lost with its registry is rebuilt from the pod, which Podman says exists. */
			if (!r->grant.existing && lease_mark_ready(&r->reg, &r->key, err) < 0)
				goto out;
			r->took_lease = 0;
			rc = 0;
			goto out;
		}
	}

	if (ensure_images(w, r->g, err) < 0)
		goto out;
	/* A pull may take long; the readiness timeout starts after it. */
	r->deadline_ms = iso_now_ms() + timeout_ms;
	/* No pod: the database volume and its secret are one unit. */
	if (!f.have_db_volume && f.have_secret) {
		iso_debug("removing secret '%s' left without its volume", w->names.secret);
		if (lifecycle_remove_made(w, LEASE_MADE_SECRET, err) < 0)
			goto out;
		f.have_secret = 0;
	}
	if (!f.have_db_volume && lifecycle_create_secret(r, err) < 0)
		goto out;
	if (lifecycle_create_volumes(r, !f.have_db_volume, !f.have_odoo_volume, err) < 0)
		goto out;
	int db_first = !(ready_lease && f.have_db_volume);
	if (make_and_start(r, o, db_first, err) < 0 || lifecycle_wait_db(r, err) < 0)
		goto out;
	if (db_first) {
		int initialised = 0;
		if (lifecycle_db_initialised(r, &initialised, err) < 0)
			goto out;
		if (!initialised && lifecycle_db_initialise(r, err) < 0)
			goto out;
		if (lifecycle_create_odoo(r, err) < 0 ||
		    podman_container_start(w->client, w->names.odoo_container, err) < 0)
			goto out;
	}
	if (lifecycle_wait_odoo(r, err) < 0)
		goto out;
	if (lease_mark_ready(&r->reg, &r->key, err) < 0)
		goto out;
	*what = f.have_db_volume ? "recreated" : "created";
	rc = 0;
out:
	wo_found_release(&f);
	return rc;
}

int cmd_up(int argc, char **argv, const struct iso_globals *g)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},    {"profile", required_argument, NULL, 'P'},
		{"repo", required_argument, NULL, 'r'},    {"bind", required_argument, NULL, 'b'},
		{"timeout", required_argument, NULL, 't'}, {"verify", no_argument, NULL, 'V'},
		{"recreate", no_argument, NULL, 'R'},      {"show-secrets", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct up_opts o = {0};
	struct iso_error *err = NULL;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_port(optarg, "--port", &o.port, &err) < 0)
				return cli_fail(g, err);
			break;
		case 'P':
			o.flags.profile = optarg;
			break;
		case 'r':
			o.flags.repo = optarg;
			break;
		case 'b':
			o.flags.bind = optarg;
			break;
		case 't':
			if (iso_parse_long(optarg, 1, 86400, &o.timeout_s) < 0)
				return cli_usage(g, "up", "--timeout '%s' is not a number of seconds (1-86400)",
						 optarg);
			break;
		case 'V':
			o.verify = 1;
			break;
		case 'R':
			o.recreate = 1;
			break;
		case 'S':
			o.show_secrets = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return cli_usage(g, "up", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage(g, "up", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage(g, "up", optind >= argc ? "a work-order id is required" : "one work-order id only");

	install_signals();
	struct wo_ctx w;
	struct wo_run r = {.w = &w, .g = g};
	int rc = 0;
	const char *what = "";
	int drift = 0;
	if (wo_ctx_init(&w, argv[optind], &o.flags, WO_NEED_PODMAN, &err) < 0)
		goto fail;
	if (w.remote && o.verify) {
		iso_error_set(&err, ISO_E_HOST, 0,
			      "--verify needs a local Podman: behind the remote endpoint '%s' there are no PIDs to "
			      "enter; run 'isopod up' without --verify",
			      podman_client_endpoint(w.client));
		goto fail;
	}
	long timeout_s = o.timeout_s;
	if (wo_lock(&w, (timeout_s ? timeout_s : 300) * 1000L, &err) < 0)
		goto fail;
	if (lease_registry_open_config(&r.reg, &w.cfg, &err) < 0)
		goto fail;
	r.have_reg = 1;
	r.key = (struct lease_key){.uid = w.uid, .profile = w.names.profile, .wo = w.names.wo};
	if (up(&r, &o, &what, &drift, &err) < 0)
		goto fail;
	struct verify_outcome vo;
	if (o.verify) {
		/* The environment stays up when a check fails: it works, its isolation is what is in question. */
		if (verify_run(&w, &vo, &err) < 0) {
			rc = cli_fail(g, err);
			goto out;
		}
		rc = (int)verify_report_class(&vo.report);
	}
	print_env(&r, g, &o, what, drift, o.verify ? &vo : NULL);
	goto out;
fail:;
	/* lifecycle_undo clears the flag so its own requests go through: read it first. */
	int sig = wo_interrupted;
	int undone = 1;
	if (r.made || r.uncertain || (r.took_lease && r.have_reg))
		undone = lifecycle_undo(&r) == 0;
	const char *after =
		undone ? "everything this run made was removed" : "the rollback is incomplete: 'isopod gc' finishes it";
	if (sig) {
		/* Not a class of its own: the shell's 128+signal, and one JSON document as always. */
		iso_error_free(err);
		rc = 128 + sig;
		if (g->json) {
			cleanup_jgen iso_jgen *j = iso_jgen_new(0);
			cleanup_free char *msg =
				xasprintf("up '%s' interrupted by signal %d; %s", argv[optind], sig, after);
			iso_jgen_map_open(j);
			iso_jgen_key(j, "error");
			iso_jgen_map_open(j);
			iso_jgen_kv_string(j, "class", "interrupted");
			iso_jgen_kv_int(j, "code", rc);
			iso_jgen_kv_string(j, "message", msg);
			iso_jgen_map_close(j);
			iso_jgen_map_close(j);
			size_t len;
			const char *text = iso_jgen_finish(j, &len, NULL);
			if (text)
				printf("%.*s\n", (int)len, text);
		}
		fprintf(stderr, "isopod: up '%s' interrupted by signal %d; %s\n", argv[optind], sig, after);
	} else {
		if (!undone)
			iso_error_wrap(&err, "%s", after);
		rc = cli_fail(g, err);
	}
out:
	if (r.have_reg)
		lease_registry_release(&r.reg);
	wo_ctx_release(&w);
	return rc;
}
