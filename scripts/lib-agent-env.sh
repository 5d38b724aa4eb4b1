# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Sourced by the agent-env wrappers (start-, stop-, list-agent-envs.sh).
# find_isopod: isopod on PATH, else next to the wrappers' repository
# (../isopod, symlinks followed); says what to do when neither exists.
find_isopod() {
	if command -v isopod >/dev/null 2>&1; then
		command -v isopod
		return 0
	fi
	local here
	here=$(dirname "$(readlink -f "${BASH_SOURCE[1]}")")
	if [ -f "$here/../isopod" ] && [ -x "$here/../isopod" ]; then
		printf '%s\n' "$here/../isopod"
		return 0
	fi
	printf "%s: 'isopod' is not on PATH and not built in '%s'; run 'make' there, or 'make install'\n" \
		"$(basename "$0")" "$(dirname "$here")" >&2
	return 1
}
