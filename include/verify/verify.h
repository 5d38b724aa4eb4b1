/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify/verify.h - prove a work order's isolation: gather from Podman and
 * the netns module what the six checks of verify/checks.h need, and
 * evaluate them there.
 *
 * src/ finds the pod by its labels and reads from Podman the PIDs, the
 * network mode and its options, the published ports of every work order,
 * and the infra container's hosts file; the netns module enters the pod's
 * namespaces, inspects them with libnl, and makes the connect probes.
 */
#ifndef ISOPOD_VERIFY_H
#define ISOPOD_VERIFY_H

/* At most this many options of the network mode are read (slirp4netns:a,b,...). */
#define VERIFY_OPTIONS_MAX 16

#include "base/error.h"
#include "verify/checks.h"
#include "workorder/workorder.h"

struct verify_outcome {
	char network_mode[32];
	char network_options[160]; /* comma-separated, as libpod gave them */
	long elapsed_ms;
	char reason[512]; /* "" when the checks ran; else why none could (the report is all unverified) */
	struct verify_report report;
};

/*
 * Run the six checks on W's running pod.  Errors: ISO_E_UNKNOWN (no such
 * work order), ISO_E_HOST (remote endpoint), and those of Podman.  A failed
 * check is not an error: it is in the report.  Nor is what would be an
 * ISO_E_ISOLATION error (the work order is down, its namespaces cannot be
 * entered): OUT->reason says it and every check of the report is unverified,
 * so the exit code 9 always comes with a report.
 */
int verify_run(struct wo_ctx *w, struct verify_outcome *out, struct iso_error **err);

#endif
