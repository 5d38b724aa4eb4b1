/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle end to end on real rootless Podman, through the built
 * ./isopod: the original validation (two work orders of one profile at once),
 * persistence across down/up, the password checked inside the pod, --cleanup
 * leaving a foreign volume alone, a held port, a missing image, idempotence,
 * concurrent ups, SIGINT at every API step, a SIGKILL during init.
 *
 * Each test uses its own work orders (t-life-<pid>-<x>), its own state
 * directory and ports (offsets 40-49 of ISOPOD_TEST_PORTS, default
 * 18890-18949, so 18930-18939), and removes what it made in its teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "podman/client.h"
#include "podman/exec.h"
#include "podman/objects.h"
#include "podman_test.h"
#include "ptest_wo.h"

#define ISOPOD ISO_ISOPOD_BIN
static int port_low = 18930; /* from ISOPOD_TEST_PORTS in setup */
#define PORT_LOW port_low
#define PORT_HIGH (port_low + 9)

static char state_dir[64];
static char wos[8][48];
static size_t n_wos;

static const char *wo(char letter)
{
	for (size_t i = 0; i < n_wos; i++)
		if (wos[i][strlen(wos[i]) - 1] == letter)
			return wos[i];
	snprintf(wos[n_wos], sizeof(wos[0]), "t-life-%d-%c", (int)getpid(), letter);
	return wos[n_wos++];
}

/* Run isopod with ARGS, its stdout and stderr collected; the exit code (128+sig when killed). */
#define run(out, errout, ...) run_checked(ptest_isopod(out, errout, __VA_ARGS__))
static int run_checked(int rc)
{
	assert_true(rc >= 0);
	return rc;
}

static int collect(void *ctx, enum podman_stream_id s, const char *data, size_t len)
{
	iso_buf_append(ctx, data, len);
	return 0;
}

/* Run CMD in CONTAINER (exec, with ENV "K=V" pairs); returns its exit code, output in *out. */
static int in_container(const char *container, const char *const *cmd, const struct podman_pair *env, size_t n_env,
			char **out)
{
	cleanup_podman_client struct podman_client *c = ptest_client();
	struct podman_exec_spec spec = {.cmd = cmd, .env = env, .n_env = n_env};
	struct iso_buf b;
	iso_buf_init(&b, 0);
	int code = -1;
	struct iso_error *err = NULL;
	if (podman_exec_run(c, container, &spec, collect, &b, &code, &err) < 0)
		fail_msg("exec in '%s': %s", container, err->msg);
	char *s = iso_buf_steal(&b, NULL);
	if (out)
		*out = s;
	else
		free(s);
	return code;
}

static int count_with_key(const char *kind, const char *w)
{
	cleanup_podman_client struct podman_client *c = ptest_client();
	char key[96];
	snprintf(key, sizeof(key), "hub/%s", w);
	struct podman_pair label = {"io.isopod.key", key};
	struct iso_error *err = NULL;
	size_t n = 0;
	if (!strcmp(kind, "pod")) {
		struct podman_pod *v = NULL;
		assert_int_equal(podman_pod_list(c, &label, &v, &n, &err), 0);
		podman_pod_list_free(v, n);
	} else if (!strcmp(kind, "volume")) {
		struct podman_volume *v = NULL;
		assert_int_equal(podman_volume_list(c, &label, &v, &n, &err), 0);
		podman_volume_list_free(v, n);
	} else {
		struct podman_container *v = NULL;
		assert_int_equal(podman_container_list(c, &label, &v, &n, &err), 0);
		podman_container_list_free(v, n);
	}
	return (int)n;
}

static int secret_exists(const char *w)
{
	cleanup_podman_client struct podman_client *c = ptest_client();
	char name[128];
	snprintf(name, sizeof(name), "db-hub-%s-password", w);
	struct podman_secret s;
	struct iso_error *err = NULL;
	if (podman_secret_inspect(c, name, &s, &err) == 0) {
		podman_secret_release(&s);
		return 1;
	}
	assert_true(podman_err_not_found(err));
	iso_error_free(err);
	return 0;
}

static int has_lease(const char *w)
{
	char *out = NULL;
	assert_int_equal(run(&out, NULL, "ports --json"), 0);
	int found = strstr(out, w) != NULL;
	free(out);
	return found;
}

/* Nothing of work order W exists: no pod, container, volume, secret or lease. */
static void assert_nothing_left(const char *w)
{
	assert_int_equal(count_with_key("pod", w), 0);
	assert_int_equal(count_with_key("container", w), 0);
	assert_int_equal(count_with_key("volume", w), 0);
	assert_false(secret_exists(w));
	assert_false(has_lease(w));
}

static int json_int(const char *doc, const char *key, long long *v)
{
	cleanup_json iso_json *j = iso_json_parse(doc, strlen(doc), 0, ISO_E_INTERNAL, "isopod output", NULL);
	return j ? iso_json_int(iso_json_path(j, "ports", key, NULL), v) : -1;
}

/* Needs no Podman: the bodies ask for it (a skip here would be a cmocka error). */
static int setup(void **state)
{
	snprintf(state_dir, sizeof(state_dir), "/tmp/isopod-life-XXXXXX");
	if (!mkdtemp(state_dir))
		return -1;
	setenv("ISOPOD_STATE_DIR", state_dir, 1);
	int lo = 18890, hi = 18949;
	const char *given = getenv("ISOPOD_TEST_PORTS");
	if (given && (sscanf(given, "%d-%d", &lo, &hi) != 2 || lo < 1 || hi > 65535 || hi - lo < 49)) {
		fprintf(stderr, "test_lifecycle: ISOPOD_TEST_PORTS='%s' is not LOW-HIGH with 50 ports\n", given);
		return -1;
	}
	port_low = lo + 40;
	char range[32];
	snprintf(range, sizeof(range), "%d-%d", PORT_LOW, PORT_HIGH);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_ODOO_IMAGE", ptest_odoo_image(), 1);
	setenv("ISOPOD_DB_IMAGE", ptest_db_image(), 1);
	unsetenv("ISOPOD_PROFILE");
	n_wos = 0;
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < n_wos; i++) {
		char *ignored = NULL; /* "unknown" for work orders a test already removed */
		run(NULL, &ignored, "down %s --cleanup --quiet", wos[i]);
		free(ignored);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The original validation: two work orders of one profile at once on two explicit ports. */
static void test_two_work_orders_at_once(void **state)
{
	ptest_require_podman();
	const char *a = wo('a'), *b = wo('b');
	pid_t pa = fork();
	if (pa == 0)
		_exit(run(NULL, NULL, "up %s --port %d --quiet", a, PORT_LOW + 1));
	int rb = run(NULL, NULL, "up %s --port %d --quiet", b, PORT_LOW + 2);
	int st;
	waitpid(pa, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(rb, 0);
	long status = 0;
	assert_int_equal(ptest_http_get(PORT_LOW + 1, "/web/login", &status, NULL), 0);
	assert_int_equal(status, 200);
	assert_int_equal(ptest_http_get(PORT_LOW + 2, "/web/login", &status, NULL), 0);
	assert_int_equal(status, 200);
	/* Each has its own database, and only its own. */
	char ctr[96], db_a[96], db_b[96];
	snprintf(db_a, sizeof(db_a), "hub_%s", a);
	snprintf(db_b, sizeof(db_b), "hub_%s", b);
	snprintf(ctr, sizeof(ctr), "db_hub_%s", a);
	const char *list[] = {"psql", "-U", "odoo", "-d", db_a, "-tAc", "SELECT datname FROM pg_database", NULL};
	char *out = NULL;
	assert_int_equal(in_container(ctr, list, NULL, 0, &out), 0);
	assert_non_null(strstr(out, db_a));
	assert_null(strstr(out, db_b));
	free(out);
}

/* A row written before down is there after up; a wrong password is refused inside the pod. */
static void test_data_survives_down_and_password_is_checked(void **state)
{
	ptest_require_podman();
	const char *a = wo('c');
	char *out = NULL;
	assert_int_equal(run(&out, NULL, "up %s --json --show-secrets --quiet", a), 0);
	cleanup_json iso_json *j = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "up", NULL);
	assert_non_null(j);
	const char *pw = iso_json_get_string(j, "db_password");
	assert_non_null(pw);
	assert_true(strlen(pw) >= 16);
	char ctr[96], db[96], pwenv[128];
	snprintf(ctr, sizeof(ctr), "db_hub_%s", a);
	snprintf(db, sizeof(db), "hub_%s", a);
	snprintf(pwenv, sizeof(pwenv), "%s", pw);
	free(out);

	/* Over TCP on 127.0.0.1, as Odoo connects: the password is checked. */
	const char *q[] = {"psql", "-h", "127.0.0.1", "-U", "odoo", "-d", db, "-tAc", "SELECT 1", NULL};
	struct podman_pair wrong[] = {{"PGPASSWORD", "not-the-password"}};
	char *msg = NULL;
	assert_int_not_equal(in_container(ctr, q, wrong, 1, &msg), 0);
	assert_non_null(strstr(msg, "password authentication failed"));
	free(msg);
	struct podman_pair right[] = {{"PGPASSWORD", pwenv}};
	assert_int_equal(in_container(ctr, q, right, 1, NULL), 0);

	const char *write[] = {"psql",
			       "-U",
			       "odoo",
			       "-d",
			       db,
			       "-c",
			       "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives down')",
			       NULL};
	assert_int_equal(in_container(ctr, write, NULL, 0, NULL), 0);
	assert_int_equal(run(NULL, NULL, "down %s --quiet", a), 0);
	assert_int_equal(count_with_key("pod", a), 0);
	assert_int_equal(count_with_key("volume", a), 2);
	assert_int_equal(run(NULL, NULL, "up %s --quiet", a), 0);
	const char *read[] = {"psql", "-U", "odoo", "-d", db, "-tAc", "SELECT v FROM kept", NULL};
	out = NULL;
	assert_int_equal(in_container(ctr, read, NULL, 0, &out), 0);
	assert_non_null(strstr(out, "survives down"));
	free(out);
}

/* --cleanup removes its own volumes and secret, and no other work order's, nor a foreign volume. */
static void test_cleanup_removes_only_its_own(void **state)
{
	ptest_require_podman();
	const char *a = wo('d'), *b = wo('e');
	assert_int_equal(run(NULL, NULL, "up %s --quiet", a), 0);
	assert_int_equal(run(NULL, NULL, "up %s --quiet", b), 0);
	/* A volume that shares the key label but not the others: not isopod's to delete. */
	cleanup_podman_client struct podman_client *c = ptest_client();
	char key[96], foreign[96];
	snprintf(key, sizeof(key), "hub/%s", a);
	snprintf(foreign, sizeof(foreign), "t-life-%d-foreign", (int)getpid());
	struct podman_pair labels[] = {{"io.isopod.key", key}};
	struct iso_error *err = NULL;
	assert_int_equal(podman_volume_create(c, foreign, labels, 1, NULL, &err), 0);
	assert_int_equal(count_with_key("volume", a), 3);

	char *out = NULL;
	assert_int_equal(run(&out, NULL, "down %s --cleanup --json", a), 0);
	assert_non_null(strstr(out, "\"secret_removed\": true"));
	free(out);
	assert_int_equal(count_with_key("pod", a), 0);
	assert_false(secret_exists(a));
	assert_false(has_lease(a));
	assert_int_equal(podman_volume_exists(c, foreign, &err), 1);
	assert_int_equal(count_with_key("volume", a), 1); /* the foreign one only */
	assert_int_equal(count_with_key("volume", b), 2);
	assert_true(secret_exists(b));
	assert_int_equal(podman_volume_remove(c, foreign, 0, &err), 0);
	/* Down again with nothing left: unknown. */
	assert_int_equal(run(NULL, NULL, "down %s --quiet", a), 3);
}

/* --port held by another program: exit 4, nothing made; without --port the next port is leased. */
static void test_held_port(void **state)
{
	ptest_require_podman();
	const char *a = wo('f');
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {
		.sin_family = AF_INET, .sin_port = htons(PORT_LOW), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	char *err = NULL;
	assert_int_equal(run(NULL, &err, "up %s --port %d", a, PORT_LOW), 4);
	char held[64];
	snprintf(held, sizeof(held), "%d", PORT_LOW);
	assert_non_null(strstr(err, held));
	free(err);
	assert_nothing_left(a);
	/* Without --port the next free port is leased; --verbose names the one skipped, the answer the new one. */
	char *out = NULL, *log = NULL;
	assert_int_equal(run(&out, &log, "up %s --json --verbose", a), 0);
	long long port = 0;
	assert_int_equal(json_int(out, "http", &port), 0);
	assert_true(port > PORT_LOW && port <= PORT_HIGH);
	snprintf(held, sizeof(held), "port %d on 127.0.0.1 is in use by another program", PORT_LOW);
	assert_non_null(strstr(log, held));
	free(out);
	free(log);
	close(fd);
}

static void test_missing_image_fails_cleanly(void **state)
{
	ptest_require_podman();
	const char *a = wo('g');
	cleanup_free char *image = xstrdup(ptest_odoo_image());
	setenv("ISOPOD_ODOO_IMAGE", "registry.invalid/x:1", 1);
	char *err = NULL;
	int rc = run(NULL, &err, "up %s", a);
	setenv("ISOPOD_ODOO_IMAGE", image, 1);
	assert_int_equal(rc, 6);
	assert_non_null(strstr(err, "registry.invalid/x:1"));
	free(err);
	assert_nothing_left(a);
}

/* A second up of a running work order makes no create or start call. */
static void test_up_twice_is_idempotent(void **state)
{
	ptest_require_podman();
	const char *a = wo('h');
	char *out1 = NULL, *out2 = NULL, *log = NULL;
	assert_int_equal(run(&out1, NULL, "up %s --json --quiet", a), 0);
	assert_int_equal(run(&out2, &log, "up %s --json --verbose", a), 0);
	assert_non_null(strstr(out2, "\"action\": \"already running\""));
	assert_non_null(strstr(log, "podman: GET")); /* the log is there, and it shows... */
	assert_null(strstr(log, "/create"));         /* ...no create call */
	assert_null(strstr(log, "/start"));          /* ...and no start call */
	long long p1 = 0, p2 = 0;
	assert_int_equal(json_int(out1, "http", &p1), 0);
	assert_int_equal(json_int(out2, "http", &p2), 0);
	assert_int_equal(p1, p2);
	free(out1);
	free(out2);
	free(log);
}

/* Two ups of one work order at once give one pod. */
static void test_concurrent_ups_give_one_pod(void **state)
{
	ptest_require_podman();
	const char *a = wo('i');
	pid_t p = fork();
	if (p == 0)
		_exit(run(NULL, NULL, "up %s --quiet", a));
	int r2 = run(NULL, NULL, "up %s --quiet", a);
	int st;
	waitpid(p, &st, 0);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(r2, 0);
	assert_int_equal(count_with_key("pod", a), 1);
	assert_int_equal(count_with_key("volume", a), 2);
}

/* SIGINT at each API step of a first up leaves nothing half-made, and the next up succeeds. */
static void test_sigint_at_each_step_rolls_back(void **state)
{
	ptest_require_podman();
	const char *a = wo('j');
	int steps = 0;
	for (int n = 1; n <= 60; n++) {
		int seen = 0;
		int rc = ptest_up_signalled(a, n, SIGINT, NULL, &seen);
		if (rc == 0) {
			/* The signal came after the last request: up finished; that ends the walk. */
			assert_true(n > 5);
			steps = n;
			break;
		}
		if (rc != 130)
			fail_msg("SIGINT at request %d: exit %d (wanted 130)", n, rc);
		if (count_with_key("pod", a) || count_with_key("container", a) || count_with_key("volume", a) ||
		    secret_exists(a) || has_lease(a))
			fail_msg("SIGINT at request %d left: %d pods, %d containers, %d volumes, secret %d, lease %d",
				 n, count_with_key("pod", a), count_with_key("container", a),
				 count_with_key("volume", a), secret_exists(a), has_lease(a));
	}
	assert_true(steps > 0);
	long status = 0;
	assert_int_equal(run(NULL, NULL, "down %s --cleanup --quiet", a), 0);
	assert_int_equal(run(NULL, NULL, "up %s --quiet", a), 0);
	char *out = NULL;
	assert_int_equal(run(&out, NULL, "up %s --json --quiet", a), 0);
	long long port = 0;
	assert_int_equal(json_int(out, "http", &port), 0);
	free(out);
	assert_int_equal(ptest_http_get((int)port, "/web/login", &status, NULL), 0);
	assert_int_equal(status, 200);
	print_message("  SIGINT walked through %d request steps of a first up\n", steps - 1);
}

/* An up killed (SIGKILL) during the database initialisation is completed by the next up. */
static void test_init_killed_is_completed_by_next_up(void **state)
{
	ptest_require_podman();
	const char *a = wo('k');
	int seen = 0;
	int rc = ptest_up_signalled(a, 0, SIGKILL, "initialising database", &seen);
	assert_int_equal(rc, 128 + SIGKILL);
	assert_true(count_with_key("volume", a) == 2);
	char *out = NULL;
	assert_int_equal(run(&out, NULL, "up %s --json --quiet", a), 0);
	long long port = 0;
	assert_int_equal(json_int(out, "http", &port), 0);
	free(out);
	long status = 0;
	assert_int_equal(ptest_http_get((int)port, "/web/login", &status, NULL), 0);
	assert_int_equal(status, 200);
	assert_int_equal(count_with_key("pod", a), 1);
}

/* A lost lease file is rebuilt from the pods' labels: the same port comes back, and up sees no drift. */
static void test_ports_rebuild_after_lost_lease_file(void **state)
{
	ptest_require_podman();
	const char *a = wo('l');
	char *out = NULL;
	assert_int_equal(run(&out, NULL, "up %s --json --quiet", a), 0);
	long long before = 0, after = 0;
	assert_int_equal(json_int(out, "http", &before), 0);
	free(out);
	char path[128];
	snprintf(path, sizeof(path), "%s/leases", state_dir);
	assert_int_equal(unlink(path), 0);
	assert_false(has_lease(a));
	out = NULL;
	assert_int_equal(run(&out, NULL, "ports --rebuild --json"), 0);
	assert_non_null(strstr(out, a));
	free(out);
	assert_true(has_lease(a));
	out = NULL;
	assert_int_equal(run(&out, NULL, "up %s --json --quiet", a), 0);
	assert_int_equal(json_int(out, "http", &after), 0);
	assert_int_equal(before, after);
	assert_non_null(strstr(out, "\"drift\": false"));
	assert_non_null(strstr(out, "already running"));
	free(out);
}

/*
 * Behind a tcp:// endpoint there are no PIDs to enter: readiness comes from
 * one-shot containers, the URL names the endpoint's host, --verify exits 10
 * before anything is made.  The test starts its own service on 127.0.0.1.
 */
static void test_remote_endpoint(void **state)
{
	ptest_require_podman();
	const char *a = wo('m');
	int port = PORT_HIGH; /* a port of the tests' own range, for the service */
	char url[64];
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	pid_t svc = fork();
	if (svc == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		unsetenv("CONTAINER_HOST"); /* with it set, podman would be a remote client, not a service */
		execlp("podman", "podman", "system", "service", "--time=0", url, (char *)NULL);
		_exit(127);
	}
	char saved[256];
	snprintf(saved, sizeof(saved), "%s", getenv("CONTAINER_HOST") ? getenv("CONTAINER_HOST") : "");
	setenv("CONTAINER_HOST", url, 1);
	char range[32];
	snprintf(range, sizeof(range), "%d-%d", PORT_LOW, PORT_HIGH - 1); /* not the service's */
	setenv("ISOPOD_PORTS", range, 1);
	int rc_version = 5;
	for (int i = 0; i < 100 && rc_version != 0; i++) {
		char *ignored = NULL;
		rc_version = run(NULL, &ignored, "version --no-start");
		free(ignored);
		if (rc_version)
			usleep(100 * 1000);
	}
	char *out = NULL, *err = NULL;
	int rc_verify = run(NULL, &err, "up %s --verify", a);
	int rc_up = run(&out, NULL, "up %s --json --quiet", a);
	int rc_down = run(NULL, NULL, "down %s --cleanup --quiet", a);
	kill(svc, SIGTERM);
	waitpid(svc, NULL, 0);
	if (saved[0])
		setenv("CONTAINER_HOST", saved, 1);
	else
		unsetenv("CONTAINER_HOST");
	assert_int_equal(rc_version, 0);
	assert_int_equal(rc_verify, 10);
	assert_non_null(strstr(err, "remote endpoint"));
	assert_int_equal(rc_up, 0);
	assert_non_null(strstr(out, "\"url\": \"http://127.0.0.1:"));
	assert_int_equal(rc_down, 0);
	free(out);
	free(err);
	assert_nothing_left(a);
}

/* ls judges drift against the repository the pod was made in, wherever it runs. */
static void test_ls_drift_follows_the_pods_repository(void **state)
{
	ptest_require_podman();
	const char *a = wo('n');
	char repo[96], git[128], here[4096];
	snprintf(repo, sizeof(repo), "%s/repo", state_dir);
	snprintf(git, sizeof(git), "%s/.git", repo);
	assert_int_equal(iso_mkdir_p(git, 0700, NULL), 0);
	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(repo), 0);
	int rc = run(NULL, NULL, "up %s --quiet", a);
	assert_int_equal(chdir("/"), 0);
	char *out = NULL;
	int rc_ls = run(&out, NULL, "ls --json");
	char *out_up = NULL;
	int rc_up = run(&out_up, NULL, "up %s --json --quiet", a);
	assert_int_equal(chdir(here), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(rc_ls, 0);
	cleanup_json iso_json *doc = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "ls", NULL);
	const iso_json *rows = iso_json_get(doc, "work_orders");
	int found = 0;
	for (size_t i = 0; i < iso_json_len(rows); i++) {
		const iso_json *row = iso_json_at(rows, i);
		if (!strcmp(iso_json_get_string(row, "work_order") ?: "", a)) {
			int drift = 1;
			assert_int_equal(iso_json_bool(iso_json_get(row, "drift"), &drift), 0);
			assert_false(drift);
			found = 1;
		}
	}
	assert_true(found);
	/* From another directory `up` would mount other things: that is drift, and it says so. */
	assert_int_equal(rc_up, 0);
	assert_non_null(strstr(out_up, "\"drift\": true"));
	free(out);
	free(out_up);
}

/* --json is one document: up --verify --json carries the isolation report inside up's answer. */
static void test_up_verify_json_is_one_document(void **state)
{
	ptest_require_podman();
	const char *a = wo('o');
	char *out = NULL;
	assert_int_equal(run(&out, NULL, "up %s --verify --json --quiet", a), 0);
	struct iso_error *err = NULL;
	cleanup_json iso_json *doc = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "up --verify --json", &err);
	if (!doc)
		fail_msg("not one JSON document: %s\n%s", err ? err->msg : "?", out);
	const iso_json *v = iso_json_get(doc, "verify");
	int ok = 0;
	assert_int_equal(iso_json_bool(iso_json_get(v, "ok"), &ok), 0);
	assert_true(ok);
	assert_int_equal(iso_json_len(iso_json_get(v, "checks")), 6);
	assert_string_equal(iso_json_get_string(doc, "work_order"), a);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_work_orders_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_survives_down_and_password_is_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleanup_removes_only_its_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_image_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_twice_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_ups_give_one_pod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigint_at_each_step_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_killed_is_completed_by_next_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports_rebuild_after_lost_lease_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_endpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ls_drift_follows_the_pods_repository, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_verify_json_is_one_document, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
