/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saving a work order's freshly initialised data as its profile's template
 * (`up` with no usable template), and the identity a clone gets.
 *
 * The save: the template's lock (a second run saving the same key waits and
 * then finds it sealed), Postgres of the work order stopped cleanly, the two
 * template volumes made and filled in one copy, synced, sealed, Postgres
 * started again.  A save that fails is a warning, not a failed `up`: its
 * template volumes are removed and the work order carries on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "podman/exec.h"
#include "template/template.h"

static int create_volume(struct wo_ctx *w, const char *name, const char *role, const char *key, struct iso_error **err)
{
	struct podman_pair l[] = {
		{LABEL_SCHEMA, LABEL_SCHEMA_VERSION},
		{LABEL_KIND, KIND_TEMPLATE},
		{LABEL_PROFILE, w->names.profile},
		{LABEL_TEMPLATE, key},
		{LABEL_ROLE, role},
	};
	return podman_volume_create(w->client, name, l, ISO_ARRAY_SIZE(l), NULL, err);
}

/* Postgres is stopped: make and fill the template volumes, seal them. *MADE: they exist. */
static int save_copy(struct wo_run *r, struct tpl_up *t, int *made, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	char db[OBJECT_NAME_MAX + 1], files[OBJECT_NAME_MAX + 1], seal[OBJECT_NAME_MAX + 1];
	tpl_volume_names(w->names.profile, t->k.key, db, files, seal);
	*made = 1;
	if (create_volume(w, db, ROLE_TPL_DB, t->k.key, err) < 0 ||
	    create_volume(w, files, ROLE_TPL_FILES, t->k.key, err) < 0)
		return -1;
	pid_t pid;
	cleanup_free char *src_db = NULL, *src_files = NULL, *dst_db = NULL, *dst_files = NULL;
	if (tpl_userns_pid(w, 1, &pid, err) < 0 ||
	    tpl_volume_paths(w, w->names.db_volume, w->names.odoo_volume, &src_db, &src_files, err) < 0 ||
	    tpl_volume_paths(w, db, files, &dst_db, &dst_files, err) < 0)
		return -1;
	progress_step(r->progress, "copy", "saving the fresh database as template %s of profile '%s'", t->k.key,
		      w->names.profile);
	if (tpl_copy_pair(pid, src_db, src_files, dst_db, dst_files, w->names.database, w->names.database, 1, &t->copy,
			  err) < 0)
		return -1;
	progress_step(r->progress, "copy", "copied %.1f MB in %lld ms (%s)", (double)t->copy.bytes / 1e6,
		      (long long)t->copy.ms, t->copy.method);
	if (tpl_seal(w, w->names.profile, &t->k, w->names.database, "up", err) < 0)
		return -1;
	*made = 0;
	t->saved = 1;
	snprintf(t->saved_key, sizeof t->saved_key, "%s", t->k.key);
	return 0;
}

/* Under the lock: a sealed one made meanwhile is kept; leftovers of a killed save go first. */
static int save_locked(struct wo_run *r, struct tpl_up *t, int *made, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct tpl_list l;
	if (tpl_list(w, w->names.profile, &l, err) < 0)
		return -1;
	struct tpl_plan p;
	tpl_plan_choose(&l, &t->k, 0, &p);
	int rc = 0;
	for (size_t i = 0; i < l.n && rc == 0; i++)
		if (!strcmp(l.v[i].key, t->k.key) && l.v[i].sealed <= 0)
			rc = tpl_remove(w, &l.v[i], err);
	tpl_list_release(&l);
	if (rc < 0)
		return -1;
	if (p.match == TPL_EXACT) {
		progress_step(r->progress, "template", "template %s was saved meanwhile by another run", t->k.key);
		return 0;
	}
	return save_copy(r, t, made, err);
}

int tpl_up_save(struct wo_run *r, struct tpl_up *t, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	long left = (long)(r->deadline_ms - iso_now_ms());
	int fd = -1, made = 0;
	struct iso_error *e = NULL;
	if (tpl_lock(w, w->names.profile, t->k.key, 0, left > 1000 ? left : 1000, &fd, &e) < 0)
		goto warn;
	if (lifecycle_stop_db(r, err) < 0) {
		tpl_unlock(fd);
		return -1; /* the work order's own Postgres: that is up's failure */
	}
	if (save_locked(r, t, &made, &e) < 0 && made) {
		struct tpl_entry gone = {.sealed = 0};
		snprintf(gone.key, sizeof gone.key, "%s", t->k.key);
		snprintf(gone.profile, sizeof gone.profile, "%s", w->names.profile);
		struct iso_error *e2 = NULL;
		if (tpl_remove(w, &gone, &e2) < 0) {
			iso_warn("%s ('isopod gc' removes it)", e2->msg);
			iso_error_free(e2);
		}
	}
	tpl_unlock(fd);
	int pruned = 0;
	if (t->saved && tpl_prune(w, w->names.profile, w->cfg.profile.template_keep, t->k.key, &pruned, &e) < 0)
		iso_debug("pruning the templates of profile '%s' failed", w->names.profile);
	progress_step(r->progress, "pod", "starting %s again", w->names.db_container);
	if (podman_container_start(w->client, w->names.db_container, err) < 0 || lifecycle_wait_db(r, err) < 0) {
		iso_error_free(e);
		return -1;
	}
warn:
	if (e) {
		iso_warn("the fresh database was not saved as a template: %s", e->msg);
		iso_error_free(e);
	}
	tpl_origin_write(w, "scratch %s", t->saved ? t->k.key : "-");
	return 0;
}

static int collect(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	iso_buf_append(ctx, data, len);
	return 0;
}

/*
 * What Odoo's exp_duplicate_database resets (ir.config_parameter.init with
 * force=True), and the rename and the password, in one psql session over
 * the container's own socket.
 */
static const char identity_sql[] =
	"set -e\n"
	"exec psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U \"$POSTGRES_USER\" -d postgres "
	"-v old=\"$1\" -v new=\"$2\" -v pw=\"$POSTGRES_PASSWORD\" <<'SQL'\n"
	"SELECT :'old' <> :'new' AS rename \\gset\n"
	"\\if :rename\n"
	"ALTER DATABASE :\"old\" RENAME TO :\"new\";\n"
	"\\endif\n"
	"ALTER ROLE CURRENT_USER PASSWORD :'pw';\n"
	"\\c :\"new\"\n"
	"INSERT INTO ir_config_parameter (key, value) VALUES\n"
	" ('database.uuid', gen_random_uuid()::text),\n"
	" ('database.secret', gen_random_uuid()::text),\n"
	" ('database.create_date', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')),\n"
	" ('web.base.url', 'http://localhost:8069'),\n"
	" ('base.login_cooldown_after', '10'),\n"
	" ('base.login_cooldown_duration', '60')\n"
	" ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;\n"
	"SQL\n";

int tpl_identity(struct wo_run *r, const char *from_db, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	progress_step(r->progress, "identity", "giving the clone its own identity (database %s, password, uuid)",
		      w->names.database);
	const char *cmd[] = {"sh", "-c", identity_sql, "isopod-identity", from_db, w->names.database, NULL};
	struct podman_exec_spec spec = {.cmd = cmd};
	struct iso_buf out;
	iso_buf_init(&out, 64u << 10);
	int code = -1;
	int rc = podman_exec_run(w->client, w->names.db_container, &spec, collect, &out, &code, err);
	if (rc == 0 && code != 0)
		rc = iso_error_set(err, ISO_E_REFUSED, code,
				   "giving the clone of database '%s' the name '%s' failed (psql exited %d): %s",
				   from_db, w->names.database, code, out.data ? out.data : "");
	iso_buf_release(&out);
	return rc < 0 ? iso_error_wrap(err, "set up the identity of work order '%s'", w->names.wo) : 0;
}
