/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding the service the way podman-remote does, so `isopod` and `podman
 * --remote` agree on which Podman they talk to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/cleanup.h"
#include "base/util.h"
#include "podman/transport.h"

void podman_endpoint_release(struct podman_endpoint *ep)
{
	free(ep->uri);
	free(ep->path);
	free(ep->base);
	ep->uri = ep->path = ep->base = NULL;
}

int podman_endpoint_parse(const char *uri, struct podman_endpoint *out, struct iso_error **err)
{
	if (!uri || !*uri)
		return iso_error_set(err, ISO_E_USAGE, EINVAL,
				     "empty podman endpoint; use unix:///path or tcp://host:port");
	if (iso_str_has_prefix(uri, "unix://")) {
		const char *p = uri + 7;
		if (p[0] != '/')
			return iso_error_set(err, ISO_E_USAGE, EINVAL,
					     "podman endpoint '%s' needs an absolute socket path: unix:///path", uri);
		if (strlen(p) >= 108)
			return iso_error_set(err, ISO_E_USAGE, ENAMETOOLONG,
					     "podman socket path '%s' is longer than a unix socket allows", p);
		out->kind = PODMAN_EP_UNIX;
		out->uri = xstrdup(uri);
		out->path = xstrdup(p);
		out->base = xstrdup("http://d");
		out->is_default = 0;
		return 0;
	}
	if (iso_str_has_prefix(uri, "tcp://")) {
		const char *hp = uri + 6;
		size_t n = strcspn(hp, "/");
		const char *colon = memchr(hp, ':', n);
		long port;
		if (n == 0 || !colon || colon == hp)
			return iso_error_set(err, ISO_E_USAGE, EINVAL, "podman endpoint '%s' needs tcp://host:port",
					     uri);
		cleanup_free char *ps = xstrndup(colon + 1, (size_t)(hp + n - colon - 1));
		if (iso_parse_long(ps, 1, 65535, &port) < 0)
			return iso_error_set(err, ISO_E_USAGE, EINVAL, "podman endpoint '%s' has a bad port '%s'", uri,
					     ps);
		out->kind = PODMAN_EP_TCP;
		out->uri = xstrdup(uri);
		out->path = NULL;
		out->base = xasprintf("http://%.*s", (int)n, hp);
		out->is_default = 0;
		return 0;
	}
	if (iso_str_has_prefix(uri, "ssh://"))
		return iso_error_set(err, ISO_E_HOST, EPROTONOSUPPORT,
				     "podman endpoint '%s': ssh:// is not supported; forward the remote socket "
				     "(ssh -nNT -L /tmp/podman.sock:/run/user/UID/podman/podman.sock HOST) and set "
				     "CONTAINER_HOST=unix:///tmp/podman.sock",
				     uri);
	return iso_error_set(err, ISO_E_USAGE, EINVAL,
			     "podman endpoint '%s' has an unknown scheme; use unix:///path or tcp://host:port", uri);
}

int podman_endpoint_discover(const char *container_host, const char *xdg_runtime_dir, uid_t uid,
			     struct podman_endpoint *out, struct iso_error **err)
{
	cleanup_free char *uri = NULL;
	if (container_host && *container_host) {
		if (podman_endpoint_parse(container_host, out, err) < 0)
			return iso_error_wrap(err, "CONTAINER_HOST");
		return 0;
	}
	if (uid == 0) {
		uri = xstrdup("unix:///run/podman/podman.sock");
	} else {
		if (!xdg_runtime_dir || !*xdg_runtime_dir)
			return iso_error_set(
				err, ISO_E_HOST, ENOENT,
				"XDG_RUNTIME_DIR is not set, so the rootless podman socket cannot be "
				"found; set it (e.g. XDG_RUNTIME_DIR=/run/user/%u, a 0700 directory you own) "
				"or set CONTAINER_HOST=unix:///path/to/podman.sock",
				(unsigned)uid);
		if (xdg_runtime_dir[0] != '/')
			return iso_error_set(
				err, ISO_E_HOST, EINVAL,
				"XDG_RUNTIME_DIR '%s' is not an absolute path; fix it or set CONTAINER_HOST",
				xdg_runtime_dir);
		uri = xasprintf("unix://%s/podman/podman.sock", xdg_runtime_dir);
	}
	if (podman_endpoint_parse(uri, out, err) < 0)
		return -1;
	out->is_default = 1;
	return 0;
}

int podman_endpoint_from_env(struct podman_endpoint *out, struct iso_error **err)
{
	return podman_endpoint_discover(getenv("CONTAINER_HOST"), getenv("XDG_RUNTIME_DIR"), geteuid(), out, err);
}
