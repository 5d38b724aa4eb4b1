/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease_file.c - the lease file: its format (parse, format) and the
 * transaction that reads it under the lock and writes it back by rename.
 *
 * Lines a change leaves alone are kept as the bytes read and copied through
 * on write: with a thousand leases, an allocation parses each line once and
 * formats only the few it changes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "internal.h"

#define LEASE_FIELDS 11

const char *const lease_made_names[] = {
	"secret", "odoo-volume", "db-volume", "pod", "db", "odoo", "init", NULL,
};

const char *lease_state_name(enum lease_state s)
{
	return s == LEASE_READY ? "ready" : "creating";
}

void lease_made_format(unsigned made, char *buf, size_t size)
{
	size_t off = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; lease_made_names[i]; i++) {
		if (!(made & (1u << i)))
			continue;
		int k = snprintf(buf + off, size - off, "%s%s", off ? "," : "", lease_made_names[i]);
		if (k < 0 || (size_t)k >= size - off)
			break;
		off += (size_t)k;
	}
	if (off == 0)
		snprintf(buf, size, "-");
}

int lease_matches(const struct lease *l, const struct lease_key *key)
{
	return l->uid == key->uid && strcmp(l->profile, key->profile) == 0 && strcmp(l->wo, key->wo) == 0;
}

void lease_format_line(const struct lease *l, char *line, size_t size, size_t *len)
{
	char made[128];
	int k;

	lease_made_format(l->made, made, sizeof(made));
	k = snprintf(line, size, "%d\t%s\t%s\t%u\t%s\t%s\t%s\t%s\t%d\t%llu\t%lld\n", l->port, l->address,
		     wo_purpose_name(l->purpose), (unsigned)l->uid, l->profile, l->wo, lease_state_name(l->state), made,
		     (int)l->run.pid, l->run.start_time, l->time);
	*len = k < 0 ? 0 : (size_t)k < size ? (size_t)k : size - 1;
}

/* ---- parsing ---- */

struct field {
	const char *s;
	size_t n;
};

/*
 * The fields are not NUL-terminated in the buffer, and a thousand lines are
 * parsed on every allocation: a digit loop with an overflow check, not a
 * copy for strtoull.
 */
static int field_num(struct field f, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (f.n == 0 || f.n > 20)
		return -1;
	for (size_t i = 0; i < f.n; i++) {
		unsigned d = (unsigned char)f.s[i] - '0';
		/* d > max first: (max - d) is unsigned and wraps for a digit above a small maximum. */
		if (d > 9 || d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int field_eq(struct field f, const char *s, size_t n)
{
	return f.n == n && memcmp(f.s, s, n) == 0;
}
#define field_is(f, lit) field_eq((f), (lit), sizeof(lit) - 1)

static int field_copy(struct field f, char *dst, size_t size)
{
	/* A NUL inside a field (a damaged file) would cut the name short: the field is bad. */
	if (f.n == 0 || f.n >= size || memchr(f.s, '\0', f.n))
		return -1;
	memcpy(dst, f.s, f.n);
	dst[f.n] = '\0';
	return 0;
}

static int made_parse(struct field f, unsigned *out)
{
	const char *p = f.s, *end = f.s + f.n;

	*out = 0;
	if (field_is(f, "-"))
		return 0;
	for (;;) {
		const char *q = p;
		size_t n;
		int i;
		while (q < end && *q != ',')
			q++;
		n = (size_t)(q - p);
		for (i = 0; lease_made_names[i]; i++)
			if (strnlen(lease_made_names[i], n + 1) == n && memcmp(lease_made_names[i], p, n) == 0)
				break;
		if (n == 0 || !lease_made_names[i])
			return -1;
		*out |= 1u << i;
		if (q == end)
			return 0;
		p = q + 1;
	}
}

/*
 * What the previous line had: most lines share their address and made list,
 * so each is checked once per file, not once per line.
 */
struct parse_memo {
	struct field address, made;
	unsigned made_bits;
};

/* Parse one lease line (without its '\n'); a static reason on failure. */
static const char *parse_line(const char *s, size_t n, struct lease *l, struct parse_memo *m)
{
	struct field f[LEASE_FIELDS];
	size_t nf = 0, start = 0;
	unsigned long long v;
	int purpose;

	for (;;) {
		const char *tab = memchr(s + start, '\t', n - start);
		size_t i = tab ? (size_t)(tab - s) : n;
		if (nf == LEASE_FIELDS)
			return "too many fields";
		f[nf].s = s + start;
		f[nf].n = i - start;
		nf++;
		if (!tab)
			break;
		start = i + 1;
	}
	if (nf != LEASE_FIELDS)
		return "too few fields";
	memset(l, 0, sizeof(*l));
	if (field_num(f[0], 65535, &v) < 0 || v == 0)
		return "bad port";
	l->port = (int)v;
	if (field_copy(f[1], l->address, sizeof(l->address)) < 0)
		return "bad host address";
	if (!(m->address.s && field_eq(f[1], m->address.s, m->address.n))) {
		unsigned char addr[16];
		if (inet_pton(AF_INET, l->address, addr) != 1 && inet_pton(AF_INET6, l->address, addr) != 1)
			return "bad host address";
		m->address = f[1];
	}
	if ((purpose = wo_purpose_parse_n(f[2].s, f[2].n)) < 0)
		return "bad purpose";
	l->purpose = (enum iso_port_purpose)purpose;
	if (field_num(f[3], (uid_t)-2, &v) < 0)
		return "bad uid";
	l->uid = (uid_t)v;
	if (field_copy(f[4], l->profile, sizeof(l->profile)) < 0 || !wo_profile_name_valid(l->profile))
		return "bad profile";
	if (field_copy(f[5], l->wo, sizeof(l->wo)) < 0 || !wo_id_valid(l->wo))
		return "bad work order";
	if (field_is(f[6], "creating"))
		l->state = LEASE_CREATING;
	else if (field_is(f[6], "ready"))
		l->state = LEASE_READY;
	else
		return "bad state";
	if (m->made.s && field_eq(f[7], m->made.s, m->made.n)) {
		l->made = m->made_bits;
	} else {
		if (made_parse(f[7], &l->made) < 0)
			return "bad list of what was made";
		m->made = f[7];
		m->made_bits = l->made;
	}
	if (field_num(f[8], 0x7fffffff, &v) < 0)
		return "bad pid";
	l->run.pid = (pid_t)v;
	if (field_num(f[9], ~0ull, &l->run.start_time) < 0)
		return "bad process start time";
	if (field_num(f[10], 0x7fffffffffffffffull, &v) < 0)
		return "bad time";
	l->time = (long long)v;
	return NULL;
}

/* FNV-1a of a lease's work order and purpose: the uniqueness check stays linear. */
static size_t key_hash(const struct lease *l)
{
	uint64_t h = 14695981039346656037ull;
	const unsigned char *p;

	h = (h ^ l->uid) * 1099511628211ull;
	h = (h ^ (unsigned)l->purpose) * 1099511628211ull;
	for (p = (const unsigned char *)l->profile; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h = (h ^ '/') * 1099511628211ull;
	for (p = (const unsigned char *)l->wo; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)h;
}

/* Insert entry I into the open-addressing table SEEN; -1 when its key is already there. */
static int seen_insert(size_t *seen, size_t mask, const struct lease_entry *e, size_t i)
{
	const struct lease *l = &e[i].l;

	for (size_t h = key_hash(l) & mask;; h = (h + 1) & mask) {
		const struct lease *o;
		if (seen[h] == (size_t)-1) {
			seen[h] = i;
			return 0;
		}
		o = &e[seen[h]].l;
		if (o->uid == l->uid && o->purpose == l->purpose && strcmp(o->wo, l->wo) == 0 &&
		    strcmp(o->profile, l->profile) == 0)
			return -1;
	}
}

/*
 * The way out of a file that cannot be read is the same for every reason:
 * set it aside and rebuild the leases from Podman's labels.  Every user of a
 * shared registry rebuilds their own, so the advice says so.
 */
#define REBUILD_HINT                                                                                                   \
	"move it aside (mv '%s' '%s.%s') and run 'isopod ports --rebuild' (each user of the registry, for their "      \
	"own leases) to rebuild the leases from Podman's labels"

static int corrupt(struct iso_error **err, const char *what, size_t line, const char *why)
{
	if (line)
		return iso_error_set(err, ISO_E_INTERNAL, 0, "lease file '%s' is corrupt: line %zu: %s; " REBUILD_HINT,
				     what, line, why, what, what, "damaged");
	return iso_error_set(err, ISO_E_INTERNAL, 0, "lease file '%s' is corrupt: %s; " REBUILD_HINT, what, why, what,
			     what, "damaged");
}

int lease_parse(const char *buf, size_t len, const char *what, struct lease_entry **out, size_t *n,
		struct iso_error **err)
{
	cleanup_free struct lease_entry *e = NULL;
	const char *p = buf, *end = buf + len, *nl;
	unsigned long long count, version;
	struct field hf[3];
	struct parse_memo memo = {{NULL, 0}, {NULL, 0}, 0};
	size_t i = 0, line = 1, mask = 15;
	cleanup_free size_t *seen = NULL;
	struct lease_portset ports = {{0}};

	if (len == 0)
		return corrupt(err, what, 0, "the file is empty (truncated?)");
	nl = memchr(p, '\n', len);
	if (!nl)
		return corrupt(err, what, 1, "no header line (truncated?)");
	{
		const char *t1 = memchr(p, '\t', (size_t)(nl - p));
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
		if (!t2)
			return corrupt(err, what, 1, "not an isopod lease file header");
		hf[0] = (struct field){p, (size_t)(t1 - p)};
		hf[1] = (struct field){t1 + 1, (size_t)(t2 - t1 - 1)};
		hf[2] = (struct field){t2 + 1, (size_t)(nl - t2 - 1)};
	}
	if (!field_is(hf[0], LEASE_FORMAT_MAGIC))
		return corrupt(err, what, 1, "not an isopod lease file header");
	if (field_num(hf[1], 1000000, &version) < 0)
		return corrupt(err, what, 1, "bad format version");
	if (version != LEASE_FORMAT_VERSION)
		return iso_error_set(err, ISO_E_INTERNAL, 0,
				     "lease file '%s' has format version %llu; this isopod reads version %d: use the "
				     "isopod that wrote it (or upgrade this one), or " REBUILD_HINT,
				     what, version, LEASE_FORMAT_VERSION, what, what, "newer");
	if (field_num(hf[2], len / 16 + 1, &count) < 0)
		return corrupt(err, what, 1, "bad lease count");
	e = xmalloc((count ? count : 1) * sizeof(*e));
	while (mask + 1 < 2 * count)
		mask = mask * 2 + 1;
	seen = xmalloc((mask + 1) * sizeof(*seen));
	memset(seen, 0xff, (mask + 1) * sizeof(*seen));
	p = nl + 1;
	while (p < end) {
		const char *why;
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return corrupt(err, what, line, "no final newline (truncated?)");
		if (i == count)
			return corrupt(err, what, line, "more leases than the header counts");
		why = parse_line(p, (size_t)(nl - p), &e[i].l, &memo);
		if (why)
			return corrupt(err, what, line, why);
		e[i].line = p;
		e[i].dropped = 0;
		e[i].len = (size_t)(nl - p) + 1;
		if (lease_portset_has(&ports, e[i].l.port))
			return corrupt(err, what, line, "port held twice");
		lease_portset_add(&ports, e[i].l.port);
		if (seen_insert(seen, mask, e, i) < 0)
			return corrupt(err, what, line, "work order leased twice for one purpose");
		i++;
		p = nl + 1;
	}
	if (i != count)
		return corrupt(err, what, line, "fewer leases than the header counts (truncated?)");
	*n = i;
	*out = steal_pointer(&e);
	return 0;
}
