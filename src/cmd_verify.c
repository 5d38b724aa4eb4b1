/* isopod verify: prove a running work order's isolation, check by check. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "iso/json.h"
#include "iso/log.h"
#include "isopod/cmd.h"
#include "isopod/verify.h"

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

/* Print a report as text or JSON; shared with `up --verify`. */
void verify_report_print(const struct wo_ctx *w, const struct verify_report *rep, int json)
{
	if (json) {
		iso_jgen *j = iso_jgen_new(1);
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "work_order", w->names.wo);
		iso_jgen_kv_string(j, "profile", w->names.profile);
		iso_jgen_kv_string(j, "network_mode", rep->network_mode);
		iso_jgen_kv_bool(j, "ok", verify_report_ok(rep));
		iso_jgen_kv_int(j, "elapsed_ms", rep->elapsed_ms);
		iso_jgen_key(j, "checks");
		iso_jgen_array_open(j);
		for (int i = 0; i < VERIFY_CHECKS; i++) {
			const struct verify_check *c = &rep->checks[i];
			iso_jgen_map_open(j);
			iso_jgen_kv_int(j, "id", c->id);
			iso_jgen_kv_string(j, "name", c->name);
			iso_jgen_kv_string(j, "result", verify_result_name(c->result));
			iso_jgen_kv_string(j, "evidence", c->evidence);
			iso_jgen_map_close(j);
		}
		iso_jgen_array_close(j);
		iso_jgen_map_close(j);
		size_t len;
		const char *out = iso_jgen_finish(j, &len, NULL);
		if (out)
			printf("%.*s\n", (int)len, out);
		iso_jgen_free(j);
		return;
	}
	int colour = iso_colour_ok(1);
	printf("isolation of work order %s (profile %s), network mode %s:\n", w->names.wo, w->names.profile,
	       rep->network_mode);
	for (int i = 0; i < VERIFY_CHECKS; i++) {
		const struct verify_check *c = &rep->checks[i];
		const char *col = "";
		if (colour)
			col = c->result == VERIFY_PASS ? "\033[32m" : c->result == VERIFY_WARN ? "\033[33m" : "\033[31m";
		printf("  %s%-10s%s %d %-10s %s\n", col, verify_result_name(c->result), colour ? "\033[0m" : "", c->id,
		       c->name, c->evidence);
	}
	printf("%s (%ld ms)\n", verify_report_ok(rep) ? "isolation verified" : "isolation NOT verified",
	       rep->elapsed_ms);
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
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			flags.profile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cmd_usage(g, "verify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cmd_usage(g, "verify", optind >= argc ? "a work-order id is required" : "one work-order id only");
	struct iso_error *err = NULL;
	struct wo_ctx w;
	struct verify_report rep;
	int rc;
	if (wo_ctx_init(&w, argv[optind], &flags, WO_NEED_PODMAN, &err) < 0 || verify_run(&w, &rep, &err) < 0) {
		rc = cmd_fail(g, err);
	} else {
		verify_report_print(&w, &rep, g->json);
		rc = verify_report_ok(&rep) ? 0 : ISO_E_ISOLATION;
	}
	wo_ctx_release(&w);
	return rc;
}
