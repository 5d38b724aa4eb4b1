/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rsspeak: run a command and sample its RssAnon (private anonymous memory,
 * /proc/PID/status) every INTERVAL microseconds until it exits; report the
 * peak.  Only the command's own process is sampled, not its children.
 *
 *   rsspeak [-i USEC] [-o FILE] -- CMD [ARGS...]
 *
 * Writes "rss_anon_peak_kb=N vm_hwm_kb=N samples=N" to FILE (default
 * stderr) and exits with the command's status (128+signal when killed).
 * Built by bench/bench_peers.sh, not by the Makefile (it is no benchmark).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The values of "RssAnon:" and "VmHWM:" in kB; 0 when absent (a zombie has neither). */
static int sample(pid_t pid, long *rss_anon, long *hwm)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	*rss_anon = 0;
	*hwm = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "RssAnon:", 8))
			*rss_anon = strtol(line + 8, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			*hwm = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	long interval_us = 2000;
	const char *out = NULL;
	int c;
	while ((c = getopt(argc, argv, "+i:o:")) != -1) {
		switch (c) {
		case 'i':
			interval_us = strtol(optarg, NULL, 10);
			if (interval_us < 100)
				interval_us = 100;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr, "usage: rsspeak [-i USEC] [-o FILE] -- CMD [ARGS...]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: rsspeak [-i USEC] [-o FILE] -- CMD [ARGS...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("rsspeak: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rsspeak: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	long peak = 0, hwm = 0, samples = 0;
	int status = 0;
	struct timespec ts = {.tv_sec = interval_us / 1000000, .tv_nsec = (interval_us % 1000000) * 1000};
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("rsspeak: waitpid");
			return 2;
		}
		long ra, h;
		if (sample(pid, &ra, &h) == 0) {
			samples++;
			if (ra > peak)
				peak = ra;
			if (h > hwm)
				hwm = h;
		}
		nanosleep(&ts, NULL);
	}
	FILE *f = out ? fopen(out, "we") : stderr;
	if (!f) {
		perror("rsspeak: output file");
		return 2;
	}
	fprintf(f, "rss_anon_peak_kb=%ld vm_hwm_kb=%ld samples=%ld\n", peak, hwm, samples);
	if (out)
		fclose(f);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
