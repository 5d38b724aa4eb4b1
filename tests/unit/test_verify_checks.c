/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_verify_checks.c - the six checks of `verify` from plain values: a
 * healthy slirp4netns work order passes, and each check fails (or is
 * unverified) on its own tamper; the report's data beside its words.
 * ISOPOD_TEST_DUMP_REPORT=FILE appends each report's JSON to FILE (to check it
 * by hand against docs/schema/verify.json).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "base/json.h"
#include "base/util.h"
#include "verify/checks.h"

struct world {
	struct netns_link links[3];
	struct netns_addr addrs[3];
	struct netns_route routes[2];
	struct netns_listener listener;
	struct netns_snapshot snap;
	struct netns_addr host_addr[1];
	struct netns_addrs host;
	struct netns_id pod, others[1], members[2];
	const char *member_names[2];
	struct verify_port published[1];
	struct netns_probe probes[2];
	struct verify_input in;
};

static void addr(struct netns_addr *a, int family, const char *text, unsigned prefix, int ifindex, const char *ifname)
{
	memset(a, 0, sizeof *a);
	a->family = family;
	inet_pton(family, text, a->addr);
	snprintf(a->text, sizeof a->text, "%s", text);
	a->prefixlen = prefix;
	a->ifindex = ifindex;
	snprintf(a->ifname, sizeof a->ifname, "%s", ifname);
}

/* A healthy slirp4netns work order (IPv6 off), as cmd_verify would gather it. */
static void healthy(struct world *w)
{
	memset(w, 0, sizeof *w);
	w->links[0] = (struct netns_link){.index = 1, .name = "lo", .flags = IFF_LOOPBACK | IFF_UP};
	w->links[1] = (struct netns_link){.index = 2, .name = "tap0", .kind = "tun", .flags = IFF_UP, .mtu = 65520};
	addr(&w->addrs[0], AF_INET, "127.0.0.1", 8, 1, "lo");
	addr(&w->addrs[1], AF_INET, "10.0.2.100", 24, 2, "tap0");
	struct netns_route *r = &w->routes[0];
	r->family = AF_INET;
	r->has_gateway = 1;
	inet_pton(AF_INET, "10.0.2.2", r->gateway);
	r->oif = 2;
	r->table = RT_TABLE_MAIN;
	snprintf(r->dst_text, sizeof r->dst_text, "default");
	r = &w->routes[1];
	r->family = AF_INET;
	inet_pton(AF_INET, "10.0.2.0", r->dst);
	r->dst_len = 24;
	r->oif = 2;
	r->table = RT_TABLE_MAIN;
	w->listener = (struct netns_listener){.proto = IPPROTO_TCP, .family = AF_INET, .port = 5432, .text = "0.0.0.0"};
	w->snap = (struct netns_snapshot){.links = {2, w->links},
					  .addrs = {2, w->addrs},
					  .routes = {2, w->routes},
					  .listeners = {1, &w->listener}};
	addr(&w->host_addr[0], AF_INET, "192.168.1.5", 24, 2, "eth0");
	w->host = (struct netns_addrs){1, w->host_addr};
	w->pod = (struct netns_id){3, 4026532300};
	w->others[0] = (struct netns_id){3, 4026532400};
	w->members[0] = w->members[1] = w->pod;
	w->member_names[0] = "wo-042-db";
	w->member_names[1] = "wo-042-odoo";
	w->published[0] = (struct verify_port){
		.host_ip = "127.0.0.1", .host_port = 8069, .container_port = 8069, .proto = IPPROTO_TCP};
	w->probes[0] = (struct netns_probe){.result = NETNS_CONN_REFUSED, .text = "10.0.2.2:8070"};
	w->probes[1] = (struct netns_probe){.result = NETNS_CONN_REFUSED, .text = "192.168.1.5:8070"};
	w->in = (struct verify_input){
		.mode = "slirp4netns",
		.pod_ns = &w->pod,
		.host_ns = {3, 4026531840},
		.other_pods = w->others,
		.n_other_pods = 1,
		.members = w->members,
		.member_names = w->member_names,
		.n_members = 2,
		.snap = &w->snap,
		.host_addrs = &w->host,
		.pg_port = 5432,
		.published = w->published,
		.n_published = 1,
		.probed = 1,
		.probes = w->probes,
		.n_probes = 2,
	};
}

static enum netns_verdict verdict_of(const struct verify_input *in, int check, struct verify_report *r)
{
	verify_evaluate(in, r);
	return r->checks[check - 1].findings.worst;
}

static void test_healthy_work_order_passes(void **state)
{
	struct world w;
	struct verify_report r;
	healthy(&w);
	verify_evaluate(&w.in, &r);
	for (int i = 0; i < VERIFY_CHECKS; i++) {
		if (r.checks[i].findings.worst != NETNS_PASS)
			print_message("check %d: %s\n", i + 1, r.checks[i].findings.v[0].text);
		assert_int_equal(r.checks[i].findings.worst, NETNS_PASS);
	}
	assert_int_equal(verify_report_class(&r), ISO_OK);
}

static void test_each_check_can_fail(void **state)
{
	struct world w;
	struct verify_report r;

	healthy(&w);
	w.others[0] = w.pod; /* 1: another work order shares the namespace */
	assert_int_equal(verdict_of(&w.in, 1, &r), NETNS_FAIL);
	assert_int_equal(verify_report_class(&r), ISO_E_ISOLATION);

	healthy(&w);
	w.members[1].ino++; /* 2: a container outside the pod's namespace */
	assert_int_equal(verdict_of(&w.in, 2, &r), NETNS_FAIL);
	assert_non_null(strstr(r.checks[1].findings.v[0].text, "'wo-042-odoo'"));

	healthy(&w);
	w.links[2] = (struct netns_link){.index = 3, .name = "evil0", .kind = "veth"};
	w.snap.links.n = 3; /* 3: an extra interface */
	assert_int_equal(verdict_of(&w.in, 3, &r), NETNS_FAIL);

	healthy(&w);
	addr(&w.host_addr[0], AF_INET, "10.0.2.100", 24, 2, "eth0"); /* 3: the host's address inside */
	assert_int_equal(verdict_of(&w.in, 3, &r), NETNS_FAIL);

	healthy(&w);
	w.snap.listeners.n = 0; /* 4: postgres does not listen */
	assert_int_equal(verdict_of(&w.in, 4, &r), NETNS_FAIL);

	healthy(&w);
	w.published[0].container_port = 5432; /* 4: postgres published, not intended */
	assert_int_equal(verdict_of(&w.in, 4, &r), NETNS_FAIL);
	w.in.pg_publish_intended = 1;
	assert_int_equal(verdict_of(&w.in, 4, &r), NETNS_PASS);
	assert_non_null(strstr(r.checks[3].findings.v[1].text, "as the profile intends"));

	healthy(&w);
	strcpy(w.published[0].host_ip, "0.0.0.0"); /* 5: every address, not intended */
	assert_int_equal(verdict_of(&w.in, 5, &r), NETNS_FAIL);
	w.in.intended_host_ip = "0.0.0.0"; /* on purpose: a warning, exit 0 */
	assert_int_equal(verdict_of(&w.in, 5, &r), NETNS_WARN);
	assert_int_equal(verify_report_class(&r), ISO_OK);
	w.in.intended_host_ip = "127.0.0.1";
	strcpy(w.published[0].host_ip, "192.168.1.5");
	assert_int_equal(verdict_of(&w.in, 5, &r), NETNS_FAIL);

	healthy(&w);
	w.probes[1].result = NETNS_CONN_OPEN; /* 6: another work order's port answers */
	assert_int_equal(verdict_of(&w.in, 6, &r), NETNS_FAIL);
	assert_non_null(strstr(r.checks[5].findings.v[0].text, "192.168.1.5:8070"));
}

/* Check 5 for a pod whose address POD_ADDR up recorded as asked for by POD_FROM, against the configuration now. */
static enum netns_verdict bind_verdict(const char *bound, const char *pod_addr, const char *pod_from,
				       const char *cfg_addr, const char *cfg_from, struct verify_report *r)
{
	struct world w;
	struct verify_intent it;
	healthy(&w);
	snprintf(w.published[0].host_ip, sizeof w.published[0].host_ip, "%s", bound);
	verify_intent_of(pod_addr, pod_from, cfg_addr, cfg_from, "/home/u/.config/isopod/config.json", &it);
	w.in.intended_host_ip = it.host_ip;
	w.in.intended_by = it.by;
	w.in.intended_from = it.from;
	return verdict_of(&w.in, 5, r);
}

/*
 * Issue 12, defect 4: what a pod's labels say up published on is not what
 * anybody trusted asked for.  Only a recorded --bind is; otherwise the
 * configuration as loaded now (which no repository can widen) decides.
 */
static void test_exposure_only_as_a_trusted_layer_asks(void **state)
{
	struct verify_report r;
	/* A repository's file asked (an older isopod took it; no io.isopod.bind-from): a failure. */
	assert_int_equal(bind_verdict("0.0.0.0", "0.0.0.0", NULL, "127.0.0.1", "builtin", &r), NETNS_FAIL);
	const char *t = r.checks[4].findings.v[0].text;
	assert_non_null(strstr(t, "which nothing trusted asks for"));
	assert_non_null(strstr(t, "(the built-in default: 127.0.0.1)"));
	assert_int_equal(verify_report_class(&r), ISO_E_ISOLATION);
	assert_string_equal(r.seen.intended_host_ip, "127.0.0.1");
	/* The user's config asked then and does no longer: a failure too. */
	assert_int_equal(bind_verdict("0.0.0.0", "0.0.0.0", "user", "127.0.0.1", "builtin", &r), NETNS_FAIL);
	/* The user's config asks for it now: intended, a warning naming the file, exit 0. */
	assert_int_equal(bind_verdict("0.0.0.0", "0.0.0.0", "user", "0.0.0.0", "user", &r), NETNS_WARN);
	t = r.checks[4].findings.v[0].text;
	assert_non_null(strstr(t, "as your config '/home/u/.config/isopod/config.json' asks"));
	assert_int_equal(verify_report_class(&r), ISO_OK);
	assert_string_equal(r.seen.intended_from, "user");
	/* `up --bind 0.0.0.0`, recorded on the pod: intended whatever the configuration says. */
	assert_int_equal(bind_verdict("0.0.0.0", "0.0.0.0", "flag", "127.0.0.1", "builtin", &r), NETNS_WARN);
	assert_non_null(strstr(r.checks[4].findings.v[0].text, "'isopod up --bind 0.0.0.0'"));
	assert_string_equal(r.seen.intended_from, "flag");
	/* A recorded "repo" (never written, but a label is only a label) is no trust. */
	assert_int_equal(bind_verdict("0.0.0.0", "0.0.0.0", "repo", "127.0.0.1", "builtin", &r), NETNS_FAIL);
	/* Narrower than asked (the config widened since): a warning, no failure of isolation. */
	assert_int_equal(bind_verdict("127.0.0.1", "127.0.0.1", "builtin", "0.0.0.0", "host", &r), NETNS_WARN);
	assert_non_null(strstr(r.checks[4].findings.v[0].text, "the host's config"));
	/* Another specific address than asked: a failure. */
	assert_int_equal(bind_verdict("192.168.1.5", "192.168.1.5", NULL, "127.0.0.1", "builtin", &r), NETNS_FAIL);
	assert_int_equal(bind_verdict("127.0.0.1", "127.0.0.1", NULL, "127.0.0.1", "builtin", &r), NETNS_PASS);
}

static void test_unknown_is_unverified_never_passed(void **state)
{
	struct world w;
	struct verify_report r;

	healthy(&w);
	w.in.mode = "bridge";
	assert_int_equal(verdict_of(&w.in, 3, &r), NETNS_UNVERIFIED);
	assert_int_equal(verify_report_class(&r), ISO_E_ISOLATION);

	healthy(&w);
	w.in.snap = NULL;
	verify_evaluate(&w.in, &r);
	assert_int_equal(r.checks[2].findings.worst, NETNS_UNVERIFIED);
	assert_int_equal(r.checks[3].findings.worst, NETNS_UNVERIFIED);

	healthy(&w);
	w.in.probed = 0;
	assert_int_equal(verdict_of(&w.in, 6, &r), NETNS_UNVERIFIED);

	healthy(&w);
	w.in.pod_ns = NULL;
	assert_int_equal(verdict_of(&w.in, 1, &r), NETNS_UNVERIFIED);

	healthy(&w);
	const char *opts[] = {"allow_host_loopback=true"};
	w.in.mode_options = opts;
	w.in.n_mode_options = 1;
	assert_int_equal(verdict_of(&w.in, 6, &r), NETNS_WARN);
	assert_non_null(strstr(r.checks[2].findings.v[0].text, "allow_host_loopback=true"));
}

static void test_report_json(void **state)
{
	struct world w;
	struct verify_report r;
	struct iso_error *err = NULL;
	size_t len;

	healthy(&w);
	w.probes[0].result = NETNS_CONN_OPEN;
	verify_evaluate(&w.in, &r);
	iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	verify_report_json(&r, &w.in, g);
	iso_jgen_map_close(g);
	const char *text = iso_jgen_finish(g, &len, &err);
	assert_non_null(text);
	iso_json *root = iso_json_parse(text, len, 0, ISO_E_INTERNAL, "report", &err);
	assert_non_null(root);
	assert_string_equal(iso_json_get_string(root, "mode"), "slirp4netns");
	assert_string_equal(iso_json_get_string(root, "verdict"), "fail");
	const iso_json *checks = iso_json_get(root, "checks");
	assert_int_equal(iso_json_len(checks), 6);
	assert_string_equal(iso_json_get_string(iso_json_at(checks, 5), "verdict"), "fail");
	assert_string_equal(iso_json_get_string(iso_json_at(checks, 0), "verdict"), "pass");
	assert_true(iso_json_len(iso_json_get(iso_json_at(checks, 5), "evidence")) >= 1);
	iso_json_free(root);
	iso_jgen_free(g);
}

/* The report of W as the JSON members verify_report_json writes, parsed. */
static iso_json *report_doc(const struct verify_report *r, const struct verify_input *in)
{
	struct iso_error *err = NULL;
	size_t len;
	iso_jgen *g = iso_jgen_new(0);
	iso_jgen_map_open(g);
	verify_report_json(r, in, g);
	iso_jgen_map_close(g);
	const char *text = iso_jgen_finish(g, &len, &err);
	assert_non_null(text);
	const char *dump = getenv("ISOPOD_TEST_DUMP_REPORT");
	if (dump) {
		FILE *f = fopen(dump, "a");
		assert_non_null(f);
		fprintf(f, "%.*s\n", (int)len, text);
		fclose(f);
	}
	iso_json *root = iso_json_parse(text, len, 0, ISO_E_INTERNAL, "report", &err);
	assert_non_null(root);
	iso_jgen_free(g);
	return root;
}

static const iso_json *seen_of(const iso_json *root, int check)
{
	const iso_json *c = iso_json_at(iso_json_get(root, "checks"), (size_t)check - 1);
	long long n = 0;
	assert_int_equal(iso_json_int(iso_json_get(c, "number"), &n), 0);
	assert_int_equal(n, check);
	const iso_json *seen = iso_json_get(c, "seen");
	assert_non_null(seen);
	return seen;
}

static long long int_at(const iso_json *obj, const char *key)
{
	long long v = -1;
	assert_int_equal(iso_json_int(iso_json_get(obj, key), &v), 0);
	return v;
}

/* KEY is in OBJ, and null (not absent). */
static int is_null(const iso_json *obj, const char *key)
{
	const iso_json *v = iso_json_get(obj, key);
	return v && iso_json_type(v) == ISO_JSON_NULL;
}

/* Beside the words, the data: what each check looked at, field by field. */
static void test_report_seen(void **state)
{
	struct world w;
	struct verify_report r;
	healthy(&w);
	w.members[1].ino++;                   /* 2: the odoo container elsewhere */
	w.probes[1].result = NETNS_CONN_OPEN; /* 6: one probe connects */
	w.probes[0].target = (struct netns_target){.family = AF_INET, .addr = {10, 0, 2, 2}, .port = 8070};
	w.probes[0].error = ECONNREFUSED;
	w.probes[1].target = (struct netns_target){.family = AF_INET, .addr = {192, 168, 1, 5}, .port = 8070};
	verify_evaluate(&w.in, &r);
	iso_json *root = report_doc(&r, &w.in);
	assert_int_equal(int_at(root, "truncated"), 0);

	/* 1: the pod's, the host's and the other pod's namespace inodes. */
	const iso_json *ns = iso_json_get(seen_of(root, 1), "namespaces");
	assert_int_equal(int_at(iso_json_get(ns, "pod"), "inode"), 4026532300);
	assert_int_equal(int_at(iso_json_get(ns, "host"), "inode"), 4026531840);
	assert_int_equal(iso_json_len(iso_json_get(ns, "other_pods")), 1);
	assert_int_equal(int_at(iso_json_at(iso_json_get(ns, "other_pods"), 0), "inode"), 4026532400);

	/* 2: each container, its inode and whether it is the pod's. */
	const iso_json *members = iso_json_get(iso_json_get(seen_of(root, 2), "namespaces"), "members");
	assert_int_equal(iso_json_len(members), 2);
	int same = -1;
	assert_string_equal(iso_json_get_string(iso_json_at(members, 1), "name"), "wo-042-odoo");
	assert_int_equal(int_at(iso_json_at(members, 1), "inode"), 4026532301);
	assert_int_equal(iso_json_bool(iso_json_get(iso_json_at(members, 1), "same"), &same), 0);
	assert_false(same);
	assert_int_equal(iso_json_bool(iso_json_get(iso_json_at(members, 0), "same"), &same), 0);
	assert_true(same);

	/* 3: interfaces with state, kind and addresses; routes with gateway and interface. */
	const iso_json *s3 = seen_of(root, 3);
	const iso_json *ifs = iso_json_get(s3, "interfaces");
	assert_int_equal(iso_json_len(ifs), 2);
	const iso_json *tap = iso_json_at(ifs, 1);
	assert_string_equal(iso_json_get_string(tap, "name"), "tap0");
	assert_string_equal(iso_json_get_string(tap, "kind"), "tun");
	assert_string_equal(iso_json_get_string(tap, "state"), "up");
	assert_int_equal(int_at(tap, "mtu"), 65520);
	const iso_json *a = iso_json_get(tap, "addresses");
	assert_int_equal(iso_json_len(a), 1);
	assert_string_equal(iso_json_get_string(iso_json_at(a, 0), "address"), "10.0.2.100");
	assert_int_equal(int_at(iso_json_at(a, 0), "prefix_len"), 24);
	assert_string_equal(iso_json_get_string(iso_json_at(a, 0), "family"), "ipv4");
	const iso_json *routes = iso_json_get(s3, "routes");
	assert_int_equal(iso_json_len(routes), 2);
	assert_string_equal(iso_json_get_string(iso_json_at(routes, 0), "destination"), "0.0.0.0");
	assert_int_equal(int_at(iso_json_at(routes, 0), "prefix_len"), 0);
	assert_string_equal(iso_json_get_string(iso_json_at(routes, 0), "gateway"), "10.0.2.2");
	assert_string_equal(iso_json_get_string(iso_json_at(routes, 1), "destination"), "10.0.2.0");
	assert_int_equal(int_at(iso_json_at(routes, 1), "prefix_len"), 24);
	assert_true(is_null(iso_json_at(routes, 1), "gateway"));
	assert_string_equal(iso_json_get_string(iso_json_at(iso_json_get(s3, "host_addresses"), 0), "address"),
			    "192.168.1.5");

	/* 4: the listening sockets; 5: the bindings and the intended address. */
	const iso_json *l = iso_json_at(iso_json_get(seen_of(root, 4), "listeners"), 0);
	assert_string_equal(iso_json_get_string(l, "protocol"), "tcp");
	assert_string_equal(iso_json_get_string(l, "address"), "0.0.0.0");
	assert_int_equal(int_at(l, "port"), 5432);
	assert_int_equal(iso_json_len(iso_json_get(seen_of(root, 4), "published")), 0); /* not Postgres's */
	const iso_json *s5 = seen_of(root, 5);
	assert_string_equal(iso_json_get_string(s5, "intended_host_ip"), "127.0.0.1");
	assert_string_equal(iso_json_get_string(s5, "intended_by"), "builtin");
	const iso_json *p = iso_json_at(iso_json_get(s5, "published"), 0);
	assert_string_equal(iso_json_get_string(p, "host_ip"), "127.0.0.1");
	assert_int_equal(int_at(p, "host_port"), 8069);

	/* 6: each probe, its target and what came of it. */
	const iso_json *probes = iso_json_get(seen_of(root, 6), "probes");
	assert_int_equal(iso_json_len(probes), 2);
	assert_string_equal(iso_json_get_string(iso_json_at(probes, 0), "address"), "10.0.2.2");
	assert_int_equal(int_at(iso_json_at(probes, 0), "port"), 8070);
	assert_string_equal(iso_json_get_string(iso_json_at(probes, 0), "result"), "refused");
	assert_non_null(iso_json_get_string(iso_json_at(probes, 0), "error"));
	assert_string_equal(iso_json_get_string(iso_json_at(probes, 1), "address"), "192.168.1.5");
	assert_string_equal(iso_json_get_string(iso_json_at(probes, 1), "result"), "open");
	assert_true(is_null(iso_json_at(probes, 1), "error"));
	iso_json_free(root);
}

/* The report outlives its input, and a list past its cap is cut and counted. */
static void test_report_seen_is_a_copy(void **state)
{
	struct world w;
	struct verify_report r;
	healthy(&w);
	struct netns_addr many[VERIFY_SEEN_ITEMS + 3];
	for (size_t i = 0; i < ISO_ARRAY_SIZE(many); i++)
		addr(&many[i], AF_INET, "192.0.2.1", 32, 9, "eth9");
	struct netns_addrs host = {ISO_ARRAY_SIZE(many), many};
	w.in.host_addrs = &host;
	verify_evaluate(&w.in, &r);
	memset(&w, 0, sizeof w); /* the input is gone */
	assert_int_equal(r.seen.n_host_addrs, VERIFY_SEEN_ITEMS);
	assert_int_equal(r.seen.truncated, 3);
	assert_string_equal(r.seen.links[1].name, "tap0");
	assert_string_equal(r.seen.members[0].name, "wo-042-db");
	assert_int_equal(r.seen.n_probes, 2);
}

/* Nothing could be checked (down): six unverified checks, the reason their evidence, no data. */
static void test_report_unverified(void **state)
{
	struct verify_report r;
	verify_report_unverified(&r, "work order 'WO-1' is down (Exited)");
	assert_int_equal(verify_report_class(&r), ISO_E_ISOLATION);
	struct verify_input in = {0};
	iso_json *root = report_doc(&r, &in);
	assert_string_equal(iso_json_get_string(root, "verdict"), "unverified");
	for (int i = 1; i <= VERIFY_CHECKS; i++) {
		const iso_json *c = iso_json_at(iso_json_get(root, "checks"), (size_t)i - 1);
		assert_string_equal(iso_json_get_string(c, "verdict"), "unverified");
		const iso_json *ev = iso_json_get(c, "evidence");
		assert_int_equal(iso_json_len(ev), 1);
		assert_non_null(strstr(iso_json_get_string(iso_json_at(ev, 0), "text"), "is down"));
		seen_of(root, i);
	}
	const iso_json *ns = iso_json_get(seen_of(root, 1), "namespaces");
	assert_true(is_null(ns, "pod"));
	assert_true(is_null(ns, "host"));
	assert_true(is_null(seen_of(root, 5), "intended_by")); /* nobody was asked: nothing was checked */
	int probed = 1;
	assert_int_equal(iso_json_bool(iso_json_get(seen_of(root, 6), "probed"), &probed), 0);
	assert_false(probed);
	iso_json_free(root);
}

static void test_probe_targets(void **state)
{
	struct netns_addr h[2];
	struct netns_addrs host = {2, h};
	struct netns_target *t = NULL;
	struct iso_error *err = NULL;
	size_t n = 0;
	uint16_t ports[] = {8070, 8071};

	addr(&h[0], AF_INET, "192.168.1.5", 24, 2, "eth0");
	addr(&h[1], AF_INET6, "fd00::2", 64, 2, "eth0");
	assert_int_equal(verify_probe_targets(ports, 2, &host, "192.0.2.2", &t, &n, &err), 0);
	assert_int_equal(n, 8);
	int at_slirp_host = 0;
	for (size_t i = 0; i < n; i++) {
		char a[64];
		inet_ntop(t[i].family, t[i].addr, a, sizeof a);
		at_slirp_host += !strcmp(a, "10.0.2.2");
		assert_true(t[i].port == 8070 || t[i].port == 8071);
	}
	assert_int_equal(at_slirp_host, 2);
	free(t);
	assert_int_equal(verify_probe_targets(ports, 2, &host, "not-an-ip", &t, &n, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	iso_error_free(err);
	err = NULL;
	uint16_t many[100] = {0};
	assert_int_equal(verify_probe_targets(many, 100, &host, NULL, &t, &n, &err), -1);
	iso_error_free(err);
}

static void test_hosts_lookup(void **state)
{
	const char *hosts = "127.0.0.1 localhost\n# 10.9.9.9 host.containers.internal\n"
			    "::1 localhost ip6-localhost\n"
			    "192.0.2.2\thost.containers.internal host.docker.internal # comment\n"
			    "10.0.2.100 wo-042 wo-042-infra\n";
	char out[64];
	assert_int_equal(verify_hosts_lookup(hosts, "host.containers.internal", out, sizeof out), 0);
	assert_string_equal(out, "192.0.2.2");
	assert_int_equal(verify_hosts_lookup(hosts, "wo-042-infra", out, sizeof out), 0);
	assert_string_equal(out, "10.0.2.100");
	assert_int_equal(verify_hosts_lookup(hosts, "host", out, sizeof out), -1);
	assert_int_equal(verify_hosts_lookup("", "x", out, sizeof out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_work_order_passes),
		cmocka_unit_test(test_each_check_can_fail),
		cmocka_unit_test(test_exposure_only_as_a_trusted_layer_asks),
		cmocka_unit_test(test_unknown_is_unverified_never_passed),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_seen),
		cmocka_unit_test(test_report_seen_is_a_copy),
		cmocka_unit_test(test_report_unverified),
		cmocka_unit_test(test_probe_targets),
		cmocka_unit_test(test_hosts_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
