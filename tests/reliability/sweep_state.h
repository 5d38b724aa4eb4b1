/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep_state.h - what the sweep (test_sweep.c) knows of a work order's
 * objects, asked of Podman's REST API by the io.isopod.key label (never the
 * podman CLI), and of its leases, read from `isopod ports --json`; and the
 * label filter sweep_store.h lists templates and snapshots with.
 * Included once, by test_sweep.c (the Makefile links one .c per test).
 */
#ifndef ISOPOD_SWEEP_STATE_H
#define ISOPOD_SWEEP_STATE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "podman_test.h"

struct sweep_objs {
	int pods, pods_running, pod_containers; /* pod_containers: of the first pod, infra included */
	int containers,
		containers_running; /* labelled ones: odoo, db and the infra container (it has the pod's labels) */
	int volumes;
	int secret;
	int leases, leases_ready, lease_port;
	char odoo_id[80], db_id[80];
};

/* GET PATH as JSON (owned by the caller; NULL, printed, unless status 200). */
static iso_json *sweep_get_json(const char *path)
{
	long st = 0;
	char *body = NULL;
	struct iso_error *err = NULL;
	if (ptest_request("GET", path, NULL, &st, &body) != 0 || st != 200) {
		fprintf(stderr, "sweep: GET %s: status %ld: %s\n", path, st, body ? body : "(no answer)");
		free(body);
		return NULL;
	}
	iso_json *j = iso_json_parse(body, strlen(body), 0, ISO_E_INTERNAL, path, &err);
	if (!j)
		fprintf(stderr, "sweep: GET %s: not JSON: %.200s\n", path, body);
	free(body);
	iso_error_free(err);
	return j;
}

/* The URL-encoded filters={"label":["LABEL"]} (LABEL as "key=value"). */
static void sweep_label_filter(char *buf, size_t size, const char *label)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = (size_t)snprintf(buf, size, "filters=%%7B%%22label%%22%%3A%%5B%%22");
	for (const unsigned char *c = (const unsigned char *)label; *c && n + 4 < size; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("._-", *c)) {
			buf[n++] = (char)*c;
		} else {
			buf[n++] = '%', buf[n++] = hex[*c >> 4], buf[n++] = hex[*c & 15];
		}
	}
	snprintf(buf + n, size > n ? size - n : 0, "%%22%%5D%%7D");
}

/* The filter of PROFILE/WO's objects: io.isopod.key=PROFILE/WO. */
static void sweep_key_filter(char *buf, size_t size, const char *profile, const char *wo)
{
	char label[160];
	snprintf(label, sizeof label, "io.isopod.key=%s/%s", profile, wo);
	sweep_label_filter(buf, size, label);
}

static int sweep_pods(const char *profile, const char *wo, struct sweep_objs *o)
{
	char f[256], path[400];
	sweep_key_filter(f, sizeof f, profile, wo);
	snprintf(path, sizeof path, "/v4.0.0/libpod/pods/json?%s", f);
	cleanup_json iso_json *j = sweep_get_json(path);
	if (!j || !iso_json_is(j, ISO_JSON_ARRAY))
		return -1;
	for (size_t i = 0; iso_json_at(j, i); i++) {
		const iso_json *p = iso_json_at(j, i), *cs = iso_json_get(p, "Containers");
		const char *status = iso_json_get_string(p, "Status");
		o->pods++;
		o->pods_running += status && strcmp(status, "Running") == 0;
		if (i == 0)
			for (size_t k = 0; iso_json_at(cs, k); k++)
				o->pod_containers++;
	}
	return 0;
}

static int sweep_containers(const char *profile, const char *wo, struct sweep_objs *o)
{
	char f[256], path[400], odoo[128], db[128];
	sweep_key_filter(f, sizeof f, profile, wo);
	snprintf(path, sizeof path, "/v4.0.0/libpod/containers/json?all=true&%s", f);
	snprintf(odoo, sizeof odoo, "odoo_%s_%s", profile, wo);
	snprintf(db, sizeof db, "db_%s_%s", profile, wo);
	cleanup_json iso_json *j = sweep_get_json(path);
	if (!j || !iso_json_is(j, ISO_JSON_ARRAY))
		return -1;
	for (size_t i = 0; iso_json_at(j, i); i++) {
		const iso_json *c = iso_json_at(j, i);
		const char *state = iso_json_get_string(c, "State"), *id = iso_json_get_string(c, "Id");
		const char *name = iso_json_string(iso_json_at(iso_json_get(c, "Names"), 0));
		o->containers++;
		o->containers_running += state && strcmp(state, "running") == 0;
		if (name && id && strcmp(name, odoo) == 0)
			snprintf(o->odoo_id, sizeof o->odoo_id, "%s", id);
		if (name && id && strcmp(name, db) == 0)
			snprintf(o->db_id, sizeof o->db_id, "%s", id);
	}
	return 0;
}

static int sweep_volumes_secret(const char *profile, const char *wo, struct sweep_objs *o)
{
	char f[256], path[400];
	long st = 0;
	char *body = NULL;
	sweep_key_filter(f, sizeof f, profile, wo);
	snprintf(path, sizeof path, "/v4.0.0/libpod/volumes/json?%s", f);
	cleanup_json iso_json *j = sweep_get_json(path);
	if (!j || !iso_json_is(j, ISO_JSON_ARRAY))
		return -1;
	for (size_t i = 0; iso_json_at(j, i); i++)
		o->volumes++;
	snprintf(path, sizeof path, "/v4.0.0/libpod/secrets/db-%s-%s-password/json", profile, wo);
	if (ptest_request("GET", path, NULL, &st, &body) != 0)
		return -1;
	free(body);
	o->secret = st == 200;
	return 0;
}

/* The registry directory and the leases of WO (of PROFILE), from `isopod ports --json` (straight to Podman). */
static int sweep_leases(const char *profile, const char *wo, struct sweep_objs *o, char *registry, size_t reg_size)
{
	char *out = NULL, *errout = NULL;
	struct iso_error *err = NULL;
	int rc = ptest_isopod(&out, &errout, "--json ports");
	if (rc != 0) {
		fprintf(stderr, "sweep: isopod ports --json: exit %d: %s\n", rc, errout);
		free(out), free(errout);
		return -1;
	}
	cleanup_json iso_json *j = iso_json_parse(out, strlen(out), 0, ISO_E_INTERNAL, "ports", &err);
	free(out), free(errout);
	iso_error_free(err);
	const iso_json *l = iso_json_get(j, "leases");
	if (registry && iso_json_get_string(j, "registry"))
		snprintf(registry, reg_size, "%s", iso_json_get_string(j, "registry"));
	for (size_t i = 0; iso_json_at(l, i); i++) {
		const iso_json *x = iso_json_at(l, i);
		const char *w = iso_json_get_string(x, "work_order"), *state = iso_json_get_string(x, "state");
		const char *prof = iso_json_get_string(x, "profile");
		long long port = 0;
		if (!w || strcmp(w, wo) != 0 || (prof && strcmp(prof, profile) != 0))
			continue;
		o->leases++;
		o->leases_ready += state && strcmp(state, "ready") == 0;
		if (iso_json_int(iso_json_get(x, "port"), &port) == 0)
			o->lease_port = (int)port;
	}
	return 0;
}

/* Everything of PROFILE/WO; -1 (printed) when Podman or isopod could not be asked. */
static int sweep_objs_get(const char *profile, const char *wo, struct sweep_objs *o)
{
	memset(o, 0, sizeof *o);
	if (sweep_pods(profile, wo, o) < 0 || sweep_containers(profile, wo, o) < 0 ||
	    sweep_volumes_secret(profile, wo, o) < 0 || sweep_leases(profile, wo, o, NULL, 0) < 0)
		return -1;
	return 0;
}

static void sweep_objs_describe(const struct sweep_objs *o, char *buf, size_t size)
{
	snprintf(buf, size,
		 "%d pod(s) (%d running, %d containers in it), %d labelled container(s) (%d running), %d volume(s), "
		 "secret %s, %d lease(s) (%d ready, port %d)",
		 o->pods, o->pods_running, o->pod_containers, o->containers, o->containers_running, o->volumes,
		 o->secret ? "present" : "absent", o->leases, o->leases_ready, o->lease_port);
}

/* The healthy set after `up`: 1 running pod with 2 containers (odoo, db) plus infra, 2 volumes, 1 secret, 1 lease. */
static int sweep_objs_healthy(const struct sweep_objs *o)
{
	return o->pods == 1 && o->pods_running == 1 && o->pod_containers == 3 && o->containers == 3 &&
	       o->containers_running == 3 && o->odoo_id[0] && o->db_id[0] && o->volumes == 2 && o->secret &&
	       o->leases == 1 && o->leases_ready == 1;
}

static int sweep_objs_none(const struct sweep_objs *o)
{
	return o->pods == 0 && o->containers == 0 && o->volumes == 0 && !o->secret && o->leases == 0;
}

#endif
