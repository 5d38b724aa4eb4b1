#!/usr/bin/env bash
# list-agent-envs.sh: list your work orders' environments (isopod ls).
set -euo pipefail
# isopod on PATH, else next to this script's repository (../isopod, symlinks followed).
find_isopod() {
	if command -v isopod >/dev/null 2>&1; then
		command -v isopod
		return 0
	fi
	local here
	here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
	if [ -x "$here/../isopod" ]; then
		printf '%s\n' "$here/../isopod"
		return 0
	fi
	printf "%s: 'isopod' is not on PATH and not built in '%s'; run 'make' there, or 'make install'\n" \
		"$(basename "$0")" "$(dirname "$here")" >&2
	return 1
}

case "${1:-}" in
-h | --help)
	cat <<'USAGE'
usage: list-agent-envs.sh [--json]

List your work orders: profile, state, URL, age and drift.  Runs 'isopod ls'.

Exit codes: those of 'isopod ls' (0 ok, 5 Podman unreachable; see 'isopod ls --help').
USAGE
	exit 0
	;;
esac
isopod=$(find_isopod) || exit 2
exec "$isopod" ls "$@"
