#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every source file of the tree opens with its licence: an
# SPDX-License-Identifier line among its first two lines (after a shebang).
#
#   scripts/check-spdx.sh          (make check-spdx, part of make check)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
while IFS= read -r f; do
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || missing+=("$f")
done < <(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.sh' Makefile .ci/run \
	'tests/images/*/*' 'bench/*.yaml' | grep -v -E '^tests/data/|\.md$' | while IFS= read -r f; do
	[ -f "$f" ] && echo "$f"
done)
if [ "${#missing[@]}" -gt 0 ]; then
	printf 'check-spdx: no "SPDX-License-Identifier: Apache-2.0" in the first two lines of:\n' >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
echo "check-spdx: ok"
