/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Removing exactly what a run made, and nothing else: each object is looked
 * up by name and its labels are checked again first, so a name collision
 * never deletes someone else's data.  The undo of a failed `up`, the `down`
 * and `gc` commands all remove through lifecycle_remove_made.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "lifecycle/lifecycle.h"

/*
 * Whether the object NAME carries W's labels: podman_<kind>_inspect, match,
 * podman_<kind>_release.  0, or -1 with *err (not found included).
 */
#define DEFINE_LABELS_OURS(kind)                                                                                       \
	static int kind##_ours(struct wo_ctx *w, const char *name, int *ours, struct iso_error **err)                  \
	{                                                                                                              \
		struct podman_##kind o;                                                                                \
		if (podman_##kind##_inspect(w->client, name, &o, err) < 0)                                             \
			return -1;                                                                                     \
		*ours = wo_labels_match(&o.labels, &w->names);                                                         \
		podman_##kind##_release(&o);                                                                           \
		return 0;                                                                                              \
	}
DEFINE_LABELS_OURS(pod)
DEFINE_LABELS_OURS(container)
DEFINE_LABELS_OURS(volume)
DEFINE_LABELS_OURS(secret)

/* A secret has no force option: this gives it the signature of the others. */
static int secret_remove(struct podman_client *c, const char *name, int force, struct iso_error **err)
{
	(void)force;
	return podman_secret_remove(c, name, err);
}

/* The kinds of object a run makes, with their podman calls. */
struct kind {
	int (*ours)(struct wo_ctx *w, const char *name, int *ours, struct iso_error **err);
	int (*remove)(struct podman_client *c, const char *name, int force, struct iso_error **err);
	int force;
	int shared; /* used by the pod's containers: removed only once they are gone */
};
static const struct kind kind_pod = {pod_ours, podman_pod_remove, 1, 0};
static const struct kind kind_container = {container_ours, podman_container_remove, 1, 0};
static const struct kind kind_volume = {volume_ours, podman_volume_remove, 0, 1};
static const struct kind kind_secret = {secret_ours, secret_remove, 0, 1};

/* Remove one object by name after re-checking its labels; not found is fine. */
static int remove_checked(struct wo_ctx *w, const struct kind *k, const char *name, struct iso_error **err)
{
	struct iso_error *e = NULL;
	int ours = 0;
	if (k->ours(w, name, &ours, &e) < 0) {
		if (podman_err_not_found(e)) {
			iso_error_free(e);
			return 0;
		}
		return iso_error_move(err, e);
	}
	if (!ours)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "'%s' does not carry the labels of work order '%s' (profile %s); left in place",
				     name, w->names.wo, w->names.profile);
	if (k->remove(w->client, name, k->force, &e) < 0 && !podman_err_not_found(e))
		return iso_error_move(err, e);
	iso_error_free(e);
	iso_debug("removed '%s'", name);
	return 0;
}

int lifecycle_remove_made(struct wo_ctx *w, unsigned made, struct iso_error **err)
{
	const struct workorder_names *n = &w->names;
	struct {
		unsigned bit;
		const struct kind *kind;
		const char *name;
	} steps[] = {
		{LEASE_MADE_POD, &kind_pod, n->pod},
		{LEASE_MADE_INIT, &kind_container, n->init_container},
		{LEASE_MADE_ODOO, &kind_container, n->odoo_container},
		{LEASE_MADE_DB, &kind_container, n->db_container},
		/* The volumes before the secret: cut off in between, a lone secret is what `up` clears. */
		{LEASE_MADE_DB_VOLUME, &kind_volume, n->db_volume},
		{LEASE_MADE_ODOO_VOLUME, &kind_volume, n->odoo_volume},
		{LEASE_MADE_SECRET, &kind_secret, n->secret},
	};
	int rc = 0;
	for (size_t i = 0; i < ISO_ARRAY_SIZE(steps); i++) {
		if (!(made & steps[i].bit))
			continue;
		/* A pod or container still there uses the secret and the volumes: keep them together. */
		if (rc < 0 && steps[i].kind->shared)
			break;
		struct iso_error *e = NULL;
		if (remove_checked(w, steps[i].kind, steps[i].name, &e) < 0) {
			/* Keep going: leave as little behind as possible, report the first failure. */
			if (rc == 0)
				iso_error_move(err, e);
			else
				iso_error_free(e);
			rc = -1;
		}
	}
	return rc;
}

/* How long an aborted create may still land on the server, and how often to look for it. */
#define UNCERTAIN_WAIT_MS 1000
#define UNCERTAIN_POLL_MS 100

static int undo_blocked(struct wo_run *r)
{
	struct iso_error *e = NULL;
	if (r->made) {
		char what[128];
		lease_made_format(r->made, what, sizeof(what));
		iso_info("rolling back what this run made: %s", what);
		if (lifecycle_remove_made(r->w, r->made, &e) < 0) {
			iso_warn("rollback incomplete: %s; 'isopod gc' retries it", e->msg);
			iso_error_free(e);
			return -1; /* keep the lease: it records what is left for gc */
		}
	}
	/*
	 * A create request cut off by the signal returns at once here, while
	 * Podman may still be making the object: sweep for it a little longer.
	 */
	for (int64_t end = iso_now_ms() + UNCERTAIN_WAIT_MS; r->uncertain && iso_now_ms() < end;) {
		struct timespec ts = {0, UNCERTAIN_POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
		if (lifecycle_remove_made(r->w, r->uncertain, &e) < 0) {
			iso_warn("rollback incomplete: %s; 'isopod gc' retries it", e->msg);
			iso_error_free(e);
			return -1;
		}
	}
	/*
	 * The leases: released when this run took them; turned back to `ready`
	 * when it rebuilt a work order that was up before (its volumes stay).
	 * Either failing leaves a `creating` lease of a dead run: `gc` finishes it.
	 */
	if (r->have_reg && (r->took_lease || r->rebuilding)) {
		e = NULL;
		int rc = r->took_lease ? lease_release(&r->reg, &r->key, NULL, &e)
				       : lease_mark_ready(&r->reg, &r->key, &e);
		if (rc < 0) {
			iso_warn("cannot %s the port lease: %s", r->took_lease ? "release" : "restore", e->msg);
			iso_error_free(e);
			return -1;
		}
	}
	r->made = 0;
	r->uncertain = 0;
	return 0;
}

int lifecycle_undo(struct wo_run *r)
{
	/*
	 * The rollback itself must not be cut off: not by the signal that caused
	 * it, nor by a second Ctrl-C (held back until it is done; SIGKILL still
	 * works, and `isopod gc` finishes what is left then).
	 */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (r->w->abort_flag)
		*r->w->abort_flag = 0;
	int rc = undo_blocked(r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Asked before a removal and before a run takes ports: whether the work order still holds its lease. */
int lifecycle_lease_held(const struct lease_registry *reg, const struct wo_ctx *w, int *held, struct iso_error **err)
{
	struct lease_list l = {0};
	if (lease_list_all(reg, w->uid, &l, err) < 0)
		return -1;
	*held = 0;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].uid == w->uid && !strcmp(l.v[i].profile, w->names.profile) &&
		    !strcmp(l.v[i].wo, w->names.wo))
			*held = 1;
	lease_list_release(&l);
	return 0;
}
