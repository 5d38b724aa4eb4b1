/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testrun/tags.h - Odoo's --test-tags syntax, checked before a run starts.
 *
 * A spec is a comma-separated list of filters, each
 *   [-|+][TAG|*][/MODULE[/PATH.py]][:CLASS][.METHOD][[PARAMS]]
 * as odoo/tests/tag_selector.py reads them (spaces around a filter are
 * dropped).  tr_tags_check says whether SPEC is one; it never runs Odoo.
 */
#ifndef ISOPOD_TESTRUN_TAGS_H
#define ISOPOD_TESTRUN_TAGS_H

#include <stddef.h>

/* 0 when SPEC is a valid --test-tags spec; -1 with WHY (the bad filter and what is wrong). */
int tr_tags_check(const char *spec, char *why, size_t why_size);

#endif
