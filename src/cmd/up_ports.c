/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `up`'s leases: the request of a work order's ports, and what to do when
 * another program took a leased port between the lease and the pod's start.
 */
#include <stdio.h>

#include "base/log.h"
#include "up.h"

/*
 * A pod start that failed because another program holds one of the pod's
 * published ports (rootlessport cannot bind it; Podman says so only in
 * text): told by probing the ports now that the pod holds none of them.
 * The purpose of the first port taken in *PURPOSE; 0 when none is.
 */
static int port_race(const struct wo_run *r, enum iso_port_purpose *purpose)
{
	for (int p = 0; p < ISO_PORT_PURPOSES; p++) {
		struct iso_error *e = NULL;
		if (!r->grant.ports[p])
			continue;
		int taken = lease_probe(r->w->cfg.profile.host_address, r->grant.ports[p], &e);
		iso_error_free(e);
		if (taken == 1) {
			*purpose = (enum iso_port_purpose)p;
			return 1;
		}
	}
	return 0;
}

/* A start failure that is a lost port race: an error naming the port when it is not the http one. */
int cmd_up_race_lost(const struct wo_run *r, struct iso_error **err)
{
	enum iso_port_purpose p;
	if (!port_race(r, &p))
		return 0;
	if (p == ISO_PORT_HTTP)
		return 1;
	iso_error_free(*err);
	*err = NULL;
	iso_error_set(err, ISO_E_CONFLICT, 0,
		      "port %d (%s), leased to work order '%s', was taken by another program; stop that program, "
		      "or 'isopod down %s --cleanup' and 'isopod up %s' for new ports",
		      r->grant.ports[p], wo_purpose_name(p), r->w->names.wo, r->w->names.wo, r->w->names.wo);
	return -1;
}

/* The lease request of the work order's ports, asking for PORT (0: none) as http's. */
struct lease_request cmd_up_lease_request(const struct wo_ctx *w, int port)
{
	return (struct lease_request){
		.uid = w->uid,
		.profile = w->names.profile,
		.wo = w->names.wo,
		.purposes = w->cfg.profile.ports,
		.port = port,
		.address = w->cfg.profile.host_address,
		.low = w->cfg.profile.port_low,
		.high = w->cfg.profile.port_high,
	};
}

/*
 * Another program took the leased http port after the probe (Podman then
 * fails the start).  Move the lease to the next port of the range that the
 * lease module accepts as free: the move keeps the lease's state and the
 * journal of what this run made.
 */
int cmd_up_move_http_lease(struct wo_run *r, int lost, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	int low = w->cfg.profile.port_low, high = w->cfg.profile.port_high;
	struct lease_request req = cmd_up_lease_request(w, 0);
	if (lease_run_self(&req.run, err) < 0)
		return -1;
	for (int i = 0; i <= high - low; i++) {
		req.port = wo_port_candidate(lost, low, high, i);
		if (req.port == lost)
			continue;
		struct iso_error *e = NULL;
		if (lease_acquire(&r->reg, &req, &r->grant, &e) == 0)
			return 0;
		if (e->class != ISO_E_CONFLICT)
			return iso_error_move(err, e);
		iso_error_free(e); /* held by a lease or another program: the next one */
	}
	return iso_error_set(err, ISO_E_CONFLICT, 0,
			     "port %d was taken by another program after it was leased, and no other port of %d-%d is "
			     "free; 'isopod ports' lists the holders",
			     lost, low, high);
}

/* The pod is gone: move the work order's lease to PORT (--recreate --port). */
int cmd_up_move_lease(struct wo_run *r, int port, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct lease_request req = cmd_up_lease_request(w, port);
	if (lease_run_self(&req.run, err) < 0 || lease_acquire(&r->reg, &req, &r->grant, err) < 0)
		return -1;
	wo_config_hash(&w->cfg, r->grant.ports, r->hash);
	return 0;
}
