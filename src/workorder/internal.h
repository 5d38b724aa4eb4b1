/* SPDX-License-Identifier: Apache-2.0 */
/* workorder/internal.h - what the files of src/workorder/ share and nothing else sees. */
#ifndef ISOPOD_WORKORDER_INTERNAL_H
#define ISOPOD_WORKORDER_INTERNAL_H

#include "base/error.h"

/*
 * ADDRESS must be an IPv4 or IPv6 address, and when it comes FROM_FLAG
 * (--bind) one of this host's; ISO_E_USAGE naming it (and PROFILE for a
 * file's host_address) otherwise (src/workorder/address.c).
 */
int wo_host_address_check(const char *address, int from_flag, const char *profile, struct iso_error **err);

#endif
