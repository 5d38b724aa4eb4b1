/*
 * isopod/verify.h - prove a work order's isolation.
 *
 * src/ finds the pod by its labels and reads from Podman what the checks
 * need (PIDs, network mode, published ports, the infra container's hosts
 * file); the netns module enters the pod's namespaces and inspects them
 * with libnl.  The checks, each pass / warn / fail / unverified with its
 * evidence:
 *   1 namespace   the pod's network namespace differs from the host's and
 *                 from every other work order's of this user
 *   2 members     every container of the pod is in that namespace
 *   3 interfaces  interfaces, addresses and routes are what the network
 *                 mode expects; (slirp4netns) no address equals a host one
 *   4 postgres    Postgres listens inside the pod; its port is not published
 *                 unless the profile asks for it
 *   5 published   published ports bind the intended host address only
 *   6 reach       from inside the pod no work order's published port can be
 *                 connected to (10.0.2.2, the host's addresses,
 *                 host.containers.internal)
 * Modes other than slirp4netns and pasta are unverified, never passed.
 */
#ifndef ISOPOD_VERIFY_H
#define ISOPOD_VERIFY_H

#include "iso/error.h"
#include "isopod/workorder.h"

enum verify_result {
	VERIFY_PASS,
	VERIFY_WARN,
	VERIFY_FAIL,
	VERIFY_UNVERIFIED,
};

#define VERIFY_CHECKS 6
#define VERIFY_EVIDENCE_MAX 1024

struct verify_check {
	int id;
	const char *name;
	enum verify_result result;
	char evidence[VERIFY_EVIDENCE_MAX];
};

struct verify_report {
	char network_mode[32];
	char network_options[128];
	struct verify_check checks[VERIFY_CHECKS];
	long elapsed_ms;
};

/*
 * Run the six checks on W's running pod.  Errors: ISO_E_UNKNOWN (no such
 * work order), ISO_E_ISOLATION (down, so it cannot be verified), ISO_E_HOST
 * (remote endpoint), and those of Podman.  A failed check is not an error:
 * it is in the report (verify_report_ok).
 */
int verify_run(struct wo_ctx *w, struct verify_report *rep, struct iso_error **err);
/* 1 when every check passed or warned. */
int verify_report_ok(const struct verify_report *rep);
const char *verify_result_name(enum verify_result r);

/* Print REP as text (stdout) or one JSON object; shared by `verify` and `up --verify`. */
void verify_report_print(const struct wo_ctx *w, const struct verify_report *rep, int json);

/* Pure evaluation, also used by the unit tests: check 3 for a slirp4netns namespace. */
struct netns_snapshot;
struct netns_addrs;
void verify_check_slirp4netns(const struct netns_snapshot *s, const struct netns_addrs *host, struct verify_check *c);
void verify_check_pasta(const struct netns_snapshot *s, struct verify_check *c);

#endif
