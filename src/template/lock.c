/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-template lock ($XDG_RUNTIME_DIR/isopod/templates/<profile>-<key>.lock,
 * else under the state directory) and the
 * record of where a work order's data came from (<state_dir>/origin/).
 * The kernel drops a flock when its holder dies: a killed build leaves
 * nothing that blocks the next one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "template/template.h"

/*
 * Where the locks live: one place for every run of the user against its
 * Podman, whatever state directory each uses (templates are the Podman
 * user's, not a state directory's): $XDG_RUNTIME_DIR/isopod/templates when
 * that is the user's own directory, else <state_dir>/templates.
 */
static char *lock_dir(struct wo_ctx *w, struct iso_error **err)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (run && run[0] == '/' && stat(run, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		return xasprintf("%s/isopod/templates", run);
	if (wo_config_ensure_state_dir(&w->cfg, err) < 0)
		return NULL;
	return xasprintf("%s/templates", w->cfg.state_dir);
}

int tpl_lock(struct wo_ctx *w, const char *profile, const char *key, int shared, long wait_ms, int *fd,
	     struct iso_error **err)
{
	*fd = -1;
	cleanup_free char *dir = lock_dir(w, err);
	if (!dir || iso_mkdir_p(dir, 0700, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/%s-%s.lock", dir, profile, key);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot open lock file '%s': %s", path, strerror(errno));
	int64_t deadline = iso_now_ms() + (wait_ms > 0 ? wait_ms : 0);
	int said = 0;
	for (;;) {
		if (flock(f, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(f);
			return iso_error_set(err, ISO_E_HOST, e, "cannot lock '%s': %s", path, strerror(e));
		}
		if (wait_ms == 0) {
			close(f);
			return 0; /* busy: *fd stays -1 */
		}
		if ((wait_ms > 0 && iso_now_ms() >= deadline) || (w->abort_flag && *w->abort_flag)) {
			close(f);
			return iso_error_set(err, ISO_E_CONFLICT, EWOULDBLOCK,
					     "template %s of profile '%s' is busy: another isopod run builds or copies "
					     "it; wait for it to finish and try again",
					     key, profile);
		}
		if (!said) {
			iso_info("waiting for another isopod run on template %s of profile '%s'...", key, profile);
			said = 1;
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	*fd = f;
	return 0;
}

void tpl_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static char *origin_path(const struct wo_ctx *w)
{
	return xasprintf("%s/origin/%s_%s", w->cfg.state_dir, w->names.profile, w->names.wo);
}

int tpl_origin_write(const struct wo_ctx *w, const char *fmt, ...)
{
	struct iso_error *e = NULL;
	cleanup_free char *dir = xasprintf("%s/origin", w->cfg.state_dir);
	if (iso_mkdir_p(dir, 0700, &e) < 0) {
		iso_debug("cannot record the work order's origin: %s", e->msg);
		iso_error_free(e);
		return -1;
	}
	va_list ap;
	va_start(ap, fmt);
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cleanup_free char *path = origin_path(w);
	cleanup_free char *tmp = xasprintf("%s.tmp", path);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || iso_write_all(fd, line, strlen(line)) < 0 || iso_write_all(fd, "\n", 1) < 0 ||
	    rename(tmp, path) < 0) {
		iso_debug("cannot record the work order's origin in '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *tpl_origin_read(const struct wo_ctx *w)
{
	cleanup_free char *path = origin_path(w);
	char *s = NULL;
	size_t n = 0;
	struct iso_error *e = NULL;
	if (iso_read_file(path, 4096, &s, &n, &e) < 0) {
		iso_error_free(e);
		return NULL;
	}
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

void tpl_origin_remove(const struct wo_ctx *w)
{
	cleanup_free char *path = origin_path(w);
	unlink(path);
}
