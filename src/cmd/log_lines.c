/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lines of `isopod logs --json` (cmd/log_lines.h).  Podman's frames
 * are written as the container wrote them, not a line each, so the lines
 * are cut here, and a machine gets whole lines whatever the frames were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "cmd/log_lines.h"

#define LOG_LINE_MAX (1u << 20)

void cmd_log_lines_init(struct cmd_log_lines *l, int follow, FILE *out)
{
	memset(l, 0, sizeof(*l));
	l->follow = follow;
	l->out = out;
	l->g = iso_jgen_new(0);
	iso_buf_init(&l->part[0], 0);
	iso_buf_init(&l->part[1], 0);
	if (!follow) {
		iso_jgen_map_open(l->g);
		iso_jgen_key(l->g, "lines");
		iso_jgen_array_open(l->g);
	}
}

void cmd_log_lines_release(struct cmd_log_lines *l)
{
	iso_jgen_free(l->g);
	l->g = NULL;
	iso_buf_release(&l->part[0]);
	iso_buf_release(&l->part[1]);
	iso_error_free(l->err);
	l->err = NULL;
}

/* One whole line: into the document, or (follow) out as a line of its own. */
static int emit(struct cmd_log_lines *l, enum podman_stream_id stream, const char *text, size_t len)
{
	iso_jgen_map_open(l->g);
	iso_jgen_kv_string(l->g, "stream", stream == PODMAN_STDERR ? "stderr" : "stdout");
	iso_jgen_key(l->g, "text");
	iso_jgen_stringn(l->g, text, len); /* bytes that are not UTF-8 become U+FFFD */
	iso_jgen_map_close(l->g);
	size_t n = 0;
	const char *doc = iso_jgen_finish(l->g, &n, &l->err);
	if (!doc)
		return 1;
	if (!l->follow) {
		if (n <= CMD_LOG_LINES_DOC_CAP)
			return 0;
		iso_error_set(&l->err, ISO_E_USAGE, 0,
			      "the log is over %u MiB as one JSON document; 'isopod logs --tail N --json' takes "
			      "the last N lines, 'isopod logs --follow --json' prints a line at a time",
			      CMD_LOG_LINES_DOC_CAP >> 20);
		return 1;
	}
	int ok = fwrite(doc, 1, n, l->out) == n && fputc('\n', l->out) != EOF && fflush(l->out) == 0;
	iso_jgen_reset(l->g);
	l->gone = !ok;
	return !ok;
}

int cmd_log_lines_feed(struct cmd_log_lines *l, enum podman_stream_id stream, const char *data, size_t len)
{
	if (l->err || l->gone)
		return 1;
	struct iso_buf *part = &l->part[stream == PODMAN_STDERR];
	const char *nl;
	while (len && (nl = memchr(data, '\n', len))) {
		size_t k = (size_t)(nl - data);
		int stop;
		if (part->len) {
			iso_buf_append(part, data, k);
			stop = emit(l, stream, part->data, part->len);
			part->len = 0;
		} else {
			stop = emit(l, stream, data, k);
		}
		if (stop)
			return 1;
		data += k + 1;
		len -= k + 1;
	}
	if (len)
		iso_buf_append(part, data, len);
	/* A line that never ends (a progress bar's \r, binary output) is let out in pieces
	 * of LOG_LINE_MAX, so memory stays bounded and --follow keeps showing it. */
	if (part->len >= LOG_LINE_MAX) {
		int stop = emit(l, stream, part->data, part->len);
		part->len = 0;
		return stop;
	}
	return 0;
}

int cmd_log_lines_end(struct cmd_log_lines *l, struct iso_error **err)
{
	for (int s = 0; s < 2 && !l->err && !l->gone; s++)
		if (l->part[s].len && !emit(l, s ? PODMAN_STDERR : PODMAN_STDOUT, l->part[s].data, l->part[s].len))
			l->part[s].len = 0;
	if (l->err) {
		iso_error_move(err, l->err);
		l->err = NULL;
		return -1;
	}
	if (l->follow || l->gone)
		return 0;
	iso_jgen_array_close(l->g);
	iso_jgen_map_close(l->g);
	size_t n = 0;
	const char *doc = iso_jgen_finish(l->g, &n, err);
	if (!doc)
		return -1;
	if (fwrite(doc, 1, n, l->out) != n || fputc('\n', l->out) == EOF || fflush(l->out) != 0)
		return iso_error_set(err, ISO_E_INTERNAL, errno, "cannot write the log document: %s", strerror(errno));
	return 0;
}
