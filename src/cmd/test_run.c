/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isopod test, what to run: the modules (named, or every module of the
 * repository's addons directory), the one-shot's command line, and the
 * lines of its output handed to the verdict's reader, the saved log and the
 * user (the log itself, or progress per module and test).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cmd/test.h"

/* An Odoo module's technical name: letters, digits, '_'. */
static int module_name_ok(const char *s)
{
	if (!*s || strlen(s) > 128)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* Whether DIR/NAME is a module: a directory with a manifest (links not followed). */
static int is_module(const char *dir, const char *name)
{
	static const char *const manifests[] = {"__manifest__.py", "__openerp__.py"};
	for (size_t i = 0; i < ISO_ARRAY_SIZE(manifests); i++) {
		char *p = xasprintf("%s/%s/%s", dir, name, manifests[i]);
		struct stat st;
		int ok = lstat(p, &st) == 0 && S_ISREG(st.st_mode);
		free(p);
		if (ok)
			return 1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every module of P->addons, sorted. */
static int list_modules(struct test_plan *p, struct iso_error **err)
{
	DIR *d = opendir(p->addons);
	if (!d)
		return iso_error_set(err, ISO_E_USAGE, errno,
				     "no modules to test: cannot read the addons directory '%s' (%s); name the "
				     "modules, or give the repository with --repo",
				     p->addons, strerror(errno));
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || !module_name_ok(e->d_name) || !is_module(p->addons, e->d_name))
			continue;
		if (p->n_modules == TEST_MODULES_MAX) {
			closedir(d);
			return iso_error_set(
				err, ISO_E_USAGE, E2BIG,
				"the addons directory '%s' has more than %d modules; name the ones to test", p->addons,
				TEST_MODULES_MAX);
		}
		p->modules[p->n_modules++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(p->modules, p->n_modules, sizeof(*p->modules), by_name);
	if (!p->n_modules)
		return iso_error_set(err, ISO_E_USAGE, ENOENT,
				     "no modules to test: the addons directory '%s' has no module (a directory "
				     "with a __manifest__.py); name the modules",
				     p->addons);
	return 0;
}

int test_plan_modules(struct test_plan *p, const char *repo_dir, char *const *names, struct iso_error **err)
{
	p->addons = repo_dir ? xasprintf("%s/addons", repo_dir) : NULL;
	if (!names || !*names) {
		if (!p->addons)
			return iso_error_set(err, ISO_E_USAGE, ENOENT,
					     "no modules to test: there is no repository (run in a git checkout, or "
					     "give --repo DIR) and no module was named");
		return list_modules(p, err);
	}
	p->named = 1;
	for (char *const *n = names; *n; n++) {
		if (!module_name_ok(*n))
			return iso_error_set(err, ISO_E_USAGE, EINVAL,
					     "'%s' is not a module name (letters, digits and '_' only)", *n);
		if (!p->addons || !is_module(p->addons, *n))
			return iso_error_set(err, ISO_E_USAGE, ENOENT,
					     "module '%s' is not in the addons path: looked in '%s' (the repository's "
					     "addons directory) for '%s/__manifest__.py'; check the name, or --repo",
					     *n, p->addons ? p->addons : "(no repository)", *n);
		int dup = 0;
		for (size_t i = 0; i < p->n_modules; i++)
			dup |= !strcmp(p->modules[i], *n);
		if (dup)
			continue;
		if (p->n_modules == TEST_MODULES_MAX)
			return iso_error_set(err, ISO_E_USAGE, E2BIG, "more than %d modules named", TEST_MODULES_MAX);
		p->modules[p->n_modules++] = xstrdup(*n);
	}
	return 0;
}

void test_plan_release(struct test_plan *p)
{
	for (size_t i = 0; i < p->n_modules; i++)
		free((char *)p->modules[i]);
	p->n_modules = 0;
	free(p->addons);
	p->addons = NULL;
}

/* "a,b,c" of the plan's modules, or with PREFIX before each ("/a,/b"). */
static char *join_modules(const struct test_plan *p, const char *prefix)
{
	struct iso_buf b;
	iso_buf_init(&b, 0);
	for (size_t i = 0; i < p->n_modules; i++) {
		if (i)
			iso_buf_append(&b, ",", 1);
		iso_buf_append(&b, prefix, strlen(prefix));
		iso_buf_append(&b, p->modules[i], strlen(p->modules[i]));
	}
	return iso_buf_steal(&b, NULL);
}

/*
 * odoo -d DB -i M.. -u M.. --test-enable ...: both lists unless told, as
 * Odoo then installs those not installed (-i skips the installed) and
 * upgrades the installed (-u skips the others); the tests are the named
 * modules' (/M,..) unless --tags chooses.
 */
const char **test_plan_argv(const struct test_plan *p, const char *db, char **own)
{
	static const char *const fixed[] = {"--test-enable",        "--stop-after-init", "--log-level=test",
					    "--max-cron-threads=0", "--http-port",       TEST_HTTP_PORT};
	const char **v = xzalloc(24 * sizeof(*v));
	size_t n = 0;
	v[n++] = "odoo";
	v[n++] = "-d";
	v[n++] = db;
	own[0] = join_modules(p, "");
	if (p->mode != TEST_MODE_UPGRADE) {
		v[n++] = "-i";
		v[n++] = own[0];
	}
	if (p->mode != TEST_MODE_INSTALL) {
		v[n++] = "-u";
		v[n++] = own[0];
	}
	for (size_t i = 0; i < ISO_ARRAY_SIZE(fixed); i++)
		v[n++] = fixed[i];
	own[1] = p->tags ? NULL : join_modules(p, "/");
	v[n++] = "--test-tags";
	v[n++] = p->tags ? p->tags : own[1];
	return v;
}

/* "odoo.addons.MOD.tests...: Starting Class.test_x ..." as a progress event. */
static void progress_test(struct test_watch *x, const char *line)
{
	const char *m = strstr(line, " odoo.addons."), *s = strstr(line, ": Starting ");
	if (!m || !s || s < m)
		return;
	m += strlen(" odoo.addons.");
	const char *dot = strchr(m, '.');
	s += strlen(": Starting ");
	size_t len = strlen(s);
	if (len >= 4 && !strcmp(s + len - 4, " ..."))
		len -= 4;
	x->started++;
	progress_count(x->sink, "test", x->started, -1, "%.*s: %.*s", (int)(dot && dot < s ? dot - m : 0), m,
		       (int)(len > 200 ? 200 : len), s);
}

void test_watch_line(void *ctx, int is_stderr, const char *line)
{
	struct test_watch *x = ctx;
	x->lines++;
	tr_reader_line(x->reader, line);
	if (x->log) {
		fputs(line, x->log);
		fputc('\n', x->log);
	}
	if (x->stream) {
		fputs(line, stderr);
		fputc('\n', stderr);
	}
	if (x->sink && x->sink->emit && !progress_odoo_line(&x->odoo, line, x->sink))
		progress_test(x, line);
}
