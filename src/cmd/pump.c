/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd/pump.c - the streams of an interactive session (exec -i, odoo -i):
 * stdin up a hijacked connection, its output down (raw with a terminal,
 * demuxed frames without), the local terminal raw while it runs, window
 * resizes passed on, end of stdin passed as a half-close.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "base/fs.h"
#include "cmd/cmd.h"
#include "cmd/pump.h"
#include "workorder/workorder.h"

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

void cmd_term_restore(struct cmd_term *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	t->raw = 0;
}

void cmd_term_make_raw(struct cmd_term *t)
{
	struct termios r;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	r = t->saved;
	cfmakeraw(&r);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &r) == 0)
		t->raw = 1;
}

static int term_size(int *h, int *w)
{
	struct winsize ws;
	int fd = isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return -1;
	*h = ws.ws_row;
	*w = ws.ws_col;
	return 0;
}

/* CTX: an int, whether stdout's last byte so far ended no line. */
int cmd_pump_on_output(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	int fd = stream == PODMAN_STDERR ? STDERR_FILENO : STDOUT_FILENO;
	if (fd == STDOUT_FILENO && len)
		*(int *)ctx = data[len - 1] != '\n';
	return iso_write_all(fd, data, len) < 0 ? 1 : 0;
}

/* Hand what the session sent so far to stdout/stderr: 1 at its end, 0 when drained, -1 on error. */
static int pump_output(struct cmd_pump *p, struct iso_error **err)
{
	char buf[16384];
	for (;;) {
		struct iso_error *e = NULL;
		ssize_t k = p->raw->ops->read(p->raw, buf, sizeof(buf), 0, &e);
		if (k < 0 && e && e->status == EAGAIN) {
			iso_error_free(e);
			return 0;
		}
		if (k < 0)
			return iso_error_move(err, e);
		if (k == 0)
			return 1;
		if (p->tty) {
			if (cmd_pump_on_output(p->mid_line, PODMAN_STDOUT, buf, (size_t)k))
				return 1; /* our stdout is gone: nobody reads the rest */
		} else {
			int rc = podman_demux_feed(&p->demux, buf, (size_t)k, err);
			if (rc < 0)
				return -1;
			if (rc > 0)
				return 1;
		}
	}
}

/* Stdin to the session; at its end shut the write side so the command sees EOF. */
static int pump_input(struct cmd_pump *p, struct iso_error **err)
{
	char buf[16384];
	ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (k <= 0) {
		p->in_open = 0;
		int fd = p->raw->ops->fd(p->raw);
		/* The transport's stream has no half-close of its own; its socket is a plain one. */
		if (fd >= 0)
			shutdown(fd, SHUT_WR);
		return 0;
	}
	return p->raw->ops->write(p->raw, buf, (size_t)k, err);
}

int cmd_pump_run(struct cmd_pump *p, struct iso_error **err)
{
	int fd = p->raw->ops->fd(p->raw);
	for (;;) {
		int rc = pump_output(p, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		if (wo_interrupted)
			return iso_error_set(err, ISO_E_INTERNAL, ECANCELED, "interrupted");
		if (winch) {
			winch = 0;
			int h, w;
			struct iso_error *e = NULL;
			if (term_size(&h, &w) == 0 && p->resize(p->client, p->id, h, w, &e) < 0)
				iso_error_free(e); /* a resize racing the end of the session is harmless */
		}
		struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
		int n = poll(fds, p->in_open ? 2 : 1, 500);
		if (n < 0 && errno != EINTR)
			return iso_error_set(err, ISO_E_INTERNAL, errno, "poll: %s", strerror(errno));
		if (n > 0 && p->in_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && pump_input(p, err) < 0)
			return -1;
	}
}

/* Signals for the session: TERM and HUP end it, WINCH resizes a TTY; a closed pipe is an error, not death. */
void cmd_pump_signals(int tty, int *h, int *wd)
{
	cli_catch_signals(SIGTERM, SIGHUP, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!tty)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	term_size(h, wd);
}
