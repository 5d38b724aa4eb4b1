/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease_alloc.c - handing out ports: lease_acquire, and the small updates
 * of a work order's leases (ready, made, release).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "internal.h"

#define HOLDERS_LISTED 12

static int check_unprivileged(const struct lease_registry *reg, const struct lease_request *req, int port,
			      struct iso_error **err)
{
	if (req->uid == 0 || port >= reg->unpriv_port_start)
		return 0;
	return iso_error_set(err, ISO_E_USAGE, EACCES,
			     "port %d is under %d (net.ipv4.ip_unprivileged_port_start), which rootless Podman "
			     "cannot publish; use ports at or above %d (--port, port_range, ISOPOD_PORTS)",
			     port, reg->unpriv_port_start, reg->unpriv_port_start);
}

int lease_check_unprivileged(uid_t uid, int port, int low, int high, struct iso_error **err)
{
	struct lease_registry reg = {.unpriv_port_start = lease_unpriv_port_start(NULL)};
	struct lease_request req = {.uid = uid};
	if (port && check_unprivileged(&reg, &req, port, err) < 0)
		return -1;
	if (check_unprivileged(&reg, &req, low, err) < 0)
		return iso_error_wrap(err, "port range %d-%d", low, high);
	return 0;
}

static int held_conflict(const struct lease *h, int port, struct iso_error **err)
{
	return iso_error_set(err, ISO_E_CONFLICT, 0,
			     "port %d is held by work order '%s' (profile %s, uid %u); pick another with --port or "
			     "run 'isopod ls'",
			     port, h->wo, h->profile, (unsigned)h->uid);
}

/* The range is full: name the holders so the user knows whom to ask. */
static int range_full(struct lease_txn *t, const struct lease_request *req, int low, int high, int busy,
		      struct iso_error **err)
{
	struct iso_buf b;
	int listed = 0, held = 0;
	cleanup_free char *list = NULL;

	iso_buf_init(&b, 0);
	for (int p = low; p <= high; p++) {
		struct lease_entry *e = lease_txn_find_port(t, p);
		char item[128];
		int k;
		if (!e)
			continue;
		held++;
		if (listed++ >= HOLDERS_LISTED)
			continue;
		k = snprintf(item, sizeof(item), "%s%d '%s' (profile %s, uid %u)", listed > 1 ? ", " : "", p, e->l.wo,
			     e->l.profile, (unsigned)e->l.uid);
		iso_buf_append(&b, item, (size_t)k);
	}
	if (held > HOLDERS_LISTED) {
		char more[32];
		int k = snprintf(more, sizeof(more), " and %d more", held - HOLDERS_LISTED);
		iso_buf_append(&b, more, (size_t)k);
	}
	list = iso_buf_steal(&b, NULL);
	return iso_error_set(
		err, ISO_E_CONFLICT, 0,
		"no free port in %d-%d for work order '%s' (profile %s): %d held by leases%s%s, %d in use "
		"by other programs; widen port_range or free some with 'isopod down WO --cleanup' or 'isopod gc'",
		low, high, req->wo, req->profile, held, held ? ": " : "", list, busy);
}

/* The lowest port of the range free of leases, of TAKEN, and of other programs; -1 when none. */
static int pick_port(struct lease_txn *t, const struct lease_request *req, const char *address, const int *taken,
		     int purpose, struct iso_error **err)
{
	struct lease_portset held;
	int busy = 0, p;

	/* The work order's own pod publishes it: that pod is what holds it, not another program. */
	if (req->own && req->own[purpose] && !lease_txn_find_port(t, req->own[purpose]))
		return req->own[purpose];

	lease_txn_held(t, &held);
	for (int i = 0; i < ISO_PORT_PURPOSES; i++)
		if (taken[i] > 0)
			lease_portset_add(&held, taken[i]);
	p = lease_pick_free(&held, address, req->low, req->high, &busy, err);
	if (p != 0)
		return p;
	range_full(t, req, req->low, req->high, busy, err);
	return -1;
}

static void fill_new(struct lease *l, const struct lease_request *req, const char *address, int purpose, int port,
		     long long now)
{
	memset(l, 0, sizeof(*l));
	l->port = port;
	snprintf(l->address, sizeof(l->address), "%s", address);
	l->purpose = (enum iso_port_purpose)purpose;
	l->uid = req->uid;
	snprintf(l->profile, sizeof(l->profile), "%s", req->profile);
	snprintf(l->wo, sizeof(l->wo), "%s", req->wo);
	l->state = LEASE_CREATING;
	l->run = req->run;
	l->time = now;
}

/* The requested http port: honoured when free or already ours, refused otherwise. */
static int take_requested(struct lease_txn *t, const struct lease_request *req, const char *address,
			  struct lease_entry *mine, struct iso_error **err)
{
	struct lease_entry *h = lease_txn_find_port(t, req->port);
	int r;

	if (req->port < 1 || req->port > 65535)
		return iso_error_set(err, ISO_E_USAGE, EINVAL, "port %d is not a port (1-65535)", req->port);
	if (check_unprivileged(t->reg, req, req->port, err) < 0)
		return -1;
	if (h && h == mine)
		return 0;
	if (h)
		return held_conflict(&h->l, req->port, err);
	if (req->own && req->own[ISO_PORT_HTTP] == req->port)
		return 0; /* the work order's own pod holds it */
	r = lease_probe(address, req->port, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return iso_error_set(err, ISO_E_CONFLICT, EADDRINUSE,
				     "port %d on %s is in use by another program; pick another with --port", req->port,
				     address);
	return 0;
}

int lease_acquire(const struct lease_registry *reg, const struct lease_request *req, struct lease_grant *out,
		  struct iso_error **err)
{
	const char *address = req->address ? req->address : ISO_DEFAULT_HOST_ADDRESS;
	const struct lease_key key = {req->uid, req->profile, req->wo};
	unsigned want = req->purposes | (1u << ISO_PORT_HTTP);
	struct lease_entry *have[ISO_PORT_PURPOSES] = {0};
	int ports[ISO_PORT_PURPOSES] = {0}, existing = 1;
	struct lease_grant g;
	long long now = (long long)time(NULL);
	struct lease_txn t;
	int rc = -1;

	if (strlen(address) >= LEASE_ADDR_MAX)
		return iso_error_set(err, ISO_E_USAGE, EINVAL, "host address '%s' is too long", address);
	if (req->low < 1 || req->high > 65535 || req->low > req->high)
		return iso_error_set(err, ISO_E_USAGE, EINVAL, "port range %d-%d is not a range of ports", req->low,
				     req->high);
	if (check_unprivileged(reg, req, req->low, err) < 0)
		return iso_error_wrap(err, "port range %d-%d", req->low, req->high);
	if (lease_txn_begin(&t, reg, 1, err) < 0)
		goto out;
	lease_txn_reserve(&t, ISO_PORT_PURPOSES); /* keeps have[] valid across the adds */
	for (int p = 0; p < ISO_PORT_PURPOSES; p++) {
		if (!(want & (1u << p)))
			continue;
		have[p] = lease_txn_find(&t, &key, (enum iso_port_purpose)p);
		if (have[p])
			ports[p] = have[p]->l.port;
		else
			existing = 0;
	}
	if (req->port && req->port != ports[ISO_PORT_HTTP]) {
		if (take_requested(&t, req, address, have[ISO_PORT_HTTP], err) < 0)
			goto out;
		ports[ISO_PORT_HTTP] = req->port;
		if (have[ISO_PORT_HTTP]) {
			have[ISO_PORT_HTTP]->l.port = req->port;
			have[ISO_PORT_HTTP]->l.time = now;
			lease_txn_touch(&t, have[ISO_PORT_HTTP]);
		}
		existing = 0;
	}
	for (int p = 0; p < ISO_PORT_PURPOSES; p++) {
		struct lease_entry *e;
		if (!(want & (1u << p)))
			continue;
		if (have[p]) {
			/* An interrupted creation is this run's to finish now. */
			if (have[p]->l.state == LEASE_CREATING &&
			    (have[p]->l.run.pid != req->run.pid || have[p]->l.run.start_time != req->run.start_time)) {
				have[p]->l.run = req->run;
				have[p]->l.time = now;
				lease_txn_touch(&t, have[p]);
			}
			continue;
		}
		if (!ports[p]) {
			ports[p] = pick_port(&t, req, address, ports, p, err);
			if (ports[p] < 0)
				goto out;
		}
		e = lease_txn_add(&t);
		fill_new(&e->l, req, address, p, ports[p], now);
		have[p] = e;
	}
	memset(&g, 0, sizeof(g));
	memcpy(g.ports, ports, sizeof(g.ports));
	g.existing = existing;
	g.state = have[ISO_PORT_HTTP]->l.state;
	g.made = have[ISO_PORT_HTTP]->l.made;
	if (lease_txn_commit(&t, err) < 0)
		goto out;
	*out = g;
	rc = 0;
out:
	lease_txn_end(&t);
	return rc;
}

static void no_lease(const struct lease_key *key, struct iso_error **err)
{
	iso_error_set(err, ISO_E_UNKNOWN, 0,
		      "work order '%s' (profile %s) holds no port lease; run 'isopod up %s' first", key->wo,
		      key->profile, key->wo);
}

/* Apply a change to every lease of KEY; ISO_E_UNKNOWN when it holds none (a release of none is fine). */
static int update_key(const struct lease_registry *reg, const struct lease_key *key, int ready, unsigned made, int drop,
		      size_t *count, struct iso_error **err)
{
	struct lease_txn t;
	size_t n = 0;
	int rc = -1;

	if (lease_txn_begin(&t, reg, 1, err) < 0)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		struct lease_entry *e = &t.e[i];
		if (e->dropped || !lease_matches(&e->l, key))
			continue;
		n++;
		if (drop) {
			e->dropped = 1;
			t.changed = 1;
			continue;
		}
		if ((ready && e->l.state != LEASE_READY) || (e->l.made | made) != e->l.made) {
			if (ready)
				e->l.state = LEASE_READY;
			e->l.made |= made;
			e->l.time = (long long)time(NULL);
			lease_txn_touch(&t, e);
		}
	}
	if (n == 0 && !drop) {
		no_lease(key, err);
		goto out;
	}
	if (lease_txn_commit(&t, err) < 0)
		goto out;
	if (count)
		*count = n;
	rc = 0;
out:
	lease_txn_end(&t);
	return rc;
}

int lease_begin_build(const struct lease_registry *reg, const struct lease_key *key, const struct lease_run *run,
		      int *was_ready, struct iso_error **err)
{
	struct lease_txn t;
	size_t n = 0;
	int rc = -1, ready = 0;

	if (lease_txn_begin(&t, reg, 1, err) < 0)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		struct lease_entry *e = &t.e[i];
		if (e->dropped || !lease_matches(&e->l, key))
			continue;
		n++;
		if (e->l.state == LEASE_READY) {
			/* A new journal: what an earlier run made is the work order's now, not this run's. */
			ready = 1;
			e->l.state = LEASE_CREATING;
			e->l.made = 0;
		} else if (e->l.run.pid == run->pid && e->l.run.start_time == run->start_time) {
			continue;
		}
		e->l.run = *run;
		e->l.time = (long long)time(NULL);
		lease_txn_touch(&t, e);
	}
	if (n == 0) {
		no_lease(key, err);
		goto out;
	}
	if (lease_txn_commit(&t, err) < 0)
		goto out;
	if (was_ready)
		*was_ready = ready;
	rc = 0;
out:
	lease_txn_end(&t);
	return rc;
}

int lease_mark_ready(const struct lease_registry *reg, const struct lease_key *key, struct iso_error **err)
{
	return update_key(reg, key, 1, 0, 0, NULL, err);
}

int lease_note_made(const struct lease_registry *reg, const struct lease_key *key, unsigned made,
		    struct iso_error **err)
{
	return update_key(reg, key, 0, made & LEASE_MADE_ALL, 0, NULL, err);
}

int lease_release(const struct lease_registry *reg, const struct lease_key *key, size_t *released,
		  struct iso_error **err)
{
	return update_key(reg, key, 0, 0, 1, released, err);
}
