/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default lease registry (no registry_dir configured): the host-wide one
 * when this user may use it, else the per-user one, with one warning line
 * when the host-wide one exists but is passed over and none when it does not
 * exist.  The host-wide directory is a temporary one named by
 * ISOPOD_HOST_REGISTRY_DIR, never the host's /var/lib/isopod; no host or
 * user configuration file of the machine is read.
 */
#include <errno.h>
#include <grp.h>
#include <sys/wait.h>

#include "iso_test.h"
#include "test_lease.h"
#include "base/log.h"

#define OTHER_GID 59998 /* a group the unprivileged child is not in */
#define NOBODY 65534

struct fx {
	char root[64];
	char *state, *hostwide, *explicit_dir;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *p;

	snprintf(f->root, sizeof(f->root), "/tmp/isopod-hw-XXXXXX");
	if (!mkdtemp(f->root) || chmod(f->root, 0755) < 0)
		return -1;
	f->state = xasprintf("%s/state", f->root);
	f->hostwide = xasprintf("%s/hostwide", f->root);
	f->explicit_dir = xasprintf("%s/explicit", f->root);
	p = xasprintf("%s/home", f->root);
	setenv("HOME", p, 1);
	free(p);
	p = xasprintf("%s/config", f->root); /* absent: no user file */
	setenv("XDG_CONFIG_HOME", p, 1);
	free(p);
	p = xasprintf("%s/no-host-config.json", f->root);
	setenv("ISOPOD_HOST_CONFIG", p, 1);
	free(p);
	setenv("ISOPOD_STATE_DIR", f->state, 1);
	setenv("ISOPOD_HOST_REGISTRY_DIR", f->hostwide, 1);
	unsetenv("ISOPOD_REGISTRY_DIR");
	unsetenv("XDG_STATE_HOME");
	iso_log_level = ISO_LOG_INFO;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->root, tl_rm, 8, FTW_DEPTH | FTW_PHYS);
	free(f->state);
	free(f->hostwide);
	free(f->explicit_dir);
	free(f);
	return 0;
}

/* A directory of MODE (umask aside) and group GID. */
static void make_dir(const char *dir, mode_t mode, gid_t gid)
{
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chown(dir, (uid_t)-1, gid), 0);
	assert_int_equal(chmod(dir, mode), 0);
}

/* What the default registry is for this process: its directory, shared or not, and what was printed. */
struct opened {
	char dir[256];
	int rc, shared, warnings;
	char text[1024];
};

static void open_default(struct opened *o)
{
	struct iso_config cfg;
	struct iso_config_flags flags = {.no_repo = 1};
	struct lease_registry reg;
	struct iso_error *err = NULL;
	FILE *cap = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	memset(o, 0, sizeof(*o));
	if (wo_config_load(&cfg, &flags, &err) < 0) {
		snprintf(o->text, sizeof(o->text), "config: %s", err->msg);
		iso_error_free(err);
		o->rc = -2;
		return;
	}
	fflush(stderr);
	dup2(fileno(cap), STDERR_FILENO);
	o->rc = lease_registry_open_config(&reg, &cfg, &err);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(cap);
	n = fread(o->text, 1, sizeof(o->text) - 1, cap);
	o->text[n] = '\0';
	fclose(cap);
	for (const char *p = o->text; (p = strstr(p, "warning: ")); p++)
		o->warnings++;
	if (o->rc == 0) {
		snprintf(o->dir, sizeof(o->dir), "%s", reg.dir);
		o->shared = reg.shared;
		lease_registry_release(&reg);
	} else {
		snprintf(o->text + n, sizeof(o->text) - n, "open: %s", err->msg);
		iso_error_free(err);
	}
	wo_config_release(&cfg);
}

static void test_hostwide_used(void **state)
{
	struct fx *f = *state;
	struct opened o;

	make_dir(f->hostwide, 02770, getegid());
	open_default(&o);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.dir, f->hostwide);
	assert_true(o.shared);
	assert_int_equal(o.warnings, 0);
}

static void test_hostwide_breaks_rules(void **state)
{
	struct fx *f = *state;
	struct opened o;

	make_dir(f->hostwide, 0770, getegid()); /* not setgid */
	open_default(&o);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.dir, f->state);
	assert_false(o.shared);
	assert_int_equal(o.warnings, 1);
	assert_non_null(strstr(o.text, f->hostwide));
	assert_non_null(strstr(o.text, "chmod g+s"));
	/* One line, and the per-user registry works: it was made. */
	assert_non_null(strchr(o.text, '\n'));
	assert_null(strchr(strchr(o.text, '\n') + 1, '\n'));
	struct stat st;
	assert_int_equal(stat(f->state, &st), 0);
}

static void test_hostwide_absent(void **state)
{
	struct fx *f = *state;
	struct opened o;

	open_default(&o);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.dir, f->state);
	assert_false(o.shared);
	assert_int_equal(o.warnings, 0);
	assert_string_equal(o.text, "");
}

/* A user outside the directory's group (nobody, in a child) keeps the per-user registry, warned once. */
static void test_hostwide_not_in_group(void **state)
{
	struct fx *f = *state;
	int status;
	pid_t pid;

	iso_test_need(geteuid() == 0, "needs root to become an unprivileged user outside the registry's group");
	make_dir(f->hostwide, 02770, OTHER_GID);
	make_dir(f->state, 0700, NOBODY);
	assert_int_equal(chown(f->state, NOBODY, NOBODY), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct opened o;
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(2);
		open_default(&o);
		if (o.rc != 0 || strcmp(o.dir, f->state) || o.shared || o.warnings != 1 ||
		    !strstr(o.text, "usermod -aG")) {
			fprintf(stderr, "child: rc %d dir '%s' shared %d warnings %d: %s\n", o.rc, o.dir, o.shared,
				o.warnings, o.text);
			_exit(1);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_explicit_wins(void **state)
{
	struct fx *f = *state;
	struct opened o;

	make_dir(f->hostwide, 02770, getegid());
	make_dir(f->explicit_dir, 02770, getegid());
	setenv("ISOPOD_REGISTRY_DIR", f->explicit_dir, 1);
	open_default(&o);
	unsetenv("ISOPOD_REGISTRY_DIR");
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.dir, f->explicit_dir);
	assert_true(o.shared);
	/* An explicit directory that breaks the rules is still an error, not a fallback. */
	assert_int_equal(chmod(f->explicit_dir, 0770), 0);
	setenv("ISOPOD_REGISTRY_DIR", f->explicit_dir, 1);
	open_default(&o);
	unsetenv("ISOPOD_REGISTRY_DIR");
	assert_int_equal(o.rc, -1);
	assert_non_null(strstr(o.text, "chmod g+s"));
}

static void test_hostwide_env_relative(void **state)
{
	struct opened o;

	(void)state;
	setenv("ISOPOD_HOST_REGISTRY_DIR", "var/lib/isopod", 1);
	open_default(&o);
	assert_int_equal(o.rc, -2);
	assert_non_null(strstr(o.text, "ISOPOD_HOST_REGISTRY_DIR"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostwide_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostwide_breaks_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostwide_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostwide_not_in_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostwide_env_relative, setup, teardown),
	};
	return cmocka_run_group_tests_name("lease-default", tests, NULL, NULL);
}
