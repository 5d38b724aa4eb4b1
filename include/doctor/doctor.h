/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doctor/doctor.h - the checks of `isopod doctor`, and their pure verdicts.
 *
 * Calling sequence
 *   struct doctor_report r = {0};
 *   doctor_check_subid (&r, "subuid", path, user, uid);   // host checks add results
 *   ... doctor_add (&r, "api", DOCTOR_PASS, detail, NULL);  // cmd_doctor adds its own
 *   doctor_count (&r, DOCTOR_FAIL);                        // exit 10 when > 0
 *   doctor_report_release (&r);
 *
 * Each result names the check, its status, what was found (detail) and, for
 * a warning or a failure, the exact command that fixes it (fix).  Checks
 * never print and never exit; they read the host and add one result each.
 *
 * Test overrides (documented in docs/quickref.md): ISOPOD_DOCTOR_SUBUID and
 * ISOPOD_DOCTOR_SUBGID name the files read instead of /etc/subuid and
 * /etc/subgid.
 *
 * Ownership: detail and fix passed to doctor_add are owned by the report
 * from then on (malloc'd or NULL); the report is the caller's.
 */
#ifndef ISOPOD_DOCTOR_H
#define ISOPOD_DOCTOR_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define DOCTOR_MAX_CHECKS 32
#define DOCTOR_SUBID_MIN 65536 /* a full 16-bit range: images may use any uid below it */

enum doctor_status {
	DOCTOR_PASS = 0,
	DOCTOR_WARN = 1,
	DOCTOR_FAIL = 2,
	DOCTOR_SKIP = 3, /* not applicable here, or not checkable because another check failed */
};

struct doctor_result {
	const char *name; /* static: "podman", "subuid", ... */
	enum doctor_status status;
	char *detail;
	char *fix; /* NULL when nothing needs fixing */
};

struct doctor_report {
	struct doctor_result v[DOCTOR_MAX_CHECKS];
	size_t n;
};

/* "pass", "warn", "fail", "skip". */
const char *doctor_status_name(enum doctor_status s);
/* Add a result; DETAIL and FIX (malloc'd or NULL) become the report's. */
void doctor_add(struct doctor_report *r, const char *name, enum doctor_status s, char *detail, char *fix);
size_t doctor_count(const struct doctor_report *r, enum doctor_status s);
void doctor_report_release(struct doctor_report *r);

/* ---- pure verdicts (unit-tested) ---- */

/*
 * Sum the ranges of USER (by name or numeric UID) in the text of a
 * /etc/subuid-style file ("name:start:count" lines).  *ranges gets how many
 * lines matched.  Returns 0, or -1 for a malformed line that names the user.
 */
int doctor_subid_sum(const char *text, const char *user, uid_t uid, unsigned long long *total, size_t *ranges);

/* Why a runtime directory with ST is unusable for UID ("" when it is fine): static text. */
const char *doctor_runtime_dir_problem(const struct stat *st, uid_t uid);

/* Whether a newuidmap/newgidmap with MODE and OWNER (and file capabilities or not) can map ids. */
int doctor_idmap_usable(mode_t mode, uid_t owner, int has_caps);

/*
 * The registry host an image reference is pulled from, into BUF: the first
 * path component when it has a '.' or ':' or is "localhost", else
 * "docker.io".  Returns 1 for a localhost image (never pullable), 0 otherwise.
 */
int doctor_image_registry(const char *ref, char *buf, size_t size);

/*
 * The verdict of the registry check from how the registry was chosen (ORIGIN,
 * an enum lease_origin), whether it OPENED and its lease file is READABLE,
 * and how many of the user's leases are LEFT_BEHIND in the per-user registry
 * a shared one replaced: a registry that cannot be opened or read fails; a
 * host-wide registry passed over for the per-user one (LEASE_ORIGIN_FALLBACK)
 * or leases left behind are a warning, never a failure; the rest passes.
 */
enum doctor_status doctor_registry_verdict(int origin, int opened, int readable, size_t left_behind);

/* The command in an error message after its last "; " (without "fix it: " and the like), or NULL. */
char *doctor_fix_from_message(const char *msg);

/* ---- host checks (src/doctor/checks.c): each adds one result ---- */
void doctor_check_podman_binary(struct doctor_report *r, const char *server_version);
void doctor_check_subid(struct doctor_report *r, const char *name, const char *path, const char *user, uid_t uid);
void doctor_check_idmap(struct doctor_report *r, const char *helper);
void doctor_check_runtime_dir(struct doctor_report *r, const char *user, uid_t uid);
void doctor_check_tun(struct doctor_report *r);
void doctor_check_linger(struct doctor_report *r, const char *user);
/*
 * The configured range LOW-HIGH (for UID) against net.ipv4.ip_unprivileged_port_start as the
 * host has it (read by lease_unpriv_port_start, as the lease registry reads it).
 */
void doctor_check_ports(struct doctor_report *r, int low, int high, uid_t uid);
/* The same verdict against START, the sysctl's value given (the tests use it: no host is read). */
void doctor_check_ports_from(struct doctor_report *r, int low, int high, uid_t uid, int start);
/*
 * The lease registry CFG leads to (src/doctor/registry.c): configured,
 * host-wide or per-user, its mode, group and leases (of UID in full).
 */
struct iso_config;
void doctor_check_registry(struct doctor_report *r, const struct iso_config *cfg, uid_t uid);
/* Pull reachability of an image missing locally: a TCP connect to its registry (port 443), TIMEOUT_MS. */
int doctor_registry_reachable(const char *host, int timeout_ms);

/*
 * Podman's secret store (src/doctor/store.c): the two JSON files Podman 4.3
 * keeps under GRAPH_ROOT/secrets and rewrites in place, so that a Podman
 * killed mid-write leaves one cut and every secret request of the user fails.
 * doctor_secret_store_damaged returns 1 with PATH and *SIZE of the first file
 * that does not parse as a JSON object, 0 when both parse or are absent, -1
 * (errno) when one cannot be read.
 */
int doctor_secret_store_damaged(const char *graph_root, char *path, size_t path_size, long long *size);
/* The command that makes Podman usable again (malloc'd): move PATH aside. */
char *doctor_secret_store_fix(const char *path);
struct podman_client;
struct iso_error;
/* The `secrets` check of the store at GRAPH_ROOT (podman info's; skipped unless this user's, here). */
void doctor_check_secret_store(struct doctor_report *r, const char *graph_root);
/*
 * When *ERR is Podman refusing a request (ISO_E_REFUSED) with what a cut
 * store makes it say (a Go JSON error, or a refused secret request) and the
 * local secret store is damaged, say so in *ERR, with the fix, as ISO_E_HOST;
 * returns 1 then, else 0 and *ERR untouched.
 */
int doctor_explain_refusal(struct podman_client *c, struct iso_error **err);

#endif
