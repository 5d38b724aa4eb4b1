/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON-RPC framing of the MCP server: one message a line on stdout,
 * written with write(2) so a forked child never inherits buffered output.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "mcp/mcp.h"

/* One message on stdout: the generator's document and a newline. */
void mcp_send_doc(iso_jgen *g)
{
	size_t len;
	const char *t = iso_jgen_finish(g, &len, NULL);
	if (!t)
		return;
	char *line = xmalloc(len + 1);
	memcpy(line, t, len);
	line[len] = '\n';
	iso_write_all(STDOUT_FILENO, line, len + 1);
	free(line);
}

void mcp_head(iso_jgen *g, const iso_json *id)
{
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "jsonrpc", "2.0");
	iso_jgen_key(g, "id");
	if (id)
		iso_jgen_value(g, id);
	else
		iso_jgen_null(g);
}

void mcp_send_error(const iso_json *id, int code, const char *msg)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	mcp_head(g, id);
	iso_jgen_key(g, "error");
	iso_jgen_map_open(g);
	iso_jgen_kv_int(g, "code", code);
	iso_jgen_kv_string(g, "message", msg);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	mcp_send_doc(g);
}

/* A tools/call result: TEXT as the text block, STRUCT (or NULL) as structuredContent. */
void mcp_send_result(const iso_json *id, const char *text, size_t len, const iso_json *st, int is_error)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	mcp_head(g, id);
	iso_jgen_key(g, "result");
	iso_jgen_map_open(g);
	iso_jgen_key(g, "content");
	iso_jgen_array_open(g);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "type", "text");
	iso_jgen_key(g, "text");
	iso_jgen_stringn(g, text, len);
	iso_jgen_map_close(g);
	iso_jgen_array_close(g);
	if (st) {
		iso_jgen_key(g, "structuredContent");
		iso_jgen_value(g, st);
	}
	iso_jgen_kv_bool(g, "isError", is_error);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	mcp_send_doc(g);
}

void mcp_send_error_doc(const iso_json *id, const char *cls, int code, const char *msg)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_key(g, "error");
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "class", cls);
	iso_jgen_kv_int(g, "code", code);
	iso_jgen_kv_string(g, "message", msg);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	size_t len;
	const char *t = iso_jgen_finish(g, &len, NULL);
	mcp_send_result(id, t, len, NULL, 1);
}

void mcp_send_initialize(const iso_json *id, const iso_json *params)
{
	const char *want = iso_json_get_string(params, "protocolVersion");
	static const char *const known[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
	const char *ver = MCP_PROTOCOL_LATEST;
	for (size_t i = 0; want && i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(want, known[i]))
			ver = known[i];
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	mcp_head(g, id);
	iso_jgen_key(g, "result");
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "protocolVersion", ver);
	iso_jgen_key(g, "capabilities");
	iso_jgen_map_open(g);
	iso_jgen_key(g, "tools");
	iso_jgen_map_open(g);
	iso_jgen_kv_bool(g, "listChanged", 0);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	iso_jgen_key(g, "serverInfo");
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "name", "isopod");
	iso_jgen_kv_string(g, "version", ISOPOD_VERSION);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
	mcp_send_doc(g);
}
