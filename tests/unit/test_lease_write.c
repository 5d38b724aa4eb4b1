/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A lease file that cannot be written because the disk is full (here: the
 * file size limit, as a full filesystem answers EFBIG/ENOSPC): the error is
 * the host's state (ISO_E_HOST, exit 10) with what to do, and the file on
 * disk is the one before, byte for byte (issue 12).
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "test_lease.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = xzalloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void test_full_disk_is_the_hosts_state_and_keeps_the_file(void **state)
{
	struct tl *t = *state;
	struct iso_error *err = NULL;
	struct lease_request req = {
		.uid = getuid(), .profile = "hub", .wo = "wo-first", .low = t->low, .high = t->high};
	struct lease_grant g;
	assert_int_equal(lease_run_self(&req.run, &err), 0);
	assert_int_equal(lease_acquire(&t->reg, &req, &g, &err), 0);
	cleanup_free char *path = tl_path(t, LEASE_FILE);
	size_t before_len = 0, after_len = 0;
	cleanup_free char *before = slurp(path, &before_len);

	int pe[2];
	assert_int_equal(pipe(pe), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The second lease makes the file longer than the limit. */
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = {before_len + 8, before_len + 8};
		setrlimit(RLIMIT_FSIZE, &rl);
		struct lease_request r2 = req;
		r2.wo = "wo-second";
		struct iso_error *e = NULL;
		int rc = lease_acquire(&t->reg, &r2, &g, &e);
		if (rc == 0)
			_exit(0);
		if (write(pe[1], e->msg, strlen(e->msg)) < 0)
			_exit(3);
		_exit(e->class == ISO_E_HOST ? 1 : 2);
	}
	close(pe[1]);
	char msg[1024] = {0};
	ssize_t n = read(pe[0], msg, sizeof(msg) - 1);
	close(pe[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(n > 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		fail_msg("wanted ISO_E_HOST, got exit %d: %s", WEXITSTATUS(st), msg);
	assert_non_null(strstr(msg, "free space"));
	assert_non_null(strstr(msg, t->dir));
	cleanup_free char *after = slurp(path, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_disk_is_the_hosts_state_and_keeps_the_file, tl_setup,
						tl_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
