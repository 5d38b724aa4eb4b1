/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease/internal.h - what the files of src/lease/ share and nothing else sees:
 * a transaction over the lease file (lock, read, parse, change, write).
 *
 *   struct lease_txn t;
 *   if (lease_txn_begin (&t, reg, 1, err) < 0) return -1;   // locked, parsed
 *   ... look at t.e[0..t.n), change some (lease_txn_touch), add (lease_txn_add),
 *       drop (e->dropped = 1) ...
 *   rc = lease_txn_commit (&t, err);   // writes only when something changed
 *   lease_txn_end (&t);                // unlocks, frees
 */
#ifndef ISOPOD_LEASE_INTERNAL_H
#define ISOPOD_LEASE_INTERNAL_H

#include <stdint.h>

#include "lease/lease.h"

struct lease_entry {
	struct lease l;
	const char *line; /* the original line in the buffer (with '\n'), NULL once changed */
	size_t len;
	int dropped; /* not written back */
};

struct lease_txn {
	const struct lease_registry *reg;
	int lockfd; /* -1 for a read without the lock */
	char *buf;  /* the file as read; entries' lines point into it */
	size_t len;
	struct lease_entry *e;
	size_t n, cap;
	int changed;
	int damaged; /* the file could be read but not parsed (corrupt, truncated, another version) */
};

/* Take the lock when LOCK, read and parse the file (missing: empty). */
int lease_txn_begin(struct lease_txn *t, const struct lease_registry *reg, int lock, struct iso_error **err);
/*
 * The same (locked) for a rebuild: a damaged file is moved aside (OUT says
 * where, why, and how many other users' lines that still parse were kept;
 * UID's own are left out, to be rebuilt) and the transaction starts from
 * what was kept, marked changed so the commit writes a sound file.
 */
int lease_txn_begin_salvage(struct lease_txn *t, const struct lease_registry *reg, uid_t uid, struct lease_salvage *out,
			    struct iso_error **err);
/* Write the file back when anything changed. */
int lease_txn_commit(struct lease_txn *t, struct iso_error **err);
/* Unlock and free; safe after a failed begin. */
void lease_txn_end(struct lease_txn *t);
/* Room for EXTRA more entries: pointers into t->e stay valid over that many adds. */
void lease_txn_reserve(struct lease_txn *t, size_t extra);
/* A new zeroed entry, marked changed; may move t->e (see lease_txn_reserve). */
struct lease_entry *lease_txn_add(struct lease_txn *t);
/* Mark E changed: it is formatted anew on commit. */
void lease_txn_touch(struct lease_txn *t, struct lease_entry *e);
/* The live entry holding PORT, or NULL. */
struct lease_entry *lease_txn_find_port(struct lease_txn *t, int port);
/* The live entry of KEY and PURPOSE, or NULL. */
struct lease_entry *lease_txn_find(struct lease_txn *t, const struct lease_key *key, enum iso_port_purpose purpose);

/* Parse a whole file image (for the transaction and for tests); WHAT names it in errors. */
int lease_parse(const char *buf, size_t len, const char *what, struct lease_entry **out, size_t *n,
		struct iso_error **err);
/* Format the line of L (with '\n') into LINE of SIZE bytes; *LEN gets its length. */
void lease_format_line(const struct lease *l, char *line, size_t size, size_t *len);

/* Whether L belongs to KEY. */
int lease_matches(const struct lease *l, const struct lease_key *key);

/* ---- ports (ports.c) ---- */

/* A set of ports 0..65535, a bit each: what the file holds, what a run has taken. */
struct lease_portset {
	uint64_t w[65536 / 64];
};
static inline void lease_portset_add(struct lease_portset *s, int port)
{
	s->w[port / 64] |= 1ull << (port % 64);
}
static inline int lease_portset_has(const struct lease_portset *s, int port)
{
	return (s->w[port / 64] >> (port % 64)) & 1;
}
/* HELD gets the ports of T's live (not dropped) leases, and nothing else. */
void lease_txn_held(const struct lease_txn *t, struct lease_portset *held);

/*
 * The lowest port of LOW-HIGH not in HELD that lease_probe finds free on
 * ADDRESS; 0 when there is none, -1 when a probe fails.  *BUSY (may be NULL)
 * gets how many ports other programs were found using.
 */
int lease_pick_free(const struct lease_portset *held, const char *address, int low, int high, int *busy,
		    struct iso_error **err);

#define LEASE_LINE_MAX 256

#endif
