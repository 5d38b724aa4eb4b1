/* SPDX-License-Identifier: Apache-2.0 */
/* The pure verdicts of `isopod doctor` and its host checks over made-up files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor/doctor.h"
#include "lease/lease.h"
#include "workorder/config.h"

static void test_subid_sum(void **state)
{
	unsigned long long total;
	size_t ranges;
	const char *f = "alice:100000:65536\n# comment\nbob:165536:65536\n1002:231072:1000\nbob:300000:10";
	assert_int_equal(doctor_subid_sum(f, "bob", 1002, &total, &ranges), 0);
	assert_int_equal(ranges, 3); /* two by name, one by uid, the last without a newline */
	assert_int_equal(total, 65536 + 1000 + 10);
	assert_int_equal(doctor_subid_sum(f, "carol", 2000, &total, &ranges), 0);
	assert_int_equal(ranges, 0);
	assert_int_equal(total, 0);
	/* a prefix of a name is not the name */
	assert_int_equal(doctor_subid_sum("alice2:1:65536\n", "alice", 7, &total, &ranges), 0);
	assert_int_equal(ranges, 0);
	assert_int_equal(doctor_subid_sum("alice:x:65536\n", "alice", 7, &total, &ranges), -1);
	assert_int_equal(doctor_subid_sum("alice:100\n", "alice", 7, &total, &ranges), -1);
	assert_int_equal(doctor_subid_sum("", "alice", 7, &total, &ranges), 0);
}

static void test_runtime_dir_problem(void **state)
{
	struct stat st = {.st_mode = S_IFDIR | 0700, .st_uid = 1002};
	assert_string_equal(doctor_runtime_dir_problem(&st, 1002), "");
	assert_string_not_equal(doctor_runtime_dir_problem(&st, 1003), "");
	st.st_mode = S_IFDIR | 0755;
	assert_string_not_equal(doctor_runtime_dir_problem(&st, 1002), "");
	st.st_mode = S_IFREG | 0700;
	assert_string_not_equal(doctor_runtime_dir_problem(&st, 1002), "");
}

static void test_idmap_usable(void **state)
{
	assert_true(doctor_idmap_usable(S_IFREG | S_ISUID | 0755, 0, 0));
	assert_true(doctor_idmap_usable(S_IFREG | 0755, 0, 1));
	assert_false(doctor_idmap_usable(S_IFREG | 0755, 0, 0));
	assert_false(doctor_idmap_usable(S_IFREG | S_ISUID | 0755, 1000, 0));
	assert_false(doctor_idmap_usable(S_IFREG | S_ISUID | 0644, 0, 0));
}

static void test_image_registry(void **state)
{
	char h[64];
	assert_int_equal(doctor_image_registry("docker.io/library/odoo:18.0", h, sizeof(h)), 0);
	assert_string_equal(h, "docker.io");
	assert_int_equal(doctor_image_registry("odoo:18.0", h, sizeof(h)), 0);
	assert_string_equal(h, "docker.io");
	assert_int_equal(doctor_image_registry("library/odoo", h, sizeof(h)), 0);
	assert_string_equal(h, "docker.io");
	assert_int_equal(doctor_image_registry("registry.invalid/x:1", h, sizeof(h)), 0);
	assert_string_equal(h, "registry.invalid");
	assert_int_equal(doctor_image_registry("127.0.0.1:5000/odoo:18", h, sizeof(h)), 0);
	assert_string_equal(h, "127.0.0.1:5000");
	assert_int_equal(doctor_image_registry("localhost/isopod-postgres:15", h, sizeof(h)), 1);
	assert_string_equal(h, "localhost");
}

/* The subid check over a file: a missing user fails and names usermod; a short range warns. */
static void test_check_subid_file(void **state)
{
	char path[] = "/tmp/isopod-test-subuid-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "alice:100000:65536\nbob:200000:1000\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct doctor_report r = {0};
	doctor_check_subid(&r, "subuid", path, "alice", 5000);
	doctor_check_subid(&r, "subuid", path, "bob", 5001);
	doctor_check_subid(&r, "subuid", path, "carol", 5002);
	doctor_check_subid(&r, "subgid", "/nonexistent/subgid", "alice", 5000);
	unlink(path);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.v[0].status, DOCTOR_PASS);
	assert_null(r.v[0].fix);
	assert_int_equal(r.v[1].status, DOCTOR_WARN);
	assert_int_equal(r.v[2].status, DOCTOR_FAIL);
	assert_non_null(strstr(r.v[2].fix, "usermod --add-subuids"));
	assert_non_null(strstr(r.v[2].fix, "carol"));
	assert_int_equal(r.v[3].status, DOCTOR_FAIL);
	assert_non_null(strstr(r.v[3].fix, "--add-subgids"));
	assert_int_equal(doctor_count(&r, DOCTOR_FAIL), 2);
	doctor_report_release(&r);
}

static void test_check_runtime_dir_unset(void **state)
{
	const char *old = getenv("XDG_RUNTIME_DIR");
	char *saved = old ? strdup(old) : NULL;
	unsetenv("XDG_RUNTIME_DIR");
	struct doctor_report r = {0};
	doctor_check_runtime_dir(&r, "alice", 5000);
	if (saved)
		setenv("XDG_RUNTIME_DIR", saved, 1);
	free(saved);
	assert_int_equal(r.v[0].status, DOCTOR_FAIL);
	assert_non_null(strstr(r.v[0].fix, "export XDG_RUNTIME_DIR=/run/user/5000"));
	doctor_report_release(&r);
}

/* The sysctl's value is given, never read from this host (Docker hosts often have 0). */
static void test_check_ports(void **state)
{
	struct doctor_report r = {0};
	doctor_check_ports_from(&r, 80, 89, 5000, 1024);
	doctor_check_ports_from(&r, 80, 89, 0, 1024); /* root may bind them */
	doctor_check_ports_from(&r, 65000, 65010, 5000, 1024);
	doctor_check_ports_from(&r, 80, 89, 5000, 0); /* every port is unprivileged */
	doctor_check_ports_from(&r, 80, 89, 5000, 80);
	doctor_check_ports_from(&r, 80, 89, 5000, 81);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.v[0].status, DOCTOR_FAIL);
	assert_non_null(strstr(r.v[0].detail, "ip_unprivileged_port_start=1024"));
	assert_non_null(strstr(r.v[0].fix, "export ISOPOD_PORTS=1024-1033"));
	assert_non_null(strstr(r.v[0].fix, "ip_unprivileged_port_start=80"));
	assert_int_equal(r.v[1].status, DOCTOR_PASS);
	assert_int_equal(r.v[2].status, DOCTOR_PASS);
	assert_int_equal(r.v[3].status, DOCTOR_PASS);
	assert_non_null(strstr(r.v[3].detail, "ip_unprivileged_port_start=0"));
	assert_null(r.v[3].fix);
	assert_int_equal(r.v[4].status, DOCTOR_PASS);
	assert_int_equal(r.v[5].status, DOCTOR_FAIL);
	assert_non_null(strstr(r.v[5].fix, "export ISOPOD_PORTS=81-90"));
	doctor_report_release(&r);
}

/* The value as doctor and the lease registry read it (lease_unpriv_port_start), from made-up files: a number 0-65536, else the kernel's 1024. */
static void test_unpriv_port_start_file(void **state)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{"0\n", 0},        {"1024\n", 1024}, {"80", 80},      {"65536\n", 65536},
		{"65537\n", 1024}, {"-1\n", 1024},   {"abc\n", 1024}, {"", 1024},
	};
	char path[] = "/tmp/isopod-test-unpriv-XXXXXX";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, cases[i].text, strlen(cases[i].text)), (ssize_t)strlen(cases[i].text));
		close(fd);
		int got = lease_unpriv_port_start(path);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		if (got != cases[i].want)
			fail_msg("'%s' read as %d, expected %d", cases[i].text, got, cases[i].want);
	}
	assert_int_equal(lease_unpriv_port_start("/nonexistent/ip_unprivileged_port_start"), 1024);
}

/* How the registry was chosen decides the verdict: a host-wide registry passed over warns, never fails. */
static void test_registry_verdict(void **state)
{
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_FALLBACK, 1, 1, 0), DOCTOR_WARN);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_HOSTWIDE, 1, 1, 0), DOCTOR_PASS);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_PRIVATE, 1, 1, 0), DOCTOR_PASS);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_EXPLICIT, 1, 1, 0), DOCTOR_PASS);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_EXPLICIT, 0, 0, 0), DOCTOR_FAIL);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_FALLBACK, 0, 0, 0), DOCTOR_FAIL);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_HOSTWIDE, 1, 0, 0), DOCTOR_FAIL);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_HOSTWIDE, 1, 1, 2), DOCTOR_WARN);
	assert_int_equal(doctor_registry_verdict(LEASE_ORIGIN_EXPLICIT, 1, 1, 1), DOCTOR_WARN);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* The registry check over a configuration loaded with a made-up host-wide directory (never /var/lib/isopod). */
static struct doctor_result registry_check(struct doctor_report *r)
{
	struct iso_config cfg;
	struct iso_config_flags flags = {.no_repo = 1};
	struct iso_error *err = NULL;
	if (wo_config_load(&cfg, &flags, &err) < 0)
		fail_msg("config: %s", err->msg);
	doctor_check_registry(r, &cfg, geteuid());
	wo_config_release(&cfg);
	assert_int_equal(r->n, 1);
	return r->v[0];
}

static void test_check_registry(void **state)
{
	char root[] = "/tmp/isopod-doctor-reg-XXXXXX", p[128];
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/state", root);
	setenv("ISOPOD_STATE_DIR", p, 1);
	snprintf(p, sizeof(p), "%s/none.json", root);
	setenv("ISOPOD_HOST_CONFIG", p, 1);
	snprintf(p, sizeof(p), "%s/config", root);
	setenv("XDG_CONFIG_HOME", p, 1);
	unsetenv("ISOPOD_REGISTRY_DIR");
	snprintf(p, sizeof(p), "%s/hostwide", root);
	setenv("ISOPOD_HOST_REGISTRY_DIR", p, 1);

	/* Absent: the per-user registry, a pass that says ports are coordinated for this user only. */
	struct doctor_report r = {0};
	struct doctor_result v = registry_check(&r);
	assert_int_equal(v.status, DOCTOR_PASS);
	assert_non_null(strstr(v.detail, "no host-wide registry"));
	assert_null(v.fix);
	doctor_report_release(&r);

	/* Present but not setgid: passed over, a warning with the chmod that fixes it. */
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 0770), 0);
	v = registry_check(&r);
	assert_int_equal(v.status, DOCTOR_WARN);
	assert_non_null(strstr(v.detail, "per-user (fallback)"));
	assert_non_null(strstr(v.fix, "chmod g+s"));
	doctor_report_release(&r);

	/* Fixed: the host-wide registry itself. */
	assert_int_equal(chmod(p, 02770), 0);
	v = registry_check(&r);
	assert_int_equal(v.status, DOCTOR_PASS);
	assert_non_null(strstr(v.detail, p));
	assert_non_null(strstr(v.detail, "host-wide"));
	doctor_report_release(&r);

	/* Leases of this user left in the per-user registry from before: a warning naming ports --rebuild. */
	struct iso_error *err = NULL;
	struct lease_registry reg;
	struct lease_request req = {.uid = geteuid(), .profile = "hub", .wo = "wo-old", .low = 19940, .high = 19959};
	struct lease_grant g;
	snprintf(p, sizeof(p), "%s/state", root);
	assert_int_equal(lease_registry_open(&reg, p, 0, &err), 0);
	assert_int_equal(lease_acquire(&reg, &req, &g, &err), 0);
	lease_registry_release(&reg);
	v = registry_check(&r);
	assert_int_equal(v.status, DOCTOR_WARN);
	assert_non_null(strstr(v.detail, "1 lease of work orders from before"));
	assert_non_null(strstr(v.fix, "isopod ports --rebuild"));
	doctor_report_release(&r);

	unsetenv("ISOPOD_HOST_REGISTRY_DIR");
	unsetenv("ISOPOD_STATE_DIR");
	unsetenv("ISOPOD_HOST_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_report_cap(void **state)
{
	struct doctor_report r = {0};
	for (int i = 0; i < DOCTOR_MAX_CHECKS + 3; i++)
		doctor_add(&r, "x", DOCTOR_WARN, strdup("d"), strdup("f"));
	assert_int_equal(r.n, DOCTOR_MAX_CHECKS);
	assert_int_equal(doctor_count(&r, DOCTOR_WARN), DOCTOR_MAX_CHECKS);
	assert_string_equal(doctor_status_name(DOCTOR_SKIP), "skip");
	doctor_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subid_sum),        cmocka_unit_test(test_runtime_dir_problem),
		cmocka_unit_test(test_idmap_usable),     cmocka_unit_test(test_image_registry),
		cmocka_unit_test(test_check_subid_file), cmocka_unit_test(test_check_runtime_dir_unset),
		cmocka_unit_test(test_check_ports),      cmocka_unit_test(test_unpriv_port_start_file),
		cmocka_unit_test(test_report_cap),       cmocka_unit_test(test_registry_verdict),
		cmocka_unit_test(test_check_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
