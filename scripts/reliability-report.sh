#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Make docs/reliability.md from the fault-injection sweep's table.
#
#   scripts/reliability-report.sh        run `make check-reliability` (ISOPOD_SWEEP=full,
#                                        as root: as the test user), then copy its table
#   scripts/reliability-report.sh LOG    copy the table from LOG, the saved output of such a run
#
# tests/reliability/test_sweep.c prints its table between two lines
# "---- reliability.md ----" (it also writes it to ISOPOD_SWEEP_REPORT or
# <build>/reliability.md, which under run-integration.sh is the test user's
# copy of the tree).  A subset run's table is refused: the file is the full
# sweep's figures.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$top/docs/reliability.md

die() {
	printf 'reliability-report: %s\n' "$*" >&2
	exit 1
}

if [ "$#" -ge 1 ]; then
	log=$1
	[ -r "$log" ] || die "cannot read '$log'"
else
	log=$(mktemp /tmp/isopod-sweep-XXXXXX.log)
	printf 'reliability-report: running the full sweep (output in %s)\n' "$log" >&2
	rc=0
	make -C "$top" --no-print-directory check-reliability ISOPOD_SWEEP=full 2>&1 | tee "$log" || rc=$?
	[ "$rc" -eq 0 ] || printf 'reliability-report: the sweep failed (exit %s); its table still goes in\n' "$rc" >&2
fi
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk '/^---- reliability\.md ----$/ { n++; next } n == 1' "$log" >"$tmp"
[ -s "$tmp" ] || die "no table between '---- reliability.md ----' lines in '$log'"
grep -q '^Sweep: full\.' "$tmp" || die "the table in '$log' is not a full sweep's (run with ISOPOD_SWEEP=full)"
mv "$tmp" "$out"
trap - EXIT
printf 'reliability-report: wrote %s\n' "$out" >&2
