#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run each libFuzzer target for SECONDS on a scratch copy of its seed corpus
# (tests/data/*/<target>/ and tests/fuzz/corpus/<target>/), keep any crash
# input under build-fuzz/crashes/, and print a closing line "fuzz: N passed,
# N failed".  A crash input found here belongs in the target's corpus (a
# regression seed, run first on every run) and in a regression unit test.
set -u
# The targets are built with -fsanitize=undefined in its recovering mode: without
# halt_on_error an undefined behaviour would be a log line and the run would pass.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
seconds=$1
shift
passed=0 failed=0
out=build-fuzz/crashes
mkdir -p "$out"
for bin in "$@"; do
	name=$(basename "$bin")
	work=$(mktemp -d)
	for seeds in tests/data/*/"$name" tests/fuzz/corpus/"$name"; do
		[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	done
	echo "fuzz: $name for ${seconds}s ($(find "$work" -type f | wc -l) seeds)"
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/$name-" "$work" >"$work.log" 2>&1; then
		passed=$((passed + 1))
		grep -E '^stat::number_of_executed_units' "$work.log" | sed "s/^/fuzz: $name /"
	else
		failed=$((failed + 1))
		tail -n 40 "$work.log"
		echo "fuzz: $name FAILED; crash inputs in $out/"
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
