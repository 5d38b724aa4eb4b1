/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots as Podman's labels show them, their names, their removal, and
 * the mark of a restore that was cut.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "snapshot/snapshot.h"
#include "template/template.h"

int snap_name_check(const char *name, struct iso_error **err)
{
	if (!name || !*name)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "a snapshot name is required (letters, digits, '_', '.', '-')");
	size_t n = strlen(name);
	if (n > SNAP_NAME_MAX)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "snapshot name '%.20s...' is %zu characters long; the limit is %d", name, n,
				     SNAP_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (isalnum(c) || (i > 0 && (c == '_' || c == '.' || c == '-')))
			continue;
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "snapshot name '%s' has %s%c%s at position %zu; use letters, digits, '_', '.' "
				     "and '-' (starting with a letter or digit)",
				     name, c == ' ' ? "a space '" : "'", isprint(c) ? c : '?', "'", i + 1);
	}
	return 0;
}

static struct snap_entry *entry_get(struct snap_list *l, const char *base)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].base, base))
			return &l->v[i];
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	struct snap_entry *s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->base, sizeof s->base, "%s", base);
	return s;
}

/* One volume into its snapshot: the name must be the base its labels make plus the role's suffix. */
static void entry_add(struct snap_list *l, const struct podman_volume *v, const char *want_key)
{
	const char *schema = podman_labels_get(&v->labels, LABEL_SCHEMA);
	const char *of = podman_labels_get(&v->labels, LABEL_SNAPSHOT_OF);
	const char *name = podman_labels_get(&v->labels, LABEL_SNAPSHOT);
	const char *role = podman_labels_get(&v->labels, LABEL_ROLE);
	char profile[PROFILE_NAME_MAX + 1], wo[WO_ID_MAX + 1];
	if (!schema || strcmp(schema, LABEL_SCHEMA_VERSION) || !of || wo_key_split(of, profile, wo) < 0 || !name ||
	    snap_name_check(name, NULL) < 0 || !role || podman_labels_get(&v->labels, LABEL_KEY) ||
	    (want_key && strcmp(of, want_key)))
		return;
	static const char *const roles[3][2] = {
		{ROLE_SNAP_DB, "-db"}, {ROLE_SNAP_FILES, "-files"}, {ROLE_SNAP_SEAL, "-seal"}};
	cleanup_free char *prefix = xasprintf("isopod-snap-%s-%s-%s-", profile, wo, name);
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(v->name), sl = strlen(roles[i][1]), pl = strlen(prefix);
		if (strcmp(role, roles[i][0]) || n != pl + 8 + sl || strncmp(v->name, prefix, pl) ||
		    strcmp(v->name + n - sl, roles[i][1]))
			continue;
		char base[OBJECT_NAME_MAX + 48];
		snprintf(base, sizeof base, "%.*s", (int)(n - sl), v->name);
		struct snap_entry *s = entry_get(l, base);
		snprintf(s->name, sizeof s->name, "%s", name);
		snprintf(s->profile, sizeof s->profile, "%s", profile);
		snprintf(s->wo, sizeof s->wo, "%s", wo);
		int64_t created = tpl_parse_time(v->created_at);
		if (i == 0) {
			s->have_db = 1;
			s->db_path = v->mountpoint ? xstrdup(v->mountpoint) : NULL;
		} else if (i == 1) {
			s->have_files = 1;
			s->files_path = v->mountpoint ? xstrdup(v->mountpoint) : NULL;
		} else {
			s->sealed = 1;
			const char *db = podman_labels_get(&v->labels, "io.isopod.database");
			const char *bytes = podman_labels_get(&v->labels, "io.isopod.bytes");
			s->database = db ? xstrdup(db) : NULL;
			s->bytes = bytes ? strtoull(bytes, NULL, 10) : 0;
			s->created = created;
		}
		if (!s->created)
			s->created = created;
	}
}

static int newest_first(const void *a, const void *b)
{
	const struct snap_entry *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return strcmp(y->base, x->base);
}

int snap_list(struct wo_ctx *w, int all, struct snap_list *out, struct iso_error **err)
{
	memset(out, 0, sizeof(*out));
	struct podman_pair by_wo = {LABEL_SNAPSHOT_OF, w->names.key};
	struct podman_pair by_kind = {LABEL_KIND, KIND_SNAPSHOT};
	struct podman_volume *vols = NULL;
	size_t n = 0;
	if (podman_volume_list(w->client, all ? &by_kind : &by_wo, &vols, &n, err) < 0)
		return iso_error_wrap(err, "list the snapshots");
	for (size_t i = 0; i < n; i++)
		entry_add(out, &vols[i], all ? NULL : w->names.key);
	podman_volume_list_free(vols, n);
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].sealed && (!out->v[i].have_db || !out->v[i].have_files || !out->v[i].database))
			out->v[i].sealed = 0; /* a seal without its data is of no use */
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), newest_first);
	return 0;
}

void snap_list_release(struct snap_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].db_path);
		free(l->v[i].files_path);
		free(l->v[i].database);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const struct snap_entry *snap_find(const struct snap_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) /* newest first */
		if (l->v[i].sealed && !strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static int remove_volume(struct wo_ctx *w, const struct snap_entry *s, const char *suffix, struct iso_error **err)
{
	cleanup_free char *name = xasprintf("%s%s", s->base, suffix);
	struct wo_ctx o = *w; /* the snapshot's profile, whatever W's is */
	snprintf(o.names.profile, sizeof o.names.profile, "%s", s->profile);
	return tpl_volume_remove_checked(&o, name, KIND_SNAPSHOT, LABEL_SNAPSHOT, s->name, err);
}

int snap_remove_entry(struct wo_ctx *w, const struct snap_entry *s, struct iso_error **err)
{
	if (remove_volume(w, s, "-seal", err) < 0 || remove_volume(w, s, "-db", err) < 0 ||
	    remove_volume(w, s, "-files", err) < 0)
		return iso_error_wrap(err, "remove snapshot '%s' of work order '%s'", s->name, s->wo);
	return 0;
}

int snap_remove_all(struct wo_ctx *w, int *count, struct iso_error **err)
{
	*count = 0;
	struct snap_list l;
	if (snap_list(w, 0, &l, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		rc = snap_remove_entry(w, &l.v[i], err);
		if (rc == 0 && l.v[i].sealed)
			(*count)++;
	}
	snap_list_release(&l);
	return rc;
}

static char *mark_path(const struct wo_ctx *w)
{
	return xasprintf("%s/restoring/%s_%s", w->cfg.state_dir, w->names.profile, w->names.wo);
}

int snap_mark_set(const struct wo_ctx *w, const char *what, struct iso_error **err)
{
	cleanup_free char *dir = xasprintf("%s/restoring", w->cfg.state_dir);
	if (iso_mkdir_p(dir, 0700, err) < 0)
		return -1;
	cleanup_free char *path = mark_path(w);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || iso_write_all(fd, what, strlen(what)) < 0 || fsync(fd) < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot write '%s' (nothing was changed): %s", path,
				     strerror(errno));
	return 0;
}

void snap_mark_clear(const struct wo_ctx *w)
{
	cleanup_free char *path = mark_path(w);
	unlink(path);
}

char *snap_interrupted(const struct wo_ctx *w)
{
	cleanup_free char *path = mark_path(w);
	char *what = NULL;
	size_t n = 0;
	struct iso_error *e = NULL;
	if (iso_read_file(path, 512, &what, &n, &e) < 0) {
		iso_error_free(e);
		return NULL;
	}
	char *msg = xasprintf("work order '%s' was being restored (%s) when that was cut off, so its data is partial; "
			      "'isopod restore %s %s' brings back the state before it, or run the restore again",
			      w->names.wo, what, w->names.wo, SNAP_BEFORE_RESTORE);
	free(what);
	return msg;
}
