/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MCP tools as data: one entry a tool, its arguments mapped onto the
 * command line of the command it runs, so adding a tool is one entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "mcp/mcp.h"

#define WO                                                                                                             \
	{                                                                                                              \
		"work_order", MCP_STR, NULL, 1, "the work order id"                                                    \
	}
#define PROFILE                                                                                                        \
	{                                                                                                              \
		"profile", MCP_STR, "--profile", 0, "the profile (default: the work order's own)"                      \
	}
#define TIMEOUT                                                                                                        \
	{                                                                                                              \
		"timeout", MCP_INT, "--timeout", 0, "readiness timeout in seconds"                                     \
	}
#define REPO                                                                                                           \
	{                                                                                                              \
		"repo", MCP_STR, "--repo", 0, "the repository directory, as the command's --repo"                      \
	}
#define CONFIRM                                                                                                        \
	{                                                                                                              \
		"confirm", MCP_BOOL, "", 0, "must be true: the call deletes data"                                      \
	}

const struct mcp_tool mcp_tools[] = {
	{"up",
	 "up",
	 NULL,
	 "up",
	 "bring a work order's pod up and prove it ready",
	 MCP_IDEMPOTENT | MCP_LOCKS,
	 NULL,
	 {0},
	 {WO,
	  PROFILE,
	  REPO,
	  TIMEOUT,
	  {"port", MCP_INT, "--port", 0, "the host port for Odoo"},
	  {"verify", MCP_BOOL, "--verify", 0, "run verify once ready"},
	  {"recreate", MCP_BOOL, "--recreate", 0, "rebuild a pod whose configuration changed"},
	  {"no_template", MCP_BOOL, "--no-template", 0, "initialise from scratch, not from the template"}}},
	{"down",
	 "down",
	 NULL,
	 "down",
	 "stop and remove a work order's pod (cleanup: its data too, needs confirm)",
	 MCP_IDEMPOTENT | MCP_DESTRUCTIVE | MCP_CONFIRM | MCP_LOCKS,
	 "cleanup",
	 {0},
	 {WO,
	  PROFILE,
	  {"cleanup", MCP_BOOL, "--cleanup", 0, "also delete volumes, secret, snapshots, lease"},
	  CONFIRM}},
	{"ls", "ls", NULL, "ls", "list your work orders: state, URL, age, drift", MCP_READONLY, NULL, {0}, {{0}}},
	{"status", "status", NULL, "status", "show one work order", MCP_READONLY, NULL, {0}, {WO, PROFILE}},
	{"logs",
	 "logs",
	 NULL,
	 "logs",
	 "a work order's logs (odoo, db or init)",
	 MCP_READONLY,
	 NULL,
	 {0},
	 {WO,
	  {"container", MCP_STR, NULL, 0, "odoo (default), db or init"},
	  {"tail", MCP_INT, "--tail", 0, "only the last N lines"},
	  PROFILE}},
	{"exec",
	 "exec",
	 NULL,
	 NULL,
	 "run a program (an argv array, no shell) in a work order's container",
	 MCP_CAPTURE | MCP_DASHDASH,
	 NULL,
	 {0},
	 {WO,
	  {"container", MCP_STR, NULL, 0, "odoo (default) or db"},
	  PROFILE,
	  {"argv", MCP_ARGV, NULL, 1, "the program and its arguments"}}},
	{"verify",
	 "verify",
	 NULL,
	 "verify",
	 "prove a work order's network isolation",
	 MCP_READONLY | MCP_VERDICT,
	 NULL,
	 {9},
	 {WO, PROFILE}},
	{"ports", "ports", NULL, "ports", "the host ports leased to work orders", MCP_READONLY, NULL, {0}, {{0}}},
	{"doctor",
	 "doctor",
	 NULL,
	 "doctor",
	 "check this host for rootless work orders",
	 MCP_READONLY,
	 NULL,
	 {10},
	 {{0}}},
	{"version",
	 "version",
	 NULL,
	 "version",
	 "client and Podman versions, the endpoint",
	 MCP_READONLY,
	 NULL,
	 {0},
	 {{0}}},
	{"template_build",
	 "template",
	 "build",
	 "template-build",
	 "build the profile's template",
	 0,
	 NULL,
	 {0},
	 {PROFILE, REPO, {"timeout", MCP_INT, "--timeout", 0, "give up after S seconds"}}},
	{"template_ls",
	 "template",
	 "ls",
	 "template-ls",
	 "list templates",
	 MCP_READONLY,
	 NULL,
	 {0},
	 {PROFILE, REPO, {"all", MCP_BOOL, "--all", 0, "every profile's templates"}}},
	{"template_rm",
	 "template",
	 "rm",
	 "template-rm",
	 "remove templates (needs confirm)",
	 MCP_DESTRUCTIVE | MCP_CONFIRM,
	 NULL,
	 {0},
	 {PROFILE, {"key", MCP_STR, NULL, 0, "the template key (default: every template of the profile)"}, CONFIRM}},
	{"snapshot",
	 "snapshot",
	 NULL,
	 "snapshot",
	 "keep a work order's data as a named snapshot",
	 MCP_LOCKS,
	 NULL,
	 {0},
	 {WO,
	  {"name", MCP_STR, NULL, 0, "the snapshot name"},
	  {"replace", MCP_BOOL, "--replace", 0, "replace a snapshot of that name"},
	  PROFILE,
	  REPO,
	  TIMEOUT}},
	{"snapshots",
	 "snapshots",
	 NULL,
	 "snapshots",
	 "list snapshots",
	 MCP_READONLY,
	 NULL,
	 {0},
	 {{"work_order", MCP_STR, NULL, 0, "the work order id (default: all)"}, PROFILE}},
	{"snapshot_rm",
	 "snapshot",
	 "rm",
	 "snapshot-rm",
	 "remove a snapshot (needs confirm)",
	 MCP_DESTRUCTIVE | MCP_CONFIRM | MCP_LOCKS,
	 NULL,
	 {0},
	 {WO, {"name", MCP_STR, NULL, 1, "the snapshot name"}, PROFILE, CONFIRM}},
	{"restore",
	 "restore",
	 NULL,
	 "restore",
	 "put a work order back to a snapshot (needs confirm)",
	 MCP_DESTRUCTIVE | MCP_CONFIRM | MCP_LOCKS,
	 NULL,
	 {0},
	 {WO, {"name", MCP_STR, NULL, 1, "the snapshot name"}, PROFILE, REPO, TIMEOUT, CONFIRM}},
	{"reset",
	 "reset",
	 NULL,
	 "reset",
	 "put a work order back to its template (needs confirm)",
	 MCP_DESTRUCTIVE | MCP_CONFIRM | MCP_LOCKS,
	 NULL,
	 {0},
	 {WO, PROFILE, REPO, TIMEOUT, CONFIRM}},
	{"test",
	 "test",
	 NULL,
	 "test",
	 "run a work order's Odoo tests (isError when tests failed or none ran)",
	 MCP_VERDICT | MCP_LOCKS,
	 NULL,
	 {11, 12},
	 {WO,
	  {"modules", MCP_ARGV, NULL, 0, "the modules to test"},
	  {"tags", MCP_STR, "--tags", 0, "the --test-tags spec"},
	  {"install", MCP_BOOL, "--install", 0, "install the modules first"},
	  {"upgrade", MCP_BOOL, "--upgrade", 0, "upgrade the modules first"},
	  {"junit", MCP_STR, "--junit", 0, "also write a JUnit XML report to this path on the server's host"},
	  {"timeout", MCP_INT, "--timeout", 0, "give up after S seconds"},
	  PROFILE,
	  REPO}},
	{"odoo",
	 "odoo",
	 NULL,
	 NULL,
	 "run odoo-bin with ARGS in a work order",
	 MCP_CAPTURE | MCP_DASHDASH | MCP_LOCKS,
	 NULL,
	 {0},
	 {WO,
	  {"args", MCP_ARGV, NULL, 0, "odoo-bin's arguments"},
	  PROFILE,
	  REPO,
	  {"timeout", MCP_INT, "--timeout", 0, "give up after S seconds"}}},
	{NULL, NULL, NULL, NULL, NULL, 0, NULL, {0}, {{0}}},
};

const char *mcp_schema_find(const char *name)
{
	for (const struct mcp_schema *s = mcp_schemas; name && s->name; s++)
		if (!strcmp(s->name, name))
			return s->json;
	return NULL;
}

const struct mcp_tool *mcp_tool_find(const char *name)
{
	for (const struct mcp_tool *t = mcp_tools; name && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static void arg_schema(iso_jgen *g, const struct mcp_arg *a)
{
	static const char *const types[] = {"string", "boolean", "integer", "array"};
	iso_jgen_key(g, a->name);
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "type", types[a->type]);
	if (a->type == MCP_ARGV) {
		iso_jgen_key(g, "items");
		iso_jgen_map_open(g);
		iso_jgen_kv_string(g, "type", "string");
		iso_jgen_map_close(g);
		if (a->required)
			iso_jgen_kv_int(g, "minItems", 1);
	}
	if (a->type == MCP_INT)
		iso_jgen_kv_int(g, "minimum", 0);
	iso_jgen_kv_string(g, "description", a->description);
	iso_jgen_map_close(g);
}

static void input_schema(iso_jgen *g, const struct mcp_tool *t)
{
	iso_jgen_key(g, "inputSchema");
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "type", "object");
	iso_jgen_key(g, "properties");
	iso_jgen_map_open(g);
	for (const struct mcp_arg *a = t->args; a->name; a++)
		arg_schema(g, a);
	iso_jgen_map_close(g);
	iso_jgen_key(g, "required");
	iso_jgen_array_open(g);
	for (const struct mcp_arg *a = t->args; a->name; a++)
		if (a->required)
			iso_jgen_string(g, a->name);
	iso_jgen_array_close(g);
	iso_jgen_kv_bool(g, "additionalProperties", 0);
	iso_jgen_map_close(g);
}

/* A schema for exec/odoo's captured output, or the embedded docs/schema file without "$schema". */
static void output_schema(iso_jgen *g, const struct mcp_tool *t)
{
	static const char capture[] =
		"{\"type\":\"object\",\"required\":[\"exit_code\",\"stdout\",\"stderr\",\"truncated\"],"
		"\"properties\":{\"exit_code\":{\"type\":\"integer\"},\"stdout\":{\"type\":\"string\"},"
		"\"stderr\":{\"type\":\"string\"},\"truncated\":{\"type\":\"boolean\"}}}";
	const char *text = t->flags & MCP_CAPTURE ? capture : mcp_schema_find(t->schema);
	cleanup_json iso_json *s = text ? iso_json_parse(text, strlen(text), 0, ISO_E_INTERNAL, "schema", NULL) : NULL;
	if (!s || !iso_json_is(s, ISO_JSON_OBJECT))
		return;
	iso_jgen_key(g, "outputSchema");
	iso_jgen_map_open(g);
	for (size_t i = 0; i < iso_json_len(s); i++) {
		const char *k = iso_json_key_at(s, i);
		if (!strcmp(k, "$schema"))
			continue;
		iso_jgen_key(g, k);
		iso_jgen_value(g, iso_json_value_at(s, i));
	}
	iso_jgen_map_close(g);
}

void mcp_tool_json(iso_jgen *g, const struct mcp_tool *t)
{
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "name", t->name);
	iso_jgen_kv_string(g, "description", t->description);
	input_schema(g, t);
	output_schema(g, t);
	iso_jgen_key(g, "annotations");
	iso_jgen_map_open(g);
	iso_jgen_kv_bool(g, "readOnlyHint", !!(t->flags & MCP_READONLY));
	iso_jgen_kv_bool(g, "destructiveHint", !!(t->flags & MCP_DESTRUCTIVE));
	iso_jgen_kv_bool(g, "idempotentHint", !!(t->flags & MCP_IDEMPOTENT));
	iso_jgen_kv_bool(g, "openWorldHint", 0);
	iso_jgen_map_close(g);
	iso_jgen_map_close(g);
}

static const struct mcp_arg *arg_find(const struct mcp_tool *t, const char *name)
{
	for (const struct mcp_arg *a = t->args; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* Check every member of ARGS against the table: known, of its type; required ones present. */
static int args_check(const struct mcp_tool *t, const iso_json *args, struct iso_error **err)
{
	static const enum iso_json_type want[] = {ISO_JSON_STRING, ISO_JSON_BOOL, ISO_JSON_NUMBER, ISO_JSON_ARRAY};
	static const char *const names[] = {"a string", "a boolean", "an integer", "an array of strings"};
	if (args && !iso_json_is(args, ISO_JSON_OBJECT))
		return iso_error_set(err, ISO_E_USAGE, 0, "the arguments of '%s' must be an object", t->name);
	for (size_t i = 0; i < iso_json_len(args); i++) {
		const char *k = iso_json_key_at(args, i);
		const iso_json *v = iso_json_value_at(args, i);
		const struct mcp_arg *a = arg_find(t, k);
		long long n;
		if (!a)
			return iso_error_set(err, ISO_E_USAGE, 0, "tool '%s' has no argument '%s'", t->name, k);
		if (!iso_json_is(v, want[a->type]) || (a->type == MCP_INT && (iso_json_int(v, &n) < 0 || n < 0)))
			return iso_error_set(err, ISO_E_USAGE, 0, "argument '%s' of '%s' must be %s", k, t->name,
					     names[a->type]);
		for (size_t j = 0; a->type == MCP_ARGV && j < iso_json_len(v); j++)
			if (!iso_json_is(iso_json_at(v, j), ISO_JSON_STRING))
				return iso_error_set(err, ISO_E_USAGE, 0, "argument '%s' of '%s' must be %s", k,
						     t->name, names[a->type]);
	}
	for (const struct mcp_arg *a = t->args; a->name; a++)
		if (a->required && (!iso_json_get(args, a->name) ||
				    (a->type == MCP_ARGV && !iso_json_len(iso_json_get(args, a->name)))))
			return iso_error_set(err, ISO_E_USAGE, 0, "tool '%s' needs the argument '%s'", t->name,
					     a->name);
	return 0;
}

static int confirm_check(const struct mcp_tool *t, const iso_json *args, struct iso_error **err)
{
	int yes = 0, deletes = 1;
	if (!(t->flags & MCP_CONFIRM))
		return 0;
	if (t->confirm_if && (iso_json_bool(iso_json_get(args, t->confirm_if), &deletes) < 0 || !deletes))
		return 0;
	if (iso_json_bool(iso_json_get(args, "confirm"), &yes) == 0 && yes)
		return 0;
	return iso_error_set(err, ISO_E_USAGE, 0,
			     "'%s'%s%s deletes data; call it again with \"confirm\": true if that is intended", t->name,
			     t->confirm_if ? " with " : "", t->confirm_if ? t->confirm_if : "");
}

/* Integers are written into a buffer of the argv: one strdup each, freed with it (see mcp_tool_argv). */
int mcp_tool_argv(const struct mcp_tool *t, const iso_json *args, char ***argv, int *argc, struct iso_error **err)
{
	if (args_check(t, args, err) < 0 || confirm_check(t, args, err) < 0)
		return -1;
	size_t cap = 8 + 2 * MCP_MAX_ARGS, n = 0;
	for (const struct mcp_arg *a = t->args; a->name; a++)
		if (a->type == MCP_ARGV)
			cap += iso_json_len(iso_json_get(args, a->name));
	char **v = xzalloc((cap + 1) * sizeof(char *));
	v[n++] = (char *)t->verb;
	if (t->sub)
		v[n++] = (char *)t->sub;
	const struct mcp_arg *tail = NULL;
	for (const struct mcp_arg *a = t->args; a->name; a++) {
		const iso_json *x = iso_json_get(args, a->name);
		int b = 0;
		if (!x || (a->flag && !a->flag[0]))
			continue;
		if (a->type == MCP_ARGV) {
			tail = a;
			continue;
		}
		if (a->type == MCP_BOOL) {
			if (iso_json_bool(x, &b) == 0 && b)
				v[n++] = (char *)a->flag;
			continue;
		}
		if (a->flag)
			v[n++] = (char *)a->flag;
		v[n++] = (char *)(a->type == MCP_STR ? iso_json_string(x) : iso_json_number_text(x));
	}
	v[n++] = "--json";
	if (tail && (t->flags & MCP_DASHDASH))
		v[n++] = "--";
	for (size_t j = 0; tail && j < iso_json_len(iso_json_get(args, tail->name)); j++)
		v[n++] = (char *)iso_json_string(iso_json_at(iso_json_get(args, tail->name), j));
	v[n] = NULL;
	*argv = v;
	*argc = (int)n;
	return 0;
}
