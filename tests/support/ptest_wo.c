/* SPDX-License-Identifier: Apache-2.0 */
/* What exists of a work order, by its labels: see ptest_wo.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podman/client.h"
#include "podman/objects.h"
#include "podman_test.h"
#include "ptest_wo.h"

struct podman_client *ptest_client(void)
{
	struct podman_client_opts o = {0};
	struct iso_error *err = NULL;
	struct podman_client *c = podman_client_new(&o, &err);
	if (!c || podman_connect(c, &err) < 0)
		fail_msg("podman client: %s", err ? err->msg : "?");
	return c;
}

int ptest_wo_count(const char *kind, const char *profile, const char *wo)
{
	struct podman_client *c = ptest_client();
	char key[128];
	snprintf(key, sizeof(key), "%s/%s", profile, wo);
	struct podman_pair label = {"io.isopod.key", key};
	struct iso_error *err = NULL;
	size_t n = 0;
	int rc;
	if (!strcmp(kind, "pod")) {
		struct podman_pod *v = NULL;
		rc = podman_pod_list(c, &label, &v, &n, &err);
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (v[i].n_containers != 3) /* infra, Postgres, Odoo: a pod with fewer counts as half */
				fail_msg("pod %s of %s has %zu containers", v[i].name, wo, v[i].n_containers);
		podman_pod_list_free(v, n);
	} else if (!strcmp(kind, "volume")) {
		struct podman_volume *v = NULL;
		rc = podman_volume_list(c, &label, &v, &n, &err);
		podman_volume_list_free(v, n);
	} else {
		struct podman_container *v = NULL;
		rc = podman_container_list(c, &label, &v, &n, &err);
		podman_container_list_free(v, n);
	}
	if (rc < 0)
		fail_msg("listing %ss of %s: %s", kind, wo, err->msg);
	podman_client_free(c);
	return (int)n;
}

int ptest_wo_secret(const char *profile, const char *wo)
{
	struct podman_client *c = ptest_client();
	char name[160];
	snprintf(name, sizeof(name), "db-%s-%s-password", profile, wo);
	struct podman_secret s;
	struct iso_error *err = NULL;
	int found = podman_secret_inspect(c, name, &s, &err) == 0;
	if (found)
		podman_secret_release(&s);
	else if (!podman_err_not_found(err))
		fail_msg("inspect secret %s: %s", name, err->msg);
	iso_error_free(err);
	podman_client_free(c);
	return found;
}

int ptest_wo_leased(const char *wo)
{
	char *out = NULL;
	int rc = ptest_isopod(&out, NULL, "ports --json");
	if (rc != 0)
		fail_msg("isopod ports --json: exit %d", rc);
	char quoted[128];
	snprintf(quoted, sizeof(quoted), "\"%s\"", wo);
	int found = out && strstr(out, quoted) != NULL;
	free(out);
	return found;
}

void ptest_wo_assert_healthy(const char *profile, const char *wo)
{
	int pods = ptest_wo_count("pod", profile, wo), ctrs = ptest_wo_count("container", profile, wo);
	int vols = ptest_wo_count("volume", profile, wo), secret = ptest_wo_secret(profile, wo);
	int lease = ptest_wo_leased(wo);
	if (pods != 1 || ctrs != 3 || vols != 2 || !secret || !lease)
		fail_msg("%s is not the healthy set: %d pods, %d containers, %d volumes, secret %d, lease %d", wo, pods,
			 ctrs, vols, secret, lease);
}

void ptest_wo_assert_gone(const char *profile, const char *wo)
{
	int pods = ptest_wo_count("pod", profile, wo), ctrs = ptest_wo_count("container", profile, wo);
	int vols = ptest_wo_count("volume", profile, wo), secret = ptest_wo_secret(profile, wo);
	int lease = ptest_wo_leased(wo);
	if (pods || ctrs || vols || secret || lease)
		fail_msg("%s left: %d pods, %d containers, %d volumes, secret %d, lease %d", wo, pods, ctrs, vols,
			 secret, lease);
}

int ptest_wo_env(char *state_dir, size_t size, const char *tag, int offset, int n)
{
	snprintf(state_dir, size, "/tmp/isopod-%s-XXXXXX", tag);
	if (!mkdtemp(state_dir)) {
		perror("mkdtemp");
		return -1;
	}
	setenv("ISOPOD_STATE_DIR", state_dir, 1);
	int low = ptest_ports_block(offset, n);
	if (low < 0)
		return -1;
	char range[32];
	snprintf(range, sizeof(range), "%d-%d", low, low + n - 1);
	setenv("ISOPOD_PORTS", range, 1);
	setenv("ISOPOD_ODOO_IMAGE", ptest_odoo_image(), 1);
	setenv("ISOPOD_DB_IMAGE", ptest_db_image(), 1);
	unsetenv("ISOPOD_PROFILE");
	return low;
}

int ptest_up_signalled(const char *wo, int n, int sig, const char *when_text, int *seen)
{
	int pe[2];
	if (pipe2(pe, O_CLOEXEC) < 0)
		fail_msg("pipe2: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(pe[1], 2);
		execl(ISO_ISOPOD_BIN, ISO_ISOPOD_BIN, "up", wo, "--verbose", (char *)NULL);
		_exit(127);
	}
	close(pe[1]);
	FILE *f = fdopen(pe[0], "r");
	char line[2048];
	int count = 0, sent = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "podman: "))
			count++;
		if (!sent && ((n && count == n) || (when_text && strstr(line, when_text)))) {
			kill(pid, sig);
			sent = 1;
		}
	}
	fclose(f);
	int st;
	waitpid(pid, &st, 0);
	*seen = count;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
