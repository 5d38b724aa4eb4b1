/* SPDX-License-Identifier: Apache-2.0 */
/* testrun/tr_internal.h - the per-test cases of a report, between reader.c and cases.c. */
#ifndef ISOPOD_TESTRUN_INTERNAL_H
#define ISOPOD_TESTRUN_INTERNAL_H

#include "testrun/testrun.h"

/* A started test DESC ("Class.method") of MOD (may be NULL); NULL past TR_MAX_CASES. */
struct tr_case *tr_case_add(struct tr_report *rep, const char *desc, const char *mod);
/* DESC_REASON is "Class.method[ : reason]"; takes MOD. */
void tr_case_skip(struct tr_report *rep, const char *desc_reason, char *mod);
void tr_case_set_failure(struct tr_report *rep, const struct tr_failure *f);

#endif
