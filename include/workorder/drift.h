/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workorder/drift.h - has a pod drifted from the configuration it would be
 * made from now?
 *
 * A pod carries the hash of the configuration it was made from
 * (io.isopod.config, wo_config_hash).  Its drift is that hash against the
 * hash of the configuration of the pod's own profile and the repository it
 * was made in (not the current directory's), with the pod's ports.
 *
 * Calling sequence
 *   struct wo_drift d;
 *   wo_drift_init (&d, &flags);          // the flags every load starts from
 *   int drifted = wo_drift_of (&d, profile, repo, pod_hash, ports);
 *   ...                                  // once per pod
 *   wo_drift_release (&d);
 *
 * Each profile/repository pair is loaded once (up to WO_DRIFT_CACHED
 * pairs; beyond that the drift is unknown).  A configuration that does not
 * load makes the drift unknown, logged at debug level; nothing is printed
 * and nothing fails.
 */
#ifndef ISOPOD_WORKORDER_DRIFT_H
#define ISOPOD_WORKORDER_DRIFT_H

#include "workorder/config.h"

#define WO_DRIFT_CACHED 16

struct wo_drift {
	struct iso_config_flags base;
	struct {
		char profile[PROFILE_NAME_MAX + 1];
		char *repo; /* "" when the pod was made outside a repository */
		struct iso_config cfg;
		int ok; /* cfg loaded */
	} cache[WO_DRIFT_CACHED];
	size_t n;
};

/* Start from the flags BASE (copied; its strings are borrowed); profile and repository are each pod's. */
void wo_drift_init(struct wo_drift *d, const struct iso_config_flags *base);
/*
 * Whether the pod of PROFILE made in REPO ("" for none), labelled with
 * POD_HASH and publishing PORTS, would be made differently now: 1 yes,
 * 0 no, -1 unknown.
 */
int wo_drift_of(struct wo_drift *d, const char *profile, const char *repo, const char *pod_hash,
		const int ports[ISO_PORT_PURPOSES]);
void wo_drift_release(struct wo_drift *d);

#endif
