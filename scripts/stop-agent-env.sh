#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# stop-agent-env.sh WO-ID [--cleanup]: stop a work order's environment (isopod down).
set -euo pipefail
# shellcheck source=scripts/lib-agent-env.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib-agent-env.sh"

usage() {
	cat <<'USAGE'
usage: stop-agent-env.sh WO-ID [--cleanup]

Stop and remove the pod of work order WO-ID, keeping its database and files;
--cleanup also deletes its volumes and password secret and releases its ports.
Runs 'isopod down WO-ID [--cleanup]'.

Exit codes: those of 'isopod down' (0 done or already down, 2 bad input, 3 unknown
work order, 4 busy, 5 Podman unreachable; see 'isopod down --help').
USAGE
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac
[ $# -le 2 ] || { usage >&2; exit 2; }
if [ $# -eq 2 ] && [ "$2" != "--cleanup" ]; then
	printf "stop-agent-env.sh: unknown option '%s'; see --help\n" "$2" >&2
	exit 2
fi
isopod=$(find_isopod) || exit 2
# Options first: 'isopod down' parses them before the work order.
if [ $# -eq 2 ]; then
	exec "$isopod" down --cleanup "$1"
fi
exec "$isopod" down "$1"
