/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_mcp: `tools/call ls` on a warm `isopod mcp` against `isopod ls
 * --json` run as a process, with 10 work orders up (issue 16: the call at
 * most 0.5x the process), and the idle server's RssAnon against isopod's
 * own (at most 2 MB over it).  The two are timed in turn, N times each, in
 * one run: medians with min-max, and the ratio.  RssAnon of the server:
 * just after initialize (nothing served yet) and idle again after the ups
 * and the timed calls; isopod's own: the peak of an `isopod ls --json`
 * process (/proc/PID/status sampled every 0.2 ms while it runs).  And the
 * floor under both: ls's own two Podman requests (pods and volumes by
 * label) on one warm connection, timed in the same turns, and the call
 * on a second server started with ISOPOD_MCP_CACHE=0 (the ls cache off:
 * what a call costs right after a change).  The same are timed first
 * with no work order, on one line.  The cached server's watcher (its one
 * child when idle) has its RssAnon printed beside the server's.
 *
 * The 10 work orders (bench-mcp-PID-N by default) are brought up through the server
 * itself, all at once, in a state directory of their own with ports from
 * the low end of ISOPOD_TEST_PORTS, and removed with down --cleanup after.
 * Env: ISOPOD_BENCH_BIN (bench/run.sh sets it), BENCH_MCP_RUNS (default
 * 40), BENCH_MCP_PREFIX (the work orders' prefix), ISOPOD_TEST_PORTS.  Skips (exit 0) when Podman does not answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "podman/client.h"
#include "podman/objects.h"

#define N_WO 10

static const char *bin;
/* A server: the cached one (the figures), and one with ISOPOD_MCP_CACHE=0 beside it. */
struct srv {
	pid_t pid;
	int to, from;
	char inbuf[1 << 20];
	size_t inlen;
};
static struct srv cached, uncached;

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

static long rss_anon_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "RssAnon:", 8))
			kb = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static int start_server(struct srv *s, int cache)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	s->pid = fork();
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (!cache)
			setenv("ISOPOD_MCP_CACHE", "0", 1);
		execl(bin, bin, "mcp", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->to = in[1], s->from = out[0];
	return s->pid > 0 ? 0 : -1;
}

/* The server's one child once its calls are done: the ls cache's watcher (0 when none). */
static pid_t watcher_of(pid_t server)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)server, (int)server);
	FILE *f = fopen(path, "r");
	int pid = 0;
	if (f && fscanf(f, "%d", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	return pid;
}

/* The next response (a line with a numeric "id"; notifications skipped), malloc'd, its id in *ID; NULL at EOF. */
static char *next_response(struct srv *s, long *id)
{
	for (;;) {
		char *nl;
		while ((nl = memchr(s->inbuf, '\n', s->inlen))) {
			size_t n = (size_t)(nl - s->inbuf);
			cleanup_json iso_json *j = iso_json_parse(s->inbuf, n, 0, ISO_E_INTERNAL, "response", NULL);
			long long v;
			char *msg = NULL;
			if (iso_json_int(iso_json_get(j, "id"), &v) == 0)
				msg = strndup(s->inbuf, n), *id = (long)v;
			memmove(s->inbuf, nl + 1, s->inlen - n - 1);
			s->inlen -= n + 1;
			if (msg)
				return msg;
		}
		ssize_t k = read(s->from, s->inbuf + s->inlen, sizeof(s->inbuf) - s->inlen);
		if (k <= 0)
			return NULL;
		s->inlen += (size_t)k;
	}
}

/* Send LINE (or nothing); the response to ID, malloc'd (others read on the way are dropped). */
static char *rpc_to(struct srv *s, long id, const char *line)
{
	if (line && iso_write_all(s->to, line, strlen(line)) < 0)
		return NULL;
	long got = -1;
	char *r;
	while ((r = next_response(s, &got)) && got != id)
		free(r);
	return r;
}

static char *call_to(struct srv *s, long id, const char *tool, const char *args)
{
	char line[512];
	snprintf(line, sizeof(line),
		 "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
		 "\"arguments\":%s}}\n",
		 id, tool, args);
	return rpc_to(s, id, line);
}

static char *call(long id, const char *tool, const char *args)
{
	return call_to(&cached, id, tool, args);
}

/* `isopod ls --json` as a process, its stdout read to the end: wall ms; *PEAK its RssAnon peak if not NULL. */
static double ls_process(long *peak)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	int64_t t0 = iso_now_us();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(bin, bin, "ls", "--json", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char b[65536];
	long max = 0;
	if (peak) {
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		for (;;) {
			long kb = rss_anon_kb(pid);
			max = kb > max ? kb : max;
			ssize_t k = read(p[0], b, sizeof(b));
			if (k == 0)
				break;
			struct timespec ts = {0, 200 * 1000};
			if (k < 0)
				nanosleep(&ts, NULL);
		}
		*peak = max;
	}
	while (read(p[0], b, sizeof(b)) > 0)
		;
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	double ms = (double)(iso_now_us() - t0) / 1e3;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? ms : -1;
}

/* ls's own two Podman requests on one warm connection: the floor of any ls; ms, or -1. */
static double api_floor(struct podman_client *pc)
{
	const struct podman_pair label = {"io.isopod.schema", "1"};
	struct podman_pod *pods = NULL;
	struct podman_volume *vols = NULL;
	size_t np = 0, nv = 0;
	struct iso_error *e = NULL;
	int64_t t0 = iso_now_us();
	int rc = podman_pod_list(pc, &label, &pods, &np, &e);
	if (rc == 0)
		rc = podman_volume_list(pc, &label, &vols, &nv, &e);
	double ms = (double)(iso_now_us() - t0) / 1e3;
	podman_pod_list_free(pods, np);
	podman_volume_list_free(vols, nv);
	iso_error_free(e);
	return rc < 0 ? -1 : ms;
}

static int count_listed(const char *resp, const char *prefix)
{
	cleanup_json iso_json *j = iso_json_parse(resp, strlen(resp), 0, ISO_E_INTERNAL, "response", NULL);
	const iso_json *rows = iso_json_path(j, "result", "structuredContent", "work_orders", NULL);
	int n = 0;
	for (size_t i = 0; i < iso_json_len(rows); i++) {
		const char *w = iso_json_get_string(iso_json_at(rows, i), "work_order");
		n += w && !strncasecmp(w, prefix, strlen(prefix));
	}
	return n;
}

static int env_setup(char *state, size_t size)
{
	const char *r = getenv("ISOPOD_TEST_PORTS");
	int lo = r ? atoi(r) : 18890;
	char ports[32];
	snprintf(state, size, "/tmp/isopod-bench-mcp-XXXXXX");
	if (!mkdtemp(state))
		return -1;
	snprintf(ports, sizeof(ports), "%d-%d", lo, lo + N_WO - 1);
	setenv("ISOPOD_STATE_DIR", state, 1);
	setenv("ISOPOD_PORTS", ports, 1);
	setenv("ISOPOD_TEMPLATE", "never", 1);
	unsetenv("ISOPOD_PROFILE");
	return 0;
}

/* Up the N_WO work orders through the server, all at once: 0 when every one answered without isError. */
static int ups(const char *prefix)
{
	char line[512];
	for (int i = 0; i < N_WO; i++) {
		snprintf(line, sizeof(line),
			 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"up\","
			 "\"arguments\":{\"work_order\":\"%s-%d\"}}}\n",
			 100 + i, prefix, i);
		if (iso_write_all(cached.to, line, strlen(line)) < 0)
			return -1;
	}
	int bad = 0;
	for (int i = 0; i < N_WO; i++) { /* the answers come in the order the ups end */
		long id = -1;
		char *r = next_response(&cached, &id);
		if (!r || strstr(r, "\"isError\":true")) {
			fprintf(stderr, "bench_mcp: up %ld: %.300s\n", id - 100, r ? r : "no answer");
			bad++;
		}
		free(r);
	}
	return bad ? -1 : 0;
}

static void downs(const char *prefix)
{
	for (int i = 0; i < N_WO; i++) {
		char a[128];
		snprintf(a, sizeof(a), "{\"work_order\":\"%s-%d\",\"cleanup\":true,\"confirm\":true}", prefix, i);
		free(call(200 + i, "down", a));
	}
}

static void report(const char *what, double *v, int n)
{
	double lo = v[0], hi = v[0];
	for (int i = 1; i < n; i++)
		lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
	printf("%-34s median %7.2f ms  (min %.2f, max %.2f, %d runs)\n", what, median(v, n), lo, hi, n);
}

static void nap_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The timed turns with N_UP work orders up, and the figures (RSS ones when RSS_FRESH >= 0): 0, or 1 on a failure. */
static int measure(const char *prefix, int runs, int n_up, long rss_fresh)
{
	double *mcp = xzalloc(sizeof(double) * (size_t)runs), *proc = xzalloc(sizeof(double) * (size_t)runs);
	double *api = xzalloc(sizeof(double) * (size_t)runs), *off = xzalloc(sizeof(double) * (size_t)runs);
	long id = 1000, peak = 0;
	int rc = 0;
	struct podman_client_opts po = {0};
	struct podman_client *pc = podman_client_new(&po, NULL);
	if (!pc || podman_connect(pc, NULL) < 0)
		rc = 1;
	for (int i = 0; i < 5 && !rc; i++) /* warm: the first calls pay page faults and the API's caches */
		free(call(id++, "ls", "{}")), free(call_to(&uncached, id++, "ls", "{}")), ls_process(NULL),
			api_floor(pc);
	for (int i = 0; i < runs && !rc; i++) {
		for (int k = 0; k < 2; k++) {
			struct srv *s = k ? &uncached : &cached;
			int64_t t0 = iso_now_us();
			char *r = call_to(s, id++, "ls", "{}");
			(k ? off : mcp)[i] = (double)(iso_now_us() - t0) / 1e3;
			if (!r || count_listed(r, prefix) != n_up) {
				fprintf(stderr, "bench_mcp: ls did not list the %d work orders: %.300s\n", n_up,
					r ? r : "");
				rc = 1;
			}
			free(r);
		}
		proc[i] = ls_process(NULL);
		api[i] = api_floor(pc);
		rc |= proc[i] < 0 || api[i] < 0;
	}
	podman_client_free(pc);
	ls_process(&peak);
	nap_ms(1000);
	long rss_warm = rss_anon_kb(cached.pid);
	pid_t w = watcher_of(cached.pid);
	long rss_watch = w > 0 ? rss_anon_kb(w) : -1;
	if (!rc && rss_fresh < 0) {
		double mm = median(mcp, runs), mp = median(proc, runs), ma = median(api, runs);
		printf("ls with no work orders: call %.2f ms (cache off %.2f), process %.2f ms, Podman %.2f ms "
		       "(medians "
		       "of %d): ratio %.2fx\n",
		       mm, median(off, runs), mp, ma, runs, mm / mp);
	} else if (!rc) {
		double mm = median(mcp, runs), mp = median(proc, runs), ma = median(api, runs);
		printf("ls with %d work orders up, tools/call on a warm server vs a process, same run:\n", n_up);
		report("  tools/call ls (round trip)", mcp, runs);
		report("  the same, ISOPOD_MCP_CACHE=0", off, runs);
		report("  isopod ls --json (process)", proc, runs);
		report("  its 2 Podman requests (floor)", api, runs);
		printf("  ratio %.2fx (target <= 0.5x: %s); over the floor: call %+.2f ms, process %+.2f ms\n", mm / mp,
		       mm / mp <= 0.5 ? "met" : "MISSED", mm - ma, mp - ma);
		printf("idle server RssAnon: %ld kB fresh, %ld kB after %d ups and %d calls; isopod ls --json peak %ld "
		       "kB\n",
		       rss_fresh, rss_warm, N_WO, runs + 5, peak);
		long both = rss_warm + (rss_watch > 0 ? rss_watch : 0);
		printf("  its ls cache's watcher (pid %d) RssAnon %ld kB (counted whole, though most is the server's "
		       "pages shared copy-on-write)\n",
		       (int)w, rss_watch);
		printf("  idle server alone over isopod's own: %+ld kB; server and watcher together: %+ld kB (target "
		       "<= "
		       "2048 kB: %s)\n",
		       rss_warm - peak, both - peak, both - peak <= 2048 ? "met" : "MISSED");
	}
	free(mcp);
	free(proc);
	free(api);
	free(off);
	return rc;
}

int main(void)
{
	bin = getenv("ISOPOD_BENCH_BIN") ? getenv("ISOPOD_BENCH_BIN") : "isopod";
	int runs = getenv("BENCH_MCP_RUNS") ? atoi(getenv("BENCH_MCP_RUNS")) : 40;
	runs = runs < 3 ? 3 : runs > 1000 ? 1000 : runs;
	char state[64], prefix[48];
	const char *pre = getenv("BENCH_MCP_PREFIX");
	snprintf(prefix, sizeof(prefix), "%.20s-%d", pre && *pre ? pre : "bench-mcp", (int)getpid());
	signal(SIGPIPE, SIG_IGN);
	if (env_setup(state, sizeof(state)) < 0 || start_server(&cached, 1) < 0 || start_server(&uncached, 0) < 0)
		return 1;
	static const char init[] =
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
		"\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"0\"}}}\n"
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
	free(rpc_to(&cached, 1, init));
	free(rpc_to(&uncached, 1, init));
	nap_ms(300);
	long rss_fresh = rss_anon_kb(cached.pid);
	char *r = call(2, "version", "{}");
	int podman = r && !strstr(r, "\"isError\":true"), rc = 0;
	free(r);
	if (!podman)
		fprintf(stderr, "bench_mcp: skipped: Podman does not answer (isopod version failed)\n");
	else {
		rc = measure(prefix, runs, 0, -1) || ups(prefix) < 0 || measure(prefix, runs, N_WO, rss_fresh);
		downs(prefix);
	}
	close(cached.to);
	close(uncached.to);
	int st;
	waitpid(cached.pid, &st, 0);
	waitpid(uncached.pid, &st, 0);
	char *rm[] = {"rm", "-rf", state, NULL};
	pid_t p = fork();
	if (p == 0) {
		execvp("rm", rm);
		_exit(127);
	}
	waitpid(p, &st, 0);
	return rc;
}
