#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Template and snapshot benchmark (issue 14): what a profile's template saves
# a fresh work order, what its clone costs against the database's size, the
# stale path, snapshot, restore and reset, and the copy against cp -a.
#
#   bench/bench_template.sh            (bench/run.sh runs it as the rootless user)
#
# Everything goes through the real CLI (`isopod --progress=json --json ...`),
# timed from outside (date) from the command's start until it returns: `up`,
# `snapshot`, `restore` and `reset` return once /web/login answers 200. The
# documents' own figures (copy_ms, downtime_ms, bytes) and the progress
# lines ("copied X MB in Y ms", each step's elapsed_ms) are read beside.
# BENCH_N (or BENCH_RUNS; default 5) timed runs of each figure, interleaved
# (run i of every method before run i+1 of any), each preceded by an untimed
# `sync`; a work order is removed with `down --cleanup` after each run
# (untimed). Figures are medians with their min-max over the runs (the
# machine's noise); ratios are of medians measured in this one run. Targets
# are printed as met or MISSED: nothing here is a pass/fail test, and the
# script exits 1 only when a part could not run at all.
#
# Profiles (a temporary XDG_CONFIG_HOME holds their config; the host file is
# ISOPOD_HOST_CONFIG, pointed at nothing): P1-P3 are the size line, P2 the
# bench scale (~50 MB), P4 the snapshot size (~200 MB). Each lists
# ["base", "bench_mod"]; bench_mod is in a throwaway repository's addons/
# (`--repo`), and each profile's env sets the stand-in's
# ODOO_STANDIN_INIT_SCALE (tests/images/README.md): BENCH_TPL_SCALES (three
# scales, for P1-P3; default "0.5 1 2") and BENCH_TPL_SNAP_SCALE (P4;
# default 4.4). The names are BENCH_TPL_PROFILE (default benchs) plus 1-4.
# The database's size is pg_database_size of the first clone (psql through
# `isopod exec`); the copied size is the clone's progress line (both volumes:
# the whole data directory with its WAL and the filestore).
#
# 1. fresh work order from the exact template vs `up --no-template`
#    (P2): ratio (target <= 0.30) and absolute (target <= 1.5 s), and where
#    each one's time goes (each progress step's share, medians; the copy
#    overlaps the pod's making, so also when the copy ended and what came after).
# 2. the exact-template up of P1-P4: least-squares line of up ms (and of the
#    copy's ms) against the copied MB and the database's MB.
# 3. the stale path: one file of bench_mod changed, the key with it: `up`
#    (template auto) clones P2's template and runs -u bench_mod.
# 4. snapshot, restore (it keeps before-restore) and reset (run in the
#    repository: it has no --repo and takes the key of its git top level) of a P4 work order:
#    wall time (targets 2 s, 4 s, and the exact-template up of P4 plus the
#    before-restore copy), downtime (snapshot: its downtime_ms; restore and
#    reset stop Odoo too: from their "stopping Odoo" progress line to done).
# 5. the clone's copy (bytes / copy ms of the ups of P2 and P4) against
#    `cp -a` of the same template volumes into a directory on the same file
#    system, run as uid 0 of the rootless user's namespace (`podman unshare`,
#    the namespace isopod copies in), timed inside it; no sync in either;
#    caches are not dropped (that needs root), but nothing keeps them warm
#    either: the template's pages may or may not be resident (target >= 0.8).
#
# Work orders BENCH_TPL_WO_PREFIX-<pid>-... (default prefix t-btpl) on the
# ports BENCH_TPL_PORTS (default the 31st-40th of ISOPOD_TEST_PORTS), a
# temporary ISOPOD_STATE_DIR and lease registry; the binary is
# ISOPOD_BENCH_BIN. On exit, also on a failure or a signal: every work order
# of the run with `down --cleanup` (its snapshots too), every template of the
# bench's profiles with `template rm`, the cp copies, the scratch directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
RUNS=${BENCH_N:-${BENCH_RUNS:-5}}
ISOPOD=${ISOPOD_BENCH_BIN:-$top/isopod}
TEST_PORTS=${ISOPOD_TEST_PORTS:-18890-18949}
read -r -a SCALES <<<"${BENCH_TPL_SCALES:-0.5 1 2}"
SNAP_SCALE=${BENCH_TPL_SNAP_SCALE:-4.4}
PFX=${BENCH_TPL_PROFILE:-benchs}
WOP=${BENCH_TPL_WO_PREFIX:-t-btpl}-$$
P1=${PFX}1 P2=${PFX}2 P3=${PFX}3 P4=${PFX}4
PROFILES=("$P1" "$P2" "$P3" "$P4")
declare -A SCALE=([$P1]=${SCALES[0]:-} [$P2]=${SCALES[1]:-} [$P3]=${SCALES[2]:-} [$P4]=$SNAP_SCALE)
TARGET_RATIO=0.30 TARGET_UP_MS=1500 TARGET_SNAP_MS=2000 TARGET_RESTORE_MS=4000 TARGET_COPY=0.80
CMD_TIMEOUT=300 BUILD_TIMEOUT=900

say() { printf 'bench_template: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
# Podman's CLI reads its storage.conf under the user's own XDG_CONFIG_HOME (isopod gets a temporary one).
USER_CONFIG=${XDG_CONFIG_HOME:-$HOME/.config}
pd() { env -u CONTAINER_HOST XDG_CONFIG_HOME="$USER_CONFIG" podman "$@"; }
FAIL_WHY=""
fail() {
	FAIL_WHY=$*
	return 1
}

[ "${#SCALES[@]}" -eq 3 ] || { say "BENCH_TPL_SCALES needs three scales, not '${BENCH_TPL_SCALES:-}'"; exit 2; }
command -v podman >/dev/null || { say "podman is not installed: skipped"; exit 0; }
[ -x "$ISOPOD" ] || { say "no isopod binary at $ISOPOD (ISOPOD_BENCH_BIN): skipped"; exit 0; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/isopod-bench-tpl.XXXXXX")
REPO=$WORK/repo MOD=$WORK/repo/addons/bench_mod S=$WORK/samples
CPDIR=""
mkdir -p "$WORK/config/isopod" "$WORK/state" "$MOD" "$S"

# ---- samples: one number a line in $S/NAME ----
add() { echo "$2" >>"$S/$1"; }
# stats NAME: "median min max" (nothing when there is no sample)
stats() {
	[ -s "$S/$1" ] || return 0
	sort -n "$S/$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}
med() { stats "$1" | cut -d' ' -f1; }
# show NAME [FORMAT]: "1234 ms (1100-1300)"
show() {
	local s
	s=$(stats "$1")
	[ -n "$s" ] || { printf -- '-'; return; }
	awk -v s="$s" -v f="${2:-%.0f}" 'BEGIN { split(s, v, " "); fmt = f " ms (" f "-" f ")"
		printf fmt, v[1], v[2], v[3] }'
}

# ---- isopod ----
export XDG_CONFIG_HOME=$WORK/config ISOPOD_STATE_DIR=$WORK/state
export ISOPOD_HOST_CONFIG=$WORK/no-host-config.json
export ISOPOD_HOST_REGISTRY_DIR=/nonexistent/isopod-bench-host-registry # not the host-wide one
unset ISOPOD_REGISTRY_DIR ISOPOD_PROFILE ISOPOD_TEMPLATE ISOPOD_TEMPLATE_KEEP
iso_ports_default() {
	local lo hi
	IFS=- read -r lo hi <<<"$TEST_PORTS"
	if [ $((hi - lo)) -ge 39 ]; then echo "$((lo + 30))-$((lo + 39))"; else echo "$lo-$hi"; fi
}
export ISOPOD_PORTS=${BENCH_TPL_PORTS:-$(iso_ports_default)}
[ -z "${ISOPOD_DB_IMAGE:-}" ] || export ISOPOD_DB_IMAGE
[ -z "${ISOPOD_ODOO_IMAGE:-}" ] || export ISOPOD_ODOO_IMAGE
cd "$WORK"

profile_json() {
	printf '"%s": {"env": {"ODOO_STANDIN_INIT_SCALE": "%s"}, "modules": ["base", "bench_mod"]}' "$1" "${SCALE[$1]}"
}
{
	printf '{"template_keep": 3, "profiles": {\n'
	for p in "${PROFILES[@]}"; do
		profile_json "$p"
		if [ "$p" = "$P4" ]; then printf '\n'; else printf ',\n'; fi
	done
	printf '}}\n'
} >"$WORK/config/isopod/config.json"
printf '{"name": "Bench Mod", "version": "1.0", "depends": ["base"], "installable": True}\n' >"$MOD/__manifest__.py"
printf '# bench_mod: a module of the repository, listed by the bench profiles\n' >"$MOD/__init__.py"
# reset has no --repo: it computes the key of the repository it runs in (the git top level), so it runs in REPO.
mkdir "$REPO/.git"

LAST_MS=0
# A field of a document: "key": "string" or "key": number.
jfield() { sed -n "s/.*\"$2\": *\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" "$1" | head -n1; }
jmessage() { sed -n 's/.*"message": *"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$1" | sed 's/\\"/"/g; s/\\n/ /g' | head -n1; }
# iso_run NAME CMD...: isopod CMD, its document in $WORK/NAME.json, its
# progress lines in $WORK/NAME.prog, its wall time in LAST_MS.
iso_run() {
	local name=$1 rc=0 t0 t1 limit=$CMD_TIMEOUT
	shift
	[ "$1 ${2:-}" != "template build" ] || limit=$BUILD_TIMEOUT
	t0=$(now_ms)
	timeout -k 5 "$limit" "$ISOPOD" --progress=json --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.prog" || rc=$?
	t1=$(now_ms)
	LAST_MS=$((t1 - t0))
	[ "$rc" -ne 0 ] || return 0
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "isopod $*: no answer after $limit s (stopped)"
		return 1
	fi
	fail "isopod $*: $(jmessage "$WORK/$name.json")$(grep -v '^{' "$WORK/$name.prog" | head -n1) (exit $rc)"
}
iso() { "$ISOPOD" --quiet "$@"; }
# The clone's or snapshot's copies in a progress file: "MB ms" a line.
copies() { sed -n 's/.*"message": *"copied \([0-9.]*\) MB in \([0-9]*\) ms.*/\1 \2/p' "$1"; }
# steps FILE WALL: each progress step's share of the command's wall time,
# "step ms" a line (an event lasts until the next; "start" is before the
# first, "exit" after the last: process start, configuration, exit).
steps() {
	awk -v wall="$2" '
		function num(re,  s) { if (!match($0, re)) return ""; s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); return s + 0 }
		function str(re,  s) { if (!match($0, re)) return ""; s = substr($0, RSTART, RLENGTH); sub(/^"step": *"/, "", s); sub(/"$/, "", s); return s }
		/^\{"step"/ { n++; st[n] = str("\"step\": *\"[^\"]*\""); el[n] = num("\"elapsed_ms\": *[0-9]+") }
		END {
			if (!n) exit
			d["start"] = el[1]; order[++k] = "start"
			for (i = 1; i <= n; i++) {
				if (!(st[i] in d)) order[++k] = st[i]
				d[st[i]] += (i < n ? el[i + 1] : el[i]) - el[i]
			}
			d["exit"] = wall - el[n]; order[++k] = "exit"
			for (i = 1; i <= k; i++) print order[i], d[order[i]]
		}' "$1"
}
# add_steps PREFIX FILE WALL: each step's ms into PREFIX.step.<step>
add_steps() {
	local st ms
	while read -r st ms; do add "$1.step.$st" "$ms"; done < <(steps "$2" "$3")
	[ -s "$S/$1.order" ] || steps "$2" "$3" | cut -d' ' -f1 >"$S/$1.order"
}
show_steps() {
	local st out=""
	[ -s "$S/$1.order" ] || { printf -- '-'; return; }
	while read -r st; do out+="${out:+, }$st $(med "$1.step.$st")"; done <"$S/$1.order"
	printf '%s ms' "$out"
}

cleanups=()
cleanup() {
	local c p
	set +e
	for c in "${cleanups[@]}"; do iso down --cleanup --profile "${c%%:*}" "${c#*:}" >/dev/null 2>&1; done
	cleanups=()
	for p in "${PROFILES[@]}"; do iso template rm --profile "$p" >/dev/null 2>&1; done
	[ -z "$CPDIR" ] || pd unshare rm -rf "$CPDIR"
	cd /
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

declare -A KEY BUILD_MS DB_MB COPY_MB WAL_MB FILES_MB WHY TPL_DB TPL_FILES

# up_run NAME PROFILE WO [FLAGS...]: one timed up (LAST_MS), remembered for the cleanup.
up_run() {
	local name=$1 p=$2 wo=$3
	shift 3
	case " ${cleanups[*]} " in *" $p:$wo "*) ;; *) cleanups+=("$p:$wo") ;; esac
	iso_run "$name" up "$wo" --profile "$p" --repo "$REPO" "$@"
}
down_run() { iso down --cleanup --profile "$1" "$2" >/dev/null || fail "isopod down --cleanup $2: failed"; }
# The up came from the exact template of its profile (else FAIL_WHY says what it did).
check_exact() {
	grep -q "\"message\": *\"from template ${KEY[$1]} of profile" "$WORK/$2.prog" &&
		! grep -q 'not current' "$WORK/$2.prog" && return 0
	fail "up of profile $1 did not clone its template ${KEY[$1]} as it is: $(grep -m1 '"step": *"template"' "$WORK/$2.prog" | sed 's/.*"message": *"\([^"]*\)".*/\1/')"
}
# tpl_up NAME PROFILE: a timed exact-template up of a fresh work order, its figures kept; then down.
tpl_up() {
	local name=$1 p=$2 wo=$WOP-$3 mb ms end
	sync
	up_run "$name" "$p" "$wo" || return
	check_exact "$p" "$name" || return
	read -r mb ms < <(copies "$WORK/$name.prog") || { fail "up of $wo printed no copy line"; return 1; }
	add "tpl.$p" "$LAST_MS"
	add "copyms.$p" "$ms"
	COPY_MB[$p]=$mb
	add_steps "tpl.$p" "$WORK/$name.prog" "$LAST_MS"
	# The copy overlaps the pod's making: when it ended, and what came after it.
	end=$(awk '/"message": *"copied / { match($0, /"elapsed_ms": *[0-9]+/); s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); print s; exit }' "$WORK/$name.prog")
	add "copyend.$p" "$end"
	add "after.$p" "$((LAST_MS - end))"
	down_run "$p" "$wo"
}

# ---- the cp -a peer: the template's volumes, in the user's namespace ----
volume_path() { pd volume inspect --format '{{.Mountpoint}}' "$1"; }
cp_setup() {
	local mp
	mp=$(volume_path "${TPL_DB[$P2]}") || { fail "podman volume inspect ${TPL_DB[$P2]}: failed"; return 1; }
	if [ "$(stat -c %d "$HOME")" = "$(stat -c %d "$mp")" ]; then
		CPDIR=$(mktemp -d "$HOME/.isopod-bench-cp.XXXXXX")
	else
		CPDIR=$(mktemp -d "$(dirname "$(dirname "$(dirname "$mp")")")/isopod-bench-cp.XXXXXX")
	fi
}
# cp_run PROFILE: one timed cp -a of its template's two volumes (ms into cp.PROFILE).
cp_run() {
	local p=$1 src_db src_files ms
	if ! src_db=$(volume_path "${TPL_DB[$p]}") || ! src_files=$(volume_path "${TPL_FILES[$p]}"); then
		fail "podman volume inspect of the template of $p: failed"
		return 1
	fi
	sync
	# shellcheck disable=SC2016 # expanded by the namespace's shell
	ms=$(pd unshare sh -c 's=$(date +%s%N); cp -a "$1" "$3/db" && cp -a "$2" "$3/files" || exit 1
		e=$(date +%s%N); rm -rf "$3/db" "$3/files"; echo $(((e - s) / 1000000))' sh \
		"$src_db" "$src_files" "$CPDIR") || { fail "cp -a of the template of $p (podman unshare): failed"; return 1; }
	add "cp.$p" "$ms"
}

# ---- the parts ----
build_templates() {
	local p
	for p in "${PROFILES[@]}"; do
		say "building the template of $p (scale ${SCALE[$p]})"
		iso_run "build-$p" template build --profile "$p" --repo "$REPO" || return
		KEY[$p]=$(jfield "$WORK/build-$p.json" key)
		BUILD_MS[$p]=$(jfield "$WORK/build-$p.json" ms)
		TPL_DB[$p]=isopod-tpl-$p-${KEY[$p]}-db TPL_FILES[$p]=isopod-tpl-$p-${KEY[$p]}-files
	done
}
# Untimed: a first clone of each profile, for its sizes.
sizes() {
	local p wo db b mp
	for p in "${PROFILES[@]}"; do
		wo=$WOP-w
		up_run "warm-$p" "$p" "$wo" || return
		check_exact "$p" "warm-$p" || return
		db=$(jfield "$WORK/warm-$p.json" database)
		b=$(iso exec --profile "$p" "$wo" db -- psql -U odoo -d "$db" -tAc \
			'select pg_database_size(current_database())' | tr -d '[:space:]') ||
			{ fail "psql in $wo: failed"; return 1; }
		DB_MB[$p]=$(awk -v b="$b" 'BEGIN { printf "%.1f", b / 1e6 }')
		COPY_MB[$p]=$(copies "$WORK/warm-$p.prog" | head -n1 | cut -d' ' -f1)
		mp=$(volume_path "${TPL_DB[$p]}")
		WAL_MB[$p]=$(pd unshare du -sb "$mp/pg_wal" | awk '{ printf "%.1f", $1 / 1e6 }')
		mp=$(volume_path "${TPL_FILES[$p]}")
		FILES_MB[$p]=$(pd unshare du -sb "$mp" | awk '{ printf "%.1f", $1 / 1e6 }')
		say "$p: database ${DB_MB[$p]} MB, copied ${COPY_MB[$p]} MB (pg_wal ${WAL_MB[$p]} MB, filestore volume ${FILES_MB[$p]} MB), template built in ${BUILD_MS[$p]} ms"
		down_run "$p" "$wo" || return
	done
}
# 1 and 5 (P2) side by side, then 2 and 5 (P1, P3, P4).
part_fresh() {
	local i
	for ((i = 1; i <= RUNS; i++)); do
		tpl_up "t$i" "$P2" t || return
		sync
		up_run "s$i" "$P2" "$WOP-s" --no-template || return
		add scratch "$LAST_MS"
		add_steps scratch "$WORK/s$i.prog" "$LAST_MS"
		down_run "$P2" "$WOP-s" || return
		cp_run "$P2" || return
		say "run $i: template $(tail -n1 "$S/tpl.$P2") ms, scratch $LAST_MS ms, cp -a $(tail -n1 "$S/cp.$P2") ms"
	done
}
part_sizes() {
	local i p
	for ((i = 1; i <= RUNS; i++)); do
		for p in "$P1" "$P3" "$P4"; do tpl_up "z$i-$p" "$p" z || return; done
		cp_run "$P4" || return
	done
}
part_stale() {
	local i
	printf '# changed by the bench: a new key, the stale path\n' >>"$MOD/__init__.py"
	for ((i = 1; i <= RUNS; i++)); do
		sync
		up_run "u$i" "$P2" "$WOP-u" || return
		grep -q 'not current: then upgrading bench_mod' "$WORK/u$i.prog" ||
			{ fail "up after the change did not clone and upgrade bench_mod: $(grep -m1 '"step": *"template"' "$WORK/u$i.prog")"; return 1; }
		add stale "$LAST_MS"
		add_steps stale "$WORK/u$i.prog" "$LAST_MS"
		down_run "$P2" "$WOP-u" || return
	done
}
# The "stopping Odoo" line's elapsed_ms to the last line's: the time Odoo does not serve.
odoo_down_ms() {
	awk '/"message": *"stopping Odoo/ && !a { a = 1; match($0, /"elapsed_ms": *[0-9]+/); s = substr($0, RSTART, RLENGTH) }
		/elapsed_ms/ { match($0, /"elapsed_ms": *[0-9]+/); e = substr($0, RSTART, RLENGTH) }
		END { sub(/.*:/, "", s); sub(/.*:/, "", e); if (a) print e - s }' "$1"
}
part_snap() {
	local i wo=$WOP-snap f
	up_run snapup "$P4" "$wo" || return
	for ((i = 1; i <= RUNS; i++)); do
		sync
		iso_run "snap$i" snapshot --profile "$P4" "$wo" "b$i" || return
		f=$WORK/snap$i.json
		add snap "$LAST_MS"
		add snap.down "$(jfield "$f" downtime_ms)"
		add snap.copy "$(jfield "$f" copy_ms)"
		SNAP_MB=$(jfield "$f" bytes | awk '{ printf "%.1f", $1 / 1e6 }')
		iso snapshot rm --profile "$P4" "$wo" "b$i" >/dev/null || { fail "snapshot rm $wo b$i: failed"; return 1; }
	done
	iso snapshot --profile "$P4" "$wo" base >/dev/null || { fail "snapshot $wo base: failed"; return 1; }
	for ((i = 1; i <= RUNS; i++)); do
		sync
		iso_run "rest$i" restore --profile "$P4" "$wo" base || return
		add restore "$LAST_MS"
		add restore.down "$(odoo_down_ms "$WORK/rest$i.prog")"
		add restore.before "$(copies "$WORK/rest$i.prog" | head -n1 | cut -d' ' -f2)"
		add restore.copy "$(jfield "$WORK/rest$i.json" copy_ms)"
		add_steps restore "$WORK/rest$i.prog" "$LAST_MS"
		sync
		cd "$REPO"
		iso_run "reset$i" reset --profile "$P4" "$wo" || return
		cd "$WORK"
		check_exact "$P4" "reset$i" || return
		add reset "$LAST_MS"
		add reset.down "$(odoo_down_ms "$WORK/reset$i.prog")"
		add reset.before "$(copies "$WORK/reset$i.prog" | head -n1 | cut -d' ' -f2)"
		add reset.copy "$(jfield "$WORK/reset$i.json" copy_ms)"
		add_steps reset "$WORK/reset$i.prog" "$LAST_MS"
	done
	down_run "$P4" "$wo"
}

# unavailable PART: FAIL_WHY is why PART could not run.
FAILED=0
unavailable() {
	WHY[$1]=$FAIL_WHY
	FAILED=1
}
# run_part NAME FUNCTION: a part that fails is named with its reason; the others still run.
run_part() {
	local t0
	t0=$(now_ms)
	say "$1..."
	if ! "$2"; then
		unavailable "$1"
		say "$1: unavailable ($(($(now_ms) - t0)) ms): $FAIL_WHY"
	fi
}

say "$RUNS runs, profiles $P1-$P4 at scales ${SCALES[*]} $SNAP_SCALE, ports $ISOPOD_PORTS, work orders $WOP-*, images ${ISOPOD_DB_IMAGE:-default} + ${ISOPOD_ODOO_IMAGE:-default}"
run_part templates build_templates
[ -n "${WHY[templates]:-}" ] || run_part sizes sizes
if [ -z "${WHY[templates]:-}${WHY[sizes]:-}" ]; then
	cp_setup || unavailable cp
	run_part fresh part_fresh
	run_part size-line part_sizes
	run_part snapshots part_snap
	run_part stale part_stale
fi

# ---- the figures ----
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = op == "<=" ? v <= t : v >= t; printf "%s", ok ? "met" : "MISSED" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
unavail() { printf '   unavailable: %s\n' "${WHY[$1]}"; }
printf '\nbench_template: %s runs each, medians (min-max), milliseconds unless said\n' "$RUNS"
printf 'profiles (modules base, bench_mod):\n'
for p in "${PROFILES[@]}"; do
	printf '  %-9s scale %-5s database %6s MB, clone copies %6s MB (of it pg_wal %s MB, filestore volume %s MB); template build %s ms\n' \
		"$p" "${SCALE[$p]}" "${DB_MB[$p]:--}" "${COPY_MB[$p]:--}" "${WAL_MB[$p]:--}" "${FILES_MB[$p]:--}" "${BUILD_MS[$p]:--}"
done
for w in templates sizes; do [ -z "${WHY[$w]:-}" ] || unavail "$w"; done

printf '\n1. fresh work order until /web/login 200, profile %s (database %s MB):\n' "$P2" "${DB_MB[$P2]:--}"
if [ -n "${WHY[fresh]:-}" ]; then unavail fresh; fi
if [ -s "$S/tpl.$P2" ] && [ -s "$S/scratch" ]; then
	t=$(med "tpl.$P2") s=$(med scratch) r=$(ratio "$(med "tpl.$P2")" "$(med scratch)")
	printf '   from the exact template  %s\n   from scratch             %s   (up --no-template)\n' "$(show "tpl.$P2")" "$(show scratch)"
	printf '   ratio %s (target <= %s: %s); absolute %s ms (target <= %s ms: %s)\n' "$r" "$TARGET_RATIO" \
		"$(verdict "$r" "$TARGET_RATIO" '<=')" "$t" "$TARGET_UP_MS" "$(verdict "$t" "$TARGET_UP_MS" '<=')"
	printf '   template up: the copy (%s of its own) ended %s after the start; after it %s\n' \
		"$(show "copyms.$P2")" "$(show "copyend.$P2")" "$(show "after.$P2")"
	printf '   template up, each step: %s\n' "$(show_steps "tpl.$P2")"
	printf '   scratch up, each step:  %s\n' "$(show_steps scratch)"
fi

printf '\n2. the exact-template up against the size (least squares over the profiles'"'"' medians):\n'
[ -z "${WHY[size-line]:-}" ] || unavail size-line
for p in "${PROFILES[@]}"; do
	[ -s "$S/tpl.$p" ] || continue
	printf '%s %s %s %s %s\n' "$p" "${DB_MB[$p]}" "${COPY_MB[$p]}" "$(med "tpl.$p")" "$(med "copyms.$p")" >>"$WORK/line"
	printf '   %-9s database %6s MB, copied %6s MB: up %s, the copy %s, ended at %s, after it %s\n' "$p" \
		"${DB_MB[$p]}" "${COPY_MB[$p]}" "$(show "tpl.$p")" "$(show "copyms.$p")" "$(show "copyend.$p")" \
		"$(show "after.$p")"
done
if [ -s "$WORK/line" ] && [ "$(wc -l <"$WORK/line")" -ge 2 ]; then
	fit() {
		awk -v xc="$1" -v yc="$2" -v what="$3" '{ x = $xc; y = $yc; n++; sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y }
			END { d = n * sxx - sx * sx; if (d == 0) exit; b = (n * sxy - sx * sy) / d; a = (sy - b * sx) / n
				r = (n * sxy - sx * sy) / sqrt(d * (n * syy - sy * sy) + 1e-9)
				printf "   %s: %.2f ms per MB, intercept %.0f ms (r^2 %.3f)\n", what, b, a, r * r }' "$WORK/line"
	}
	fit 3 4 "up against the copied MB"
	fit 2 4 "up against the database MB"
	fit 3 5 "the copy alone against the copied MB"
fi

printf '\n3. the stale path (bench_mod changed: clone of the newest template of %s, then -u bench_mod):\n' "$P2"
[ -z "${WHY[stale]:-}" ] || unavail stale
if [ -s "$S/stale" ]; then
	printf '   %s, beside the exact template'"'"'s %s ms: %s x\n' "$(show stale)" "$(med "tpl.$P2")" \
		"$(ratio "$(med stale)" "$(med "tpl.$P2")")"
	printf '   each step: %s\n' "$(show_steps stale)"
fi

printf '\n4. snapshot, restore, reset of a %s work order (database %s MB, snapshot %s MB):\n' "$P4" \
	"${DB_MB[$P4]:--}" "${SNAP_MB:--}"
[ -z "${WHY[snapshots]:-}" ] || unavail snapshots
if [ -s "$S/snap" ]; then
	printf '   snapshot %s (target <= %s ms: %s); Postgres down %s; copy %s\n' "$(show snap)" "$TARGET_SNAP_MS" \
		"$(verdict "$(med snap)" "$TARGET_SNAP_MS" '<=')" "$(show snap.down)" "$(show snap.copy)"
fi
if [ -s "$S/restore" ]; then
	printf '   restore  %s (target <= %s ms: %s); Odoo down %s; copies %s (before-restore %s)\n' "$(show restore)" \
		"$TARGET_RESTORE_MS" "$(verdict "$(med restore)" "$TARGET_RESTORE_MS" '<=')" "$(show restore.down)" \
		"$(show restore.copy)" "$(show restore.before)"
fi
if [ -s "$S/reset" ] && [ -s "$S/tpl.$P4" ]; then
	tr=$(awk -v a="$(med "tpl.$P4")" -v b="$(med reset.before)" 'BEGIN { printf "%.0f", a + b }')
	printf '   reset    %s (target <= %s ms = template up of %s %s + before-restore copy %s: %s); Odoo down %s; copies %s\n' \
		"$(show reset)" "$tr" "$P4" "$(med "tpl.$P4")" "$(med reset.before)" "$(verdict "$(med reset)" "$tr" '<=')" \
		"$(show reset.down)" "$(show reset.copy)"
	printf '   restore, each step: %s\n' "$(show_steps restore)"
	printf '   reset, each step: %s\n' "$(show_steps reset)"
fi

printf '\n5. the copy against cp -a (uid 0 of the user'"'"'s namespace, caches not dropped, no sync):\n'
[ -z "${WHY[cp]:-}" ] || unavail cp
for p in "$P2" "$P4"; do
	if [ ! -s "$S/cp.$p" ] || [ ! -s "$S/copyms.$p" ]; then continue; fi
	c=$(med "copyms.$p") k=$(med "cp.$p")
	r=$(ratio "$k" "$c")
	awk -v p="$p" -v mb="${COPY_MB[$p]}" -v c="$c" -v k="$k" -v r="$r" -v t="$TARGET_COPY" -v v="$(verdict "$r" "$TARGET_COPY" '>=')" \
		-v sc="$(show "copyms.$p")" -v sk="$(show "cp.$p")" 'BEGIN {
		printf "   %s, %s MB: clone %.0f MB/s (%s), cp -a %.0f MB/s (%s): ratio %s (target >= %s: %s)\n",
			p, mb, mb * 1000 / c, sc, mb * 1000 / k, sk, r, t, v }'
done

[ "$FAILED" -eq 0 ] || exit 1
