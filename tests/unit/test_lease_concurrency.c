/* SPDX-License-Identifier: Apache-2.0 */
/* Lease allocation by many processes at once, and a lock holder killed with SIGKILL. */
#include <errno.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "test_lease.h"

#define WORKERS 16
#define REPEATS 4
#define ROUNDS 20

struct result {
	int index;
	int port;
};

/* A child: wait at the barrier, allocate, report the port (or -1). */
static void worker(const struct tl *t, int index, int barrier, int results)
{
	char wo[16], c;
	struct lease_registry reg;
	struct lease_request r;
	struct lease_grant g;
	struct iso_error *err = NULL;
	struct result res = {index, -1};

	snprintf(wo, sizeof(wo), "wo-%d", index < WORKERS ? index : 0);
	r = tl_req(t, wo);
	r.low = 18950;
	r.high = 18999;
	if (lease_registry_open(&reg, t->dir, 0, &err) == 0) {
		/* The barrier: every child blocks here until the parent closes the pipe. */
		(void)!read(barrier, &c, 1);
		if (lease_acquire(&reg, &r, &g, &err) == 0)
			res.port = g.ports[ISO_PORT_HTTP];
		else
			fprintf(stderr, "child %d: %s\n", index, err->msg);
	}
	(void)!write(results, &res, sizeof(res));
	_exit(res.port > 0 ? 0 : 1);
}

static void one_round(struct tl *t)
{
	int barrier[2], results[2], ports[WORKERS + REPEATS];
	pid_t pids[WORKERS + REPEATS];
	struct lease_list l = {0};
	struct iso_error *err = NULL;
	struct result res;

	assert_int_equal(pipe(barrier), 0);
	assert_int_equal(pipe(results), 0);
	for (int i = 0; i < WORKERS + REPEATS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(barrier[1]);
			close(results[0]);
			worker(t, i, barrier[0], results[1]);
		}
	}
	close(barrier[0]);
	close(results[1]);
	close(barrier[1]); /* go */
	for (int i = 0; i < WORKERS + REPEATS; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (int i = 0; i < WORKERS + REPEATS; i++) {
		assert_int_equal(read(results[0], &res, sizeof(res)), sizeof(res));
		ports[res.index] = res.port;
	}
	close(results[0]);
	for (int i = 0; i < WORKERS; i++)
		for (int j = i + 1; j < WORKERS; j++)
			assert_int_not_equal(ports[i], ports[j]);
	for (int i = WORKERS; i < WORKERS + REPEATS; i++)
		assert_int_equal(ports[i], ports[0]); /* repeats are idempotent */
	assert_int_equal(lease_list_all(&t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, WORKERS);
	for (size_t i = 0; i < l.n; i++) {
		long k;
		assert_int_equal(iso_parse_long(l.v[i].wo + 3, 0, WORKERS - 1, &k), 0);
		assert_int_equal(l.v[i].port, ports[k]);
	}
	lease_list_release(&l);
}

static void test_concurrent_allocation(void **state)
{
	struct tl *t = *state;

	for (int round = 0; round < ROUNDS; round++) {
		char *p = tl_path(t, LEASE_FILE);
		unlink(p);
		free(p);
		one_round(t);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("allocation blocked on the lock of a killed holder");
}

static void test_killed_holder_does_not_block(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-after");
	char *lock = tl_path(t, LEASE_LOCK_FILE), *tmp = tl_path(t, LEASE_TMP_FILE), c;
	int ready[2], fd, status;
	FILE *f;
	pid_t pid;

	/* A killed writer also leaves its temporary file behind. */
	f = fopen(tmp, "w");
	fputs("half a lease file", f);
	fclose(f);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	/* The lock is really held. */
	fd = open(lock, O_RDWR | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	signal(SIGALRM, on_alarm);
	alarm(10);
	assert_in_range(tl_acquire(t, &r), t->low, t->high);
	alarm(0);
	assert_int_equal(access(tmp, F_OK), -1); /* the stale temporary file went */
	close(ready[0]);
	free(lock);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_allocation, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_killed_holder_does_not_block, tl_setup, tl_teardown),
	};
	return cmocka_run_group_tests_name("lease-concurrency", tests, NULL, NULL);
}
