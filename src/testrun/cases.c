/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testrun/cases.c - the per-test cases of a report (for JUnit), the report's
 * release and its JSON members (docs/schema/test.json).
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "testrun/testrun.h"
#include "tr_internal.h"

struct tr_case *tr_case_add(struct tr_report *rep, const char *desc, const char *mod)
{
	if (rep->n_cases >= TR_MAX_CASES)
		return NULL;
	if (rep->n_cases % 64 == 0)
		rep->cases = xrealloc(rep->cases, (rep->n_cases + 64) * sizeof *rep->cases);
	struct tr_case *c = &rep->cases[rep->n_cases++];
	memset(c, 0, sizeof *c);
	const char *dot = strrchr(desc, '.');
	size_t cl = dot ? (size_t)(dot - desc) : strlen(desc);
	char *cls = xstrndup(desc, cl);
	c->classname = mod ? xasprintf("%s.%s", mod, cls) : xstrdup(cls);
	free(cls);
	c->name = xstrdup(dot ? dot + 1 : desc);
	c->module = mod ? xstrdup(mod) : NULL;
	c->status = "passed";
	return c;
}

/* The last case named DESC (of MOD when given), else a new one. */
static struct tr_case *find_case(struct tr_report *rep, const char *desc, const char *mod)
{
	for (size_t i = rep->n_cases; i-- > 0;) {
		struct tr_case *c = &rep->cases[i];
		size_t nl = strlen(c->name), dl = strlen(desc);
		const char *cls = c->module ? c->classname + strlen(c->module) + 1 : c->classname;
		size_t cll = strlen(cls);
		if ((!mod || !c->module || strcmp(mod, c->module) == 0) && dl == cll + 1 + nl &&
		    strncmp(desc, cls, cll) == 0 && desc[cll] == '.' && strcmp(desc + cll + 1, c->name) == 0)
			return c;
	}
	return tr_case_add(rep, desc, mod);
}

void tr_case_skip(struct tr_report *rep, const char *desc_reason, char *mod)
{
	const char *sep = strstr(desc_reason, " : ");
	char *desc = xstrndup(desc_reason, sep ? (size_t)(sep - desc_reason) : strlen(desc_reason));
	struct tr_case *c = find_case(rep, desc, mod);
	if (c) {
		c->status = "skipped";
		free(c->message);
		c->message = xstrdup(sep ? sep + 3 : "skipped");
	}
	free(desc);
	free(mod);
}

void tr_case_set_failure(struct tr_report *rep, const struct tr_failure *f)
{
	struct tr_case *c = find_case(rep, f->test, f->module);
	if (!c)
		return;
	c->status = strcmp(f->kind, "failure") == 0 ? "failure" : "error";
	free(c->message);
	free(c->text);
	c->message = xstrdup(f->message);
	c->text = xstrdup(f->traceback ? f->traceback : "");
}

void tr_report_release(struct tr_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->n_failures; i++) {
		struct tr_failure *f = &rep->failures[i];
		free(f->test), free(f->module), free(f->message), free(f->traceback);
	}
	for (size_t i = 0; i < rep->n_warnings; i++)
		free(rep->warnings[i]);
	for (size_t i = 0; i < rep->n_cases; i++) {
		struct tr_case *c = &rep->cases[i];
		free(c->classname), free(c->name), free(c->module), free(c->message), free(c->text);
	}
	free(rep->failures);
	free(rep->warnings);
	free(rep->cases);
	free((void *)rep->rules);
	memset(rep, 0, sizeof *rep);
}

const char *tr_verdict_name(enum tr_verdict v)
{
	return v == TR_PASSED ? "passed" : v == TR_FAILED ? "failed" : "no-tests";
}

void tr_report_json(iso_jgen *j, const struct tr_report *rep)
{
	iso_jgen_kv_string(j, "verdict", tr_verdict_name(rep->verdict));
	iso_jgen_key(j, "tests");
	iso_jgen_map_open(j);
	iso_jgen_kv_int(j, "run", rep->run);
	iso_jgen_kv_int(j, "failed", rep->failed);
	iso_jgen_kv_int(j, "errors", rep->errors);
	iso_jgen_kv_int(j, "skipped", rep->skipped);
	iso_jgen_map_close(j);
	iso_jgen_key(j, "failures");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < rep->n_failures; i++) {
		const struct tr_failure *f = &rep->failures[i];
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "test", f->test);
		iso_jgen_kv_string(j, "module", f->module);
		iso_jgen_kv_string(j, "kind", f->kind);
		iso_jgen_kv_string(j, "message", f->message);
		iso_jgen_kv_string(j, "traceback", f->traceback ? f->traceback : "");
		iso_jgen_map_close(j);
	}
	iso_jgen_array_close(j);
	iso_jgen_key(j, "warnings");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < rep->n_warnings; i++)
		iso_jgen_string(j, rep->warnings[i]);
	iso_jgen_array_close(j);
	iso_jgen_kv_int(j, "warnings_total", (long long)rep->n_warnings_total);
	iso_jgen_kv_int(j, "duration_ms", rep->duration_ms);
	iso_jgen_key(j, "rules");
	iso_jgen_array_open(j);
	for (size_t i = 0; rep->rules && rep->rules[i]; i++)
		iso_jgen_string(j, rep->rules[i]);
	iso_jgen_array_close(j);
	iso_jgen_kv_int(j, "exit_code", rep->exit_code);
}
