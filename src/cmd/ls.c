/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_ls.c - `isopod ls` and `isopod status WO-ID`: what of the caller's
 * work orders exists, read from Podman's labels and the lease file.
 *
 * One listing call per kind of object (pods, volumes, leases) builds one row
 * per work order, keyed by io.isopod.key; every label of an object is
 * re-checked against that key before the object counts.  Drift compares the
 * pod's io.isopod.config label with the hash of the configuration of the
 * pod's own profile (loaded once per profile).  `status` adds what needs a
 * call per work order: its containers and its secret.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "lease/lease.h"
#include "workorder/workorder.h"

#define LS_VOLUMES 2
#define LS_PROFILES_CACHED 16

struct ls_row {
	struct workorder_names n;
	int have_pod;
	char pod_state[24];  /* Podman's: Running, Exited, Degraded, Created ... */
	char pod_config[24]; /* io.isopod.config of the pod */
	char pod_repo[4096]; /* io.isopod.repo of the pod: "" when made outside a repository */
	int ports[ISO_PORT_PURPOSES];
	char address[LEASE_ADDR_MAX];
	int port_src; /* 0 none, 1 lease, 2 volume, 3 pod: the best source wins */
	char volumes[LS_VOLUMES][OBJECT_NAME_MAX + 1];
	size_t n_volumes;
	long long created; /* unix seconds the db volume was made, -1 unknown */
	int have_lease;
	enum lease_state lease_state;
	int lease_alive; /* the creating run is still alive */
	int drift;       /* 1, 0, -1 unknown */
};

struct ls_rows {
	struct ls_row *v;
	size_t n;
};

static void rows_release(struct ls_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The row of PROFILE/WO, made when missing; NULL when the names are not valid. */
static struct ls_row *row_get(struct ls_rows *r, const char *profile, const char *wo)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].n.profile, profile) && !strcmp(r->v[i].n.wo, wo))
			return &r->v[i];
	struct workorder_names n;
	if (wo_names_init(&n, profile, wo, NULL) < 0)
		return NULL;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	struct ls_row *row = &r->v[r->n++];
	memset(row, 0, sizeof(*row));
	row->n = n;
	row->created = -1;
	row->drift = -1;
	return row;
}

/* The row an object's labels place it in, or NULL when its labels do not hold together. */
static struct ls_row *row_of_labels(struct ls_rows *r, const struct podman_labels *l)
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

static void row_ports_from_labels(struct ls_row *row, const struct podman_labels *l, int src)
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
static long long ls_parse_time(const char *s)
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
static void ls_format_age(long long seconds, char *buf, size_t size)
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
static const char *ls_row_state(const char *pod_state, int have_pod, size_t n_volumes, int have_lease,
				int lease_creating, int lease_alive)
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

static const char *row_state(const struct ls_row *r)
{
	return ls_row_state(r->pod_state, r->have_pod, r->n_volumes, r->have_lease, r->lease_state == LEASE_CREATING,
			    r->lease_alive);
}

static void row_url(const struct ls_row *r, char *buf, size_t size)
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
static int rows_gather(struct wo_ctx *w, const struct podman_pair *filter, const char *wo, struct ls_rows *rows,
		       struct iso_error **err)
{
	struct podman_pod *pods = NULL;
	size_t n_pods = 0;
	if (podman_pod_list(w->client, filter, &pods, &n_pods, err) < 0)
		return -1;
	for (size_t i = 0; i < n_pods; i++) {
		struct ls_row *row = row_of_labels(rows, &pods[i].labels);
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
		struct ls_row *row = row_of_labels(rows, &vols[i].labels);
		if (!row || !vols[i].name)
			continue;
		int db = !strcmp(vols[i].name, row->n.db_volume), odoo = !strcmp(vols[i].name, row->n.odoo_volume);
		if ((!db && !odoo) || row->n_volumes >= LS_VOLUMES)
			continue;
		snprintf(row->volumes[row->n_volumes++], OBJECT_NAME_MAX + 1, "%s", vols[i].name);
		if (db)
			row->created = ls_parse_time(vols[i].created_at);
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
		struct ls_row *row = row_get(rows, l->profile, l->wo);
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

/*
 * Drift of each running or stopped pod against the configuration it would be
 * made from now: its own profile and the repository it was made in (not the
 * current directory's), loaded once per pair.
 */
static void rows_drift(struct ls_rows *rows, const struct iso_config_flags *base)
{
	struct {
		char profile[PROFILE_NAME_MAX + 1];
		const char *repo;
		struct iso_config cfg;
		int ok;
	} cache[LS_PROFILES_CACHED];
	size_t n_cache = 0;
	for (size_t i = 0; i < rows->n; i++) {
		struct ls_row *r = &rows->v[i];
		if (!r->have_pod || !r->pod_config[0])
			continue;
		size_t k = 0;
		while (k < n_cache && (strcmp(cache[k].profile, r->n.profile) || strcmp(cache[k].repo, r->pod_repo)))
			k++;
		if (k == n_cache) {
			if (n_cache == LS_PROFILES_CACHED)
				continue;
			struct iso_config_flags f = *base;
			f.profile = r->n.profile;
			f.repo = r->pod_repo[0] ? r->pod_repo : NULL;
			f.no_repo = !r->pod_repo[0];
			cache[k].repo = r->pod_repo;
			snprintf(cache[k].profile, sizeof(cache[k].profile), "%s", r->n.profile);
			struct iso_error *e = NULL;
			cache[k].ok = wo_config_load(&cache[k].cfg, &f, &e) == 0;
			if (!cache[k].ok)
				iso_debug("drift of profile '%s' unknown: %s", r->n.profile, e->msg);
			iso_error_free(e);
			n_cache++;
		}
		if (!cache[k].ok)
			continue;
		int ports[ISO_PORT_PURPOSES];
		memcpy(ports, r->ports, sizeof(ports));
		char hash[17];
		wo_config_hash(&cache[k].cfg, ports, hash);
		r->drift = strcmp(hash, r->pod_config) != 0;
	}
	for (size_t k = 0; k < n_cache; k++)
		if (cache[k].ok)
			wo_config_release(&cache[k].cfg);
}

static int row_cmp(const void *a, const void *b)
{
	const struct ls_row *x = a, *y = b;
	int c = strcmp(x->n.profile, y->n.profile);
	return c ? c : strcmp(x->n.wo, y->n.wo);
}

/* The fields `ls --json` prints for one row; `status` adds to the same object. */
static void row_json(iso_jgen *j, const struct ls_row *r, long long now)
{
	char url[128];
	row_url(r, url, sizeof(url));
	iso_jgen_kv_string(j, "work_order", r->n.wo);
	iso_jgen_kv_string(j, "profile", r->n.profile);
	iso_jgen_kv_string(j, "state", row_state(r));
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
}

static int emit(iso_jgen *j, struct iso_error **err)
{
	size_t len;
	const char *out = iso_jgen_finish(j, &len, err);
	if (!out)
		return -1;
	printf("%.*s\n", (int)len, out);
	return 0;
}

static void print_table(const struct ls_rows *rows, long long now)
{
	int colour = iso_colour_ok(STDOUT_FILENO);
	size_t wp = strlen("PROFILE"), ww = strlen("WORK ORDER"), wu = strlen("URL");
	for (size_t i = 0; i < rows->n; i++) {
		char url[128];
		row_url(&rows->v[i], url, sizeof(url));
		if (strlen(rows->v[i].n.profile) > wp)
			wp = strlen(rows->v[i].n.profile);
		if (strlen(rows->v[i].n.wo) > ww)
			ww = strlen(rows->v[i].n.wo);
		if (strlen(url) > wu)
			wu = strlen(url);
	}
	printf("%-*s  %-*s  %-11s  %-*s  %-5s  %s\n", (int)wp, "PROFILE", (int)ww, "WORK ORDER", "STATE", (int)wu,
	       "URL", "AGE", "DRIFT");
	for (size_t i = 0; i < rows->n; i++) {
		const struct ls_row *r = &rows->v[i];
		char url[128], age[32];
		row_url(r, url, sizeof(url));
		ls_format_age(r->created >= 0 ? (now > r->created ? now - r->created : 0) : -1, age, sizeof(age));
		const char *st = row_state(r);
		const char *on = "", *off = "";
		if (colour) {
			on = !strcmp(st, "running") ? "\033[32m" : !strcmp(st, "down") ? "" : "\033[33m";
			off = *on ? "\033[0m" : "";
		}
		printf("%-*s  %-*s  %s%-11s%s  %-*s  %-5s  %s\n", (int)wp, r->n.profile, (int)ww, r->n.wo, on, st, off,
		       (int)wu, url, age,
		       r->drift > 0    ? "yes"
		       : r->drift == 0 ? "no"
				       : "-");
	}
}

static void ls_help(void)
{
	printf("usage: isopod ls [--json]\n\n"
	       "List your work orders: running, stopped, degraded, down (no pod, volumes kept),\n"
	       "creating (an 'up' is running), interrupted (an 'up' was killed: 'isopod gc' finishes it)\n"
	       "or leased (ports only: 'isopod gc' reclaims them); with URL, age and drift (the pod\n"
	       "was made from another configuration: 'isopod up WO --recreate').\n\n"
	       "  --json      a JSON array: work_order, profile, state, url, ports, age_seconds,\n"
	       "              drift, pod, volumes\n"
	       "  -h, --help  this text\n\n"
	       "Exit codes: 0 ok, 2 bad usage, 5 Podman unreachable, 6 Podman refused, 1 internal.\n");
}

int cmd_ls(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	struct iso_error *err = NULL;
	int rc = 0;
	if (cli_parse_no_args(argc, argv, &mine, ls_help, &rc) < 0)
		return rc;

	struct wo_ctx w;
	struct ls_rows rows = {0};
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	if (wo_ctx_init(&w, NULL, &flags, WO_NEED_PODMAN, &err) < 0 || rows_gather(&w, &schema, "", &rows, &err) < 0) {
		rc = cli_fail(&mine, err);
		goto out;
	}
	rows_drift(&rows, &flags);
	if (rows.n)
		qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
	long long now = (long long)time(NULL);
	if (mine.json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(0);
		iso_jgen_array_open(j);
		for (size_t i = 0; i < rows.n; i++) {
			iso_jgen_map_open(j);
			row_json(j, &rows.v[i], now);
			iso_jgen_map_close(j);
		}
		iso_jgen_array_close(j);
		if (emit(j, &err) < 0)
			rc = cli_fail(&mine, err);
	} else if (rows.n == 0) {
		printf("no work orders; 'isopod up WO-ID' starts one\n");
	} else {
		print_table(&rows, now);
	}
out:
	rows_release(&rows);
	wo_ctx_release(&w);
	return rc;
}

/* ---- status ---- */

static void status_help(void)
{
	printf("usage: isopod status WO-ID [--profile NAME] [--json]\n\n"
	       "Show one work order: what 'ls' shows, and its containers (name, role, state, exit\n"
	       "code), ports, volumes, database and whether its password secret is present.\n"
	       "A work order that exists only under another profile is shown with that profile.\n\n"
	       "      --profile NAME  the profile (default: the work order's own, else the configured one)\n"
	       "      --json          one JSON object: the fields of 'ls --json' and containers,\n"
	       "                      secret, database, lease\n"
	       "  -h, --help          this text\n\n"
	       "Exit codes: 0 ok, 2 bad usage, 3 unknown work order (no pod, no volume, no lease),\n"
	       "5 Podman unreachable, 6 Podman refused, 1 internal.\n");
}

struct status_extra {
	struct podman_container *ctrs;
	size_t n_ctrs;
	int secret;
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
	return 0;
}

static void status_print(const struct ls_row *r, const struct status_extra *x, long long now)
{
	char url[128], age[32];
	row_url(r, url, sizeof(url));
	ls_format_age(r->created >= 0 ? (now > r->created ? now - r->created : 0) : -1, age, sizeof(age));
	printf("work order %s (profile %s): %s\n", r->n.wo, r->n.profile, row_state(r));
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

static void status_json(iso_jgen *j, const struct ls_row *r, const struct status_extra *x, long long now)
{
	iso_jgen_map_open(j);
	row_json(j, r, now);
	iso_jgen_kv_string(j, "database", r->n.database);
	iso_jgen_kv_string(j, "db_user", WO_DB_USER);
	iso_jgen_kv_bool(j, "secret", x->secret);
	iso_jgen_kv_string(j, "lease", r->have_lease ? lease_state_name(r->lease_state) : NULL);
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

int cmd_status(int argc, char **argv, const struct iso_globals *g)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"profile", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	struct iso_error *err = NULL;
	int c, rc = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			mine.json = 1;
			break;
		case 'P':
			flags.profile = optarg;
			break;
		case 'h':
			status_help();
			return 0;
		default:
			return cli_usage(&mine, argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage(&mine, argv[0], "missing the work order (WO-ID)");
	if (optind + 1 < argc)
		return cli_usage(&mine, argv[0], "unexpected argument '%s'", argv[optind + 1]);

	struct wo_ctx w;
	struct ls_rows rows = {0};
	struct status_extra x = {0};
	if (wo_ctx_init(&w, argv[optind], &flags, WO_NEED_PODMAN, &err) < 0)
		goto fail;
	struct podman_pair by_wo = {LABEL_WO, w.names.wo};
	if (rows_gather(&w, &by_wo, w.names.wo, &rows, &err) < 0)
		goto fail;
	/* A user's work order has one profile: without --profile, show the one it has. */
	struct ls_row *row = NULL;
	for (size_t i = 0; i < rows.n && !row; i++)
		if (!strcmp(rows.v[i].n.profile, w.names.profile))
			row = &rows.v[i];
	if (!row && !flags.profile && rows.n)
		row = &rows.v[0];
	if (!row || (!row->have_pod && !row->n_volumes && !row->have_lease)) {
		iso_error_set(
			&err, ISO_E_UNKNOWN, 0,
			"work order '%s' has no pod, volume or lease%s%s; 'isopod ls' lists yours, 'isopod up %s' "
			"makes it",
			w.names.wo, flags.profile ? " under profile " : "", flags.profile ? flags.profile : "",
			w.names.wo);
		goto fail;
	}
	if (strcmp(row->n.profile, w.names.profile))
		w.names = row->n;
	struct ls_rows one = {row, 1};
	rows_drift(&one, &flags);
	if (status_extra_get(&w, &x, &err) < 0)
		goto fail;
	long long now = (long long)time(NULL);
	if (mine.json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(0);
		status_json(j, row, &x, now);
		if (emit(j, &err) < 0)
			goto fail;
	} else {
		status_print(row, &x, now);
	}
	goto out;
fail:
	rc = cli_fail(&mine, err);
out:
	podman_container_list_free(x.ctrs, x.n_ctrs);
	rows_release(&rows);
	wo_ctx_release(&w);
	return rc;
}
