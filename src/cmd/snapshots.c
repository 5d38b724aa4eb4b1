/* SPDX-License-Identifier: Apache-2.0 */
/* isopod snapshots [WO-ID]: a work order's snapshots, or every work order's. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "cmd/cmd.h"
#include "cmd/ls.h"
#include "snapshot/snapshot.h"

static const struct cli_help snapshots_help = {
	"usage: isopod snapshots [WO-ID] [--profile NAME] [--json]\n\n"
	"List the snapshots of a work order, or of every work order: name, state (ready,\n"
	"or partial: an interrupted snapshot that 'isopod gc' removes), when made, size.\n\n",
	"Exit codes: 0 ok, 2 bad input, 5 Podman unreachable, 6 Podman refused.\n",
};

static int print_list(const struct snap_list *l, int json, struct iso_error **err)
{
	if (!json) {
		printf("%-12s %-24s %-8s %-20s %s\n", "WO", "NAME", "STATE", "CREATED", "SIZE");
		for (size_t i = 0; i < l->n; i++) {
			char c[32];
			cmd_format_utc(l->v[i].created, c, sizeof c);
			printf("%-12s %-24s %-8s %-20s %.1f MB\n", l->v[i].wo, l->v[i].name,
			       l->v[i].sealed ? "ready" : "partial", c, (double)l->v[i].bytes / 1e6);
		}
		return 0;
	}
	cleanup_jgen iso_jgen *j = iso_jgen_new(0);
	iso_jgen_map_open(j);
	iso_jgen_key(j, "snapshots");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < l->n; i++) {
		char c[32];
		cmd_format_utc(l->v[i].created, c, sizeof c);
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "work_order", l->v[i].wo);
		iso_jgen_kv_string(j, "profile", l->v[i].profile);
		iso_jgen_kv_string(j, "name", l->v[i].name);
		iso_jgen_kv_string(j, "state", l->v[i].sealed ? "ready" : "partial");
		iso_jgen_kv_string(j, "created", l->v[i].created ? c : NULL);
		iso_jgen_kv_int(j, "bytes", (long long)l->v[i].bytes);
		iso_jgen_kv_string(j, "database", l->v[i].database);
		iso_jgen_map_close(j);
	}
	iso_jgen_array_close(j);
	iso_jgen_map_close(j);
	return cli_print_json(j, err);
}

int cmd_snapshots(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_BOOL(0, "json", &mine.json, "one JSON object: {\"snapshots\": [...]}"),
		CLI_OPT_END(),
	};
	int n = cli_parse(argc, argv, opts, &snapshots_help, 0, &mine, &rc);
	if (n < 0)
		return rc;
	if (n > 1)
		return cli_usage(&mine, argv[0], "unexpected argument '%s'", argv[2]);
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct snap_list l = {0};
	if (wo_ctx_init(&w, n ? argv[1] : "snapshots", &flags, WO_NEED_PODMAN, &err) < 0 ||
	    snap_list(&w, n == 0, &l, &err) < 0 || print_list(&l, mine.json, &err) < 0)
		rc = cli_fail(&mine, err);
	snap_list_release(&l);
	wo_ctx_release(&w);
	return rc;
}
