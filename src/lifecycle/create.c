/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating a work order's objects, and removing exactly what a run made.
 * Every object carries the labels of workorder/names.h; every removal checks
 * them again first, so a name collision never deletes someone else's data.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "lifecycle/lifecycle.h"
#include "podman/exec.h"

#define ONESHOT_OUTPUT_CAP (256u << 10)

void lifecycle_run_intent(struct wo_run *r, unsigned what)
{
	if (!r->have_reg)
		return;
	struct iso_error *e = NULL;
	/*
	 * Written before the create call: a run killed right after Podman made
	 * the object still names it for `gc` (whose removal tolerates "not found").
	 */
	if (lease_note_made(&r->reg, &r->key, what, &e) < 0) {
		iso_debug("cannot record progress in the lease file: %s", e->msg);
		iso_error_free(e);
	}
}

/*
 * A create aborted by a signal may have taken effect on the server before the
 * answer was cut off.  We hold the work order's lock and only create what was
 * not there, so it counts as made: the undo removes it if it exists.
 */
static int created_or_aborted(struct wo_run *r, int rc, unsigned bit, struct iso_error **err)
{
	if (rc == 0 || (err && podman_err_aborted(*err)))
		r->made |= bit;
	if (rc < 0 && err && podman_err_aborted(*err))
		r->uncertain |= bit;
	return rc;
}

int lifecycle_create_volumes(struct wo_run *r, int db, int odoo, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_labels l;
	if (odoo) {
		wo_labels_init(&l, w, ROLE_ODOO_DATA, r->grant.ports, NULL);
		lifecycle_run_intent(r, LEASE_MADE_ODOO_VOLUME);
		if (created_or_aborted(r, podman_volume_create(w->client, w->names.odoo_volume, l.v, l.n, NULL, err),
				       LEASE_MADE_ODOO_VOLUME, err) < 0)
			return iso_error_wrap(err, "create volume '%s'", w->names.odoo_volume);
	}
	if (db) {
		wo_labels_init(&l, w, ROLE_DB_DATA, r->grant.ports, NULL);
		lifecycle_run_intent(r, LEASE_MADE_DB_VOLUME);
		if (created_or_aborted(r, podman_volume_create(w->client, w->names.db_volume, l.v, l.n, NULL, err),
				       LEASE_MADE_DB_VOLUME, err) < 0)
			return iso_error_wrap(err, "create volume '%s'", w->names.db_volume);
	}
	return 0;
}

int lifecycle_create_secret(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	unsigned char raw[18];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot make a random password: %s", strerror(errno));
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char pw[25];
	for (size_t i = 0; i < 24; i++) {
		/* 18 bytes = 144 bits = 24 symbols of 6 bits. */
		size_t bit = i * 6;
		unsigned v = ((unsigned)raw[bit / 8] << 8 | (bit / 8 + 1 < sizeof(raw) ? raw[bit / 8 + 1] : 0)) >>
			     (10 - bit % 8);
		pw[i] = alphabet[v & 63];
	}
	pw[24] = '\0';
	struct wo_labels l;
	wo_labels_init(&l, w, ROLE_SECRET, r->grant.ports, NULL);
	lifecycle_run_intent(r, LEASE_MADE_SECRET);
	int rc = podman_secret_create(w->client, w->names.secret, pw, strlen(pw), l.v, l.n, NULL, err);
	explicit_bzero(pw, sizeof(pw));
	if (created_or_aborted(r, rc, LEASE_MADE_SECRET, err) < 0)
		return iso_error_wrap(err, "create secret '%s'", w->names.secret);
	return 0;
}

int lifecycle_create_pod(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const struct iso_profile *p = &w->cfg.profile;
	struct podman_port ports[ISO_PORT_PURPOSES];
	size_t n_ports = 0;
	for (int i = 0; i < ISO_PORT_PURPOSES; i++) {
		if (!r->grant.ports[i])
			continue;
		ports[n_ports++] = (struct podman_port){
			.host_ip = p->host_address,
			.host_port = r->grant.ports[i],
			.container_port = wo_purpose_container_port(i),
		};
	}
	struct wo_labels l;
	wo_labels_init(&l, w, ROLE_POD, r->grant.ports, r->hash);
	const char *aliases[] = {"db:127.0.0.1", NULL};
	struct podman_pod_spec spec = {
		.name = w->names.pod,
		.labels = l.v,
		.n_labels = l.n,
		.host_aliases = aliases,
		.ports = ports,
		.n_ports = n_ports,
	};
	lifecycle_run_intent(r, LEASE_MADE_POD);
	if (created_or_aborted(r, podman_pod_create(w->client, &spec, NULL, err), LEASE_MADE_POD, err) < 0)
		return iso_error_wrap(err, "create pod '%s'", w->names.pod);
	return 0;
}

int lifecycle_create_db(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	struct wo_labels l;
	wo_labels_init(&l, w, ROLE_DB, r->grant.ports, NULL);
	struct podman_pair env[] = {
		{"POSTGRES_USER", WO_DB_USER},
		{"POSTGRES_DB", w->names.database},
		/* Without it the image trusts TCP from 127.0.0.1, and so every process of the pod. */
		{"POSTGRES_INITDB_ARGS", "--auth-host=scram-sha-256"},
	};
	struct podman_pair secret_env[] = {{"POSTGRES_PASSWORD", w->names.secret}};
	struct podman_volume_mount vols[] = {{.name = w->names.db_volume, .dest = "/var/lib/postgresql/data"}};
	struct podman_container_spec spec = {
		.name = w->names.db_container,
		.pod = w->names.pod,
		.image = w->cfg.profile.db_image,
		.env = env,
		.n_env = ISO_ARRAY_SIZE(env),
		.secret_env = secret_env,
		.n_secret_env = 1,
		.volumes = vols,
		.n_volumes = 1,
		.labels = l.v,
		.n_labels = l.n,
	};
	lifecycle_run_intent(r, LEASE_MADE_DB);
	if (created_or_aborted(r, podman_container_create(w->client, &spec, NULL, err), LEASE_MADE_DB, err) < 0)
		return iso_error_wrap(err, "create container '%s'", w->names.db_container);
	return 0;
}

/* What the Odoo and init containers share: env, secret, volume, the repository's mounts. */
struct odoo_spec {
	struct podman_pair env[64];
	struct podman_pair secret_env[1];
	struct podman_volume_mount vols[1];
	struct podman_bind_mount mounts[2];
	char *mount_src[2];
	char *env_copy[64];
	struct wo_labels labels;
	struct podman_container_spec spec;
};

static void odoo_spec_init(struct odoo_spec *o, struct wo_run *r, const char *name, const char *role,
			   const char *const *cmd)
{
	struct wo_ctx *w = r->w;
	memset(o, 0, sizeof(*o));
	size_t n = 0;
	/* As the official image's entrypoint reads them; "db" is the pod's alias of 127.0.0.1. */
	o->env[n++] = (struct podman_pair){"HOST", "db"};
	o->env[n++] = (struct podman_pair){"PORT", "5432"};
	o->env[n++] = (struct podman_pair){"USER", WO_DB_USER};
	for (char **e = w->cfg.profile.env; e && *e && n < ISO_ARRAY_SIZE(o->env); e++) {
		char *kv = xstrdup(*e);
		char *eq = strchr(kv, '=');
		if (!eq) {
			free(kv);
			continue;
		}
		*eq = '\0';
		o->env_copy[n] = kv;
		o->env[n++] = (struct podman_pair){kv, eq + 1};
	}
	o->secret_env[0] = (struct podman_pair){"PASSWORD", w->names.secret};
	o->vols[0] = (struct podman_volume_mount){.name = w->names.odoo_volume, .dest = "/var/lib/odoo"};
	size_t nm = 0;
	static const char *const subdirs[2][2] = {{"addons", "/mnt/extra-addons"}, {"etc", "/etc/odoo"}};
	for (int i = 0; w->cfg.repo_dir && i < 2; i++) {
		char *src = xasprintf("%s/%s", w->cfg.repo_dir, subdirs[i][0]);
		struct stat st;
		if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
			o->mount_src[nm] = src;
			o->mounts[nm++] =
				(struct podman_bind_mount){.source = src, .dest = subdirs[i][1], .relabel = 'z'};
		} else {
			free(src);
		}
	}
	wo_labels_init(&o->labels, w, role, r->grant.ports, NULL);
	o->spec = (struct podman_container_spec){
		.name = name,
		.pod = w->names.pod,
		.image = w->cfg.profile.odoo_image,
		.env = o->env,
		.n_env = n,
		.secret_env = o->secret_env,
		.n_secret_env = 1,
		.volumes = o->vols,
		.n_volumes = 1,
		.mounts = o->mounts,
		.n_mounts = nm,
		.labels = o->labels.v,
		.n_labels = o->labels.n,
		.command = cmd,
	};
}

static void odoo_spec_release(struct odoo_spec *o)
{
	for (size_t i = 0; i < ISO_ARRAY_SIZE(o->env_copy); i++)
		free(o->env_copy[i]);
	free(o->mount_src[0]);
	free(o->mount_src[1]);
}

int lifecycle_create_odoo(struct wo_run *r, struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	cleanup_free char *filter = xasprintf("^%s$", w->names.database);
	const char *cmd[] = {"odoo", "--database", w->names.database, "--db-filter", filter, NULL};
	struct odoo_spec o;
	odoo_spec_init(&o, r, w->names.odoo_container, ROLE_ODOO, cmd);
	lifecycle_run_intent(r, LEASE_MADE_ODOO);
	int rc = podman_container_create(w->client, &o.spec, NULL, err);
	odoo_spec_release(&o);
	if (created_or_aborted(r, rc, LEASE_MADE_ODOO, err) < 0)
		return iso_error_wrap(err, "create container '%s'", w->names.odoo_container);
	return 0;
}

static int collect(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	struct iso_buf *b = ctx;
	if (iso_buf_append(b, data, len) == 0)
		return 0;
	/* Over the cap: keep the end, where an error usually is. */
	if (len >= b->max / 2) {
		iso_buf_release(b);
		iso_buf_append(b, data + len - b->max / 2, b->max / 2);
		return 0;
	}
	size_t keep = b->max / 2 - len;
	if (keep > b->len)
		keep = b->len;
	memmove(b->data, b->data + b->len - keep, keep);
	b->len = keep;
	b->data[keep] = '\0';
	iso_buf_append(b, data, len);
	return 0;
}

int lifecycle_run_oneshot(struct wo_run *r, enum wo_oneshot kind, const char *const *cmd, int *exit_code, char **output,
			  struct iso_error **err)
{
	struct wo_ctx *w = r->w;
	const char *name = w->names.init_container;
	/* A leftover of an interrupted run would make the create fail: it is ours by name and labels. */
	struct podman_container old;
	struct iso_error *e = NULL;
	if (podman_container_inspect(w->client, name, &old, &e) == 0) {
		int ours = wo_labels_match(&old.labels, &w->names);
		podman_container_release(&old);
		if (!ours)
			return iso_error_set(err, ISO_E_CONFLICT, 0,
					     "a container named '%s' exists and is not this work order's; remove it "
					     "with 'podman rm %s'",
					     name, name);
		if (podman_container_remove(w->client, name, 1, err) < 0)
			return -1;
	} else if (!podman_err_not_found(e)) {
		return iso_error_move(err, e);
	}
	iso_error_free(e);

	int rc = -1;
	struct odoo_spec o;
	struct podman_container_spec dbspec;
	struct podman_pair secret_env[] = {{"PGPASSWORD", w->names.secret}};
	struct wo_labels l;
	const char *entrypoint[2] = {cmd[0], NULL};
	int db_image = kind == WO_ONESHOT_DB_TOOL;
	if (db_image) {
		wo_labels_init(&l, w, ROLE_INIT, r->grant.ports, NULL);
		dbspec = (struct podman_container_spec){
			.name = name,
			.pod = w->names.pod,
			.image = w->cfg.profile.db_image,
			.secret_env = secret_env,
			.n_secret_env = 1,
			.labels = l.v,
			.n_labels = l.n,
			.entrypoint = entrypoint,
			.command = cmd + 1,
			/* psql and pg_isready write nothing: no anonymous volume for the image's data VOLUME */
			.image_volume_mode = "ignore",
		};
	} else {
		odoo_spec_init(&o, r, name, ROLE_INIT, cmd);
		if (kind == WO_ONESHOT_ODOO_TOOL) {
			o.spec.entrypoint = entrypoint;
			o.spec.command = cmd + 1;
			o.spec.image_volume_mode = "ignore";
		}
	}
	struct iso_buf out;
	iso_buf_init(&out, ONESHOT_OUTPUT_CAP);
	lifecycle_run_intent(r, LEASE_MADE_INIT);
	if (created_or_aborted(r, podman_container_create(w->client, db_image ? &dbspec : &o.spec, NULL, err),
			       LEASE_MADE_INIT, err) < 0) {
		iso_error_wrap(err, "create container '%s'", name);
		goto out;
	}
	/* Bounded by the run's readiness deadline: a hung `odoo -i base` must not hang `up`. */
	long left = r->deadline_ms ? (long)(r->deadline_ms - iso_now_ms()) : -1;
	if (podman_container_start(w->client, name, err) < 0 ||
	    podman_container_wait_for(w->client, name, left > 1000 ? left : 1000, exit_code, err) < 0) {
		if (*err && (*err)->status == ETIMEDOUT && r->deadline_ms && iso_now_ms() >= r->deadline_ms) {
			iso_error_free(*err);
			*err = NULL;
			iso_error_set(
				err, ISO_E_TIMEOUT, ETIMEDOUT,
				"container '%s' (%s) did not finish within the timeout; raise --timeout, and see its "
				"output with 'podman logs %s' while it runs",
				name, cmd[0], name);
		} else {
			iso_error_wrap(err, "run container '%s'", name);
		}
		goto out;
	}
	struct podman_logs_opts lo = {.tail = -1};
	if (podman_container_logs(w->client, name, &lo, collect, &out, err) < 0)
		goto out;
	if (podman_container_remove(w->client, name, 1, err) < 0)
		goto out;
	r->made &= ~(unsigned)LEASE_MADE_INIT;
	*output = iso_buf_steal(&out, NULL);
	rc = 0;
out:
	if (!db_image)
		odoo_spec_release(&o);
	iso_buf_release(&out);
	return rc;
}

/* Remove one object kind by name after re-checking its labels; not found is fine. */
static int remove_checked(struct wo_ctx *w, char kind, const char *name, struct iso_error **err)
{
	struct iso_error *e = NULL;
	struct podman_labels *labels = NULL;
	struct podman_pod pod;
	struct podman_container ctr;
	struct podman_volume vol;
	struct podman_secret sec;
	int rc;
	switch (kind) {
	case 'p':
		rc = podman_pod_inspect(w->client, name, &pod, &e);
		labels = &pod.labels;
		break;
	case 'c':
		rc = podman_container_inspect(w->client, name, &ctr, &e);
		labels = &ctr.labels;
		break;
	case 'v':
		rc = podman_volume_inspect(w->client, name, &vol, &e);
		labels = &vol.labels;
		break;
	default:
		rc = podman_secret_inspect(w->client, name, &sec, &e);
		labels = &sec.labels;
		break;
	}
	if (rc < 0) {
		if (podman_err_not_found(e)) {
			iso_error_free(e);
			return 0;
		}
		return iso_error_move(err, e);
	}
	int ours = wo_labels_match(labels, &w->names);
	switch (kind) {
	case 'p':
		podman_pod_release(&pod);
		break;
	case 'c':
		podman_container_release(&ctr);
		break;
	case 'v':
		podman_volume_release(&vol);
		break;
	default:
		podman_secret_release(&sec);
	}
	if (!ours)
		return iso_error_set(err, ISO_E_CONFLICT, 0,
				     "'%s' does not carry the labels of work order '%s' (profile %s); left in place",
				     name, w->names.wo, w->names.profile);
	switch (kind) {
	case 'p':
		rc = podman_pod_remove(w->client, name, 1, &e);
		break;
	case 'c':
		rc = podman_container_remove(w->client, name, 1, &e);
		break;
	case 'v':
		rc = podman_volume_remove(w->client, name, 0, &e);
		break;
	default:
		rc = podman_secret_remove(w->client, name, &e);
	}
	if (rc < 0 && !podman_err_not_found(e))
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
		char kind;
		const char *name;
	} steps[] = {
		{LEASE_MADE_POD, 'p', n->pod},
		{LEASE_MADE_INIT, 'c', n->init_container},
		{LEASE_MADE_ODOO, 'c', n->odoo_container},
		{LEASE_MADE_DB, 'c', n->db_container},
		{LEASE_MADE_SECRET, 's', n->secret},
		{LEASE_MADE_DB_VOLUME, 'v', n->db_volume},
		{LEASE_MADE_ODOO_VOLUME, 'v', n->odoo_volume},
	};
	int rc = 0;
	for (size_t i = 0; i < ISO_ARRAY_SIZE(steps); i++) {
		if (!(made & steps[i].bit))
			continue;
		/* A pod or container still there uses the secret and the volumes: keep them together. */
		if (rc < 0 && (steps[i].kind == 's' || steps[i].kind == 'v'))
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

static int wo_undo_blocked(struct wo_run *r);

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
	int rc = wo_undo_blocked(r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static int wo_undo_blocked(struct wo_run *r)
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
	if (r->took_lease && r->have_reg) {
		e = NULL;
		if (lease_release(&r->reg, &r->key, NULL, &e) < 0) {
			iso_warn("cannot release the port lease: %s", e->msg);
			iso_error_free(e);
		}
	}
	r->made = 0;
	r->uncertain = 0;
	return 0;
}

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
