#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Entrypoint of localhost/isopod-odoo-standin:18, shaped like the official
# odoo:18.0 image's: HOST, PORT, USER and PASSWORD (defaults db, 5432, odoo,
# odoo) become --db_host, --db_port, --db_user and --db_password of "odoo".
# Unlike the official image it does not wait up to 30 s for the database
# before serving: the stand-in's init retries for ODOO_STANDIN_DB_WAIT
# seconds itself, and its server answers /web/health at once.
set -euo pipefail

db_args=(--db_host "${HOST:-db}" --db_port "${PORT:-5432}"
	--db_user "${USER:-odoo}" --db_password "${PASSWORD:-odoo}")

case "${1:-odoo}" in
-- | odoo)
	[ "$#" -gt 0 ] && shift
	exec odoo "$@" "${db_args[@]}"
	;;
-*)
	exec odoo "$@" "${db_args[@]}"
	;;
*)
	exec "$@"
	;;
esac
