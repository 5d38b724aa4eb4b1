#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Peer benchmark: bring a work order's pair of containers up and down with
# each method and print the medians, their ratios and isopod's targets.
#
#   bench/bench_peers.sh            (bench/run.sh runs it as the rootless user)
#
# Methods: the podman CLI sequence, podman-compose 1.0.3 and `isopod` itself,
# on the same images (ISOPOD_DB_IMAGE, ISOPOD_ODOO_IMAGE), one after another.
#
# up   = from no pod (volumes kept, database initialised) until the stand-in's
#        /web/login answers 200. That answer needs Postgres accepting
#        connections and the work order's database initialised (the stand-in
#        reads Odoo's module table), so it is the readiness isopod proves
#        (Postgres by its netns probe, then /web/login 200). isopod times the
#        whole `isopod up` (it returns only when ready); the peers time their
#        commands plus a curl poll every 50 ms (isopod polls every 25 ms).
# down = stop and remove the pod (or containers) but keep the volumes.
# One untimed warm-up run per method creates the volumes and initialises the
# database (the peers run Odoo's own `-i base --stop-after-init` by exec; isopod
# does it in its first `up`). BENCH_N (or BENCH_RUNS; default 5) timed runs
# follow. BENCH_VOLUMES=cold creates the volumes inside every timed up and
# removes them after each down: then the peers' up ends at /web/login 303
# (database reached, not initialised) and isopod's includes Odoo's init.
#
# A method that cannot run is "unavailable": the first step that fails names
# the reason (the first error line of its command, e.g. of `podman-compose up`,
# which exits 0 even when its containers did not start; or the state of a
# container that exited or never started, from `podman ps -a`/`podman inspect`,
# with its last log line). The peers' containers are checked once their up
# command returns in the warm-up, and while /web/login is not ready yet from
# BENCH_CHECK_AFTER seconds on (default 3; untimed runs: at once), every
# second; BENCH_READY_TIMEOUT (default 60) seconds is the last resort, naming
# what was last seen. An unavailable method is cleaned up at once (its
# containers, pod, network and its own labelled volumes), the other methods
# still run, the summary lists it with its reason, its ratios are shown as
# unavailable, and the script exits 1 after printing everything.
#
# isopod runs as work order t-bench-<pid> with ports from ISOPOD_PORTS
# (BENCH_ISOPOD_PORTS; default the 21st-30th ports of ISOPOD_TEST_PORTS, i.e.
# 18910-18919) and a temporary ISOPOD_STATE_DIR; the binary is
# ISOPOD_BENCH_BIN (bench/run.sh sets it). The peers take one free port of
# ISOPOD_TEST_PORTS, from the top down.
# After its timed runs, BENCH_N more `isopod up`s run under bench/rsspeak.c,
# which samples RssAnon from /proc/PID/status every 0.5 ms (the peak is
# isopod's private memory), each followed by Podman's own stop of that pod
# timed alone (POST /libpod/pods/NAME/stop?t=10 through the API socket with
# curl, as isopod's down sends it; `podman pod stop -t 10` when no
# CONTAINER_HOST). bench/idle_libs.c, linked to the same libraries and doing
# nothing, is measured the same way.
#
# Adding a method: write method_<name>_up ID PORT, method_<name>_down ID and
# method_<name>_clean ID (optionally method_<name>_init ID, run once after the
# warm-up up, and method_<name>_check ID, untimed after each timed up), and
# append <name> to METHODS. Each returns 0, or 1 with the reason in FAIL_WHY
# (see step and fail below; the main loop runs them where `set -e` does not
# apply, so every step is checked explicitly). Every method is compared with
# the peers listed before it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
RUNS=${BENCH_N:-${BENCH_RUNS:-5}}
VOLUMES=${BENCH_VOLUMES:-warm}
DB_IMAGE=${ISOPOD_DB_IMAGE:-localhost/isopod-postgres:15}
ODOO_IMAGE=${ISOPOD_ODOO_IMAGE:-localhost/isopod-odoo-standin:18}
COMPOSE_FILE=$here/compose.yaml
ISOPOD=${ISOPOD_BENCH_BIN:-$top/isopod}
TEST_PORTS=${ISOPOD_TEST_PORTS:-18890-18949}
READY_TIMEOUT_MS=$((${BENCH_READY_TIMEOUT:-60} * 1000))
CHECK_AFTER_MS=$((${BENCH_CHECK_AFTER:-3} * 1000))
# A command that neither finishes nor fails (podman-compose, isopod) is
# stopped after this long: the last resort, like READY_TIMEOUT_MS.
CMD_TIMEOUT=$((READY_TIMEOUT_MS / 1000 + 60))
METHODS=(cli compose)
PEERS=(cli compose)
# Targets of issue #6 for isopod: ratio against each peer.
declare -A TARGET_UP=([cli]=0.70 [compose]=0.35) TARGET_DOWN=([cli]=1.00 [compose]=0.50)
TARGET_RSS_KB=4096

say() { printf 'bench_peers: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

# The peers talk to Podman as a user would from a shell: the local CLI, not
# the API service that CONTAINER_HOST may point at. podman-compose prints
# each podman command, then its output, then "exit code: N": unbuffered, so
# that order holds in a log file.
# timeout makes itself a process group leader and passes its signal on to
# that group, so one `kill` of its PID ends podman-compose and its podman.
pd() { env -u CONTAINER_HOST podman "$@"; }
PC=(env -u CONTAINER_HOST PYTHONUNBUFFERED=1 timeout -k 5 "$CMD_TIMEOUT" podman-compose)
pc() { "${PC[@]}" "$@"; }

command -v podman >/dev/null || { say "podman is not installed: skipped"; exit 0; }

# Scratch space: step logs, isopod's state, the helper binaries.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/isopod-bench.XXXXXX")
STEP_LOG=$WORK/step.log

# ---- failures ----
# FAIL_WHY is the reason of the last failure; STATE_SEEN what the last look at
# a method's containers showed.
FAIL_WHY="" STATE_SEEN=""
fail() {
	FAIL_WHY=$*
	return 1
}

# first_error_line FILE: the line of a command's output that says what went
# wrong. podman-compose logs each podman command it runs ("podman ..." or
# "['podman', ...]"), then the command's output, then "exit code: N" or, when
# it gives up, a Python traceback. The first "Error:" line of the command
# that failed wins (its tolerated probes, such as `podman volume inspect` of
# a volume yet to be made, print errors too); then the traceback's last line;
# then any first "Error:"/"error:" line; then the last line.
first_error_line() {
	local line
	line=$(awk '
		/^podman |^\[\047podman\047/ { err = ""; next }
		/^exit code: / { if ($3 != 0 && err != "") { print err; found = 1; exit } err = ""; next }
		/^Error: / && err == "" { err = $0 }
		/^Traceback / { if (err != "") { print err; found = 1; exit } tb = 1 }
		tb && NF { last = $0 }
		END { if (!found && tb) print last }' "$1")
	[ -n "$line" ] || line=$(grep -m1 -E '^(Error|error|Fatal|fatal)[: ]' "$1" || true)
	[ -n "$line" ] || line=$(grep -v '^[[:space:]]*$' "$1" | tail -n1 || true)
	printf '%s\n' "${line:-no output}" | cut -c1-300
}

# step WHAT CMD...: run CMD, its output kept in STEP_LOG; on failure FAIL_WHY
# is "WHAT: <its first error line> (exit N)".
step() {
	local what=$1 rc=0
	shift
	"$@" >"$STEP_LOG" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || return 0
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$what: no answer after $CMD_TIMEOUT s (stopped); its last line: $(grep -v '^[[:space:]]*$' "$STEP_LOG" | tail -n1 | cut -c1-300)"
	else
		fail "$what: $(first_error_line "$STEP_LOG") (exit $rc)"
	fi
}

# containers_running FILTER NAME...: 0 when every NAME (of the containers
# `podman ps -a --filter FILTER` lists) is running; else 1, FAIL_WHY naming
# the first that is not: never created, or its state, exit code, Podman's
# error and its last log line. STATE_SEEN lists each NAME's status.
containers_running() {
	local filter=$1 n st out why last
	shift
	local -A status=()
	out=$(pd ps -a --filter "$filter" --format '{{.Names}}	{{.Status}}' 2>&1) ||
		{ fail "podman ps -a --filter $filter: $out"; return 1; }
	while IFS=$'\t' read -r n st; do
		[ -z "$n" ] || status[$n]=$st
	done <<<"$out"
	STATE_SEEN=""
	for n in "$@"; do STATE_SEEN+="${STATE_SEEN:+, }$n ${status[$n]:-missing}"; done
	for n in "$@"; do
		st=${status[$n]:-}
		case $st in Up*) continue ;; esac
		[ -n "$st" ] || { fail "container $n was never created"; return 1; }
		case $st in Created*) fail "container $n was created but never started"; return 1 ;; esac
		why=$(pd inspect --type container --format \
			'{{.State.Status}} (exit code {{.State.ExitCode}}){{if .State.Error}}: {{.State.Error}}{{end}}' "$n" 2>&1 |
			head -n1)
		last=$(pd logs --tail 1 "$n" 2>&1 | tail -n1 | cut -c1-200 || true)
		fail "container $n is $why${last:+; its last log line: $last}"
		return 1
	done
}

# group_alive PGID: a process of that group runs (a zombie, which only its
# parent can reap, does not count).
group_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }

http_code() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$1$2" || true; }

# The /web/login answers that count as ready: 200 (database initialised), or
# also 303 (database reached, not initialised) for a warm-up or cold volumes.
READY_CODES=" 200 "
# Untimed runs (the warm-up) look at the containers at once.
UNTIMED=0

# wait_ready PORT STATE ID: poll /web/login every 50 ms until it answers one
# of READY_CODES. From CHECK_AFTER_MS on (at once when UNTIMED), every second,
# `STATE ID` (the method's container check) may end the wait early; after
# READY_TIMEOUT_MS the wait fails with what was last seen.
wait_ready() {
	local port=$1 state=$2 id=$3 start now code next
	start=$(now_ms)
	if [ "$UNTIMED" -eq 1 ]; then next=$start; else next=$((start + CHECK_AFTER_MS)); fi
	while :; do
		code=$(http_code "$port" /web/login)
		case $READY_CODES in *" $code "*) return 0 ;; esac
		now=$(now_ms)
		if [ "$now" -ge "$next" ]; then
			"$state" "$id" || { fail "$FAIL_WHY (/web/login on port $port: $code)"; return 1; }
			next=$((now + 1000))
		fi
		if [ $((now - start)) -ge "$READY_TIMEOUT_MS" ]; then
			"$state" "$id" || true
			fail "not ready on port $port after $((READY_TIMEOUT_MS / 1000)) s; last seen: /web/login answered $code${STATE_SEEN:+; containers: $STATE_SEEN}"
			return 1
		fi
		sleep 0.05
	done
}

# Odoo's own initialisation of the database (what isopod's first `up` runs),
# in the running Odoo container; the stand-in's odoo reads the same flags.
odoo_init() {
	local container=$1 host=$2
	step "odoo -i base in $container" pd exec "$container" odoo -d bench -i base --without-demo=all \
		--stop-after-init --db_host "$host" --db_user postgres --db_password bench
}

# remove_volumes LABEL NAME...: remove the volumes that carry LABEL (one
# label: Podman 4.3 ORs label filters on volumes) and are one of NAMEs.
remove_volumes() {
	local label=$1 v n
	shift
	for v in $(pd volume ls -q --filter "label=$label" 2>/dev/null); do
		for n in "$@"; do
			[ "$v" != "$n" ] || pd volume rm -f "$v" >/dev/null 2>&1 || say "could not remove volume $v"
		done
	done
}

# ---- the podman CLI sequence ----
cli_state() { containers_running "label=io.isopod.key=test/$1" "db_$1" "odoo_$1"; }
method_cli_up() {
	local id=$1 port=$2 v
	for v in "db-$id-data" "odoo-$id-data"; do
		if [ "$VOLUMES" = cold ] || ! pd volume exists "$v"; then
			step "podman volume create $v" pd volume create --label "io.isopod.key=test/$id" "$v" || return
		fi
	done
	step "podman pod create" pd pod create --name "$id" --label "io.isopod.key=test/$id" \
		-p "127.0.0.1:$port:8069" --add-host db:127.0.0.1 || return
	step "podman create (db)" pd create --pod "$id" --name "db_$id" --label "io.isopod.key=test/$id" \
		-e POSTGRES_PASSWORD=bench -e POSTGRES_DB=bench \
		-v "db-$id-data:/var/lib/postgresql/data" "$DB_IMAGE" || return
	step "podman create (odoo)" pd create --pod "$id" --name "odoo_$id" --label "io.isopod.key=test/$id" \
		-e HOST=127.0.0.1 -e USER=postgres -e PASSWORD=bench \
		-v "odoo-$id-data:/var/lib/odoo" "$ODOO_IMAGE" odoo -d bench || return
	step "podman pod start" pd pod start "$id" || return
	if [ "$UNTIMED" -eq 1 ]; then cli_state "$id" || return; fi
	wait_ready "$port" cli_state "$id"
}
method_cli_init() { odoo_init "odoo_$1" 127.0.0.1; }
method_cli_down() {
	step "podman pod stop" pd pod stop "$1" || return
	step "podman pod rm" pd pod rm "$1" || return
	[ "$VOLUMES" != cold ] || step "podman volume rm" pd volume rm "db-$1-data" "odoo-$1-data"
}
method_cli_clean() {
	local c
	pd pod rm -f "$1" >/dev/null 2>&1 || true
	for c in $(pd ps -a -q --filter "label=io.isopod.key=test/$1" 2>/dev/null); do
		pd rm -f "$c" >/dev/null 2>&1 || say "could not remove container $c"
	done
	remove_volumes "io.isopod.key=test/$1" "db-$1-data" "odoo-$1-data"
}

# ---- podman-compose 1.0.3 ----
# It exits 0 even when a container did not start (it answers a failed
# `podman run -d` with a `podman start` of the same name): its log and the
# project's containers tell.
compose_state() { containers_running "label=io.podman.compose.project=$1" "$1_db_1" "$1_odoo_1"; }
# It runs `podman start NAME` only after `podman run -d` of NAME failed; when
# that fails too, it has given up on NAME (and goes on with the next service,
# sleeping a second after each command).
compose_gave_up() { awk '/^podman start / { s = 1; next } /^podman / { s = 0 } s && /^exit code: [1-9]/ { f = 1 } END { exit !f }' "$1"; }
method_compose_up() {
	local id=$1 port=$2 log=$WORK/compose-up.log rc=0 why pid i
	local -x BENCH_PORT=$port ISOPOD_DB_IMAGE=$DB_IMAGE ISOPOD_ODOO_IMAGE=$ODOO_IMAGE
	if [ "$UNTIMED" -eq 1 ]; then
		NETNS_BEFORE=$(rootless_netns_pid || true)
		# Untimed: watch its log and stop it once it has given up on a service.
		# Started directly (not through the function pc) so that $! is
		# timeout's PID, the process group to end and wait for.
		: >"$log"
		"${PC[@]}" -p "$id" -f "$COMPOSE_FILE" up -d >"$log" 2>&1 &
		pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			if compose_gave_up "$log"; then
				kill "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.1
		done
		wait "$pid" || rc=$?
		# The podman it ran may finish its step after it: wait (up to 10 s).
		for ((i = 0; i < 100; i++)); do
			group_alive "$pid" || break
			sleep 0.1
		done
		if compose_gave_up "$log"; then
			compose_state "$id" || true
			fail "podman-compose up: $(first_error_line "$log"); $FAIL_WHY"
			return 1
		fi
	else
		pc -p "$id" -f "$COMPOSE_FILE" up -d >"$log" 2>&1 || rc=$?
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "podman-compose up: no answer after $CMD_TIMEOUT s (stopped); its last line: $(grep -v '^[[:space:]]*$' "$log" | tail -n1 | cut -c1-300)"
		return 1
	fi
	# A command of it failed (or it did): unavailable unless the containers run anyway.
	if [ "$rc" -ne 0 ] || grep -q '^exit code: [1-9]' "$log" || [ "$UNTIMED" -eq 1 ]; then
		if ! compose_state "$id"; then
			why=$FAIL_WHY
			if [ "$rc" -ne 0 ]; then
				fail "podman-compose up: $(first_error_line "$log") (exit $rc); $why"
			elif grep -q '^exit code: [1-9]' "$log"; then
				fail "podman-compose up: $(first_error_line "$log"); $why"
			fi
			return 1
		fi
	fi
	wait_ready "$port" compose_state "$id"
}
method_compose_init() { odoo_init "$1_odoo_1" db; }
method_compose_down() {
	step "podman-compose down" pc -p "$1" -f "$COMPOSE_FILE" down || return
	[ "$VOLUMES" != cold ] || step "podman volume rm" pd volume rm "$1_db-data" "$1_odoo-data"
}
# The slirp4netns of Podman's per-user namespace for bridge networks, if it
# runs (Podman 4.3 keeps its pid here: libpod/networking_linux.go).
rootless_netns_pid() {
	local p
	p=$(cat "${XDG_RUNTIME_DIR:-/nonexistent}/libpod/tmp/rootless-netns/rootless-netns-slirp4netns.pid" 2>/dev/null) &&
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}
NETNS_BEFORE=""
# podman-compose may be what is broken: after its own down, remove what is
# left of the project by its label (containers, its network, its volumes).
# Podman's rootless network namespace is shared by all the user's bridge
# networks, so it is only named when a failed setup left it behind.
method_compose_clean() {
	local id=$1 c n p
	if command -v podman-compose >/dev/null; then
		pc -p "$id" -f "$COMPOSE_FILE" down >/dev/null 2>&1 || true
	fi
	for c in $(pd ps -a -q --filter "label=io.podman.compose.project=$id" 2>/dev/null); do
		pd rm -f "$c" >/dev/null 2>&1 || say "could not remove container $c"
	done
	for n in $(pd network ls -q --filter "label=io.podman.compose.project=$id" 2>/dev/null); do
		[ "$n" != "${id}_default" ] || pd network rm "$n" >/dev/null 2>&1 || say "could not remove network $n"
	done
	remove_volumes "io.podman.compose.project=$id" "${id}_db-data" "${id}_odoo-data"
	if [ -n "${WHY[compose]:-}" ] && [ -z "$NETNS_BEFORE" ] && p=$(rootless_netns_pid); then
		NETNS_BEFORE=$p # said once
		say "compose: Podman left its rootless network namespace behind (slirp4netns pid $p), as Podman 4.3 does when a bridge network's setup fails; it is the user's, shared by all bridge networks: Podman reuses it and removes it when the user's next bridge-network container stops"
	fi
}

# ---- isopod ----
# Its own ports (ISOPOD_PORTS), state and lease registry (in WORK, also its
# working directory: no repository's isopod.json).
iso_ports_default() {
	local lo hi
	IFS=- read -r lo hi <<<"$TEST_PORTS"
	if [ $((hi - lo)) -ge 29 ]; then echo "$((lo + 20))-$((lo + 29))"; else echo "$lo-$hi"; fi
}
ISO_PORTS=${BENCH_ISOPOD_PORTS:-$(iso_ports_default)}
ISO_ON=0
iso() { "$ISOPOD" --quiet "$@"; }
iso_setup() {
	mkdir -p "$WORK/state"
	export ISOPOD_STATE_DIR=$WORK/state ISOPOD_PORTS=$ISO_PORTS
	unset ISOPOD_REGISTRY_DIR # the lease registry then lives in the state directory,
	export ISOPOD_HOST_REGISTRY_DIR=/nonexistent/isopod-bench-host-registry # not the host-wide one
	export ISOPOD_DB_IMAGE=$DB_IMAGE ISOPOD_ODOO_IMAGE=$ODOO_IMAGE
	unset ISOPOD_PROFILE
	cd "$WORK"
	local cc=${CC:-cc} p
	local pk=(libcurl yajl libnl-3.0 libnl-route-3.0 libnl-idiag-3.0)
	for p in rsspeak idle_libs; do
		# shellcheck disable=SC2046 # pkg-config's flags are words
		"$cc" -std=gnu11 -Wall -Wextra -O2 $(pkg-config --cflags "${pk[@]}") -o "$WORK/$p" "$here/$p.c" \
			$(pkg-config --libs "${pk[@]}")
	done
	ISO_ON=1
}
# A field of the JSON `isopod --json up` printed ("url": "http://ADDR:PORT").
iso_json_field() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$WORK/up.json" | head -n1; }
# The error message of `isopod --json up` (its escaped quotes undone).
iso_json_message() {
	sed -n 's/.*"message": *"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$WORK/up.json" | sed 's/\\"/"/g; s/\\\\/\\/g' | head -n1
}
method_isopod_up() {
	# The port is isopod's lease from ISOPOD_PORTS; it returns once ready.
	local rc=0
	timeout -k 5 "$CMD_TIMEOUT" "$ISOPOD" --quiet --json up "$1" >"$WORK/up.json" 2>"$WORK/up.err" || rc=$?
	[ "$rc" -ne 0 ] || return 0
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "isopod up: no answer after $CMD_TIMEOUT s (stopped)"
	else
		fail "isopod up: $(iso_json_message)$(head -n1 "$WORK/up.err") (exit $rc)"
	fi
}
# Untimed, after each timed up: isopod's "ready" is checked from outside.
method_isopod_check() {
	local url code
	url=$(iso_json_field url)
	code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$url/web/login" || true)
	[ "$code" = 200 ] || say "isopod up returned but $url/web/login answers $code"
}
method_isopod_down() {
	if [ "$VOLUMES" = cold ]; then
		step "isopod down --cleanup" iso down --cleanup "$1"
	else
		step "isopod down" iso down "$1"
	fi
}
method_isopod_clean() { iso down --cleanup "$1" >/dev/null 2>&1 || true; }

if [ -x "$ISOPOD" ]; then
	iso_setup
	METHODS+=(isopod)
else
	say "no isopod binary at $ISOPOD (ISOPOD_BENCH_BIN): isopod skipped"
fi

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
maximum() { sort -n | tail -n1; }

# UP/DOWN: the medians; WHY: the reason of each unavailable method.
declare -A UP DOWN WHY
cleanups=()
cleanup() {
	local c
	set +e
	for c in "${cleanups[@]}"; do
		"method_${c%%:*}_clean" "${c#*:}"
	done
	cleanups=()
	cd /
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A port of the tests' range that nothing listens on, from the top down.
pick_port() {
	local lo hi p
	IFS=- read -r lo hi <<<"$TEST_PORTS"
	for ((p = hi; p >= lo; p--)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

# What a method needs before it can try at all.
method_missing() {
	case $1 in
	compose) command -v podman-compose >/dev/null || fail "podman-compose is not installed" ;;
	esac
}

# run_method M ID PORT: the warm-up and the timed runs of M; the medians in
# UP and DOWN; 1 with FAIL_WHY at the first step that fails. Called where
# `set -e` does not apply: every step is checked.
run_method() {
	local m=$1 id=$2 port=$3 i t0 t1 t2 ups=() downs=()
	method_missing "$m" || return
	# Warm-up: create the volumes and initialise the database.
	UNTIMED=1 READY_CODES=" 200 303 "
	method_"$m"_up "$id" "$port" || { fail "warm-up: $FAIL_WHY"; return 1; }
	if declare -F "method_${m}_init" >/dev/null; then
		method_"$m"_init "$id" || { fail "warm-up: $FAIL_WHY"; return 1; }
	fi
	method_"$m"_down "$id" || { fail "warm-up: $FAIL_WHY"; return 1; }
	UNTIMED=0
	if [ "$VOLUMES" = cold ]; then READY_CODES=" 200 303 "; else READY_CODES=" 200 "; fi
	for ((i = 1; i <= RUNS; i++)); do
		t0=$(now_ms)
		method_"$m"_up "$id" "$port" || { fail "run $i: $FAIL_WHY"; return 1; }
		t1=$(now_ms)
		ups+=($((t1 - t0)))
		# Untimed: a method's own check that it really is ready.
		if declare -F "method_${m}_check" >/dev/null; then method_"$m"_check "$id"; fi
		t1=$(now_ms)
		method_"$m"_down "$id" || { fail "run $i: $FAIL_WHY"; return 1; }
		t2=$(now_ms)
		downs+=($((t2 - t1)))
	done
	UP[$m]=$(printf '%s\n' "${ups[@]}" | median)
	DOWN[$m]=$(printf '%s\n' "${downs[@]}" | median)
	say "$m: up ${ups[*]} ms, down ${downs[*]} ms"
}

port=$(pick_port) || { say "no free port in $TEST_PORTS"; exit 1; }
say "$RUNS runs per method, $VOLUMES volumes, peers on port $port, isopod on $ISO_PORTS, images $DB_IMAGE + $ODOO_IMAGE"
for m in "${METHODS[@]}"; do
	if [ "$m" = isopod ]; then id=t-bench-$$; else id=t-bench-$m-$$; fi
	cleanups+=("$m:$id")
	t0=$(now_ms)
	if ! run_method "$m" "$id" "$port"; then
		WHY[$m]=$FAIL_WHY
		say "$m: unavailable ($(($(now_ms) - t0)) ms): $FAIL_WHY"
		say "$m: cleaning up $id"
		method_"$m"_clean "$id"
		continue
	fi
	[ "$m" = isopod ] || method_"$m"_clean "$id"
done

# isopod's private memory during `up` and Podman's own stop of its pod.
STOP_HOW="" STOP_MS="" RSS_MED="" RSS_MAX="" IDLE_MED=""
if [ "$ISO_ON" -eq 1 ] && [ -z "${WHY[isopod]:-}" ]; then
	id=t-bench-$$
	sock=""
	case ${CONTAINER_HOST:-} in unix://*) sock=${CONTAINER_HOST#unix://} ;; esac
	if [ -n "$sock" ]; then
		STOP_HOW="API POST /libpod/pods/NAME/stop?t=10 (curl on $sock)"
	else
		STOP_HOW="CLI podman pod stop -t 10"
	fi
	rss=() stops=() idle=()
	for ((i = 1; i <= RUNS; i++)); do
		iso down "$id" >/dev/null
		"$WORK/rsspeak" -i 500 -o "$WORK/rss" -- "$ISOPOD" --quiet --json up "$id" >"$WORK/up.json"
		rss+=("$(sed -n 's/.*rss_anon_peak_kb=\([0-9]*\).*/\1/p' "$WORK/rss")")
		pod=$(iso_json_field pod)
		t0=$(now_ms)
		if [ -n "$sock" ]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X POST \
				"http://d/v4.0.0/libpod/pods/$pod/stop?t=10")
			[ "$code" = 200 ] || say "pods/$pod/stop answered $code"
		else
			pd pod stop -t 10 "$pod" >/dev/null
		fi
		t1=$(now_ms)
		stops+=($((t1 - t0)))
		"$WORK/rsspeak" -i 500 -o "$WORK/rss" -- "$WORK/idle_libs" 300
		idle+=("$(sed -n 's/.*rss_anon_peak_kb=\([0-9]*\).*/\1/p' "$WORK/rss")")
	done
	iso down "$id" >/dev/null
	STOP_MS=$(printf '%s\n' "${stops[@]}" | median)
	RSS_MED=$(printf '%s\n' "${rss[@]}" | median)
	RSS_MAX=$(printf '%s\n' "${rss[@]}" | maximum)
	IDLE_MED=$(printf '%s\n' "${idle[@]}" | median)
	say "isopod up RssAnon peaks ${rss[*]} kB; idle_libs ${idle[*]} kB; Podman's stop ${stops[*]} ms"
fi

printf '\nmedians of %s runs (%s volumes), milliseconds\n' "$RUNS" "$VOLUMES"
printf '%-10s %8s %8s\n' method up_ms down_ms
for m in "${METHODS[@]}"; do
	if [ -n "${WHY[$m]:-}" ]; then
		printf '%-10s %8s %8s\n' "$m" - -
	else
		printf '%-10s %8s %8s\n' "$m" "${UP[$m]}" "${DOWN[$m]}"
	fi
done
[ -z "$STOP_MS" ] || printf '%-10s %8s %8s   <- Podman'"'"'s own pod stop alone, on isopod'"'"'s running pod: %s\n' \
	"podstop" "" "$STOP_MS" "$STOP_HOW"
for m in "${METHODS[@]}"; do
	for p in "${PEERS[@]}"; do
		[ "$p" != "$m" ] || break
		if [ -n "${WHY[$m]:-}" ] || [ -n "${WHY[$p]:-}" ]; then
			printf 'ratio %s/%s: unavailable (%s)\n' "$m" "$p" \
				"$(for x in "$m" "$p"; do [ -z "${WHY[$x]:-}" ] || printf '%s ' "$x"; done | sed 's/ $//; s/ / and /') unavailable"
		elif [ "$m" = isopod ]; then
			awk -v p="$p" -v u1="${UP[$m]}" -v u2="${UP[$p]}" -v d1="${DOWN[$m]}" -v d2="${DOWN[$p]}" \
				-v tu="${TARGET_UP[$p]}" -v td="${TARGET_DOWN[$p]}" 'BEGIN {
				ru = u1 / u2; rd = d1 / d2
				printf "ratio isopod/%s: up %.2f (target <= %.2f: %s)  down %.2f (target <= %.2f: %s)\n",
					p, ru, tu, ru <= tu ? "met" : sprintf("MISSED by %.0f ms", u1 - tu * u2),
					rd, td, rd <= td ? "met" : sprintf("MISSED by %.0f ms", d1 - td * d2) }'
		else
			awk -v m="$m" -v p="$p" -v u1="${UP[$m]}" -v u2="${UP[$p]}" -v d1="${DOWN[$m]}" -v d2="${DOWN[$p]}" \
				'BEGIN { printf "ratio %s/%s: up %.2f  down %.2f\n", m, p, u1 / u2, d1 / d2 }'
		fi
	done
done
if [ -n "$RSS_MED" ]; then
	awk -v med="$RSS_MED" -v max="$RSS_MAX" -v idle="$IDLE_MED" -v t="$TARGET_RSS_KB" -v n="$RUNS" 'BEGIN {
		printf "isopod up RssAnon peak: median %d kB, max %d kB of %d (target <= %d kB: %s); idle_libs (same libraries, does nothing) %d kB\n",
			med, max, n, t, max <= t ? "met" : "MISSED", idle }'
fi
unavailable=0
for m in "${METHODS[@]}"; do
	[ -n "${WHY[$m]:-}" ] || continue
	printf '%s: unavailable: %s\n' "$m" "${WHY[$m]}"
	unavailable=1
done
[ "$unavailable" -eq 0 ] || exit 1
