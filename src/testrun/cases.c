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

/*
 * DESC's class and method: "Class.method"; a subtest's "Subtest
 * Class.method (params)" is its test's; a fixture's "setUpClass
 * (odoo.addons.MOD.tests.test_x.TestX)" (odoo/tests/suite.py) is method
 * setUpClass of TestX.
 */
static void split_desc(const char *desc, char **cls, char **name)
{
	const char *paren = strstr(desc, " (");
	size_t dl = strlen(desc);
	if (strncmp(desc, "Subtest ", 8) == 0) {
		desc += 8;
		dl = strcspn(desc, " ");
	} else if (paren && dl > 0 && desc[dl - 1] == ')' && !memchr(desc, '.', (size_t)(paren - desc))) {
		const char *in = paren + 2, *end = desc + dl - 1, *dot = in;
		for (const char *p = in; p < end; p++)
			if (*p == '.')
				dot = p + 1;
		*cls = xstrndup(dot, (size_t)(end - dot));
		*name = xstrndup(desc, (size_t)(paren - desc));
		return;
	}
	const char *dot = memrchr(desc, '.', dl);
	*cls = xstrndup(desc, dot ? (size_t)(dot - desc) : dl);
	*name = dot ? xstrndup(dot + 1, dl - (size_t)(dot + 1 - desc)) : xstrdup("");
}

static struct tr_case *case_new(struct tr_report *rep, char *cls, char *name, const char *mod)
{
	if (rep->n_cases >= TR_MAX_CASES) {
		free(cls), free(name);
		return NULL;
	}
	if (rep->n_cases % 64 == 0)
		rep->cases = xrealloc(rep->cases, (rep->n_cases + 64) * sizeof *rep->cases);
	struct tr_case *c = &rep->cases[rep->n_cases++];
	memset(c, 0, sizeof *c);
	c->classname = mod ? xasprintf("%s.%s", mod, cls) : xstrdup(cls);
	free(cls);
	c->name = name;
	c->module = mod ? xstrdup(mod) : NULL;
	c->status = "passed";
	return c;
}

struct tr_case *tr_case_add(struct tr_report *rep, const char *desc, const char *mod)
{
	char *cls, *name;
	split_desc(desc, &cls, &name);
	return case_new(rep, cls, name, mod);
}

/* The last case named DESC (of MOD when given), else a new one. */
static struct tr_case *find_case(struct tr_report *rep, const char *desc, const char *mod)
{
	char *cls, *name;
	split_desc(desc, &cls, &name);
	for (size_t i = rep->n_cases; i-- > 0;) {
		struct tr_case *c = &rep->cases[i];
		const char *ccls = c->module ? c->classname + strlen(c->module) + 1 : c->classname;
		if ((!mod || !c->module || strcmp(mod, c->module) == 0) && strcmp(ccls, cls) == 0 &&
		    strcmp(c->name, name) == 0) {
			free(cls), free(name);
			return c;
		}
	}
	return case_new(rep, cls, name, mod);
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
