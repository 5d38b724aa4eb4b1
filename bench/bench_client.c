/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_client: a container create, start, stop, remove sequence through
 * the client against the same sequence with the podman CLI, in one run.
 * Prints medians, the ratio, the client's own CPU time for one sequence
 * (getrusage; the budget is 10 ms) and process start-up on its own line.
 * Env: BENCH_RUNS (default 5), BENCH_IMAGE (default localhost/isopod-postgres:15).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/util.h"
#include "podman/client.h"
#include "podman/objects.h"

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

static double cpu_ms(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

static int run(char *const argv[])
{
	pid_t p = fork();
	if (p == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	int64_t t0 = iso_now_us();
	int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : 5;
	const char *image = getenv("BENCH_IMAGE") ? getenv("BENCH_IMAGE") : "localhost/isopod-postgres:15";
	struct iso_error *e = NULL;
	struct podman_client_opts o = {0};
	struct podman_client *c = podman_client_new(&o, &e);
	if (!c || podman_connect(c, &e) < 0) {
		fprintf(stderr, "bench_client: skipped: %s\n", e ? e->msg : "?");
		return 0;
	}
	printf("startup: %.2f ms (client made and connected)\n", (iso_now_us() - t0) / 1e3);
	fflush(stdout); /* the CLI runs fork: no duplicated buffer */
	if (runs < 1 || runs > 100)
		runs = 5;
	double api[100], cli[100], cpu[100];
	char name[64];
	const char *cmd[] = {"sleep", "300", NULL};
	snprintf(name, sizeof name, "t-podman-bench-%d", (int)getpid());
	for (int i = 0; i < runs; i++) {
		struct podman_container_spec s = {.name = name, .image = image, .command = cmd};
		char *id = NULL;
		double c0 = cpu_ms();
		int64_t w0 = iso_now_us();
		if (podman_container_create(c, &s, &id, &e) < 0 || podman_container_start(c, name, &e) < 0 ||
		    podman_container_stop(c, name, 0, &e) < 0 || podman_container_remove(c, name, 1, &e) < 0) {
			fprintf(stderr, "bench_client: %s\n", e->msg);
			return 1;
		}
		api[i] = (iso_now_us() - w0) / 1e3;
		cpu[i] = cpu_ms() - c0;
		free(id);
		int64_t w1 = iso_now_us();
		char *a1[] = {"podman", "create", "--name", name, (char *)image, "sleep", "300", NULL};
		char *a2[] = {"podman", "start", name, NULL};
		char *a3[] = {"podman", "stop", "-t", "0", name, NULL};
		char *a4[] = {"podman", "rm", "-f", "-v", name, NULL};
		if (run(a1) || run(a2) || run(a3) || run(a4)) {
			fprintf(stderr, "bench_client: the podman CLI sequence failed\n");
			return 1;
		}
		cli[i] = (iso_now_us() - w1) / 1e3;
	}
	double ma = median(api, runs), mc = median(cli, runs), mcpu = median(cpu, runs);
	printf("create+start+stop+remove, median of %d: client %.1f ms, podman CLI %.1f ms, ratio %.2fx\n", runs, ma,
	       mc, mc / ma);
	printf("client CPU per sequence: %.2f ms (budget 10 ms): %s\n", mcpu, mcpu <= 10 ? "ok" : "OVER");
	podman_client_free(c);
	return mcpu <= 10 ? 0 : 1;
}
