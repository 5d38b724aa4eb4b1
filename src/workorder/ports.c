/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The port vocabulary of a work order (workorder/ports.h): the purposes a
 * profile publishes, with their names and the ports inside the pod, and the
 * "LOW-HIGH" ranges of the configuration.  The lease file writes the same
 * names, which is why they live here, below both the loader and the lease.
 */
#include <string.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "workorder/ports.h"

static const char *const purpose_names[ISO_PORT_PURPOSES] = {"http", "websocket", "db"};
static const int purpose_ports[ISO_PORT_PURPOSES] = {8069, 8072, 5432};

const char *wo_purpose_name(enum iso_port_purpose p)
{
	return (unsigned)p < ISO_PORT_PURPOSES ? purpose_names[p] : "unknown";
}

int wo_port_candidate(int lost, int low, int high, int i)
{
	int n = high - low + 1;
	int first = lost >= low && lost <= high ? lost - low + 1 : 0;
	return low + (int)(((long)first + (i % n + n) % n) % n);
}

int wo_purpose_parse_n(const char *s, size_t n)
{
	for (int i = 0; s && i < ISO_PORT_PURPOSES; i++)
		/* The bytes need not end at N, and may hold a NUL (a damaged file): compare lengths first. */
		if (strlen(purpose_names[i]) == n && memcmp(s, purpose_names[i], n) == 0)
			return i;
	return -1;
}

int wo_purpose_parse(const char *s)
{
	return s ? wo_purpose_parse_n(s, strlen(s)) : -1;
}

int wo_purpose_container_port(enum iso_port_purpose p)
{
	return (unsigned)p < ISO_PORT_PURPOSES ? purpose_ports[p] : 0;
}

int wo_parse_port_range(const char *s, int *low, int *high, struct iso_error **err)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	long lo = 0, hi = 0;
	int ok = 0;
	if (dash) {
		cleanup_free char *a = xstrndup(s, (size_t)(dash - s));
		ok = iso_parse_long(a, 1, 65535, &lo) == 0 && iso_parse_long(dash + 1, 1, 65535, &hi) == 0 && lo <= hi;
	}
	if (!ok)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "port range '%s' is not LOW-HIGH with 1 <= LOW <= HIGH <= 65535 (e.g. 8090-8189)",
				     s ? s : "");
	*low = (int)lo;
	*high = (int)hi;
	return 0;
}
