/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The effective configuration, layered lowest first: built-ins, the host
 * file, the user file, the repository's isopod.json, ISOPOD_* environment,
 * flags.  Unknown keys and wrongly typed values are errors naming the file
 * and the key, so a typo never silently falls back to a default.  A
 * repository's file is untrusted (workorder/config.h): what it may not set is
 * refused here, before anything reaches Podman, never quietly ignored.  A
 * profile's keys are config_profile.c's.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "workorder/config.h"
#include "config_internal.h"
#include "internal.h"

#define CONFIG_FILE_CAP (1u << 20)

const char *wo_config_source_name(enum iso_config_source s)
{
	static const char *const names[] = {"built-in",          "host config", "user config",
					    "repository config", "environment", "flag"};
	return (unsigned)s < ISO_ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *wo_config_source_token(enum iso_config_source s)
{
	static const char *const tokens[] = {"builtin", "host", "user", "repo", "env", "flag"};
	return (unsigned)s < ISO_ARRAY_SIZE(tokens) ? tokens[s] : "unknown";
}

const char *wo_config_source_file(const struct iso_config *cfg, enum iso_config_source s)
{
	return s == ISO_SRC_HOST ? cfg->host_config_path : s == ISO_SRC_USER ? cfg->user_config_path : NULL;
}

/* One top-level key K (value V) of the file PATH, which is of layer SRC. */
static int load_key(struct loader *l, const char *path, enum iso_config_source src, const char *k, const iso_json *v,
		    struct iso_error **err)
{
	struct iso_config *c = l->cfg;
	int r = wo_config_template_key(l, &l->tmpl, path, src, k, k, v, err);
	if (r)
		return r < 0 ? -1 : 0;
	int host_key = !strcmp(k, "state_dir") || !strcmp(k, "registry_dir") || !strcmp(k, "port_range") ||
		       !strcmp(k, "odoo_image") || !strcmp(k, "db_image");
	if (host_key && src == ISO_SRC_REPO)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': '%s' is a host or user setting and may not come from a "
				     "repository; move it to /etc/isopod/config.json or "
				     "~/.config/isopod/config.json",
				     path, k);
	if (!strcmp(k, "state_dir") || !strcmp(k, "registry_dir")) {
		const char *s = iso_json_string(v);
		if (!s || s[0] != '/')
			return wo_config_type_error(path, k, "an absolute path", err);
		if (!strcmp(k, "state_dir")) {
			wo_config_set_str(&c->state_dir, s);
		} else {
			wo_config_set_str(&c->registry_dir, s);
			c->registry_shared = 1;
			c->registry_source = src;
		}
	} else if (!strcmp(k, "odoo_image") || !strcmp(k, "db_image")) {
		const char *s = iso_json_string(v);
		if (!s || !*s)
			return wo_config_type_error(path, k, "a non-empty image name", err);
		wo_config_set_str(!strcmp(k, "odoo_image") ? &l->odoo_image : &l->db_image, s);
	} else if (!strcmp(k, "port_range")) {
		if (wo_config_range_value(path, k, 0, v, &c->port_low, &c->port_high, err) < 0)
			return -1;
		c->port_source = src;
	} else if (!strcmp(k, "profile")) {
		if (src != ISO_SRC_REPO)
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "config file '%s': 'profile' belongs in a repository's isopod.json; "
					     "elsewhere use ISOPOD_PROFILE or --profile",
					     path);
		const char *s = iso_json_string(v);
		if (!s)
			return wo_config_type_error(path, k, "a profile name", err);
		if (wo_profile_name_check(s, err) < 0)
			return iso_error_wrap(err, "config file '%s'", path);
		wo_config_set_str(&l->repo_profile, s);
	} else if (!strcmp(k, "profiles")) {
		if (!iso_json_is(v, ISO_JSON_OBJECT))
			return wo_config_type_error(path, k, "an object of profiles", err);
		for (size_t j = 0; j < iso_json_len(v); j++)
			if (wo_config_load_profile(l, path, src, iso_json_key_at(v, j), iso_json_value_at(v, j), err) <
			    0)
				return -1;
	} else {
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': unknown key '%s' (known: state_dir, registry_dir, "
				     "port_range, odoo_image, db_image, template, template_keep, profile, profiles)",
				     path, k);
	}
	return 0;
}

/* The file PATH of layer SRC, when it exists: every key, in order. */
static int load_file(struct loader *l, const char *path, enum iso_config_source src, struct iso_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct iso_error *rerr = NULL;
	if (iso_read_file(path, CONFIG_FILE_CAP, &buf, &len, &rerr) < 0) {
		int missing = rerr->status == ENOENT || rerr->status == ENOTDIR;
		if (missing) {
			iso_error_free(rerr);
			return 0;
		}
		return iso_error_move(err, rerr);
	}
	cleanup_free char *what = xasprintf("config file '%s'", path);
	cleanup_json iso_json *root = iso_json_parse(buf, len, ISO_JSON_COMMENTS, ISO_E_USAGE, what, err);
	if (!root)
		return -1;
	if (!iso_json_is(root, ISO_JSON_OBJECT))
		return iso_error_set(err, ISO_E_USAGE, 0, "%s: the top level must be an object", what);
	for (size_t i = 0; i < iso_json_len(root); i++)
		if (load_key(l, path, src, iso_json_key_at(root, i), iso_json_value_at(root, i), err) < 0)
			return -1;
	return 0;
}

/* The git top level of DIR: the nearest ancestor holding .git (a directory or a worktree file). */
static char *find_repo(const char *dir)
{
	cleanup_free char *d = realpath(dir, NULL);
	if (!d)
		return NULL;
	for (;;) {
		cleanup_free char *g = xasprintf("%s/.git", d);
		struct stat st;
		if (lstat(g, &st) == 0)
			return steal_pointer(&d);
		char *slash = strrchr(d, '/');
		if (!slash || slash == d)
			return NULL;
		*slash = '\0';
	}
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_dir : "/";
}

static char *xdg_path(const char *var, const char *fallback, const char *leaf)
{
	const char *base = getenv(var);
	if (base && base[0] == '/')
		return xasprintf("%s/%s", base, leaf);
	return xasprintf("%s/%s/%s", home_dir(), fallback, leaf);
}

static int apply_env(struct loader *l, struct iso_error **err)
{
	struct iso_config *c = l->cfg;
	const char *v;
	if ((v = env_nonempty("ISOPOD_STATE_DIR"))) {
		if (v[0] != '/')
			return iso_error_set(err, ISO_E_USAGE, 0, "ISOPOD_STATE_DIR='%s' must be an absolute path", v);
		wo_config_set_str(&c->state_dir, v);
	}
	if ((v = env_nonempty("ISOPOD_REGISTRY_DIR"))) {
		if (v[0] != '/')
			return iso_error_set(err, ISO_E_USAGE, 0, "ISOPOD_REGISTRY_DIR='%s' must be an absolute path",
					     v);
		wo_config_set_str(&c->registry_dir, v);
		c->registry_shared = 1;
		c->registry_source = ISO_SRC_ENV;
	}
	if ((v = env_nonempty("ISOPOD_PORTS"))) {
		if (wo_parse_port_range(v, &c->port_low, &c->port_high, err) < 0)
			return iso_error_wrap(err, "ISOPOD_PORTS");
		c->port_source = ISO_SRC_ENV;
	}
	return 0;
}

static int resolve_profile(struct loader *l, const struct iso_config_flags *flags, struct iso_error **err)
{
	struct iso_config *c = l->cfg;
	const char *name = "hub";
	c->profile_source = ISO_SRC_BUILTIN;
	if (l->repo_profile) {
		name = l->repo_profile;
		c->profile_source = ISO_SRC_REPO;
	}
	if (env_nonempty("ISOPOD_PROFILE")) {
		name = getenv("ISOPOD_PROFILE");
		c->profile_source = ISO_SRC_ENV;
	}
	if (flags && flags->profile) {
		name = flags->profile;
		c->profile_source = ISO_SRC_FLAG;
	}
	if (wo_profile_name_check(name, err) < 0)
		return iso_error_wrap(err, "%s", wo_config_source_name(c->profile_source));
	struct profile_def *d = NULL;
	for (size_t i = 0; i < l->n_defs; i++)
		if (!strcmp(l->defs[i].name, name))
			d = &l->defs[i];
	if (!d) {
		char known[512] = "";
		for (size_t i = 0; i < l->n_defs; i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", i ? ", " : "",
				 l->defs[i].name);
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "unknown profile '%s' (from the %s); known profiles: %s; define others under "
				     "\"profiles\" in a config file",
				     name, wo_config_source_name(c->profile_source), known);
	}
	struct iso_profile *p = &c->profile;
	snprintf(p->name, sizeof(p->name), "%s", d->name);
	/* A profile's own image, else the host or user file's default, else the official one. */
	p->odoo_image = xstrdup(d->odoo_image ? d->odoo_image : l->odoo_image ? l->odoo_image : ISO_DEFAULT_ODOO_IMAGE);
	p->db_image = xstrdup(d->db_image ? d->db_image : l->db_image ? l->db_image : ISO_DEFAULT_DB_IMAGE);
	const char *v;
	if ((v = env_nonempty("ISOPOD_ODOO_IMAGE")))
		wo_config_set_str(&p->odoo_image, v);
	if ((v = env_nonempty("ISOPOD_DB_IMAGE")))
		wo_config_set_str(&p->db_image, v);
	p->host_address = xstrdup(d->host_address ? d->host_address : ISO_DEFAULT_HOST_ADDRESS);
	p->host_address_source = d->host_address ? d->host_address_src : ISO_SRC_BUILTIN;
	if (flags && flags->bind) {
		wo_config_set_str(&p->host_address, flags->bind);
		p->host_address_source = ISO_SRC_FLAG;
	}
	if (wo_host_address_check(p->host_address, flags && flags->bind, p->name, err) < 0)
		return -1;
	p->ports = d->ports_set ? d->ports : (1u << ISO_PORT_HTTP);
	p->ports_source = d->ports_set ? d->ports_src : ISO_SRC_BUILTIN;
	p->port_low = c->port_low;
	p->port_high = c->port_high;
	if (d->port_low) {
		/* A profile narrows the global range; an explicit ISOPOD_PORTS (tests) wins over it. */
		if (c->port_source == ISO_SRC_ENV) {
			iso_debug("profile '%s' range %d-%d ignored: ISOPOD_PORTS=%d-%d is set", p->name, d->port_low,
				  d->port_high, c->port_low, c->port_high);
		} else if (d->port_low < c->port_low || d->port_high > c->port_high) {
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "profile '%s' port range %d-%d lies outside the global range %d-%d; "
					     "a profile may only narrow it",
					     p->name, d->port_low, d->port_high, c->port_low, c->port_high);
		} else {
			p->port_low = d->port_low;
			p->port_high = d->port_high;
		}
	}
	if (flags && flags->port_low) {
		p->port_low = flags->port_low;
		p->port_high = flags->port_high;
	}
	return wo_config_resolve_contents(l, d, flags, p, err);
}

int wo_config_load(struct iso_config *cfg, const struct iso_config_flags *flags, struct iso_error **err)
{
	memset(cfg, 0, sizeof(*cfg));
	struct loader l = {.cfg = cfg};
	int ret = -1;
	cfg->port_low = ISO_DEFAULT_PORT_LOW;
	cfg->port_high = ISO_DEFAULT_PORT_HIGH;
	cfg->port_source = ISO_SRC_BUILTIN;
	cfg->registry_source = ISO_SRC_BUILTIN;
	cfg->state_dir = xdg_path("XDG_STATE_HOME", ".local/state", "isopod");
	wo_config_def_get(&l, "hub");
	wo_config_def_get(&l, "evv");

	cfg->host_config_path =
		xstrdup(env_nonempty("ISOPOD_HOST_CONFIG") ? getenv("ISOPOD_HOST_CONFIG") : "/etc/isopod/config.json");
	cfg->user_config_path = xdg_path("XDG_CONFIG_HOME", ".config", "isopod/config.json");
	if (load_file(&l, cfg->host_config_path, ISO_SRC_HOST, err) < 0)
		goto out;
	if (load_file(&l, cfg->user_config_path, ISO_SRC_USER, err) < 0)
		goto out;
	if (flags && flags->repo) {
		struct stat st;
		if (stat(flags->repo, &st) < 0 || !S_ISDIR(st.st_mode)) {
			iso_error_set(err, ISO_E_USAGE, errno, "--repo '%s' is not a directory", flags->repo);
			goto out;
		}
		cfg->repo_dir = realpath(flags->repo, NULL);
	} else if (!(flags && flags->no_repo)) {
		cfg->repo_dir = find_repo(".");
	}
	if (cfg->repo_dir) {
		cleanup_free char *rf = xasprintf("%s/isopod.json", cfg->repo_dir);
		if (load_file(&l, rf, ISO_SRC_REPO, err) < 0)
			goto out;
	}
	if (apply_env(&l, err) < 0)
		goto out;
	if (flags && flags->port_low) {
		cfg->port_low = flags->port_low;
		cfg->port_high = flags->port_high;
		cfg->port_source = ISO_SRC_FLAG;
	}
	if (!cfg->registry_dir) {
		/* The per-user registry, unless the host-wide one is usable: lease_registry_open_config decides. */
		const char *hw = env_nonempty("ISOPOD_HOST_REGISTRY_DIR");
		if (hw && hw[0] != '/') {
			iso_error_set(err, ISO_E_USAGE, 0, "ISOPOD_HOST_REGISTRY_DIR='%s' must be an absolute path",
				      hw);
			goto out;
		}
		cfg->registry_dir = xstrdup(cfg->state_dir);
		cfg->registry_hostwide = hw ? xstrdup(hw) : NULL;
	}
	if (resolve_profile(&l, flags, err) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < l.n_defs; i++)
		wo_config_def_release(&l.defs[i]);
	free(l.repo_profile);
	free(l.odoo_image);
	free(l.db_image);
	if (ret < 0)
		wo_config_release(cfg);
	return ret;
}

void wo_config_release(struct iso_config *cfg)
{
	free(cfg->state_dir);
	free(cfg->registry_dir);
	free(cfg->registry_hostwide);
	free(cfg->repo_dir);
	free(cfg->host_config_path);
	free(cfg->user_config_path);
	free(cfg->profile.odoo_image);
	free(cfg->profile.db_image);
	free(cfg->profile.host_address);
	iso_strvfree(cfg->profile.env);
	iso_strvfree(cfg->profile.modules);
	memset(cfg, 0, sizeof(*cfg));
}
