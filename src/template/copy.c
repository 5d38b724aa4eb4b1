/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The copies of a template or snapshot: both volumes at once, in one child
 * inside the user namespace that owns their files (src/store/), with the
 * filestore's database directory renamed on the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "store/copy.h"
#include "template/template.h"

/* A copy gets a minute per ~10 GB at this disk's pace, and never less than a minute. */
#define COPY_TIMEOUT_MS (30 * 60 * 1000)

int tpl_pod_pid(struct wo_ctx *w, pid_t *pid, struct iso_error **err)
{
	if (w->remote)
		return iso_error_set(err, ISO_E_HOST, 0,
				     "templates and snapshots copy volumes on this machine, and behind the remote "
				     "endpoint '%s' there are none; use a local Podman, or 'up --no-template'",
				     podman_client_endpoint(w->client));
	struct podman_pod pod;
	if (podman_pod_inspect(w->client, w->names.pod, &pod, err) < 0)
		return iso_error_wrap(err, "find the user namespace of pod '%s'", w->names.pod);
	struct podman_container infra;
	int rc = -1;
	if (!pod.infra_id)
		iso_error_set(err, ISO_E_REFUSED, 0, "pod '%s' has no infra container", w->names.pod);
	else if (podman_container_inspect(w->client, pod.infra_id, &infra, err) == 0) {
		*pid = infra.pid;
		podman_container_release(&infra);
		rc = *pid > 0 ? 0
			      : iso_error_set(err, ISO_E_REFUSED, 0,
					      "the infra container of pod '%s' is not running: start the pod first",
					      w->names.pod);
	}
	podman_pod_release(&pod);
	return rc;
}

/* Whether a process in PID's user namespace can read the volumes' files: another namespace than ours, or we are root. */
static int userns_usable(pid_t pid)
{
	if (geteuid() == 0)
		return 1;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
	struct stat a, b;
	if (stat(path, &a) < 0 || stat("/proc/self/ns/user", &b) < 0)
		return 0;
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

int tpl_userns_pid(struct wo_ctx *w, int pod_running, pid_t *pid, struct iso_error **err)
{
	if (w->remote)
		return tpl_pod_pid(w, pid, err); /* the remote endpoint's error */
	struct iso_error *e = NULL;
	if (podman_client_server_pid(w->client, pid, &e) == 0 && userns_usable(*pid))
		return 0;
	/* A socket-activated service: the listener is the user's systemd, outside the namespace. */
	iso_debug("the service's PID does not lead into the user namespace: %s", e ? e->msg : "the same namespace");
	iso_error_free(e);
	if (!pod_running)
		return 1;
	return tpl_pod_pid(w, pid, err);
}

static int one_path(struct wo_ctx *w, const char *name, char **path, struct iso_error **err)
{
	struct podman_volume v;
	if (podman_volume_inspect(w->client, name, &v, err) < 0)
		return -1;
	if (!v.mountpoint || v.mountpoint[0] != '/') {
		podman_volume_release(&v);
		return iso_error_set(err, ISO_E_REFUSED, 0,
				     "volume '%s' has no local mountpoint (driver %s); templates and snapshots need "
				     "the local driver",
				     name, v.driver ? v.driver : "?");
	}
	*path = v.mountpoint;
	v.mountpoint = NULL;
	podman_volume_release(&v);
	return 0;
}

int tpl_volume_paths(struct wo_ctx *w, const char *db, const char *files, char **db_path, char **files_path,
		     struct iso_error **err)
{
	*db_path = *files_path = NULL;
	if (one_path(w, db, db_path, err) < 0 || one_path(w, files, files_path, err) < 0) {
		free(*db_path);
		*db_path = NULL;
		return -1;
	}
	return 0;
}

int tpl_copy_pair(pid_t pid, const char *src_db, const char *src_files, const char *dst_db, const char *dst_files,
		  const char *from_db, const char *to_db, int sync, struct tpl_copy_stats *st, struct iso_error **err)
{
	cleanup_free char *from = xasprintf("filestore/%s", from_db);
	cleanup_free char *to = xasprintf("filestore/%s", to_db);
	/* Odoo's sessions belong to the running server that made them, not to the data. */
	static const char *const skip_files[] = {"sessions", NULL};
	struct store_copy_job jobs[] = {
		{.src = src_db, .dst = dst_db, .clear_dst = 1},
		{.src = src_files,
		 .dst = dst_files,
		 .clear_dst = 1,
		 .rename_from = strcmp(from_db, to_db) ? from : NULL,
		 .rename_to = strcmp(from_db, to_db) ? to : NULL,
		 .skip = skip_files},
	};
	struct store_copy_stats s;
	memset(&s, 0, sizeof s);
	if (store_copy(pid, jobs, ISO_ARRAY_SIZE(jobs), sync, COPY_TIMEOUT_MS, &s, err) < 0)
		return -1;
	if (st) {
		st->bytes = s.bytes;
		st->ms = s.ms;
		snprintf(st->method, sizeof st->method, "%s", s.method);
	}
	iso_debug("copied %llu bytes in %lld ms (%s)", (unsigned long long)s.bytes, (long long)s.ms, s.method);
	return 0;
}

void tpl_sync(const char *mountpoint)
{
	if (!mountpoint)
		return;
	/* The volume's own directory (the parent of _data) is the user's: no namespace needed. */
	cleanup_free char *dir = xstrdup(mountpoint);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		iso_warn("cannot sync '%s': %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
}
