/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workorder/names.h - work-order ids, profile names, and everything derived
 * from them: Podman object names, the database name, the labels.
 *
 * Rules (checked before any object is made; a violation is ISO_E_USAGE with
 * the rule stated):
 *   work order  [A-Za-z0-9][A-Za-z0-9_.-]*, at most 40 characters,
 *               case-insensitive: the lowercase form is stored everywhere
 *   profile     [a-z0-9]{1,16}: no '-', so "<profile>-<wo>" splits at its
 *               first '-' and two work orders never share a derived name
 *
 * Derived names for profile hub, work order WO-042:
 *   pod hub-wo-042 (also its hostname, <= 57 characters)
 *   containers odoo_hub_wo-042, db_hub_wo-042, init_hub_wo-042 (<= 62)
 *   volumes odoo-hub-wo-042-data, db-hub-wo-042-data
 *   secret db-hub-wo-042-password; database hub_wo-042
 *
 * Labels (fixed: Podman cannot change labels of an existing object):
 *   io.isopod.schema=1
 *   io.isopod.key=<profile>/<wo>    the one label that finds a work order's objects
 *   io.isopod.wo=<wo>  io.isopod.profile=<profile>  io.isopod.role=<role>
 *   io.isopod.port.<purpose>=<address>:<port>   (http, websocket, db)
 *   io.isopod.config=<hash of the effective configuration>   (pod only)
 *   io.isopod.repo=<repository directory>   (pod only, when made in one; added in
 *   0.1.0 after the others: a pod without it was made outside a repository)
 */
#ifndef ISOPOD_NAMES_H
#define ISOPOD_NAMES_H

#include "base/error.h"

#define WO_ID_MAX 40
#define PROFILE_NAME_MAX 16
#define POD_NAME_MAX 57
#define CONTAINER_NAME_MAX 62
/* Volumes and secrets have no length rule of their own; a work order's longest is 69 (snapshots: snapshot/snapshot.h). */
#define OBJECT_NAME_MAX 72

#define LABEL_SCHEMA "io.isopod.schema"
#define LABEL_SCHEMA_VERSION "1"
#define LABEL_KEY "io.isopod.key"
#define LABEL_WO "io.isopod.wo"
#define LABEL_PROFILE "io.isopod.profile"
#define LABEL_ROLE "io.isopod.role"
#define LABEL_PORT_PREFIX "io.isopod.port."
#define LABEL_CONFIG "io.isopod.config"
#define LABEL_REPO "io.isopod.repo" /* pod only: the repository it was made from, when there was one */

/*
 * Objects that are not a work order's carry io.isopod.kind and no
 * io.isopod.key, so `ls`, `gc` and `ports --rebuild` never take them for one
 * (docs/design.md lists every name):
 *   template        a profile's template: volumes isopod-tpl-<profile>-<key>-{db,files,seal}
 *   template-build  the throwaway pod, containers and secret of a template build
 *   snapshot        a work order's snapshot: volumes isopod-snap-<profile>-<wo>-<name>-<h8>-{db,files,seal}
 */
#define LABEL_KIND "io.isopod.kind"
#define LABEL_TEMPLATE "io.isopod.template" /* the template's key (16 hex) */
#define LABEL_SNAPSHOT "io.isopod.snapshot" /* the snapshot's name */
#define LABEL_SNAPSHOT_OF                                                                                              \
	"io.isopod.snapshot-of" /* <profile>/<wo>: the one label that finds a work order's snapshots */
#define KIND_TEMPLATE "template"
#define KIND_TEMPLATE_BUILD "template-build"
#define KIND_SNAPSHOT "snapshot"
#define TEMPLATE_KEY_LEN 16

/* Values of io.isopod.role. */
#define ROLE_POD "pod"
#define ROLE_ODOO "odoo"
#define ROLE_DB "db"
#define ROLE_INIT "init"
#define ROLE_ODOO_DATA "odoo-data"
#define ROLE_DB_DATA "db-data"
#define ROLE_SECRET "db-password"
#define ROLE_TPL_DB "template-db"
#define ROLE_TPL_FILES "template-files"
#define ROLE_TPL_SEAL "template-seal"
#define ROLE_SNAP_DB "snapshot-db"
#define ROLE_SNAP_FILES "snapshot-files"
#define ROLE_SNAP_SEAL "snapshot-seal"

/*
 * Check and normalise a work-order id: on success OUT (WO_ID_MAX + 1 bytes)
 * holds the lowercase form.
 */
int wo_parse(const char *in, char out[WO_ID_MAX + 1], struct iso_error **err);

/* Check a profile name. */
int wo_profile_name_check(const char *name, struct iso_error **err);

/*
 * The same rules as yes / no, for names read back where they are stored
 * (lease file, keys): 1 when NAME is a profile name, 1 when ID is a work
 * order in its stored, lowercase form (what wo_parse leaves); 0 otherwise.
 */
int wo_profile_name_valid(const char *name);
int wo_id_valid(const char *id);

struct workorder_names {
	char wo[WO_ID_MAX + 1];
	char profile[PROFILE_NAME_MAX + 1];
	char key[PROFILE_NAME_MAX + 1 + WO_ID_MAX + 1];      /* hub/wo-042 */
	char pod[POD_NAME_MAX + 1];                          /* hub-wo-042 */
	char odoo_container[CONTAINER_NAME_MAX + 1];         /* odoo_hub_wo-042 */
	char db_container[CONTAINER_NAME_MAX + 1];           /* db_hub_wo-042 */
	char init_container[CONTAINER_NAME_MAX + 1];         /* init_hub_wo-042 */
	char odoo_volume[OBJECT_NAME_MAX + 1];               /* odoo-hub-wo-042-data */
	char db_volume[OBJECT_NAME_MAX + 1];                 /* db-hub-wo-042-data */
	char secret[OBJECT_NAME_MAX + 1];                    /* db-hub-wo-042-password */
	char database[PROFILE_NAME_MAX + 1 + WO_ID_MAX + 1]; /* hub_wo-042 */
	char template_key[TEMPLATE_KEY_LEN + 1];             /* "" for a work order; a template build's key */
};

/* Check both names and derive every other one.  WO may be in any case. */
int wo_names_init(struct workorder_names *n, const char *profile, const char *wo, struct iso_error **err);

/*
 * The names of the throwaway pod that builds template KEY of PROFILE: pod
 * isopod.tpl-<profile>-<key>, containers isopod.tpl_{db,init,odoo}_<profile>-<key>,
 * secret isopod.tpl-<profile>-<key>-password, database <profile>_template; its
 * volumes are the template's own (isopod-tpl-<profile>-<key>-{db,files}).  No
 * work order's derived name starts with "isopod.", "isopod-" or "isopod.tpl_":
 * a profile has no '.' and work-order volumes start with "odoo-" or "db-".
 * wo is "template.<key>" (messages only); template_key is set.
 */
int wo_names_template_build(struct workorder_names *n, const char *profile, const char *key, struct iso_error **err);

/* Split a key "<profile>/<wo>" back; 0, or -1 when it is not a valid key. */
int wo_key_split(const char *key, char profile[PROFILE_NAME_MAX + 1], char wo[WO_ID_MAX + 1]);

#endif
