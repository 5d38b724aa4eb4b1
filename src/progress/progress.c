/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress model's emit functions and its three renderers.  Emitters
 * format one message and hand an event on; the sink decides what it looks
 * like, so an MCP server can turn the same events into notifications.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "progress/progress.h"

#define MSG_MAX 512

int progress_request_parse(const char *mode, enum progress_request *req)
{
	static const struct {
		const char *name;
		enum progress_request req;
	} modes[] = {{"auto", PROGRESS_AUTO}, {"plain", PROGRESS_REQ_PLAIN}, {"json", PROGRESS_REQ_JSON}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(mode, modes[i].name)) {
			*req = modes[i].req;
			return 0;
		}
	return -1;
}

static int term_dumb(void)
{
	const char *t = getenv("TERM");
	return t && !strcmp(t, "dumb");
}

enum progress_format progress_cli_format(enum progress_request req, int quiet, int json, int fd)
{
	if (req == PROGRESS_REQ_JSON)
		return PROGRESS_JSON;
	if (quiet || json)
		return PROGRESS_NONE;
	if (req == PROGRESS_REQ_PLAIN || !isatty(fd) || term_dumb())
		return PROGRESS_PLAIN;
	return PROGRESS_TTY;
}

void progress_emit(const struct progress_sink *sink, const struct progress_event *ev)
{
	if (sink && sink->emit)
		sink->emit(sink->ctx, ev);
}

static void emitv(const struct progress_sink *sink, const char *step, enum progress_phase phase, long count, long total,
		  const char *fmt, va_list ap)
{
	if (!sink || !sink->emit)
		return;
	char msg[MSG_MAX];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct progress_event ev = {.step = step, .message = msg, .phase = phase, .count = count, .total = total};
	sink->emit(sink->ctx, &ev);
}

#define EMIT_WITH(phase, count, total)                                                                                 \
	do {                                                                                                           \
		va_list ap;                                                                                            \
		va_start(ap, fmt);                                                                                     \
		emitv(sink, step, phase, count, total, fmt, ap);                                                       \
		va_end(ap);                                                                                            \
	} while (0)

void progress_step(const struct progress_sink *sink, const char *step, const char *fmt, ...)
{
	EMIT_WITH(PROGRESS_START, -1, 0);
}

void progress_count(const struct progress_sink *sink, const char *step, long count, long total, const char *fmt, ...)
{
	EMIT_WITH(PROGRESS_UPDATE, count, total);
}

void progress_done(const struct progress_sink *sink, const char *step, const char *fmt, ...)
{
	EMIT_WITH(PROGRESS_DONE, -1, 0);
}

void progress_fail(const struct progress_sink *sink, const char *step, const char *fmt, ...)
{
	EMIT_WITH(PROGRESS_FAIL, -1, 0);
}

/* ---- renderers ---- */

static const char *phase_name(enum progress_phase p)
{
	switch (p) {
	case PROGRESS_START:
		return "start";
	case PROGRESS_UPDATE:
		return "update";
	case PROGRESS_DONE:
		return "done";
	case PROGRESS_FAIL:
		return "fail";
	}
	return "update";
}

void progress_render_init(struct progress_render *pr, enum progress_format format, FILE *out)
{
	*pr = (struct progress_render){.format = format, .out = out, .width = 80, .t0_ms = iso_now_ms()};
	if (format != PROGRESS_TTY)
		return;
	int fd = fileno(out);
	struct winsize ws;
	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		pr->width = ws.ws_col;
	pr->colour = fd >= 0 && iso_colour_ok(fd) && !term_dumb();
}

/* "MESSAGE (N/M)", "MESSAGE (N)" or "MESSAGE" into BUF. */
static void with_count(char *buf, size_t size, const struct progress_event *ev)
{
	const char *m = ev->message ? ev->message : "";
	if (ev->count >= 0 && ev->total > 0)
		snprintf(buf, size, "%s (%ld/%ld)", m, ev->count, ev->total);
	else if (ev->count >= 0)
		snprintf(buf, size, "%s (%ld)", m, ev->count);
	else
		snprintf(buf, size, "%s", m);
}

/* Write at most COLS characters of S (UTF-8: continuation bytes take no column). */
static void put_cut(FILE *out, const char *s, int cols)
{
	int used = 0;
	for (; *s; s++) {
		int starts = ((unsigned char)*s & 0xC0) != 0x80;
		if (starts && used == cols)
			break;
		used += starts;
		fputc(*s, out);
	}
}

static void render_tty(struct progress_render *pr, const struct progress_event *ev)
{
	char text[MSG_MAX + 64];
	with_count(text, sizeof(text), ev);
	int end = ev->phase == PROGRESS_DONE || ev->phase == PROGRESS_FAIL;
	if (ev->phase == PROGRESS_FAIL && pr->line_open) {
		/* The step that failed stays on screen; the error follows on the next line. */
		progress_render_end(pr);
		return;
	}
	fputs("\r\033[K", pr->out);
	if (ev->phase == PROGRESS_DONE) {
		fputs(pr->colour ? "\033[32m" : "", pr->out);
		put_cut(pr->out, text, pr->width - 1);
		fputs(pr->colour ? "\033[0m" : "", pr->out);
	} else {
		const char *on = !pr->colour ? "" : ev->phase == PROGRESS_FAIL ? "\033[31m" : "\033[1m";
		int room = pr->width - 1 - (int)strlen(ev->step) - 2;
		fprintf(pr->out, "%s%s%s: ", on, ev->step, pr->colour ? "\033[0m" : "");
		put_cut(pr->out, text, room > 0 ? room : 0);
	}
	if (end)
		fputc('\n', pr->out);
	pr->line_open = !end;
	fflush(pr->out);
}

static void render_json(struct progress_render *pr, const struct progress_event *ev)
{
	cleanup_jgen iso_jgen *j = iso_jgen_new(0);
	iso_jgen_map_open(j);
	iso_jgen_kv_string(j, "step", ev->step);
	iso_jgen_kv_string(j, "phase", phase_name(ev->phase));
	iso_jgen_kv_string(j, "message", ev->message ? ev->message : "");
	if (ev->count >= 0)
		iso_jgen_kv_int(j, "count", ev->count);
	if (ev->total > 0)
		iso_jgen_kv_int(j, "total", ev->total);
	iso_jgen_kv_int(j, "elapsed_ms", (long long)(iso_now_ms() - pr->t0_ms));
	iso_jgen_map_close(j);
	size_t len = 0;
	const char *doc = iso_jgen_finish(j, &len, NULL);
	if (doc) {
		fwrite(doc, 1, len, pr->out);
		fputc('\n', pr->out);
		fflush(pr->out);
	}
}

static void render(void *ctx, const struct progress_event *ev)
{
	struct progress_render *pr = ctx;
	char text[MSG_MAX + 64];
	switch (pr->format) {
	case PROGRESS_NONE:
		return;
	case PROGRESS_TTY:
		render_tty(pr, ev);
		return;
	case PROGRESS_JSON:
		render_json(pr, ev);
		return;
	case PROGRESS_PLAIN:
		with_count(text, sizeof(text), ev);
		fprintf(pr->out, "%s: %s\n", ev->step, text);
		fflush(pr->out);
		return;
	}
}

struct progress_sink progress_render_sink(struct progress_render *pr)
{
	return (struct progress_sink){.emit = pr->format == PROGRESS_NONE ? NULL : render, .ctx = pr};
}

void progress_render_end(struct progress_render *pr)
{
	if (pr->format != PROGRESS_TTY || !pr->line_open)
		return;
	fputc('\n', pr->out);
	fflush(pr->out);
	pr->line_open = 0;
}
