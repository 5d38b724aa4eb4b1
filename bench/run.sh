#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: run every benchmark and print its figures.
#
#   bench/run.sh BUILD
#
# Runs each BUILD/bench/bench_* binary and each bench/bench_*.sh script
# (bench_peers.sh: the podman CLI sequence, podman-compose and isopod side by
# side, with isopod's targets and private memory; bench_template.sh: templates
# and snapshots, issue 14).
# As root it runs them as the rootless test user from a copy of the tree in
# that user's home (rebuilt there); otherwise as the calling user. The user's
# podman API service is started if nothing answers on its socket
# (CONTAINER_HOST points at it) and stopped again by its PID.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
host_prog=bench
# shellcheck source=scripts/lib-host.sh
. "$top/scripts/lib-host.sh"

export ISOPOD_TEST_PORTS=${ISOPOD_TEST_PORTS:-18890-18949}
export ISOPOD_ODOO_IMAGE=${ISOPOD_ODOO_IMAGE:-localhost/isopod-odoo-standin:18}
export ISOPOD_DB_IMAGE=${ISOPOD_DB_IMAGE:-localhost/isopod-postgres:15}

build=${1:-build}

if is_root && [ -z "${ISOPOD_BENCH_AS_USER:-}" ]; then
	[ -n "${ISOPOD_HOST_READY:-}" ] || "$top/scripts/setup-host.sh" --images --quiet
	u=$ISOPOD_TEST_USER
	copy=$(sync_tree_to_user "$top" "$u")
	host_say "running the benchmarks as $u from $copy"
	# shellcheck disable=SC2016 # expanded by the user's shell
	as_user "$u" ISOPOD_BENCH_AS_USER=1 ISOPOD_TEST_PORTS="$ISOPOD_TEST_PORTS" \
		ISOPOD_ODOO_IMAGE="$ISOPOD_ODOO_IMAGE" ISOPOD_DB_IMAGE="$ISOPOD_DB_IMAGE" \
		BENCH_RUNS="${BENCH_RUNS:-}" BENCH_N="${BENCH_N:-}" BENCH_VOLUMES="${BENCH_VOLUMES:-}" \
		BENCH_ISOPOD_PORTS="${BENCH_ISOPOD_PORTS:-}" BENCH_READY_TIMEOUT="${BENCH_READY_TIMEOUT:-}" \
		BENCH_CHECK_AFTER="${BENCH_CHECK_AFTER:-}" BENCH_TPL_SCALES="${BENCH_TPL_SCALES:-}" \
		BENCH_TPL_SNAP_SCALE="${BENCH_TPL_SNAP_SCALE:-}" BENCH_TPL_PORTS="${BENCH_TPL_PORTS:-}" \
		BENCH_TPL_PROFILE="${BENCH_TPL_PROFILE:-}" BENCH_TPL_WO_PREFIX="${BENCH_TPL_WO_PREFIX:-}" \
		bash -c 'cd "$1" && make --no-print-directory -s BUILD=build-bench bench-bins >/dev/null &&
			exec bash bench/run.sh build-bench' run "$copy"
	exit
fi

if [ -z "${XDG_RUNTIME_DIR:-}" ] || ! command -v podman >/dev/null 2>&1; then
	host_say "no XDG_RUNTIME_DIR or no podman: the Podman benchmarks will skip"
else
	[ -n "${ISOPOD_BENCH_AS_USER:-}" ] || bash "$top/tests/images/build.sh" --quiet
	sock=$(podman_socket_path)
	trap podman_service_stop EXIT
	podman_service_ensure "$sock"
	export CONTAINER_HOST=unix://$sock
fi

rc=0
case $build in
/*) bdir=$build ;;
*) bdir=$top/$build ;;
esac
# The binary the Makefile built for BUILD (bench_peers.sh runs it).
if [ "$build" = build ]; then
	export ISOPOD_BENCH_BIN=${ISOPOD_BENCH_BIN:-$top/isopod}
else
	export ISOPOD_BENCH_BIN=${ISOPOD_BENCH_BIN:-$bdir/isopod}
fi
for b in "$bdir"/bench/bench_*; do
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
	host_say "$(basename "$b")"
	"$b" || rc=$?
done
for s in "$here"/bench_*.sh; do
	[ -f "$s" ] || continue
	host_say "$(basename "$s")"
	bash "$s" || rc=$?
done
podman_service_stop
exit "$rc"
