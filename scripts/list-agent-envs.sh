#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# list-agent-envs.sh: list your work orders' environments (isopod ls).
set -euo pipefail
# shellcheck source=scripts/lib-agent-env.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib-agent-env.sh"

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
