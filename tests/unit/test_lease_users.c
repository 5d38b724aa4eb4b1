/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two users allocating in one shared registry directory at once never
 * collide.  Needs root (to become each user) and the users isopod-test and
 * isopod-test2 (ISOPOD_TEST_USERS=a,b names others); skips with the reason
 * otherwise (fails under ISOPOD_REQUIRE_PODMAN, see iso_test.h).  The shared group is a gid given to the children with
 * setgroups(), so no /etc/group entry is needed.
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
	snprintf(buf, sizeof(buf), "%s", names && *names ? names : "isopod-test,isopod-test2");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_users_one_directory),
	};
	return cmocka_run_group_tests_name("lease-users", tests, setup, teardown);
}
