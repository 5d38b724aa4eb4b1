/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_test: `isopod test`'s own overhead (issue 15) over the same Odoo
 * command run as a one-shot container through the API, in one run.
 *
 * One work order is brought up (`isopod up`, untimed) with a throwaway
 * repository whose addons hold tests/addons/isopod_test_pass.  Then, BENCH_N
 * times (default 9), interleaved:
 *   api   the test run's exact command (`odoo -d DB -i M -u M --test-enable
 *         ... --test-tags /M`) as a one-shot in the pod through the API on a
 *         connected client: create, start, wait, logs, remove
 *         (lifecycle_run_oneshot, timed around that call alone);
 *   cli   `isopod test WO M --json` as a process, from fork to exit: config,
 *         connection, lock, the pod's inspect, the same one-shot with its log
 *         followed and read, the report.
 * Prints both medians with min-max and the overhead (cli - api, of the
 * medians; target <= 150 ms).  Work order t-btest-<pid> on the 46th-50th
 * port of ISOPOD_TEST_PORTS, its own state directory; removed at the end
 * (`down --cleanup`).  Skips without Podman or the stand-in image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "cmd/cmd.h"
#include "cmd/test.h"
#include "workorder/workorder.h"

#define MAXN 50

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run(char *const argv[], int quiet)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		if (quiet) {
			freopen("/dev/null", "w", stdout);
			freopen("/dev/null", "w", stderr);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The API variant: the same one-shot, on a connected client; its wall time in ms, < 0 on failure. */
static double api_once(const char *wo, const char *repo)
{
	struct iso_config_flags flags = {.repo = repo};
	struct wo_ctx w;
	struct iso_error *e = NULL;
	struct wo_run r = {.w = &w};
	struct test_plan plan = {.mode = TEST_MODE_AUTO};
	char *names[] = {"isopod_test_pass", NULL};
	double ms = -1;
	if (wo_ctx_init(&w, wo, &flags, WO_NEED_PODMAN, &e) == 0 && cmd_odoo_need_up(&r, 1, &e) == 0 &&
	    test_plan_modules(&plan, w.cfg.repo_dir, names, &e) == 0) {
		char *own[2] = {NULL, NULL};
		const char **argv = test_plan_argv(&plan, w.names.database, own);
		int code = -1;
		char *out = NULL;
		int64_t t0 = iso_now_us();
		if (lifecycle_run_oneshot(&r, WO_ONESHOT_ODOO, argv, &code, &out, &e) == 0 && code == 0)
			ms = (double)(iso_now_us() - t0) / 1e3;
		else if (!e)
			fprintf(stderr, "bench_test: the one-shot exited %d:\n%s\n", code, out ? out : "");
		free(out);
		free(own[0]);
		free(own[1]);
		free(argv);
	}
	if (e)
		fprintf(stderr, "bench_test: %s\n", e->msg);
	iso_error_free(e);
	test_plan_release(&plan);
	wo_ctx_release(&w);
	return ms;
}

static double cli_once(const char *bin, const char *wo)
{
	char *argv[] = {(char *)bin, "test", (char *)wo, "isopod_test_pass", "--json", NULL};
	int64_t t0 = iso_now_us();
	int rc = run(argv, 1);
	double ms = (double)(iso_now_us() - t0) / 1e3;
	if (rc != 0) {
		fprintf(stderr, "bench_test: isopod test exited %d\n", rc);
		return -1;
	}
	return ms;
}

static int setup(char *state, char *repo, size_t size)
{
	const char *ports = getenv("ISOPOD_TEST_PORTS") ? getenv("ISOPOD_TEST_PORTS") : "18890-18949";
	int lo = atoi(ports);
	char range[64];
	snprintf(range, sizeof range, "%d-%d", lo + 45, lo + 49);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_TEMPLATE", "never", 1);
	if (!mkdtemp(state))
		return -1;
	chmod(state, 0711);
	setenv("ISOPOD_STATE_DIR", state, 1);
	snprintf(repo, size, "%s/repo", state);
	char addons[300];
	snprintf(addons, sizeof addons, "%s/addons", repo);
	mkdir(repo, 0755);
	mkdir(addons, 0755);
	char *cp[] = {"cp", "-R", ISO_SRCDIR "/tests/addons/isopod_test_pass", addons, NULL};
	return run(cp, 0) == 0 ? 0 : -1;
}

int main(void)
{
	const char *bin = getenv("ISOPOD_BENCH_BIN") ? getenv("ISOPOD_BENCH_BIN") : ISO_ISOPOD_BIN;
	int n = getenv("BENCH_N") ? atoi(getenv("BENCH_N")) : 9;
	if (n < 1 || n > MAXN)
		n = 9;
	if (!getenv("CONTAINER_HOST") && !getenv("XDG_RUNTIME_DIR")) {
		printf("bench_test: skipped: no Podman (no CONTAINER_HOST, no XDG_RUNTIME_DIR)\n");
		return 0;
	}
	char state[] = "/tmp/isopod-btest-XXXXXX", repo[200], wo[64];
	if (setup(state, repo, sizeof repo) < 0) {
		fprintf(stderr, "bench_test: cannot make the state directory and repository\n");
		return 1;
	}
	snprintf(wo, sizeof wo, "t-btest-%d", (int)getpid());
	char *up[] = {(char *)bin, "up", wo, "--repo", repo, "--json", NULL};
	char *down[] = {(char *)bin, "down", wo, "--cleanup", "--json", NULL};
	int rc = 1;
	if (run(up, 1) != 0) {
		printf("bench_test: skipped: isopod up %s failed (no Podman or no stand-in image?)\n", wo);
		rc = 0;
		goto out;
	}
	double api[MAXN], cli[MAXN];
	/* One untimed run of each: the image's files and the module's bytecode warm. */
	if (api_once(wo, repo) < 0 || cli_once(bin, wo) < 0)
		goto out;
	for (int i = 0; i < n; i++)
		if ((api[i] = api_once(wo, repo)) < 0 || (cli[i] = cli_once(bin, wo)) < 0)
			goto out;
	double amin = api[0], amax = api[0], cmin = cli[0], cmax = cli[0];
	for (int i = 0; i < n; i++) {
		amin = api[i] < amin ? api[i] : amin, amax = api[i] > amax ? api[i] : amax;
		cmin = cli[i] < cmin ? cli[i] : cmin, cmax = cli[i] > cmax ? cli[i] : cmax;
	}
	double ma = median(api, n), mc = median(cli, n);
	printf("isopod test vs the same one-shot through the API, median of %d (min-max):\n", n);
	printf("  api one-shot (create, start, wait, logs, remove): %.0f ms (%.0f-%.0f)\n", ma, amin, amax);
	printf("  isopod test WO isopod_test_pass --json:          %.0f ms (%.0f-%.0f)\n", mc, cmin, cmax);
	printf("  overhead %.0f ms (target <= 150 ms): %s; ratio %.2fx\n", mc - ma, mc - ma <= 150 ? "met" : "MISSED",
	       mc / ma);
	rc = 0;
out:
	run(down, 1);
	char *rm[] = {"rm", "-rf", state, NULL};
	run(rm, 1);
	return rc;
}
