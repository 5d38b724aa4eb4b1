/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the cmd_* functions: the one place errors are printed. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"

int cli_fail(const struct iso_globals *g, struct iso_error *err)
{
	int code = iso_error_report(err, g && g->json);
	iso_error_free(err);
	return code;
}

int cli_usage(const struct iso_globals *g, const char *cmd, const char *fmt, ...)
{
	struct iso_error *err = NULL;
	va_list ap;
	va_start(ap, fmt);
	iso_error_setv(&err, ISO_E_USAGE, 0, fmt, ap);
	va_end(ap);
	int top = !strcmp(cmd, "isopod");
	if (!top)
		iso_error_wrap(&err, "%s", cmd);
	char *msg = xasprintf("%s; see 'isopod%s%s --help'", err->msg, top ? "" : " ", top ? "" : cmd);
	free(err->msg);
	err->msg = msg;
	return cli_fail(g, err);
}

int cli_parse_port(const char *s, const char *what, int *out, struct iso_error **err)
{
	long v;
	if (iso_parse_long(s, 1, 65535, &v) < 0)
		return iso_error_set(err, ISO_E_USAGE, 0, "%s '%s' is not a port number (1-65535)", what, s);
	*out = (int)v;
	return 0;
}

int cli_parse_no_args(int argc, char **argv, const struct iso_globals *g, void (*help)(void), int *rc)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			help();
			*rc = 0;
		} else {
			*rc = cli_usage(g, argv[0], "unknown option '%s'", argv[optind - 1]);
		}
		return -1;
	}
	if (optind < argc) {
		*rc = cli_usage(g, argv[0], "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}
