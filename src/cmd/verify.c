/* SPDX-License-Identifier: Apache-2.0 */
/* isopod verify: prove a running work order's isolation, check by check. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
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
	"order is down), 10 remote endpoint (no PIDs to enter).  With --json, 0 and 9\n"
	"print the report (docs/schema/verify.json: each check's evidence in words and,\n"
	"in \"seen\", the namespaces, interfaces, routes, sockets and probes it looked at),\n"
	"the other codes the error document.\n",
};

void cmd_verify_report_json(iso_jgen *g, const struct verify_outcome *out)
{
	/* verify_report_json wants the input only for the mode and its options. */
	struct verify_input in = {.mode = out->network_mode[0] ? out->network_mode : NULL};
	char buf[sizeof(out->network_options)];
	const char *opts[VERIFY_OPTIONS_MAX];
	snprintf(buf, sizeof(buf), "%s", out->network_options);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && in.n_mode_options < VERIFY_OPTIONS_MAX;
	     t = strtok_r(NULL, ",", &save))
		opts[in.n_mode_options++] = t;
	in.mode_options = opts;
	verify_report_json(&out->report, &in, g);
}

/* The outcome of verify_run, as text or (JSON) one document; also `up --verify`. */
void cmd_verify_print(const struct wo_ctx *w, const struct verify_outcome *out, int json)
{
	const struct verify_report *r = &out->report;
	int ok = verify_report_class(r) == ISO_OK;
	if (json) {
		cleanup_jgen iso_jgen *g = iso_jgen_new(1);
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "work_order", w->names.wo);
		iso_jgen_kv_string(g, "profile", w->names.profile);
		iso_jgen_kv_bool(g, "ok", ok);
		iso_jgen_kv_int(g, "elapsed_ms", out->elapsed_ms);
		iso_jgen_kv_string(g, "reason", out->reason[0] ? out->reason : NULL);
		cmd_verify_report_json(g, out);
		iso_jgen_map_close(g);
		cli_print_json(g, NULL);
		return;
	}
	int colour = iso_colour_ok(STDOUT_FILENO);
	printf("isolation of work order %s (profile %s), network mode %s%s%s:\n", w->names.wo, w->names.profile,
	       out->network_mode, out->network_options[0] ? " " : "", out->network_options);
	for (int i = 0; i < VERIFY_CHECKS; i++) {
		const struct verify_check *c = &r->checks[i];
		enum netns_verdict v = c->findings.worst;
		const char *on = !colour           ? ""
				 : v == NETNS_PASS ? "\033[32m"
				 : v == NETNS_WARN ? "\033[33m"
						   : "\033[31m";
		printf("  %s%-10s%s %d %s:", on, netns_verdict_name(v), colour ? "\033[0m" : "", c->number, c->name);
		for (size_t j = 0; j < c->findings.n; j++)
			printf("%s%s", j ? "; " : " ", c->findings.v[j].text);
		printf("\n");
	}
	printf("%s (%ld ms)\n", ok ? "isolation verified" : "isolation NOT verified", out->elapsed_ms);
}

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
	} else if (out.reason[0] && !mine.json) {
		/* Nothing could be checked (down): in words, the reason alone says it best. */
		iso_error_set(&err, ISO_E_ISOLATION, 0, "%s", out.reason);
		rc = cli_fail(&mine, err);
	} else {
		cmd_verify_print(&w, &out, mine.json);
		rc = (int)verify_report_class(&out.report);
	}
	wo_ctx_release(&w);
	return rc;
}
