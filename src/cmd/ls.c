/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `isopod ls`, and the rows it lists, which `isopod status` shares
 * (cmd/ls.h): what of the caller's work orders exists, read from Podman's
 * labels and the lease file.  Drift compares the pod's io.isopod.config
 * label with the configuration it would be made from now; when it cannot be
 * judged, the row says why (drift_why) and the table and --json show it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/ls.h"
#include "lease/lease.h"
#include "workorder/workorder.h"

void cmd_ls_rows_release(struct cmd_ls_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].drift_why);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The row of PROFILE/WO, made when missing; NULL when the names are not valid. */
static struct cmd_ls_row *row_get(struct cmd_ls_rows *r, const char *profile, const char *wo)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].n.profile, profile) && !strcmp(r->v[i].n.wo, wo))
			return &r->v[i];
	struct workorder_names n;
	if (wo_names_init(&n, profile, wo, NULL) < 0)
		return NULL;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	struct cmd_ls_row *row = &r->v[r->n++];
	memset(row, 0, sizeof(*row));
	row->n = n;
	row->created = -1;
	row->drift = -1;
	return row;
}

/* The row an object's labels place it in, or NULL when its labels do not hold together. */
static struct cmd_ls_row *row_of_labels(struct cmd_ls_rows *r, const struct podman_labels *l)
{
	const char *key = podman_labels_get(l, LABEL_KEY);
	char profile[PROFILE_NAME_MAX + 1], wo[WO_ID_MAX + 1];
	if (!key || wo_key_split(key, profile, wo) < 0)
		return NULL;
	struct workorder_names n;
	if (wo_names_init(&n, profile, wo, NULL) < 0 || !wo_labels_match(l, &n))
		return NULL;
	return row_get(r, profile, wo);
}

static void row_ports_from_labels(struct cmd_ls_row *row, const struct podman_labels *l, int src)
{
	int ports[ISO_PORT_PURPOSES];
	char addr[LEASE_ADDR_MAX];
	if (row->port_src >= src)
		return;
	wo_labels_ports(l, ports, addr, sizeof(addr));
	if (!ports[ISO_PORT_HTTP])
		return;
	memcpy(row->ports, ports, sizeof(ports));
	snprintf(row->address, sizeof(row->address), "%s", addr);
	row->port_src = src;
}

/*
 * Podman's time stamps ("2024-05-01T10:20:30.123456789+02:00", "...Z") as
 * unix seconds; -1 when unreadable.
 */
long long cmd_ls_parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return -1;
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	long long t = (long long)timegm(&tm);
	if (*p == 'Z' || *p == '\0')
		return t;
	int hh, mm;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
		return *p == '+' ? t - (hh * 3600 + mm * 60) : t + (hh * 3600 + mm * 60);
	return -1;
}

/* An age for people: 45s, 5m, 3h, 2d; "-" when unknown. */
void cmd_ls_format_age(long long seconds, char *buf, size_t size)
{
	if (seconds < 0)
		snprintf(buf, size, "-");
	else if (seconds < 60)
		snprintf(buf, size, "%llds", seconds);
	else if (seconds < 3600)
		snprintf(buf, size, "%lldm", seconds / 60);
	else if (seconds < 86400)
		snprintf(buf, size, "%lldh", seconds / 3600);
	else
		snprintf(buf, size, "%lldd", seconds / 86400);
}

/* What a row's state is called: running, stopped, degraded, down, creating, interrupted, leased. */
const char *cmd_ls_row_state(const char *pod_state, int have_pod, size_t n_volumes, int have_lease, int lease_creating,
			     int lease_alive)
{
	/* A `creating` lease means an `up` is at work, or was killed midway: say so whatever exists. */
	if (have_lease && lease_creating)
		return lease_alive ? "creating" : "interrupted";
	if (have_pod) {
		if (!strcasecmp(pod_state, "running"))
			return "running";
		if (!strcasecmp(pod_state, "degraded"))
			return "degraded";
		return "stopped";
	}
	if (n_volumes)
		return "down";
	return have_lease ? "leased" : "gone";
}

const char *cmd_ls_state(const struct cmd_ls_row *r)
{
	return cmd_ls_row_state(r->pod_state, r->have_pod, r->n_volumes, r->have_lease,
				r->lease_state == LEASE_CREATING, r->lease_alive);
}

void cmd_ls_url(const struct cmd_ls_row *r, char *buf, size_t size)
{
	if (!r->ports[ISO_PORT_HTTP]) {
		snprintf(buf, size, "-");
		return;
	}
	const char *a = r->address[0] ? r->address : "127.0.0.1";
	if (!strcmp(a, "0.0.0.0") || !strcmp(a, "::"))
		a = "127.0.0.1";
	int v6 = strchr(a, ':') != NULL;
	snprintf(buf, size, "http://%s%s%s:%d", v6 ? "[" : "", a, v6 ? "]" : "", r->ports[ISO_PORT_HTTP]);
}

/* Pods, volumes and leases carrying FILTER (pods, volumes) or of WO (leases, "" for all): one call each. */
int cmd_ls_rows_gather(struct wo_ctx *w, const struct podman_pair *filter, const char *wo, struct cmd_ls_rows *rows,
		       struct iso_error **err)
{
	struct podman_pod *pods = NULL;
	size_t n_pods = 0;
	if (podman_pod_list(w->client, filter, &pods, &n_pods, err) < 0)
		return -1;
	for (size_t i = 0; i < n_pods; i++) {
		struct cmd_ls_row *row = row_of_labels(rows, &pods[i].labels);
		if (!row || !pods[i].name || strcmp(pods[i].name, row->n.pod) || row->have_pod)
			continue;
		row->have_pod = 1;
		snprintf(row->pod_state, sizeof(row->pod_state), "%s", pods[i].state ? pods[i].state : "unknown");
		const char *h = podman_labels_get(&pods[i].labels, LABEL_CONFIG);
		snprintf(row->pod_config, sizeof(row->pod_config), "%s", h ? h : "");
		const char *repo = podman_labels_get(&pods[i].labels, LABEL_REPO);
		snprintf(row->pod_repo, sizeof(row->pod_repo), "%s", repo ? repo : "");
		row_ports_from_labels(row, &pods[i].labels, 3);
	}
	podman_pod_list_free(pods, n_pods);

	struct podman_volume *vols = NULL;
	size_t n_vols = 0;
	if (podman_volume_list(w->client, filter, &vols, &n_vols, err) < 0)
		return -1;
	for (size_t i = 0; i < n_vols; i++) {
		struct cmd_ls_row *row = row_of_labels(rows, &vols[i].labels);
		if (!row || !vols[i].name)
			continue;
		int db = !strcmp(vols[i].name, row->n.db_volume), odoo = !strcmp(vols[i].name, row->n.odoo_volume);
		if ((!db && !odoo) || row->n_volumes >= CMD_LS_VOLUMES)
			continue;
		snprintf(row->volumes[row->n_volumes++], OBJECT_NAME_MAX + 1, "%s", vols[i].name);
		if (db)
			row->created = cmd_ls_parse_time(vols[i].created_at);
		row_ports_from_labels(row, &vols[i].labels, 2);
	}
	podman_volume_list_free(vols, n_vols);

	struct lease_registry reg = {.dirfd = -1};
	struct lease_list leases = {0};
	if (lease_registry_open_config(&reg, &w->cfg, err) < 0 || lease_list_all(&reg, w->uid, &leases, err) < 0) {
		lease_registry_release(&reg);
		return -1;
	}
	for (size_t i = 0; i < leases.n; i++) {
		const struct lease *l = &leases.v[i];
		if (l->uid != w->uid || (wo[0] && strcmp(l->wo, wo)))
			continue;
		struct cmd_ls_row *row = row_get(rows, l->profile, l->wo);
		if (!row)
			continue;
		if (l->purpose == ISO_PORT_HTTP || !row->have_lease) {
			row->have_lease = 1;
			row->lease_state = l->state;
			row->lease_alive = l->state == LEASE_CREATING && lease_run_alive(&l->run);
		}
		if (row->port_src <= 1) {
			row->ports[l->purpose] = l->port;
			snprintf(row->address, sizeof(row->address), "%s", l->address);
			row->port_src = 1;
		}
	}
	lease_list_release(&leases);
	lease_registry_release(&reg);
	return 0;
}

/* A configuration pods may have been made from: a profile in a repository ("" for none). */
struct drift_cfg {
	char profile[PROFILE_NAME_MAX + 1];
	char *repo;
	struct iso_config cfg;
	char *why; /* NULL when cfg loaded */
};

struct drift_cache {
	struct iso_config_flags base;
	struct drift_cfg *v;
	size_t n;
};

/* The configuration of PROFILE in REPO, loaded the first time it is asked for; every pair is kept. */
static const struct drift_cfg *drift_cfg_get(struct drift_cache *c, const char *profile, const char *repo)
{
	for (size_t k = 0; k < c->n; k++)
		if (!strcmp(c->v[k].profile, profile) && !strcmp(c->v[k].repo, repo))
			return &c->v[k];
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	struct drift_cfg *d = &c->v[c->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->profile, sizeof(d->profile), "%s", profile);
	d->repo = xstrdup(repo);
	struct stat st;
	if (repo[0] && (stat(repo, &st) < 0 || !S_ISDIR(st.st_mode))) {
		d->why = xasprintf("the repository '%s' the pod was made in is not there any more; 'isopod up WO "
				   "--recreate' in its new place rebuilds the pod",
				   repo);
		return d;
	}
	struct iso_config_flags f = c->base;
	f.profile = profile;
	f.repo = repo[0] ? repo : NULL;
	f.no_repo = !repo[0];
	struct iso_error *e = NULL;
	if (wo_config_load(&d->cfg, &f, &e) < 0) {
		d->why = repo[0] ? xasprintf("the configuration of profile '%s' in repository '%s' does not load: %s",
					     profile, repo, e->msg)
				 : xasprintf("the configuration of profile '%s' (no repository) does not load: %s",
					     profile, e->msg);
		iso_error_free(e);
	}
	return d;
}

static void drift_cache_release(struct drift_cache *c)
{
	for (size_t k = 0; k < c->n; k++) {
		if (!c->v[k].why)
			wo_config_release(&c->v[k].cfg);
		free(c->v[k].why);
		free(c->v[k].repo);
	}
	free(c->v);
}

void cmd_ls_rows_drift(struct cmd_ls_rows *rows, const struct iso_config_flags *base)
{
	struct drift_cache c = {.v = NULL};
	if (base)
		c.base = *base;
	for (size_t i = 0; i < rows->n; i++) {
		struct cmd_ls_row *r = &rows->v[i];
		char hash[17];
		free(r->drift_why);
		r->drift_why = NULL;
		r->drift = -1;
		if (!r->have_pod) {
			r->drift_why = xstrdup("no pod to compare");
			continue;
		}
		if (!r->pod_config[0]) {
			r->drift_why = xasprintf("the pod has no %s label (made by an older isopod or by hand); "
						 "'isopod up %s --recreate' rebuilds it",
						 LABEL_CONFIG, r->n.wo);
			continue;
		}
		const struct drift_cfg *d = drift_cfg_get(&c, r->n.profile, r->pod_repo);
		if (d->why) {
			r->drift_why = xstrdup(d->why);
			continue;
		}
		wo_config_hash(&d->cfg, r->ports, hash);
		r->drift = strcmp(hash, r->pod_config) != 0;
	}
	drift_cache_release(&c);
}

static int row_cmp(const void *a, const void *b)
{
	const struct cmd_ls_row *x = a, *y = b;
	int c = strcmp(x->n.profile, y->n.profile);
	return c ? c : strcmp(x->n.wo, y->n.wo);
}

/* The fields of one row of `ls --json` (an element of its work_orders); `status` adds to the same object. */
void cmd_ls_row_json(iso_jgen *j, const struct cmd_ls_row *r, long long now)
{
	char url[128];
	cmd_ls_url(r, url, sizeof(url));
	iso_jgen_kv_string(j, "work_order", r->n.wo);
	iso_jgen_kv_string(j, "profile", r->n.profile);
	iso_jgen_kv_string(j, "state", cmd_ls_state(r));
	iso_jgen_kv_string(j, "url", r->ports[ISO_PORT_HTTP] ? url : NULL);
	iso_jgen_key(j, "ports");
	iso_jgen_map_open(j);
	for (int p = 0; p < ISO_PORT_PURPOSES; p++)
		if (r->ports[p])
			iso_jgen_kv_int(j, wo_purpose_name(p), r->ports[p]);
	iso_jgen_map_close(j);
	iso_jgen_key(j, "age_seconds");
	if (r->created >= 0)
		iso_jgen_int(j, now > r->created ? now - r->created : 0);
	else
		iso_jgen_null(j);
	iso_jgen_key(j, "drift");
	if (r->drift >= 0)
		iso_jgen_bool(j, r->drift);
	else
		iso_jgen_null(j);
	iso_jgen_kv_string(j, "pod", r->have_pod ? r->n.pod : NULL);
	iso_jgen_key(j, "volumes");
	iso_jgen_array_open(j);
	for (size_t v = 0; v < r->n_volumes; v++)
		iso_jgen_string(j, r->volumes[v]);
	iso_jgen_array_close(j);
	iso_jgen_kv_string(j, "drift_reason", r->drift < 0 ? r->drift_why : NULL);
}

void cmd_ls_rows_json(iso_jgen *j, const struct cmd_ls_rows *rows, long long now)
{
	iso_jgen_map_open(j);
	iso_jgen_key(j, "work_orders");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < rows->n; i++) {
		iso_jgen_map_open(j);
		cmd_ls_row_json(j, &rows->v[i], now);
		iso_jgen_map_close(j);
	}
	iso_jgen_array_close(j);
	iso_jgen_map_close(j);
}

/* A pod whose drift could not be judged: "?" in the table and a line below it saying why. */
static int drift_unknown(const struct cmd_ls_row *r)
{
	return r->have_pod && r->drift < 0 && r->drift_why;
}

/* One line per distinct reason, naming the work orders it holds for. */
static void print_drift_reasons(FILE *out, const struct cmd_ls_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++) {
		const struct cmd_ls_row *r = &rows->v[i];
		size_t k = 0;
		if (!drift_unknown(r))
			continue;
		while (k < i && !(drift_unknown(&rows->v[k]) && !strcmp(rows->v[k].drift_why, r->drift_why)))
			k++;
		if (k < i)
			continue; /* said with an earlier row */
		fprintf(out, "? drift unknown for %s (%s)", r->n.wo, r->n.profile);
		for (k = i + 1; k < rows->n; k++)
			if (drift_unknown(&rows->v[k]) && !strcmp(rows->v[k].drift_why, r->drift_why))
				fprintf(out, ", %s (%s)", rows->v[k].n.wo, rows->v[k].n.profile);
		fprintf(out, ": %s\n", r->drift_why);
	}
}

void cmd_ls_print_table(FILE *out, const struct cmd_ls_rows *rows, long long now, int colour)
{
	size_t wp = strlen("PROFILE"), ww = strlen("WORK ORDER"), wu = strlen("URL");
	for (size_t i = 0; i < rows->n; i++) {
		char url[128];
		cmd_ls_url(&rows->v[i], url, sizeof(url));
		if (strlen(rows->v[i].n.profile) > wp)
			wp = strlen(rows->v[i].n.profile);
		if (strlen(rows->v[i].n.wo) > ww)
			ww = strlen(rows->v[i].n.wo);
		if (strlen(url) > wu)
			wu = strlen(url);
	}
	fprintf(out, "%-*s  %-*s  %-11s  %-*s  %-5s  %s\n", (int)wp, "PROFILE", (int)ww, "WORK ORDER", "STATE", (int)wu,
		"URL", "AGE", "DRIFT");
	for (size_t i = 0; i < rows->n; i++) {
		const struct cmd_ls_row *r = &rows->v[i];
		char url[128], age[32];
		cmd_ls_url(r, url, sizeof(url));
		cmd_ls_format_age(r->created >= 0 ? (now > r->created ? now - r->created : 0) : -1, age, sizeof(age));
		const char *st = cmd_ls_state(r);
		const char *on = "", *off = "";
		if (colour) {
			on = !strcmp(st, "running") ? "\033[32m" : !strcmp(st, "down") ? "" : "\033[33m";
			off = *on ? "\033[0m" : "";
		}
		fprintf(out, "%-*s  %-*s  %s%-11s%s  %-*s  %-5s  %s\n", (int)wp, r->n.profile, (int)ww, r->n.wo, on, st,
			off, (int)wu, url, age,
			r->drift > 0       ? "yes"
			: r->drift == 0    ? "no"
			: drift_unknown(r) ? "?"
					   : "-");
	}
	print_drift_reasons(out, rows);
}

static const struct cli_help ls_help = {
	"usage: isopod ls [--json]\n\n"
	"List your work orders: running, stopped, degraded, down (no pod, volumes kept),\n"
	"creating (an 'up' is running), interrupted (an 'up' was killed: 'isopod gc' finishes it)\n"
	"or leased (ports only: 'isopod gc' reclaims them); with URL, age and drift (the pod\n"
	"was made from another configuration: 'isopod up WO --recreate'; '?' when it cannot\n"
	"be judged, with the reason on a line below the table).\n\n",
	"Exit codes: 0 ok, 2 bad usage, 5 Podman unreachable, 6 Podman refused, 1 internal.\n",
};

int cmd_ls(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	struct iso_error *err = NULL;
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_BOOL(0, "json", &mine.json,
			     "one JSON object {\"work_orders\": [...]}, a row each: work_order,\n"
			     "profile, state, url, ports, age_seconds, drift, pod, volumes,\n"
			     "drift_reason (why drift is null)"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &ls_help, CLI_NO_ARGS, &mine, &rc) < 0)
		return rc;

	struct wo_ctx w;
	struct cmd_ls_rows rows = {0};
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	if (wo_ctx_init(&w, NULL, &flags, WO_NEED_PODMAN, &err) < 0 ||
	    cmd_ls_rows_gather(&w, &schema, "", &rows, &err) < 0) {
		rc = cli_fail(&mine, err);
		goto out;
	}
	cmd_ls_rows_drift(&rows, &flags);
	if (rows.n)
		qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
	long long now = (long long)time(NULL);
	if (mine.json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(0);
		cmd_ls_rows_json(j, &rows, now);
		if (cli_print_json(j, &err) < 0)
			rc = cli_fail(&mine, err);
	} else if (rows.n == 0) {
		printf("no work orders; 'isopod up WO-ID' starts one\n");
	} else {
		cmd_ls_print_table(stdout, &rows, now, iso_colour_ok(STDOUT_FILENO));
	}
out:
	cmd_ls_rows_release(&rows);
	wo_ctx_release(&w);
	return rc;
}

void cmd_format_utc(int64_t t, char *out, size_t size)
{
	time_t c = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&c, &tm))
		snprintf(out, size, "-");
	else
		strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
