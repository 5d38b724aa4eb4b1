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
#        commands plus a curl poll every 50 ms (isopod polls every 100 ms).
# down = stop and remove the pod (or containers) but keep the volumes.
# One untimed warm-up run per method creates the volumes and initialises the
# database (the peers run Odoo's own `-i base --stop-after-init` by exec; isopod
# does it in its first `up`). BENCH_N (or BENCH_RUNS; default 5) timed runs
# follow. BENCH_VOLUMES=cold creates the volumes inside every timed up and
# removes them after each down: then the peers' up ends at /web/login 303
# (database reached, not initialised) and isopod's includes Odoo's init.
#
# isopod runs as work order t-bench-<pid> with ports from ISOPOD_PORTS
# (default 18910-18919; BENCH_ISOPOD_PORTS overrides) and a temporary
# ISOPOD_STATE_DIR; the binary is ISOPOD_BENCH_BIN (bench/run.sh sets it).
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
# warm-up up), and append <name> to METHODS. Every method is compared with the
# peers listed before it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
RUNS=${BENCH_N:-${BENCH_RUNS:-5}}
VOLUMES=${BENCH_VOLUMES:-warm}
DB_IMAGE=${ISOPOD_DB_IMAGE:-localhost/isopod-postgres:15}
ODOO_IMAGE=${ISOPOD_ODOO_IMAGE:-localhost/isopod-odoo-standin:18}
COMPOSE_FILE=$here/compose.yaml
ISOPOD=${ISOPOD_BENCH_BIN:-$top/isopod}
ISO_PORTS=${BENCH_ISOPOD_PORTS:-18910-18919}
METHODS=(cli compose)
PEERS=(cli compose)
# Targets of issue #6 for isopod: ratio against each peer.
declare -A TARGET_UP=([cli]=0.70 [compose]=0.35) TARGET_DOWN=([cli]=1.00 [compose]=0.50)
TARGET_RSS_KB=4096

say() { printf 'bench_peers: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

# The peers talk to Podman as a user would from a shell: the local CLI, not
# the API service that CONTAINER_HOST may point at.
pd() { env -u CONTAINER_HOST podman "$@"; }
pc() { env -u CONTAINER_HOST podman-compose "$@"; }

command -v podman >/dev/null || { say "podman is not installed: skipped"; exit 0; }

# A port of the tests' range that nothing listens on, from the top down.
pick_port() {
	local lo hi p
	IFS=- read -r lo hi <<<"${ISOPOD_TEST_PORTS:-18890-18949}"
	for ((p = hi; p >= lo; p--)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	return 1
}

http_code() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$1$2" || true; }

# The /web/login answers that count as ready: 200 (database initialised), or
# also 303 (database reached, not initialised) for a warm-up or cold volumes.
READY_CODES=" 200 "
wait_ready() {
	local port=$1 deadline=$(($(now_ms) + 60000)) code
	while :; do
		code=$(http_code "$port" /web/login)
		case $READY_CODES in *" $code "*) return 0 ;; esac
		[ "$(now_ms)" -lt "$deadline" ] || { say "not ready on port $port after 60 s (last /web/login: $code)"; return 1; }
		sleep 0.05
	done
}

# Odoo's own initialisation of the database (what isopod's first `up` runs),
# in the running Odoo container; the stand-in's odoo reads the same flags.
odoo_init() {
	local container=$1 host=$2
	pd exec "$container" odoo -d bench -i base --without-demo=all --stop-after-init \
		--db_host "$host" --db_user postgres --db_password bench >/dev/null
}

# ---- the podman CLI sequence ----
method_cli_up() {
	local id=$1 port=$2 v
	for v in "db-$id-data" "odoo-$id-data"; do
		if [ "$VOLUMES" = cold ] || ! pd volume exists "$v"; then
			pd volume create --label "io.isopod.key=test/$id" "$v" >/dev/null
		fi
	done
	pd pod create --name "$id" --label "io.isopod.key=test/$id" \
		-p "127.0.0.1:$port:8069" --add-host db:127.0.0.1 >/dev/null
	pd create --pod "$id" --name "db_$id" --label "io.isopod.key=test/$id" \
		-e POSTGRES_PASSWORD=bench -e POSTGRES_DB=bench \
		-v "db-$id-data:/var/lib/postgresql/data" "$DB_IMAGE" >/dev/null
	pd create --pod "$id" --name "odoo_$id" --label "io.isopod.key=test/$id" \
		-e HOST=127.0.0.1 -e USER=postgres -e PASSWORD=bench \
		-v "odoo-$id-data:/var/lib/odoo" "$ODOO_IMAGE" odoo -d bench >/dev/null
	pd pod start "$id" >/dev/null
	wait_ready "$port"
}
method_cli_init() { odoo_init "odoo_$1" 127.0.0.1; }
method_cli_down() {
	pd pod stop "$1" >/dev/null
	pd pod rm "$1" >/dev/null
	[ "$VOLUMES" != cold ] || pd volume rm "db-$1-data" "odoo-$1-data" >/dev/null
}
method_cli_clean() {
	pd pod rm -f "$1" >/dev/null 2>&1 || true
	pd volume rm -f "db-$1-data" "odoo-$1-data" >/dev/null 2>&1 || true
}

# ---- podman-compose 1.0.3 ----
method_compose_up() {
	BENCH_PORT=$2 ISOPOD_DB_IMAGE=$DB_IMAGE ISOPOD_ODOO_IMAGE=$ODOO_IMAGE \
		pc -p "$1" -f "$COMPOSE_FILE" up -d >/dev/null 2>&1
	wait_ready "$2"
}
method_compose_init() { odoo_init "$1_odoo_1" db; }
method_compose_down() {
	pc -p "$1" -f "$COMPOSE_FILE" down >/dev/null 2>&1
	[ "$VOLUMES" != cold ] || pd volume rm "$1_db-data" "$1_odoo-data" >/dev/null
}
method_compose_clean() {
	pc -p "$1" -f "$COMPOSE_FILE" down >/dev/null 2>&1 || true
	pd volume rm -f "$1_db-data" "$1_odoo-data" >/dev/null 2>&1 || true
	pd network rm -f "$1_default" >/dev/null 2>&1 || true
}

# ---- isopod ----
# Its own ports (ISOPOD_PORTS), state and lease registry (a temporary
# directory, also its working directory: no repository's isopod.json).
ISO_WORK=""
iso() { "$ISOPOD" --quiet "$@"; }
iso_setup() {
	ISO_WORK=$(mktemp -d "${TMPDIR:-/tmp}/isopod-bench.XXXXXX")
	mkdir -p "$ISO_WORK/state"
	export ISOPOD_STATE_DIR=$ISO_WORK/state ISOPOD_PORTS=$ISO_PORTS
	unset ISOPOD_REGISTRY_DIR # the lease registry then lives in the state directory
	export ISOPOD_DB_IMAGE=$DB_IMAGE ISOPOD_ODOO_IMAGE=$ODOO_IMAGE
	unset ISOPOD_PROFILE
	cd "$ISO_WORK"
	local cc=${CC:-cc} p
	local pk=(libcurl yajl libnl-3.0 libnl-route-3.0 libnl-idiag-3.0)
	for p in rsspeak idle_libs; do
		# shellcheck disable=SC2046 # pkg-config's flags are words
		"$cc" -std=gnu11 -Wall -Wextra -O2 $(pkg-config --cflags "${pk[@]}") -o "$ISO_WORK/$p" "$here/$p.c" \
			$(pkg-config --libs "${pk[@]}")
	done
}
# The URL `isopod --json up` printed ("url": "http://ADDR:PORT").
iso_json_field() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$ISO_WORK/up.json" | head -n1; }
method_isopod_up() {
	# The port is isopod's lease from ISOPOD_PORTS; it returns once ready.
	iso --json up "$1" >"$ISO_WORK/up.json" || {
		local rc=$?
		say "isopod up $1 failed ($rc): $(cat "$ISO_WORK/up.json")"
		return "$rc"
	}
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
		iso down --cleanup "$1" >/dev/null
	else
		iso down "$1" >/dev/null
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

declare -A UP DOWN
cleanups=()
cleanup() {
	local c
	set +e
	for c in "${cleanups[@]}"; do
		"method_${c%%:*}_clean" "${c#*:}"
	done
	cleanups=()
	if [ -n "$ISO_WORK" ]; then
		cd /
		rm -rf "$ISO_WORK"
		ISO_WORK=""
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

port=$(pick_port) || { say "no free port in ${ISOPOD_TEST_PORTS:-18890-18949}"; exit 1; }
say "$RUNS runs per method, $VOLUMES volumes, peers on port $port, isopod on $ISO_PORTS, images $DB_IMAGE + $ODOO_IMAGE"
for m in "${METHODS[@]}"; do
	if [ "$m" = isopod ]; then id=t-bench-$$; else id=t-bench-$m-$$; fi
	cleanups+=("$m:$id")
	# Warm-up: create the volumes and initialise the database.
	READY_CODES=" 200 303 "
	method_"$m"_up "$id" "$port"
	if declare -F "method_${m}_init" >/dev/null; then method_"$m"_init "$id"; fi
	method_"$m"_down "$id"
	if [ "$VOLUMES" = cold ]; then READY_CODES=" 200 303 "; else READY_CODES=" 200 "; fi
	ups=() downs=()
	for ((i = 1; i <= RUNS; i++)); do
		t0=$(now_ms)
		method_"$m"_up "$id" "$port"
		t1=$(now_ms)
		ups+=($((t1 - t0)))
		# Untimed: a method's own check that it really is ready.
		if declare -F "method_${m}_check" >/dev/null; then method_"$m"_check "$id"; fi
		t1=$(now_ms)
		method_"$m"_down "$id"
		t2=$(now_ms)
		downs+=($((t2 - t1)))
	done
	UP[$m]=$(printf '%s\n' "${ups[@]}" | median)
	DOWN[$m]=$(printf '%s\n' "${downs[@]}" | median)
	say "$m: up ${ups[*]} ms, down ${downs[*]} ms"
	[ "$m" = isopod ] || { method_"$m"_clean "$id"; }
done

# isopod's private memory during `up` and Podman's own stop of its pod.
STOP_HOW="" STOP_MS="" RSS_MED="" RSS_MAX="" IDLE_MED=""
if [ -n "$ISO_WORK" ]; then
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
		"$ISO_WORK/rsspeak" -i 500 -o "$ISO_WORK/rss" -- "$ISOPOD" --quiet --json up "$id" >"$ISO_WORK/up.json"
		rss+=("$(sed -n 's/.*rss_anon_peak_kb=\([0-9]*\).*/\1/p' "$ISO_WORK/rss")")
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
		"$ISO_WORK/rsspeak" -i 500 -o "$ISO_WORK/rss" -- "$ISO_WORK/idle_libs" 300
		idle+=("$(sed -n 's/.*rss_anon_peak_kb=\([0-9]*\).*/\1/p' "$ISO_WORK/rss")")
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
	printf '%-10s %8s %8s\n' "$m" "${UP[$m]}" "${DOWN[$m]}"
done
[ -z "$STOP_MS" ] || printf '%-10s %8s %8s   <- Podman'"'"'s own pod stop alone, on isopod'"'"'s running pod: %s\n' \
	"podstop" "" "$STOP_MS" "$STOP_HOW"
for m in "${METHODS[@]}"; do
	for p in "${PEERS[@]}"; do
		[ "$p" != "$m" ] || break
		if [ "$m" = isopod ]; then
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
