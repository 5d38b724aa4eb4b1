/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A profile's keys, and what runs inside a pod: its images, environment,
 * modules and template keys (workorder/config.h), and the helpers that
 * config.c, which reads the layers and the top-level keys, shares with it
 * (config_internal.h; the calls go from config.c to here, never back).  A
 * repository may say what runs inside its own pod, not what the host
 * exposes or keeps: those keys are refused here, naming where they belong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "workorder/config.h"
#include "config_internal.h"

/* How much of a bad value a message quotes. */
#define VALUE_QUOTE_MAX 60

const char *wo_template_mode_name(enum iso_template_mode m)
{
	static const char *const names[] = {"auto", "exact", "never"};
	return (unsigned)m < ISO_ARRAY_SIZE(names) ? names[m] : "unknown";
}

void wo_config_set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

int wo_config_type_error(const char *file, const char *key, const char *want, struct iso_error **err)
{
	return iso_error_set(err, ISO_E_USAGE, 0, "config file '%s': '%s' must be %s", file, key, want);
}

/*
 * A "LOW-HIGH" string at WHERE of FILE.  A bad range is wrapped with WHERE
 * when NAMED (a profile's key, which the message must name), else with FILE.
 */
int wo_config_range_value(const char *file, const char *where, int named, const iso_json *v, int *low, int *high,
			  struct iso_error **err)
{
	if (!iso_json_string(v))
		return wo_config_type_error(file, where, "a string \"LOW-HIGH\"", err);
	if (wo_parse_port_range(iso_json_string(v), low, high, err) == 0)
		return 0;
	return named ? iso_error_wrap(err, "config file '%s': '%s'", file, where)
		     : iso_error_wrap(err, "config file '%s'", file);
}

struct profile_def *wo_config_def_get(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->n_defs; i++)
		if (strcmp(l->defs[i].name, name) == 0)
			return &l->defs[i];
	if (l->n_defs == MAX_PROFILES)
		return NULL;
	struct profile_def *d = &l->defs[l->n_defs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

void wo_config_def_release(struct profile_def *d)
{
	free(d->odoo_image);
	free(d->db_image);
	free(d->host_address);
	iso_strvfree(d->env);
	iso_strvfree(d->modules);
}

/* V as JSON, cut to VALUE_QUOTE_MAX characters: a message quotes any value, of any type, unambiguously. */
static char *json_text(const iso_json *v)
{
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	iso_jgen_value(g, v);
	size_t len = 0;
	struct iso_error *gerr = NULL;
	const char *text = iso_jgen_finish(g, &len, &gerr);
	if (!text) {
		iso_error_free(gerr);
		return xstrdup("(a value)");
	}
	if (len <= VALUE_QUOTE_MAX)
		return xstrdup(text);
	return xasprintf("%.*s...", VALUE_QUOTE_MAX, text);
}

/*
 * WHERE in the repository's FILE sets WHAT, which is WHOSE (what the host
 * exposes, what it keeps) and so the user's to say: refused, naming the
 * user's and the host's files, and HINT (another way to set it, or "").
 */
static int refused(const struct loader *l, const char *file, const char *where, const char *what, const char *whose,
		   const char *hint, struct iso_error **err)
{
	return iso_error_set(err, ISO_E_USAGE, 0,
			     "config file '%s': '%s' sets %s: %s is for your own configuration to say, not a "
			     "repository's; move it to '%s' (yours) or '%s' (the host's)%s",
			     file, where, what, whose, l->cfg->user_config_path, l->cfg->host_config_path, hint);
}

/* Set or replace KEY=VALUE in the profile's env list. */
static void env_put(struct profile_def *d, const char *key, const char *value)
{
	size_t klen = strlen(key);
	char *kv = xasprintf("%s=%s", key, value);
	for (size_t i = 0; i < d->n_env; i++) {
		if (strncmp(d->env[i], key, klen) == 0 && d->env[i][klen] == '=') {
			free(d->env[i]);
			d->env[i] = kv;
			return;
		}
	}
	d->env = xrealloc(d->env, (d->n_env + 2) * sizeof(char *));
	d->env[d->n_env++] = kv;
	d->env[d->n_env] = NULL;
}

/* The env object V of profile D in FILE: at most ISO_PROFILE_ENV_MAX entries, all layers together. */
static int load_env(struct profile_def *d, const char *file, const char *where, const iso_json *v,
		    struct iso_error **err)
{
	if (!iso_json_is(v, ISO_JSON_OBJECT))
		return wo_config_type_error(file, where, "an object of strings", err);
	size_t before = d->n_env;
	/* Said before any is merged, so a huge object costs no quadratic merge. */
	if (iso_json_len(v) > ISO_PROFILE_ENV_MAX)
		goto too_many;
	for (size_t j = 0; j < iso_json_len(v); j++) {
		const char *ek = iso_json_key_at(v, j);
		const char *ev = iso_json_string(iso_json_value_at(v, j));
		if (!ev || !*ek || strchr(ek, '='))
			return wo_config_type_error(file, where, "an object of NAME: \"string\"", err);
		env_put(d, ek, ev);
	}
	if (d->n_env <= ISO_PROFILE_ENV_MAX)
		return 0;
too_many:;
	size_t n = iso_json_len(v) > ISO_PROFILE_ENV_MAX ? iso_json_len(v) : d->n_env;
	return iso_error_set(err, ISO_E_USAGE, 0,
			     "config file '%s': profile '%s' has %zu env entries%s, more than the %d an Odoo "
			     "container takes besides HOST, PORT and USER; remove %zu of them",
			     file, d->name, n, before && n == d->n_env ? " (with those of the files before it)" : "",
			     ISO_PROFILE_ENV_MAX, n - ISO_PROFILE_ENV_MAX);
}

/* ^[a-z][a-z0-9_]{0,63}$, spelled out: no locale decides what a letter is. */
static int module_name_ok(const char *s)
{
	if (!s || s[0] < 'a' || s[0] > 'z')
		return 0;
	size_t n = 1;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n <= ISO_MODULE_NAME_MAX;
}

/*
 * The modules array V at WHERE of FILE: replaces whatever a lower layer
 * listed (lists are not merged), with "base" added first when it is missing.
 */
static int load_modules(struct profile_def *d, const char *file, enum iso_config_source src, const char *where,
			const iso_json *v, struct iso_error **err)
{
	if (!iso_json_is(v, ISO_JSON_ARRAY)) {
		cleanup_free char *text = json_text(v);
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': '%s' is %s; it must be an array of Odoo module names, "
				     "such as [\"base\", \"sale\"]",
				     file, where, text);
	}
	size_t n = iso_json_len(v);
	int has_base = 0;
	/* Counted before the names are compared, so a huge array costs no quadratic check. */
	for (size_t j = 0; j < n && n <= ISO_PROFILE_MODULES_MAX; j++) {
		const char *s = iso_json_string(iso_json_at(v, j));
		if (!module_name_ok(s)) {
			cleanup_free char *text = json_text(iso_json_at(v, j));
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "config file '%s': '%s': %s is not an Odoo module name (a lowercase "
					     "letter, then at most %d lowercase letters, digits and '_')",
					     file, where, text, ISO_MODULE_NAME_MAX - 1);
		}
		for (size_t k = 0; k < j; k++)
			if (!strcmp(iso_json_string(iso_json_at(v, k)), s))
				return iso_error_set(err, ISO_E_USAGE, 0,
						     "config file '%s': '%s' lists '%s' twice; list each module once",
						     file, where, s);
		has_base |= !strcmp(s, "base");
	}
	size_t total = n + (n <= ISO_PROFILE_MODULES_MAX && !has_base);
	if (total > ISO_PROFILE_MODULES_MAX)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': '%s' lists %zu modules%s, more than the %d a profile may "
				     "have; remove %zu of them",
				     file, where, total, total > n ? " with \"base\" (always installed)" : "",
				     ISO_PROFILE_MODULES_MAX, total - ISO_PROFILE_MODULES_MAX);
	iso_strvfree(d->modules);
	d->modules = xzalloc((total + 1) * sizeof(char *));
	d->n_modules = 0;
	if (!has_base)
		d->modules[d->n_modules++] = xstrdup("base");
	for (size_t j = 0; j < n; j++)
		d->modules[d->n_modules++] = xstrdup(iso_json_string(iso_json_at(v, j)));
	d->modules_src = src;
	return 0;
}

static int template_mode_parse(const char *s, enum iso_template_mode *out)
{
	for (int m = ISO_TEMPLATE_AUTO; s && m <= ISO_TEMPLATE_NEVER; m++)
		if (!strcmp(s, wo_template_mode_name(m))) {
			*out = m;
			return 0;
		}
	return -1;
}

int wo_config_template_key(const struct loader *l, struct template_def *t, const char *file, enum iso_config_source src,
			   const char *where, const char *k, const iso_json *v, struct iso_error **err)
{
	if (!strcmp(k, "template")) {
		if (template_mode_parse(iso_json_string(v), &t->mode) < 0) {
			cleanup_free char *text = json_text(v);
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "config file '%s': '%s' is %s; the template mode is one of \"auto\", "
					     "\"exact\" and \"never\"",
					     file, where, text);
		}
		t->mode_set = 1;
		t->mode_src = src;
		return 1;
	}
	if (strcmp(k, "template_keep"))
		return 0;
	if (src == ISO_SRC_REPO)
		return refused(l, file, where, "how many database templates this host keeps", "what the host keeps",
			       ", or set ISOPOD_TEMPLATE_KEEP", err);
	long long n;
	if (iso_json_int(v, &n) < 0 || n < ISO_TEMPLATE_KEEP_MIN || n > ISO_TEMPLATE_KEEP_MAX) {
		cleanup_free char *text = json_text(v);
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': '%s' is %s; it must be an integer from %d to %d (how many "
				     "templates to keep)",
				     file, where, text, ISO_TEMPLATE_KEEP_MIN, ISO_TEMPLATE_KEEP_MAX);
	}
	t->keep = (int)n;
	t->keep_src = src;
	return 1;
}

/* The keys K of a profile that say what runs inside its pod (the images, env, modules); 1 when K is one. */
static int load_contents_key(struct profile_def *d, const char *file, enum iso_config_source src, const char *where,
			     const char *k, const iso_json *v, struct iso_error **err)
{
	if (!strcmp(k, "odoo_image") || !strcmp(k, "db_image")) {
		const char *s = iso_json_string(v);
		if (!s || !*s)
			return wo_config_type_error(file, where, "a non-empty string", err);
		wo_config_set_str(!strcmp(k, "odoo_image") ? &d->odoo_image : &d->db_image, s);
	} else if (!strcmp(k, "env")) {
		if (load_env(d, file, where, v, err) < 0)
			return -1;
	} else if (!strcmp(k, "modules")) {
		if (load_modules(d, file, src, where, v, err) < 0)
			return -1;
	} else {
		return 0;
	}
	return 1;
}

/* The "ports" array V at WHERE of FILE, into D. */
static int load_ports(struct profile_def *d, const char *file, enum iso_config_source src, const char *where,
		      const iso_json *v, struct iso_error **err)
{
	if (!iso_json_is(v, ISO_JSON_ARRAY))
		return wo_config_type_error(file, where, "an array of \"http\", \"websocket\", \"db\"", err);
	unsigned ports = 0;
	for (size_t j = 0; j < iso_json_len(v); j++) {
		int p = wo_purpose_parse(iso_json_string(iso_json_at(v, j)));
		if (p < 0)
			return wo_config_type_error(file, where, "an array of \"http\", \"websocket\", \"db\"", err);
		ports |= 1u << p;
	}
	if (!(ports & (1u << ISO_PORT_HTTP)))
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': '%s' must include \"http\" (Odoo's web port)", file, where);
	d->ports = ports;
	d->ports_set = 1;
	d->ports_src = src;
	return 0;
}

int wo_config_load_profile(struct loader *l, const char *file, enum iso_config_source src, const char *name,
			   const iso_json *obj, struct iso_error **err)
{
	if (wo_profile_name_check(name, err) < 0)
		return iso_error_wrap(err, "config file '%s'", file);
	if (!iso_json_is(obj, ISO_JSON_OBJECT))
		return wo_config_type_error(file, name, "an object", err);
	struct profile_def *d = wo_config_def_get(l, name);
	if (!d)
		return iso_error_set(err, ISO_E_USAGE, 0, "config file '%s': more than %d profiles", file,
				     MAX_PROFILES);
	for (size_t i = 0; i < iso_json_len(obj); i++) {
		const char *k = iso_json_key_at(obj, i);
		const iso_json *v = iso_json_value_at(obj, i);
		cleanup_free char *where = xasprintf("profiles.%s.%s", name, k);
		int is_address = !strcmp(k, "host_address");
		if ((is_address || !strcmp(k, "ports")) && src == ISO_SRC_REPO)
			return refused(l, file, where,
				       is_address ? "the address published ports bind to" : "which ports are published",
				       "what the host exposes",
				       is_address ? ", or pass --bind ADDR to 'isopod up'" : "", err);
		int r = load_contents_key(d, file, src, where, k, v, err);
		if (r == 0)
			r = wo_config_template_key(l, &d->tmpl, file, src, where, k, v, err);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (is_address) {
			const char *s = iso_json_string(v);
			if (!s || !*s)
				return wo_config_type_error(file, where, "a non-empty string", err);
			wo_config_set_str(&d->host_address, s);
			d->host_address_src = src;
		} else if (!strcmp(k, "port_range")) {
			if (wo_config_range_value(file, where, 1, v, &d->port_low, &d->port_high, err) < 0)
				return -1;
		} else if (!strcmp(k, "ports")) {
			if (load_ports(d, file, src, where, v, err) < 0)
				return -1;
		} else {
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "config file '%s': unknown key '%s' (known: odoo_image, db_image, "
					     "port_range, host_address, ports, env, modules, template, template_keep)",
					     file, where);
		}
	}
	return 0;
}

/* ISOPOD_TEMPLATE and ISOPOD_TEMPLATE_KEEP over the files' template keys, in P. */
static int template_env(struct iso_profile *p, struct iso_error **err)
{
	const char *v;
	if ((v = env_nonempty("ISOPOD_TEMPLATE"))) {
		if (template_mode_parse(v, &p->template_mode) < 0)
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "ISOPOD_TEMPLATE='%s' is not a template mode; use auto, exact or never",
					     v);
		p->template_source = ISO_SRC_ENV;
	}
	if ((v = env_nonempty("ISOPOD_TEMPLATE_KEEP"))) {
		char *end = NULL;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || errno || *end || n < ISO_TEMPLATE_KEEP_MIN || n > ISO_TEMPLATE_KEEP_MAX)
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "ISOPOD_TEMPLATE_KEEP='%s' must be an integer from %d to %d (how many "
					     "templates to keep)",
					     v, ISO_TEMPLATE_KEEP_MIN, ISO_TEMPLATE_KEEP_MAX);
		p->template_keep = (int)n;
		p->template_keep_source = ISO_SRC_ENV;
	}
	return 0;
}

int wo_config_resolve_contents(const struct loader *l, const struct profile_def *d,
			       const struct iso_config_flags *flags, struct iso_profile *p, struct iso_error **err)
{
	p->env = xzalloc((d->n_env + 1) * sizeof(char *));
	for (size_t i = 0; i < d->n_env; i++)
		p->env[i] = xstrdup(d->env[i]);
	size_t n = d->modules ? d->n_modules : 1;
	p->modules = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		p->modules[i] = xstrdup(d->modules ? d->modules[i] : "base");
	p->n_modules = n;
	p->modules_source = d->modules ? d->modules_src : ISO_SRC_BUILTIN;

	/* As for the images: the profile's own, else the top level's, else the built-in. */
	const struct template_def *t = d->tmpl.mode_set ? &d->tmpl : l->tmpl.mode_set ? &l->tmpl : NULL;
	p->template_mode = t ? t->mode : ISO_TEMPLATE_AUTO;
	p->template_source = t ? t->mode_src : ISO_SRC_BUILTIN;
	t = d->tmpl.keep ? &d->tmpl : l->tmpl.keep ? &l->tmpl : NULL;
	p->template_keep = t ? t->keep : ISO_TEMPLATE_KEEP_DEFAULT;
	p->template_keep_source = t ? t->keep_src : ISO_SRC_BUILTIN;
	if (template_env(p, err) < 0)
		return -1;
	if (flags && flags->no_template) {
		p->template_mode = ISO_TEMPLATE_NEVER;
		p->template_source = ISO_SRC_FLAG;
	}
	return 0;
}
