/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod down: stop and remove the work order's pod; keep its volumes,
 * secret and port lease, so the next `up` comes back on the same port with
 * the same data.  --cleanup also removes the secret and exactly this work
 * order's volumes (found by io.isopod.key, every label re-checked before
 * each delete; never a prune) and releases its ports.
 */
#include <signal.h>
#include <stdio.h>
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

#define DOWN_STOP_TIMEOUT_S 10
#define DOWN_LOCK_WAIT_MS (120 * 1000L)

/* This work order's volumes, found by their one key label; each is re-checked on removal. */
static int remove_volumes(struct wo_ctx *w, char ***removed, struct iso_error **err)
{
	struct podman_pair key = {LABEL_KEY, w->names.key};
	struct podman_volume *vols = NULL;
	size_t n = 0;
	if (podman_volume_list(w->client, &key, &vols, &n, err) < 0)
		return -1;
	int rc = 0;
	size_t k = 0;
	*removed = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!wo_labels_match(&vols[i].labels, &w->names)) {
			iso_debug("volume '%s' carries %s=%s but not the other labels of '%s'; left alone",
				  vols[i].name, LABEL_KEY, w->names.key, w->names.key);
			continue;
		}
		struct iso_error *e = NULL;
		if (podman_volume_remove(w->client, vols[i].name, 0, &e) < 0 && !podman_err_not_found(e)) {
			iso_error_move(err, e);
			iso_error_wrap(err, "remove volume '%s'", vols[i].name);
			rc = -1;
			break;
		}
		iso_error_free(e);
		(*removed)[k++] = xstrdup(vols[i].name);
	}
	podman_volume_list_free(vols, n);
	return rc;
}

static void report(const struct iso_globals *g, const struct wo_ctx *w, int pod_removed, int cleanup, char **volumes,
		   int secret_removed, size_t released, int snapshots)
{
	if (g->json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(1);
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "work_order", w->names.wo);
		iso_jgen_kv_string(j, "profile", w->names.profile);
		iso_jgen_kv_string(j, "state", "down");
		iso_jgen_kv_bool(j, "pod_removed", pod_removed);
		iso_jgen_kv_bool(j, "cleanup", cleanup);
		iso_jgen_key(j, "volumes_removed");
		iso_jgen_array_open(j);
		for (size_t i = 0; volumes && volumes[i]; i++)
			iso_jgen_string(j, volumes[i]);
		iso_jgen_array_close(j);
		iso_jgen_kv_bool(j, "secret_removed", secret_removed);
		iso_jgen_kv_int(j, "ports_released", (long long)released);
		iso_jgen_kv_int(j, "snapshots_removed", snapshots);
		iso_jgen_map_close(j);
		cli_print_json(j, NULL);
		return;
	}
	if (!cleanup) {
		printf("work order %s (profile %s) is down%s; volumes, secret and port kept ('isopod up %s' "
		       "brings it back, '--cleanup' deletes them)\n",
		       w->names.wo, w->names.profile, pod_removed ? "" : " (it already was)", w->names.wo);
		return;
	}
	printf("work order %s (profile %s) is down and cleaned up:", w->names.wo, w->names.profile);
	size_t nv = 0;
	for (; volumes && volumes[nv]; nv++)
		printf("%s%s", nv ? ", " : " volumes ", volumes[nv]);
	printf("%s%s%s; %zu port lease%s released; %d snapshot%s removed\n", nv ? "; " : " ",
	       secret_removed ? "secret " : "", secret_removed ? w->names.secret : "no secret", released,
	       released == 1 ? "" : "s", snapshots, snapshots == 1 ? "" : "s");
}

static const struct cli_help down_help = {
	"usage: isopod down WO-ID [--cleanup] [--profile NAME] [--json]\n\n"
	"Stop and remove the work order's pod.  Its volumes (database, filestore), its\n"
	"password secret, its snapshots and its port lease are kept: the next 'isopod up'\n"
	"brings it back on the same port with the same data.  --cleanup removes all of it\n"
	"(the profile's templates stay: 'isopod template rm').\n\n",
	"Exit codes: 0 down (also when it already was), 2 bad input, 3 unknown work order\n"
	"(no pod, no volume, no lease), 4 busy, 5 Podman unreachable, 6 Podman refused,\n"
	"1 internal (an answer from Podman that is no answer included), 129/130/143\n"
	"interrupted by SIGHUP/SIGINT/SIGTERM (run it again to finish).\n",
};

struct down_run {
	struct wo_ctx w;
	const struct progress_sink *progress;
	struct lease_registry reg;
	int have_reg;
	struct wo_found f;
	char **volumes;
	int pod_removed, secret_removed;
	size_t released;
	int snapshots; /* removed by --cleanup */
};

/* Find the work order; without --profile follow its own profile when the default one has nothing. */
static int find(struct down_run *d, const struct iso_config_flags *flags, struct iso_error **err)
{
	struct wo_ctx *w = &d->w;
	struct wo_found *f = &d->f;
	if (wo_find(w, f, err) < 0)
		return -1;
	if (flags->profile || !f->other_profile[0] || f->have_pod || f->have_db_volume || f->have_odoo_volume ||
	    f->have_secret)
		return 0;
	/* A user's work order has one profile. */
	iso_debug("work order '%s' is of profile '%s'", w->names.wo, f->other_profile);
	char wo[WO_ID_MAX + 1];
	memcpy(wo, w->names.wo, sizeof(wo));
	if (wo_names_init(&w->names, f->other_profile, wo, err) < 0)
		return -1;
	wo_found_release(f);
	return wo_find(w, f, err);
}

/* Remove the pod, and with CLEANUP the secret, the volumes and the leases. */
static int take_down(struct down_run *d, int cleanup, struct iso_error **err)
{
	struct wo_ctx *w = &d->w;
	if (d->f.have_pod) {
		struct iso_error *e = NULL;
		progress_step(d->progress, "down", "stopping pod %s", w->names.pod);
		/* A stop first lets Postgres shut down cleanly (SIGINT); the forced remove then cannot hang. */
		if (podman_pod_stop(w->client, w->names.pod, DOWN_STOP_TIMEOUT_S, &e) < 0) {
			iso_debug("stop pod '%s': %s", w->names.pod, e->msg);
			iso_error_free(e);
		}
		progress_step(d->progress, "down", "removing pod %s", w->names.pod);
		if (lifecycle_remove_made(w, LEASE_MADE_POD, err) < 0)
			return -1;
		d->pod_removed = 1;
	}
	if (!cleanup)
		return 0;
	/*
	 * The volumes before the secret: cut off in between, a secret without
	 * its volume is what `up` clears by itself, while a database volume
	 * without its password could not be opened.
	 */
	progress_step(d->progress, "down", "removing the snapshots of %s", w->names.wo);
	if (snap_remove_all(w, &d->snapshots, err) < 0)
		return -1;
	progress_step(d->progress, "down", "removing the volumes of %s", w->names.wo);
	if (remove_volumes(w, &d->volumes, err) < 0)
		return -1;
	snap_mark_clear(w);
	tpl_origin_remove(w);
	if (d->f.have_secret) {
		progress_step(d->progress, "down", "removing secret %s", w->names.secret);
		if (lifecycle_remove_made(w, LEASE_MADE_SECRET, err) < 0)
			return -1;
		d->secret_removed = 1;
	}
	struct lease_key key = {.uid = w->uid, .profile = w->names.profile, .wo = w->names.wo};
	return lease_release(&d->reg, &key, &d->released, err);
}

static int down(struct down_run *d, const char *wo, const struct iso_config_flags *flags, int cleanup,
		struct iso_error **err)
{
	struct wo_ctx *w = &d->w;
	int held = 0;
	if (wo_ctx_init(w, wo, flags, WO_NEED_PODMAN, err) < 0 || wo_lock(w, DOWN_LOCK_WAIT_MS, err) < 0 ||
	    find(d, flags, err) < 0)
		return -1;
	if (lease_registry_open_config(&d->reg, &w->cfg, err) < 0)
		return -1;
	d->have_reg = 1;
	if (lifecycle_lease_held(&d->reg, w, &held, err) < 0)
		return -1;
	const struct wo_found *f = &d->f;
	if (!f->have_pod && !f->have_db_volume && !f->have_odoo_volume && !f->have_secret && !held)
		return iso_error_set(err, ISO_E_UNKNOWN, 0,
				     "work order '%s' (profile %s) is unknown: no pod, no volume, no lease; 'isopod "
				     "ls' lists the work orders",
				     w->names.wo, w->names.profile);
	return take_down(d, cleanup, err);
}

int cmd_down(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	int cleanup = 0, rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_BOOL(0, "cleanup", &cleanup,
			     "also delete the secret, this work order's volumes and\n"
			     "snapshots, and release its ports (the data is gone afterwards)"),
		CLI_OPT_PROFILE(&flags.profile, "the profile, when the work order's cannot be found by itself"),
		CLI_OPT_BOOL(0, "json", &mine.json, "one JSON object on stdout"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &down_help, 0, &mine, &rc);
	if (n < 0)
		return rc;
	if (n != 1)
		return cli_usage(&mine, "down", n == 0 ? "a work-order id is required" : "one work-order id only");

	struct iso_error *err = NULL;
	struct progress_render pr;
	progress_render_init(&pr, progress_cli_format(mine.progress, mine.quiet, mine.json, STDERR_FILENO), stderr);
	struct progress_sink sink = progress_render_sink(&pr);
	struct down_run d = {.f = {0}, .progress = &sink};
	cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
	if (down(&d, argv[1], &flags, cleanup, &err) < 0) {
		int sig = wo_interrupted;
		progress_fail(&sink, "down", "down of '%s' %s", argv[1], sig ? "interrupted" : "failed");
		progress_render_end(&pr);
		if (sig) {
			/* Nothing to undo: what was removed is gone, the rest is still there. */
			iso_error_free(err);
			rc = cli_interrupted(
				&mine, sig,
				"down '%s' interrupted by signal %d before it was done; run 'isopod down %s%s' "
				"again to finish",
				argv[1], sig, argv[1], cleanup ? " --cleanup" : "");
		} else {
			doctor_explain_refusal(d.w.client, &err);
			rc = cli_fail(&mine, err);
		}
	} else {
		progress_done(&sink, "down", "work order %s is down%s", d.w.names.wo, cleanup ? " and cleaned up" : "");
		report(&mine, &d.w, d.pod_removed, cleanup, d.volumes, d.secret_removed, d.released, d.snapshots);
	}
	iso_strvfree(d.volumes);
	wo_found_release(&d.f);
	if (d.have_reg)
		lease_registry_release(&d.reg);
	wo_ctx_release(&d.w);
	return rc;
}
