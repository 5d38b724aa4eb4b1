/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod down: stop and remove the work order's pod; keep its volumes,
 * secret and port lease, so the next `up` comes back on the same port with
 * the same data.  --cleanup also removes the secret and exactly this work
 * order's volumes (found by io.isopod.key, every label re-checked before
 * each delete; never a prune) and releases its ports.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "lifecycle/lifecycle.h"

#define DOWN_STOP_TIMEOUT_S 10
#define DOWN_LOCK_WAIT_MS (120 * 1000L)

static void usage(FILE *out)
{
	fputs("usage: isopod down WO-ID [--cleanup] [--profile NAME] [--json]\n\n"
	      "Stop and remove the work order's pod.  Its volumes (database, filestore), its\n"
	      "password secret and its port lease are kept: the next 'isopod up' brings it back\n"
	      "on the same port with the same data.\n\n"
	      "  --cleanup        also delete the secret and this work order's volumes, and\n"
	      "                   release its ports (the data is gone afterwards)\n"
	      "  --profile NAME   the profile, when the work order's cannot be found by itself\n"
	      "  --json           one JSON object on stdout\n\n"
	      "Exit codes: 0 down (also when it already was), 2 bad input, 3 unknown work order\n"
	      "(no pod, no volume, no lease), 4 busy, 5 Podman unreachable, 6 Podman refused.\n",
	      out);
}

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
		   int secret_removed, size_t released)
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
		iso_jgen_map_close(j);
		size_t len;
		const char *out = iso_jgen_finish(j, &len, NULL);
		if (out)
			printf("%.*s\n", (int)len, out);
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
	printf("%s%s%s; %zu port lease%s released\n", nv ? "; " : " ", secret_removed ? "secret " : "",
	       secret_removed ? w->names.secret : "no secret", released, released == 1 ? "" : "s");
}

int cmd_down(int argc, char **argv, const struct iso_globals *g)
{
	static const struct option longopts[] = {
		{"cleanup", no_argument, NULL, 'c'},
		{"profile", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iso_config_flags flags = {0};
	int cleanup = 0;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cleanup = 1;
			break;
		case 'P':
			flags.profile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return cli_usage(g, "down", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage(g, "down", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage(g, "down", optind >= argc ? "a work-order id is required" : "one work-order id only");

	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct lease_registry reg;
	int have_reg = 0, rc = 0;
	struct wo_found f = {0};
	cleanup_strv char **volumes = NULL;
	int pod_removed = 0, secret_removed = 0, held = 0;
	size_t released = 0;

	if (wo_ctx_init(&w, argv[optind], &flags, WO_NEED_PODMAN, &err) < 0 ||
	    wo_lock(&w, DOWN_LOCK_WAIT_MS, &err) < 0 || wo_find(&w, &f, &err) < 0)
		goto fail;
	if (!flags.profile && f.other_profile[0] && !f.have_pod && !f.have_db_volume && !f.have_odoo_volume &&
	    !f.have_secret) {
		/* A user's work order has one profile: follow it when the default profile has nothing. */
		iso_debug("work order '%s' is of profile '%s'", w.names.wo, f.other_profile);
		char wo[WO_ID_MAX + 1];
		memcpy(wo, w.names.wo, sizeof(wo));
		if (wo_names_init(&w.names, f.other_profile, wo, &err) < 0)
			goto fail;
		wo_found_release(&f);
		if (wo_find(&w, &f, &err) < 0)
			goto fail;
	}
	if (lease_registry_open_config(&reg, &w.cfg, &err) < 0)
		goto fail;
	have_reg = 1;
	if (lifecycle_lease_held(&reg, &w, &held, &err) < 0)
		goto fail;
	if (!f.have_pod && !f.have_db_volume && !f.have_odoo_volume && !f.have_secret && !held) {
		iso_error_set(&err, ISO_E_UNKNOWN, 0,
			      "work order '%s' (profile %s) is unknown: no pod, no volume, no lease; 'isopod ls' lists "
			      "the work orders",
			      w.names.wo, w.names.profile);
		goto fail;
	}
	if (f.have_pod) {
		struct iso_error *e = NULL;
		/* A stop first lets Postgres shut down cleanly (SIGINT); the forced remove then cannot hang. */
		if (podman_pod_stop(w.client, w.names.pod, DOWN_STOP_TIMEOUT_S, &e) < 0) {
			iso_debug("stop pod '%s': %s", w.names.pod, e->msg);
			iso_error_free(e);
		}
		if (lifecycle_remove_made(&w, LEASE_MADE_POD, &err) < 0)
			goto fail;
		pod_removed = 1;
	}
	if (cleanup) {
		if (f.have_secret) {
			if (lifecycle_remove_made(&w, LEASE_MADE_SECRET, &err) < 0)
				goto fail;
			secret_removed = 1;
		}
		if (remove_volumes(&w, &volumes, &err) < 0)
			goto fail;
		struct lease_key key = {.uid = w.uid, .profile = w.names.profile, .wo = w.names.wo};
		if (lease_release(&reg, &key, &released, &err) < 0)
			goto fail;
	}
	report(g, &w, pod_removed, cleanup, volumes, secret_removed, released);
	goto out;
fail:
	rc = cli_fail(g, err);
out:
	wo_found_release(&f);
	if (have_reg)
		lease_registry_release(&reg);
	wo_ctx_release(&w);
	return rc;
}
