#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run cmocka test binaries one after another and print a closing line
# "<suite>: N passed, N failed, N skipped" summing what cmocka reported.
#
# Counted from cmocka 1.1's own summary of each group:
#   passed   "[  PASSED  ] N test(s)."
#   failed   "[  FAILED  ] N test(s), listed below:", plus every error cmocka
#            keeps out of that count: a test whose setup or teardown failed
#            ("[  ERROR   ] name"), a failed group teardown, and every test a
#            failed group setup kept from running
#   skipped  "[  SKIPPED ] N test(s), listed below:"
# A binary that exits non-zero with nothing counted as failed (a crash, no
# summary) counts as one failure.  A binary whose tests all skipped passes.
#
# Exit non-zero when anything failed; and, with ISOPOD_REQUIRE_PODMAN on
# (unset, "", "0", "no", "false" are off, as in tests/support/iso_test.h),
# when anything was skipped: the tests fail instead of skipping there, so a
# skip means a test skipped around the rule.
set -u
suite=$1
shift

required=0
case "${ISOPOD_REQUIRE_PODMAN:-}" in
"" | 0 | [Nn][Oo] | [Ff][Aa][Ll][Ss][Ee]) ;;
*) required=1 ;;
esac

# count: cmocka's output on stdin -> "passed failed skipped errors"
count() {
	awk '
	function num(s) { sub(/^[^0-9]*/, "", s); return s + 0 }
	/^\[==========\] Running [0-9]+ test\(s\)\./ { declared = num($0); group_setup_failed = 0; next }
	/^\[==========\] [0-9]+ test\(s\) run\./ { if (group_setup_failed) errors += declared - num($0); next }
	/^\[  PASSED  \] [0-9]+ test\(s\)\./ { passed += num($0); next }
	/^\[  FAILED  \] [0-9]+ test\(s\), listed below:/ { failed += num($0); next }
	/^\[  SKIPPED \] [0-9]+ test\(s\), listed below:/ { skipped += num($0); next }
	/^\[  FAILED  \] GROUP SETUP/ { group_setup_failed = 1; group_line = 1; next }
	/^\[  FAILED  \] GROUP TEARDOWN/ { errors++; group_line = 1; next }
	/^\[  ERROR   \] --- / { next }
	# after a group fixture failed, cmocka names the group: not one more error
	/^\[  ERROR   \] / { if (group_line) group_line = 0; else errors++; next }
	END { printf "%d %d %d %d\n", passed, failed, skipped, errors }'
}

passed=0 failed=0 skipped=0 broken=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	read -r p f s e < <(printf '%s\n' "$out" | count)
	name=$(basename "$bin")
	if [ "$e" -gt 0 ]; then
		echo "$suite: $name: $e test(s) in error: a cmocka setup or teardown failed, or a group setup kept them from running"
	fi
	f=$((f + e))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$suite: $name exited $rc without a cmocka failure in its summary"
		f=1
	fi
	[ "$f" -gt 0 ] && broken=$((broken + 1))
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "$suite: $passed passed, $failed failed, $skipped skipped"
if [ "$required" -eq 1 ] && [ "$skipped" -gt 0 ]; then
	echo "$suite: $skipped skipped with ISOPOD_REQUIRE_PODMAN=$ISOPOD_REQUIRE_PODMAN: a test skipped without iso_test_need"
	exit 1
fi
[ "$broken" -eq 0 ]
