/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ls cache's Podman side (design in include/mcp/mcp.h): the watcher,
 * a child of the server that follows Podman's events and turns each into a
 * change of the shared cache (src/mcp/mcp_cache.c), and the GET cache an
 * ls call's child hands to the Podman client (podman_set_get_cache).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cmd/mcp_watch.h"
#include "mcp/mcp.h"
#include "podman/client.h"

#define RESTART_MS 2000
#define REPLAY_S 2

static pid_t watcher;
static int64_t started_ms = -RESTART_MS;

/* The answers ls reads: its two listings, whatever their filter. */
static int cached_path(const char *path)
{
	return iso_str_has_prefix(path, "/pods/json?") || iso_str_has_prefix(path, "/volumes/json?");
}

static int hook_get(void *ctx, const char *path, char **body, size_t *len, uint64_t *token)
{
	(void)ctx;
	*token = 0;
	return cached_path(path) ? mcp_cache_get(path, body, len, token) : 0;
}

static void hook_put(void *ctx, const char *path, const char *body, size_t len, uint64_t token)
{
	(void)ctx;
	if (cached_path(path))
		mcp_cache_put(path, body, len, token);
}

void mcp_watch_use_cache(void)
{
	static const struct podman_get_cache hook = {hook_get, hook_put, NULL};
	if (mcp_cache_live())
		podman_set_get_cache(&hook);
}

/* One event: a change unless it cannot alter a listing (exec sessions, attaches). */
static int on_event(void *ctx, const char *type, const char *status)
{
	(void)ctx;
	if (!type) { /* live: from here on no change goes unseen */
		mcp_cache_set_live(1);
		return 0;
	}
	if (strcmp(type, "container") && strcmp(type, "pod") && strcmp(type, "volume"))
		return 0;
	if (iso_str_has_prefix(status, "exec") || !strcmp(status, "attach"))
		return 0;
	mcp_cache_invalidate();
	return 0;
}

/* In the watcher: follow the events until the stream ends; never returns. */
static void watch_main(pid_t server)
{
	/* the server's handlers go before the signals blocked across the fork come in */
	struct sigaction sa = {0};
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	signal(SIGINT, SIG_IGN); /* as the server: a terminal's Ctrl-C is not for it */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* the server killed hard must not leave a watcher behind */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != server)
		_exit(0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO), dup2(devnull, STDOUT_FILENO); /* stdout is the protocol's */
	else
		close(STDIN_FILENO), close(STDOUT_FILENO);
	struct iso_error *e = NULL;
	struct podman_client_opts o = {0}; /* no state_dir: never starts a service for a cache */
	struct podman_client *c = podman_client_new(&o, &e);
	long long since = (long long)time(NULL) - REPLAY_S;
	int rc = c && podman_connect(c, &e) == 0 ? podman_events_follow(c, since, on_event, NULL, &e) : -1;
	mcp_cache_set_live(0);
	iso_debug("mcp: the ls cache is off: %s", e && e->msg ? e->msg : "the event stream ended");
	_exit(rc < 0);
}

void mcp_watch_ensure(void (*in_child)(void))
{
	int status;
	/* one that died unseen (killed: it could not say so) must not leave the cache on */
	if (watcher > 0 && waitpid(watcher, &status, WNOHANG) == watcher)
		mcp_watch_reaped(watcher);
	int64_t now = iso_now_ms();
	if (watcher > 0 || now - started_ms < RESTART_MS)
		return;
	started_ms = now;
	/* signals wait until the child has its own handlers: a SIGTERM to it is never the server's */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t server = getpid(), pid = fork();
	if (pid == 0) {
		if (in_child)
			in_child();
		watch_main(server);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid > 0)
		watcher = pid;
}

int mcp_watch_reaped(pid_t pid)
{
	if (pid <= 0 || pid != watcher)
		return 0;
	watcher = 0;
	mcp_cache_set_live(0); /* it may have died without saying so */
	return 1;
}

void mcp_watch_stop(void)
{
	if (watcher <= 0)
		return;
	kill(watcher, SIGTERM);
	int status;
	pid_t got = 0;
	for (int i = 0; i < 100 && got == 0; i++) { /* 2 s, then SIGKILL: the server's exit never hangs on it */
		got = waitpid(watcher, &status, WNOHANG);
		if (got == 0)
			nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	if (got == 0) {
		kill(watcher, SIGKILL);
		while (waitpid(watcher, &status, 0) < 0 && errno == EINTR) {
		}
	}
	mcp_watch_reaped(watcher);
}
