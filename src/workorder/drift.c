/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drift of a pod against its configuration now (workorder/drift.h): `ls`
 * and `status` ask it for pods of many profiles and repositories, so each
 * pair's configuration is loaded once, not once per pod.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "workorder/drift.h"

void wo_drift_init(struct wo_drift *d, const struct iso_config_flags *base)
{
	memset(d, 0, sizeof(*d));
	if (base)
		d->base = *base;
}

/* The cached configuration of PROFILE in REPO, loaded now when new; NULL when it cannot be had. */
static const struct iso_config *config_of(struct wo_drift *d, const char *profile, const char *repo)
{
	size_t k = 0;
	while (k < d->n && (strcmp(d->cache[k].profile, profile) || strcmp(d->cache[k].repo, repo)))
		k++;
	if (k == d->n) {
		if (d->n == WO_DRIFT_CACHED)
			return NULL;
		struct iso_config_flags f = d->base;
		f.profile = profile;
		f.repo = repo[0] ? repo : NULL;
		f.no_repo = !repo[0];
		d->cache[k].repo = xstrdup(repo);
		snprintf(d->cache[k].profile, sizeof(d->cache[k].profile), "%s", profile);
		struct iso_error *e = NULL;
		d->cache[k].ok = wo_config_load(&d->cache[k].cfg, &f, &e) == 0;
		if (!d->cache[k].ok)
			iso_debug("drift of profile '%s' unknown: %s", profile, e->msg);
		iso_error_free(e);
		d->n++;
	}
	return d->cache[k].ok ? &d->cache[k].cfg : NULL;
}

int wo_drift_of(struct wo_drift *d, const char *profile, const char *repo, const char *pod_hash,
		const int ports[ISO_PORT_PURPOSES])
{
	const struct iso_config *cfg = config_of(d, profile, repo ? repo : "");
	if (!cfg)
		return -1;
	char hash[17];
	wo_config_hash(cfg, ports, hash);
	return strcmp(hash, pod_hash) != 0;
}

void wo_drift_release(struct wo_drift *d)
{
	for (size_t k = 0; k < d->n; k++) {
		if (d->cache[k].ok)
			wo_config_release(&d->cache[k].cfg);
		free(d->cache[k].repo);
	}
	d->n = 0;
}
