/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify/checks.h - the six isolation checks of `isopod verify`,
 * evaluated from plain values: no Podman, no system calls.
 *
 * Calling sequence (cmd_verify, later)
 *   gather from Podman: the network mode and options, the members' PIDs, the
 *   published ports, the other work orders' published ports, the infra
 *   container's hosts file; from netns/: the namespace ids, a snapshot, the
 *   host's addresses, and the probe results of verify_probe_targets();
 *   struct verify_report r;
 *   verify_evaluate (&input, &r);
 *   verify_report_json (&r, &input, g);   or print r.checks[i] yourself
 *   exit class: verify_report_class (&r)  (ISO_OK or ISO_E_ISOLATION)
 *
 * A check whose inputs are missing (NULL snapshot, mode not known) is
 * unverified, never passed.
 */
#ifndef ISOPOD_VERIFY_CHECKS_H
#define ISOPOD_VERIFY_CHECKS_H

#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "base/json.h"
#include "netns/check.h"
#include "netns/inspect.h"
#include "netns/probe.h"

#define VERIFY_CHECKS 6
#define VERIFY_SLIRP_HOST "10.0.2.2" /* the host as slirp4netns shows it to the pod */

struct verify_port {
	char host_ip[48]; /* "" or "0.0.0.0": every address */
	uint16_t host_port;
	uint16_t container_port;
	int proto; /* IPPROTO_TCP, IPPROTO_UDP */
};

struct verify_input {
	const char *mode;                /* "slirp4netns", "pasta", "bridge", ... (NULL: unknown) */
	const char *const *mode_options; /* e.g. "allow_host_loopback=true" */
	size_t n_mode_options;
	int ipv6;                      /* slirp4netns with IPv6 (the default here) */
	const struct netns_id *pod_ns; /* NULL: not known (unverified) */
	struct netns_id host_ns;
	const struct netns_id *other_pods; /* namespaces of this user's other work orders */
	size_t n_other_pods;
	const struct netns_id *members; /* each container's namespace, named by member_names */
	const char *const *member_names;
	size_t n_members;
	const struct netns_snapshot *snap; /* NULL: not inspected (unverified) */
	const struct netns_addrs *host_addrs;
	uint16_t pg_port;                    /* 5432 */
	int pg_publish_intended;             /* the profile publishes Postgres */
	const struct verify_port *published; /* this work order's published ports */
	size_t n_published;
	const char *intended_host_ip;     /* what a trusted layer asked for (verify_intent_of); NULL: "127.0.0.1" */
	const char *intended_by;          /* who, in words (NULL: "the built-in default"); 0.0.0.0 from it warns */
	const char *intended_from;        /* who, as a token: builtin, host, user, env, flag (NULL: builtin) */
	int probed;                       /* check 6 ran its probes (0: unverified) */
	const struct netns_probe *probes; /* results for verify_probe_targets() */
	size_t n_probes;
};

/* Caps of what a report keeps of what the checks looked at (a pod holds a handful of each). */
#define VERIFY_SEEN_LINKS 16
#define VERIFY_SEEN_ITEMS 64 /* addresses, routes, listeners, host addresses, members, other pods */
#define VERIFY_SEEN_PORTS 24
#define VERIFY_MEMBER_NAME 128

struct verify_member {
	char name[VERIFY_MEMBER_NAME];
	struct netns_id id;
};

/*
 * What the checks looked at, copied out of the input so the report outlives
 * it: the data beside the evidence's words.  Lists past their caps are cut;
 * TRUNCATED counts the items left out.
 */
struct verify_seen {
	int have_pod_ns;
	struct netns_id pod_ns, host_ns;
	size_t n_others, n_members, n_links, n_addrs, n_routes, n_listeners, n_host_addrs, n_published, n_probes;
	struct netns_id others[VERIFY_SEEN_ITEMS];
	struct verify_member members[VERIFY_SEEN_ITEMS];
	int inspected; /* a snapshot was taken: links ... listeners are its */
	struct netns_link links[VERIFY_SEEN_LINKS];
	struct netns_addr addrs[VERIFY_SEEN_ITEMS];
	struct netns_route routes[VERIFY_SEEN_ITEMS];
	struct netns_listener listeners[VERIFY_SEEN_ITEMS];
	struct netns_addr host_addrs[VERIFY_SEEN_ITEMS];
	struct verify_port published[VERIFY_SEEN_PORTS];
	char intended_host_ip[48];
	char intended_from[8];
	uint16_t pg_port;
	int probed;
	struct netns_probe probes[NETNS_PROBE_MAX];
	size_t truncated;
};

struct verify_check {
	int number; /* 1..6 */
	const char *name;
	struct netns_findings findings; /* findings.worst is the check's verdict */
};

struct verify_report {
	enum netns_verdict worst;
	struct verify_check checks[VERIFY_CHECKS];
	struct verify_seen seen;
};

/* The host address a trusted layer asked a pod's ports to bind to, and who asked. */
struct verify_intent {
	char host_ip[48];
	char from[8]; /* a token of wo_config_source_token: builtin, host, user, env, flag */
	char by[320]; /* the same in words, naming the file or the flag */
};

/*
 * Decide what check 5 holds a pod to.  A pod records the address `up`
 * published on (POD_ADDR, from its io.isopod.port.* labels; "" or NULL when
 * none) and who asked for it (POD_FROM, io.isopod.bind-from; NULL on pods made
 * before isopod recorded it).  Only a recorded "flag" is taken from the pod:
 * `up --bind` is the user's own word, which no configuration knows later.
 * Anything else is judged against the configuration as loaded now (CFG_ADDR,
 * set by the layer CFG_FROM, a token, in CFG_FILE, NULL when no file), which
 * a repository cannot set: a pod on 0.0.0.0 that a repository's file asked
 * for, or that a config file asked for and no longer does, fails.
 */
void verify_intent_of(const char *pod_addr, const char *pod_from, const char *cfg_addr, const char *cfg_from,
		      const char *cfg_file, struct verify_intent *out);

/* Evaluate checks 1-6 from IN into *OUT. */
void verify_evaluate(const struct verify_input *in, struct verify_report *out);

/* ISO_OK when every check passed or warned, ISO_E_ISOLATION otherwise. */
enum iso_class verify_report_class(const struct verify_report *r);

/*
 * Every check unverified, REASON its one evidence (the work order is down, its
 * namespaces cannot be entered): a report, not an error, since 9 is a verdict.
 */
void verify_report_unverified(struct verify_report *out, const char *reason);

/*
 * Write the members "mode","options","verdict","checks":[{"number","name",
 * "verdict","evidence":[{"verdict","text"}],"seen":{...}}] into the object
 * open in G; "seen" holds, per check, the namespaces, interfaces, routes,
 * sockets, bindings or probes it looked at (docs/schema/verify.json).
 */
void verify_report_json(const struct verify_report *r, const struct verify_input *in, iso_jgen *g);

/*
 * Check 6's targets: each of the N_PORTS other work orders' published PORTS at
 * 10.0.2.2, at each of HOST's addresses and at HOST_INTERNAL (the address of
 * host.containers.internal, may be NULL).  *OUT (free()) holds *N targets,
 * at most NETNS_PROBE_MAX: ISO_E_USAGE beyond, or for an address that does not parse.
 */
int verify_probe_targets(const uint16_t *ports, size_t n_ports, const struct netns_addrs *host,
			 const char *host_internal, struct netns_target **out, size_t *n, struct iso_error **err);

/* The address NAME has in a hosts file's TEXT (first match) into OUT; 0, or -1 when absent. */
int verify_hosts_lookup(const char *text, const char *name, char *out, size_t len);

#endif
