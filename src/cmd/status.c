/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `isopod status WO-ID`: one row of `ls` (cmd/ls.h) and what needs a call
 * per work order: its containers and its secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "cmd/cmd.h"
#include "cmd/ls.h"
#include "lease/lease.h"
#include "snapshot/snapshot.h"
#include "template/template.h"
#include "workorder/workorder.h"

struct status_extra {
	struct podman_container *ctrs;
	size_t n_ctrs;
	int secret;
	char *origin; /* where its data came from (template/template.h), or NULL */
	char *cut;    /* a restore that was cut off (snapshot/snapshot.h), or NULL */
	int snapshots;
};

static int status_extra_get(struct wo_ctx *w, struct status_extra *x, struct iso_error **err)
{
	struct podman_pair by_key = {LABEL_KEY, w->names.key};
	if (podman_container_list(w->client, &by_key, &x->ctrs, &x->n_ctrs, err) < 0)
		return -1;
	struct podman_secret s;
	struct iso_error *e = NULL;
	if (podman_secret_inspect(w->client, w->names.secret, &s, &e) == 0) {
		x->secret = wo_labels_match(&s.labels, &w->names);
		podman_secret_release(&s);
	} else if (podman_err_not_found(e)) {
		iso_error_free(e);
	} else {
		return iso_error_move(err, e);
	}
	x->origin = tpl_origin_read(w);
	x->cut = snap_interrupted(w);
	struct snap_list l;
	if (snap_list(w, 0, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		x->snapshots += l.v[i].sealed ? 1 : 0;
	snap_list_release(&l);
	return 0;
}

static void status_print(const struct cmd_ls_row *r, const struct status_extra *x, long long now)
{
	char url[128], age[32];
	cmd_ls_url(r, url, sizeof(url));
	cmd_ls_format_age(r->created >= 0 ? (now > r->created ? now - r->created : 0) : -1, age, sizeof(age));
	printf("work order %s (profile %s): %s\n", r->n.wo, r->n.profile, cmd_ls_state(r));
	printf("  url:        %s\n", url);
	printf("  age:        %s\n", age);
	printf("  drift:      %s\n", r->drift > 0    ? "yes: 'isopod up --recreate' rebuilds the pod (volumes kept)"
				     : r->drift == 0 ? "no"
						     : "-");
	printf("  pod:        %s\n", r->have_pod ? r->n.pod : "-");
	printf("  ports:     ");
	int any = 0;
	for (int p = 0; p < ISO_PORT_PURPOSES; p++)
		if (r->ports[p])
			printf(" %s %d", wo_purpose_name(p), r->ports[p]), any = 1;
	printf("%s%s\n", any ? "" : " -", r->have_lease ? "" : " (no lease)");
	printf("  database:   %s (user %s)\n", r->n.database, WO_DB_USER);
	printf("  secret:     %s\n", x->secret ? r->n.secret : "missing");
	printf("  data from:  %s\n", x->origin ? x->origin : "-");
	printf("  snapshots:  %d ('isopod snapshots %s')\n", x->snapshots, r->n.wo);
	if (x->cut)
		printf("  WARNING:    %s\n", x->cut);
	printf("  volumes:   ");
	for (size_t v = 0; v < r->n_volumes; v++)
		printf(" %s", r->volumes[v]);
	printf("%s\n", r->n_volumes ? "" : " -");
	printf("  containers:%s\n", x->n_ctrs ? "" : " -");
	for (size_t i = 0; i < x->n_ctrs; i++) {
		const struct podman_container *k = &x->ctrs[i];
		const char *role = podman_labels_get(&k->labels, LABEL_ROLE);
		printf("    %-*s  %-5s  %s", CONTAINER_NAME_MAX / 2, k->name ? k->name : "?", role ? role : "-",
		       k->state ? k->state : "unknown");
		if (!k->running && k->state && strcmp(k->state, "created"))
			printf(" (exit code %d)", k->exit_code);
		printf("\n");
	}
}

static void status_json(iso_jgen *j, const struct cmd_ls_row *r, const struct status_extra *x, long long now)
{
	iso_jgen_map_open(j);
	cmd_ls_row_json(j, r, now);
	iso_jgen_kv_string(j, "database", r->n.database);
	iso_jgen_kv_string(j, "db_user", WO_DB_USER);
	iso_jgen_kv_bool(j, "secret", x->secret);
	iso_jgen_kv_string(j, "lease", r->have_lease ? lease_state_name(r->lease_state) : NULL);
	iso_jgen_kv_string(j, "origin", x->origin);
	iso_jgen_kv_int(j, "snapshots", x->snapshots);
	iso_jgen_kv_string(j, "restore_interrupted", x->cut);
	iso_jgen_key(j, "containers");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < x->n_ctrs; i++) {
		const struct podman_container *k = &x->ctrs[i];
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "name", k->name);
		iso_jgen_kv_string(j, "role", podman_labels_get(&k->labels, LABEL_ROLE));
		iso_jgen_kv_string(j, "state", k->state);
		iso_jgen_kv_bool(j, "running", k->running);
		iso_jgen_kv_int(j, "exit_code", k->exit_code);
		iso_jgen_map_close(j);
	}
	iso_jgen_array_close(j);
	iso_jgen_map_close(j);
}

static const struct cli_help status_help = {
	"usage: isopod status WO-ID [--profile NAME] [--json]\n\n"
	"Show one work order: what 'ls' shows, and its containers (name, role, state, exit\n"
	"code), ports, volumes, database and whether its password secret is present.\n"
	"A work order that exists only under another profile is shown with that profile.\n\n",
	"Exit codes: 0 ok, 2 bad usage, 3 unknown work order (no pod, no volume, no lease),\n"
	"5 Podman unreachable, 6 Podman refused, 1 internal.\n",
};

/* The row of W's work order: its profile's, else (without --profile) the one it has; NULL when it has none. */
static struct cmd_ls_row *status_row(struct wo_ctx *w, const struct iso_config_flags *flags, struct cmd_ls_rows *rows,
				     struct iso_error **err)
{
	struct podman_pair by_wo = {LABEL_WO, w->names.wo};
	if (cmd_ls_rows_gather(w, &by_wo, w->names.wo, rows, err) < 0)
		return NULL;
	/* A user's work order has one profile: without --profile, show the one it has. */
	struct cmd_ls_row *row = NULL;
	for (size_t i = 0; i < rows->n && !row; i++)
		if (!strcmp(rows->v[i].n.profile, w->names.profile))
			row = &rows->v[i];
	if (!row && !flags->profile && rows->n)
		row = &rows->v[0];
	if (!row || (!row->have_pod && !row->n_volumes && !row->have_lease)) {
		iso_error_set(err, ISO_E_UNKNOWN, 0,
			      "work order '%s' has no pod, volume or lease%s%s; 'isopod ls' lists yours, 'isopod up "
			      "%s' makes it",
			      w->names.wo, flags->profile ? " under profile " : "",
			      flags->profile ? flags->profile : "", w->names.wo);
		return NULL;
	}
	if (strcmp(row->n.profile, w->names.profile))
		w->names = row->n;
	struct cmd_ls_rows one = {row, 1};
	cmd_ls_rows_drift(&one, flags);
	return row;
}

static int status(struct wo_ctx *w, const char *wo, const struct iso_config_flags *flags, int json,
		  struct cmd_ls_rows *rows, struct status_extra *x, struct iso_error **err)
{
	struct cmd_ls_row *row;
	if (wo_ctx_init(w, wo, flags, WO_NEED_PODMAN, err) < 0 || !(row = status_row(w, flags, rows, err)) ||
	    status_extra_get(w, x, err) < 0)
		return -1;
	long long now = (long long)time(NULL);
	if (!json) {
		status_print(row, x, now);
		return 0;
	}
	cleanup_jgen iso_jgen *j = iso_jgen_new(0);
	status_json(j, row, x, now);
	return cli_print_json(j, err);
}

int cmd_status(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&flags.profile, "the profile (default: the work order's own, else the configured one)"),
		CLI_OPT_BOOL(0, "json", &mine.json,
			     "one JSON object: the fields of a row of 'ls --json' and\n"
			     "containers, secret, database, db_user, lease"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &status_help, 0, &mine, &rc);
	if (n < 0)
		return rc;
	if (n == 0)
		return cli_usage(&mine, argv[0], "missing the work order (WO-ID)");
	if (n > 1)
		return cli_usage(&mine, argv[0], "unexpected argument '%s'", argv[2]);

	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct cmd_ls_rows rows = {0};
	struct status_extra x = {0};
	if (status(&w, argv[1], &flags, mine.json, &rows, &x, &err) < 0)
		rc = cli_fail(&mine, err);
	podman_container_list_free(x.ctrs, x.n_ctrs);
	free(x.origin);
	free(x.cut);
	cmd_ls_rows_release(&rows);
	wo_ctx_release(&w);
	return rc;
}
