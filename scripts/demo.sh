#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: on a fresh machine, prepare the host, build the local images,
# install isopod for the user who will run it, and bring up a demo work
# order; print its URL and the commands that reach it.
#
#   scripts/demo.sh up | down            (make demo / make demo-clean)
#
# As root the demo runs as the rootless test user (rootless Podman is only
# real for an ordinary user): isopod goes to that user's ~/.local/bin and
# 'su - isopod-test' (or 'runuser -l isopod-test -c CMD') reaches it. As an
# ordinary user it runs as you, asks for sudo only to install packages and
# fix host settings, and installs isopod with 'make install PREFIX=~/.local'.
# When the official images cannot be pulled here, the local image names are
# written to the user's ~/.config/isopod/config.json (every key already there
# kept; a file isopod cannot parse is left alone), so a plain 'isopod up'
# later uses the images the demo used. The demo work order is WO-DEMO of
# profile hub.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
host_prog=demo
# shellcheck source=scripts/lib-host.sh
. scripts/lib-host.sh

wo=${ISOPOD_DEMO_WO:-WO-DEMO}
action=${1:-up}
ODOO_LOCAL=localhost/isopod-odoo-standin:18
DB_LOCAL=localhost/isopod-postgres:15

if is_root; then
	u=$ISOPOD_TEST_USER
	home=$(user_home "$u")
	run() { as_user "$u" "$@"; }
	who="the test user $u"
else
	u=$(id -un)
	home=$HOME
	run() { "$@"; }
	who="you"
fi
bin=$home/.local/bin/isopod

if [ "$action" = down ]; then
	[ -x "$bin" ] || host_die "isopod is not installed in $home/.local/bin; nothing to clean (run 'make demo' first)"
	run "$bin" down "$wo" --cleanup
	exit 0
fi
[ "$action" = up ] || host_die "usage: $0 up|down"

[ -n "${ISOPOD_HOST_READY:-}" ] || scripts/setup-host.sh --images

# ---- install isopod for the user who runs the demo ----
if is_root; then
	# The user's own ~/.local, owned by that user; Debian's ~/.profile puts
	# ~/.local/bin on PATH at login.
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	make --no-print-directory -s install PREFIX=/.local DESTDIR="$stage" >/dev/null
	(cd "$stage/.local" && find . -type f) | while read -r f; do
		install -D -o "$u" -g "$(id -gn "$u")" -m "$(stat -c %a "$stage/.local/$f")" \
			"$stage/.local/$f" "$home/.local/$f"
	done
	for d in "$home/.local" "$home/.local/bin" "$home/.local/share" "$home/.local/share/man" \
		"$home/.local/share/man/man1" "$home/.local/share/isopod"; do
		chown "$u:$(id -gn "$u")" "$d"
	done
	host_say "installed isopod for $u in $home/.local (bin/isopod, share/man/man1/isopod.1, share/isopod/)"
else
	make --no-print-directory -s install PREFIX="$HOME/.local" >/dev/null
	host_say "installed isopod in ~/.local (make install PREFIX=~/.local; remove with: rm -r ~/.local/bin/isopod ~/.local/share/isopod ~/.local/share/man/man1/isopod.1)"
	case ":$(bash -lc 'printf %s "$PATH"' 2>/dev/null):" in
	*":$HOME/.local/bin:"*) ;;
	*) host_say "note: a new login shell does not put ~/.local/bin on your PATH; add: export PATH=\$HOME/.local/bin:\$PATH" ;;
	esac
fi

# ---- the images a plain 'isopod up' uses ----
# The images of the default profile as isopod resolves them (from /, so no
# repository's isopod.json takes part), judged by isopod's own doctor.
image_status() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	run bash -c 'cd / && env -u ISOPOD_ODOO_IMAGE -u ISOPOD_DB_IMAGE "$1" --json doctor' doctor "$bin" 2>/dev/null |
		sed -n '/"name": "\(odoo\|db\)-image"/{n;p}' | grep -c '"status": "pass"' || true
}

official_reachable() {
	curl -s -o /dev/null --max-time 5 -w '%{http_code}' https://registry-1.docker.io/v2/ 2>/dev/null | grep -q -E '^(200|401)$'
}

cfg=$home/.config/isopod/config.json
if [ "$(image_status)" -eq 2 ]; then
	: "the images a plain 'isopod up' uses are here (or pullable): nothing to write"
elif official_reachable; then
	host_say "the official images are not here; 'isopod up' will pull them from docker.io (the demo itself uses the local stand-in)"
elif run bash -s -- "$cfg" "$bin" "$ODOO_LOCAL" "$DB_LOCAL" <scripts/image-config.sh; then
	host_say "no registry reachable: wrote odoo_image=$ODOO_LOCAL and db_image=$DB_LOCAL into $cfg, so 'isopod up' uses the local images; to undo, delete those two keys"
else
	host_say "'isopod up' without ISOPOD_ODOO_IMAGE=$ODOO_LOCAL ISOPOD_DB_IMAGE=$DB_LOCAL will look for the official images, which cannot be pulled here"
fi

# ---- the demo work order ----
# The user's configuration may name other images; the demo uses the local ones.
run env ISOPOD_ODOO_IMAGE=$ODOO_LOCAL ISOPOD_DB_IMAGE=$DB_LOCAL "$bin" up "$wo"
url=$(run env ISOPOD_ODOO_IMAGE=$ODOO_LOCAL ISOPOD_DB_IMAGE=$DB_LOCAL "$bin" --json up "$wo" |
	sed -n 's/.*"url": "\(http[^"]*\)".*/\1/p')
echo
echo "demo: work order $wo is up as $who with the local images (the Odoo image is a stand-in, not Odoo: see tests/images/README.md)"
echo "demo: open $url/web/login"
if is_root; then
	echo "demo: isopod runs as $u: 'su - $u' opens a shell where the README's commands work as printed,"
	echo "demo: or one at a time: runuser -l $u -c 'isopod ls'"
	echo "demo: remove it with 'make demo-clean' (or: runuser -l $u -c 'isopod down $wo --cleanup')"
else
	echo "demo: in a new login shell: isopod ls; isopod up WO-042; isopod down WO-042 --cleanup"
	echo "demo: remove it with 'make demo-clean' (or: isopod down $wo --cleanup)"
fi
