#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: on a fresh machine, prepare the host, build the local images and
# bring up a demo work order with them; print its URL.
#
# As root the demo runs as the rootless test user (rootless Podman is only
# real for an ordinary user); as an ordinary user it runs as you and asks for
# sudo only to install packages.  The demo work order is WO-DEMO of profile
# hub; stop it with 'isopod down WO-DEMO' (as that user), or run
# 'make demo-clean'.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib-host.sh
. scripts/lib-host.sh

wo=${ISOPOD_DEMO_WO:-WO-DEMO}
action=${1:-up}
[ -n "${ISOPOD_HOST_READY:-}" ] || scripts/setup-host.sh --images
images=(ISOPOD_ODOO_IMAGE=localhost/isopod-odoo-standin:18 ISOPOD_DB_IMAGE=localhost/isopod-postgres:15)

if is_root; then
	u=$ISOPOD_TEST_USER
	bin=$(user_home "$u")/isopod-demo/isopod
	install -D -m 0755 -o "$u" -g "$(id -gn "$u")" isopod "$bin"
	run() { as_user "$u" env "${images[@]}" "$bin" "$@"; }
	who="user $u"
else
	run() { env "${images[@]}" ./isopod "$@"; }
	who="you"
fi

if [ "$action" = down ]; then
	run down "$wo" --cleanup
	exit 0
fi
run up "$wo"
port=$(run --json up "$wo" | sed -n 's/.*"url": "\(http[^"]*\)".*/\1/p')
echo
echo "demo: work order $wo is up as $who with the local images (the Odoo image is a stand-in: see tests/images/README.md)"
echo "demo: open $port/web/login"
