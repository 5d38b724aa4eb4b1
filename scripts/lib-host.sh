# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared shell functions of isopod's host scripts (setup-host.sh,
# run-integration.sh, bench/). Source it; it defines functions and a few
# variables, and runs nothing.
#
#   ISOPOD_TEST_USER / ISOPOD_TEST_USER2   the rootless test users (root only)
#   host_say MSG...        a progress line "<prog>: MSG" on stderr
#   as_root CMD...         run CMD as root: directly, or via sudo showing it first
#                          (dies naming the command when sudo cannot be used)
#   sudo_ready             sudo usable (password asked once on a terminal); else sudo_why
#   write_if_changed F M O compare stdin with F; write (mode M, owner O) only if different;
#                          returns 0 when it wrote, 1 when F was already identical
#   user_env U             print the "env -i ..." words that run a command as U
#   as_user U CMD...       run CMD as user U (root only) with a clean environment
#   sync_tree_to_user TOP U  copy the tree TOP (no .git, no build dirs) to
#                          ~U/isopod-src/<hash of TOP>, owned by U (one copy per
#                          checkout, so worktrees do not collide); prints its path.
#                          tests/mcp/node_modules stays (never copied, never
#                          deleted) and is made there by mcp_client_ensure
#   mcp_client_ensure DIR U  `npm ci` in DIR/tests/mcp as U (the MCP SDK client of
#                          the tests, pinned by package-lock.json), once per
#                          lockfile: stamped by its sha256; a warning, not a
#                          failure, without npm or the registry (the MCP tests
#                          then skip, or fail under ISOPOD_REQUIRE_PODMAN)
#   podman_service_ensure SOCK   start `podman system service` on SOCK unless
#                          something answers there (serialised by a lock);
#                          podman_service_stop ends only the process it started

ISOPOD_TEST_USER=${ISOPOD_TEST_USER:-isopod-test}
ISOPOD_TEST_USER2=${ISOPOD_TEST_USER2:-isopod-test2}
host_prog=${host_prog:-$(basename "$0" .sh)}

host_say() { printf '%s: %s\n' "$host_prog" "$*" >&2; }
host_die() { printf '%s: error: %s\n' "$host_prog" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# sudo_ready: 0 when sudo can run commands for us, asking for the password
# once on a terminal; otherwise 1 with the reason in sudo_why.
sudo_why=""
sudo_ready() {
	if ! command -v sudo >/dev/null 2>&1; then
		sudo_why="sudo is not installed"
		return 1
	fi
	sudo -n true 2>/dev/null && return 0
	if [ ! -t 0 ]; then
		sudo_why="sudo cannot run without a password here and there is no terminal to ask on"
		return 1
	fi
	printf '%s: sudo asks for your password once, for the commands shown\n' "$host_prog" >&2
	sudo -v && return 0
	sudo_why="sudo refused (are you in the sudo group?)"
	return 1
}

as_root() {
	if is_root; then
		"$@"
	else
		sudo_ready || host_die "this needs root: $*; $sudo_why; run it as root, then run this again"
		printf '%s: running: sudo %s\n' "$host_prog" "$*" >&2
		sudo "$@"
	fi
}

# write_if_changed FILE MODE OWNER < content
write_if_changed() {
	local file=$1 mode=$2 owner=$3 tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
		rm -f "$tmp"
		return 1
	fi
	install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$file.isopod-new"
	mv -f "$file.isopod-new" "$file"
	rm -f "$tmp"
	return 0
}

user_home() { getent passwd "$1" | cut -d: -f6; }
user_uid() { id -u "$1"; }

# The runtime directory of a user without a logind session.
user_runtime_dir() { printf '/run/user/%s\n' "$(user_uid "$1")"; }

# as_user USER CMD... : a login-like, clean environment, started in the
# user's home so no inaccessible working directory leaks in.
as_user() {
	local u=$1 home
	shift
	home=$(user_home "$u")
	(cd "$home" && runuser -u "$u" -- env -i HOME="$home" USER="$u" LOGNAME="$u" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
		LANG=C.UTF-8 XDG_RUNTIME_DIR="$(user_runtime_dir "$u")" \
		${CI:+CI="$CI"} "$@")
}

# The socket of the user's API service.
podman_socket_path() { printf '%s/podman/podman.sock\n' "${XDG_RUNTIME_DIR:?XDG_RUNTIME_DIR is not set}"; }

podman_ping() {
	curl -fsS --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1
}

podman_service_pid=""

podman_service_ensure() {
	local sock=$1 dir deadline
	dir=$(dirname "$sock")
	mkdir -p "$dir"
	# Two services on one path break each other: serialise the check and start.
	exec 9>"$dir/isopod-service.lock"
	flock 9
	if ! podman_ping "$sock"; then
		env -u CONTAINER_HOST setsid podman system service --time=0 "unix://$sock" \
			</dev/null >"$dir/isopod-service.log" 2>&1 9>&- &
		podman_service_pid=$!
		deadline=$((SECONDS + 15))
		while ! podman_ping "$sock"; do
			if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$podman_service_pid" 2>/dev/null; then
				host_say "the podman service (pid $podman_service_pid) does not answer on $sock; its log:"
				cat "$dir/isopod-service.log" >&2 || true
				break
			fi
			sleep 0.1
		done
		podman_ping "$sock" && host_say "started podman system service (pid $podman_service_pid) on $sock"
	fi
	exec 9>&-
}

podman_service_stop() {
	local pid=$podman_service_pid
	if [ -n "$pid" ]; then
		# setsid made it a process group of its own: end the group, the
		# service's children included, then wait for the leader.
		kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 -- "-$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		host_say "stopped the podman service it started (pid $pid, and its process group)"
		podman_service_pid=""
	fi
}

sync_tree_to_user() {
	local top=$1 u=$2 copy
	copy=$(user_home "$u")/isopod-src/$(printf '%s' "$top" | sha256sum | cut -c1-12)
	as_user "$u" mkdir -p "$copy"
	rsync -a --delete --chown="$u:$(id -gn "$u")" \
		--exclude=/.git --exclude='/build*' --exclude=/isopod --exclude=/tests/fuzz/corpus-run \
		--exclude=/tests/mcp/node_modules \
		"$top/" "$copy/"
	mcp_client_ensure "$copy" "$u" >&2
	printf '%s\n' "$copy"
}

mcp_client_ensure() {
	local dir=$1/tests/mcp u=$2 want
	[ -f "$dir/package-lock.json" ] || return 0
	want=$(sha256sum <"$dir/package-lock.json" | cut -c1-64)
	if [ "$(cat "$dir/node_modules/.isopod-lock-sha256" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	if ! command -v npm >/dev/null 2>&1; then
		host_say "warning: npm is not installed: the MCP client tests will skip (run 'make setup')"
		return 0
	fi
	host_say "installing the MCP test client for $u (npm ci in tests/mcp)"
	# shellcheck disable=SC2016 # expanded by the user's shell
	if as_user "$u" bash -c 'cd "$1" && npm_config_update_notifier=false npm ci --no-audit --no-fund --loglevel=error >&2 &&
		printf "%s\n" "$2" >node_modules/.isopod-lock-sha256' run "$dir" "$want"; then
		return 0
	fi
	host_say "warning: npm ci failed in $dir: the MCP client tests will skip (or fail under ISOPOD_REQUIRE_PODMAN)"
	return 0
}
