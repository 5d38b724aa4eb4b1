/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lease file when the disk lets it down, on real rootless Podman through
 * the built ./isopod:
 *
 *   - truncated, corrupt and newer-version files are refused (exit 1, the
 *     file named with the way out: `isopod ports --rebuild`), left as they
 *     were, and `isopod ports --rebuild` brings the leases of the existing
 *     work orders back with their ports;
 *   - a full state directory (RLIMIT_FSIZE on isopod, SIGXFSZ ignored) and a
 *     read-only one: the lease write fails with an error naming the file and
 *     what to do, exit 10 (the host's state, not a bug), the previous file
 *     intact byte for byte, no temporary file left, nothing made in Podman.
 *
 * Two work orders are made once (a running, b down with its volumes) and
 * shared by the tests; the group teardown removes them.  Ports: offsets
 * 60-63 of ISOPOD_TEST_PORTS; the state directory (and so the registry) is
 * the test's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/util.h"
#include "lease/lease.h"
#include "podman/client.h"
#include "podman/objects.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define N_PORTS 4

static char state_dir[64], leases_path[128];
static char wo_a[48], wo_b[48], wo_c[48];
static long long port_a, port_b;
static int made; /* a and b exist */

/* ---- helpers ---- */

static char *read_all(const char *path, size_t *len)
{
	char *buf = NULL;
	struct iso_error *err = NULL;
	if (iso_read_file(path, LEASE_FILE_CAP, &buf, len, &err) < 0) {
		print_error("cannot read '%s': %s\n", path, err ? err->msg : "?");
		iso_error_free(err);
		return NULL;
	}
	return buf;
}

static void write_all(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(iso_write_all(fd, buf, len), 0);
	assert_int_equal(close(fd), 0);
}

/* Pods + labelled containers + volumes + the secret of work order W. */
static int objects_of(const char *w)
{
	return ptest_wo_count("pod", "hub", w) + ptest_wo_count("container", "hub", w) +
	       ptest_wo_count("volume", "hub", w) + ptest_wo_secret("hub", w);
}

/* The lease of W for http as the registry holds it: its port, or 0; *state its state. */
static int lease_port(const char *w, enum lease_state *state)
{
	struct lease_registry reg;
	struct lease_list l = {0};
	struct iso_error *err = NULL;
	int port = 0;
	if (lease_registry_open(&reg, state_dir, 0, &err) < 0 || lease_list_all(&reg, getuid(), &l, &err) < 0)
		fail_msg("the lease registry in '%s' cannot be read: %s", state_dir, err ? err->msg : "?");
	for (size_t i = 0; i < l.n; i++)
		if (!strcmp(l.v[i].wo, w) && l.v[i].purpose == ISO_PORT_HTTP) {
			port = l.v[i].port;
			if (state)
				*state = l.v[i].state;
		}
	lease_list_release(&l);
	lease_registry_release(&reg);
	return port;
}

static long long http_port_of(const char *json)
{
	long long v = 0;
	cleanup_json iso_json *j = iso_json_parse(json, strlen(json), 0, ISO_E_INTERNAL, "up --json", NULL);
	if (!j || iso_json_int(iso_json_path(j, "ports", "http", NULL), &v) < 0)
		fail_msg("no ports.http in: %s", json);
	return v;
}

/* Make a (running) and b (down, volumes kept) once. */
static void ensure_work_orders(void)
{
	char *out = NULL;
	if (made)
		return;
	made = 1; /* the teardown removes whatever of them exists */
	assert_int_equal(ptest_isopod(&out, NULL, "up %s --json --quiet", wo_a), 0);
	port_a = http_port_of(out);
	free(out);
	out = NULL;
	assert_int_equal(ptest_isopod(&out, NULL, "up %s --json --quiet", wo_b), 0);
	port_b = http_port_of(out);
	free(out);
	assert_int_equal(ptest_isopod(NULL, NULL, "down %s --quiet", wo_b), 0);
	struct stat st;
	if (stat(leases_path, &st) < 0)
		fail_msg("no lease file at '%s' after two ups (has the registry moved?)", leases_path);
	assert_int_equal(lease_port(wo_a, NULL), port_a);
	assert_int_equal(lease_port(wo_b, NULL), port_b);
}

/* Some file in the state directory other than the lease file holds exactly BUF. */
static int kept_aside(const char *buf, size_t len)
{
	DIR *d = opendir(state_dir);
	struct dirent *de;
	int found = 0;
	assert_non_null(d);
	while (!found && (de = readdir(d))) {
		char path[384];
		size_t n = 0;
		if (!strcmp(de->d_name, LEASE_FILE) || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, de->d_name);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
			continue;
		char *other = read_all(path, &n);
		found = other && n == len && memcmp(other, buf, len) == 0;
		free(other);
	}
	closedir(d);
	return found;
}

/* Remove every file but the lease file and its lock that a test or a rebuild set aside. */
static void remove_set_aside(void)
{
	DIR *d = opendir(state_dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "leases.", 7) && strcmp(de->d_name, LEASE_LOCK_FILE)) {
			char path[384];
			snprintf(path, sizeof(path), "%s/%s", state_dir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

/* ---- damaged files ---- */

struct damage {
	const char *name;
	int newer; /* refusing to rebuild over it is right too, if nothing is lost */
};

/* DAMAGE applied to GOOD: a new malloc'd image in *OUT. */
static size_t damage_apply(const struct damage *d, const char *good, size_t len, char **out)
{
	char *s = xmalloc(len + 1), *p;
	memcpy(s, good, len);
	s[len] = '\0';
	*out = s;
	if (!strcmp(d->name, "truncated"))
		return len * 2 / 3; /* in the middle of a lease line */
	if (!strcmp(d->name, "corrupt")) {
		p = strstr(s, "\tready\t");
		assert_non_null(p);
		p[3] = '@'; /* "re@dy" */
		return len;
	}
	p = strstr(s, "isopod-leases\t1\t");
	assert_true(p == s);
	s[14] = '2'; /* a version this isopod does not read */
	return len;
}

/* One damaged file: refused as it should be, left alone, rebuilt by ports --rebuild.  Problems go to P. */
static void check_damage(const struct damage *d, const char *good, size_t good_len, struct iso_buf *p)
{
	char *bad = NULL, *err = NULL, *out = NULL, *now = NULL;
	size_t bad_len = damage_apply(d, good, good_len, &bad), now_len = 0;
	char line[1024];

	write_all(leases_path, bad, bad_len);
	/* Refused by a command that would write (up of the running a) and one that reads (ports). */
	const char *cmds[] = {"up", "ports"};
	for (int i = 0; i < 2; i++) {
		int rc = i ? ptest_isopod(NULL, &err, "ports") : ptest_isopod(NULL, &err, "up %s --quiet", wo_a);
		if (rc != 1 || !strstr(err, leases_path) || !strstr(err, "isopod ports --rebuild")) {
			snprintf(line, sizeof(line),
				 "%s file: '%s' exit %d (want 1, the file and 'isopod ports --rebuild' named): %s\n",
				 d->name, cmds[i], rc, err);
			iso_buf_append(p, line, strlen(line));
		}
		free(err);
		err = NULL;
	}
	now = read_all(leases_path, &now_len);
	if (!now || now_len != bad_len || memcmp(now, bad, bad_len)) {
		snprintf(line, sizeof(line), "%s file: changed by the commands that refused it\n", d->name);
		iso_buf_append(p, line, strlen(line));
	}
	free(now);

	/* The named repair, on the file as it is. */
	int rc = ptest_isopod(&out, &err, "ports --rebuild");
	if (rc == 0 && !kept_aside(bad, bad_len)) {
		snprintf(line, sizeof(line), "%s file: ports --rebuild replaced it and kept no copy of it\n", d->name);
		iso_buf_append(p, line, strlen(line));
	}
	if (rc != 0 && !d->newer) {
		snprintf(line, sizeof(line), "%s file: 'isopod ports --rebuild' exit %d on it (finding D1): %s\n",
			 d->name, rc, err);
		iso_buf_append(p, line, strlen(line));
	}
	free(out);
	free(err);
	out = err = NULL;
	if (rc != 0) {
		/* The message's other advice: set it aside, then rebuild. */
		char aside[160];
		snprintf(aside, sizeof(aside), "%s.damaged", leases_path);
		assert_int_equal(rename(leases_path, aside), 0);
		rc = ptest_isopod(&out, &err, "ports --rebuild");
		if (rc != 0)
			fail_msg("%s file set aside: ports --rebuild exit %d: %s", d->name, rc, err);
		free(out);
		free(err);
	}
	/* The leases of both work orders are back with their ports; a is ready, and up finds it running. */
	enum lease_state sa = LEASE_CREATING;
	if (lease_port(wo_a, &sa) != port_a || lease_port(wo_b, NULL) != port_b) {
		snprintf(line, sizeof(line), "%s file: rebuilt leases a=%d b=%d, want a=%lld b=%lld\n", d->name,
			 lease_port(wo_a, NULL), lease_port(wo_b, NULL), port_a, port_b);
		iso_buf_append(p, line, strlen(line));
	}
	if (sa != LEASE_READY) {
		snprintf(line, sizeof(line), "%s file: a's rebuilt lease is not ready\n", d->name);
		iso_buf_append(p, line, strlen(line));
	}
	out = NULL;
	rc = ptest_isopod(&out, NULL, "up %s --json --quiet", wo_a);
	if (rc != 0 || !strstr(out, "already running")) {
		snprintf(line, sizeof(line), "%s file: up of a after the rebuild: exit %d, %.200s\n", d->name, rc,
			 out ? out : "");
		iso_buf_append(p, line, strlen(line));
	}
	free(out);
	free(bad);
	remove_set_aside();
}

static void test_damaged_lease_file_refused_and_rebuilt(void **state)
{
	static const struct damage kinds[] = {{"truncated", 0}, {"corrupt", 0}, {"newer", 1}};
	struct iso_buf problems;

	ptest_require_podman();
	ensure_work_orders();
	iso_buf_init(&problems, 0);
	for (size_t i = 0; i < ISO_ARRAY_SIZE(kinds); i++) {
		size_t len = 0;
		char *good = read_all(leases_path, &len);
		assert_non_null(good);
		check_damage(&kinds[i], good, len, &problems);
		free(good);
	}
	char *text = iso_buf_steal(&problems, NULL);
	if (text && *text)
		fail_msg("damaged lease files:\n%s", text);
	free(text);
}

/* ---- a full or read-only state directory ---- */

/*
 * Run `isopod up W` with RLIMIT_FSIZE at FSIZE (0: none) and SIGXFSZ
 * ignored, as a full disk looks to a writer; stderr in *ERR.  The exit code.
 */
static int up_limited(const char *w, rlim_t fsize, char **err)
{
	int pe[2];
	struct iso_buf b;
	char chunk[4096];
	ssize_t n;
	int st;

	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {fsize, fsize};
		int devnull = open("/dev/null", O_RDWR);
		signal(SIGXFSZ, SIG_IGN); /* ignored stays ignored across exec: write() gets EFBIG */
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(126);
		if (fsize && setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(126);
		execl(ISO_ISOPOD_BIN, ISO_ISOPOD_BIN, "up", w, (char *)NULL);
		_exit(127);
	}
	close(pe[1]);
	iso_buf_init(&b, 0);
	while ((n = read(pe[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		iso_buf_append(&b, chunk, (size_t)n);
	}
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*err = iso_buf_steal(&b, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A failed lease write: exit 10 with the file and ADVICE named, the file as GOOD, no temp file, nothing of c made. */
static void check_failed_write(const char *what, int rc, const char *err, const char *good, size_t good_len,
			       const char *const *advice)
{
	size_t len = 0;
	char *now = read_all(leases_path, &len), tmp[160];
	struct stat st;
	int advised = 0;
	struct iso_buf p;
	char line[1200];

	iso_buf_init(&p, 0);
	for (size_t i = 0; advice[i]; i++)
		advised |= strstr(err, advice[i]) != NULL;
	if (rc != 10 || !strstr(err, leases_path) || !advised) {
		snprintf(line, sizeof(line),
			 "%s: up exit %d (want 10, host not prepared, with the lease file and what to do, e.g. '%s', "
			 "named; finding D3): %s\n",
			 what, rc, advice[0], err);
		iso_buf_append(&p, line, strlen(line));
	}
	if (!now || len != good_len || memcmp(now, good, good_len)) {
		snprintf(line, sizeof(line), "%s: the lease file changed (%zu bytes, was %zu)\n", what, len, good_len);
		iso_buf_append(&p, line, strlen(line));
	}
	snprintf(tmp, sizeof(tmp), "%s/%s", state_dir, LEASE_TMP_FILE);
	if (lstat(tmp, &st) == 0) {
		snprintf(line, sizeof(line), "%s: '%s' was left behind\n", what, tmp);
		iso_buf_append(&p, line, strlen(line));
	}
	if (objects_of(wo_c)) {
		snprintf(line, sizeof(line), "%s: Podman objects of c were made (%d)\n", what, objects_of(wo_c));
		iso_buf_append(&p, line, strlen(line));
	}
	free(now);
	char *text = iso_buf_steal(&p, NULL);
	if (text && *text)
		fail_msg("%s", text);
	free(text);
}

static void test_full_state_directory(void **state)
{
	static const char *const advice[] = {"free space", "df ", NULL};
	size_t len = 0;
	char *err = NULL;

	ptest_require_podman();
	ensure_work_orders();
	cleanup_free char *good = read_all(leases_path, &len);
	assert_non_null(good);
	/* Room for the file as it is, not for one more lease line. */
	int rc = up_limited(wo_c, (rlim_t)len + 8, &err);
	check_failed_write("RLIMIT_FSIZE", rc, err, good, len, advice);
	free(err);
}

static void test_read_only_state_directory(void **state)
{
	static const char *const advice[] = {"writable", "chmod", NULL};
	size_t len = 0;
	char *err = NULL;

	ptest_require_podman();
	ensure_work_orders();
	cleanup_free char *good = read_all(leases_path, &len);
	assert_non_null(good);
	assert_int_equal(chmod(state_dir, 0500), 0);
	int rc = up_limited(wo_c, 0, &err);
	assert_int_equal(chmod(state_dir, 0700), 0);
	check_failed_write("read-only", rc, err, good, len, advice);
	free(err);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	int low = ptest_wo_env(state_dir, sizeof(state_dir), "rel-damage", 60, N_PORTS);
	if (low < 0)
		return -1;
	snprintf(leases_path, sizeof(leases_path), "%s/%s", state_dir, LEASE_FILE);
	snprintf(wo_a, sizeof(wo_a), "t-rdmg-%d-a", (int)getpid());
	snprintf(wo_b, sizeof(wo_b), "t-rdmg-%d-b", (int)getpid());
	snprintf(wo_c, sizeof(wo_c), "t-rdmg-%d-c", (int)getpid());
	return 0;
}

/* After each test: the directory writable again (a failed test may have left it read-only). */
static int teardown(void **state)
{
	chmod(state_dir, 0700);
	remove_set_aside();
	return 0;
}

static int group_teardown(void **state)
{
	const char *wos[] = {wo_a, wo_b, wo_c};
	char why[256];
	chmod(state_dir, 0700);
	if (made && ptest_podman_answers(why, sizeof(why))) {
		/* A damaged file would stop down: start from what the labels say. */
		struct lease_registry reg;
		struct lease_list l = {0};
		struct iso_error *err = NULL;
		if (lease_registry_open(&reg, state_dir, 0, &err) == 0) {
			if (lease_list_all(&reg, getuid(), &l, &err) < 0) {
				unlink(leases_path);
				ptest_isopod(NULL, NULL, "ports --rebuild");
			}
			lease_list_release(&l);
			lease_registry_release(&reg);
		}
		iso_error_free(err);
		for (size_t i = 0; i < ISO_ARRAY_SIZE(wos); i++) {
			char *ignored = NULL; /* "unknown" for one never made */
			ptest_isopod(NULL, &ignored, "down %s --cleanup --quiet", wos[i]);
			free(ignored);
		}
	}
	return iso_rmtree(state_dir) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_damaged_lease_file_refused_and_rebuilt, teardown),
		cmocka_unit_test_teardown(test_full_state_directory, teardown),
		cmocka_unit_test_teardown(test_read_only_state_directory, teardown),
	};
	return cmocka_run_group_tests_name("lease damage", tests, group_setup, group_teardown);
}
