/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod doctor [--json]: is this host ready for rootless work orders?  Each
 * check says pass / warn / fail / skip with what it found and the exact
 * command that fixes it.  The OCI runtime is proven, not guessed: a
 * throwaway pod (labelled io.isopod.role=doctor) is created, started and
 * removed through the API.  Exit 0 when nothing fails, 10 otherwise.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "workorder/config.h"
#include "doctor/doctor.h"
#include "lease/lease.h"
#include "workorder/names.h"
#include "podman/client.h"
#include "podman/objects.h"

#define DOCTOR_REGISTRY_TIMEOUT_MS 3000

static const struct cli_help doctor_help = {
	"usage: isopod doctor [--json]\n\n"
	"Check this host for rootless work orders; each check says pass, warn, fail or skip\n"
	"and the command that fixes it:\n"
	"  config       the configuration files load\n"
	"  podman       podman on PATH, the server's version from the API\n"
	"  api          the API socket answers (the service is started when it does not)\n"
	"  subuid       subordinate uid and gid ranges of your user (/etc/subuid, /etc/subgid)\n"
	"  subgid\n"
	"  newuidmap    present, setuid root or with file capabilities\n"
	"  newgidmap\n"
	"  runtime-dir  XDG_RUNTIME_DIR set, yours, mode 0700\n"
	"  tun          /dev/net/tun opens read-write (slirp4netns)\n"
	"  runtime      the OCI runtime starts a throwaway pod on this cgroup layout\n"
	"  storage      the storage driver (vfs is a warning: slow, a full copy per layer)\n"
	"  linger       lingering, where systemd-logind manages your sessions\n"
	"  ports        the port range against net.ipv4.ip_unprivileged_port_start\n"
	"  registry     the lease registry: configured, host-wide or per-user (a host-wide one\n"
	"               passed over is a warning); owner, group, mode, lease file\n"
	"  odoo-image   the configured images are present, or pullable by 'isopod up'\n"
	"  db-image\n\n",
	"Exit codes: 0 nothing failed (warnings allowed), 2 bad usage, 10 a check failed.\n",
};

static void check_api(struct doctor_report *r, struct podman_client *pc, int ok, struct iso_error *e)
{
	if (ok) {
		doctor_add(
			r, "api", DOCTOR_PASS,
			xasprintf("%s answers%s", podman_client_endpoint(pc),
				  podman_client_started_service(pc) ? " (the service was started by this call)" : ""),
			NULL);
		return;
	}
	const char *ch = getenv("CONTAINER_HOST"), *xdg = getenv("XDG_RUNTIME_DIR");
	char *fix = (!ch || !*ch) && (!xdg || !*xdg)
			    ? xasprintf("export XDG_RUNTIME_DIR=/run/user/%u  (see 'runtime-dir')", (unsigned)geteuid())
		    : ch && *ch
			    ? xasprintf("unset CONTAINER_HOST, or start the service it names: podman system service "
					"--time=0 %s &",
					ch)
			    : xstrdup("podman system service --time=0 unix://$XDG_RUNTIME_DIR/podman/podman.sock &");
	doctor_add(r, "api", DOCTOR_FAIL, xstrdup(e ? e->msg : "no endpoint"), fix);
}

/* Prove the runtime: a pod's infra container must start on this cgroup layout. */
static void check_runtime(struct doctor_report *r, struct podman_client *pc, const struct podman_info *info)
{
	char name[64];
	snprintf(name, sizeof(name), "isopod-doctor-%ld", (long)getpid());
	struct podman_pair labels[] = {{LABEL_ROLE, "doctor"}};
	struct podman_pod_spec spec = {.name = name, .labels = labels, .n_labels = 1};
	struct iso_error *e = NULL;
	cleanup_free char *id = NULL;
	int made = 0;
	if (podman_pod_create(pc, &spec, &id, &e) == 0) {
		made = 1;
		podman_pod_start(pc, name, &e);
	}
	if (made) {
		struct iso_error *e2 = NULL;
		if (podman_pod_remove(pc, name, 1, &e2) < 0 && !podman_err_not_found(e2) && !e)
			e = iso_steal_pointer(&e2);
		iso_error_free(e2);
	}
	const char *rt = info->oci_runtime ? info->oci_runtime : "?";
	const char *cg = info->cgroup_version ? info->cgroup_version : "?";
	const char *mgr = info->cgroup_manager ? info->cgroup_manager : "?";
	if (!e) {
		doctor_add(r, "runtime", DOCTOR_PASS,
			   xasprintf("%s started a throwaway pod (cgroup %s, %s manager)", rt, cg, mgr), NULL);
		return;
	}
	char *fix;
	if (strstr(e->msg, "hybrid") || (!strcmp(rt, "crun") && !strcmp(cg, "v1")))
		fix = xstrdup("printf '[engine]\\nruntime = \"runc\"\\ncgroup_manager = \"cgroupfs\"\\n' >> "
			      "~/.config/containers/containers.conf  (then restart the podman service)");
	else if (strstr(e->msg, "setrlimit"))
		fix = xasprintf("printf '[containers]\\ndefault_ulimits = [\"nofile=%ld:%ld\"]\\n' >> "
				"~/.config/containers/containers.conf",
				sysconf(_SC_OPEN_MAX), sysconf(_SC_OPEN_MAX));
	else if (strstr(e->msg, "/dev/net/tun"))
		fix = xstrdup("sudo chmod 0666 /dev/net/tun");
	else
		fix = xasprintf("podman pod create --name %s-cli && podman pod start %s-cli shows the same; "
				"'podman info' shows the runtime and cgroup setup",
				name, name);
	doctor_add(r, "runtime", DOCTOR_FAIL,
		   xasprintf("%s could not start a throwaway pod (cgroup %s, %s manager): %s", rt, cg, mgr, e->msg),
		   fix);
	iso_error_free(e);
}

static void check_storage(struct doctor_report *r, const struct podman_info *info)
{
	const char *d = info->graph_driver ? info->graph_driver : "";
	if (!strcmp(d, "vfs"))
		doctor_add(
			r, "storage", DOCTOR_WARN,
			xstrdup("storage driver vfs: every layer is a full copy (slow creates, N times the disk)"),
			xstrdup("printf '[storage]\\ndriver = \"overlay\"\\n' > ~/.config/containers/storage.conf && "
				"podman system reset -f  (deletes all your containers, images and volumes)"));
	else
		doctor_add(r, "storage", *d ? DOCTOR_PASS : DOCTOR_WARN,
			   xasprintf("storage driver %s", *d ? d : "unknown"),
			   *d ? NULL : xstrdup("podman info --format '{{.Store.GraphDriverName}}'"));
}

static void check_image(struct doctor_report *r, struct podman_client *pc, const char *name, const char *ref,
			const char *env)
{
	struct iso_error *e = NULL;
	char host[256];
	int rc = podman_image_exists(pc, ref, &e);
	if (rc == 1) {
		doctor_add(r, name, DOCTOR_PASS, xasprintf("%s is present", ref), NULL);
		return;
	}
	if (rc < 0) {
		doctor_add(r, name, DOCTOR_FAIL, xasprintf("cannot check %s: %s", ref, e->msg),
			   xasprintf("podman image exists %s", ref));
		iso_error_free(e);
		return;
	}
	if (doctor_image_registry(ref, host, sizeof(host)))
		doctor_add(r, name, DOCTOR_FAIL,
			   xasprintf("%s is not present and a localhost image cannot be pulled", ref),
			   xasprintf("make images  (or export %s=<an image you have>)", env));
	else if (doctor_registry_reachable(host, DOCTOR_REGISTRY_TIMEOUT_MS))
		doctor_add(r, name, DOCTOR_WARN,
			   xasprintf("%s is not present; 'isopod up' will pull it from %s", ref, host),
			   xasprintf("podman pull %s  (now, to make the first 'isopod up' fast)", ref));
	else
		doctor_add(r, name, DOCTOR_FAIL,
			   xasprintf("%s is not present and its registry %s is unreachable from here", ref, host),
			   xasprintf("export %s=<an image you have>  (or make %s reachable)", env, host));
}

static void print_report(const struct iso_globals *g, const struct doctor_report *r)
{
	size_t failed = doctor_count(r, DOCTOR_FAIL), warned = doctor_count(r, DOCTOR_WARN);
	if (!g->json) {
		for (size_t i = 0; i < r->n; i++) {
			printf("%-5s %-12s %s\n", doctor_status_name(r->v[i].status), r->v[i].name,
			       r->v[i].detail ? r->v[i].detail : "");
			if (r->v[i].fix)
				printf("      %-12s fix: %s\n", "", r->v[i].fix);
		}
		return;
	}
	cleanup_jgen iso_jgen *j = iso_jgen_new(1);
	iso_jgen_map_open(j);
	iso_jgen_kv_bool(j, "ok", failed == 0);
	iso_jgen_kv_int(j, "failed", (long long)failed);
	iso_jgen_kv_int(j, "warned", (long long)warned);
	iso_jgen_key(j, "checks");
	iso_jgen_array_open(j);
	for (size_t i = 0; i < r->n; i++) {
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "name", r->v[i].name);
		iso_jgen_kv_string(j, "status", doctor_status_name(r->v[i].status));
		iso_jgen_kv_string(j, "detail", r->v[i].detail);
		iso_jgen_kv_string(j, "fix", r->v[i].fix);
		iso_jgen_map_close(j);
	}
	iso_jgen_array_close(j);
	if (failed) {
		iso_jgen_key(j, "error");
		iso_jgen_map_open(j);
		iso_jgen_kv_string(j, "class", iso_class_name(ISO_E_HOST));
		iso_jgen_kv_int(j, "code", ISO_E_HOST);
		cleanup_free char *msg = xasprintf("%zu check%s failed; run the fixes, then 'isopod doctor' again",
						   failed, failed == 1 ? "" : "s");
		iso_jgen_kv_string(j, "message", msg);
		iso_jgen_map_close(j);
	}
	iso_jgen_map_close(j);
	cli_print_json(j, NULL);
}

/* The configuration check; 1 when it loaded into *cfg. */
static int check_config(struct doctor_report *r, struct iso_config *cfg)
{
	struct iso_error *err = NULL;
	int have_cfg = wo_config_load(cfg, NULL, &err) == 0;
	if (have_cfg)
		doctor_add(r, "config", DOCTOR_PASS,
			   xasprintf("profile %s (%s), ports %d-%d (%s)", cfg->profile.name,
				     wo_config_source_name(cfg->profile_source), cfg->profile.port_low,
				     cfg->profile.port_high, wo_config_source_name(cfg->port_source)),
			   NULL);
	else
		doctor_add(r, "config", DOCTOR_FAIL, xstrdup(err->msg), xstrdup("correct the file named above"));
	iso_error_free(err);
	return have_cfg;
}

/* The checks of the host itself, no API needed: ids, maps, runtime dir, tun. */
static void check_host(struct doctor_report *r, const char *user, uid_t uid)
{
	const char *subuid = getenv("ISOPOD_DOCTOR_SUBUID"), *subgid = getenv("ISOPOD_DOCTOR_SUBGID");
	doctor_check_subid(r, "subuid", subuid && *subuid ? subuid : "/etc/subuid", user, uid);
	doctor_check_subid(r, "subgid", subgid && *subgid ? subgid : "/etc/subgid", user, uid);
	doctor_check_idmap(r, "newuidmap");
	doctor_check_idmap(r, "newgidmap");
	doctor_check_runtime_dir(r, user, uid);
	doctor_check_tun(r);
}

/* The runtime and storage checks, from the API's info; skipped without it. */
static void check_engine(struct doctor_report *r, struct podman_client *pc, int api_ok)
{
	struct iso_error *err = NULL;
	struct podman_info info = {0};
	if (api_ok && podman_info(pc, &info, &err) == 0) {
		check_runtime(r, pc, &info);
		check_storage(r, &info);
		doctor_check_secret_store(r, info.graph_root);
	} else {
		const char *why = api_ok ? err->msg : "the API did not answer";
		doctor_add(r, "runtime", DOCTOR_SKIP, xasprintf("not checked: %s", why), NULL);
		doctor_add(r, "storage", DOCTOR_SKIP, xasprintf("not checked: %s", why), NULL);
		doctor_add(r, "secrets", DOCTOR_SKIP, xasprintf("not checked: %s", why), NULL);
	}
	iso_error_free(err);
	podman_info_release(&info);
}

/* Ports, registry and images: what needs the configuration (and, for images, the API). */
static void check_configured(struct doctor_report *r, const struct iso_config *cfg, int have_cfg,
			     struct podman_client *pc, int api_ok, uid_t uid)
{
	if (have_cfg) {
		doctor_check_ports(r, cfg->profile.port_low, cfg->profile.port_high, uid);
		doctor_check_registry(r, cfg, uid);
	} else {
		doctor_add(r, "ports", DOCTOR_SKIP, xstrdup("not checked: the configuration did not load"), NULL);
		doctor_add(r, "registry", DOCTOR_SKIP, xstrdup("not checked: the configuration did not load"), NULL);
	}
	if (have_cfg && api_ok) {
		check_image(r, pc, "odoo-image", cfg->profile.odoo_image, "ISOPOD_ODOO_IMAGE");
		check_image(r, pc, "db-image", cfg->profile.db_image, "ISOPOD_DB_IMAGE");
	} else {
		doctor_add(r, "odoo-image", DOCTOR_SKIP, xstrdup("not checked: no configuration or no API"), NULL);
		doctor_add(r, "db-image", DOCTOR_SKIP, xstrdup("not checked: no configuration or no API"), NULL);
	}
}

int cmd_doctor(int argc, char **argv, const struct iso_globals *g)
{
	struct iso_globals mine = *g;
	int rc = 0;
	const struct cli_option opts[] = {
		CLI_OPT_BOOL(0, "json", &mine.json,
			     "one JSON object: ok, failed, warned, checks [name, status, detail, fix]"),
		CLI_OPT_END(),
	};
	if (cli_parse(argc, argv, opts, &doctor_help, CLI_NO_ARGS, &mine, &rc) < 0)
		return rc;

	struct doctor_report r = {0};
	struct iso_config cfg = {0};
	struct iso_error *err = NULL;
	uid_t uid = geteuid();
	struct passwd pw, *pwr = NULL;
	char pwbuf[4096], user[256];
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwr) == 0 && pwr)
		snprintf(user, sizeof(user), "%s", pw.pw_name);
	else
		snprintf(user, sizeof(user), "%u", (unsigned)uid);

	int have_cfg = check_config(&r, &cfg);
	/* The API first: the podman check reports the server's version. */
	int state_ok = have_cfg && wo_config_ensure_state_dir(&cfg, &err) == 0;
	iso_error_free(err);
	err = NULL;
	struct podman_client_opts o = {.state_dir = state_ok ? cfg.state_dir : NULL, .autostart = state_ok};
	cleanup_podman_client struct podman_client *pc = podman_client_new(&o, &err);
	int api_ok = pc && podman_connect(pc, &err) == 0;

	doctor_check_podman_binary(&r, api_ok ? podman_client_server_version(pc) : NULL);
	check_api(&r, pc, api_ok, err);
	iso_error_free(err);
	err = NULL;
	check_host(&r, user, uid);
	check_engine(&r, pc, api_ok);
	doctor_check_linger(&r, user);
	check_configured(&r, &cfg, have_cfg, pc, api_ok, uid);

	print_report(&mine, &r);
	size_t failed = doctor_count(&r, DOCTOR_FAIL);
	if (failed && !mine.json) {
		iso_error_set(&err, ISO_E_HOST, 0,
			      "%zu check%s failed; run the fixes above, then 'isopod doctor' again", failed,
			      failed == 1 ? "" : "s");
		rc = cli_fail(&mine, err);
	} else if (failed)
		rc = ISO_E_HOST;
	doctor_report_release(&r);
	if (have_cfg)
		wo_config_release(&cfg);
	return rc;
}
