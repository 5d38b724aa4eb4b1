/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a configuration leaves on the host and on a pod (workorder/config.h):
 * the private state directory, made and checked, and the hash a pod carries
 * in io.isopod.config so drift can be told later.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "workorder/config.h"

int wo_config_ensure_state_dir(const struct iso_config *cfg, struct iso_error **err)
{
	if (iso_mkdir_p(cfg->state_dir, 0700, err) < 0)
		return iso_error_wrap(err, "state directory");
	struct stat st;
	if (lstat(cfg->state_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return iso_error_set(err, ISO_E_HOST, errno, "state directory '%s' is not a directory", cfg->state_dir);
	if (st.st_uid != geteuid())
		return iso_error_set(err, ISO_E_HOST, 0,
				     "state directory '%s' belongs to uid %u, not to you (uid %u); set "
				     "ISOPOD_STATE_DIR or XDG_STATE_HOME to a directory of your own",
				     cfg->state_dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & 0077) && chmod(cfg->state_dir, 0700) < 0)
		return iso_error_set(err, ISO_E_HOST, errno, "cannot make state directory '%s' private: %s",
				     cfg->state_dir, strerror(errno));
	return 0;
}

/* FNV-1a, 64 bits: stable across runs and machines, which is all a drift check needs. */
static void fnv(uint64_t *h, const char *s)
{
	for (; s && *s; s++) {
		*h ^= (unsigned char)*s;
		*h *= 1099511628211ULL;
	}
	*h ^= 0x1f; /* field separator */
	*h *= 1099511628211ULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void wo_config_hash(const struct iso_config *cfg, const int *ports, char out[17])
{
	uint64_t h = 1469598103934665603ULL;
	const struct iso_profile *p = &cfg->profile;
	fnv(&h, "isopod-config-1");
	fnv(&h, p->name);
	fnv(&h, p->odoo_image);
	fnv(&h, p->db_image);
	fnv(&h, p->host_address);
	char buf[32];
	for (int i = 0; i < ISO_PORT_PURPOSES; i++) {
		snprintf(buf, sizeof(buf), "%s=%d", wo_purpose_name(i), (p->ports & (1u << i)) && ports ? ports[i] : 0);
		fnv(&h, buf);
	}
	size_t n = 0;
	while (p->env && p->env[n])
		n++;
	const char **sorted = xzalloc((n + 1) * sizeof(char *));
	memcpy(sorted, p->env, n * sizeof(char *));
	qsort(sorted, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		fnv(&h, sorted[i]);
	free(sorted);
	fnv(&h, cfg->repo_dir ? cfg->repo_dir : "");
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
