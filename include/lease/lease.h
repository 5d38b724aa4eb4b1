/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease/lease.h - port leases: a lock-file-guarded registry of host ports.
 *
 * Host ports for work orders come from a range and are leased: never handed
 * out twice, stable for a work order across `down` / `up`, and safe when
 * several isopod processes, and several users, allocate at once.
 *
 * The directory
 *   The registry lives in one directory, chosen by lease_registry_open_config:
 *     1. `registry_dir` (host or user file) or ISOPOD_REGISTRY_DIR: shared, and
 *        a directory breaking the rules below is an error;
 *     2. else the host-wide registry LEASE_HOSTWIDE_DIR (group isopod, 2770,
 *        made by `make setup`; a test names another one with
 *        ISOPOD_HOST_REGISTRY_DIR) when it exists and this user may use it:
 *        it follows the rules below and the user can write it;
 *     3. else the private state directory (0700).  When the host-wide
 *        directory exists but is passed over (the user is not in its group
 *        yet, its mode breaks a rule, it is read-only) one warning line says
 *        why and names the fix: ports are then not coordinated with the
 *        users of the host-wide registry.  When it does not exist (a laptop,
 *        a CI runner of one user) the private directory is the registry and
 *        nothing is said: there is nobody to share with.
 *   So a port is never handed out twice among the users who share one
 *   registry (the host-wide one, or one registry_dir); a per-user registry
 *   knows only its own user's leases.  A shared directory is
 *   accepted only when it is a real directory (not a symlink), group-owned by
 *   a group the caller is in, group-writable, setgid, not sticky (a sticky
 *   directory forbids renaming over another user's file) and not writable by
 *   others; otherwise lease_registry_open() fails with ISO_E_HOST naming the
 *   command that fixes it ("chmod g+s DIR", ...).  It holds two files and
 *   nothing else of isopod's (no secrets, no per-user state):
 *
 *     leases        the lease file (format below)
 *     leases.lock   an empty file; every read-modify-write holds flock(LOCK_EX)
 *                   on it.  The kernel drops the lock when its holder dies, so
 *                   a killed isopod never blocks the next one.
 *
 *   A write goes to "leases.tmp" (stale copies are unlinked first; created
 *   with O_EXCL), which is fchown'ed to the directory's group, fchmod'ed 0600
 *   (private) or 0660 (shared), fsync'ed and renamed over "leases"; then the
 *   directory is fsync'ed.  Every open uses O_NOFOLLOW | O_CLOEXEC relative to
 *   a descriptor of the directory.  Readers need no lock: a rename is atomic.
 *
 * The lease file, version 1
 *   Text, one record per line, fields separated by one TAB, every line ending
 *   in '\n'.  The first line is the header "isopod-leases<TAB>1<TAB>COUNT",
 *   COUNT being the number of lease lines that follow (a file cut at a line
 *   boundary is thus detected).  Each lease line has 11 fields:
 *
 *     port      1..65535, unique in the file
 *     address   the host address the port binds (127.0.0.1, ::1, 0.0.0.0)
 *     purpose   http | websocket | db
 *     uid       owner uid (decimal)
 *     profile   profile name ([a-z0-9]{1,16})
 *     wo        work order, lowercase
 *     state     creating | ready
 *     made      what the creating run made, a comma list of
 *               secret,odoo-volume,db-volume,pod,db,odoo,init, or "-"
 *     pid       pid of the run that last created it (0: none)
 *     start     that process's start time, /proc/PID/stat field 22 (ticks)
 *     time      unix seconds of the last change
 *
 *   (uid, profile, wo, purpose) is unique too.  Anything else (a missing
 *   file is an empty registry, an empty file is not; an unknown version, a
 *   bad field, a duplicate, a missing final newline, a count that does not
 *   match) is a corrupt file: ISO_E_INTERNAL naming the file and the line,
 *   never read as empty.  Lines a change does not touch are copied through
 *   byte for byte, so an allocation does not re-format a thousand leases.
 *
 * Calling sequence
 *     struct lease_registry reg;
 *     if (lease_registry_open_config (&reg, &cfg, err) < 0) return -1;
 *     struct lease_request req = { .uid = geteuid (), .profile = "hub",
 *             .wo = "wo-042", .purposes = cfg.profile.ports, .address = ...,
 *             .low = cfg.profile.port_low, .high = cfg.profile.port_high };
 *     lease_run_self (&req.run, err);
 *     lease_acquire (&reg, &req, &grant, err);  // state "creating"
 *     ... create the pod, lease_note_made (&reg, &key, LEASE_MADE_POD, err) ...
 *     lease_mark_ready (&reg, &key, err);
 *     lease_registry_release (&reg);
 *
 * Errors
 *   ISO_E_CONFLICT  a requested port is held (naming the holder's uid,
 *                   profile and work order) or in use by another program; the
 *                   range is full (listing the holders)
 *   ISO_E_USAGE     a port or range under net.ipv4.ip_unprivileged_port_start
 *                   for a non-root uid; a host address that is not this host's
 *   ISO_E_HOST      the directory breaks the rules above
 *   ISO_E_INTERNAL  a corrupt lease file; an I/O failure
 *   On failure nothing is written: the file is as it was.
 *
 * Ownership
 *   struct lease_registry is the caller's (on the stack), released with
 *   lease_registry_release().  Lists handed out are owned by the caller and
 *   freed with lease_list_release().  const char * parameters are borrowed.
 */
#ifndef ISOPOD_LEASE_H
#define ISOPOD_LEASE_H

#include <stddef.h>
#include <sys/types.h>
#include "base/error.h"
#include "workorder/config.h"
#include "workorder/names.h"
#include "workorder/ports.h"

#define LEASE_FILE "leases"
#define LEASE_LOCK_FILE "leases.lock"
#define LEASE_TMP_FILE "leases.tmp"
#define LEASE_FORMAT_MAGIC "isopod-leases"
#define LEASE_FORMAT_VERSION 1
#define LEASE_ADDR_MAX 46          /* INET6_ADDRSTRLEN */
#define LEASE_FILE_CAP (16u << 20) /* a larger lease file is refused as corrupt */
/* The host-wide registry used when no registry_dir is set (a build may define another). */
#ifndef LEASE_HOSTWIDE_DIR
#define LEASE_HOSTWIDE_DIR "/var/lib/isopod/registry"
#endif

enum lease_state {
	LEASE_CREATING = 0,
	LEASE_READY = 1,
};

/* What the creating run has made so far (bits of struct lease.made). */
enum lease_made {
	LEASE_MADE_SECRET = 1 << 0,
	LEASE_MADE_ODOO_VOLUME = 1 << 1,
	LEASE_MADE_DB_VOLUME = 1 << 2,
	LEASE_MADE_POD = 1 << 3,
	LEASE_MADE_DB = 1 << 4,
	LEASE_MADE_ODOO = 1 << 5,
	LEASE_MADE_INIT = 1 << 6,
	LEASE_MADE_ALL = (1 << 7) - 1,
};

/* The run (process) that creates a work order: a pid alone can be reused. */
struct lease_run {
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22, clock ticks since boot */
};

struct lease {
	int port;
	char address[LEASE_ADDR_MAX];
	enum iso_port_purpose purpose;
	uid_t uid;
	char profile[PROFILE_NAME_MAX + 1];
	char wo[WO_ID_MAX + 1];
	enum lease_state state;
	unsigned made; /* enum lease_made bits */
	struct lease_run run;
	long long time; /* unix seconds of the last change */
};

struct lease_list {
	struct lease *v;
	size_t n;
};
void lease_list_release(struct lease_list *l);

/* A work order of one user: the unit leases are taken, released and reclaimed by. */
struct lease_key {
	uid_t uid;
	const char *profile;
	const char *wo; /* lowercase, as wo_parse() leaves it */
};

struct lease_registry {
	char *dir;
	int dirfd;
	int shared;
	gid_t gid;             /* the directory's group, given to every file written */
	int unpriv_port_start; /* net.ipv4.ip_unprivileged_port_start (tests may lower/raise it) */
};

/*
 * Open the registry in DIR: a private directory is made (0700) when missing;
 * a SHARED one must exist and follow the rules above (ISO_E_HOST otherwise).
 */
int lease_registry_open(struct lease_registry *reg, const char *dir, int shared, struct iso_error **err);
/* How lease_registry_open_how chose the directory (see "The directory" above). */
enum lease_origin {
	LEASE_ORIGIN_EXPLICIT = 0, /* registry_dir / ISOPOD_REGISTRY_DIR */
	LEASE_ORIGIN_HOSTWIDE = 1, /* the host-wide registry */
	LEASE_ORIGIN_PRIVATE = 2,  /* per-user: there is no host-wide registry here */
	LEASE_ORIGIN_FALLBACK = 3, /* per-user: the host-wide registry exists but was passed over */
};
/* "configured", "host-wide", "per-user", "per-user (fallback)". */
const char *lease_origin_name(enum lease_origin o);

struct lease_how {
	enum lease_origin origin;
	char *hostwide; /* the host-wide directory looked at; NULL for EXPLICIT */
	char *why;      /* FALLBACK: why it was passed over (mostly ending in "; " and the fix) */
};
void lease_how_release(struct lease_how *how);

/*
 * Open the registry of the configuration (registry_dir, registry_shared,
 * registry_hostwide, state_dir) as "The directory" above says, and say in
 * *HOW (the caller's, released with lease_how_release also on failure) how
 * it was chosen.  Passing over the host-wide registry is no error; an
 * explicit directory that breaks the rules is, and so is a private one that
 * cannot be made.  Never prints.
 */
int lease_registry_open_how(struct lease_registry *reg, const struct iso_config *cfg, struct lease_how *how,
			    struct iso_error **err);
/* lease_registry_open_how, and one warning line (iso_warn) when the host-wide registry was passed over. */
int lease_registry_open_config(struct lease_registry *reg, const struct iso_config *cfg, struct iso_error **err);
void lease_registry_release(struct lease_registry *reg);

/*
 * net.ipv4.ip_unprivileged_port_start read from PATH (NULL: the host's
 * /proc/sys/net/ipv4/ip_unprivileged_port_start); 1024, the kernel's default,
 * when it cannot be read or is not a number 0-65536.  lease_registry_open
 * keeps the host's value in unpriv_port_start; doctor checks the range with it.
 */
int lease_unpriv_port_start(const char *path);

/*
 * Bind probe of ADDRESS:PORT with SO_REUSEADDR, as rootlessport binds (a port
 * in TIME_WAIT is free): 0 free, 1 held by a listener, -1 error.
 */
int lease_probe(const char *address, int port, struct iso_error **err);

/*
 * Before anything else is asked: ISO_E_USAGE when PORT (0: none) or the
 * range LOW-HIGH lies under the host's net.ipv4.ip_unprivileged_port_start
 * for a UID other than root (lease_acquire checks it again).
 */
int lease_check_unprivileged(uid_t uid, int port, int low, int high, struct iso_error **err);

/* Fill RUN with this process's pid and start time. */
int lease_run_self(struct lease_run *run, struct iso_error **err);
/* Whether RUN is still alive: its pid exists with the same start time (1), or not (0). */
int lease_run_alive(const struct lease_run *run);

struct lease_request {
	uid_t uid;
	const char *profile;
	const char *wo;       /* lowercase */
	unsigned purposes;    /* 1 << ISO_PORT_*; http is always leased */
	int port;             /* a requested http port, 0 for none */
	const char *address;  /* host address the ports bind; NULL: 127.0.0.1 */
	int low, high;        /* the range new ports come from */
	struct lease_run run; /* the creating run, recorded on new leases */
	const int *own;       /* NULL, or the ports (by purpose) the work order's existing pod publishes:
				 a lease lost with its file takes them back without a probe (the pod holds them) */
};

struct lease_grant {
	int ports[ISO_PORT_PURPOSES]; /* the leased port of each purpose, 0 when not leased */
	int existing;                 /* the work order held all of them already */
	enum lease_state state;       /* of the http lease */
	unsigned made;                /* of the http lease */
};

/*
 * Lease the ports a work order needs.  A work order that holds leases gets
 * the same ports back (a `creating` one is handed to this run); a requested
 * port is honoured when free or already this work order's (its lease then
 * moves there), refused otherwise; other ports are the lowest of the range
 * that no lease holds and that a bind probe (SO_REUSEADDR on the exact
 * address: TIME_WAIT is not "taken") finds free.  New leases are `creating`.
 */
int lease_acquire(const struct lease_registry *reg, const struct lease_request *req, struct lease_grant *out,
		  struct iso_error **err);

/*
 * Open the journal of a run about to make objects of a work order whose
 * leases it holds: a `ready` lease becomes `creating` with nothing made yet
 * (*WAS_READY, may be NULL, is then 1: what exists is the work order's, not
 * the run's), a `creating` one is handed to RUN with what it records.  From
 * here a kill leaves a `creating` lease of a dead run: `up` replaces the pod,
 * `gc` removes what the journal names.  ISO_E_UNKNOWN when it holds none.
 */
int lease_begin_build(const struct lease_registry *reg, const struct lease_key *key, const struct lease_run *run,
		      int *was_ready, struct iso_error **err);
/* Mark a work order's leases `ready`.  ISO_E_UNKNOWN when it holds none. */
int lease_mark_ready(const struct lease_registry *reg, const struct lease_key *key, struct iso_error **err);
/* Add MADE bits (enum lease_made) to a work order's leases.  ISO_E_UNKNOWN when it holds none. */
int lease_note_made(const struct lease_registry *reg, const struct lease_key *key, unsigned made,
		    struct iso_error **err);
/* Drop a work order's leases; *RELEASED (may be NULL) gets how many.  None is not an error. */
int lease_release(const struct lease_registry *reg, const struct lease_key *key, size_t *released,
		  struct iso_error **err);

/*
 * The predicate of lease_reclaim: 1 when the work order still exists, 0 when
 * it is gone, -1 to abort (nothing is changed; set the reason in CTX).  It runs
 * with the lock held: answer from memory (list the pods once beforehand).
 */
typedef int (*lease_exists_fn)(void *ctx, uid_t uid, const char *profile, const char *wo);

/*
 * Drop UID's leases whose work order EXISTS says is gone; leases of a
 * `creating` run still alive are kept.  Other uids' leases are never looked
 * at.  RECLAIMED (may be NULL) gets the leases dropped.
 */
int lease_reclaim(const struct lease_registry *reg, uid_t uid, lease_exists_fn exists, void *ctx,
		  struct lease_list *reclaimed, struct iso_error **err);

/* UID's `creating` leases whose run is dead: interrupted runs to finish or undo. */
int lease_list_stale(const struct lease_registry *reg, uid_t uid, struct lease_list *out, struct iso_error **err);

/* One lease of a merge whose port had to change. */
struct lease_moved {
	struct lease lease; /* as written, with its new port */
	int old_port;
};
struct lease_moved_list {
	struct lease_moved *v;
	size_t n;
};
void lease_moved_list_release(struct lease_moved_list *l);

/* A damaged lease file that a rebuild moved aside (all NULL / 0 when it was sound). */
struct lease_salvage {
	char *aside;    /* its new name in the registry directory ("leases.damaged-<time>") */
	char *why;      /* what was wrong with it */
	size_t kept;    /* other users' leases that still parsed, kept */
	size_t dropped; /* lines that did not parse, or clashed, dropped */
};
void lease_salvage_release(struct lease_salvage *s);

/*
 * Merge leases rebuilt from elsewhere (Podman labels: `--rebuild`) into UID's
 * part of the file.  Every entry must be UID's.  An entry replaces UID's
 * lease of the same work order and purpose; UID's other leases stay; other
 * uids' leases are never changed.  An entry whose port another lease holds
 * (another user's, or one of UID's not replaced, or an earlier entry) gets
 * the lowest free port of LOW-HIGH instead and is reported in MOVED (may be
 * NULL).  Entries keep their state, made bits and run.
 */
int lease_merge(const struct lease_registry *reg, uid_t uid, const struct lease *entries, size_t n, int low, int high,
		struct lease_moved_list *moved, struct iso_error **err);
/*
 * The same for `ports --rebuild`, which must cope with the file it repairs:
 * with SALVAGE not NULL a damaged (corrupt, truncated, newer) file is moved
 * aside and rebuilt from the entries plus the other users' lines that still
 * parse (what happened in *SALVAGE, released with lease_salvage_release).
 */
int lease_merge_salvage(const struct lease_registry *reg, uid_t uid, const struct lease *entries, size_t n, int low,
			int high, struct lease_moved_list *moved, struct lease_salvage *salvage,
			struct iso_error **err);

/*
 * Every lease, ordered by port.  Other uids' leases than VIEWER come as
 * holders only: port, address, purpose, uid, profile, wo; state READY, no
 * made bits, no run, no time.
 */
int lease_list_all(const struct lease_registry *reg, uid_t viewer, struct lease_list *out, struct iso_error **err);

/* "creating" / "ready". */
const char *lease_state_name(enum lease_state s);
/* Format MADE as the file does ("pod,db" or "-") into BUF of SIZE bytes. */
void lease_made_format(unsigned made, char *buf, size_t size);
/* The names of the made bits, index = bit number; NULL-terminated. */
extern const char *const lease_made_names[];

#endif
