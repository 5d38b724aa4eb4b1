/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Templates and snapshots against real rootless Podman, through the built
 * ./isopod (issue 14):
 *   - the first fresh work order of a profile with no template is initialised
 *     and saved as its template; the second comes from it, with its own
 *     database.uuid and database.secret, and a row written in one is absent
 *     in the other and in the template (a third clone);
 *   - snapshot, write, restore gives back the earlier rows; restoring
 *     before-restore gives back the written state; reset goes back to the
 *     template;
 *   - down --cleanup removes the work order's snapshots and no other's;
 *   - a changed module (a file of the repository's addons/) makes `exact`
 *     build a new template and `auto` clone the newest and upgrade it
 *     (-u), never use the stale one unchanged;
 *   - bad input is a clear error with its exit code, nothing changed; a
 *     template or snapshot left unsealed is never used and `gc` removes it.
 * Its own profile (tp<pid>, in its own user config), state directory and
 * repository; ports at offset 10-19 of ISOPOD_TEST_PORTS; every work order,
 * snapshot and template it makes is removed afterwards, also on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iso_run.h"
#include "podman_test.h"
#include "ptest_wo.h"

static char state_dir[128], root[160], repo[160], user_file[220], profile[17];
static char wo_a[64], wo_b[64], wo_c[64], wo_d[64];
static int ready;

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* The user file: the test's profile with MODULES (a JSON array). */
static void set_modules(const char *modules)
{
	char text[512];
	snprintf(text, sizeof text,
		 "{\"profiles\": {\"%s\": {\"modules\": %s, \"template_keep\": 5,"
		 " \"env\": {\"ODOO_STANDIN_MODULE_SECONDS\": \"0\"}}}}\n",
		 profile, modules);
	put(user_file, text);
}

/* isopod ARGS... (argv, no program name); stdout in *OUT, stderr in *ERR (owned) when given, else echoed. */
static int isopod_full(char **out, char **err, const char *const *args)
{
	const char *argv[24] = {ISO_ISOPOD_BIN};
	size_t n = 1;
	for (; args[n - 1] && n < 23; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	struct iso_run_result r;
	if (iso_run(argv, &(struct iso_run_opts){.timeout_ms = 300000}, &r) < 0)
		fail_msg("cannot run isopod: %s", strerror(errno));
	if (r.err_len && !err)
		fputs(r.err, stderr);
	ptest_check_json(argv + 1, r.status, r.out);
	int status = r.status;
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	if (err) {
		*err = r.err ? r.err : strdup("");
		r.err = NULL;
	}
	iso_run_result_release(&r);
	return status;
}

#define ISOPOD(out, ...) isopod_full(out, NULL, (const char *const[]){__VA_ARGS__, NULL})
#define ISOPOD_ERR(out, err, ...) isopod_full(out, err, (const char *const[]){__VA_ARGS__, NULL})

/* One value from WO's database (psql -tA in its Postgres container), owned, trailing newline cut. */
static char *sql(const char *wo, const char *query)
{
	char db[96];
	snprintf(db, sizeof db, "%s_%s", profile, wo);
	char *out = NULL;
	int rc = ISOPOD(&out, "exec", wo, "db", "--", "psql", "-X", "-U", "odoo", "-d", db, "-tAc", query);
	if (rc != 0)
		fail_msg("psql in %s: exit %d: %s", wo, rc, out ? out : "");
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return out;
}

static void up_ok(const char *wo, const char *mode, char **origin)
{
	setenv("ISOPOD_TEMPLATE", mode, 1);
	char *out = NULL;
	int rc = ISOPOD(&out, "up", wo, "--repo", repo, "--json");
	if (rc != 0)
		fail_msg("isopod up %s (template %s): exit %d", wo, mode, rc);
	const char *o = strstr(out, "\"origin\"");
	if (origin)
		*origin = o ? strndup(o, 100) : strdup("");
	free(out);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int group_setup(void **state)
{
	if (ptest_wo_env(state_dir, sizeof state_dir, "tpl", 10, 10) < 0)
		return -1;
	snprintf(profile, sizeof profile, "tp%d", (int)(getpid() % 100000));
	snprintf(root, sizeof root, "%s/cfg", state_dir);
	/* The repository is read by Odoo's user inside the container: a directory others may enter. */
	snprintf(repo, sizeof repo, "%s/repo", state_dir);
	chmod(state_dir, 0711);
	char dir[220];
	mkdir(root, 0700);
	snprintf(dir, sizeof dir, "%s/isopod", root);
	mkdir(dir, 0700);
	mkdir(repo, 0755);
	snprintf(dir, sizeof dir, "%s/addons", repo);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/addons/tmod", repo);
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s/addons/tmod/__manifest__.py", repo);
	put(dir, "{'name': 'tmod', 'version': '18.0.1.0', 'depends': ['base']}\n");
	snprintf(dir, sizeof dir, "%s/addons/tmod/__init__.py", repo);
	put(dir, "# version 1\n");
	snprintf(user_file, sizeof user_file, "%s/isopod/config.json", root);
	setenv("XDG_CONFIG_HOME", root, 1);
	unsetenv("ISOPOD_TEMPLATE_KEEP");
	setenv("ISOPOD_PROFILE", profile, 1);
	set_modules("[\"base\"]");
	ptest_unique(wo_a, sizeof wo_a, "tpl");
	ptest_unique(wo_b, sizeof wo_b, "tpl");
	ptest_unique(wo_c, sizeof wo_c, "tpl");
	ptest_unique(wo_d, sizeof wo_d, "tpl");
	ready = 1;
	return 0;
}

static int group_teardown(void **state)
{
	if (!ready)
		return 0;
	const char *wos[] = {wo_a, wo_b, wo_c, wo_d};
	for (size_t i = 0; i < 4; i++)
		ISOPOD(NULL, "down", wos[i], "--cleanup", "--profile", profile);
	ISOPOD(NULL, "template", "rm", "--profile", profile);
	ISOPOD(NULL, "gc");
	iso_rmtree(state_dir);
	return 0;
}

/* The first fresh work order initialises and saves the template; the second and third come from it. */
static void test_first_saves_second_clones(void **state)
{
	ptest_require_podman();
	char *origin = NULL, *out = NULL;
	up_ok(wo_a, "auto", &origin);
	assert_non_null(strstr(origin, "scratch "));
	free(origin);
	assert_int_equal(ISOPOD(&out, "template", "ls", "--profile", profile, "--json"), 0);
	assert_int_equal(count(out, "\"state\":\"ready\""), 1);
	assert_non_null(strstr(out, "\"current\":true"));
	free(out);

	up_ok(wo_b, "auto", &origin);
	assert_non_null(strstr(origin, "template "));
	free(origin);
	ptest_wo_assert_healthy(profile, wo_b);
	char *uuid_a = sql(wo_a, "select value from ir_config_parameter where key = 'database.uuid'");
	char *uuid_b = sql(wo_b, "select value from ir_config_parameter where key = 'database.uuid'");
	char *sec_a = sql(wo_a, "select value from ir_config_parameter where key = 'database.secret'");
	char *sec_b = sql(wo_b, "select value from ir_config_parameter where key = 'database.secret'");
	assert_true(strlen(uuid_a) == 36 && strlen(uuid_b) == 36);
	assert_string_not_equal(uuid_a, uuid_b); /* the template holds A's data, so also not the template's */
	assert_string_not_equal(sec_a, sec_b);
	free(uuid_a), free(uuid_b), free(sec_a), free(sec_b);

	/* A row written in B is not in A, nor in the template (a third clone). */
	free(sql(wo_b, "create table isopod_probe (x int); insert into isopod_probe values (42); select 1"));
	char *in_a = sql(wo_a, "select count(*) from pg_tables where tablename = 'isopod_probe'");
	assert_string_equal(in_a, "0");
	free(in_a);
	up_ok(wo_c, "auto", &origin);
	assert_non_null(strstr(origin, "template "));
	free(origin);
	char *in_c = sql(wo_c, "select count(*) from pg_tables where tablename = 'isopod_probe'");
	assert_string_equal(in_c, "0");
	free(in_c);
	/* The clone's database has the work order's name and answers with the work order's password (Odoo serves). */
	char *name = sql(wo_c, "select current_database()");
	char want[96];
	snprintf(want, sizeof want, "%s_%s", profile, wo_c);
	assert_string_equal(name, want);
	free(name);
}

/* snapshot, write, restore: the earlier rows; restore before-restore: the written state; reset: the template. */
static void test_snapshot_restore_reset(void **state)
{
	ptest_require_podman();
	char *out = NULL;
	free(sql(wo_b, "create table if not exists isopod_rows (x int); delete from isopod_rows; "
		       "insert into isopod_rows values (1); select 1"));
	assert_int_equal(ISOPOD(&out, "snapshot", wo_b, "s1", "--profile", profile, "--json"), 0);
	assert_non_null(strstr(out, "\"snapshot\":\"s1\""));
	free(out);
	free(sql(wo_b, "insert into isopod_rows values (2); select 1"));
	assert_int_equal(ISOPOD(NULL, "restore", wo_b, "s1", "--profile", profile, "--json"), 0);
	char *n = sql(wo_b, "select count(*) from isopod_rows");
	assert_string_equal(n, "1");
	free(n);
	assert_int_equal(ISOPOD(NULL, "restore", wo_b, "before-restore", "--profile", profile), 0);
	n = sql(wo_b, "select count(*) from isopod_rows");
	assert_string_equal(n, "2");
	free(n);
	/* An existing name is refused unless --replace. */
	assert_int_equal(ISOPOD(NULL, "snapshot", wo_b, "s1", "--profile", profile), 4);
	assert_int_equal(ISOPOD(NULL, "snapshot", wo_b, "s1", "--replace", "--profile", profile), 0);
	assert_int_equal(ISOPOD(NULL, "reset", wo_b, "--profile", profile, "--json"), 0);
	n = sql(wo_b, "select count(*) from pg_tables where tablename in ('isopod_rows', 'isopod_probe')");
	assert_string_equal(n, "0");
	free(n);
	ptest_wo_assert_healthy(profile, wo_b);
	assert_int_equal(ISOPOD(&out, "snapshots", wo_b, "--profile", profile, "--json"), 0);
	assert_int_equal(count(out, "\"state\":\"ready\""), 2); /* s1 and before-restore */
	free(out);
}

/* down --cleanup removes the work order's snapshots and no other's. */
static void test_cleanup_removes_own_snapshots(void **state)
{
	ptest_require_podman();
	char *out = NULL;
	assert_int_equal(ISOPOD(NULL, "snapshot", wo_a, "keep", "--profile", profile), 0);
	assert_int_equal(ISOPOD(&out, "down", wo_b, "--cleanup", "--profile", profile, "--json"), 0);
	assert_true(strstr(out, "\"snapshots_removed\": 2") || strstr(out, "\"snapshots_removed\":2"));
	free(out);
	assert_int_equal(ISOPOD(&out, "snapshots", "--json"), 0);
	assert_null(strstr(out, wo_b));
	assert_non_null(strstr(out, wo_a));
	free(out);
	ptest_wo_assert_gone(profile, wo_b);
}

/* A changed module: exact makes a new template; auto clones the newest and upgrades (-u), never stale as it is. */
static void test_changed_module(void **state)
{
	ptest_require_podman();
	set_modules("[\"base\", \"tmod\"]");
	char *origin = NULL, *out = NULL;
	up_ok(wo_d, "exact", &origin);
	assert_non_null(strstr(origin, "scratch ")); /* no template of the new key: initialised, saved */
	free(origin);
	char *inst = sql(wo_d, "select state from ir_module_module where name = 'tmod'");
	assert_string_equal(inst, "installed");
	free(inst);
	assert_int_equal(ISOPOD(NULL, "down", wo_d, "--cleanup", "--profile", profile), 0);
	/* The module's file changes: the key changes; auto clones the newest (with tmod) and upgrades it. */
	char path[220];
	snprintf(path, sizeof path, "%s/addons/tmod/__init__.py", repo);
	put(path, "# version 2\n");
	char *err = NULL;
	setenv("ISOPOD_TEMPLATE", "auto", 1);
	assert_int_equal(ISOPOD_ERR(&out, &err, "up", wo_d, "--repo", repo, "--progress=plain"), 0);
	if (!strstr(err, "upgrading tmod") || !strstr(err, "Loading module tmod"))
		fail_msg("the stale path did not say it upgrades tmod: %s", err);
	free(out), free(err);
	assert_int_equal(ISOPOD(&out, "status", wo_d, "--json"), 0);
	assert_non_null(strstr(out, " updated "));
	free(out);
	assert_int_equal(ISOPOD(&out, "template", "ls", "--profile", profile, "--json"), 0);
	assert_int_equal(count(out, "\"state\":\"ready\""), 2);
	free(out);
	set_modules("[\"base\"]");
}

/* Bad input: a clear error with its exit code, and nothing changed. */
static void test_bad_input(void **state)
{
	ptest_require_podman();
	char *out = NULL, *err = NULL;
	struct {
		const char *args[8];
		int code;
		const char *says;
	} cases[] = {
		{{"restore", wo_a, "nosuch", "--profile", profile}, 3, "no snapshot 'nosuch'"},
		{{"snapshot", "t-tpl-nobody", "x", "--profile", profile}, 3, "has no pod"},
		{{"template", "build", "--profile", "nosuchprofile"}, 2, "unknown profile"},
		{{"snapshot", wo_a, "a/b", "--profile", profile}, 2, "'/'"},
		{{"snapshot", wo_a, "a b", "--profile", profile}, 2, "a space"},
		{{"snapshot", wo_a, "x1234567890123456789012345678901234567890", "--profile", profile},
		 2,
		 "limit is 40"},
		{{"snapshot", wo_a, "before-restore", "--profile", profile}, 2, "automatic snapshot"},
		{{"template", "rm", "--profile", profile, "0123456789abcdef"}, 3, "no template"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = isopod_full(&out, &err, cases[i].args);
		if (rc != cases[i].code || !strstr(err, cases[i].says))
			fail_msg("isopod %s %s: exit %d (want %d), said: %s", cases[i].args[0], cases[i].args[1], rc,
				 cases[i].code, err);
		free(out), free(err);
	}
	/* Restore while another run holds the work order: exit 4, nothing changed. */
	char lock[256];
	snprintf(lock, sizeof lock, "%s/locks/%s.lock", state_dir, wo_a);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0 && flock(fd, LOCK_EX) == 0);
	int rc = ISOPOD_ERR(&out, &err, "restore", wo_a, "keep", "--profile", profile);
	close(fd);
	if (rc != 4 || !strstr(err, "busy"))
		fail_msg("restore of a busy work order: exit %d, said: %s", rc, err);
	free(out), free(err);
	assert_int_equal(ISOPOD(&out, "snapshots", wo_a, "--profile", profile, "--json"), 0);
	assert_null(strstr(out, "before-restore")); /* nothing was made */
	free(out);
}

/* Create volume NAME with LABELS (a JSON object text) through the API, registered for cleanup. */
static void make_volume(const char *name, const char *labels)
{
	char body[1024];
	snprintf(body, sizeof body, "{\"Name\":\"%s\",\"Label\":%s}", name, labels);
	long st = 0;
	char *resp = NULL;
	ptest_cleanup_add(PTEST_VOLUME, name);
	if (ptest_request("POST", "/v4.0.0/libpod/volumes/create", body, &st, &resp) < 0 || st != 201)
		fail_msg("create volume %s: %ld %s", name, st, resp ? resp : "");
	free(resp);
}

/* A template and a snapshot left unsealed are never used, and gc removes them. */
static void test_partial_never_used(void **state)
{
	ptest_require_podman();
	const char *key = "00000000000000aa";
	char name[160], labels[512];
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "isopod-tpl-%s-%s-%s", profile, key, i ? "files" : "db");
		snprintf(labels, sizeof labels,
			 "{\"io.isopod.schema\":\"1\",\"io.isopod.kind\":\"template\",\"io.isopod.profile\":\"%s\","
			 "\"io.isopod.template\":\"%s\",\"io.isopod.role\":\"%s\"}",
			 profile, key, i ? "template-files" : "template-db");
		make_volume(name, labels);
		snprintf(name, sizeof name, "isopod-snap-%s-%s-cut-0000abcd-%s", profile, wo_a, i ? "files" : "db");
		snprintf(
			labels, sizeof labels,
			"{\"io.isopod.schema\":\"1\",\"io.isopod.kind\":\"snapshot\",\"io.isopod.profile\":\"%s\","
			"\"io.isopod.snapshot-of\":\"%s/%s\",\"io.isopod.snapshot\":\"cut\",\"io.isopod.role\":\"%s\"}",
			profile, profile, wo_a, i ? "snapshot-files" : "snapshot-db");
		make_volume(name, labels);
	}
	char *out = NULL, *err = NULL;
	assert_int_equal(ISOPOD(&out, "template", "ls", "--profile", profile, "--json"), 0);
	assert_non_null(strstr(out, "\"state\":\"partial\""));
	free(out);
	/* restore of the cut snapshot: it does not exist as far as restore is concerned */
	assert_int_equal(ISOPOD_ERR(&out, &err, "restore", wo_a, "cut", "--profile", profile), 3);
	free(out), free(err);
	assert_int_equal(ISOPOD(&out, "gc", "--json"), 0);
	assert_non_null(strstr(out, "removed partial template"));
	assert_non_null(strstr(out, "removed partial snapshot of"));
	free(out);
	assert_int_equal(ISOPOD(&out, "template", "ls", "--profile", profile, "--json"), 0);
	assert_null(strstr(out, "partial"));
	free(out);
}

/* A template build killed midway leaves nothing that is used; gc removes what it left. */
static void test_killed_build(void **state)
{
	ptest_require_podman();
	set_modules("[\"base\", \"contacts\"]");
	char *out = NULL;
	const char *argv[] = {ISO_ISOPOD_BIN, "template", "build", "--profile", profile, "--repo", repo, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	usleep(1500 * 1000); /* into the init */
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	assert_int_equal(ISOPOD(&out, "gc", "--json"), 0);
	free(out);
	assert_int_equal(ISOPOD(&out, "template", "ls", "--profile", profile, "--json"), 0);
	assert_null(strstr(out, "partial"));
	assert_null(strstr(out, "contacts"));
	free(out);
	set_modules("[\"base\"]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_first_saves_second_clones, ptest_teardown),
		cmocka_unit_test_teardown(test_snapshot_restore_reset, ptest_teardown),
		cmocka_unit_test_teardown(test_cleanup_removes_own_snapshots, ptest_teardown),
		cmocka_unit_test_teardown(test_changed_module, ptest_teardown),
		cmocka_unit_test_teardown(test_bad_input, ptest_teardown),
		cmocka_unit_test_teardown(test_partial_never_used, ptest_teardown),
		cmocka_unit_test_teardown(test_killed_build, ptest_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
