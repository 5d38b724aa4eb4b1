/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a finished tools/call becomes: the child's exit status and captured
 * streams turned into the result (structuredContent, the text block,
 * isError), and its --progress=json lines into the step a progress
 * notification names.  No processes here: src/cmd/mcp.c runs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/util.h"
#include "mcp/mcp.h"

void mcp_buf_add(struct mcp_buf *b, const char *s, size_t n, size_t limit)
{
	if (b->len + n > limit) {
		b->truncated = 1;
		n = limit > b->len ? limit - b->len : 0;
	}
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void mcp_buf_release(struct mcp_buf *b)
{
	free(b->p);
	*b = (struct mcp_buf){0};
}

int mcp_progress_step(const char *line, size_t len, char *step, size_t size)
{
	cleanup_json iso_json *ev = iso_json_parse(line, len, 0, ISO_E_INTERNAL, "progress", NULL);
	const char *s = iso_json_get_string(ev, "step"), *msg = iso_json_get_string(ev, "message");
	if (!s || !msg)
		return 0;
	snprintf(step, size, "%s: %s", s, msg);
	return 1;
}

static int is_verdict(const struct mcp_tool *t, int rc)
{
	for (int i = 0; i < 3 && t->verdict_codes[i]; i++)
		if (t->verdict_codes[i] == rc)
			return 1;
	return 0;
}

/* exec/odoo: the captured streams as {exit_code, stdout, stderr, truncated}. */
static void capture_result(const iso_json *id, const struct mcp_tool *t, int rc, const struct mcp_buf *out,
			   const struct mcp_buf *err)
{
	const char *o = out->p ? out->p : "";
	size_t len = out->len;
	while (len && o[len - 1] == '\n')
		len--;
	const char *last = len ? (const char *)memrchr(o, '\n', len) : NULL;
	last = last ? last + 1 : o;
	/* isopod's own failure (125) ends exec's stdout with the error document. */
	cleanup_json iso_json *doc = NULL;
	if (rc == 125 && len)
		doc = iso_json_parse(last, len - (size_t)(last - o), 0, ISO_E_INTERNAL, "error", NULL);
	if (iso_json_get(doc, "error") && !strcmp(t->verb, "exec")) {
		mcp_send_result(id, last, len - (size_t)(last - o), NULL, 1);
		return;
	}
	if (!strcmp(t->verb, "odoo")) {
		/* odoo --json prints its own {exit_code, stdout, stderr, truncated} document. */
		cleanup_json iso_json *d = iso_json_parse(o, out->len, 0, ISO_E_INTERNAL, "odoo", NULL);
		int bad = !iso_json_is(d, ISO_JSON_OBJECT) || iso_json_get(d, "error");
		mcp_send_result(id, o, out->len, bad ? NULL : d, bad);
		return;
	}
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	iso_jgen_kv_int(g, "exit_code", rc);
	iso_jgen_key(g, "stdout");
	iso_jgen_stringn(g, o, out->len);
	iso_jgen_key(g, "stderr");
	iso_jgen_stringn(g, err->p ? err->p : "", err->len);
	iso_jgen_kv_bool(g, "truncated", out->truncated || err->truncated);
	iso_jgen_map_close(g);
	size_t n;
	const char *text = iso_jgen_finish(g, &n, NULL);
	cleanup_json iso_json *st = iso_json_parse(text, n, 0, ISO_E_INTERNAL, "exec", NULL);
	mcp_send_result(id, text, n, st, 0);
}

void mcp_send_call_result(const iso_json *id, const struct mcp_tool *t, int status, const struct mcp_buf *out,
			  const struct mcp_buf *err)
{
	if (WIFSIGNALED(status)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "the call of '%s' died of signal %d (%s); the server goes on", t->name,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
		mcp_send_error_doc(id, "internal", 1, msg);
		return;
	}
	int rc = WEXITSTATUS(status);
	if (t->flags & MCP_CAPTURE) {
		capture_result(id, t, rc, out, err);
		return;
	}
	const char *o = out->p ? out->p : "";
	cleanup_json iso_json *doc = iso_json_parse(o, out->len, 0, ISO_E_INTERNAL, "document", NULL);
	int err_doc = iso_json_get(doc, "error") != NULL;
	if (!iso_json_is(doc, ISO_JSON_OBJECT)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "'%s' exited %d without a JSON document; its log is on the server's stderr",
			 t->name, rc);
		mcp_send_error_doc(id, "internal", rc ? rc : 1, msg);
	} else if (!err_doc && (rc == 0 || is_verdict(t, rc)))
		/* a verdict tool's report on a failing verdict: the report, isError */
		mcp_send_result(id, o, out->len, doc, rc != 0);
	else
		mcp_send_result(id, o, out->len, NULL, 1);
}
