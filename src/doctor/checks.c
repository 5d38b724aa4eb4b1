/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doctor_checks.c - the host checks of `isopod doctor` that need no Podman:
 * each reads one thing of the host and says pass / warn / fail with the
 * command that fixes it.  The verdicts are pure functions so unit tests can
 * feed them made-up stats and files.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "doctor/doctor.h"
#include "lease/lease.h"
#include "probe/poll.h"

#define SUBID_FILE_CAP (4u << 20)

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_PASS:
		return "pass";
	case DOCTOR_WARN:
		return "warn";
	case DOCTOR_FAIL:
		return "fail";
	case DOCTOR_SKIP:
		return "skip";
	}
	return "?";
}

void doctor_add(struct doctor_report *r, const char *name, enum doctor_status s, char *detail, char *fix)
{
	if (r->n >= DOCTOR_MAX_CHECKS) {
		free(detail);
		free(fix);
		return;
	}
	r->v[r->n++] = (struct doctor_result){.name = name, .status = s, .detail = detail, .fix = fix};
}

size_t doctor_count(const struct doctor_report *r, enum doctor_status s)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		k += r->v[i].status == s;
	return k;
}

void doctor_report_release(struct doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].detail);
		free(r->v[i].fix);
	}
	r->n = 0;
}

int doctor_subid_sum(const char *text, const char *user, uid_t uid, unsigned long long *total, size_t *ranges)
{
	char uidstr[32];
	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)uid);
	*total = 0;
	*ranges = 0;
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		cleanup_free char *line = xstrndup(p, len);
		p = eol ? eol + 1 : p + len;
		char *c1 = strchr(line, ':');
		if (line[0] == '#' || !c1)
			continue;
		*c1 = '\0';
		if (strcmp(line, user ? user : "") && strcmp(line, uidstr))
			continue;
		char *c2 = strchr(c1 + 1, ':');
		long start, count;
		if (!c2)
			return -1;
		*c2 = '\0';
		if (iso_parse_long(c1 + 1, 0, 0x7fffffffL * 2L, &start) < 0 ||
		    iso_parse_long(c2 + 1, 1, 0x7fffffffL * 2L, &count) < 0)
			return -1;
		*total += (unsigned long long)count;
		(*ranges)++;
	}
	return 0;
}

const char *doctor_runtime_dir_problem(const struct stat *st, uid_t uid)
{
	if (!S_ISDIR(st->st_mode))
		return "is not a directory";
	if (st->st_uid != uid)
		return "is owned by another user";
	if ((st->st_mode & 0777) != 0700)
		return "is not private (mode must be 0700)";
	return "";
}

int doctor_idmap_usable(mode_t mode, uid_t owner, int has_caps)
{
	if (!(mode & S_IXOTH) && !(mode & S_IXGRP) && !(mode & S_IXUSR))
		return 0;
	return has_caps || ((mode & S_ISUID) && owner == 0);
}

int doctor_image_registry(const char *ref, char *buf, size_t size)
{
	const char *slash = strchr(ref, '/');
	size_t n = slash ? (size_t)(slash - ref) : 0;
	if (slash && (memchr(ref, '.', n) || memchr(ref, ':', n) || (n == 9 && !strncmp(ref, "localhost", 9)))) {
		snprintf(buf, size, "%.*s", (int)n, ref);
		return n == 9 && !strncmp(ref, "localhost", 9);
	}
	snprintf(buf, size, "docker.io");
	return 0;
}

/* The first executable NAME on PATH (malloc'd), or NULL. */
static char *which(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = xasprintf("%.*s/%s", (int)len, len ? p : ".", name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p = colon ? colon + 1 : p + len;
	}
	return NULL;
}

void doctor_check_podman_binary(struct doctor_report *r, const char *server_version)
{
	cleanup_free char *bin = which("podman");
	if (!bin) {
		doctor_add(r, "podman", DOCTOR_FAIL, xstrdup("podman is not on PATH"),
			   xstrdup("sudo apt-get install podman uidmap slirp4netns catatonit runc"));
		return;
	}
	if (!server_version) {
		doctor_add(r, "podman", DOCTOR_WARN,
			   xasprintf("%s found; the server's version is unknown: its API did not answer", bin),
			   xstrdup("see the 'api' check"));
		return;
	}
	doctor_add(r, "podman", DOCTOR_PASS, xasprintf("%s; server %s (libpod API)", bin, server_version), NULL);
}

void doctor_check_subid(struct doctor_report *r, const char *name, const char *path, const char *user, uid_t uid)
{
	/* "subuid" -> usermod --add-subuids, "subgid" -> --add-subgids */
	cleanup_free char *fix = xasprintf(
		"sudo usermod --add-%ss 100000-165535 %s  (pick a range no other user has in %s)", name, user, path);
	cleanup_free char *text = NULL;
	struct iso_error *err = NULL;
	size_t len, ranges;
	unsigned long long total;
	if (iso_read_file(path, SUBID_FILE_CAP, &text, &len, &err) < 0) {
		doctor_add(r, name, DOCTOR_FAIL, xasprintf("cannot read %s: %s", path, err->msg),
			   iso_steal_pointer(&fix));
		iso_error_free(err);
		return;
	}
	if (doctor_subid_sum(text, user, uid, &total, &ranges) < 0) {
		doctor_add(r, name, DOCTOR_FAIL, xasprintf("%s has a malformed line for '%s'", path, user),
			   xasprintf("sudo vi %s  (each line NAME:START:COUNT)", path));
		return;
	}
	if (ranges == 0) {
		doctor_add(r, name, DOCTOR_FAIL, xasprintf("no range for user '%s' in %s", user, path),
			   iso_steal_pointer(&fix));
		return;
	}
	if (total < DOCTOR_SUBID_MIN) {
		doctor_add(r, name, DOCTOR_WARN,
			   xasprintf("'%s' has %llu ids in %s; images that use uids above that fail to unpack", user,
				     total, path),
			   iso_steal_pointer(&fix));
		return;
	}
	doctor_add(r, name, DOCTOR_PASS,
		   xasprintf("%llu ids in %zu range%s in %s", total, ranges, ranges == 1 ? "" : "s", path), NULL);
}

void doctor_check_idmap(struct doctor_report *r, const char *helper)
{
	cleanup_free char *bin = which(helper);
	struct stat st;
	if (!bin || stat(bin, &st) < 0) {
		doctor_add(r, helper, DOCTOR_FAIL, xasprintf("%s is not on PATH", helper),
			   xstrdup("sudo apt-get install uidmap"));
		return;
	}
	int caps = getxattr(bin, "security.capability", NULL, 0) > 0;
	if (!doctor_idmap_usable(st.st_mode, st.st_uid, caps)) {
		doctor_add(r, helper, DOCTOR_FAIL,
			   xasprintf("%s is neither setuid root nor has file capabilities", bin),
			   xasprintf("sudo chown root %s && sudo chmod u+s %s", bin, bin));
		return;
	}
	doctor_add(r, helper, DOCTOR_PASS, xasprintf("%s (%s)", bin, caps ? "file capabilities" : "setuid root"), NULL);
}

void doctor_check_runtime_dir(struct doctor_report *r, const char *user, uid_t uid)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (!dir || !*dir) {
		doctor_add(r, "runtime-dir", DOCTOR_FAIL, xstrdup("XDG_RUNTIME_DIR is not set"),
			   xasprintf("export XDG_RUNTIME_DIR=/run/user/%u  (as root, once: install -d -m 0700 -o %s "
				     "/run/user/%u)",
				     (unsigned)uid, user, (unsigned)uid));
		return;
	}
	if (stat(dir, &st) < 0) {
		doctor_add(r, "runtime-dir", DOCTOR_FAIL, xasprintf("XDG_RUNTIME_DIR '%s': %s", dir, strerror(errno)),
			   xasprintf("sudo install -d -m 0700 -o %s '%s'", user, dir));
		return;
	}
	const char *problem = doctor_runtime_dir_problem(&st, uid);
	if (*problem) {
		doctor_add(r, "runtime-dir", DOCTOR_FAIL,
			   xasprintf("XDG_RUNTIME_DIR '%s' %s (owner uid %u, mode %04o)", dir, problem,
				     (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777)),
			   st.st_uid != uid ? xasprintf("sudo chown %s '%s' && chmod 0700 '%s'", user, dir, dir)
					    : xasprintf("chmod 0700 '%s'", dir));
		return;
	}
	doctor_add(r, "runtime-dir", DOCTOR_PASS, xasprintf("%s (yours, 0700)", dir), NULL);
}

void doctor_check_tun(struct doctor_report *r)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		doctor_add(r, "tun", DOCTOR_PASS, xstrdup("/dev/net/tun opens read-write (slirp4netns)"), NULL);
		return;
	}
	int e = errno;
	doctor_add(r, "tun", DOCTOR_FAIL,
		   xasprintf("/dev/net/tun: %s; slirp4netns cannot make the pod network", strerror(e)),
		   xstrdup(e == ENOENT ? "sudo modprobe tun" : "sudo chmod 0666 /dev/net/tun"));
}

void doctor_check_linger(struct doctor_report *r, const char *user)
{
	struct stat st;
	/* sd_booted(): logind manages sessions only where systemd is PID 1 */
	if (stat("/run/systemd/system", &st) < 0 || stat("/run/systemd/users", &st) < 0) {
		doctor_add(r, "linger", DOCTOR_SKIP,
			   xstrdup("not applicable: systemd-logind does not manage sessions on this host"), NULL);
		return;
	}
	cleanup_free char *flag = xasprintf("/var/lib/systemd/linger/%s", user);
	if (stat(flag, &st) == 0) {
		doctor_add(r, "linger", DOCTOR_PASS, xasprintf("lingering is enabled for '%s'", user), NULL);
		return;
	}
	doctor_add(r, "linger", DOCTOR_WARN,
		   xasprintf("lingering is off for '%s': logind stops your pods when your last session ends", user),
		   xasprintf("sudo loginctl enable-linger %s", user));
}

void doctor_check_ports(struct doctor_report *r, int low, int high, uid_t uid)
{
	doctor_check_ports_from(r, low, high, uid, lease_unpriv_port_start(NULL));
}

void doctor_check_ports_from(struct doctor_report *r, int low, int high, uid_t uid, int start)
{
	if (uid != 0 && low < start) {
		doctor_add(r, "ports", DOCTOR_FAIL,
			   xasprintf("port range %d-%d starts under net.ipv4.ip_unprivileged_port_start=%d: rootless "
				     "Podman cannot publish those ports",
				     low, high, start),
			   xasprintf("export ISOPOD_PORTS=%d-%d  (or, as root: sysctl -w "
				     "net.ipv4.ip_unprivileged_port_start=%d)",
				     start, start + (high - low), low));
		return;
	}
	doctor_add(
		r, "ports", DOCTOR_PASS,
		xasprintf("port range %d-%d is at or above net.ipv4.ip_unprivileged_port_start=%d", low, high, start),
		NULL);
}

int doctor_registry_reachable(const char *host, int timeout_ms)
{
	char name[256], port[16] = "443";
	snprintf(name, sizeof(name), "%s", strcmp(host, "docker.io") ? host : "registry-1.docker.io");
	char *colon = strrchr(name, ':');
	if (colon && !strchr(name, ']')) {
		snprintf(port, sizeof(port), "%s", colon + 1);
		*colon = '\0';
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(name, port, &hints, &res) != 0)
		return 0;
	int ok = 0;
	for (struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next) {
		cleanup_close int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		ok = probe_connect(fd, ai->ai_addr, ai->ai_addrlen, iso_now_ms() + timeout_ms) == 1;
	}
	freeaddrinfo(res);
	return ok;
}
