/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workorder/config.h - the effective configuration.
 *
 * Layers, lowest first: built-ins; the host file (/etc/isopod/config.json,
 * or $ISOPOD_HOST_CONFIG); the user file ($XDG_CONFIG_HOME/isopod/config.json);
 * the repository's isopod.json (the repository is --repo, else the git top
 * level of the current directory); ISOPOD_* environment; flags.  Files are
 * JSON with comments; a malformed file is ISO_E_USAGE naming file, line and
 * column.
 *
 * Trust.  The host and user files, the environment and the flags are the
 * user's own.  A repository's isopod.json is written by whoever wrote the
 * repository (a clone, a pull request): it may choose what runs inside its
 * own pod (images, environment, modules, the template mode), never what the
 * host exposes (the bind address, which ports are published) or keeps (how
 * many templates) nor where isopod keeps its state.  A repository file that
 * sets a key it may not is ISO_E_USAGE naming the key, the file and where to
 * set it instead.  Who may set what:
 *
 *   key                              host user repo  environment, flag
 *   state_dir                         yes  yes  no   ISOPOD_STATE_DIR
 *   registry_dir                      yes  yes  no   ISOPOD_REGISTRY_DIR
 *   port_range                        yes  yes  no   ISOPOD_PORTS
 *   odoo_image, db_image (top level)  yes  yes  no   ISOPOD_ODOO_IMAGE, ISOPOD_DB_IMAGE
 *   profile                           no   no   yes  ISOPOD_PROFILE, --profile
 *   profiles.P.odoo_image, db_image   yes  yes  yes  (ISOPOD_*_IMAGE win)
 *   profiles.P.port_range (narrows)   yes  yes  yes
 *   profiles.P.env                    yes  yes  yes
 *   profiles.P.host_address  exposure yes  yes  no   --bind
 *   profiles.P.ports         exposure yes  yes  no
 *   profiles.P.modules                yes  yes  yes  -
 *   template, profiles.P.template     yes  yes  yes  ISOPOD_TEMPLATE, --no-template
 *   template_keep (and profiles.P.)   yes  yes  no   ISOPOD_TEMPLATE_KEEP
 *
 * File keys:
 *   "state_dir": "/path"
 *   "registry_dir": "/path"         a shared directory: group-owned, setgid
 *   "port_range": "8090-8189"
 *   "odoo_image": "...", "db_image": "..."   the images of every profile that
 *                                   does not name its own
 *   "profile": "hub"                the repository's profile
 *   "template": "auto"              every profile's template mode
 *   "template_keep": 3              every profile's count of templates kept
 *   "profiles": { "<name>": {
 *        "odoo_image": "...", "db_image": "...",
 *        "port_range": "LOW-HIGH"   narrows the global range
 *        "host_address": "127.0.0.1",
 *        "ports": ["http", "websocket", "db"],
 *        "env": { "KEY": "value" },  at most ISO_PROFILE_ENV_MAX entries,
 *                                   all layers together; more is ISO_E_USAGE
 *        "modules": ["base", "sale"],
 *        "template": "exact", "template_keep": 5 } }
 *
 * modules: the Odoo modules the work order's database is made with, in order.
 * Each matches ^[a-z][a-z0-9_]{0,63}$; a name given twice is ISO_E_USAGE
 * naming it.  "base" is always included: a list without it gets it added
 * first.  At most ISO_PROFILE_MODULES_MAX entries, "base" counted.  Default
 * ["base"].  The highest layer that sets a profile's list wins whole (lists
 * are never merged).
 *
 * template: "auto" (default), "exact" or "never" (ISO_TEMPLATE_*).
 * template_keep: an integer ISO_TEMPLATE_KEEP_MIN..ISO_TEMPLATE_KEEP_MAX,
 * default ISO_TEMPLATE_KEEP_DEFAULT; how many templates this host keeps is
 * the user's to say, so a repository that sets it is refused like an
 * exposure key.  For both, as for the images: a profile's own value (the
 * highest file that sets it), else the top-level one (the highest file that
 * sets it), else the built-in; then the environment (ISOPOD_TEMPLATE,
 * ISOPOD_TEMPLATE_KEEP, same values) over the files; then --no-template
 * (flags.no_template) forces "never".  A bad value of any of these keys is
 * ISO_E_USAGE naming the key, the value, the file (or variable) and the rule.
 * None of them changes what a pod is made from: wo_config_hash leaves them out.
 *
 * Environment: ISOPOD_PROFILE, ISOPOD_PORTS=LOW-HIGH, ISOPOD_REGISTRY_DIR,
 * ISOPOD_STATE_DIR, ISOPOD_ODOO_IMAGE, ISOPOD_DB_IMAGE, ISOPOD_HOST_CONFIG,
 * ISOPOD_TEMPLATE, ISOPOD_TEMPLATE_KEEP.
 *
 * The port purposes and ranges are workorder/ports.h (included); the loader
 * is src/workorder/config.c (a profile's keys config_profile.c), the state
 * directory and the hash state.c.
 *
 * Ownership: wo_config_load fills a caller's struct (wo_config_release frees what
 * it holds); every string in it is owned by the struct.
 */
#ifndef ISOPOD_CONFIG_H
#define ISOPOD_CONFIG_H

#include "base/error.h"
#include "workorder/names.h"
#include "workorder/ports.h"

#define ISO_DEFAULT_PORT_LOW 8090
#define ISO_DEFAULT_PORT_HIGH 8189
#define ISO_DEFAULT_ODOO_IMAGE "docker.io/library/odoo:18.0"
#define ISO_DEFAULT_DB_IMAGE "docker.io/library/postgres:15"
#define ISO_DEFAULT_HOST_ADDRESS "127.0.0.1"

/*
 * A profile's env entries, at most: the Odoo container gets HOST, PORT and
 * USER first, and lifecycle's container spec holds 64 (src/lifecycle/internal.h).
 */
#define ISO_PROFILE_ENV_MAX 61

/* A profile's modules, at most ("base" counted), and the longest module name. */
#define ISO_PROFILE_MODULES_MAX 64
#define ISO_MODULE_NAME_MAX 64

#define ISO_TEMPLATE_KEEP_MIN 1
#define ISO_TEMPLATE_KEEP_MAX 20
#define ISO_TEMPLATE_KEEP_DEFAULT 3

/*
 * On a pod: the layer its host address came from (wo_config_source_token).
 * `verify` takes the pod's address as intended only when this says "flag"
 * (`up --bind`, which a later configuration does not know); any other address
 * is judged against the configuration as loaded now.
 */
#define LABEL_BIND_FROM "io.isopod.bind-from"

/* Where a value came from, for `doctor` and error messages. */
enum iso_config_source {
	ISO_SRC_BUILTIN,
	ISO_SRC_HOST,
	ISO_SRC_USER,
	ISO_SRC_REPO,
	ISO_SRC_ENV,
	ISO_SRC_FLAG,
};
/* In words ("user config"), and as one token for labels and JSON ("user"). */
const char *wo_config_source_name(enum iso_config_source s);
const char *wo_config_source_token(enum iso_config_source s);

/*
 * Whether `up` makes a work order's database from a template of its modules
 * (what "auto" and "exact" do is the template code's to say; this header only
 * reads the setting).
 */
enum iso_template_mode {
	ISO_TEMPLATE_AUTO,  /* "auto", the default */
	ISO_TEMPLATE_EXACT, /* "exact" */
	ISO_TEMPLATE_NEVER, /* "never": no template; also what --no-template forces */
};
/* "auto", "exact", "never" (the words of the files and ISOPOD_TEMPLATE). */
const char *wo_template_mode_name(enum iso_template_mode m);

struct iso_profile {
	char name[PROFILE_NAME_MAX + 1];
	char *odoo_image;
	char *db_image;
	int port_low, port_high; /* the effective range: the global one, narrowed */
	char *host_address;      /* where published ports bind */
	unsigned ports;          /* bit (1 << ISO_PORT_*) for each purpose leased */
	char **env;              /* extra environment, "KEY=value", NULL-terminated */
	/* Who asked for host_address and ports: the built-ins, the host or user file, a flag; never the repository. */
	enum iso_config_source host_address_source, ports_source;
	char **modules; /* Odoo module names as listed, "base" added first if missing; NULL-terminated */
	size_t n_modules;
	enum iso_template_mode template_mode;
	int template_keep; /* ISO_TEMPLATE_KEEP_MIN..ISO_TEMPLATE_KEEP_MAX */
	/* Who set them: modules and template may come from the repository, template_keep never. */
	enum iso_config_source modules_source, template_source, template_keep_source;
};

struct iso_config {
	char *state_dir;     /* private, 0700: $XDG_STATE_HOME/isopod or ~/.local/state/isopod */
	char *registry_dir;  /* lease registry; state_dir unless set */
	int registry_shared; /* registry_dir was set explicitly */
	enum iso_config_source registry_source;
	int port_low, port_high; /* the global range */
	enum iso_config_source port_source;
	char *repo_dir;             /* NULL when there is no repository */
	char *host_config_path;     /* the host file consulted */
	char *user_config_path;     /* the user file consulted */
	struct iso_profile profile; /* the effective profile */
	enum iso_config_source profile_source;
	/* No registry_dir set: $ISOPOD_HOST_REGISTRY_DIR (tests), the host-wide registry tried
	 * instead of LEASE_HOSTWIDE_DIR (lease/lease.h); NULL: that one. */
	char *registry_hostwide;
};

/* What flags can override; NULL / 0 means "not given". */
struct iso_config_flags {
	const char *profile;
	const char *repo;
	int no_repo;      /* no repository at all (not even the current directory's) */
	const char *bind; /* host address */
	int port_low, port_high;
	int no_template; /* `up --no-template`: template mode "never", over every layer */
};

int wo_config_load(struct iso_config *cfg, const struct iso_config_flags *flags, struct iso_error **err);
/* The file of layer S (the host or user file), or NULL for the other layers. */
const char *wo_config_source_file(const struct iso_config *cfg, enum iso_config_source s);
void wo_config_release(struct iso_config *cfg);

/* ---- src/workorder/state.c ---- */

/* Make sure the private state directory exists with mode 0700. */
int wo_config_ensure_state_dir(const struct iso_config *cfg, struct iso_error **err);

/*
 * A stable hash (hex, 16 characters) of what a pod is made from: images,
 * ports, host address, env, mounts.  Stored in io.isopod.config; drift is a
 * running pod whose label differs.
 */
void wo_config_hash(const struct iso_config *cfg, const int *ports, char out[17]);

#endif
