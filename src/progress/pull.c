/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image pull's lines as Podman 4.3's libpod pull stream gives them
 * ({"stream": "..."}: "Trying to pull REF...", "Getting image source
 * signatures", "Copying blob sha256:HEX", "Copying config sha256:HEX",
 * "Writing manifest to image destination", "Storing signatures").  The
 * stream tells no bytes and not how many blobs come, so blobs are counted
 * as they start and no total is given.  A "sha256:HEX" digest becomes its
 * first 12 hex digits, as podman prints image IDs, so the line fits a terminal.
 */
#include <string.h>

#include "progress/progress.h"

#define DIGEST "sha256:"
#define DIGEST_SHOWN 12

/* LINE with a "sha256:HEX" as its first DIGEST_SHOWN digits, into BUF. */
static void shorten(const char *line, char *buf, size_t size)
{
	const char *d = strstr(line, DIGEST);
	size_t hex = d ? strspn(d + strlen(DIGEST), "0123456789abcdef") : 0;
	if (hex <= DIGEST_SHOWN) {
		snprintf(buf, size, "%s", line);
		return;
	}
	const char *rest = d + strlen(DIGEST) + hex;
	snprintf(buf, size, "%.*s%.*s%s", (int)(d - line), line, DIGEST_SHOWN, d + strlen(DIGEST), rest);
}

void progress_pull_line(struct progress_pull *st, const char *line)
{
	const struct progress_sink *sink = st->sink;
	char msg[256];
	shorten(line, msg, sizeof(msg));
	if (!strncmp(line, "Copying blob ", 13))
		progress_count(sink, "pull", ++st->blobs, 0, "%s: %s", st->image, msg);
	else
		progress_count(sink, "pull", -1, 0, "%s: %s", st->image, msg);
}
