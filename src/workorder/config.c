/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The effective configuration, layered lowest first: built-ins, the host
 * file, the user file, the repository's isopod.json, ISOPOD_* environment,
 * flags.  Unknown keys and wrongly typed values are errors naming the file
 * and the key, so a typo never silently falls back to a default.  A
 * repository's file is untrusted (workorder/config.h): what it may not set is
 * refused here, before anything reaches Podman, never quietly ignored.
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
#include "internal.h"

#define CONFIG_FILE_CAP (1u << 20)
#define MAX_PROFILES 32

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

/* A profile as the layers define it; NULL / 0 fields are "not set here". */
struct profile_def {
	char name[PROFILE_NAME_MAX + 1];
	char *odoo_image, *db_image, *host_address;
	int port_low, port_high;
	int ports_set;
	unsigned ports;
	enum iso_config_source host_address_src, ports_src; /* the layer that set them last */
	char **env;
	size_t n_env;
};

struct loader {
	struct iso_config *cfg;
	struct profile_def defs[MAX_PROFILES];
	size_t n_defs;
	char *repo_profile;
	char *odoo_image, *db_image; /* top-level defaults of the host and user files */
};

static struct profile_def *def_get(struct loader *l, const char *name)
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

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
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

static int type_error(const char *file, const char *key, const char *want, struct iso_error **err)
{
	return iso_error_set(err, ISO_E_USAGE, 0, "config file '%s': '%s' must be %s", file, key, want);
}

/*
 * A "LOW-HIGH" string at WHERE of FILE.  A bad range is wrapped with WHERE
 * when NAMED (a profile's key, which the message must name), else with FILE.
 */
static int range_value(const char *file, const char *where, int named, const iso_json *v, int *low, int *high,
		       struct iso_error **err)
{
	if (!iso_json_string(v))
		return type_error(file, where, "a string \"LOW-HIGH\"", err);
	if (wo_parse_port_range(iso_json_string(v), low, high, err) == 0)
		return 0;
	return named ? iso_error_wrap(err, "config file '%s': '%s'", file, where)
		     : iso_error_wrap(err, "config file '%s'", file);
}

/*
 * WHERE (profiles.P.host_address or .ports) in the repository's FILE: what
 * the host exposes is the user's to say, so the key is refused, naming where
 * it belongs.
 */
static int exposure_refused(const struct loader *l, const char *file, const char *where, int is_address,
			    struct iso_error **err)
{
	return iso_error_set(err, ISO_E_USAGE, 0,
			     "config file '%s': '%s' sets %s: what the host exposes is for your own "
			     "configuration to say, not a repository's; move it to '%s' (yours) or '%s' "
			     "(the host's)%s",
			     file, where,
			     is_address ? "the address published ports bind to" : "which ports are published",
			     l->cfg->user_config_path, l->cfg->host_config_path,
			     is_address ? ", or pass --bind ADDR to 'isopod up'" : "");
}

/* The env object V of profile D in FILE: at most ISO_PROFILE_ENV_MAX entries, all layers together. */
static int load_env(struct profile_def *d, const char *file, const char *where, const iso_json *v,
		    struct iso_error **err)
{
	if (!iso_json_is(v, ISO_JSON_OBJECT))
		return type_error(file, where, "an object of strings", err);
	size_t before = d->n_env;
	/* Said before any is merged, so a huge object costs no quadratic merge. */
	if (iso_json_len(v) > ISO_PROFILE_ENV_MAX)
		goto too_many;
	for (size_t j = 0; j < iso_json_len(v); j++) {
		const char *ek = iso_json_key_at(v, j);
		const char *ev = iso_json_string(iso_json_value_at(v, j));
		if (!ev || !*ek || strchr(ek, '='))
			return type_error(file, where, "an object of NAME: \"string\"", err);
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

static int load_profile(struct loader *l, const char *file, enum iso_config_source src, const char *name,
			const iso_json *obj, struct iso_error **err)
{
	if (wo_profile_name_check(name, err) < 0)
		return iso_error_wrap(err, "config file '%s'", file);
	if (!iso_json_is(obj, ISO_JSON_OBJECT))
		return type_error(file, name, "an object", err);
	struct profile_def *d = def_get(l, name);
	if (!d)
		return iso_error_set(err, ISO_E_USAGE, 0, "config file '%s': more than %d profiles", file,
				     MAX_PROFILES);
	for (size_t i = 0; i < iso_json_len(obj); i++) {
		const char *k = iso_json_key_at(obj, i);
		const iso_json *v = iso_json_value_at(obj, i);
		cleanup_free char *where = xasprintf("profiles.%s.%s", name, k);
		int exposure = !strcmp(k, "host_address") || !strcmp(k, "ports");
		if (exposure && src == ISO_SRC_REPO)
			return exposure_refused(l, file, where, !strcmp(k, "host_address"), err);
		if (!strcmp(k, "host_address"))
			d->host_address_src = src;
		if (!strcmp(k, "odoo_image") || !strcmp(k, "db_image") || !strcmp(k, "host_address")) {
			const char *s = iso_json_string(v);
			if (!s || !*s)
				return type_error(file, where, "a non-empty string", err);
			set_str(!strcmp(k, "odoo_image") ? &d->odoo_image
				: !strcmp(k, "db_image") ? &d->db_image
							 : &d->host_address,
				s);
		} else if (!strcmp(k, "port_range")) {
			if (range_value(file, where, 1, v, &d->port_low, &d->port_high, err) < 0)
				return -1;
		} else if (!strcmp(k, "ports")) {
			if (!iso_json_is(v, ISO_JSON_ARRAY))
				return type_error(file, where, "an array of \"http\", \"websocket\", \"db\"", err);
			unsigned ports = 0;
			for (size_t j = 0; j < iso_json_len(v); j++) {
				int p = wo_purpose_parse(iso_json_string(iso_json_at(v, j)));
				if (p < 0)
					return type_error(file, where, "an array of \"http\", \"websocket\", \"db\"",
							  err);
				ports |= 1u << p;
			}
			if (!(ports & (1u << ISO_PORT_HTTP)))
				return iso_error_set(err, ISO_E_USAGE, 0,
						     "config file '%s': '%s' must include \"http\" (Odoo's web port)",
						     file, where);
			d->ports = ports;
			d->ports_set = 1;
			d->ports_src = src;
		} else if (!strcmp(k, "env")) {
			if (load_env(d, file, where, v, err) < 0)
				return -1;
		} else {
			return iso_error_set(err, ISO_E_USAGE, 0,
					     "config file '%s': unknown key '%s' (known: odoo_image, db_image, "
					     "port_range, host_address, ports, env)",
					     file, where);
		}
	}
	return 0;
}

/* One top-level key K (value V) of the file PATH, which is of layer SRC. */
static int load_key(struct loader *l, const char *path, enum iso_config_source src, const char *k, const iso_json *v,
		    struct iso_error **err)
{
	struct iso_config *c = l->cfg;
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
			return type_error(path, k, "an absolute path", err);
		if (!strcmp(k, "state_dir")) {
			set_str(&c->state_dir, s);
		} else {
			set_str(&c->registry_dir, s);
			c->registry_shared = 1;
			c->registry_source = src;
		}
	} else if (!strcmp(k, "odoo_image") || !strcmp(k, "db_image")) {
		const char *s = iso_json_string(v);
		if (!s || !*s)
			return type_error(path, k, "a non-empty image name", err);
		set_str(!strcmp(k, "odoo_image") ? &l->odoo_image : &l->db_image, s);
	} else if (!strcmp(k, "port_range")) {
		if (range_value(path, k, 0, v, &c->port_low, &c->port_high, err) < 0)
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
			return type_error(path, k, "a profile name", err);
		if (wo_profile_name_check(s, err) < 0)
			return iso_error_wrap(err, "config file '%s'", path);
		set_str(&l->repo_profile, s);
	} else if (!strcmp(k, "profiles")) {
		if (!iso_json_is(v, ISO_JSON_OBJECT))
			return type_error(path, k, "an object of profiles", err);
		for (size_t j = 0; j < iso_json_len(v); j++)
			if (load_profile(l, path, src, iso_json_key_at(v, j), iso_json_value_at(v, j), err) < 0)
				return -1;
	} else {
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "config file '%s': unknown key '%s' (known: state_dir, registry_dir, "
				     "port_range, odoo_image, db_image, profile, profiles)",
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

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static void def_release(struct profile_def *d)
{
	free(d->odoo_image);
	free(d->db_image);
	free(d->host_address);
	iso_strvfree(d->env);
}

static int apply_env(struct loader *l, struct iso_error **err)
{
	struct iso_config *c = l->cfg;
	const char *v;
	if ((v = env_nonempty("ISOPOD_STATE_DIR"))) {
		if (v[0] != '/')
			return iso_error_set(err, ISO_E_USAGE, 0, "ISOPOD_STATE_DIR='%s' must be an absolute path", v);
		set_str(&c->state_dir, v);
	}
	if ((v = env_nonempty("ISOPOD_REGISTRY_DIR"))) {
		if (v[0] != '/')
			return iso_error_set(err, ISO_E_USAGE, 0, "ISOPOD_REGISTRY_DIR='%s' must be an absolute path",
					     v);
		set_str(&c->registry_dir, v);
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
		set_str(&p->odoo_image, v);
	if ((v = env_nonempty("ISOPOD_DB_IMAGE")))
		set_str(&p->db_image, v);
	p->host_address = xstrdup(d->host_address ? d->host_address : ISO_DEFAULT_HOST_ADDRESS);
	p->host_address_source = d->host_address ? d->host_address_src : ISO_SRC_BUILTIN;
	if (flags && flags->bind) {
		set_str(&p->host_address, flags->bind);
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
	size_t n = d->n_env;
	p->env = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		p->env[i] = xstrdup(d->env[i]);
	return 0;
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
	def_get(&l, "hub");
	def_get(&l, "evv");

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
		def_release(&l.defs[i]);
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
	memset(cfg, 0, sizeof(*cfg));
}
