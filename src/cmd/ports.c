/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_ports.c - `isopod ports [--json]`: the port leases of the registry.
 * Other users' leases (a shared registry) are shown as holders only: who
 * holds which port, nothing of their runs.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "workorder/config.h"
#include "lease/lease.h"
#include "workorder/workorder.h"

static const struct cli_help ports_help = {
	"usage: isopod ports [--rebuild] [--json]\n\n"
	"List the host ports leased to work orders, yours and, in a shared registry,\n"
	"other users' (as holders only: uid, profile, work order, port).\n\n",
	"Exit codes: 0 ok, 1 corrupt lease file, 2 bad input, 5 Podman unreachable\n"
	"(--rebuild), 6 Podman refused (--rebuild), 10 registry directory not usable,\n"
	"129/130/143 --rebuild interrupted by SIGHUP/SIGINT/SIGTERM.\n",
};

static int print_json(const struct lease_registry *reg, const struct lease_list *l, uid_t me, struct iso_error **err)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);

	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "registry", reg->dir);
	iso_jgen_kv_bool(g, "shared", reg->shared);
	iso_jgen_key(g, "leases");
	iso_jgen_array_open(g);
	for (size_t i = 0; i < l->n; i++) {
		const struct lease *x = &l->v[i];
		int mine = x->uid == me;
		iso_jgen_map_open(g);
		iso_jgen_kv_int(g, "port", x->port);
		iso_jgen_kv_string(g, "address", x->address);
		iso_jgen_kv_string(g, "purpose", wo_purpose_name(x->purpose));
		iso_jgen_kv_int(g, "uid", (long long)x->uid);
		iso_jgen_kv_string(g, "profile", x->profile);
		iso_jgen_kv_string(g, "work_order", x->wo);
		iso_jgen_kv_bool(g, "mine", mine);
		if (mine) {
			iso_jgen_kv_string(g, "state", lease_state_name(x->state));
			iso_jgen_key(g, "made");
			iso_jgen_array_open(g);
			for (int b = 0; lease_made_names[b]; b++)
				if (x->made & (1u << b))
					iso_jgen_string(g, lease_made_names[b]);
			iso_jgen_array_close(g);
			iso_jgen_kv_int(g, "pid", (long long)x->run.pid);
			iso_jgen_kv_int(g, "time", x->time);
		}
		iso_jgen_map_close(g);
	}
	iso_jgen_array_close(g);
	iso_jgen_map_close(g);
	return cli_print_json(g, err);
}

static void print_table(const struct lease_registry *reg, const struct lease_list *l, uid_t me)
{
	if (l->n == 0) {
		printf("no port leases in '%s'\n", reg->dir);
		return;
	}
	printf("%-6s %-16s %-10s %-6s %-10s %-24s %-9s %s\n", "PORT", "ADDRESS", "PURPOSE", "UID", "PROFILE",
	       "WORK ORDER", "STATE", "MADE");
	for (size_t i = 0; i < l->n; i++) {
		const struct lease *x = &l->v[i];
		char made[128] = "-";
		if (x->uid == me)
			lease_made_format(x->made, made, sizeof(made));
		printf("%-6d %-16s %-10s %-6u %-10s %-24s %-9s %s\n", x->port, x->address, wo_purpose_name(x->purpose),
		       (unsigned)x->uid, x->profile, x->wo, x->uid == me ? lease_state_name(x->state) : "-", made);
	}
}

int cmd_ports(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config cfg = {0};
	struct iso_config_flags flags = {0};
	struct lease_registry reg = {.dirfd = -1};
	struct lease_list list = {0};
	struct iso_error *err = NULL;
	int rc = 0, rebuild = 0;
	const struct cli_option opts[] = {
		CLI_OPT_BOOL(0, "rebuild", &rebuild,
			     "rebuild your leases from the labels of your pods (else of your\n"
			     "volumes), e.g. after the lease file was lost or damaged (a damaged\n"
			     "one is kept as leases.damaged-TIME); other users' leases are kept,\n"
			     "and a port someone else holds is replaced"),
		CLI_OPT_BOOL(0, "json", &mine.json, "one JSON document on stdout"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &ports_help, CLI_NO_ARGS, &mine, &rc) < 0)
		return rc;
	if (rebuild) {
		cli_catch_signals(SIGINT, SIGTERM, SIGHUP, 0);
		if (cmd_ports_rebuild(&mine, &err) == 0)
			return 0;
		if (!wo_interrupted)
			return cli_fail(&mine, err);
		iso_error_free(err);
		return cli_interrupted(
			&mine, wo_interrupted,
			"ports --rebuild interrupted by signal %d before it wrote anything; run it again",
			wo_interrupted);
	}
	if (wo_config_load(&cfg, &flags, &err) < 0 || lease_registry_open_config(&reg, &cfg, &err) < 0 ||
	    lease_list_all(&reg, geteuid(), &list, &err) < 0) {
		rc = cli_fail(&mine, err);
		goto out;
	}
	if (mine.json) {
		if (print_json(&reg, &list, geteuid(), &err) < 0)
			rc = cli_fail(&mine, err);
	} else {
		print_table(&reg, &list, geteuid());
	}
out:
	lease_list_release(&list);
	lease_registry_release(&reg);
	wo_config_release(&cfg);
	return rc;
}
