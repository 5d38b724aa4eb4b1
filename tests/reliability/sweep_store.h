/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep_store.h - what the sweep (test_sweep.c) knows of templates and
 * snapshots (issue 14): the template volumes of the sweep's own profile and
 * the throwaway objects of a template build, the snapshot volumes of its
 * work order, asked of Podman's REST API by label (never the podman CLI);
 * what isopod itself says of them (`template ls --json`, `snapshots --json`,
 * `status --json`); and SQL and HTTP on the work order.  Included once, by test_sweep.c, after
 * sweep_state.h.
 *
 * A template (or snapshot) is "complete" when its three volumes (db, files,
 * seal) exist, "partial" when some do.  The rule the sweep holds isopod to:
 * what isopod calls ready is complete, so a half-made one is never used.
 */
#ifndef ISOPOD_SWEEP_STORE_H
#define ISOPOD_SWEEP_STORE_H

#include "sweep_state.h"

#define STORE_MAX 16

struct store_item {
	char id[160];  /* a template's key; a snapshot's volume base (isopod-snap-...-<h8>) */
	char name[48]; /* a snapshot's name */
	int db, files, seal;
	char seal_created[64];
	int iso_ready; /* isopod says ready */
};

struct store_state {
	struct store_item tpl[STORE_MAX], snap[STORE_MAX];
	int ntpl, nsnap;
	int build_pods, build_containers, build_secrets; /* io.isopod.kind=template-build of the profile */
	int iso_tpl_ready, iso_snap_ready;               /* what isopod calls ready */
};

/*
 * isopod ARGS (printf-style) with its stdout in *OUT (owned) and stderr
 * dropped: the exit code.  Not checked against the schemas (ptest_isopod
 * does that), which would cost a validator's start at every look.
 */
static int store_isopod(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int store_isopod(char **out, const char *fmt, ...)
{
	struct iso_run_result r;
	va_list ap;
	va_start(ap, fmt);
	int rc = iso_run_isopodv(&(struct iso_run_opts){.timeout_ms = 60000}, &r, fmt, ap);
	va_end(ap);
	*out = rc < 0 ? NULL : r.out;
	r.out = NULL;
	rc = rc < 0 ? -1 : r.status;
	iso_run_result_release(&r);
	return rc;
}

static int store_complete(const struct store_item *i)
{
	return i->db && i->files && i->seal;
}

static struct store_item *store_item_get(struct store_item *v, int *n, const char *id)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(v[i].id, id))
			return &v[i];
	if (*n >= STORE_MAX)
		return NULL;
	memset(&v[*n], 0, sizeof v[*n]);
	snprintf(v[*n].id, sizeof v[*n].id, "%s", id);
	return &v[(*n)++];
}

/* GET /libpod/WHAT/json (all=true for containers) of objects labelled LABEL (owned JSON array, or NULL). */
static iso_json *store_list(const char *what, const char *label)
{
	char f[400], path[600];
	sweep_label_filter(f, sizeof f, label);
	snprintf(path, sizeof path, "/v4.0.0/libpod/%s/json?%s%s", what, !strcmp(what, "containers") ? "all=true&" : "",
		 f);
	iso_json *j = sweep_get_json(path);
	if (j && !iso_json_is(j, ISO_JSON_ARRAY)) {
		iso_json_free(j);
		return NULL;
	}
	return j;
}

static const char *store_label(const iso_json *obj, const char *key)
{
	return iso_json_get_string(iso_json_get(obj, "Labels"), key);
}

/* Set the volume's bit in ITEM by its io.isopod.role ("template-db", "snapshot-seal", ...). */
static void store_role(struct store_item *it, const iso_json *vol)
{
	const char *role = store_label(vol, "io.isopod.role"), *created = iso_json_get_string(vol, "CreatedAt");
	const char *dash = role ? strchr(role, '-') : NULL;
	if (!it || !dash)
		return;
	it->db |= !strcmp(dash, "-db");
	it->files |= !strcmp(dash, "-files");
	if (!strcmp(dash, "-seal")) {
		it->seal = 1;
		snprintf(it->seal_created, sizeof it->seal_created, "%s", created ? created : "?");
	}
}

/* The template volumes of PROFILE by key, and the throwaway objects of its builds. */
static int store_templates(const char *profile, const char *key, struct store_state *s)
{
	cleanup_json iso_json *v = store_list("volumes", "io.isopod.kind=template");
	if (!v)
		return -1;
	for (size_t i = 0; iso_json_at(v, i); i++) {
		const iso_json *x = iso_json_at(v, i);
		const char *prof = store_label(x, "io.isopod.profile"), *k = store_label(x, "io.isopod.template");
		if (prof && k && !strcmp(prof, profile))
			store_role(store_item_get(s->tpl, &s->ntpl, k), x);
	}
	const char *what[] = {"pods", "containers"};
	int *counts[] = {&s->build_pods, &s->build_containers};
	for (int k = 0; k < 2; k++) {
		cleanup_json iso_json *b = store_list(what[k], "io.isopod.kind=template-build");
		if (!b)
			return -1;
		for (size_t i = 0; iso_json_at(b, i); i++) {
			const char *prof = store_label(iso_json_at(b, i), "io.isopod.profile");
			*counts[k] += prof && !strcmp(prof, profile);
		}
	}
	/* The build's secret, by name, for every key seen and the current one. */
	const char *keys[STORE_MAX + 1];
	int nkeys = 0, seen = 0;
	for (int i = 0; i < s->ntpl; i++) {
		keys[nkeys++] = s->tpl[i].id;
		seen |= key && !strcmp(s->tpl[i].id, key);
	}
	if (key && *key && !seen)
		keys[nkeys++] = key;
	for (int i = 0; i < nkeys; i++) {
		char path[300];
		long st = 0;
		snprintf(path, sizeof path, "/v4.0.0/libpod/secrets/isopod.tpl-%s-%s-password/json", profile, keys[i]);
		if (ptest_request("GET", path, NULL, &st, NULL) != 0)
			return -1;
		s->build_secrets += st == 200;
	}
	return 0;
}

/* The snapshot volumes of PROFILE/WO by base name. */
static int store_snapshots(const char *profile, const char *id, struct store_state *s)
{
	char label[160];
	snprintf(label, sizeof label, "io.isopod.snapshot-of=%s/%s", profile, id);
	cleanup_json iso_json *v = store_list("volumes", label);
	if (!v)
		return -1;
	for (size_t i = 0; iso_json_at(v, i); i++) {
		const iso_json *x = iso_json_at(v, i);
		const char *name = iso_json_get_string(x, "Name"), *snap = store_label(x, "io.isopod.snapshot");
		const char *dash = name ? strrchr(name, '-') : NULL;
		if (!dash || !snap)
			continue;
		char base[160];
		snprintf(base, sizeof base, "%.*s", (int)(dash - name), name);
		struct store_item *it = store_item_get(s->snap, &s->nsnap, base);
		if (it)
			snprintf(it->name, sizeof it->name, "%s", snap);
		store_role(it, x);
	}
	return 0;
}

/* isopod's own view: `template ls --json` and `snapshots WO --json`; marks what it calls ready. */
static int store_iso_view(const char *profile, const char *id, struct store_state *s)
{
	char *out = NULL;
	struct iso_error *err = NULL;
	int rc = store_isopod(&out, "template ls --profile %s --json", profile);
	cleanup_json iso_json *t = rc == 0 ? iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "ls", &err) : NULL;
	free(out), iso_error_free(err), err = NULL, out = NULL;
	const iso_json *l = iso_json_get(t, "templates");
	for (size_t i = 0; iso_json_at(l, i); i++) {
		const iso_json *x = iso_json_at(l, i);
		const char *k = iso_json_get_string(x, "key"), *st = iso_json_get_string(x, "state");
		struct store_item *it = k && st && !strcmp(st, "ready") ? store_item_get(s->tpl, &s->ntpl, k) : NULL;
		if (it)
			it->iso_ready = 1, s->iso_tpl_ready++;
	}
	int rc2 = store_isopod(&out, "snapshots %s --profile %s --json", id, profile);
	cleanup_json iso_json *n = rc2 == 0 ? iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "ls", &err) : NULL;
	free(out), iso_error_free(err);
	l = iso_json_get(n, "snapshots");
	for (size_t i = 0; iso_json_at(l, i); i++) {
		const iso_json *x = iso_json_at(l, i);
		const char *name = iso_json_get_string(x, "name"), *st = iso_json_get_string(x, "state");
		if (!name || !st || strcmp(st, "ready"))
			continue;
		s->iso_snap_ready++;
		/* The listing has no base name: the first complete snapshot of that name not yet claimed. */
		for (int k = 0; k < s->nsnap; k++)
			if (!strcmp(s->snap[k].name, name) && !s->snap[k].iso_ready && store_complete(&s->snap[k])) {
				s->snap[k].iso_ready = 1;
				break;
			}
	}
	return t && n ? 0 : -1;
}

static int store_get(const char *profile, const char *id, const char *key, struct store_state *s)
{
	memset(s, 0, sizeof *s);
	if (store_templates(profile, key, s) < 0 || store_snapshots(profile, id, s) < 0 ||
	    store_iso_view(profile, id, s) < 0)
		return -1;
	return 0;
}

static int store_count(const struct store_item *v, int n, const char *name, int complete)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		c += (!name || !strcmp(v[i].name, name)) && store_complete(&v[i]) == complete;
	return c;
}

/* What isopod calls ready that is not complete (a half-made one it would use): 0, else printed into WHY. */
static int store_half_made_used(const struct store_state *s, char *why, size_t size)
{
	int ready = 0;
	for (int i = 0; i < s->ntpl; i++) {
		ready += s->tpl[i].iso_ready;
		if (s->tpl[i].iso_ready && !store_complete(&s->tpl[i])) {
			snprintf(why, size, "isopod calls template %s ready, but it has db %d files %d seal %d",
				 s->tpl[i].id, s->tpl[i].db, s->tpl[i].files, s->tpl[i].seal);
			return -1;
		}
	}
	int claimed = 0;
	for (int i = 0; i < s->nsnap; i++)
		claimed += s->snap[i].iso_ready;
	if (claimed != s->iso_snap_ready) {
		snprintf(why, size, "isopod calls %d snapshot(s) ready, but only %d are complete (db, files, seal)",
			 s->iso_snap_ready, claimed);
		return -1;
	}
	return 0;
}

static void store_describe(const struct store_state *s, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "templates:");
	for (int i = 0; i < s->ntpl && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, " %s(db %d files %d seal %d%s)", s->tpl[i].id, s->tpl[i].db,
				      s->tpl[i].files, s->tpl[i].seal, s->tpl[i].iso_ready ? " ready" : "");
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, "; build objects: %d pod(s), %d container(s), %d secret(s)",
				      s->build_pods, s->build_containers, s->build_secrets);
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, "; snapshots:");
	for (int i = 0; i < s->nsnap && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, " %s(db %d files %d seal %d%s)", s->snap[i].name,
				      s->snap[i].db, s->snap[i].files, s->snap[i].seal,
				      s->snap[i].iso_ready ? " ready" : "");
}

/* One value of SQL in PROFILE/WO's database (trailing newline cut), owned; NULL (printed) on failure. */
static char *store_sql(const char *profile, const char *id, const char *sql)
{
	char db[128];
	struct iso_run_result r;
	snprintf(db, sizeof db, "%s_%s", profile, id);
	const char *argv[] = {ISO_ISOPOD_BIN, "exec", "--profile", profile, id, "db",   "--", "psql",
			      "-X",           "-U",   "odoo",      "-d",    db, "-tAc", sql,  NULL};
	if (iso_run(argv, &(struct iso_run_opts){.timeout_ms = 60000}, &r) < 0)
		return NULL;
	char *out = NULL;
	if (r.status == 0) {
		out = r.out, r.out = NULL;
		for (size_t n = strlen(out); n && (out[n - 1] == '\n' || out[n - 1] == '\r');)
			out[--n] = '\0';
	} else {
		fprintf(stderr, "sweep: psql in %s: exit %d: %.300s%.300s\n", id, r.status, r.out, r.err);
	}
	iso_run_result_release(&r);
	return out;
}

/* `status WO --json`'s restore_interrupted: 1 set, 0 not, -1 (printed) when status could not say. */
static int store_restore_mark(const char *profile, const char *id)
{
	char *out = NULL;
	struct iso_error *err = NULL;
	int rc = store_isopod(&out, "status %s --profile %s --json", id, profile);
	cleanup_json iso_json *j = rc == 0 ? iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "status", &err) : NULL;
	if (!j)
		fprintf(stderr, "sweep: isopod status %s: exit %d: %.300s\n", id, rc, out ? out : "");
	free(out), iso_error_free(err);
	if (!j)
		return -1;
	return iso_json_get_string(j, "restore_interrupted") != NULL;
}

/* Odoo of a work order whose lease says PORT serves its login page. */
static int store_serving(int port)
{
	long st = 0;
	char *body = NULL;
	int rc = port > 0 && ptest_http_get(port, "/web/login", &st, &body) == 0 && st == 200;
	free(body);
	return rc;
}

#endif
