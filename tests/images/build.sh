#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build isopod's local test images without a registry, as the current
# (rootless) user: mmdebstrap in unshare mode makes a Debian 12 root file
# system, podman import turns it into an image.
#
#   tests/images/build.sh [--quiet] [postgres|odoo-standin]...
#
#   localhost/isopod-postgres:15         PostgreSQL 15, entrypoint like postgres:15
#   localhost/isopod-odoo-standin:18     stand-in for odoo:18.0 (see odoo-standin/odoo)
#
# Each image carries the hash of its recipe (this script and the image's
# folder) in the label io.isopod.recipe; an image whose label matches is
# kept as it is, so a second run takes well under a second.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
quiet=0
names=()
for arg in "$@"; do
	case $arg in
	--quiet | -q) quiet=1 ;;
	postgres | odoo-standin) names+=("$arg") ;;
	*)
		echo "images: unknown argument '$arg'" >&2
		exit 2
		;;
	esac
done
[ "${#names[@]}" -gt 0 ] || names=(postgres odoo-standin)

say() { [ "$quiet" -eq 1 ] || printf 'images: %s\n' "$*" >&2; }

MERGED_USR_HOOKS=/usr/share/mmdebstrap/hooks/merged-usr
# Documentation, translations and leap-second time zones are dead weight here.
DPKG_EXCLUDES=(
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-exclude=/usr/share/i18n/*'
	--dpkgopt='path-exclude=/usr/share/lintian/*'
	--dpkgopt='path-exclude=/usr/share/zoneinfo/right/*'
	--dpkgopt='path-exclude=/usr/share/zoneinfo/posix/*'
)

image_name() {
	case $1 in
	postgres) echo localhost/isopod-postgres:15 ;;
	odoo-standin) echo localhost/isopod-odoo-standin:18 ;;
	esac
}

recipe_hash() {
	(
		cd "$here"
		find build.sh "$1" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	) | sha256sum | cut -c1-16
}

# mmdebstrap ARGS... OUT.tar, output kept in a log shown on failure.
debootstrap_tar() {
	local log=$1
	shift
	if ! mmdebstrap --mode=unshare --variant=essential --hook-dir="$MERGED_USR_HOOKS" \
		--aptopt='Acquire::Retries "3"' "${DPKG_EXCLUDES[@]}" "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "images: mmdebstrap failed (log above)" >&2
		return 1
	fi
}

# shellcheck disable=SC2016 # $1 in the hooks is mmdebstrap's root directory
rootfs_postgres() {
	debootstrap_tar "$2" --include=postgresql-15 \
		--essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d"' \
		--essential-hook='echo "create_main_cluster = false" >"$1/etc/postgresql-common/createcluster.d/isopod.conf"' \
		--customize-hook="upload $here/postgres/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh" \
		--customize-hook="upload $here/postgres/customize.sh /tmp/customize.sh" \
		--customize-hook='chroot "$1" /bin/sh /tmp/customize.sh' \
		bookworm "$1"
}
changes_postgres() {
	CHANGES=(
		--change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
		--change 'CMD ["postgres"]'
		--change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		--change 'ENV PGDATA=/var/lib/postgresql/data'
		--change 'ENV LANG=C.UTF-8'
		--change 'VOLUME /var/lib/postgresql/data'
		--change 'STOPSIGNAL SIGINT'
		--change 'EXPOSE 5432'
	)
}

# shellcheck disable=SC2016
rootfs_odoo-standin() {
	debootstrap_tar "$2" --include=python3-minimal,python3-psycopg2 \
		--customize-hook="upload $here/odoo-standin/entrypoint.sh /entrypoint.sh" \
		--customize-hook="upload $here/odoo-standin/odoo /usr/local/bin/odoo" \
		--customize-hook='mkdir -p "$1/usr/local/lib/isopod-odoo-standin"' \
		--customize-hook="upload $here/odoo-standin/standin_model.py /usr/local/lib/isopod-odoo-standin/standin_model.py" \
		--customize-hook="copy-in $here/odoo-standin/pylib/odoo $here/odoo-standin/pylib/standin_tests.py /usr/local/lib/isopod-odoo-standin" \
		--customize-hook="upload $here/odoo-standin/customize.sh /tmp/customize.sh" \
		--customize-hook='chroot "$1" /bin/sh /tmp/customize.sh' \
		bookworm "$1"
}
changes_odoo-standin() {
	CHANGES=(
		--change 'ENTRYPOINT ["/entrypoint.sh"]'
		--change 'CMD ["odoo"]'
		--change 'USER odoo'
		--change 'ENV LANG=C.UTF-8'
		--change 'ENV ODOO_RC=/etc/odoo/odoo.conf'
		--change 'VOLUME /var/lib/odoo'
		--change 'EXPOSE 8069'
	)
}

build() {
	local name=$1 image hash have old_id tmp t0 size
	image=$(image_name "$name")
	hash=$(recipe_hash "$name")
	have=$(podman image inspect --format '{{index .Labels "io.isopod.recipe"}}' "$image" 2>/dev/null || true)
	if [ "$have" = "$hash" ]; then
		say "$image is up to date (recipe $hash)"
		return
	fi
	old_id=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
	printf 'images: building %s (recipe %s)\n' "$image" "$hash" >&2
	t0=$(date +%s)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/isopod-image.XXXXXX")
	tmpdirs+=("$tmp")
	"rootfs_$name" "$tmp/rootfs.tar" "$tmp/mmdebstrap.log"
	"changes_$name"
	podman import --quiet "${CHANGES[@]}" \
		--change "LABEL io.isopod.recipe=$hash" \
		--change "LABEL org.opencontainers.image.description=isopod local test image $image" \
		"$tmp/rootfs.tar" "$image" >/dev/null
	if [ -n "$old_id" ] && [ "$old_id" != "$(podman image inspect --format '{{.Id}}' "$image")" ]; then
		# The superseded image goes unless a container still uses it.
		podman rmi "$old_id" >/dev/null 2>&1 || true
	fi
	size=$(podman image inspect --format '{{.Size}}' "$image")
	printf 'images: built %s in %ss, %s MB\n' "$image" "$(($(date +%s) - t0))" "$((size / 1000000))" >&2
}

tmpdirs=()
cleanup() { [ "${#tmpdirs[@]}" -eq 0 ] || rm -rf "${tmpdirs[@]}"; }
trap cleanup EXIT
for n in "${names[@]}"; do
	build "$n"
done
