/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `isopod ports --rebuild`: the caller's leases rebuilt from what Podman's
 * labels say exists, for a lease file that was lost or damaged.  A pod's
 * io.isopod.port.* labels win; a work order with volumes but no pod is
 * rebuilt from its volumes' labels.  The result goes through lease_merge, so
 * other users' leases are never touched and no port gets a second holder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "lease/lease.h"
#include "workorder/workorder.h"

struct rebuilt {
	struct lease *v;
	const char **source; /* "pod" or "volume", per entry */
	size_t n, cap;
};

static int have_key(const struct rebuilt *r, const char *profile, const char *wo)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].profile, profile) && !strcmp(r->v[i].wo, wo))
			return 1;
	return 0;
}

/* Add the leases one object's labels describe; objects of one work order after the first are skipped. */
static void add_from_labels(struct rebuilt *r, const struct podman_labels *labels, uid_t uid, int ready,
			    const char *source)
{
	char profile[PROFILE_NAME_MAX + 1], wo[WO_ID_MAX + 1];
	const char *key = podman_labels_get(labels, LABEL_KEY);
	const char *schema = podman_labels_get(labels, LABEL_SCHEMA);
	if (!schema || strcmp(schema, LABEL_SCHEMA_VERSION) || wo_key_split(key, profile, wo) < 0)
		return;
	if (have_key(r, profile, wo))
		return;
	int ports[ISO_PORT_PURPOSES];
	char address[LEASE_ADDR_MAX];
	wo_labels_ports(labels, ports, address, sizeof(address));
	for (int p = 0; p < ISO_PORT_PURPOSES; p++) {
		if (!ports[p])
			continue;
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 16;
			r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
			r->source = xrealloc(r->source, r->cap * sizeof(*r->source));
		}
		struct lease *l = &r->v[r->n];
		memset(l, 0, sizeof(*l));
		l->port = ports[p];
		snprintf(l->address, sizeof(l->address), "%s", address[0] ? address : ISO_DEFAULT_HOST_ADDRESS);
		l->purpose = (enum iso_port_purpose)p;
		l->uid = uid;
		snprintf(l->profile, sizeof(l->profile), "%s", profile);
		snprintf(l->wo, sizeof(l->wo), "%s", wo);
		/*
		 * A pod means the work order was brought up; volumes alone may hold a
		 * database never initialised: `creating` (with no run) sends the next
		 * `up` down the path that checks.
		 */
		l->state = ready ? LEASE_READY : LEASE_CREATING;
		l->time = (long long)time(NULL);
		r->source[r->n++] = source;
	}
}

/* What was rebuilt, moved and set aside: one JSON document, or lines. */
static void print_result(const struct iso_globals *g, const struct rebuilt *r, const struct lease_moved_list *m,
			 const struct lease_salvage *salvage)
{
	if (g->json) {
		cleanup_jgen iso_jgen *j = iso_jgen_new(1);
		iso_jgen_map_open(j);
		iso_jgen_key(j, "rebuilt");
		iso_jgen_array_open(j);
		for (size_t i = 0; i < r->n; i++) {
			iso_jgen_map_open(j);
			iso_jgen_kv_string(j, "work_order", r->v[i].wo);
			iso_jgen_kv_string(j, "profile", r->v[i].profile);
			iso_jgen_kv_string(j, "purpose", wo_purpose_name(r->v[i].purpose));
			iso_jgen_kv_int(j, "port", r->v[i].port);
			iso_jgen_kv_string(j, "source", r->source[i]);
			iso_jgen_map_close(j);
		}
		iso_jgen_array_close(j);
		iso_jgen_key(j, "moved");
		iso_jgen_array_open(j);
		for (size_t i = 0; i < m->n; i++) {
			iso_jgen_map_open(j);
			iso_jgen_kv_string(j, "work_order", m->v[i].lease.wo);
			iso_jgen_kv_int(j, "old_port", m->v[i].old_port);
			iso_jgen_kv_int(j, "port", m->v[i].lease.port);
			iso_jgen_map_close(j);
		}
		iso_jgen_array_close(j);
		iso_jgen_key(j, "set_aside");
		if (salvage->aside) {
			iso_jgen_map_open(j);
			iso_jgen_kv_string(j, "file", salvage->aside);
			iso_jgen_kv_string(j, "reason", salvage->why);
			iso_jgen_kv_int(j, "kept", (long long)salvage->kept);
			iso_jgen_kv_int(j, "dropped", (long long)salvage->dropped);
			iso_jgen_map_close(j);
		} else {
			iso_jgen_null(j);
		}
		iso_jgen_map_close(j);
		cli_print_json(j, NULL);
	} else {
		for (size_t i = 0; i < r->n; i++)
			printf("rebuilt %s/%s %s port %d from its %s\n", r->v[i].profile, r->v[i].wo,
			       wo_purpose_name(r->v[i].purpose), r->v[i].port, r->source[i]);
		for (size_t i = 0; i < m->n; i++)
			printf("port %d of %s/%s is held by another lease: leased %d instead; 'isopod down %s' then "
			       "'isopod up %s' moves the pod there\n",
			       m->v[i].old_port, m->v[i].lease.profile, m->v[i].lease.wo, m->v[i].lease.port,
			       m->v[i].lease.wo, m->v[i].lease.wo);
		printf("%zu lease%s rebuilt from Podman's labels, %zu moved\n", r->n, r->n == 1 ? "" : "s", m->n);
	}
}

int cmd_ports_rebuild(const struct iso_globals *g, struct iso_error **err)
{
	struct wo_ctx w;
	struct lease_registry reg;
	int have_reg = 0, rc = -1;
	struct rebuilt r = {0};
	struct lease_moved_list moved = {0};
	struct lease_salvage salvage = {0};
	struct podman_pod *pods = NULL;
	struct podman_volume *vols = NULL;
	size_t n_pods = 0, n_vols = 0;
	struct podman_pair schema = {LABEL_SCHEMA, LABEL_SCHEMA_VERSION};

	if (wo_ctx_init(&w, NULL, NULL, WO_NEED_PODMAN, err) < 0)
		goto out;
	if (lease_registry_open_config(&reg, &w.cfg, err) < 0)
		goto out;
	have_reg = 1;
	if (podman_pod_list(w.client, &schema, &pods, &n_pods, err) < 0 ||
	    podman_volume_list(w.client, &schema, &vols, &n_vols, err) < 0)
		goto out;
	for (size_t i = 0; i < n_pods; i++)
		add_from_labels(&r, &pods[i].labels, w.uid, 1, "pod");
	for (size_t i = 0; i < n_vols; i++)
		add_from_labels(&r, &vols[i].labels, w.uid, 0, "volume");
	if (lease_merge_salvage(&reg, w.uid, r.v, r.n, w.cfg.port_low, w.cfg.port_high, &moved, &salvage, err) < 0)
		goto out;
	if (salvage.aside)
		iso_warn("the lease file was damaged (%s); it is kept as '%s/%s'; %zu other user%s lease%s kept, %zu "
			 "line%s dropped",
			 salvage.why, reg.dir, salvage.aside, salvage.kept, salvage.kept == 1 ? "'s" : "s'",
			 salvage.kept == 1 ? "" : "s", salvage.dropped, salvage.dropped == 1 ? "" : "s");

	print_result(g, &r, &moved, &salvage);
	rc = 0;
out:
	podman_pod_list_free(pods, n_pods);
	podman_volume_list_free(vols, n_vols);
	lease_moved_list_release(&moved);
	lease_salvage_release(&salvage);
	free(r.v);
	free(r.source);
	if (have_reg)
		lease_registry_release(&reg);
	wo_ctx_release(&w);
	return rc;
}
