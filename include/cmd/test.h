/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/test.h - `isopod test`'s two halves: what to run and running it
 * (test_run.c), the command line and the report (test.c).
 */
#ifndef ISOPOD_CMD_TEST_H
#define ISOPOD_CMD_TEST_H

#include <stdint.h>
#include <stdio.h>

#include "lifecycle/lifecycle.h"
#include "progress/progress.h"
#include "testrun/testrun.h"

#define TEST_HTTP_PORT "8169" /* the test run's own HTTP port: 8069 is the running Odoo's */
#define TEST_MODULES_MAX 256

enum test_mode { TEST_MODE_AUTO, TEST_MODE_INSTALL, TEST_MODE_UPGRADE };

struct test_plan {
	const char *modules[TEST_MODULES_MAX + 1]; /* NULL-terminated; owned by the plan */
	size_t n_modules;
	int named;        /* the modules were named on the command line */
	char *addons;     /* the addons directory looked in (owned) */
	const char *tags; /* --tags, or NULL */
	enum test_mode mode;
};

/* Who hears the run: the reader, the saved log, and what the user sees. */
struct test_watch {
	struct tr_reader *reader;
	FILE *log;                        /* the saved log, or NULL */
	int stream;                       /* copy each line to stderr */
	const struct progress_sink *sink; /* per module and test events (may be NULL) */
	struct progress_odoo odoo;        /* module loading, for the sink */
	long started;                     /* tests started */
	long lines;
};

/*
 * The modules to test: NAMES (NULL-terminated, may be empty: every module
 * of the repository's addons directory), each checked to be a module there.
 */
int test_plan_modules(struct test_plan *p, const char *repo_dir, char *const *names, struct iso_error **err);
void test_plan_release(struct test_plan *p);

/* The one-shot's command line, NULL-terminated (owned strings in *own, freed by the caller). */
const char **test_plan_argv(const struct test_plan *p, const char *db, char **own);

/* One line of the run's output to everyone who hears it. */
void test_watch_line(void *ctx, int is_stderr, const char *line);

#endif
