# shellcheck shell=bash
# Shared shell functions of isopod's host scripts (setup-host.sh,
# run-integration.sh, bench/). Source it; it defines functions and a few
# variables, and runs nothing.
#
#   ISOPOD_TEST_USER / ISOPOD_TEST_USER2   the rootless test users (root only)
#   host_say MSG...        a progress line "<prog>: MSG" on stderr
#   as_root CMD...         run CMD as root: directly, or via sudo showing it first
#   write_if_changed F M O compare stdin with F; write (mode M, owner O) only if different;
#                          returns 0 when it wrote, 1 when F was already identical
#   user_env U             print the "env -i ..." words that run a command as U
#   as_user U CMD...       run CMD as user U (root only) with a clean environment

ISOPOD_TEST_USER=${ISOPOD_TEST_USER:-isopod-test}
ISOPOD_TEST_USER2=${ISOPOD_TEST_USER2:-isopod-test2}
host_prog=${host_prog:-$(basename "$0" .sh)}

host_say() { printf '%s: %s\n' "$host_prog" "$*" >&2; }
host_die() { printf '%s: error: %s\n' "$host_prog" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

as_root() {
	if is_root; then
		"$@"
	else
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
