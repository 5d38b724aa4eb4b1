/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_exec.c - `isopod exec [-i] [-t] WO-ID [odoo|db] -- CMD...`: run a
 * command in a work order's container, as `podman exec` does.
 *
 * The session is created, then started hijacked (podman_exec_attach): one
 * connection carries stdin up and the output down, raw with a TTY, in
 * 8-byte frames without.  At the end of stdin the connection's write side
 * is shut so the command sees EOF.  With -t the local terminal goes raw for
 * the session and is restored on every way out; SIGWINCH becomes an
 * exec resize.  The exit status is the command's, read from exec inspect;
 * isopod's own failures exit 125, a command that cannot be run 126, a
 * command not found 127 (as `podman exec`).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "cmd/cmd.h"
#include "workorder/workorder.h"
#include "podman/exec.h"

#define EXEC_INSPECT_WAIT_MS 3000

static volatile sig_atomic_t winch;

static void exec_help(void)
{
	printf("usage: isopod exec [-i] [-t] [--profile NAME] WO-ID [odoo|db] -- CMD [ARGS...]\n\n"
	       "Run CMD in the work order's Odoo container (default) or database container.\n\n"
	       "  -i, --interactive   forward stdin to the command (its end reaches the command as EOF)\n"
	       "  -t, --tty           give the command a terminal (window size changes follow)\n"
	       "      --profile NAME  the profile (default: the work order's own)\n"
	       "  -h, --help          this text\n\n"
	       "Example: isopod exec -it WO-042 db -- psql -U odoo\n\n"
	       "Exit codes: the command's own status; 125 isopod failed (bad usage, unknown work order,\n"
	       "Podman unreachable or refusing), 126 the command cannot be run, 127 command not found.\n");
}

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void on_signal(int sig)
{
	wo_interrupted = sig;
}

/* Report ERR (freeing it) the way every command does, but exit as podman exec: 125. */
static int exec_fail(const struct iso_globals *g, struct iso_error *err)
{
	cli_fail(g, err);
	return ISO_EXEC_EXIT_FAILED;
}

struct term {
	int raw;
	struct termios saved;
};

static void term_restore(struct term *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	t->raw = 0;
}

static void term_make_raw(struct term *t)
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

static int on_output(void *ctx, enum podman_stream_id stream, const char *data, size_t len)
{
	(void)ctx;
	int fd = stream == PODMAN_STDERR ? STDERR_FILENO : STDOUT_FILENO;
	return iso_write_all(fd, data, len) < 0 ? 1 : 0;
}

struct pump {
	struct podman_client *client;
	const char *id;
	struct podman_raw *raw;
	int tty, in_open;
	struct podman_demux demux;
};

/* Hand what the session sent so far to stdout/stderr: 1 at its end, 0 when drained, -1 on error. */
static int pump_output(struct pump *p, struct iso_error **err)
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
			if (iso_write_all(STDOUT_FILENO, buf, (size_t)k) < 0)
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
static int pump_input(struct pump *p, struct iso_error **err)
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

static int pump_run(struct pump *p, struct iso_error **err)
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
			if (term_size(&h, &w) == 0 && podman_exec_resize(p->client, p->id, h, w, &e) < 0)
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

/* The exit code of the finished session (it may take a moment to be recorded after the stream ends). */
static int session_exit_code(struct podman_client *c, const char *id, int *code, struct iso_error **err)
{
	int64_t deadline = iso_now_ms() + EXEC_INSPECT_WAIT_MS;
	for (;;) {
		struct podman_exec_info info;
		if (podman_exec_inspect(c, id, &info, err) < 0)
			return -1;
		int running = info.running;
		*code = info.exit_code;
		podman_exec_info_release(&info);
		if (!running || iso_now_ms() >= deadline)
			return 0;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Whether a refused exec start says the command is missing (127) or cannot be run (126); 0 otherwise. */
static int start_failure_code(const struct iso_error *e)
{
	/* libpod passes the OCI runtime's text through; there is no cause to branch on for these. */
	if (!e || !e->msg)
		return 0;
	if (strstr(e->msg, "executable file not found") || strstr(e->msg, "no such file or directory"))
		return ISO_EXEC_EXIT_NOTFOUND;
	if (strstr(e->msg, "permission denied"))
		return ISO_EXEC_EXIT_NOEXEC;
	return 0;
}

/* Create the session in ROLE's container, switching profile once when the container is missing. */
static int session_create(struct wo_ctx *w, int profile_given, const char *role, const struct podman_exec_spec *spec,
			  char **id, struct iso_error **err)
{
	for (int attempt = 0;; attempt++) {
		const char *name = !strcmp(role, ROLE_DB) ? w->names.db_container : w->names.odoo_container;
		if (podman_exec_create(w->client, name, spec, id, err) == 0)
			return 0;
		if (podman_err_exists(*err) || (*err && (*err)->msg && strstr((*err)->msg, "running container")))
			return iso_error_set(
				err, ISO_E_REFUSED, 0,
				"container '%s' is not running; 'isopod up %s' starts it, 'isopod status %s' "
				"shows why it stopped",
				name, w->names.wo, w->names.wo);
		if (attempt || !podman_err_not_found(*err))
			return -1;
		iso_error_free(*err);
		*err = NULL;
		if (wo_resolve_container(w, profile_given, role, err) < 0)
			return -1;
	}
}

int cmd_exec(int argc, char **argv, const struct iso_globals *g)
{
	static const struct option opts[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"profile", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct iso_config_flags flags = {0};
	struct iso_error *err = NULL;
	int c, interactive = 0, tty = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ith", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interactive = 1;
			break;
		case 't':
			tty = 1;
			break;
		case 'P':
			flags.profile = optarg;
			break;
		case 'h':
			exec_help();
			return 0;
		default:
			cli_usage(g, argv[0], "unknown option '%s'", argv[optind - 1]);
			return ISO_EXEC_EXIT_FAILED;
		}
	}
	int dd = optind;
	while (dd < argc && strcmp(argv[dd], "--"))
		dd++;
	int n_pos = dd - optind;
	if (n_pos < 1 || n_pos > 2 || dd >= argc - 1) {
		if (n_pos < 1)
			cli_usage(g, argv[0], "missing the work order (WO-ID)");
		else if (n_pos > 2)
			cli_usage(g, argv[0], "unexpected argument '%s' (the command goes after '--')",
				  argv[optind + 2]);
		else
			cli_usage(g, argv[0], "missing the command: put it after '--'");
		return ISO_EXEC_EXIT_FAILED;
	}
	const char *role = n_pos == 2 ? argv[optind + 1] : ROLE_ODOO;
	if (strcmp(role, ROLE_ODOO) && strcmp(role, ROLE_DB)) {
		cli_usage(g, argv[0], "unknown container '%s': use odoo or db", role);
		return ISO_EXEC_EXIT_FAILED;
	}

	struct wo_ctx w;
	struct term term = {0};
	struct pump p = {0};
	cleanup_free char *id = NULL;
	int code = ISO_EXEC_EXIT_FAILED;

	/* No abort of requests by Ctrl-C: with -t it reaches the command as a byte, without it ends isopod. */
	if (wo_ctx_init(&w, argv[optind], &flags, WO_NEED_PODMAN, &err) < 0)
		goto fail;
	struct podman_exec_spec spec = {
		.cmd = (const char *const *)&argv[dd + 1],
		.tty = tty,
		.attach_stdin = interactive,
	};
	if (session_create(&w, flags.profile != NULL, role, &spec, &id, &err) < 0)
		goto fail;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int h = 0, wd = 0;
	if (tty) {
		sa.sa_handler = on_winch;
		sigaction(SIGWINCH, &sa, NULL);
		term_size(&h, &wd);
	}
	if (podman_exec_attach(w.client, id, tty, h, wd, &p.raw, &err) < 0) {
		int nf = start_failure_code(err);
		if (nf) {
			fprintf(stderr, "isopod: %s\n", err->msg);
			iso_error_free(err);
			code = nf;
			goto out;
		}
		goto fail;
	}
	if (tty && interactive)
		term_make_raw(&term);
	p.client = w.client;
	p.id = id;
	p.tty = tty;
	p.in_open = interactive;
	podman_demux_init(&p.demux, on_output, NULL);
	/* A resize is refused until the session runs: the size given to the start may not have been applied. */
	if (tty && h && wd) {
		struct iso_error *e = NULL;
		if (podman_exec_resize(w.client, id, h, wd, &e) < 0)
			iso_error_free(e);
	}
	int prc = pump_run(&p, &err);
	term_restore(&term);
	if (prc < 0)
		goto fail;
	if (session_exit_code(w.client, id, &code, &err) < 0)
		goto fail;
	goto out;
fail:
	term_restore(&term);
	code = exec_fail(g, err);
out:
	term_restore(&term);
	if (p.raw)
		podman_raw_close(p.raw);
	wo_ctx_release(&w);
	return code;
}
