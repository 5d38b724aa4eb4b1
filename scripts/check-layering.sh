#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The arrows of the house: main -> cmd -> the domain folders of src/ ->
# podman, netns -> base. podman/ and netns/ never include each other, nor
# anything of src/, nor a domain header; the base layer (src/base,
# include/base) includes nothing above it; at most one file includes curl,
# exactly one includes yajl, and libnl is included only under netns/. Then
# scripts/check-symbols.py checks the same arrows, and the cycles between
# files and between folders, in the objects of BUILD with nm.
#
#   scripts/check-layering.sh [BUILD]        (make check-layering)
set -u
cd "$(dirname "$0")/.." || exit 1
dirs="include src podman netns"
domain='(cli|cmd|workorder|lease|lifecycle|probe|verify|doctor|progress|store|template|snapshot|testrun|mcp)/'
fail=0
bad() { echo "check-layering: $*"; fail=1; }

# shellcheck disable=SC2086 # word lists
incs() { local pat=$1; shift; grep -n -r -E "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]$pat" "$@" 2>/dev/null; }

hits=$(incs "(\.\./)*(netns/|src/|$domain)" podman include/podman)
[ -n "$hits" ] && bad "podman/ must not include netns/, src/ or domain headers:"$'\n'"$hits"
hits=$(incs "(\.\./)*(podman/|src/|$domain)" netns include/netns)
[ -n "$hits" ] && bad "netns/ must not include podman/, src/ or domain headers:"$'\n'"$hits"
hits=$(incs "(\.\./)*(podman/|netns/|src/|$domain)" src/base include/base)
[ -n "$hits" ] && bad "the base layer must not include the modules above it:"$'\n'"$hits"
# shellcheck disable=SC2086 # word list
hits=$(grep -n -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\.\./' $dirs 2>/dev/null)
[ -n "$hits" ] && bad "include through include/ paths, not ../:"$'\n'"$hits"

# shellcheck disable=SC2086 # word list
n=$(grep -l -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<curl/' $dirs 2>/dev/null | wc -l)
[ "$n" -le 1 ] || bad "curl is included by $n files (at most one)"
# shellcheck disable=SC2086 # word list
n=$(grep -l -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<yajl/' $dirs 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || bad "yajl must be included by exactly one file, found $n"
# shellcheck disable=SC2086 # word list
hits=$(grep -l -r -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<netlink/' $dirs 2>/dev/null | grep -v -E '^(netns/)')
[ -n "$hits" ] && bad "libnl included outside netns/: $hits"

# The same arrows at the symbol level, from the built objects (BUILD, else build).
python3 scripts/check-symbols.py "${1:-build}" || fail=1

[ "$fail" -eq 0 ] && echo "check-layering: ok"
exit "$fail"
