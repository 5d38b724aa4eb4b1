#!/usr/bin/env bash
# Peer benchmark: bring a work order's pair of containers up and down with
# each method and print the medians and their ratios.
#
#   bench/bench_peers.sh            (bench/run.sh runs it as the rootless user)
#
# up   = from nothing (volumes aside) until the stand-in answers /web/health
#        and its /web/login reached Postgres (303 or 200: not 500)
# down = stop and remove everything but the volumes
# BENCH_RUNS (default 5) timed runs per method after one untimed warm-up run
# that creates and initialises the volumes ("warm volumes"); BENCH_VOLUMES=cold
# creates the volumes inside every timed up and removes them after each down.
#
# Adding a method: write method_<name>_up ID PORT, method_<name>_down ID and
# method_<name>_clean ID, and append <name> to METHODS. Every method is
# compared with the peers listed before it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=${BENCH_RUNS:-5}
VOLUMES=${BENCH_VOLUMES:-warm}
DB_IMAGE=${ISOPOD_DB_IMAGE:-localhost/isopod-postgres:15}
ODOO_IMAGE=${ISOPOD_ODOO_IMAGE:-localhost/isopod-odoo-standin:18}
COMPOSE_FILE=$here/compose.yaml
METHODS=(cli compose)
PEERS=(cli compose)

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

wait_ready() {
	local port=$1 deadline=$(($(now_ms) + 60000)) code
	while :; do
		if [ "$(http_code "$port" /web/health)" = 200 ]; then
			code=$(http_code "$port" /web/login)
			[ "$code" = 303 ] || [ "$code" = 200 ] && return 0
		fi
		[ "$(now_ms)" -lt "$deadline" ] || { say "not ready on port $port after 60 s"; return 1; }
		sleep 0.05
	done
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
method_compose_down() {
	pc -p "$1" -f "$COMPOSE_FILE" down >/dev/null 2>&1
	[ "$VOLUMES" != cold ] || pd volume rm "$1_db-data" "$1_odoo-data" >/dev/null
}
method_compose_clean() {
	pc -p "$1" -f "$COMPOSE_FILE" down >/dev/null 2>&1 || true
	pd volume rm -f "$1_db-data" "$1_odoo-data" >/dev/null 2>&1 || true
	pd network rm -f "$1_default" >/dev/null 2>&1 || true
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

declare -A UP DOWN
cleanups=()
cleanup() {
	local c
	for c in "${cleanups[@]}"; do
		"method_${c%%:*}_clean" "${c#*:}"
	done
}
trap cleanup EXIT

port=$(pick_port) || { say "no free port in ${ISOPOD_TEST_PORTS:-18890-18949}"; exit 1; }
say "$RUNS runs per method, $VOLUMES volumes, port $port, images $DB_IMAGE + $ODOO_IMAGE"
for m in "${METHODS[@]}"; do
	id=t-bench-$m-$$
	cleanups+=("$m:$id")
	method_"$m"_up "$id" "$port"
	method_"$m"_down "$id"
	ups=() downs=()
	for ((i = 1; i <= RUNS; i++)); do
		t0=$(now_ms)
		method_"$m"_up "$id" "$port"
		t1=$(now_ms)
		method_"$m"_down "$id"
		t2=$(now_ms)
		ups+=($((t1 - t0)))
		downs+=($((t2 - t1)))
	done
	UP[$m]=$(printf '%s\n' "${ups[@]}" | median)
	DOWN[$m]=$(printf '%s\n' "${downs[@]}" | median)
	say "$m: up ${ups[*]} ms, down ${downs[*]} ms"
	method_"$m"_clean "$id"
done

printf '%-10s %8s %8s\n' method up_ms down_ms
for m in "${METHODS[@]}"; do
	printf '%-10s %8s %8s\n' "$m" "${UP[$m]}" "${DOWN[$m]}"
done
for m in "${METHODS[@]}"; do
	for p in "${PEERS[@]}"; do
		[ "$p" != "$m" ] || break
		awk -v m="$m" -v p="$p" -v u1="${UP[$m]}" -v u2="${UP[$p]}" -v d1="${DOWN[$m]}" -v d2="${DOWN[$p]}" \
			'BEGIN { printf "ratio %s/%s: up %.2f  down %.2f\n", m, p, u1 / u2, d1 / d2 }'
	done
done
