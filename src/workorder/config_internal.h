/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workorder/config_internal.h - the configuration loader's state, shared by
 * config.c (the layers, the top-level keys, the result) and config_profile.c
 * (a profile's keys and what runs inside the pod, and the helpers both use);
 * nothing else sees it.
 *
 * A loader lives on wo_config_load's stack: each file in turn sets what it
 * says into the loader's definitions (a later file replacing an earlier
 * one's value), and the effective profile is resolved from them at the end.
 * Strings and lists in a definition are owned by it (wo_config_def_release).
 */
#ifndef ISOPOD_WORKORDER_CONFIG_INTERNAL_H
#define ISOPOD_WORKORDER_CONFIG_INTERNAL_H

#include <stdlib.h>

#include "base/error.h"
#include "base/json.h"
#include "workorder/config.h"

#define MAX_PROFILES 32

/* The template keys as one file's top level or one profile sets them; unset: mode_set 0, keep 0. */
struct template_def {
	int mode_set;
	enum iso_template_mode mode;
	int keep;
	enum iso_config_source mode_src, keep_src; /* the layer that set them last */
};

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
	char **modules; /* the whole list, "base" added; NULL-terminated */
	size_t n_modules;
	enum iso_config_source modules_src;
	struct template_def tmpl;
};

struct loader {
	struct iso_config *cfg;
	struct profile_def defs[MAX_PROFILES];
	size_t n_defs;
	char *repo_profile;
	char *odoo_image, *db_image; /* top-level defaults of the host and user files */
	struct template_def tmpl;    /* top-level template keys: every profile's */
};

/* The variable NAME when it is set and not empty. */
static inline const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* ---- config_profile.c (config.c calls it, never the other way) ---- */

void wo_config_set_str(char **slot, const char *v);
/* ISO_E_USAGE: "config file 'FILE': 'KEY' must be WANT". */
int wo_config_type_error(const char *file, const char *key, const char *want, struct iso_error **err);
/* A "LOW-HIGH" string at WHERE of FILE (a profile's key when NAMED, which the message then names). */
int wo_config_range_value(const char *file, const char *where, int named, const iso_json *v, int *low, int *high,
			  struct iso_error **err);

/* The definition of profile NAME, made empty when new; NULL when MAX_PROFILES are defined. */
struct profile_def *wo_config_def_get(struct loader *l, const char *name);
void wo_config_def_release(struct profile_def *d);
/* Profile NAME's object OBJ in FILE, of layer SRC. */
int wo_config_load_profile(struct loader *l, const char *file, enum iso_config_source src, const char *name,
			   const iso_json *obj, struct iso_error **err);
/*
 * K ("template", "template_keep"; at WHERE, the key as the message names it)
 * into T: 1 when it is one of them and loaded, 0 when K is another key, -1
 * with ISO_E_USAGE for a bad value or a repository's template_keep.
 */
int wo_config_template_key(const struct loader *l, struct template_def *t, const char *file, enum iso_config_source src,
			   const char *where, const char *k, const iso_json *v, struct iso_error **err);
/* Into P, from D and the top level: what runs inside the pod (env, modules, the template keys). */
int wo_config_resolve_contents(const struct loader *l, const struct profile_def *d,
			       const struct iso_config_flags *flags, struct iso_profile *p, struct iso_error **err);

#endif
