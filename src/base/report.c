/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Printing an error for the user, as a line on stderr or as one JSON
 * document on stdout (--json): above both the error object and the JSON
 * layer, so neither has to know the other.
 */
#include <stdio.h>

#include "base/json.h"
#include "base/report.h"

int iso_error_report(const struct iso_error *err, int as_json)
{
	int code = iso_error_exit_code(err);
	const char *msg = err && err->msg ? err->msg : "unknown error (no message was recorded; this is a bug)";
	if (as_json) {
		cleanup_jgen iso_jgen *g = iso_jgen_new(0);
		iso_jgen_map_open(g);
		iso_jgen_key(g, "error");
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "class", iso_class_name((enum iso_class)code));
		iso_jgen_kv_int(g, "code", code);
		iso_jgen_kv_string(g, "message", msg);
		iso_jgen_map_close(g);
		iso_jgen_map_close(g);
		size_t len = 0;
		const char *out = iso_jgen_finish(g, &len, NULL);
		if (out) {
			fwrite(out, 1, len, stdout);
			fputc('\n', stdout);
			fflush(stdout);
			return code;
		}
	}
	fprintf(stderr, "isopod: %s\n", msg);
	return code;
}
