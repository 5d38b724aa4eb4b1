/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod version [--json] [--no-start]: the client version, the Podman
 * server's (from Libpod-Api-Version and the engine component of
 * /libpod/version, not Docker's ApiVersion), the endpoint, and whether this
 * call started the service.  It is the first thing to run on a new host, so
 * it also proves the endpoint and the service start work.
 */
#include <stdio.h>
#include <string.h>
#include "base/cleanup.h"
#include "base/json.h"
#include "cmd/cmd.h"
#include "workorder/config.h"
#include "podman/client.h"

#ifndef ISOPOD_VERSION
#define ISOPOD_VERSION "0.0.0"
#endif

static int print_json(struct podman_client *pc, const struct podman_version *v, struct iso_error **err)
{
	cleanup_jgen iso_jgen *j = iso_jgen_new(0);
	iso_jgen_map_open(j);
	iso_jgen_key(j, "client");
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "version", ISOPOD_VERSION);
	iso_jgen_map_close(j);
	iso_jgen_key(j, "server");
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "version", v->version);
	iso_jgen_kv_string(j, "api_version", podman_client_server_version(pc));
	iso_jgen_kv_string(j, "go_version", v->go_version);
	iso_jgen_kv_string(j, "os_arch", v->os_arch);
	iso_jgen_map_close(j);
	iso_jgen_kv_string(j, "endpoint", podman_client_endpoint(pc));
	iso_jgen_kv_bool(j, "service_started", podman_client_started_service(pc));
	iso_jgen_map_close(j);
	return cli_print_json(j, err);
}

static void print_text(struct podman_client *pc, const struct podman_version *v)
{
	printf("client:   isopod %s\n", ISOPOD_VERSION);
	printf("server:   podman %s (libpod API %s)\n", v->version,
	       podman_client_server_version(pc) ? podman_client_server_version(pc) : "?");
	printf("endpoint: %s\n", podman_client_endpoint(pc));
	if (podman_client_started_service(pc))
		printf("service:  started by this call (exits after %d s idle)\n", PODMAN_SERVICE_IDLE_DEFAULT);
	else
		printf("service:  already running\n");
}

int cmd_version(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals gl = *g;
	struct iso_error *err = NULL;
	struct iso_config cfg = {0};
	struct podman_version v = {0};
	int no_start = 0, have_cfg = 0, rc = 0;
	char head[512];
	snprintf(head, sizeof(head),
		 "usage: isopod version [--json] [--no-start]\n\n"
		 "Print the isopod version, the Podman server version, the endpoint used\n"
		 "(CONTAINER_HOST, else the rootless socket in XDG_RUNTIME_DIR) and whether\n"
		 "this call started 'podman system service' (idle timeout %d s).\n\n",
		 PODMAN_SERVICE_IDLE_DEFAULT);
	const struct cli_help help = {head, NULL};
	const struct cli_option opts[] = {
		CLI_OPT_BOOL('j', "json", &gl.json, "one JSON document"),
		CLI_OPT_BOOL('n', "no-start", &no_start, "do not start the service when nothing answers"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &help, CLI_NO_ARGS, &gl, &rc) < 0)
		return rc;

	/* the state dir only serves the service log: a broken config must not hide the versions */
	if (!no_start) {
		struct iso_error *cerr = NULL;
		if (wo_config_load(&cfg, NULL, &cerr) == 0 && wo_config_ensure_state_dir(&cfg, &cerr) == 0)
			have_cfg = 1;
		iso_error_free(cerr);
	}
	struct podman_client_opts o = {
		.state_dir = have_cfg ? cfg.state_dir : NULL,
		.autostart = !no_start && have_cfg,
	};
	cleanup_podman_client struct podman_client *pc = podman_client_new(&o, &err);
	if (!pc || podman_connect(pc, &err) < 0 || podman_version(pc, &v, &err) < 0) {
		if (!gl.json)
			printf("client:   isopod %s\n", ISOPOD_VERSION);
		rc = cli_fail(&gl, err);
	} else if (gl.json) {
		if (print_json(pc, &v, &err) < 0)
			rc = cli_fail(&gl, err);
	} else {
		print_text(pc, &v);
	}
	podman_version_release(&v);
	if (have_cfg)
		wo_config_release(&cfg);
	return rc;
}
