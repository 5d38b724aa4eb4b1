/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep_paths_store.h - the preconditions and the convergence of the sweep's
 * paths of templates and snapshots (included once, by test_sweep.c, before
 * its table of paths; the rules are in test_sweep.c's header).
 *
 * They run in the sweep's own profile (sprofile, defined in its own user
 * configuration, ISOPOD_TEMPLATE=auto while they run) on the work order wo3,
 * so no other test's templates are touched; the precondition reuses what
 * the previous case left when that is already right (a template, wo3 up,
 * its snapshots), which keeps the subset short.
 */
#ifndef ISOPOD_SWEEP_PATHS_STORE_H
#define ISOPOD_SWEEP_PATHS_STORE_H

#include "sweep_store.h"

static int bystander_check(int row, char *why, size_t size);
static int podman_delete(const char *what, const char *name, const char *suffix);
enum { F_UNCONVERGED, F_LEAKED, F_HALF_MADE, F_DISTURBED };

static void store_count_fail(struct path *p, int which)
{
	int *c[] = {&p->res.unconverged, &p->res.leaked, &p->res.half_made, &p->res.disturbed};
	(*c[which])++;
}

static char wo3[64], sprofile[24], key_now[24];
static struct store_item tpl_before; /* the template up (from a template) must leave unchanged */

#define ROWS_SQL "select coalesce(string_agg(x, ',' order by x), '') from sweep_rows"
#define HAS_ROWS_SQL "select count(*) from pg_tables where tablename = 'sweep_rows'"

static int store_now(struct store_state *s)
{
	int rc = store_get(sprofile, wo3, key_now, s);
	if (rc < 0)
		fprintf(stderr, "sweep: cannot ask Podman or isopod about the templates and snapshots\n");
	return rc;
}

/* wo3 healthy (the set of sweep_state.h) and serving its login page. */
static int wo3_serving(struct sweep_objs *o)
{
	return sweep_objs_get(sprofile, wo3, o) == 0 && sweep_objs_healthy(o) && store_serving(o->lease_port);
}

/* One complete template, isopod calls it ready, nothing else of the profile's: 1, else 0. */
static int tpl_healthy(const struct store_state *s)
{
	return s->ntpl == 1 && store_complete(&s->tpl[0]) && s->tpl[0].iso_ready && s->iso_tpl_ready == 1 &&
	       !s->build_pods && !s->build_containers && !s->build_secrets;
}

static int tpl_none(const struct store_state *s)
{
	return s->ntpl == 0 && !s->build_pods && !s->build_containers && !s->build_secrets;
}

/* Label LABEL says FAIL WHAT (counted as WHICH) with the store's state; returns 1. */
static int store_fail(struct path *p, int which, const char *label, const char *what)
{
	struct store_state s;
	char d[1500] = "(unknown)";
	if (store_now(&s) == 0)
		store_describe(&s, d, sizeof d);
	printf("sweep: FAIL %s: %s; %s\n", label, what, d);
	store_count_fail(p, which);
	return 1;
}

/* ---- preconditions ---- */

static int pre_wo3_none(void)
{
	struct sweep_objs o;
	struct store_state s;
	if (sweep_objs_get(sprofile, wo3, &o) < 0 || store_now(&s) < 0)
		return -1;
	if ((!sweep_objs_none(&o) || s.nsnap) &&
	    direct_ok("down --cleanup (precondition)", "down --cleanup %s --profile %s", wo3, sprofile) < 0)
		return -1;
	if (sweep_objs_get(sprofile, wo3, &o) < 0 || store_now(&s) < 0)
		return -1;
	if (sweep_objs_none(&o) && s.nsnap == 0)
		return 0;
	fprintf(stderr, "sweep: %s is not gone (%d snapshot(s))\n", wo3, s.nsnap);
	return -1;
}

static int pre_tpl_none(void)
{
	struct store_state s;
	if (store_now(&s) < 0)
		return -1;
	if (tpl_none(&s))
		return 0;
	direct(NULL, "template rm --profile %s", sprofile);
	direct(NULL, "gc");
	if (store_now(&s) < 0)
		return -1;
	if (tpl_none(&s))
		return 0;
	char d[1500];
	store_describe(&s, d, sizeof d);
	fprintf(stderr, "sweep: the templates of profile '%s' are not gone: %s\n", sprofile, d);
	return -1;
}

static int pre_first_up(void)
{
	return pre_wo3_none() == 0 && pre_tpl_none() == 0 ? 0 : -1;
}

/* One complete template of the profile (built when there is none), recorded in tpl_before. */
static int ensure_template(void)
{
	struct store_state s;
	if (store_now(&s) < 0)
		return -1;
	if (!tpl_healthy(&s) &&
	    (pre_tpl_none() < 0 ||
	     direct_ok("template build (precondition)", "template build --profile %s", sprofile) < 0 ||
	     store_now(&s) < 0 || !tpl_healthy(&s))) {
		fprintf(stderr, "sweep: no template of profile '%s' could be built\n", sprofile);
		return -1;
	}
	tpl_before = s.tpl[0];
	return 0;
}

static int pre_tpl_ready(void)
{
	return pre_wo3_none() == 0 && ensure_template() == 0 ? 0 : -1;
}

/* wo3 up from the template and serving, its partial snapshots gone. */
static int ensure_wo3_up(void)
{
	struct sweep_objs o;
	if (ensure_template() < 0)
		return -1;
	if (!wo3_serving(&o) &&
	    (pre_wo3_none() < 0 ||
	     direct_ok("up (precondition)", "up %s --profile %s --timeout " UP_TIMEOUT, wo3, sprofile) < 0 ||
	     !wo3_serving(&o))) {
		fprintf(stderr, "sweep: %s does not serve after up\n", wo3);
		return -1;
	}
	struct store_state s;
	if (store_now(&s) < 0)
		return -1;
	if (store_count(s.snap, s.nsnap, NULL, 0) && direct_ok("gc (precondition)", "gc") < 0)
		return -1;
	return 0;
}

static int pre_snapshot(void)
{
	struct store_state s;
	if (ensure_wo3_up() < 0 || store_now(&s) < 0)
		return -1;
	if (store_count(s.snap, s.nsnap, "snap", 1) &&
	    direct_ok("snapshot rm (precondition)", "snapshot rm %s snap --profile %s", wo3, sprofile) < 0)
		return -1;
	return 0;
}

static int sql_is(const char *sql, const char *want)
{
	char *v = store_sql(sprofile, wo3, sql);
	int same = v && !strcmp(v, want);
	free(v);
	return same;
}

static int sql_do(const char *sql)
{
	char *v = store_sql(sprofile, wo3, sql);
	free(v);
	return v ? 0 : -1;
}

/*
 * wo3 up; snapshot `keep` (rows: old) and a `before-restore` beside it (so a
 * restore has an older one to remove); the rows now are new,old.
 */
static int pre_restore(void)
{
	struct store_state s;
	if (ensure_wo3_up() < 0 || store_now(&s) < 0)
		return -1;
	if (!store_count(s.snap, s.nsnap, "keep", 1) &&
	    (sql_do("create table if not exists sweep_rows (x text); delete from sweep_rows; "
		    "insert into sweep_rows values ('old')") < 0 ||
	     direct_ok("snapshot (precondition)", "snapshot %s keep --profile %s", wo3, sprofile) < 0))
		return -1;
	if (!store_count(s.snap, s.nsnap, "before-restore", 1) &&
	    direct_ok("restore (precondition)", "restore %s keep --profile %s", wo3, sprofile) < 0)
		return -1;
	if (sql_is(ROWS_SQL, "old") && sql_do("insert into sweep_rows values ('new')") < 0)
		return -1;
	if (sql_is(ROWS_SQL, "new,old"))
		return 0;
	fprintf(stderr, "sweep: the rows of %s are not 'new,old' before a restore\n", wo3);
	return -1;
}

/* wo3 up with a before-restore (so a reset has an older one to remove), and the table a reset takes away. */
static int pre_reset(void)
{
	struct store_state s;
	if (ensure_wo3_up() < 0 || store_now(&s) < 0)
		return -1;
	if (!store_count(s.snap, s.nsnap, "before-restore", 1) &&
	    direct_ok("reset (precondition)", "reset %s --profile %s", wo3, sprofile) < 0)
		return -1;
	if (sql_do("create table if not exists sweep_rows (x text); insert into sweep_rows values ('new')") < 0)
		return -1;
	return sql_is(HAS_ROWS_SQL, "1") ? 0 : -1;
}

/* ---- convergence ---- */

/* The common end: isopod never calls a half-made one ready; the bystander untouched. */
static int store_end(struct path *p, const char *label)
{
	struct store_state s;
	char why[600];
	int failed = 0;
	if (store_now(&s) == 0 && store_half_made_used(&s, why, sizeof why) < 0)
		failed |= store_fail(p, F_HALF_MADE, label, why);
	if (bystander_check(0, why, sizeof why) < 0) {
		printf("sweep: FAIL %s: %s\n", label, why);
		store_count_fail(p, F_DISTURBED);
		failed = 1;
	}
	return failed;
}

/* Right after the faulted command: nothing half-made is called ready. */
static int store_after_fault(struct path *p, const char *label)
{
	struct store_state s;
	char why[600];
	if (store_now(&s) == 0 && store_half_made_used(&s, why, sizeof why) < 0)
		return store_fail(p, F_HALF_MADE, label, why);
	return 0;
}

/* template build: the next build (or gc, then a build) leaves one complete template; rm leaves none. */
static int conv_template_build(struct path *p, const char *label, int faulted)
{
	struct store_state s;
	char *out = NULL;
	int failed = store_after_fault(p, label);
	int had = store_now(&s) == 0 && store_count(s.tpl, s.ntpl, NULL, 1) > 0;
	int rc = direct(&out, "template build --profile %s --json", sprofile);
	if (rc == 0 && !had && out && strstr(out, "\"reused\":true"))
		failed |= store_fail(p, F_HALF_MADE, label, "the next build reused a template that was not complete");
	free(out);
	if (rc != 0 || store_now(&s) < 0 || !tpl_healthy(&s)) {
		printf("sweep: %s: the next template build exited %d without one complete template; gc, then again\n",
		       label, rc);
		direct(NULL, "gc");
		rc = direct(NULL, "template build --profile %s", sprofile);
		if (rc != 0 || store_now(&s) < 0 || !tpl_healthy(&s))
			failed |= store_fail(p, F_UNCONVERGED, label, "unconverged: no single complete template");
	}
	rc = direct(NULL, "template rm --profile %s", sprofile);
	if (rc != 0 || store_now(&s) < 0 || !tpl_none(&s))
		failed |= store_fail(p, F_LEAKED, label, "leaked: template rm left something");
	return failed | store_end(p, label);
}

/* The template as it was before `up` (key, its three volumes, the seal's creation time). */
static int tpl_unchanged(const struct store_state *s)
{
	return tpl_healthy(s) && !strcmp(s->tpl[0].id, tpl_before.id) &&
	       !strcmp(s->tpl[0].seal_created, tpl_before.seal_created);
}

/* wo3's database is its own: its name, no template database beside it, base installed. */
static int wo3_identity(const char *tpl_db)
{
	char sql[400], want[200];
	snprintf(sql, sizeof sql,
		 "select current_database() || ' ' || (select count(*) from pg_database where datname = '%s') || ' ' "
		 "|| (select state from ir_module_module where name = 'base')",
		 tpl_db);
	snprintf(want, sizeof want, "%s_%s 0 installed", sprofile, wo3);
	return sql_is(sql, want);
}

/* The next `up` serves wo3 with its own database; `down --cleanup` leaves nothing of it. */
static int conv_wo3_up_down(struct path *p, const char *label, const char *tpl_db)
{
	struct sweep_objs o;
	char *out = NULL, d[300];
	int failed = 0;
	int rc = direct(&out, "up %s --profile %s --timeout " UP_TIMEOUT, wo3, sprofile);
	int serving = wo3_serving(&o); /* always: the message describes what is there */
	if (rc != 0 || !serving || !wo3_identity(tpl_db)) {
		sweep_objs_describe(&o, d, sizeof d);
		printf("sweep: FAIL %s: unconverged: the next up exited %d, left %s (serving %d, or not its own "
		       "database): %.600s\n",
		       label, rc, d, serving, tail(out));
		store_count_fail(p, F_UNCONVERGED);
		failed = 1;
	}
	free(out);
	out = NULL;
	rc = direct(&out, "down --cleanup %s --profile %s", wo3, sprofile);
	struct store_state s;
	if (rc != 0 || sweep_objs_get(sprofile, wo3, &o) < 0 || !sweep_objs_none(&o) || store_now(&s) < 0 || s.nsnap) {
		sweep_objs_describe(&o, d, sizeof d);
		printf("sweep: FAIL %s: leaked: down --cleanup exited %d, left %s: %.600s\n", label, rc, d, tail(out));
		store_count_fail(p, F_LEAKED);
		failed = 1;
	}
	free(out);
	return failed;
}

/* up from a template: the template unchanged all along; the next up converges. */
static int conv_up_template(struct path *p, const char *label, int faulted)
{
	struct store_state s;
	char tpl_db[64];
	snprintf(tpl_db, sizeof tpl_db, "%s_template", sprofile);
	int failed = store_after_fault(p, label);
	if (store_now(&s) < 0 || !tpl_unchanged(&s))
		failed |= store_fail(p, F_HALF_MADE, label, "the template changed under the up");
	failed |= conv_wo3_up_down(p, label, tpl_db);
	if (store_now(&s) < 0 || !tpl_unchanged(&s))
		failed |= store_fail(p, F_HALF_MADE, label, "the template changed under the next up");
	return failed | store_end(p, label);
}

/* The first up saves a template: the next up converges; after gc at most one template, complete. */
static int conv_first_up(struct path *p, const char *label, int faulted)
{
	struct store_state s;
	int failed = store_after_fault(p, label);
	failed |= conv_wo3_up_down(p, label, "-");
	if (direct(NULL, "gc") != 0 || store_now(&s) < 0)
		return store_fail(p, F_LEAKED, label, "gc failed");
	int complete = store_count(s.tpl, s.ntpl, NULL, 1);
	if ((!faulted && !tpl_healthy(&s)) || (complete && !tpl_healthy(&s)))
		failed |= store_fail(p, F_UNCONVERGED, label, "not one complete template after the up");
	if (store_count(s.tpl, s.ntpl, NULL, 0) || s.build_pods || s.build_containers || s.build_secrets)
		failed |= store_fail(p, F_LEAKED, label, "leaked: gc left a partial template");
	return failed | store_end(p, label);
}

/* After the command: one complete snapshot NAME, gc leaves no partial one, wo3 serves. */
static int snapshots_converged(struct path *p, const char *label, const char *name)
{
	struct store_state s;
	struct sweep_objs o;
	int failed = 0;
	if (!wo3_serving(&o))
		failed |= store_fail(p, F_UNCONVERGED, label, "unconverged: the work order does not serve");
	if (store_now(&s) < 0 || store_count(s.snap, s.nsnap, name, 1) != 1)
		failed |= store_fail(p, F_UNCONVERGED, label, "unconverged: not one complete snapshot of that name");
	if (direct(NULL, "gc") != 0 || store_now(&s) < 0 || store_count(s.snap, s.nsnap, NULL, 0))
		failed |= store_fail(p, F_LEAKED, label, "leaked: gc left a partial snapshot");
	return failed;
}

/* snapshot: the next `snapshot --replace` converges. */
static int conv_snapshot(struct path *p, const char *label, int faulted)
{
	char *out = NULL;
	int failed = store_after_fault(p, label);
	int rc = direct(&out, "snapshot %s snap --replace --profile %s --timeout " UP_TIMEOUT, wo3, sprofile);
	if (rc != 0) {
		printf("sweep: FAIL %s: unconverged: the next snapshot exited %d: %.600s\n", label, rc, tail(out));
		store_count_fail(p, F_UNCONVERGED);
		failed = 1;
	}
	free(out);
	failed |= snapshots_converged(p, label, "snap");
	return failed | store_end(p, label);
}

/*
 * After a faulted restore or reset: with the mark, `up` refuses; without it,
 * `up` serves the rows of before (OLD) or after (NEW).  Then the next
 * restore or reset (VERB WO3 NAME) converges: no mark, serving, the rows
 * NEW (SQL), one complete before-restore.
 */
static int conv_restored(struct path *p, const char *label, int faulted, const char *verb, const char *name,
			 const char *sql, const char *old, const char *new)
{
	struct sweep_objs o;
	char *out = NULL;
	int failed = store_after_fault(p, label), mark = store_restore_mark(sprofile, wo3);
	int rc = direct(&out, "up %s --profile %s --timeout " UP_TIMEOUT, wo3, sprofile);
	if (faulted)
		printf("sweep: %s: after the fault: %s; up exited %d\n", label,
		       mark > 0 ? "the mark of a cut restore" : "no mark", rc);
	if (mark < 0 || (mark && (rc != 4 || !strstr(out, "restore"))) ||
	    (!mark && (rc != 0 || !wo3_serving(&o) || !(sql_is(sql, old) || sql_is(sql, new))))) {
		printf("sweep: FAIL %s: after the fault: mark %d, up exited %d (serving with the rows of before or "
		       "after wanted without a mark, a refusal with it): %.600s\n",
		       label, mark, rc, tail(out));
		store_count_fail(p, F_HALF_MADE);
		failed = 1;
	}
	free(out);
	out = NULL;
	rc = direct(&out, "%s %s %s --profile %s --timeout " UP_TIMEOUT, verb, wo3, name, sprofile);
	if (rc != 0 || store_restore_mark(sprofile, wo3) != 0 || !sql_is(sql, new)) {
		printf("sweep: FAIL %s: unconverged: the next %s exited %d (or the mark or the rows stayed): %.600s\n",
		       label, verb, rc, tail(out));
		store_count_fail(p, F_UNCONVERGED);
		failed = 1;
	}
	free(out);
	failed |= snapshots_converged(p, label, "before-restore");
	return failed | store_end(p, label);
}

static int conv_restore(struct path *p, const char *label, int faulted)
{
	return conv_restored(p, label, faulted, "restore", "keep", ROWS_SQL, "new,old", "old");
}

static int conv_reset(struct path *p, const char *label, int faulted)
{
	return conv_restored(p, label, faulted, "reset", "", HAS_ROWS_SQL, "1", "0");
}

/* ---- setup, the end of a path, and the teardown ---- */

/* The sweep's own profile in its own user configuration DIR ($XDG_CONFIG_HOME): modules base, no sleep per module. */
static int store_config(const char *dir)
{
	char path[300];
	snprintf(sprofile, sizeof sprofile, "sweep%d", (int)(getpid() % 100000));
	snprintf(path, sizeof path, "%s/isopod", dir);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(path, 0700) < 0 && errno != EEXIST))
		return -1;
	snprintf(path, sizeof path, "%s/isopod/config.json", dir);
	FILE *f = fopen(path, "we");
	if (!f)
		return -1;
	fprintf(f,
		"{\"profiles\": {\"%s\": {\"modules\": [\"base\"], \"template_keep\": 3,"
		" \"env\": {\"ODOO_STANDIN_MODULE_SECONDS\": \"0\"}}}}\n",
		sprofile);
	return fclose(f) == 0 ? 0 : -1;
}

static int store_ready;

/* The key a template of the profile has now (the images, the modules), once, for the build's secret. */
static void need_store_setup(void)
{
	char *out = NULL;
	struct iso_error *err = NULL;
	if (store_ready)
		return;
	int rc = store_isopod(&out, "template ls --profile %s --json", sprofile);
	cleanup_json iso_json *j = rc == 0 ? iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "ls", &err) : NULL;
	const char *key = iso_json_get_string(j, "current_key");
	if (!key)
		fail_msg("cannot learn the template key of profile '%s': exit %d: %s", sprofile, rc, out ? out : "");
	snprintf(key_now, sizeof key_now, "%s", key);
	free(out);
	iso_error_free(err);
	store_ready = 1;
}

/* After the cases of snapshot, restore, reset: down --cleanup leaves nothing of wo3, snapshots included. */
static int finish_wo3(struct path *p)
{
	struct sweep_objs o;
	struct store_state s;
	int rc = direct(NULL, "down --cleanup %s --profile %s", wo3, sprofile);
	if (rc == 0 && sweep_objs_get(sprofile, wo3, &o) == 0 && sweep_objs_none(&o) && store_now(&s) == 0 &&
	    s.nsnap == 0)
		return 0;
	char label[120];
	snprintf(label, sizeof label, "[%s] at the end", p->name);
	return store_fail(p, F_LEAKED, label, "leaked: down --cleanup of the work order left something");
}

/* Remove every volume listed by LABEL, every pod and container of the profile's builds (by name). */
static void store_delete_listed(const char *what, const char *label, const char *suffix)
{
	cleanup_json iso_json *v = store_list(what, label);
	for (size_t i = 0; iso_json_at(v, i); i++) {
		const iso_json *x = iso_json_at(v, i);
		const char *prof = store_label(x, "io.isopod.profile");
		const iso_json *names = iso_json_get(x, "Names");
		const char *name = names ? iso_json_string(iso_json_at(names, 0)) : iso_json_get_string(x, "Name");
		if (name && prof && !strcmp(prof, sprofile))
			podman_delete(what, name, suffix);
	}
}

/* After a case that broke a rule, and at the end: everything of wo3 and of the profile's templates. */
static void store_force_clean(void)
{
	char n[200], label[160];
	direct(NULL, "down --cleanup %s --profile %s", wo3, sprofile);
	snprintf(n, sizeof n, "%s-%s", sprofile, wo3);
	podman_delete("pods", n, "?force=true");
	const char *roles[] = {"odoo", "db", "init"};
	for (int i = 0; i < 3; i++) {
		snprintf(n, sizeof n, "%s_%s_%s", roles[i], sprofile, wo3);
		podman_delete("containers", n, "?force=true&v=true");
	}
	snprintf(label, sizeof label, "io.isopod.snapshot-of=%s/%s", sprofile, wo3);
	store_delete_listed("volumes", label, "?force=true");
	snprintf(n, sizeof n, "odoo-%s-%s-data", sprofile, wo3);
	podman_delete("volumes", n, "?force=true");
	snprintf(n, sizeof n, "db-%s-%s-data", sprofile, wo3);
	podman_delete("volumes", n, "?force=true");
	snprintf(n, sizeof n, "db-%s-%s-password", sprofile, wo3);
	podman_delete("secrets", n, "");
	store_delete_listed("pods", "io.isopod.kind=template-build", "?force=true");
	store_delete_listed("containers", "io.isopod.kind=template-build", "?force=true&v=true");
	store_delete_listed("volumes", "io.isopod.kind=template", "?force=true");
	snprintf(n, sizeof n, "isopod.tpl-%s-%s-password", sprofile, key_now);
	podman_delete("secrets", n, "");
	direct(NULL, "gc");
}

#endif
