/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault-injection sweep (issue 12, "The harness"), against real
 * rootless Podman through tests/support/apiproxy.
 *
 * For each path (first `up`, `up` of a stopped pod, `up` on the recreate
 * path, `up --recreate`, `down`, `down --cleanup`, `gc`, `ports --rebuild`,
 * and those of templates and snapshots below):
 * the path's precondition is made straight through Podman, the path's
 * command runs once through the proxy without faults and its distinct
 * requests (method + path) are read from the proxy's log; then, for each
 * chosen request and fault kind, the precondition again, the command through
 * the proxy with that fault on the request's first occurrence, and:
 *   - the exit code is one the command documents (its --help, isopod(1)),
 *     and a failure says on stderr what failed (it names Podman or the request);
 *   - `up` without faults exits 0 and leaves the healthy set (1 running pod
 *     with 2 containers plus infra, 2 volumes, 1 secret, 1 ready lease);
 *   - `down --cleanup` without faults exits 0 and leaves none of it;
 *   - a second work order, up all along, keeps its container IDs, its lease
 *     and the row inserted into its database.
 * Fault kinds: close-before, close-after, 500, garbage, delay=1500,
 * freeze+SIGKILL, freeze+SIGINT (apiproxy.h).
 *
 * ISOPOD_SWEEP=full: every distinct request x every kind.  subset (the
 * default, what `make check` runs): every path, every kind, at the requests
 * that create or delete something (POST .../create, DELETE), the kinds
 * dealt round-robin over those requests.  The table of results goes to
 * ISOPOD_SWEEP_REPORT, else <build>/reliability.md, and to stdout between
 * "---- reliability.md ----" lines (scripts/reliability-report.sh makes
 * docs/reliability.md of it).  Every case that breaks a rule is printed
 * ("sweep: FAIL ...") and fails the test of its path.
 *
 * The paths of templates and snapshots (issue 14; sweep_paths_store.h) run
 * in the sweep's own profile sweep<pid> (its own user configuration, modules
 * base, ISOPOD_TEMPLATE=auto while they run; the hub paths run with never) on
 * the work order t-sweep-<pid>-3, with their own healthy sets and their own
 * "next command".  Everywhere: what isopod calls a ready template or
 * snapshot has its three volumes (db, files, seal); else "half-made used".
 *   template build  pre: no template of the profile.  Healthy: one complete
 *                   template, no object labelled io.isopod.kind=template-build
 *                   (pods, containers) and no build secret.  Converged: the
 *                   next `template build` (or `gc`, then one, said in a line)
 *                   reaches it, and never reports "reused" for a template that
 *                   was not complete after the fault; `template rm` leaves none.
 *   up (from a template)  pre: one complete template, the work order has
 *                   nothing.  Healthy: the work order's set, serving, its own
 *                   database (its name, no template database beside it, base
 *                   installed); the template unchanged (key, volumes, the
 *                   seal's creation time) right after the fault and after the
 *                   next `up`, which converges; `down --cleanup` leaves nothing.
 *   up (saves a template)  pre: no template, the work order has nothing.
 *                   Healthy: as above, plus one complete template; after a
 *                   fault the next `up` converges (it saves no template when the
 *                   cut run left the work order's volumes), and after `gc` at
 *                   most one template is left, complete.
 *   snapshot        pre: the work order up, no snapshot 'snap'.  Converged: the
 *                   next `snapshot --replace` leaves the work order serving and
 *                   one complete 'snap'; `gc` leaves no partial snapshot.
 *   restore, reset  pre: the work order up with snapshot 'keep' (rows: old), an
 *                   older 'before-restore', and the rows new,old now (reset:
 *                   a table the template lacks).  From src/snapshot/restore.c:
 *                   the work order's volumes are overwritten only after the mark
 *                   <state_dir>/restoring/ is written, and the mark goes only
 *                   once they hold the restored data.  So converged means:
 *                   right after the fault, either the mark is set (`status`
 *                   reports restore_interrupted, `up` refuses with exit 4
 *                   naming the restore) or there is none and a plain `up`
 *                   serves the rows of before or of after, nothing in between;
 *                   then the next `restore WO keep` (`reset WO`) exits 0, clears
 *                   the mark, serves the restored rows (no table), and leaves one
 *                   complete before-restore; `gc` leaves no partial snapshot.
 *   At the end of snapshot, restore, reset: `down --cleanup` leaves nothing of
 *   the work order, its snapshots included.
 * Their subset is a short list of fault kinds at chosen places (the
 * focus_* lists beside the table of paths); ISOPOD_SWEEP=full runs every
 * distinct request and every further occurrence of a create or delete with
 * every kind.  ISOPOD_SWEEP_VERBOSE=1 prints every request of the fault-free
 * run (to choose places by).
 *
 * ISOPOD_SWEEP_PATHS=0,3 runs only those paths (0-based, in the order
 * above: 8-13 are template build, up from a template, up that saves one,
 * snapshot, restore, reset).
 *
 * Work orders t-sweep-<pid> (swept) and t-sweep-<pid>-2 (the bystander),
 * ports at offset 40 of ISOPOD_TEST_PORTS, a temporary state directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apiproxy.h"
#include "iso_run.h"
#include "podman_test.h"
#include "sweep_state.h"

#define UP_TIMEOUT "60"
#define CMD_TIMEOUT_MS (150 * 1000)

struct kind {
	const char *name, *fault; /* the table's name, the proxy's fault kind */
	int sig;                  /* freeze: the signal sent once the request is held */
};
static const struct kind kinds[] = {
	{"close-before", "close-before", 0}, {"close-after", "close-after", 0}, {"500", "500", 0},
	{"garbage", "garbage", 0},           {"delay", "delay=1500", 0},        {"freeze+SIGKILL", "freeze", SIGKILL},
	{"freeze+SIGINT", "freeze", SIGINT},
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

struct result {
	int distinct, tried, converged, leaked, unconverged, bad_exit, not_hit, disturbed, half_made;
};

struct path {
	const char *name;
	int (*pre)(void); /* the precondition, straight through Podman; 0 or -1 (printed) */
	const char
		*args; /* isopod's arguments; %s the work order, %d the second port (store: %1$s wo3, %2$s profile) */
	int codes[16]; /* the documented exit codes, ended by -1 */
	struct result res;
	/* The store paths (sweep_paths_store.h): their convergence (FAULTED 0: after the fault-free run), their end. */
	int (*converge)(struct path *p, const char *label, int faulted);
	int (*finish)(struct path *p);
	const char *const *focus; /* a store path's subset: "KIND METHOD PATTERN N" each (NULL-terminated) */
};

static char wo[64], wo2[64], state_dir[] = "/tmp/isopod-sweep-XXXXXX", registry[512];
static int port_lo, port_hi;
static struct apiproxy proxy;
static int proxy_up;
static struct sweep_objs bystander;
static time_t t_start;

/* ---- running isopod ---- */

/* The last 600 bytes of S (a message is at the end of a command's output), "" for NULL. */
static const char *tail(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return !s ? "" : n > 600 ? s + n - 600 : s;
}

/* isopod straight to Podman with ARGS (printf-style); exit code, *errout its stderr (owned; may be NULL). */
static int direct(char **errout, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int direct(char **errout, const char *fmt, ...)
{
	struct iso_run_result r;
	va_list ap;
	va_start(ap, fmt);
	int rc = iso_run_isopodv(&(struct iso_run_opts){.merge = 1, .timeout_ms = CMD_TIMEOUT_MS}, &r, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	rc = r.status;
	if (errout) {
		*errout = r.out;
		r.out = NULL;
	}
	iso_run_result_release(&r);
	return rc;
}

static int direct_ok(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int direct_ok(const char *what, const char *fmt, ...)
{
	struct iso_run_result r;
	va_list ap;
	va_start(ap, fmt);
	int rc = iso_run_isopodv(&(struct iso_run_opts){.merge = 1, .timeout_ms = CMD_TIMEOUT_MS}, &r, fmt, ap);
	va_end(ap);
	if (rc == 0 && r.status != 0)
		fprintf(stderr, "sweep: %s: exit %d: %s", what, r.status, r.out);
	rc = rc < 0 ? -1 : r.status == 0 ? 0 : -1;
	iso_run_result_release(&r);
	return rc;
}

/* ARGS split at spaces after the binary, through the proxy; SIG as apiproxy_run. */
static int via_proxy(const char *args, int sig, struct apiproxy_run *r)
{
	char buf[512], *save = NULL;
	const char *argv[32] = {ISO_ISOPOD_BIN};
	int n = 1;
	snprintf(buf, sizeof buf, "%s", args);
	for (char *t = strtok_r(buf, " ", &save); t && n < 31; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	const char *env[] = {proxy.container_host, NULL};
	return apiproxy_run(&proxy, argv, env, sig, CMD_TIMEOUT_MS, r);
}

/* ---- preconditions ---- */

static int objs(const char *id, struct sweep_objs *o)
{
	return sweep_objs_get("hub", id, o);
}

static int pre_none(void)
{
	struct sweep_objs o;
	char d[300];
	if (objs(wo, &o) < 0)
		return -1;
	if (sweep_objs_none(&o))
		return 0;
	sweep_objs_describe(&o, d, sizeof d);
	fprintf(stderr, "sweep: before a first up, %s is not gone: %s\n", wo, d);
	return -1;
}

static int pre_running(void)
{
	return pre_none() == 0 && direct_ok("up (precondition)", "up %s --timeout " UP_TIMEOUT, wo) == 0 ? 0 : -1;
}

static int pre_stopped(void)
{
	char path[200];
	long st = 0;
	if (pre_running() < 0)
		return -1;
	snprintf(path, sizeof path, "/v4.0.0/libpod/pods/hub-%s/stop", wo);
	if (ptest_request("POST", path, NULL, &st, NULL) != 0 || st != 200) {
		fprintf(stderr, "sweep: POST %s: status %ld\n", path, st);
		return -1;
	}
	return 0;
}

static int pre_down(void)
{
	return pre_running() == 0 && direct_ok("down (precondition)", "down %s", wo) == 0 ? 0 : -1;
}

/* An `up` killed (SIGKILL) while its 2nd container create is held: what `gc` is for. */
static int pre_killed(void)
{
	struct apiproxy_run r;
	char line[300], args[200];
	if (pre_none() < 0)
		return -1;
	snprintf(line, sizeof line, "freeze POST /libpod/containers/create 2");
	snprintf(args, sizeof args, "up %s --timeout " UP_TIMEOUT, wo);
	if (apiproxy_set_faults(&proxy, line) < 0 || via_proxy(args, SIGKILL, &r) < 0)
		return -1;
	int ok = r.fired && r.status == 128 + SIGKILL;
	if (!ok)
		fprintf(stderr, "sweep: the killed up (precondition of gc): fired %d, exit %d: %s\n", r.fired, r.status,
			r.err);
	apiproxy_run_release(&r);
	return apiproxy_set_faults(&proxy, "") < 0 || !ok ? -1 : 0;
}

/* A running work order whose lease file was lost (the bystander's lease with it): what `ports --rebuild` is for. */
static int pre_lost_lease(void)
{
	char path[600];
	if (pre_running() < 0)
		return -1;
	snprintf(path, sizeof path, "%s/leases", registry);
	if (unlink(path) == 0)
		return 0;
	fprintf(stderr, "sweep: cannot remove %s: %s\n", path, strerror(errno));
	return -1;
}

#include "sweep_paths_store.h"

/*
 * ---- the subset ----
 * Each store path's cases in the subset (`make check`): a fault kind at one
 * place, chosen where the new code acts or a cut is worst (the full sweep
 * runs every request with every kind).  Occurrences count from the command's
 * start: a work order's volumes come before a template's or snapshot's.
 */
static const char *const focus_build[] = {
	"close-after POST /libpod/volumes/create 1",      /* the first volume made, unheard */
	"freeze+SIGINT POST /libpod/containers/create 2", /* Ctrl-C at the init's container */
	"freeze+SIGKILL DELETE /libpod/pods/* 1",         /* killed after the init, before the seal */
	"garbage POST /libpod/volumes/create 3",          /* the seal made, its answer unreadable */
	NULL,
};
static const char *const focus_up_template[] = {
	"500 POST /libpod/pods/create 1",                  /* before the clone */
	"freeze+SIGKILL POST /libpod/containers/create 1", /* killed after the clone, before its identity */
	"close-after POST /libpod/containers/create 1",    /* Postgres's container made, unheard */
	"freeze+SIGINT POST /libpod/containers/*/exec 1",  /* Ctrl-C at the identity (rename, password) */
	NULL,
};
static const char *const focus_first_up[] = {
	"garbage POST /libpod/volumes/create 3",        /* the template's database volume */
	"freeze+SIGINT POST /libpod/volumes/create 4",  /* Ctrl-C at its filestore volume */
	"close-after POST /libpod/volumes/create 5",    /* the seal made, unheard */
	"freeze+SIGKILL POST /libpod/volumes/create 5", /* killed at the seal */
	NULL,
};
static const char *const focus_snapshot[] = {
	"freeze+SIGKILL POST /libpod/volumes/create 1", /* killed with Postgres stopped */
	"500 POST /libpod/volumes/create 2",
	"close-after POST /libpod/volumes/create 3",    /* the seal made, unheard */
	"freeze+SIGKILL POST /libpod/volumes/create 3", /* killed at the seal, after the copy */
	NULL,
};
static const char *const focus_restore[] = {
	"freeze+SIGKILL POST /libpod/volumes/create 3", /* before-restore's seal: both stopped, no mark */
	"garbage POST /libpod/volumes/create 3",
	"freeze+SIGKILL GET /libpod/volumes/db-*-data/json 2", /* after the mark, before the copy */
	"close-after DELETE /libpod/volumes/*-seal 1",         /* the older before-restore */
	NULL,
};
static const char *const focus_reset[] = {
	"freeze+SIGINT POST /libpod/volumes/create 1",
	"freeze+SIGKILL GET /libpod/volumes/isopod-tpl-*-seal/exists 1", /* after the mark, before the clone */
	"freeze+SIGKILL POST /libpod/containers/*/exec 1",               /* the clone in place, no identity */
	"500 DELETE /libpod/volumes/*-seal 1",
	NULL,
};

#define UP_CODES                                                                                                       \
	{                                                                                                              \
		0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 129, 130, 143, -1                                                       \
	}
/* As `template build --help` and `snapshot|restore|reset --help` say. */
#define STORE_CODES                                                                                                    \
	{                                                                                                              \
		0, 1, 2, 4, 5, 6, 7, 8, 10, 129, 130, 143, -1                                                          \
	}
#define SNAP_CODES                                                                                                     \
	{                                                                                                              \
		0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 129, 130, 143, -1                                                       \
	}
#define DOWN_CODES                                                                                                     \
	{                                                                                                              \
		0, 1, 2, 3, 4, 5, 6, 129, 130, 143, -1                                                                 \
	}
static struct path paths[] = {
	{"up (first)", pre_none, "up %s --timeout " UP_TIMEOUT, UP_CODES, {0}, NULL, NULL, NULL},
	{"up (stopped pod)", pre_stopped, "up %s --timeout " UP_TIMEOUT, UP_CODES, {0}, NULL, NULL, NULL},
	{"up (recreate path)", pre_down, "up %s --timeout " UP_TIMEOUT, UP_CODES, {0}, NULL, NULL, NULL},
	{"up --recreate",
	 pre_running,
	 "up %s --recreate --port %d --timeout " UP_TIMEOUT,
	 UP_CODES,
	 {0},
	 NULL,
	 NULL,
	 NULL},
	{"down", pre_running, "down %s", DOWN_CODES, {0}, NULL, NULL, NULL},
	{"down --cleanup", pre_running, "down --cleanup %s", DOWN_CODES, {0}, NULL, NULL, NULL},
	{"gc", pre_killed, "gc", {0, 1, 2, 5, 6, 129, 130, 143, -1}, {0}, NULL, NULL, NULL},
	{"ports --rebuild",
	 pre_lost_lease,
	 "ports --rebuild",
	 {0, 1, 2, 5, 6, 10, 129, 130, 143, -1},
	 {0},
	 NULL,
	 NULL,
	 NULL},
	{"template build",
	 pre_tpl_none,
	 "template build --profile %2$s%1$.0s",
	 STORE_CODES,
	 {0},
	 conv_template_build,
	 NULL,
	 focus_build},
	{"up (from a template)",
	 pre_tpl_ready,
	 "up %1$s --profile %2$s --timeout " UP_TIMEOUT,
	 UP_CODES,
	 {0},
	 conv_up_template,
	 NULL,
	 focus_up_template},
	{"up (saves a template)",
	 pre_first_up,
	 "up %1$s --profile %2$s --timeout " UP_TIMEOUT,
	 UP_CODES,
	 {0},
	 conv_first_up,
	 NULL,
	 focus_first_up},
	{"snapshot",
	 pre_snapshot,
	 "snapshot %1$s snap --profile %2$s --timeout " UP_TIMEOUT,
	 SNAP_CODES,
	 {0},
	 conv_snapshot,
	 finish_wo3,
	 focus_snapshot},
	{"restore",
	 pre_restore,
	 "restore %1$s keep --profile %2$s --timeout " UP_TIMEOUT,
	 SNAP_CODES,
	 {0},
	 conv_restore,
	 finish_wo3,
	 focus_restore},
	{"reset",
	 pre_reset,
	 "reset %1$s --profile %2$s --timeout " UP_TIMEOUT,
	 SNAP_CODES,
	 {0},
	 conv_reset,
	 finish_wo3,
	 focus_reset},
};
#define NPATHS ((int)(sizeof paths / sizeof paths[0]))

#include "sweep_cases.h"
