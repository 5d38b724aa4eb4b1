/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Templates as Podman's labels show them: one volume listing by
 * io.isopod.kind=template, grouped by key, every label re-checked; and the
 * choice of a template for a key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "template/template.h"

void tpl_volume_names(const char *profile, const char *key, char db[OBJECT_NAME_MAX + 1],
		      char files[OBJECT_NAME_MAX + 1], char seal[OBJECT_NAME_MAX + 1])
{
	snprintf(db, OBJECT_NAME_MAX + 1, "isopod-tpl-%s-%s-db", profile, key);
	snprintf(files, OBJECT_NAME_MAX + 1, "isopod-tpl-%s-%s-files", profile, key);
	snprintf(seal, OBJECT_NAME_MAX + 1, "isopod-tpl-%s-%s-seal", profile, key);
}

/* "2026-12-02T16:27:10.123456789+01:00" (or Z) as epoch seconds; 0 when it does not parse. */
int64_t tpl_parse_time(const char *s)
{
	struct tm tm = {0};
	const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!rest)
		return 0;
	int64_t t = (int64_t)timegm(&tm);
	while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
		rest++;
	int hh = 0, mm = 0;
	if ((*rest == '+' || *rest == '-') && sscanf(rest + 1, "%2d:%2d", &hh, &mm) == 2)
		t -= (*rest == '+' ? 1 : -1) * (int64_t)(hh * 3600 + mm * 60);
	return t;
}

static struct tpl_entry *entry_get(struct tpl_list *l, const char *profile, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key) && !strcmp(l->v[i].profile, profile))
			return &l->v[i];
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	struct tpl_entry *t = &l->v[l->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", key);
	snprintf(t->profile, sizeof(t->profile), "%s", profile);
	return t;
}

/* One volume of the listing into its entry; volumes whose labels do not hold together are left alone. */
static void entry_add(struct tpl_list *l, struct podman_volume *v, const char *want_profile)
{
	const char *schema = podman_labels_get(&v->labels, LABEL_SCHEMA);
	const char *profile = podman_labels_get(&v->labels, LABEL_PROFILE);
	const char *key = podman_labels_get(&v->labels, LABEL_TEMPLATE);
	const char *role = podman_labels_get(&v->labels, LABEL_ROLE);
	if (!schema || strcmp(schema, LABEL_SCHEMA_VERSION) || !profile || !wo_profile_name_valid(profile) || !key ||
	    strlen(key) != TEMPLATE_KEY_LEN || !role || podman_labels_get(&v->labels, LABEL_KEY))
		return;
	if (want_profile && strcmp(profile, want_profile))
		return;
	char db[OBJECT_NAME_MAX + 1], files[OBJECT_NAME_MAX + 1], seal[OBJECT_NAME_MAX + 1];
	tpl_volume_names(profile, key, db, files, seal);
	struct tpl_entry *t = NULL;
	int64_t created = tpl_parse_time(v->created_at);
	if (!strcmp(role, ROLE_TPL_DB) && !strcmp(v->name, db)) {
		t = entry_get(l, profile, key);
		t->have_db = 1;
		t->db_path = v->mountpoint ? xstrdup(v->mountpoint) : NULL;
	} else if (!strcmp(role, ROLE_TPL_FILES) && !strcmp(v->name, files)) {
		t = entry_get(l, profile, key);
		t->have_files = 1;
		t->files_path = v->mountpoint ? xstrdup(v->mountpoint) : NULL;
	} else if (!strcmp(role, ROLE_TPL_SEAL) && !strcmp(v->name, seal)) {
		t = entry_get(l, profile, key);
		t->sealed = 1;
		t->seal = *v; /* moved */
		memset(v, 0, sizeof(*v));
		t->created = created;
		return;
	}
	if (t && !t->created)
		t->created = created;
}

/* When the template was last cloned: the mtime of "used" in the seal's directory. */
static void entry_used(struct tpl_entry *t)
{
	t->used = t->created;
	if (!t->sealed || !t->seal.mountpoint)
		return;
	cleanup_free char *path = xasprintf("%s/used", t->seal.mountpoint);
	struct stat st;
	if (stat(path, &st) == 0 && st.st_mtime > t->used)
		t->used = st.st_mtime;
}

static int newest_first(const void *a, const void *b)
{
	const struct tpl_entry *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(x->key, y->key);
}

int tpl_list(struct wo_ctx *w, const char *profile, struct tpl_list *out, struct iso_error **err)
{
	memset(out, 0, sizeof(*out));
	struct podman_pair kind = {LABEL_KIND, KIND_TEMPLATE};
	struct podman_volume *vols = NULL;
	size_t n = 0;
	if (podman_volume_list(w->client, &kind, &vols, &n, err) < 0)
		return iso_error_wrap(err, "list the templates");
	for (size_t i = 0; i < n; i++)
		entry_add(out, &vols[i], profile);
	podman_volume_list_free(vols, n);
	/* A seal without its data is of no use: treat it as half-made. */
	for (size_t i = 0; i < out->n; i++) {
		struct tpl_entry *t = &out->v[i];
		if (t->sealed && (!t->have_db || !t->have_files))
			t->sealed = -1;
		entry_used(t);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), newest_first);
	return 0;
}

void tpl_list_release(struct tpl_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		podman_volume_release(&l->v[i].seal);
		free(l->v[i].db_path);
		free(l->v[i].files_path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *tpl_entry_label(const struct tpl_entry *t, const char *key)
{
	return t->sealed > 0 ? podman_labels_get(&t->seal.labels, key) : NULL;
}

static int same_base(const struct tpl_entry *t, const struct tpl_key *k)
{
	const char *o = tpl_entry_label(t, "io.isopod.image.odoo"), *d = tpl_entry_label(t, "io.isopod.image.db");
	const char *f = tpl_entry_label(t, "io.isopod.init");
	return o && d && f && !strcmp(o, k->odoo_image_id) && !strcmp(d, k->db_image_id) &&
	       !strcmp(f, TPL_INIT_FLAGS) && tpl_entry_label(t, "io.isopod.database");
}

static void csv_add(char *csv, size_t size, const char *name)
{
	size_t n = strlen(csv);
	snprintf(csv + n, size - n, "%s%s", n ? "," : "", name);
}

/* Whether NAME is in the comma list CSV. */
static int csv_has(const char *csv, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = csv; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

/* What differs between T and K: modules to upgrade, to install, and the template's extra ones. */
static void plan_diff(const struct tpl_entry *t, const struct tpl_key *k, struct tpl_plan *p)
{
	const char *have = tpl_entry_label(t, "io.isopod.modules");
	for (size_t i = 0; i < k->n_modules; i++) {
		char label[96];
		snprintf(label, sizeof label, "io.isopod.module.%s", k->modules[i]);
		const char *h = tpl_entry_label(t, label);
		if (!have || !csv_has(have, k->modules[i]))
			csv_add(p->install, sizeof(p->install), k->modules[i]);
		else if (!h || strcmp(h, k->module_hash[i]))
			csv_add(p->upgrade, sizeof(p->upgrade), k->modules[i]);
	}
	for (const char *q = have; q && *q;) {
		const char *c = strchr(q, ',');
		size_t len = c ? (size_t)(c - q) : strlen(q);
		char name[65];
		snprintf(name, sizeof name, "%.*s", (int)(len < 64 ? len : 64), q);
		if (!csv_has(k->modules_csv, name))
			csv_add(p->extra, sizeof(p->extra), name);
		q = c ? c + 1 : NULL;
	}
}

void tpl_plan_choose(const struct tpl_list *l, const struct tpl_key *k, int stale_ok, struct tpl_plan *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].sealed > 0 && !strcmp(l->v[i].key, k->key) && same_base(&l->v[i], k)) {
			p->match = TPL_EXACT;
			p->t = &l->v[i];
			return;
		}
	}
	if (!stale_ok)
		return;
	for (size_t i = 0; i < l->n; i++) { /* newest first */
		if (l->v[i].sealed > 0 && same_base(&l->v[i], k)) {
			p->match = TPL_STALE;
			p->t = &l->v[i];
			plan_diff(p->t, k, p);
			return;
		}
	}
}
