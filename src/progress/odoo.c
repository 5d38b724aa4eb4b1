/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Odoo's own account of its initialisation, read from its log.  The line
 * format is odoo/netsvc.py's '%(asctime)s %(pid)s %(levelname)s %(dbname)s
 * %(name)s: %(message)s'; the texts are odoo/modules/loading.py's:
 * load_module_graph logs "loading N modules..." once per pass and
 * "Loading module NAME (n/m)" per module (INFO when it is installed or
 * updated, else DEBUG), where m is the pass's graph and n keeps counting
 * past the modules an earlier pass loaded; load_modules ends with
 * "Modules loaded.".  Nothing else of the log is read.
 */
#include <stdlib.h>
#include <string.h>

#include "progress/progress.h"

#define LOGGER " odoo.modules.loading: "
#define NAME_MAX_LEN 128

/* "NAME (n/m)" into NAME, N, M: 0, or -1 when S is not of that shape. */
static int module_index(const char *s, char *name, size_t size, long *n, long *m)
{
	const char *sp = strchr(s, ' ');
	if (!sp || sp == s || (size_t)(sp - s) >= size || sp[1] != '(')
		return -1;
	char *end;
	*n = strtol(sp + 2, &end, 10);
	if (end == sp + 2 || *end != '/')
		return -1;
	const char *ms = end + 1;
	*m = strtol(ms, &end, 10);
	if (end == ms || *end != ')' || *n < 1 || *m < *n)
		return -1;
	memcpy(name, s, (size_t)(sp - s));
	name[sp - s] = '\0';
	return 0;
}

int progress_odoo_line(struct progress_odoo *st, const char *line, const struct progress_sink *sink)
{
	const char *at = strstr(line, LOGGER);
	if (!at)
		return 0;
	const char *msg = at + strlen(LOGGER);
	size_t len = strcspn(msg, "\r\n");
	char name[NAME_MAX_LEN];
	long n, m;
	if (!strncmp(msg, "loading ", 8) && len >= 20 && !strncmp(msg + len - 11, " modules...", 11)) {
		char *end;
		long total = strtol(msg + 8, &end, 10);
		if (end == msg + 8 || end != msg + len - 11 || total < 1)
			return 0;
		st->pass++;
		st->total = total;
		st->count = 0;
		progress_count(sink, "init", 0, total, "loading pass %d", st->pass);
		return 1;
	}
	if (!strncmp(msg, "Loading module ", 15) && module_index(msg + 15, name, sizeof(name), &n, &m) == 0) {
		st->count = n;
		st->total = m;
		progress_count(sink, "init", n, m, "Loading module %s", name);
		return 1;
	}
	if (len == 15 && !strncmp(msg, "Modules loaded.", 15)) {
		st->loaded = 1;
		progress_count(sink, "init", st->total, st->total, "Modules loaded");
		return 1;
	}
	return 0;
}
