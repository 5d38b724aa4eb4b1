/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two users allocating in one shared registry directory at once never
 * collide, and two users with no registry_dir configured share the
 * host-wide registry, so a stopped work order's port is never handed to the
 * other user.  Needs root (to become each user) and the users isopod-test and
 * isopod-test2 (ISOPOD_TEST_USERS=a,b, else ISOPOD_TEST_USER and
 * ISOPOD_TEST_USER2, names others); skips with the reason otherwise (fails
 * under ISOPOD_REQUIRE_PODMAN, see iso_test.h).  The shared group is a gid
 * given to the children with setgroups(), so no /etc/group entry is needed;
 * the host-wide registry is a temporary directory (ISOPOD_HOST_REGISTRY_DIR),
 * never the host's /var/lib/isopod.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>

#include "iso_test.h"
#include "test_lease.h"

#define PER_USER 8
#define ROUNDS 5
#define SHARED_GID 59999

struct user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

struct env {
	struct user u[2];
	char dir[64];
};

struct result {
	int user, index, port;
};

static int rm_tree(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Why the environment is missing (setup leaves *state NULL); the test body skips or fails with it. */
static char missing[200];

/*
 * A group setup must not skip (cmocka 1.1 reports that as a setup error):
 * without root or the users it records why and returns 0 with *state NULL.
 * It starts nothing it does not hand over in *state.
 */
static int setup(void **state)
{
	const char *names = getenv("ISOPOD_TEST_USERS");
	char buf[130];
	struct env *e;
	char *second;

	*state = NULL;
	if (geteuid() != 0) {
		snprintf(missing, sizeof(missing), "needs root to switch to the two test users");
		return 0;
	}
	const char *u1 = getenv("ISOPOD_TEST_USER"), *u2 = getenv("ISOPOD_TEST_USER2");
	if (names && *names)
		snprintf(buf, sizeof(buf), "%s", names);
	else if (u1 && *u1 && u2 && *u2)
		snprintf(buf, sizeof(buf), "%s,%s", u1, u2);
	else
		snprintf(buf, sizeof(buf), "isopod-test,isopod-test2");
	second = strchr(buf, ',');
	if (!second) {
		fprintf(stderr, "ISOPOD_TEST_USERS='%s' is not NAME,NAME\n", buf);
		return -1;
	}
	*second++ = '\0';
	e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	for (int i = 0; i < 2; i++) {
		struct passwd *pw = getpwnam(i ? second : buf);
		if (!pw) {
			snprintf(missing, sizeof(missing),
				 "user '%s' does not exist (scripts/setup-host.sh creates it)", i ? second : buf);
			free(e);
			return 0;
		}
		snprintf(e->u[i].name, sizeof(e->u[i].name), "%s", pw->pw_name);
		e->u[i].uid = pw->pw_uid;
		e->u[i].gid = pw->pw_gid;
	}
	snprintf(e->dir, sizeof(e->dir), "/tmp/isopod-shared-XXXXXX");
	if (!mkdtemp(e->dir)) {
		free(e);
		return -1;
	}
	*state = e; /* the teardown removes the directory from here on */
	if (chown(e->dir, 0, SHARED_GID) < 0 || chmod(e->dir, 02770) < 0) {
		fprintf(stderr, "cannot share %s: %s\n", e->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (e) {
		nftw(e->dir, rm_tree, 8, FTW_DEPTH | FTW_PHYS);
		free(e);
	}
	return 0;
}

/* A child: become the user, wait at the barrier, allocate, report. */
static void child(const struct env *e, int user, int index, int barrier, int results)
{
	gid_t shared = SHARED_GID;
	char wo[16], c;
	struct lease_registry reg;
	struct lease_request r;
	struct lease_grant g;
	struct iso_error *err = NULL;
	struct result res = {user, index, -1};

	if (setgroups(1, &shared) < 0 || setresgid(e->u[user].gid, e->u[user].gid, e->u[user].gid) < 0 ||
	    setresuid(e->u[user].uid, e->u[user].uid, e->u[user].uid) < 0)
		_exit(2);
	snprintf(wo, sizeof(wo), "wo-%d", index);
	memset(&r, 0, sizeof(r));
	r.uid = geteuid();
	r.profile = "hub";
	r.wo = wo;
	r.address = "127.0.0.1";
	r.low = 18950;
	r.high = 18999;
	lease_run_self(&r.run, NULL);
	if (lease_registry_open(&reg, e->dir, 1, &err) == 0) {
		(void)!read(barrier, &c, 1);
		if (lease_acquire(&reg, &r, &g, &err) == 0)
			res.port = g.ports[ISO_PORT_HTTP];
	}
	if (err)
		fprintf(stderr, "%s #%d: %s\n", e->u[user].name, index, err->msg);
	(void)!write(results, &res, sizeof(res));
	_exit(res.port > 0 ? 0 : 1);
}

static void test_two_users_one_directory(void **state)
{
	struct env *e = *state;
	struct lease_registry reg;
	struct iso_error *err = NULL;

	iso_test_need(e != NULL, "%s", missing);
	for (int round = 0; round < ROUNDS; round++) {
		int barrier[2], results[2], ports[2][PER_USER];
		pid_t pids[2 * PER_USER];
		struct lease_list l = {0};
		struct result res;
		struct stat st;
		char *p = xasprintf("%s/%s", e->dir, LEASE_FILE);

		unlink(p);
		assert_int_equal(pipe(barrier), 0);
		assert_int_equal(pipe(results), 0);
		for (int i = 0; i < 2 * PER_USER; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				close(barrier[1]);
				close(results[0]);
				child(e, i % 2, i / 2, barrier[0], results[1]);
			}
		}
		close(barrier[0]);
		close(results[1]);
		close(barrier[1]);
		for (int i = 0; i < 2 * PER_USER; i++) {
			int status;
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				fail_msg("child %d failed (status %d)", i, status);
		}
		for (int i = 0; i < 2 * PER_USER; i++) {
			assert_int_equal(read(results[0], &res, sizeof(res)), sizeof(res));
			ports[res.user][res.index] = res.port;
		}
		close(results[0]);
		/* Never one port twice, across both users. */
		for (int a = 0; a < 2 * PER_USER; a++)
			for (int b = a + 1; b < 2 * PER_USER; b++)
				assert_int_not_equal(ports[a % 2][a / 2], ports[b % 2][b / 2]);
		/* The file is the shared group's, 0660, with both users' leases. */
		assert_int_equal(lstat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0660);
		assert_int_equal(st.st_gid, SHARED_GID);
		free(p);
		assert_int_equal(lease_registry_open(&reg, e->dir, 1, &err), 0);
		assert_int_equal(lease_list_all(&reg, e->u[0].uid, &l, &err), 0);
		assert_int_equal(l.n, 2 * PER_USER);
		for (size_t i = 0; i < l.n; i++) {
			int u = l.v[i].uid == e->u[1].uid;
			long k;
			assert_true(l.v[i].uid == e->u[0].uid || u);
			assert_int_equal(iso_parse_long(l.v[i].wo + 3, 0, PER_USER - 1, &k), 0);
			assert_int_equal(l.v[i].port, ports[u][k]);
			if (u)
				assert_int_equal(l.v[i].run.pid, 0); /* the other user's: holder only */
		}
		lease_list_release(&l);
		lease_registry_release(&reg);
	}
}

/*
 * A child of USER with nothing configured but its own state directory: up
 * (lease, ready) of work order WO through the default registry; the port to
 * RESULTS.  The work order is then stopped: its lease stays, nothing listens.
 */
static void child_default(const struct env *e, int user, const char *wo, int results)
{
	gid_t shared = SHARED_GID;
	char path[128];
	struct iso_config cfg;
	struct iso_config_flags flags = {.no_repo = 1};
	struct lease_registry reg;
	struct lease_request r;
	struct lease_grant g;
	struct iso_error *err = NULL;
	struct result res = {user, 0, -1};

	if (setgroups(1, &shared) < 0 || setresgid(e->u[user].gid, e->u[user].gid, e->u[user].gid) < 0 ||
	    setresuid(e->u[user].uid, e->u[user].uid, e->u[user].uid) < 0)
		_exit(2);
	snprintf(path, sizeof(path), "%s/state-%d", e->dir, user);
	setenv("ISOPOD_STATE_DIR", path, 1);
	setenv("HOME", path, 1);
	snprintf(path, sizeof(path), "%s/no-config", e->dir);
	setenv("XDG_CONFIG_HOME", path, 1);
	snprintf(path, sizeof(path), "%s/no-host-config.json", e->dir);
	setenv("ISOPOD_HOST_CONFIG", path, 1);
	snprintf(path, sizeof(path), "%s/hostwide", e->dir);
	setenv("ISOPOD_HOST_REGISTRY_DIR", path, 1);
	unsetenv("ISOPOD_REGISTRY_DIR");
	unsetenv("XDG_STATE_HOME");
	memset(&r, 0, sizeof(r));
	r.uid = geteuid();
	r.profile = "hub";
	r.wo = wo;
	r.address = "127.0.0.1";
	r.low = 18950;
	r.high = 18999;
	lease_run_self(&r.run, NULL);
	if (wo_config_load(&cfg, &flags, &err) == 0) {
		if (lease_registry_open_config(&reg, &cfg, &err) == 0) {
			struct lease_key k = {r.uid, "hub", wo};
			if (lease_acquire(&reg, &r, &g, &err) == 0 && lease_mark_ready(&reg, &k, &err) == 0)
				res.port = g.ports[ISO_PORT_HTTP];
			lease_registry_release(&reg);
		}
		wo_config_release(&cfg);
	}
	if (err)
		fprintf(stderr, "%s %s: %s\n", e->u[user].name, wo, err->msg);
	(void)!write(results, &res, sizeof(res));
	_exit(res.port > 0 ? 0 : 1);
}

static int run_default(const struct env *e, int user, const char *wo)
{
	int results[2], status;
	struct result res;
	pid_t pid;

	assert_int_equal(pipe(results), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(results[0]);
		child_default(e, user, wo, results[1]);
	}
	close(results[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: up of %s failed (status %d)", e->u[user].name, wo, status);
	assert_int_equal(read(results[0], &res, sizeof(res)), sizeof(res));
	close(results[0]);
	return res.port;
}

static void test_two_users_default_registry(void **state)
{
	struct env *e = *state;
	char path[128];

	iso_test_need(e != NULL, "%s", missing);
	snprintf(path, sizeof(path), "%s/hostwide", e->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, 0, SHARED_GID), 0);
	assert_int_equal(chmod(path, 02770), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/state-%d", e->dir, i);
		assert_int_equal(mkdir(path, 0700), 0);
		assert_int_equal(chown(path, e->u[i].uid, e->u[i].gid), 0);
	}
	/* Each user brings a work order up and stops it; then the first one's comes up again. */
	int a = run_default(e, 0, "wo-stopped");
	int b = run_default(e, 1, "wo-stopped");
	int b2 = run_default(e, 1, "wo-other");
	int a_again = run_default(e, 0, "wo-stopped");
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, b2);
	assert_int_not_equal(b, b2);
	assert_int_equal(a_again, a);
	/* All of it went to the host-wide registry, none to the per-user ones. */
	for (int i = 0; i < 2; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/state-%d/%s", e->dir, i, LEASE_FILE);
		assert_int_equal(lstat(path, &st), -1);
	}
	struct lease_registry reg;
	struct lease_list l = {0};
	struct iso_error *err = NULL;
	snprintf(path, sizeof(path), "%s/hostwide", e->dir);
	assert_int_equal(lease_registry_open(&reg, path, 1, &err), 0);
	assert_int_equal(lease_list_all(&reg, e->u[0].uid, &l, &err), 0);
	assert_int_equal(l.n, 3);
	lease_list_release(&l);
	lease_registry_release(&reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_users_one_directory),
		cmocka_unit_test(test_two_users_default_registry),
	};
	return cmocka_run_group_tests_name("lease-users", tests, setup, teardown);
}
