#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run the integration tests against real rootless Podman.
#
#   scripts/run-integration.sh BUILD BIN...      (make check-integration)
#
# As root (CI): makes sure the host is set up and the images exist
# (setup-host.sh --images), copies the tree into the test user's home (the
# checkout may be unreadable for it), builds the integration binaries there
# and runs them as that user. Binaries named test_root_* run as root, with
# ISOPOD_TEST_USER2 naming the second unprivileged user.
# As an ordinary user: runs BIN... directly.
# Either way the tests run inside a harness that starts the user's
# `podman system service` when nothing answers on its socket and stops that
# process (by its PID) afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
host_prog=integration
# shellcheck source=scripts/lib-host.sh
. "$here/lib-host.sh"

export ISOPOD_TEST_PORTS=${ISOPOD_TEST_PORTS:-18890-18949}
export ISOPOD_ODOO_IMAGE=${ISOPOD_ODOO_IMAGE:-localhost/isopod-odoo-standin:18}
export ISOPOD_DB_IMAGE=${ISOPOD_DB_IMAGE:-localhost/isopod-postgres:15}
# The tests keep to their own registries, not the host-wide one 'make setup'
# makes (the tests of that one name theirs).
export ISOPOD_HOST_REGISTRY_DIR=${ISOPOD_HOST_REGISTRY_DIR:-/nonexistent/isopod-test-host-registry}
# Fresh work orders of the older tests initialise from scratch, as they did
# before templates; the template and snapshot tests set their own mode (and
# remove the templates they make).
export ISOPOD_TEMPLATE=${ISOPOD_TEMPLATE:-never}

# harness BIN...: the tests with a podman service answering on the socket.
harness() {
	local sock rc=0
	if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
		host_say "XDG_RUNTIME_DIR is not set: Podman tests will skip (or fail under ISOPOD_REQUIRE_PODMAN=1)"
	elif ! command -v podman >/dev/null 2>&1; then
		host_say "podman is not installed: Podman tests will skip (run 'make setup')"
	else
		sock=$(podman_socket_path)
		if [ -z "${ISOPOD_IMAGES_CHECKED:-}" ]; then
			# cheap when the images are up to date; a laptop may lack them
			bash "$top/tests/images/build.sh" --quiet ||
				host_say "warning: could not build the local images (try 'make images')"
		fi
		trap podman_service_stop EXIT
		podman_service_ensure "$sock"
		export CONTAINER_HOST=unix://$sock
	fi
	"$top/tests/run-tests.sh" integration "$@" || rc=$?
	podman_service_stop
	return "$rc"
}

if [ "${1:-}" = --harness ]; then
	shift
	harness "$@"
	exit
fi

[ "$#" -ge 1 ] || host_die "usage: $0 BUILD BIN..."
# as root the tests are rebuilt in the test user's copy, at the same path
# below its build directory (tests/integration/..., tests/reliability/...)
build=$1
shift

if ! is_root; then
	harness "$@"
	exit
fi

# ---- as root ----
user_bins=() root_bins=()
for b in "$@"; do
	case $(basename "$b") in
	test_root_*) root_bins+=("$b") ;;
	*) user_bins+=("${b#"$build"/}") ;;
	esac
done

# make check has just done it (ISOPOD_HOST_READY); alone, this target does it
[ -n "${ISOPOD_HOST_READY:-}" ] || "$here/setup-host.sh" --images --quiet

u=$ISOPOD_TEST_USER
host_say "copying the tree for $u"
copy=$(sync_tree_to_user "$top" "$u")
rc=0
if [ "${#user_bins[@]}" -gt 0 ]; then
	ibuild="build-integration"
	bins=()
	for b in "${user_bins[@]}"; do bins+=("$ibuild/$b"); done
	host_say "building and running ${#bins[@]} integration binaries as $u"
	# shellcheck disable=SC2016 # expanded by the user's shell
	as_user "$u" ISOPOD_IMAGES_CHECKED=1 ISOPOD_REQUIRE_PODMAN="${ISOPOD_REQUIRE_PODMAN:-}" \
		ISOPOD_TEST_PORTS="$ISOPOD_TEST_PORTS" ISOPOD_ODOO_IMAGE="$ISOPOD_ODOO_IMAGE" \
		ISOPOD_DB_IMAGE="$ISOPOD_DB_IMAGE" ISOPOD_TEST_USER2="$ISOPOD_TEST_USER2" \
		ISOPOD_SWEEP="${ISOPOD_SWEEP:-}" ISOPOD_SWEEP_PATHS="${ISOPOD_SWEEP_PATHS:-}" \
		ISOPOD_HOST_REGISTRY_DIR="$ISOPOD_HOST_REGISTRY_DIR" ISOPOD_TEMPLATE="$ISOPOD_TEMPLATE" \
		bash -c 'cd "$1" && shift && make --no-print-directory -s BUILD="$1" integration-bins >/dev/null &&
			shift && exec bash scripts/run-integration.sh --harness "$@"' \
		run "$copy" "$ibuild" "${bins[@]}" || rc=$?
fi
if [ "${#root_bins[@]}" -gt 0 ]; then
	host_say "running ${#root_bins[@]} integration binaries as root (second user $ISOPOD_TEST_USER2)"
	ISOPOD_TEST_USER2=$ISOPOD_TEST_USER2 "$top/tests/run-tests.sh" integration-root "${root_bins[@]}" || rc=$?
fi
exit "$rc"
