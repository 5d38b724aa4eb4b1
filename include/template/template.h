/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template/template.h - profile templates: a database and a filestore
 * initialised once with the profile's modules, kept as volumes, cloned into
 * every fresh work order of the profile.
 *
 * A template is three volumes (names in workorder/names.h):
 *   isopod-tpl-<profile>-<key>-db      the Postgres data directory, cleanly shut down
 *   isopod-tpl-<profile>-<key>-files   Odoo's data directory (filestore/<database>/...)
 *   isopod-tpl-<profile>-<key>-seal    empty; made LAST, after both are complete and
 *                                      synced: a template without it is half-made,
 *                                      never used, and `gc` removes it
 * Podman 4.3 can neither rename a volume nor change its labels, so the seal
 * is what publishes a template; everything a clone needs to know is in the
 * seal's labels (the database's name, the modules and their hashes, the
 * image IDs); the mtime of a file "used" in the seal's directory says when it
 * was last cloned (least recently used go first past template_keep).
 *
 * The key (16 hex of a SHA-256) hashes the two images' IDs, the init flags,
 * the profile's env, the repository's etc/, the module list, and the files
 * of each listed module that the repository's addons/ provides (modules that
 * come with the Odoo image count by name): an agent's own module that is not
 * listed never changes it.
 *
 * Locks: $XDG_RUNTIME_DIR/isopod/templates/<profile>-<key>.lock (one place for
 * every run of the user, whatever its state directory; <state_dir>/templates
 * without a runtime directory of the user's).  A build or a save holds
 * it exclusively (a second build of the key waits, then reuses the first's);
 * a clone holds it shared while it copies (`template rm` and the pruning of
 * old templates skip or wait for a template in use); `gc` removes an unsealed
 * template only when it can take the lock (nobody is making it).
 */
#ifndef ISOPOD_TEMPLATE_H
#define ISOPOD_TEMPLATE_H

#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "lifecycle/lifecycle.h"
#include "podman/objects.h"
#include "workorder/workorder.h"

#define TPL_INIT_FLAGS "--without-demo=all"
#define TPL_MODULES_MAX 64

/* What a template for the configuration as loaded now would be (key.c). */
struct tpl_key {
	char key[TEMPLATE_KEY_LEN + 1];
	char *odoo_image_id, *db_image_id; /* owned */
	size_t n_modules;
	const char *modules[TPL_MODULES_MAX];   /* borrowed from the configuration */
	char module_hash[TPL_MODULES_MAX][17];  /* of the module's files in addons/, or "image" */
	char modules_csv[TPL_MODULES_MAX * 65]; /* "base,sale" */
};
int tpl_key_compute(struct wo_ctx *w, struct tpl_key *k, struct iso_error **err);
/*
 * OUT = the hash of MODULE's files in REPO_DIR/addons/MODULE (sorted paths,
 * sizes, contents; __pycache__, *.pyc and dot files left out; links hashed
 * as links, never followed), or "image" when the repository has no such
 * directory (or there is no repository).  ISO_E_USAGE for a module of over
 * 20000 files or 512 MB.
 */
int tpl_module_hash(const char *repo_dir, const char *module, char out[17], struct iso_error **err);
void tpl_key_release(struct tpl_key *k);

/* One template as Podman's labels show it (list.c). */
struct tpl_entry {
	char key[TEMPLATE_KEY_LEN + 1];
	char profile[PROFILE_NAME_MAX + 1];
	int have_db, have_files;
	int sealed;                 /* the seal exists: complete and usable */
	struct podman_volume seal;  /* when sealed: its labels carry the metadata */
	char *db_path, *files_path; /* mountpoints (owned), when the volumes exist */
	int64_t created;            /* epoch seconds (the seal's, else a data volume's) */
	int64_t used;               /* last clone, epoch seconds (created when never) */
};
struct tpl_list {
	struct tpl_entry *v;
	size_t n;
};
/* Every template of PROFILE (NULL: of every profile), sealed or not, newest first. */
int tpl_list(struct wo_ctx *w, const char *profile, struct tpl_list *out, struct iso_error **err);
void tpl_list_release(struct tpl_list *l);
/* "2026-12-02T16:27:10.123456789+01:00" (or Z), as Podman writes CreatedAt, in epoch seconds; 0 when it does not parse. */
int64_t tpl_parse_time(const char *s);
/* A label of a sealed template's seal, or NULL. */
const char *tpl_entry_label(const struct tpl_entry *t, const char *key);
/* The template's volume names. */
void tpl_volume_names(const char *profile, const char *key, char db[OBJECT_NAME_MAX + 1],
		      char files[OBJECT_NAME_MAX + 1], char seal[OBJECT_NAME_MAX + 1]);

enum tpl_match {
	TPL_NONE,  /* no usable template */
	TPL_EXACT, /* the key matches */
	TPL_STALE, /* the newest template of the same images: clone, then -u / -i what differs */
};
struct tpl_plan {
	enum tpl_match match;
	const struct tpl_entry *t;          /* into the list */
	char upgrade[TPL_MODULES_MAX * 65]; /* modules whose files changed: -u */
	char install[TPL_MODULES_MAX * 65]; /* modules the template lacks: -i */
	char extra[TPL_MODULES_MAX * 65];   /* installed in the template, no longer listed (kept) */
};
/* Pick for K: an exact match, else (STALE_OK) the newest sealed template with the same images and flags. */
void tpl_plan_choose(const struct tpl_list *l, const struct tpl_key *k, int stale_ok, struct tpl_plan *p);

/* ---- locks (lock.c) ---- */
/* Take the lock of PROFILE/KEY: exclusive or shared; WAIT_MS < 0 waits forever, 0 tries once (*FD -1 then). */
int tpl_lock(struct wo_ctx *w, const char *profile, const char *key, int shared, long wait_ms, int *fd,
	     struct iso_error **err);
void tpl_unlock(int fd);

/* ---- publishing and removal (seal.c) ---- */
/* Make K's seal (labels: database, modules, hashes, images, SOURCE "build" or "up"). */
int tpl_seal(struct wo_ctx *w, const char *profile, const struct tpl_key *k, const char *database, const char *source,
	     struct iso_error **err);
/*
 * Remove volume NAME when its labels say it is of KIND with LABEL=VALUE, of W's
 * profile, and no work order's (no io.isopod.key); a missing one is fine,
 * another's is ISO_E_CONFLICT and stays.  For templates' and snapshots' volumes.
 */
int tpl_volume_remove_checked(struct wo_ctx *w, const char *name, const char *kind, const char *label,
			      const char *value, struct iso_error **err);
/* Remove a template: the seal first (it stops being used), then the data volumes. */
int tpl_remove(struct wo_ctx *w, const struct tpl_entry *t, struct iso_error **err);
/* Note a clone of T now (the LRU order). */
void tpl_touch(const struct tpl_entry *t);
/*
 * Keep at most KEEP sealed templates of PROFILE: the least recently used
 * beyond that go (never KEEP_KEY, never one in use); *REMOVED counts them.
 */
int tpl_prune(struct wo_ctx *w, const char *profile, int keep, const char *keep_key, int *removed,
	      struct iso_error **err);

/* ---- the copies (copy.c) ---- */
/* The PID of the running infra container of W's pod (its user namespace is the one the volumes' files are owned in). */
int tpl_pod_pid(struct wo_ctx *w, pid_t *pid, struct iso_error **err);
/*
 * A PID in the user namespace that owns the volumes' files: the rootless
 * service's (podman_client_server_pid), else (POD_RUNNING) the infra
 * container's of W's pod; 1 when only the pod could say and it does not run yet.
 */
int tpl_userns_pid(struct wo_ctx *w, int pod_running, pid_t *pid, struct iso_error **err);
/* Mountpoints of volumes DB and FILES (owned). */
int tpl_volume_paths(struct wo_ctx *w, const char *db, const char *files, char **db_path, char **files_path,
		     struct iso_error **err);
struct tpl_copy_stats {
	uint64_t bytes;
	int64_t ms;
	char method[32];
};
/*
 * Copy a database and filestore pair into another (both volumes exist; the
 * destination's contents are replaced), inside PID's user namespace; the
 * filestore's directory FROM_DB is copied as TO_DB.  SYNC: syncfs before
 * returning (for what is sealed afterwards).
 */
int tpl_copy_pair(pid_t pid, const char *src_db, const char *src_files, const char *dst_db, const char *dst_files,
		  const char *from_db, const char *to_db, int sync, struct tpl_copy_stats *st, struct iso_error **err);
/* The same in two halves (store/copy.h): the caller's requests go on while the helper copies. */
struct store_copying;
int tpl_copy_pair_start(pid_t pid, const char *src_db, const char *src_files, const char *dst_db, const char *dst_files,
			const char *from_db, const char *to_db, int sync, struct store_copying **c,
			struct iso_error **err);
int tpl_copy_pair_finish(struct store_copying *c, struct tpl_copy_stats *st, struct iso_error **err);

/* syncfs of the file system a volume's MOUNTPOINT is on (a warning when it fails). */
void tpl_sync(const char *mountpoint);

/* ---- building (build.c) ---- */
struct tpl_result {
	char key[TEMPLATE_KEY_LEN + 1];
	int reused; /* another build had made it: nothing built */
	int64_t ms;
	struct tpl_copy_stats copy;
	int pruned;
	int signal; /* the build was cut off by this signal (its undo cleared the flag) */
};
/* `template build`: initialise K in a throwaway pod, stop Postgres, seal; a sealed K is reused. */
int tpl_build(struct wo_ctx *w, const struct tpl_key *k, const struct progress_sink *progress, long timeout_ms,
	      struct tpl_result *res, struct iso_error **err);

/* ---- a work order from a template (clone.c) ---- */
/*
 * What `up` of a fresh work order does with templates.  tpl_up_prepare
 * decides (the configuration's mode, the key, the list); the rest are steps
 * of up's DB-first path.
 */
struct tpl_clone_job;
struct tpl_up {
	int enabled; /* mode is not never, Podman is local */
	struct tpl_key k;
	struct tpl_list list;
	struct tpl_plan plan;
	int lock_fd;               /* shared lock of the cloned template, -1 */
	int copied;                /* tpl_up_clone has copied it */
	struct tpl_clone_job *job; /* the copy running beside the run's requests (tpl_up_clone_start) */
	int save;                  /* initialise from scratch, then save as a template */
	char from_db[PROFILE_NAME_MAX + 1 + WO_ID_MAX + 1]; /* the template's database name */
	struct tpl_copy_stats copy;
	int saved; /* a template was saved by this run */
	char saved_key[TEMPLATE_KEY_LEN + 1];
};
int tpl_up_prepare(struct wo_run *r, int fresh, struct tpl_up *t, struct iso_error **err);
/*
 * Copy the chosen template into the run's fresh volumes, Postgres not
 * running: 0 copied, 1 when the copy needs the pod's infra container
 * running (POD_RUNNING 0 and no other way into the user namespace), -1.
 */
int tpl_up_clone(struct wo_run *r, struct tpl_up *t, int pod_running, struct iso_error **err);
/*
 * The same copy started in its helper process (forked from this one thread),
 * so the pod and its containers are made meanwhile (1: it needs the pod,
 * nothing started); tpl_up_clone_wait collects it before Postgres starts;
 * tpl_up_release collects one left running (before anything is undone).
 */
int tpl_up_clone_start(struct wo_run *r, struct tpl_up *t, struct iso_error **err);
int tpl_up_clone_wait(struct wo_run *r, struct tpl_up *t, struct iso_error **err);
/* Postgres of the clone answers: rename the database, set the password, reset Odoo's identity; upgrade. */
int tpl_up_identity(struct wo_run *r, struct tpl_up *t, struct iso_error **err);
/* After a from-scratch init: stop Postgres, copy to a new template, seal, start Postgres again. */
int tpl_up_save(struct wo_run *r, struct tpl_up *t, struct iso_error **err);
void tpl_up_release(struct tpl_up *t);

/* Rename DB FROM to the work order's, set the role's password to its secret, reset Odoo's identity keys. */
int tpl_identity(struct wo_run *r, const char *from_db, struct iso_error **err);

/* ---- where a work order came from (lock.c): <state_dir>/origin/<profile>_<wo> ---- */
int tpl_origin_write(const struct wo_ctx *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The recorded origin (owned), or NULL. */
char *tpl_origin_read(const struct wo_ctx *w);
void tpl_origin_remove(const struct wo_ctx *w);

#endif
