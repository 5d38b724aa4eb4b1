/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress/progress.h - one progress model for the work that takes time.
 *
 * Emitters (cmd/, lifecycle/) describe what they do as events: a step name
 * ("pull", "volumes", "secret", "pod", "database", "init", "odoo", "down"),
 * a message, and a count and total where they are known.  They never print:
 * they hand the event to a sink the caller chose.  A NULL sink, or a sink
 * without an emit function, takes everything and does nothing, so emitters
 * need no checks.
 *
 *   struct progress_render pr;
 *   progress_render_init(&pr, progress_cli_format(g->progress, g->quiet, g->json, STDERR_FILENO), stderr);
 *   struct progress_sink sink = progress_render_sink(&pr);
 *   progress_step(&sink, "pod", "creating pod '%s'", name);
 *   progress_count(&sink, "init", 3, 7, "Loading module %s", mod);
 *   progress_done(&sink, "up", "work order '%s' is up", wo);   // the result; ends the line
 *   progress_render_end(&pr);            // on failure: ends an open terminal line
 *
 * The renderers (progress.c): PROGRESS_TTY keeps one line on the terminal,
 * rewritten in place ("\r", ESC[K) and cut to the terminal's width, ended
 * with a newline by a done or fail event or progress_render_end; colour
 * only there and never with NO_COLOR.  PROGRESS_PLAIN writes one line per
 * event ("STEP: MESSAGE (N/M)").  PROGRESS_JSON writes one JSON object per
 * line: {"step", "phase", "message", "count"?, "total"?, "elapsed_ms"}.
 * PROGRESS_NONE writes nothing.  A later MCP server gives its own sink.
 *
 * progress_pull_line() turns the lines of Podman's pull stream into pull
 * events, blobs counted (the stream tells no bytes and no total).
 * progress_odoo_line() reads Odoo's log lines (odoo/netsvc.py's format,
 * "DATE PID LEVEL DB LOGGER: MESSAGE") and turns odoo.modules.loading's
 * "loading N modules...", "Loading module NAME (n/m)" and "Modules loaded."
 * into init events; a loading pass restarts the count.
 */
#ifndef ISOPOD_PROGRESS_H
#define ISOPOD_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

enum progress_phase {
	PROGRESS_START,  /* a step begins */
	PROGRESS_UPDATE, /* a step moves on (a count, a blob) */
	PROGRESS_DONE,   /* the whole operation's result */
	PROGRESS_FAIL,   /* the operation failed in this step */
};

struct progress_event {
	const char *step;
	const char *message;
	enum progress_phase phase;
	long count; /* < 0: unknown */
	long total; /* <= 0: unknown */
};

struct progress_sink {
	void (*emit)(void *ctx, const struct progress_event *ev);
	void *ctx;
};

/* Hand EV to SINK (NULL: nothing happens). */
void progress_emit(const struct progress_sink *sink, const struct progress_event *ev);
/* A step begins: START with the formatted message. */
void progress_step(const struct progress_sink *sink, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An UPDATE of STEP with COUNT of TOTAL (either < 0 / <= 0 when unknown). */
void progress_count(const struct progress_sink *sink, const char *step, long count, long total, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The operation's result (DONE) or its failure (FAIL). */
void progress_done(const struct progress_sink *sink, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void progress_fail(const struct progress_sink *sink, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- renderers (src/progress/progress.c) ---- */
enum progress_format {
	PROGRESS_NONE,
	PROGRESS_PLAIN,
	PROGRESS_TTY,
	PROGRESS_JSON,
};

/* What `--progress=MODE` asked for; main() sets it once, before any command runs. */
enum progress_request {
	PROGRESS_AUTO, /* the terminal line on a terminal, else plain lines */
	PROGRESS_REQ_PLAIN,
	PROGRESS_REQ_JSON,
};
/* MODE of --progress=MODE ("auto", "plain", "json"): 0, or -1 when it is none of them. */
int progress_request_parse(const char *mode, enum progress_request *req);

/*
 * The CLI's format for the --progress choice REQ: JSON when --progress=json
 * was asked for (also with -q and --json); else nothing with QUIET or JSON
 * (--json keeps stdout's one document, stderr quiet); else plain lines when
 * asked, when FD is no terminal or TERM is "dumb"; else the terminal line.
 */
enum progress_format progress_cli_format(enum progress_request req, int quiet, int json, int fd);

struct progress_render {
	enum progress_format format;
	FILE *out;
	int colour;    /* the terminal line only: NO_COLOR unset, TERM not dumb */
	int width;     /* the terminal's columns (80 when unknown) */
	int line_open; /* a terminal line is on screen, not yet ended */
	int64_t t0_ms; /* elapsed_ms counts from here */
};

/* Render events in FORMAT to OUT (borrowed); colour and width read from OUT's terminal. */
void progress_render_init(struct progress_render *pr, enum progress_format format, FILE *out);
/* The sink that writes to PR. */
struct progress_sink progress_render_sink(struct progress_render *pr);
/* End an open terminal line (before an error is printed); a no-op otherwise. */
void progress_render_end(struct progress_render *pr);

/* ---- Odoo's log (src/progress/odoo.c) ---- */
struct progress_odoo {
	int pass;   /* loading passes seen ("loading N modules...") */
	long total; /* modules of the current pass (0: none yet) */
	long count; /* the last "Loading module" index */
	int loaded; /* "Modules loaded." was seen */
};

/*
 * Read one line of Odoo's log (no newline needed); an event of odoo.modules.loading
 * is emitted to SINK as step "init".  Returns 1 when the line made an event, else 0.
 */
int progress_odoo_line(struct progress_odoo *st, const char *line, const struct progress_sink *sink);

/* ---- an image pull (src/progress/pull.c) ---- */
struct progress_pull {
	const char *image;                /* borrowed: named in each message */
	const struct progress_sink *sink; /* where the events go */
	long blobs;                       /* blobs begun so far */
};
/* One line of Podman's pull stream as a "pull" event to ST's sink: blobs counted, no total (the stream tells none). */
void progress_pull_line(struct progress_pull *st, const char *line);

#endif
