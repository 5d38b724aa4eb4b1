/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doctor/registry.c - the `registry` check of `isopod doctor`: which lease
 * registry this user gets (configured, host-wide or per-user, see
 * lease/lease.h "The directory"), its mode and group, and whether its lease
 * file reads.  A host-wide registry passed over is a warning with the fix,
 * never a failure: isopod keeps working with the per-user one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "doctor/doctor.h"
#include "lease/lease.h"

enum doctor_status doctor_registry_verdict(int origin, int opened, int readable, size_t left_behind)
{
	if (!opened || !readable)
		return DOCTOR_FAIL;
	return origin == LEASE_ORIGIN_FALLBACK || left_behind ? DOCTOR_WARN : DOCTOR_PASS;
}

char *doctor_fix_from_message(const char *msg)
{
	const char *semi = NULL;
	for (const char *p = msg; (p = strstr(p, "; ")); p += 2)
		semi = p;
	if (!semi)
		return NULL;
	const char *f = semi + 2, *colon = strstr(f, ": ");
	if (colon && (!strncmp(f, "fix it", 6) || !strncmp(f, "create it", 9)))
		f = colon + 2;
	return xstrdup(f);
}

/* What the choice means for other users, after the directory's own detail. */
static char *scope(const struct lease_how *how)
{
	switch (how->origin) {
	case LEASE_ORIGIN_EXPLICIT:
		return xstrdup("shared by every user whose registry_dir names it");
	case LEASE_ORIGIN_HOSTWIDE:
		return xstrdup("the host-wide registry: no port is handed out twice among its users");
	case LEASE_ORIGIN_PRIVATE:
		return xasprintf("no host-wide registry (%s) on this host: ports are coordinated among your own "
				 "work orders only",
				 how->hostwide);
	case LEASE_ORIGIN_FALLBACK:
		return xasprintf("the host-wide registry is passed over, so another user may be handed the same "
				 "port: %s",
				 how->why);
	}
	return xstrdup("?");
}

/* The fix of a passed-over host-wide registry: the one its reason names, else the admin guide. */
static char *fallback_fix(const struct lease_how *how)
{
	char *fix = doctor_fix_from_message(how->why);
	return fix ? fix
		   : xasprintf("ask an administrator to make '%s' usable for you (docs/shared-server.md), or "
			       "set registry_dir",
			       how->hostwide);
}

/*
 * UID's leases in the per-user registry DIR, which a shared registry has
 * replaced: the work orders a user had before joining.  Nothing is made.
 */
static size_t left_behind(const char *dir, uid_t uid)
{
	struct lease_registry reg;
	struct lease_list l = {0};
	struct iso_error *e = NULL;
	struct stat st;
	size_t n = 0;

	if (!dir || stat(dir, &st) < 0 || lease_registry_open(&reg, dir, 0, &e) < 0) {
		iso_error_free(e);
		return 0;
	}
	if (lease_list_all(&reg, uid, &l, &e) == 0)
		for (size_t i = 0; i < l.n; i++)
			n += l.v[i].uid == uid;
	iso_error_free(e);
	lease_list_release(&l);
	lease_registry_release(&reg);
	return n;
}

void doctor_check_registry(struct doctor_report *r, const struct iso_config *cfg, uid_t uid)
{
	struct stat st;
	struct lease_how how;
	struct lease_registry reg;
	struct lease_list l = {0};
	struct iso_error *e = NULL;

	if (lease_registry_open_how(&reg, cfg, &how, &e) < 0) {
		doctor_add(r, "registry", doctor_registry_verdict(how.origin, 0, 0, 0), xstrdup(e->msg),
			   doctor_fix_from_message(e->msg));
		iso_error_free(e);
		lease_how_release(&how);
		return;
	}
	int rc = lease_list_all(&reg, uid, &l, &e);
	const char *own = cfg->state_dir;
	size_t left = own && strcmp(own, reg.dir) ? left_behind(own, uid) : 0;
	enum doctor_status v = doctor_registry_verdict(how.origin, 1, rc == 0, left);
	if (rc < 0) {
		doctor_add(r, "registry", v, xstrdup(e->msg),
			   xasprintf("look at '%s/%s'; 'isopod gc' cannot read it either", reg.dir, LEASE_FILE));
		iso_error_free(e);
	} else if (left) {
		fstat(reg.dirfd, &st);
		doctor_add(r, "registry", v,
			   xasprintf("%s (%s, mode %04o): %zu lease%s; your per-user registry '%s' still holds %zu "
				     "lease%s of work orders from before, which isopod no longer reads (their ports "
				     "may be handed to another user)",
				     reg.dir, lease_origin_name(how.origin), (unsigned)(st.st_mode & 07777), l.n,
				     l.n == 1 ? "" : "s", own, left, left == 1 ? "" : "s"),
			   xasprintf("isopod ports --rebuild && mv '%s/%s' '%s/%s.before-shared'", own, LEASE_FILE, own,
				     LEASE_FILE));
	} else {
		char *s = scope(&how);
		fstat(reg.dirfd, &st);
		doctor_add(r, "registry", v,
			   xasprintf("%s (%s, mode %04o, group %u): %zu lease%s; %s", reg.dir,
				     lease_origin_name(how.origin), (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid,
				     l.n, l.n == 1 ? "" : "s", s),
			   v == DOCTOR_WARN ? fallback_fix(&how) : NULL);
		free(s);
	}
	lease_list_release(&l);
	lease_registry_release(&reg);
	lease_how_release(&how);
}
