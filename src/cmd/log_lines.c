/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lines of `isopod logs --json` (cmd/log_lines.h).  Podman's frames
 * are written as the container wrote them, not a line each, so the lines
 * are cut here, and a machine gets whole lines whatever the frames were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "cmd/log_lines.h"

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

/* The length of the well-formed UTF-8 sequence at S (N bytes left), 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t k = s[0] < 0x80             ? 1
		   : (s[0] & 0xe0) == 0xc0 ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4
					   : 0;
	if (k <= 1 || k > n)
		return k == 1;
	unsigned cp = s[0] & (0x7fu >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* TEXT as a JSON string, each byte that starts no well-formed sequence as U+FFFD. */
static void put_text(iso_jgen *g, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, k;
	while (i < len && (k = utf8_seq(s + i, len - i)))
		i += k;
	if (i == len) {
		iso_jgen_stringn(g, text, len);
		return;
	}
	struct iso_buf b;
	iso_buf_init(&b, 0);
	for (i = 0; i < len; i += k ? k : 1) {
		k = utf8_seq(s + i, len - i);
		iso_buf_append(&b, k ? text + i : "\xef\xbf\xbd", k ? k : 3);
	}
	iso_jgen_stringn(g, b.data, b.len);
	iso_buf_release(&b);
}

/* One whole line: into the document, or (follow) out as a line of its own. */
static int emit(struct cmd_log_lines *l, enum podman_stream_id stream, const char *text, size_t len)
{
	iso_jgen_map_open(l->g);
	iso_jgen_kv_string(l->g, "stream", stream == PODMAN_STDERR ? "stderr" : "stdout");
	iso_jgen_key(l->g, "text");
	put_text(l->g, text, len);
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
	fprintf(l->out, "%.*s\n", (int)n, doc);
	return 0;
}
