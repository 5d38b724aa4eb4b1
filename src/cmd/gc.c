/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_gc.c - `isopod gc [--json]`: finish what interrupted runs left.
 *
 * First the caller's `creating` leases whose run is dead: under the work
 * order's lock (a run that took it over since is left alone) exactly what
 * that run recorded making is removed, labels re-checked (lifecycle_remove_made),
 * and its leases released.  Then lease_reclaim drops the caller's leases of
 * work orders that have neither pod nor volume; pods and volumes are listed
 * once beforehand and the predicate answers from that list.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "lifecycle/lifecycle.h"

struct gc_keys {
	char **v; /* io.isopod.key values of pods and volumes */
	size_t n;
};

static void keys_release(struct gc_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static void keys_add(struct gc_keys *k, const struct podman_labels *l)
{
	const char *key = podman_labels_get(l, LABEL_KEY);
	if (!key)
		return;
	k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
	k->v[k->n++] = xstrdup(key);
}

static int exists(void *ctx, uid_t uid, const char *profile, const char *wo)
{
	struct gc_keys *k = ctx;
	(void)uid;
	char key[PROFILE_NAME_MAX + WO_ID_MAX + 2];
	snprintf(key, sizeof(key), "%s/%s", profile, wo);
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i], key))
			return 1;
	return 0;
}

/* Every key a pod or volume of the caller carries: one listing of each kind. */
static int keys_list(struct wo_ctx *w, struct gc_keys *k, struct iso_error **err)
{
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	struct podman_pod *pods = NULL;
	struct podman_volume *vols = NULL;
	size_t n_pods = 0, n_vols = 0;
	if (podman_pod_list(w->client, &schema, &pods, &n_pods, err) < 0)
		return -1;
	for (size_t i = 0; i < n_pods; i++)
		keys_add(k, &pods[i].labels);
	podman_pod_list_free(pods, n_pods);
	if (podman_volume_list(w->client, &schema, &vols, &n_vols, err) < 0)
		return -1;
	for (size_t i = 0; i < n_vols; i++)
		keys_add(k, &vols[i].labels);
	podman_volume_list_free(vols, n_vols);
	return 0;
}

struct gc_report {
	iso_jgen *j; /* NULL: text */
	int count;
};

static void report(struct gc_report *r, const char *action, const char *profile, const char *wo, unsigned made,
		   const int *ports, size_t n_ports, const char *note)
{
	char what[128];
	lease_made_format(made, what, sizeof(what));
	r->count++;
	if (r->j) {
		iso_jgen_map_open(r->j);
		iso_jgen_kv_string(r->j, "action", action);
		iso_jgen_kv_string(r->j, "work_order", wo);
		iso_jgen_kv_string(r->j, "profile", profile);
		iso_jgen_key(r->j, "removed");
		iso_jgen_array_open(r->j);
		for (int b = 0; lease_made_names[b]; b++)
			if (made & (1u << b))
				iso_jgen_string(r->j, lease_made_names[b]);
		iso_jgen_array_close(r->j);
		iso_jgen_key(r->j, "ports");
		iso_jgen_array_open(r->j);
		for (size_t i = 0; i < n_ports; i++)
			iso_jgen_int(r->j, ports[i]);
		iso_jgen_array_close(r->j);
		iso_jgen_kv_string(r->j, "note", note);
		iso_jgen_map_close(r->j);
		return;
	}
	printf("%s '%s' (profile %s):", action, wo, profile);
	if (made)
		printf(" removed %s;", what);
	if (n_ports)
		printf(" released port%s", n_ports == 1 ? "" : "s");
	for (size_t i = 0; i < n_ports; i++)
		printf(" %d", ports[i]);
	printf("%s%s\n", note ? "; " : "", note ? note : "");
}

/* One thing of templates or snapshots (cmd_gc_store), in the shape of the others. */
static void tell(void *ctx, const char *action, const char *profile, const char *subject, const char *removed,
		 const char *note)
{
	struct gc_report *r = ctx;
	r->count++;
	if (!r->j) {
		printf("%s '%s' (profile %s)%s%s\n", action, subject, profile, note ? ": " : "", note ? note : "");
		return;
	}
	iso_jgen_map_open(r->j);
	iso_jgen_kv_string(r->j, "action", action);
	iso_jgen_kv_string(r->j, "work_order", subject);
	iso_jgen_kv_string(r->j, "profile", profile);
	iso_jgen_key(r->j, "removed");
	iso_jgen_array_open(r->j);
	if (removed)
		iso_jgen_string(r->j, removed);
	iso_jgen_array_close(r->j);
	iso_jgen_key(r->j, "ports");
	iso_jgen_array_open(r->j);
	iso_jgen_array_close(r->j);
	iso_jgen_kv_string(r->j, "note", note);
	iso_jgen_map_close(r->j);
}

/* Whether PROFILE/WO still has a creating lease whose run is dead; its made bits in *made. */
static int still_stale(const struct lease_registry *reg, uid_t uid, const char *profile, const char *wo, unsigned *made,
		       int *ports, size_t *n_ports, struct iso_error **err)
{
	struct lease_list l = {0};
	if (lease_list_stale(reg, uid, &l, err) < 0)
		return -1;
	int found = 0;
	*made = 0;
	*n_ports = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].profile, profile) || strcmp(l.v[i].wo, wo))
			continue;
		found = 1;
		*made |= l.v[i].made;
		if (*n_ports < ISO_PORT_PURPOSES)
			ports[(*n_ports)++] = l.v[i].port;
	}
	lease_list_release(&l);
	return found;
}

/*
 * Remove what one interrupted run recorded making.  A work order whose
 * volumes remain (the run rebuilt the pod of one that was up before) keeps
 * its leases, `ready` again (*KEPT = 1); else they are released.
 */
static int finish_one(struct wo_ctx *w, const struct lease_registry *reg, unsigned made, int *kept,
		      struct iso_error **err)
{
	struct lease_key key = {.uid = w->uid, .profile = w->names.profile, .wo = w->names.wo};
	struct wo_found f;
	if (lifecycle_remove_made(w, made, err) < 0 || wo_find(w, &f, err) < 0)
		return -1;
	*kept = f.have_db_volume || f.have_odoo_volume;
	wo_found_release(&f);
	return *kept ? lease_mark_ready(reg, &key, err) : lease_release(reg, &key, NULL, err);
}

/* Finish the interrupted runs: remove what each made, release its leases (or keep them, see finish_one). */
static int finish_stale(struct wo_ctx *w, const struct lease_registry *reg, struct gc_report *r, struct iso_error **err)
{
	struct lease_list l = {0};
	if (lease_list_stale(reg, w->uid, &l, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		int seen = 0;
		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(l.v[k].profile, l.v[i].profile) && !strcmp(l.v[k].wo, l.v[i].wo);
		if (seen || wo_names_init(&w->names, l.v[i].profile, l.v[i].wo, err) < 0) {
			rc = seen ? 0 : -1;
			continue;
		}
		struct iso_error *e = NULL;
		if (wo_lock(w, 0, &e) < 0) {
			/* A new run of this work order holds it: it took the lease over and finishes it itself. */
			report(r, "skipped busy", l.v[i].profile, l.v[i].wo, 0, NULL, 0, e->msg);
			iso_error_free(e);
			continue;
		}
		unsigned made;
		int ports[ISO_PORT_PURPOSES];
		size_t n_ports;
		int stale = still_stale(reg, w->uid, l.v[i].profile, l.v[i].wo, &made, ports, &n_ports, err);
		int kept = 0;
		if (stale < 0 || (stale && finish_one(w, reg, made, &kept, err) < 0))
			rc = iso_error_wrap(err, "finish the interrupted run of work order '%s'", w->names.wo);
		else if (stale)
			report(r, kept ? "finished interrupted rebuild of" : "finished interrupted run of",
			       w->names.profile, w->names.wo, made, kept ? NULL : ports, kept ? 0 : n_ports,
			       kept ? "its volumes remain, so it keeps its ports: 'isopod up' makes its pod anew"
				    : NULL);
		close(w->lock_fd);
		w->lock_fd = -1;
	}
	lease_list_release(&l);
	return rc;
}

static const struct cli_help gc_help = {
	"usage: isopod gc [--json]\n\n"
	"Finish what interrupted 'isopod up' runs left: for each of your leases still marked\n"
	"'creating' whose run is dead, remove exactly what that run recorded making (labels\n"
	"re-checked, nothing pruned) and release its ports (a work order whose volumes remain,\n"
	"because the run was rebuilding its pod, keeps them for the next 'up'); then release\n"
	"your leases of work orders that have neither pod nor volume; then remove templates and\n"
	"snapshots an interrupted build, save or snapshot left unsealed (never used), once\n"
	"nobody is making them.  Each thing is reported.\n\n",
	"Exit codes: 0 ok (also when there was nothing to do), 2 bad usage, 5 Podman\n"
	"unreachable, 6 Podman refused, 1 internal (a corrupt lease file included),\n"
	"129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM (run it again for the rest).\n",
};

int cmd_gc(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	struct iso_error *err = NULL;
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_BOOL(0, "json", &mine.json,
			     "{\"collected\": [...]}: action, work_order, profile, removed, ports, note"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &gc_help, CLI_NO_ARGS, &mine, &rc) < 0)
		return rc;
	cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);

	struct wo_ctx w;
	struct lease_registry reg = {.dirfd = -1};
	struct gc_keys keys = {0};
	struct lease_list reclaimed = {0};
	cleanup_jgen iso_jgen *j = mine.json ? iso_jgen_new(0) : NULL;
	struct gc_report r = {.j = j};
	if (j) {
		iso_jgen_map_open(j);
		iso_jgen_key(j, "collected");
		iso_jgen_array_open(j);
	}
	if (wo_ctx_init(&w, NULL, &flags, WO_NEED_PODMAN, &err) < 0 ||
	    lease_registry_open_config(&reg, &w.cfg, &err) < 0 || finish_stale(&w, &reg, &r, &err) < 0 ||
	    keys_list(&w, &keys, &err) < 0 || lease_reclaim(&reg, w.uid, exists, &keys, &reclaimed, &err) < 0 ||
	    cmd_gc_store(&w, tell, &r, &err) < 0)
		goto fail;
	for (size_t i = 0; i < reclaimed.n; i++) {
		const struct lease *x = &reclaimed.v[i];
		int ports[ISO_PORT_PURPOSES];
		size_t n = 0;
		int seen = 0;
		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(reclaimed.v[k].profile, x->profile) && !strcmp(reclaimed.v[k].wo, x->wo);
		if (seen)
			continue;
		for (size_t k = i; k < reclaimed.n && n < ISO_PORT_PURPOSES; k++)
			if (!strcmp(reclaimed.v[k].profile, x->profile) && !strcmp(reclaimed.v[k].wo, x->wo))
				ports[n++] = reclaimed.v[k].port;
		report(&r, "reclaimed leases of", x->profile, x->wo, 0, ports, n, "no pod or volume of it exists");
	}
	if (j) {
		iso_jgen_array_close(j);
		iso_jgen_map_close(j);
		if (cli_print_json(j, &err) < 0)
			goto fail;
	} else if (r.count == 0) {
		printf("nothing to collect: no interrupted runs, no leases without a work order\n");
	}
	goto out;
fail:
	if (wo_interrupted) {
		int sig = wo_interrupted;
		iso_error_free(err);
		rc = cli_interrupted(&mine, sig,
				     "gc interrupted by signal %d before it was done; what it reported is done, run "
				     "'isopod gc' again for the rest",
				     sig);
	} else {
		rc = cli_fail(&mine, err);
	}
out:
	lease_list_release(&reclaimed);
	keys_release(&keys);
	lease_registry_release(&reg);
	wo_ctx_release(&w);
	return rc;
}
