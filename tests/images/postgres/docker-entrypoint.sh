#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Entrypoint of localhost/isopod-postgres:15. It behaves as the official
# postgres:15 image's entrypoint does for what isopod relies on:
#  - started as root, it prepares PGDATA and the socket directory, then runs
#    itself again as the postgres user (setpriv);
#  - on an empty PGDATA it runs initdb with POSTGRES_USER (default postgres)
#    and POSTGRES_PASSWORD, which is required unless
#    POSTGRES_HOST_AUTH_METHOD=trust; POSTGRES_INITDB_ARGS are passed on;
#  - pg_hba keeps initdb's rules (trust on the socket and 127.0.0.1/::1 unless
#    the initdb args say otherwise) and adds "host all all all <method>";
#  - POSTGRES_DB (default: the user's name) and /docker-entrypoint-initdb.d
#    scripts are applied by a temporary server that listens on the socket
#    only, so nothing reaches TCP before initialisation is complete.
set -Eeuo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

fail() {
	printf 'isopod-postgres: error: %s\n' "$*" >&2
	exit 1
}

# "docker run image -c foo=bar" means postgres with those flags.
if [ "${1:-}" != "" ] && [ "${1:0:1}" = "-" ]; then
	set -- postgres "$@"
fi
if [ "${1:-}" != postgres ]; then
	exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres /var/run/postgresql
	chmod 3777 /var/run/postgresql
	# Only take over an empty or our own directory (a bind mount may be anything).
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		chown postgres:postgres "$PGDATA"
	fi
	chmod 0700 "$PGDATA" 2>/dev/null || true
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

initialise() {
	local user=${POSTGRES_USER:-postgres}
	local db=${POSTGRES_DB:-$user}
	local method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	local f

	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$method" != trust ]; then
		fail "the database is not initialised and no superuser password was given;" \
			"set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without one)"
	fi
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as upstream
	initdb --username="$user" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
		--locale=C.UTF-8 --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
	printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"

	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w -s start
	export PGUSER=$user PGPASSWORD=${POSTGRES_PASSWORD:-}
	if [ "$db" != postgres ]; then
		# psql interpolates :"db" (quoted as an identifier) only in its input
		psql -q -v ON_ERROR_STOP=1 --dbname postgres --set db="$db" \
			<<<'CREATE DATABASE :"db";' >/dev/null
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sh)
			# shellcheck disable=SC1090 # the image user's own scripts
			. "$f"
			;;
		*.sql) psql -q -v ON_ERROR_STOP=1 --dbname "$db" -f "$f" ;;
		*.sql.gz) gzip -dc "$f" | psql -q -v ON_ERROR_STOP=1 --dbname "$db" ;;
		*) ;;
		esac
	done
	unset PGPASSWORD
	pg_ctl -D "$PGDATA" -m fast -w -s stop
	echo "isopod-postgres: initialised $PGDATA for user '$user', database '$db'"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	initialise
fi
exec "$@"
