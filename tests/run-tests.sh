#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run cmocka test binaries one after another and print a closing line
# "<suite>: N passed, N failed[, N skipped]" summing what cmocka reported.
# Exit non-zero when any binary failed or crashed.
set -u
suite=$1
shift
passed=0 failed=0 skipped=0 broken=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$suite: $(basename "$bin") exited $rc without a cmocka summary"
		broken=$((broken + 1))
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ]; then
		broken=$((broken + 1))
	fi
done
echo "$suite: $passed passed, $failed failed, $skipped skipped"
[ "$broken" -eq 0 ] && [ "$failed" -eq 0 ]
