/* SPDX-License-Identifier: Apache-2.0 */
/* isopod verify: prove a running work order's isolation, check by check. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "verify/verify.h"

static void usage(FILE *out)
{
	fputs("usage: isopod verify WO-ID [--profile NAME] [--json]\n\n"
	      "Enter the work order's pod namespaces and check, each as pass, warn, fail or\n"
	      "unverified, with its evidence:\n"
	      "  1 namespace   the pod has its own network namespace (not the host's, no other work order's)\n"
	      "  2 members     every container of the pod is in it\n"
	      "  3 interfaces  interfaces, addresses and routes are what the network mode makes\n"
	      "  4 postgres    Postgres listens inside; its port is not published unless asked for\n"
	      "  5 published   published ports bind the intended host address only\n"
	      "  6 reach       no work order's published port can be reached from inside the pod\n\n"
	      "Exit codes: 0 every check passed or warned, 2 bad input, 3 unknown work order,\n"
	      "5 Podman unreachable, 9 a check failed or could not be verified (also: the work\n"
	      "order is down), 10 remote endpoint (no PIDs to enter).\n",
	      out);
}

int cmd_verify(int argc, char **argv, const struct iso_globals *g)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iso_config_flags flags = {0};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			flags.profile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return cli_usage(g, "verify", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage(g, "verify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage(g, "verify",
				 optind >= argc ? "a work-order id is required" : "one work-order id only");
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct verify_outcome out;
	int rc;
	if (wo_ctx_init(&w, argv[optind], &flags, WO_NEED_PODMAN, &err) < 0 || verify_run(&w, &out, &err) < 0) {
		rc = cli_fail(g, err);
	} else {
		verify_outcome_print(&w, &out, g->json);
		rc = (int)verify_report_class(&out.report);
	}
	wo_ctx_release(&w);
	return rc;
}
