/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publishing a template (its seal, made last) and taking one away (the seal
 * first, so a cut in between leaves an unsealed template that nobody uses
 * and `gc` removes), and the least-recently-used pruning past template_keep.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "template/template.h"

int tpl_seal(struct wo_ctx *w, const char *profile, const struct tpl_key *k, const char *database, const char *source,
	     struct iso_error **err)
{
	char db[OBJECT_NAME_MAX + 1], files[OBJECT_NAME_MAX + 1], seal[OBJECT_NAME_MAX + 1];
	tpl_volume_names(profile, k->key, db, files, seal);
	struct podman_pair l[16 + TPL_MODULES_MAX];
	char keys[TPL_MODULES_MAX][96];
	size_t n = 0;
	l[n++] = (struct podman_pair){LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	l[n++] = (struct podman_pair){LABEL_KIND, KIND_TEMPLATE};
	l[n++] = (struct podman_pair){LABEL_PROFILE, profile};
	l[n++] = (struct podman_pair){LABEL_TEMPLATE, k->key};
	l[n++] = (struct podman_pair){LABEL_ROLE, ROLE_TPL_SEAL};
	l[n++] = (struct podman_pair){"io.isopod.database", database};
	l[n++] = (struct podman_pair){"io.isopod.modules", k->modules_csv};
	l[n++] = (struct podman_pair){"io.isopod.image.odoo", k->odoo_image_id};
	l[n++] = (struct podman_pair){"io.isopod.image.db", k->db_image_id};
	l[n++] = (struct podman_pair){"io.isopod.init", TPL_INIT_FLAGS};
	l[n++] = (struct podman_pair){"io.isopod.source", source};
	for (size_t i = 0; i < k->n_modules; i++) {
		snprintf(keys[i], sizeof keys[i], "io.isopod.module.%s", k->modules[i]);
		l[n++] = (struct podman_pair){keys[i], k->module_hash[i]};
	}
	if (podman_volume_create(w->client, seal, l, n, NULL, err) < 0)
		return iso_error_wrap(err, "seal template %s of profile '%s'", k->key, profile);
	return 0;
}

int tpl_volume_remove_checked(struct wo_ctx *w, const char *name, const char *kind, const char *label,
			      const char *value, struct iso_error **err)
{
	struct podman_volume v;
	struct iso_error *e = NULL;
	if (podman_volume_inspect(w->client, name, &v, &e) < 0) {
		if (podman_err_not_found(e)) {
			iso_error_free(e);
			return 0;
		}
		return iso_error_move(err, e);
	}
	const char *got = podman_labels_get(&v.labels, label);
	const char *k = podman_labels_get(&v.labels, LABEL_KIND);
	const char *profile = podman_labels_get(&v.labels, LABEL_PROFILE);
	int ours = got && !strcmp(got, value) && k && !strcmp(k, kind) && profile &&
		   !strcmp(profile, w->names.profile) && !podman_labels_get(&v.labels, LABEL_KEY);
	podman_volume_release(&v);
	if (!ours)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "volume '%s' does not carry the labels %s=%s, %s=%s of profile '%s'; it is not "
				     "isopod's to remove",
				     name, LABEL_KIND, kind, label, value, w->names.profile);
	if (podman_volume_remove(w->client, name, 1, &e) < 0 && !podman_err_not_found(e))
		return iso_error_move(err, e);
	iso_error_free(e);
	return 0;
}

int tpl_remove(struct wo_ctx *w, const struct tpl_entry *t, struct iso_error **err)
{
	char db[OBJECT_NAME_MAX + 1], files[OBJECT_NAME_MAX + 1], seal[OBJECT_NAME_MAX + 1];
	tpl_volume_names(t->profile, t->key, db, files, seal);
	struct wo_ctx o = *w; /* the template's profile, whatever W's is */
	snprintf(o.names.profile, sizeof o.names.profile, "%s", t->profile);
	const char *names[] = {seal, db, files};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(names); i++)
		if (tpl_volume_remove_checked(&o, names[i], KIND_TEMPLATE, LABEL_TEMPLATE, t->key, err) < 0)
			return iso_error_wrap(err, "remove template %s of profile '%s'", t->key, t->profile);
	return 0;
}

void tpl_touch(const struct tpl_entry *t)
{
	if (t->sealed <= 0 || !t->seal.mountpoint)
		return;
	cleanup_free char *path = xasprintf("%s/used", t->seal.mountpoint);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || futimens(fd, NULL) < 0)
		iso_debug("cannot note the use of template %s in '%s': %s", t->key, path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int least_used_first(const void *a, const void *b)
{
	const struct tpl_entry *const *x = a, *const *y = b;
	if ((*x)->used != (*y)->used)
		return (*x)->used < (*y)->used ? -1 : 1;
	return strcmp((*x)->key, (*y)->key);
}

int tpl_prune(struct wo_ctx *w, const char *profile, int keep, const char *keep_key, int *removed,
	      struct iso_error **err)
{
	*removed = 0;
	struct tpl_list l;
	if (tpl_list(w, profile, &l, err) < 0)
		return -1;
	const struct tpl_entry **sealed = xzalloc((l.n ? l.n : 1) * sizeof(*sealed));
	size_t n = 0;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].sealed > 0)
			sealed[n++] = &l.v[i];
	qsort(sealed, n, sizeof(*sealed), least_used_first);
	int rc = 0;
	for (size_t i = 0; i < n && n - (size_t)*removed > (size_t)keep && rc == 0; i++) {
		if (keep_key && !strcmp(sealed[i]->key, keep_key))
			continue;
		int fd = -1;
		if (tpl_lock(w, profile, sealed[i]->key, 0, 0, &fd, err) < 0) {
			rc = -1;
			break;
		}
		if (fd < 0)
			continue; /* in use: the next one */
		rc = tpl_remove(w, sealed[i], err);
		tpl_unlock(fd);
		if (rc == 0) {
			(*removed)++;
			iso_info("removed template %s of profile '%s' (least recently used; template_keep is %d)",
				 sealed[i]->key, profile, keep);
		}
	}
	free(sealed);
	tpl_list_release(&l);
	return rc;
}
