/* SPDX-License-Identifier: Apache-2.0 */
/* isopod verify: prove a running work order's isolation, check by check. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "verify/verify.h"

static const struct cli_help verify_help = {
	"usage: isopod verify WO-ID [--profile NAME] [--json]\n\n"
	"Enter the work order's pod namespaces and check, each as pass, warn, fail or\n"
	"unverified, with its evidence:\n"
	"  1 namespace   the pod has its own network namespace (not the host's, no other work order's)\n"
	"  2 members     every container of the pod is in it\n"
	"  3 interfaces  interfaces, addresses and routes are what the network mode makes\n"
	"  4 postgres    Postgres listens inside; its port is not published unless asked for\n"
	"  5 published   published ports bind the intended host address only\n"
	"  6 reach       no work order's published port can be reached from inside the pod\n\n",
	"Exit codes: 0 every check passed or warned, 2 bad input, 3 unknown work order,\n"
	"5 Podman unreachable, 9 a check failed or could not be verified (also: the work\n"
	"order is down), 10 remote endpoint (no PIDs to enter).\n",
};

int cmd_verify(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	struct iso_config_flags flags = {0};
	const struct cli_option opts[] = {
		CLI_OPT_PROFILE(&flags.profile, "the profile (default: ISOPOD_PROFILE, the repository's, else hub)"),
		CLI_OPT_BOOL(0, "json", &mine.json, "one JSON object on stdout"),
		CLI_OPT_END(),
	};
	int rc, n = cli_parse(argc, argv, opts, &verify_help, 0, &mine, &rc);
	if (n < 0)
		return rc;
	if (n != 1)
		return cli_usage(&mine, "verify", n == 0 ? "a work-order id is required" : "one work-order id only");
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct verify_outcome out;
	if (wo_ctx_init(&w, argv[1], &flags, WO_NEED_PODMAN, &err) < 0 || verify_run(&w, &out, &err) < 0) {
		rc = cli_fail(&mine, err);
	} else {
		verify_outcome_print(&w, &out, mine.json);
		rc = (int)verify_report_class(&out.report);
	}
	wo_ctx_release(&w);
	return rc;
}
