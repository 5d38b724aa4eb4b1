#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# start-agent-env.sh WO-ID [PORT]: bring up a work order's environment (isopod up).
# Usable from any repository directory: the repository's profile applies.
set -euo pipefail
# shellcheck source=scripts/lib-agent-env.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib-agent-env.sh"

usage() {
	cat <<'USAGE'
usage: start-agent-env.sh WO-ID [PORT]

Bring up the isolated Odoo + PostgreSQL environment of work order WO-ID and wait
until it answers; PORT picks the host port for Odoo (default: the work order's
lease, else the lowest free port).  Runs 'isopod up WO-ID [--port PORT]'.

Exit codes: those of 'isopod up' (0 up, 2 bad input, 4 port or work order conflict,
5 Podman unreachable, 7 readiness timeout, 8 a container exited; see 'isopod up --help').
USAGE
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac
[ $# -le 2 ] || { usage >&2; exit 2; }
isopod=$(find_isopod) || exit 2
if [ $# -eq 2 ]; then
	exec "$isopod" up "$1" --port "$2"
fi
exec "$isopod" up "$1"
