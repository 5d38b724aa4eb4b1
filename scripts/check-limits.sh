#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The size limits of the house: no source file over 600 lines and no
# function over 80 lines in src/, podman/ and netns/ (headers included).
# A function is what stands between a '{' and a '}' alone at the start of a
# line (the house's clang-format puts a function's braces there and nothing
# else); its length counts the lines from its name to its closing brace.
#
#   scripts/check-limits.sh [--list] [FILE...]   (make check-limits, part of make check)
#
# --list prints every function with its length, longest first. FILEs, when
# given, are checked instead of the tree's.
set -euo pipefail
FILE_MAX=600
FUNC_MAX=80
list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
if [ "$#" -gt 0 ]; then
	files=("$@")
else
	cd "$(dirname "${BASH_SOURCE[0]}")/.."
	mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.[ch]' 'podman/*.[ch]' 'netns/*.[ch]' |
		while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done)
fi
report=$(awk -v fmax="$FILE_MAX" -v list="$list" '
	FNR == 1 { if (file != "" && lines > fmax) printf "FILE %d %s\n", lines, file; file = FILENAME; start = 0; name = ""; prev = ""; prev2 = "" }
	{ lines = FNR }
	/^\{/ { start = FNR; name = prev; if (name !~ /\(/) name = prev2 " " prev; head = FNR - 1 }
	/^\}/ && start {
		n = FNR - head + 1
		sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
		printf "%d %s:%d %s\n", n, FILENAME, head, name
		start = 0
	}
	{ prev2 = prev; prev = $0 }
	END { if (file != "" && lines > fmax) printf "FILE %d %s\n", lines, file }
' "${files[@]}")
if [ "$list" -eq 1 ]; then
	grep -v '^FILE' <<<"$report" | sort -rn
	exit 0
fi
fail=0
while read -r n where name; do
	if [ "$n" = FILE ]; then
		echo "check-limits: $name has $where lines (at most $FILE_MAX): split it by what its parts do"
		fail=1
	elif [ "$n" -gt "$FUNC_MAX" ]; then
		echo "check-limits: $where $name() has $n lines (at most $FUNC_MAX)"
		fail=1
	fi
done <<<"$report"
[ "$fail" -eq 0 ] && echo "check-limits: ok (${#files[@]} files, none over $FILE_MAX lines, no function over $FUNC_MAX)"
exit "$fail"
