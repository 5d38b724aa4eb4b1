/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `isopod up` answers once the pod is ready: the URL, the database,
 * the commands to read its logs and stop it, and the drift (src/cmd/up.c
 * decides; this file only prints, as text or as one JSON object).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "template/template.h"
#include "lifecycle/lifecycle.h"
#include "verify/verify.h"

/* The password lives in the secret; Podman 4.3 shows it only in the db container's environment. */
static char *db_password(struct wo_ctx *w)
{
	struct podman_container c;
	struct iso_error *e = NULL;
	if (podman_container_inspect(w->client, w->names.db_container, &c, &e) < 0) {
		iso_error_free(e);
		return NULL;
	}
	char *pw = NULL;
	for (size_t i = 0; c.env && c.env[i]; i++)
		if (iso_str_has_prefix(c.env[i], "POSTGRES_PASSWORD="))
			pw = xstrdup(c.env[i] + strlen("POSTGRES_PASSWORD="));
	podman_container_release(&c);
	return pw;
}

/* The URL Odoo answers on: the bound address, or the remote endpoint's host behind tcp://. */
static char *env_url(struct wo_run *r)
{
	struct wo_ctx *w = r->w;
	const char *addr = w->cfg.profile.host_address;
	const char *shown = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::") ? "127.0.0.1" : addr;
	/* Behind a tcp:// endpoint the ports are published on that host. */
	char remote_host[256] = "";
	const char *ep = podman_client_endpoint(w->client);
	if (w->remote && ep && iso_str_has_prefix(ep, "tcp://")) {
		const char *h = ep + strlen("tcp://");
		size_t n = strcspn(h, h[0] == '[' ? "]" : ":/");
		snprintf(remote_host, sizeof(remote_host), "%.*s", (int)(h[0] == '[' ? n + 1 : n), h);
		shown = remote_host[0] == '[' ? remote_host + 1 : remote_host;
		if (remote_host[0] == '[')
			remote_host[strlen(remote_host) - 1] = '\0';
	}
	int v6 = strchr(shown, ':') != NULL;
	return xasprintf("http://%s%s%s:%d", v6 ? "[" : "", shown, v6 ? "]" : "", r->grant.ports[ISO_PORT_HTTP]);
}

static void print_env_json(struct wo_run *r, int show_secrets, const char *what, int drift,
			   const struct verify_outcome *vo, const char *url, const char *pw)
{
	struct wo_ctx *w = r->w;
	cleanup_jgen iso_jgen *j = iso_jgen_new(1);
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "work_order", w->names.wo);
	iso_jgen_kv_string(j, "profile", w->names.profile);
	iso_jgen_kv_string(j, "pod", w->names.pod);
	iso_jgen_kv_string(j, "state", "running");
	iso_jgen_kv_string(j, "action", what);
	iso_jgen_kv_string(j, "url", url);
	iso_jgen_kv_string(j, "host_address", w->cfg.profile.host_address);
	iso_jgen_key(j, "ports");
	iso_jgen_map_open(j);
	for (int p = 0; p < ISO_PORT_PURPOSES; p++)
		if (r->grant.ports[p])
			iso_jgen_kv_int(j, wo_purpose_name(p), r->grant.ports[p]);
	iso_jgen_map_close(j);
	iso_jgen_kv_string(j, "database", w->names.database);
	iso_jgen_kv_string(j, "db_user", WO_DB_USER);
	if (show_secrets)
		iso_jgen_kv_string(j, "db_password", pw);
	iso_jgen_kv_bool(j, "drift", drift);
	cleanup_free char *origin = tpl_origin_read(w);
	iso_jgen_kv_string(j, "origin", origin);
	iso_jgen_key(j, "volumes");
	iso_jgen_array_open(j);
	iso_jgen_string(j, w->names.odoo_volume);
	iso_jgen_string(j, w->names.db_volume);
	iso_jgen_array_close(j);
	iso_jgen_key(j, "commands");
	iso_jgen_map_open(j);
	cleanup_free char *logs = xasprintf("isopod logs %s", w->names.wo);
	cleanup_free char *stop = xasprintf("isopod down %s", w->names.wo);
	iso_jgen_kv_string(j, "logs", logs);
	iso_jgen_kv_string(j, "stop", stop);
	iso_jgen_map_close(j);
	if (vo) {
		/* One document: the isolation report is a member of up's answer. */
		iso_jgen_key(j, "verify");
		iso_jgen_map_open(j);
		iso_jgen_kv_bool(j, "ok", verify_report_class(&vo->report) == ISO_OK);
		iso_jgen_kv_int(j, "elapsed_ms", vo->elapsed_ms);
		cmd_verify_report_json(j, vo);
		iso_jgen_map_close(j);
	}
	iso_jgen_map_close(j);
	cli_print_json(j, NULL);
}

void cmd_up_print_env(struct wo_run *r, const struct iso_globals *g, int show_secrets, const char *what, int drift,
		      const struct verify_outcome *vo)
{
	struct wo_ctx *w = r->w;
	cleanup_free char *url = env_url(r);
	cleanup_free char *pw = show_secrets ? db_password(w) : NULL;
	if (g->json) {
		print_env_json(r, show_secrets, what, drift, vo, url, pw);
		return;
	}
	printf("work order %s (profile %s) is up: %s\n", w->names.wo, w->names.profile, what);
	printf("  url:       %s\n", url);
	printf("  database:  %s (user %s)\n", w->names.database, WO_DB_USER);
	cleanup_free char *origin = tpl_origin_read(w);
	if (origin)
		printf("  data from: %s\n", origin);
	if (show_secrets)
		printf("  password:  %s\n", pw ? pw : "(unavailable)");
	else
		printf("  password:  hidden (--show-secrets shows it)\n");
	if (drift)
		printf("  drift:     the pod was made from another configuration; 'isopod up %s --recreate' "
		       "rebuilds it (volumes kept)\n",
		       w->names.wo);
	printf("  logs:      isopod logs %s [odoo|db|init]\n", w->names.wo);
	printf("  stop:      isopod down %s   (--cleanup also deletes its data)\n", w->names.wo);
	if (vo)
		cmd_verify_print(w, vo, 0);
}
