#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The arrows of the house: src -> podman, src -> netns, everyone -> base.
# podman/ and netns/ never include each other, nor src/ files, nor the
# domain headers (include/isopod/); at most one file includes curl, exactly
# one includes yajl, and libnl is included only under netns/. Then
# scripts/check-symbols.py checks the arrows and cycles between the objects
# of BUILD (the first argument, default build) with nm.
#
#   scripts/check-layering.sh [BUILD]        (make check-layering)
set -u
cd "$(dirname "$0")/.." || exit 1
dirs="include src podman netns"
fail=0
bad() { echo "check-layering: $*"; fail=1; }

inc() { grep -n -r -E "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]$1" $2 2>/dev/null; }

hits=$(inc '(\.\./)*(netns|src|isopod)/' "podman include/podman")
[ -n "$hits" ] && bad "podman/ must not include netns/, src/ or domain headers:"$'\n'"$hits"
hits=$(inc '(\.\./)*(podman|src|isopod)/' "netns include/netns")
[ -n "$hits" ] && bad "netns/ must not include podman/, src/ or domain headers:"$'\n'"$hits"
hits=$(inc '(\.\./)*(podman|netns|isopod|src)/' "src/base include/iso")
[ -n "$hits" ] && bad "the base layer must not include the modules above it:"$'\n'"$hits"
hits=$(grep -n -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\.\./' $dirs 2>/dev/null)
[ -n "$hits" ] && bad "include through include/ paths, not ../:"$'\n'"$hits"

n=$(grep -l -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<curl/' $dirs 2>/dev/null | wc -l)
[ "$n" -le 1 ] || bad "curl is included by $n files (at most one): $(grep -l -r -E '#include *<curl/' $dirs | tr '\n' ' ')"
n=$(grep -l -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<yajl/' $dirs 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || bad "yajl must be included by exactly one file, found $n"
hits=$(grep -l -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<netlink/' $dirs 2>/dev/null | grep -v -E '^(netns/)')
[ -n "$hits" ] && bad "libnl included outside netns/: $hits"

# The same arrows at the symbol level, from the built objects (BUILD, else build).
python3 scripts/check-symbols.py "${1:-build}" || fail=1

[ "$fail" -eq 0 ] && echo "check-layering: ok"
exit "$fail"
