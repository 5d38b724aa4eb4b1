/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport-neutral half of podman/transport.h: releasing a response
 * and dispatching through the vtables.  Kept apart from the curl transport
 * so the files that only read answers do not depend on it, and the unit
 * tests' fake transport releases its answers the same way.
 */
#include <stdlib.h>
#include "podman/transport.h"

void podman_response_release(struct podman_response *r)
{
	free(r->body);
	free(r->api_version);
	r->body = r->api_version = NULL;
	r->len = 0;
}

void podman_raw_close(struct podman_raw *r)
{
	if (r)
		r->ops->close(r);
}

void podman_transport_free(struct podman_transport *t)
{
	if (t)
		t->ops->free(t);
}
