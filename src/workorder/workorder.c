/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One work order: configuration, names, the Podman client, its labels, what
 * of it exists, and the lock that keeps two runs of it apart.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "workorder/workorder.h"

volatile sig_atomic_t wo_interrupted;

int wo_client_open(struct wo_ctx *w, struct iso_error **err)
{
	if (wo_config_ensure_state_dir(&w->cfg, err) < 0)
		return -1;
	struct podman_client_opts o = {
		.state_dir = w->cfg.state_dir,
		.autostart = 1,
		.transport = {.abort_flag = w->abort_flag},
	};
	w->client = podman_client_new(&o, err);
	if (!w->client)
		return -1;
	if (podman_connect(w->client, err) < 0)
		return -1;
	const char *ep = podman_client_endpoint(w->client);
	w->remote = !ep || !iso_str_has_prefix(ep, "unix://");
	return 0;
}

int wo_ctx_init(struct wo_ctx *w, const char *wo, const struct iso_config_flags *flags, enum wo_need need,
		struct iso_error **err)
{
	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
	w->uid = geteuid();
	w->abort_flag = &wo_interrupted;
	if (wo_config_load(&w->cfg, flags, err) < 0)
		return -1;
	if (wo && wo_names_init(&w->names, w->cfg.profile.name, wo, err) < 0)
		return -1;
	if (need == WO_NEED_PODMAN && wo_client_open(w, err) < 0)
		return -1;
	return 0;
}

void wo_ctx_release(struct wo_ctx *w)
{
	if (w->lock_fd >= 0)
		close(w->lock_fd); /* drops the flock */
	w->lock_fd = -1;
	podman_client_free(w->client);
	w->client = NULL;
	wo_config_release(&w->cfg);
}

int wo_lock(struct wo_ctx *w, long wait_ms, struct iso_error **err)
{
	if (wo_config_ensure_state_dir(&w->cfg, err) < 0)
		return -1;
	cleanup_free char *dir = xasprintf("%s/locks", w->cfg.state_dir);
	if (iso_mkdir_p(dir, 0700, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/%s.lock", dir, w->names.wo);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot open lock file '%s': %s", path, strerror(errno));
	int64_t deadline = iso_now_ms() + wait_ms;
	int said = 0;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(fd);
			return iso_error_set(err, ISO_E_HOST, e, "cannot lock '%s': %s", path, strerror(e));
		}
		if (iso_now_ms() >= deadline || (w->abort_flag && *w->abort_flag)) {
			close(fd);
			return iso_error_set(err, ISO_E_CONFLICT, EWOULDBLOCK,
					     "work order '%s' is busy: another isopod run holds it; wait for it to "
					     "finish and try again",
					     w->names.wo);
		}
		if (!said) {
			iso_info("waiting for another isopod run on work order '%s' to finish...", w->names.wo);
			said = 1;
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	w->lock_fd = fd;
	return 0;
}

/* Five identity labels, one per port, the hash, who asked for the address, the repository. */
_Static_assert(ISO_ARRAY_SIZE(((struct wo_labels *)0)->v) >= 5 + ISO_PORT_PURPOSES + 3,
	       "struct wo_labels holds every label of a pod");

void wo_labels_init(struct wo_labels *l, const struct wo_ctx *w, const char *role, const int ports[ISO_PORT_PURPOSES],
		    const char *wo_config_hash)
{
	memset(l, 0, sizeof(*l));
	const struct workorder_names *n = &w->names;
	l->v[l->n++] = (struct podman_pair){LABEL_SCHEMA, LABEL_SCHEMA_VERSION};
	if (n->template_key[0]) {
		/* A template build: no work order's key; its volumes are the template's. */
		l->v[l->n++] = (struct podman_pair){LABEL_KIND, KIND_TEMPLATE_BUILD};
		l->v[l->n++] = (struct podman_pair){LABEL_PROFILE, n->profile};
		l->v[l->n++] = (struct podman_pair){LABEL_TEMPLATE, n->template_key};
		if (!strcmp(role, ROLE_DB_DATA) || !strcmp(role, ROLE_ODOO_DATA)) {
			l->v[1].value = KIND_TEMPLATE;
			role = !strcmp(role, ROLE_DB_DATA) ? ROLE_TPL_DB : ROLE_TPL_FILES;
		}
		l->v[l->n++] = (struct podman_pair){LABEL_ROLE, role};
		return;
	}
	l->v[l->n++] = (struct podman_pair){LABEL_KEY, n->key};
	l->v[l->n++] = (struct podman_pair){LABEL_WO, n->wo};
	l->v[l->n++] = (struct podman_pair){LABEL_PROFILE, n->profile};
	l->v[l->n++] = (struct podman_pair){LABEL_ROLE, role};
	for (int p = 0; ports && p < ISO_PORT_PURPOSES; p++) {
		if (!ports[p])
			continue;
		snprintf(l->keys[p], sizeof(l->keys[p]), "%s%s", LABEL_PORT_PREFIX, wo_purpose_name(p));
		snprintf(l->ports[p], sizeof(l->ports[p]), "%s:%d", w->cfg.profile.host_address, ports[p]);
		l->v[l->n++] = (struct podman_pair){l->keys[p], l->ports[p]};
	}
	if (wo_config_hash)
		l->v[l->n++] = (struct podman_pair){LABEL_CONFIG, wo_config_hash};
	/* Who asked for the pod's host address: `verify` trusts a recorded --bind (workorder/config.h). */
	if (wo_config_hash)
		l->v[l->n++] = (struct podman_pair){LABEL_BIND_FROM,
						    wo_config_source_token(w->cfg.profile.host_address_source)};
	/* The hash covers the repository's mounts and env: drift is judged against the same repository. */
	if (wo_config_hash && w->cfg.repo_dir)
		l->v[l->n++] = (struct podman_pair){LABEL_REPO, w->cfg.repo_dir};
}

int wo_labels_match(const struct podman_labels *labels, const struct workorder_names *n)
{
	const char *schema = podman_labels_get(labels, LABEL_SCHEMA);
	if (n->template_key[0]) {
		const char *tpl = podman_labels_get(labels, LABEL_TEMPLATE);
		const char *prof = podman_labels_get(labels, LABEL_PROFILE);
		return schema && !strcmp(schema, LABEL_SCHEMA_VERSION) && !podman_labels_get(labels, LABEL_KEY) &&
		       tpl && !strcmp(tpl, n->template_key) && prof && !strcmp(prof, n->profile);
	}
	const char *key = podman_labels_get(labels, LABEL_KEY);
	const char *wo = podman_labels_get(labels, LABEL_WO);
	const char *profile = podman_labels_get(labels, LABEL_PROFILE);
	return schema && !strcmp(schema, LABEL_SCHEMA_VERSION) && key && !strcmp(key, n->key) && wo &&
	       !strcmp(wo, n->wo) && profile && !strcmp(profile, n->profile);
}

void wo_labels_ports(const struct podman_labels *labels, int ports[ISO_PORT_PURPOSES], char *address, size_t size)
{
	if (address && size)
		address[0] = '\0';
	for (int p = 0; p < ISO_PORT_PURPOSES; p++) {
		ports[p] = 0;
		char key[64];
		snprintf(key, sizeof(key), "%s%s", LABEL_PORT_PREFIX, wo_purpose_name(p));
		const char *v = podman_labels_get(labels, key);
		const char *colon = v ? strrchr(v, ':') : NULL;
		long port;
		if (!colon || iso_parse_long(colon + 1, 1, 65535, &port) < 0)
			continue;
		ports[p] = (int)port;
		if (address && size && !address[0])
			snprintf(address, size, "%.*s", (int)(colon - v), v);
	}
}

/* The profile of an object of this work order under another profile, from its labels. */
static void note_other_profile(struct wo_found *f, const struct podman_labels *labels, const struct workorder_names *n)
{
	const char *profile = podman_labels_get(labels, LABEL_PROFILE);
	const char *wo = podman_labels_get(labels, LABEL_WO);
	if (profile && wo && !strcmp(wo, n->wo) && strcmp(profile, n->profile) && !f->other_profile[0] &&
	    wo_profile_name_check(profile, NULL) == 0)
		snprintf(f->other_profile, sizeof(f->other_profile), "%s", profile);
}

int wo_find(struct wo_ctx *w, struct wo_found *f, struct iso_error **err)
{
	memset(f, 0, sizeof(*f));
	const struct workorder_names *n = &w->names;
	struct podman_pair by_wo = {LABEL_WO, n->wo};

	/*
	 * The pod by its name: a label-filtered listing makes Podman 4.3 work out
	 * the state of every pod of the user (2-100 ms measured).  Another
	 * profile's objects of this work order show in the volume listing below.
	 */
	struct iso_error *pe = NULL;
	if (podman_pod_inspect(w->client, n->pod, &f->pod, &pe) == 0) {
		if (wo_labels_match(&f->pod.labels, n)) {
			f->have_pod = 1;
		} else {
			f->pod_foreign = 1;
			podman_pod_release(&f->pod);
		}
	} else if (podman_err_not_found(pe)) {
		iso_error_free(pe);
	} else {
		return iso_error_move(err, pe);
	}

	struct podman_volume *vols = NULL;
	size_t n_vols = 0;
	if (podman_volume_list(w->client, &by_wo, &vols, &n_vols, err) < 0) {
		wo_found_release(f);
		return -1;
	}
	for (size_t i = 0; i < n_vols; i++) {
		if (!wo_labels_match(&vols[i].labels, n)) {
			note_other_profile(f, &vols[i].labels, n);
			continue;
		}
		const char *role = podman_labels_get(&vols[i].labels, LABEL_ROLE);
		if (role && !strcmp(role, ROLE_DB_DATA) && !strcmp(vols[i].name, n->db_volume))
			f->have_db_volume = 1;
		else if (role && !strcmp(role, ROLE_ODOO_DATA) && !strcmp(vols[i].name, n->odoo_volume))
			f->have_odoo_volume = 1;
	}
	podman_volume_list_free(vols, n_vols);

	struct podman_secret s;
	struct iso_error *e = NULL;
	if (podman_secret_inspect(w->client, n->secret, &s, &e) == 0) {
		if (wo_labels_match(&s.labels, n))
			f->have_secret = 1;
		else
			f->secret_foreign = 1;
		podman_secret_release(&s);
	} else if (podman_err_not_found(e)) {
		iso_error_free(e);
	} else {
		wo_found_release(f);
		return iso_error_move(err, e);
	}
	return 0;
}

void wo_found_release(struct wo_found *f)
{
	if (f->have_pod)
		podman_pod_release(&f->pod);
	memset(f, 0, sizeof(*f));
}

/* The work order's container of ROLE is missing: follow the profile it has, or say what is missing. */
int wo_resolve_container(struct wo_ctx *w, int profile_given, const char *role, struct iso_error **err)
{
	struct wo_found f;
	if (wo_find(w, &f, err) < 0)
		return -1;
	int switched = 0;
	/* Once: two profiles that both hold something of this work order must not bounce. */
	if (!f.have_pod && f.other_profile[0] && !profile_given && !w->profile_followed) {
		char wo[WO_ID_MAX + 1]; /* wo_names_init clears w->names before it reads the id */
		memcpy(wo, w->names.wo, sizeof(wo));
		switched = wo_names_init(&w->names, f.other_profile, wo, err) == 0;
		w->profile_followed = switched;
	}
	int pod = f.have_pod, vols = f.have_db_volume || f.have_odoo_volume;
	wo_found_release(&f);
	if (switched)
		return 0;
	if (pod)
		return iso_error_set(err, ISO_E_UNKNOWN, 0,
				     "work order '%s' has no %s container; 'isopod up %s' recreates it", w->names.wo,
				     role, w->names.wo);
	return iso_error_set(err, ISO_E_UNKNOWN, 0, "work order '%s' has no pod%s; 'isopod up %s' %s", w->names.wo,
			     vols ? " (it is down, volumes kept)" : "", w->names.wo, vols ? "starts it" : "makes it");
}
