/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease_repair.c - what the lifecycle calls to keep the registry true:
 * runs and their liveness, reclaim, stale creations, the merge of rebuilt
 * leases, and the listing.
 *
 * Every repair works on the caller's uid only: in a shared directory the
 * other users' leases are theirs to repair, and this process cannot even
 * tell whether their work orders exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "internal.h"

/* Field 22 of /proc/PID/stat (starttime); the name in field 2 may hold spaces and parentheses. */
static int proc_start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], *p, *end;
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	errno = 0;
	*out = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -1;
	return 0;
}

int lease_run_self(struct lease_run *run, struct iso_error **err)
{
	run->pid = getpid();
	if (proc_start_time(run->pid, &run->start_time) < 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot read this process's start time from /proc");
	return 0;
}

int lease_run_alive(const struct lease_run *run)
{
	unsigned long long st;

	if (run->pid <= 0 || proc_start_time(run->pid, &st) < 0)
		return 0;
	return st == run->start_time;
}

void lease_list_release(struct lease_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void lease_moved_list_release(struct lease_moved_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void list_push(struct lease_list *l, const struct lease *x)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *x;
}

int lease_reclaim(const struct lease_registry *reg, uid_t uid, lease_exists_fn exists, void *ctx,
		  struct lease_list *reclaimed, struct iso_error **err)
{
	struct lease_list got = {0};
	struct lease_txn t;
	int rc = -1;

	if (lease_txn_begin(&t, reg, 1, err) < 0)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		struct lease_entry *e = &t.e[i];
		int r;
		if (e->dropped || e->l.uid != uid)
			continue;
		/* A creation in progress has no pod yet: its run being alive is what counts. */
		if (e->l.state == LEASE_CREATING && lease_run_alive(&e->l.run))
			continue;
		r = exists(ctx, e->l.uid, e->l.profile, e->l.wo);
		if (r < 0) {
			iso_error_set(err, ISO_E_INTERNAL, 0,
				      "reclaiming leases: could not tell whether work order '%s' (profile %s) exists",
				      e->l.wo, e->l.profile);
			goto out;
		}
		if (r == 0) {
			e->dropped = 1;
			t.changed = 1;
			list_push(&got, &e->l);
		}
	}
	if (lease_txn_commit(&t, err) < 0)
		goto out;
	if (reclaimed)
		*reclaimed = got;
	else
		lease_list_release(&got);
	got.v = NULL;
	rc = 0;
out:
	free(got.v);
	lease_txn_end(&t);
	return rc;
}

/* A copy of every lease, read without the lock: a rename is atomic, so a reader sees one whole file. */
static int read_all(const struct lease_registry *reg, struct lease_list *out, struct iso_error **err)
{
	struct lease_txn t;

	if (lease_txn_begin(&t, reg, 0, err) < 0) {
		lease_txn_end(&t);
		return -1;
	}
	out->v = xzalloc((t.n ? t.n : 1) * sizeof(*out->v));
	for (out->n = 0; out->n < t.n; out->n++)
		out->v[out->n] = t.e[out->n].l;
	lease_txn_end(&t);
	return 0;
}

int lease_list_stale(const struct lease_registry *reg, uid_t uid, struct lease_list *out, struct iso_error **err)
{
	struct lease_list got;
	size_t n = 0;

	if (read_all(reg, &got, err) < 0)
		return -1;
	for (size_t i = 0; i < got.n; i++) {
		const struct lease *l = &got.v[i];
		if (l->uid == uid && l->state == LEASE_CREATING && !lease_run_alive(&l->run))
			got.v[n++] = *l;
	}
	got.n = n;
	*out = got;
	return 0;
}

static int by_port(const void *a, const void *b)
{
	return ((const struct lease *)a)->port - ((const struct lease *)b)->port;
}

int lease_list_all(const struct lease_registry *reg, uid_t viewer, struct lease_list *out, struct iso_error **err)
{
	struct lease_list got;

	if (read_all(reg, &got, err) < 0)
		return -1;
	for (size_t i = 0; i < got.n; i++) {
		struct lease *l = &got.v[i];
		if (l->uid != viewer) {
			/* A holder only: no run details of another user. */
			l->state = LEASE_READY;
			l->made = 0;
			l->run.pid = 0;
			l->run.start_time = 0;
			l->time = 0;
		}
	}
	qsort(got.v, got.n, sizeof(*got.v), by_port);
	*out = got;
	return 0;
}

static int merge_entry_ok(const struct lease *l, uid_t uid, struct iso_error **err)
{
	if (l->uid != uid)
		return iso_error_set(err, ISO_E_INTERNAL, EPERM,
				     "merging leases: work order '%s' is of uid %u, not of the caller (uid %u)", l->wo,
				     (unsigned)l->uid, (unsigned)uid);
	if (l->port < 1 || l->port > 65535 || (unsigned)l->purpose >= ISO_PORT_PURPOSES ||
	    !memchr(l->profile, '\0', sizeof(l->profile)) || !memchr(l->wo, '\0', sizeof(l->wo)) ||
	    !memchr(l->address, '\0', sizeof(l->address)) || !l->profile[0] || !l->wo[0] || !l->address[0])
		return iso_error_set(err, ISO_E_INTERNAL, EINVAL, "merging leases: a malformed entry (port %d)",
				     l->port);
	return 0;
}

int lease_merge(const struct lease_registry *reg, uid_t uid, const struct lease *entries, size_t n, int low, int high,
		struct lease_moved_list *moved, struct iso_error **err)
{
	return lease_merge_salvage(reg, uid, entries, n, low, high, moved, NULL, err);
}

int lease_merge_salvage(const struct lease_registry *reg, uid_t uid, const struct lease *entries, size_t n, int low,
			int high, struct lease_moved_list *moved, struct lease_salvage *salvage, struct iso_error **err)
{
	struct lease_portset held;
	struct lease_moved_list mv = {0};
	struct lease_txn t;
	int rc = -1;

	if ((salvage ? lease_txn_begin_salvage(&t, reg, uid, salvage, err) : lease_txn_begin(&t, reg, 1, err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct lease_key key = {uid, entries[i].profile, entries[i].wo};
		struct lease_entry *old;
		if (merge_entry_ok(&entries[i], uid, err) < 0)
			goto out;
		/* Replaced: the rebuilt entry is the truth for its work order and purpose. */
		old = lease_txn_find(&t, &key, entries[i].purpose);
		if (old) {
			old->dropped = 1;
			t.changed = 1;
		}
	}
	lease_txn_held(&t, &held);
	for (size_t i = 0; i < n; i++) {
		const struct lease_key key = {uid, entries[i].profile, entries[i].wo};
		struct lease_entry *e;
		int port = entries[i].port;
		/* Two rebuilt entries of one work order and purpose: the first wins. */
		if (lease_txn_find(&t, &key, entries[i].purpose))
			continue;
		if (lease_portset_has(&held, port)) {
			port = lease_pick_free(&held, entries[i].address, low, high, NULL, err);
			if (port < 0)
				goto out;
			if (port == 0) {
				iso_error_set(err, ISO_E_CONFLICT, 0,
					      "merging leases: port %d of work order '%s' is held by another lease and "
					      "%d-%d has no free port; widen port_range or run 'isopod gc'",
					      entries[i].port, entries[i].wo, low, high);
				goto out;
			}
			mv.v = xrealloc(mv.v, (mv.n + 1) * sizeof(*mv.v));
			mv.v[mv.n].lease = entries[i];
			mv.v[mv.n].lease.port = port;
			mv.v[mv.n].old_port = entries[i].port;
			mv.n++;
		}
		lease_portset_add(&held, port);
		e = lease_txn_add(&t);
		e->l = entries[i];
		e->l.port = port;
	}
	if (lease_txn_commit(&t, err) < 0)
		goto out;
	if (moved) {
		*moved = mv;
		mv.v = NULL;
	}
	rc = 0;
out:
	free(mv.v);
	lease_txn_end(&t);
	return rc;
}
