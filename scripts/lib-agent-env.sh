# Sourced by the *-agent-env.sh wrappers: find the isopod binary.
# On PATH first, else next to this script's repository (../isopod).
find_isopod() {
	if command -v isopod >/dev/null 2>&1; then
		command -v isopod
		return 0
	fi
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	if [ -x "$here/../isopod" ]; then
		printf '%s\n' "$here/../isopod"
		return 0
	fi
	printf "%s: 'isopod' is not on PATH and not built in '%s'; run 'make' there or 'make install'\n" \
		"$(basename "$0")" "$(dirname "$here")" >&2
	return 1
}
