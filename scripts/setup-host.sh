#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepare this host for isopod's build, tests and images; safe to run again.
#
#   scripts/setup-host.sh [--images] [--quiet]
#
# Installs the Debian packages that are missing (one dpkg-query decides).
# As root it prepares the rootless test users (isopod-test, isopod-test2):
# subordinate id ranges, a runtime directory (and XDG_RUNTIME_DIR in their
# ~/.profile), overlay storage before their first podman command. Run by an
# ordinary user it prepares that user, using sudo (each command shown
# first, the password asked once) only for packages and host-level fixes;
# without a usable sudo it stops naming the packages to install. Host
# quirks are detected by starting a throwaway pod and reading the error,
# never assumed. The host-wide lease registry (/var/lib/isopod/registry,
# root:isopod 2770; ISOPOD_HOST_REGISTRY_DIR names another) is created and
# the test users (as root) or you (through sudo) are added to group isopod,
# so no two users of this host are handed the same port; without sudo it
# says what an administrator runs. --images also builds the local test images
# (tests/images/build.sh) as the test user (root) or as the calling user.
# A run that finds nothing to do says so and rewrites no file.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
host_prog=setup
# shellcheck source=scripts/lib-host.sh
. "$here/lib-host.sh"

images=0 quiet=0
for arg in "$@"; do
	case $arg in
	--images) images=1 ;;
	--quiet | -q) quiet=1 ;;
	-h | --help)
		sed -n '/^# Prepare/,/^# A run that/p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) host_die "unknown argument '$arg'; try --help" ;;
	esac
done

changed=0
say() { [ "$quiet" -eq 1 ] || host_say "$@"; }
did() {
	changed=1
	host_say "$@"
}

# Build, test and runtime packages. Node.js and npm serve the MCP client of
# the tests (Debian 12's nodejs is 18; the MCP SDK needs >= 18); iptables is
# what netavark needs for podman-compose's bridge network (the bench peer);
# python3-jsonschema validates every --json document the tests see against
# docs/schema/; tmux is the terminal of the progress test; groff-base checks
# the man page.
PACKAGES=(build-essential pkg-config clang-format libcurl4-openssl-dev libyajl-dev
	libnl-3-dev libnl-route-3-dev libnl-idiag-3-dev libcmocka-dev clang libclang-rt-14-dev
	curl ca-certificates runc conmon netavark aardvark-dns uidmap slirp4netns catatonit podman mmdebstrap
	arch-test gpg libdpkg-perl mount iptables
	debian-archive-keyring podman-compose docker-registry iproute2 rsync shellcheck
	util-linux passwd nodejs python3-jsonschema tmux groff-base)

# The packages of PACKAGES that are not installed, one dpkg-query for all;
# npm comes with some builds of nodejs and is a package of its own in Debian.
missing_packages() {
	local -A ok=()
	local p st
	while read -r p st; do
		[ "$st" = installed ] && ok[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null)
	for p in "${PACKAGES[@]}"; do
		[ -n "${ok[$p]:-}" ] || echo "$p"
	done
	command -v npm >/dev/null 2>&1 || echo npm
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		say "packages: all ${#PACKAGES[@]} installed"
		return
	fi
	if ! is_root && ! sudo_ready; then
		host_die "these Debian packages are missing: ${missing[*]}
  $sudo_why; install them as root, then run this again:
    apt-get update && apt-get install --no-install-recommends ${missing[*]}"
	fi
	did "packages: installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}"
}

# The first id after every range already handed out (at least 100000).
next_subid() {
	awk -F: 'BEGIN { n = 100000 } NF == 3 && $2 + $3 > n { n = $2 + $3 } END { print n }' "$1"
}

ensure_subids() {
	local u=$1 f flag start
	for f in subuid subgid; do
		[ -e "/etc/$f" ] || as_root touch "/etc/$f"
		if ! grep -q "^$u:" "/etc/$f" && ! grep -q "^$(user_uid "$u"):" "/etc/$f"; then
			start=$(next_subid "/etc/$f")
			flag=--add-${f}s
			as_root usermod "$flag" "$start-$((start + 65535))" "$u"
			did "user $u: added /etc/$f range $start-$((start + 65535))"
		fi
	done
}

# mkdir_owned DIR MODE USER: create DIR owned by USER; fix owner/mode if wrong.
mkdir_owned() {
	local d=$1 mode=$2 u=$3
	if [ ! -d "$d" ]; then
		install -d -m "$mode" -o "$u" -g "$(id -gn "$u")" "$d"
		did "created $d"
	elif [ "$(stat -c '%U %a' "$d")" != "$u ${mode#0}" ]; then
		chown "$u:$(id -gn "$u")" "$d"
		chmod "$mode" "$d"
		did "fixed owner/mode of $d"
	fi
}

storage_conf() {
	printf '# written by isopod scripts/setup-host.sh\n[storage]\ndriver = "overlay"\n'
}

prepare_user() {
	local u=$1 home rt
	if ! id "$u" >/dev/null 2>&1; then
		useradd -m -s /bin/bash -c "isopod rootless tests" "$u"
		did "user $u: created"
	fi
	ensure_subids "$u"
	home=$(user_home "$u")
	rt=$(user_runtime_dir "$u")
	[ -d /run/user ] || { install -d -m 0755 /run/user && did "created /run/user"; }
	mkdir_owned "$rt" 0700 "$u"
	mkdir_owned "$home/.config" 0755 "$u"
	mkdir_owned "$home/.config/containers" 0755 "$u"
	if storage_conf | write_if_changed "$home/.config/containers/storage.conf" 0644 "$u:$(id -gn "$u")"; then
		did "user $u: wrote ~/.config/containers/storage.conf (overlay)"
	fi
	# No logind here: a login shell of the test user ('su - USER',
	# 'runuser -l USER') gets its runtime directory from ~/.profile.
	if ! grep -q '^# isopod: XDG_RUNTIME_DIR' "$home/.profile" 2>/dev/null; then
		# shellcheck disable=SC2016 # expanded by the user's login shell
		printf '\n# isopod: XDG_RUNTIME_DIR for Podman where no session manager sets it\n%s\n' \
			'[ -n "${XDG_RUNTIME_DIR:-}" ] || export XDG_RUNTIME_DIR="/run/user/$(id -u)"' >>"$home/.profile"
		chown "$u:$(id -gn "$u")" "$home/.profile"
		did "user $u: ~/.profile sets XDG_RUNTIME_DIR for login shells"
	fi
}

# ---- the host-wide lease registry -----------------------------------------

# One directory every isopod user of this host writes, so no port is handed
# to two users; isopod keeps a per-user registry (with a warning) for a user
# outside the group. The rules are isopod's (docs/shared-server.md): a real
# directory, setgid, group rwx, not sticky, not world-writable.
HOST_REGISTRY=${ISOPOD_HOST_REGISTRY_DIR:-/var/lib/isopod/registry}
HOST_GROUP=isopod

# The commands that would bring the registry about for USERS, one a line
# (empty when all is in place); reads the host only.
host_registry_plan() {
	local u have
	getent group "$HOST_GROUP" >/dev/null || echo "groupadd --system $HOST_GROUP"
	[ -d "$(dirname "$HOST_REGISTRY")" ] || echo "install -d -m 0755 $(dirname "$HOST_REGISTRY")"
	if [ ! -d "$HOST_REGISTRY" ]; then
		echo "install -d -m 2770 -o root -g $HOST_GROUP $HOST_REGISTRY"
	else
		have=$(stat -c '%U:%G %a' "$HOST_REGISTRY")
		if [ "$have" != "root:$HOST_GROUP 2770" ]; then
			echo "chown root:$HOST_GROUP $HOST_REGISTRY"
			echo "chmod 2770 $HOST_REGISTRY"
		fi
	fi
	for u in "$@"; do
		id -nG "$u" 2>/dev/null | tr ' ' '\n' | grep -qx "$HOST_GROUP" || echo "usermod -aG $HOST_GROUP $u"
	done
}

ensure_host_registry() {
	local cmd plan u
	if [ -L "$HOST_REGISTRY" ]; then
		host_die "$HOST_REGISTRY is a symbolic link, which isopod refuses; replace it with a directory"
	fi
	plan=$(host_registry_plan "$@")
	if [ -z "$plan" ]; then
		say "host-wide lease registry $HOST_REGISTRY: in place, $* in group $HOST_GROUP"
		return
	fi
	if ! is_root && ! sudo_ready; then
		host_say "warning: the host-wide lease registry needs root ($sudo_why); until an administrator runs these, isopod keeps your per-user registry:"
		while IFS= read -r cmd; do printf '    sudo %s\n' "$cmd"; done <<<"$plan" >&2
		return
	fi
	# The plan on fd 3: stdin stays the terminal sudo may ask on.
	while IFS= read -r cmd <&3; do
		# shellcheck disable=SC2086 # the plan's words: names and paths without spaces
		as_root $cmd
		case $cmd in
		groupadd*) did "created group $HOST_GROUP (the users of the host-wide lease registry)" ;;
		usermod*)
			u=${cmd##* }
			did "user $u: added to group $HOST_GROUP (the host-wide lease registry)"
			if ! is_root && [ "$u" = "$(id -un)" ]; then
				host_say "log in again (or run 'newgrp $HOST_GROUP') to use it; until then isopod warns and keeps your per-user registry"
			fi
			;;
		*) did "host-wide lease registry: $cmd" ;;
		esac
	done 3<<<"$plan"
}

# ---- quirk detection ------------------------------------------------------

# Run a command as the prepared user (root) or as ourselves.
run_as() {
	local u=$1
	shift
	if is_root; then as_user "$u" "$@"; else "$@"; fi
}

fingerprint() {
	local u=$1 home=$2
	{
		uname -r
		dpkg-query -W -f='${Package} ${Version}\n' podman conmon crun runc slirp4netns catatonit 2>/dev/null || true
		stat -c '%a' /dev/net/tun 2>/dev/null || echo no-tun
		cat "$home/.config/containers/containers.conf" "$home/.config/containers/storage.conf" 2>/dev/null || true
		echo "$u"
	} | sha256sum | cut -d' ' -f1
}

containers_conf() {
	local runc=$1 nofile=$2
	echo '# written by isopod scripts/setup-host.sh from what a throwaway pod reported'
	if [ -n "$nofile" ]; then
		printf '[containers]\ndefault_ulimits = ["nofile=%s:%s"]\n' "$nofile" "$nofile"
	fi
	if [ "$runc" -eq 1 ]; then
		printf '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n'
	fi
}

probe_pod() {
	local u=$1 name=isopod-probe-$$
	# shellcheck disable=SC2016 # expanded by the inner shell
	run_as "$u" bash -c '
		podman pod rm -f "$1" >/dev/null 2>&1 || true
		rc=0
		{ podman pod create --name "$1" >/dev/null && podman pod start "$1" >/dev/null; } 2>&1 || rc=$?
		podman pod rm -f "$1" >/dev/null 2>&1 || true
		exit "$rc"' probe "$name"
}

detect_quirks() {
	local u=$1 home conf marker fp out runc=0 nofile="" attempt driver
	home=$(if is_root; then user_home "$u"; else echo "$HOME"; fi)
	conf=$home/.config/containers/containers.conf
	marker=$home/.cache/isopod/host-probe
	fp=$(fingerprint "$u" "$home")
	if [ -f "$marker" ] && [ "$(cat "$marker")" = "$fp" ]; then
		say "user $u: host quirks verified earlier, nothing changed since"
		return
	fi
	if [ -f "$conf" ]; then
		if ! grep -q '^# written by isopod' "$conf"; then
			say "user $u: keeping your own $conf; add runtime/ulimit settings there if the probe fails"
			conf=""
		else
			grep -q '^runtime = "runc"' "$conf" && runc=1
			nofile=$(sed -n 's/^default_ulimits = \["nofile=\([0-9]*\):.*/\1/p' "$conf")
		fi
	fi
	driver=$(run_as "$u" podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null || true)
	if [ "$driver" != overlay ]; then
		if is_root; then
			run_as "$u" podman system reset -f >/dev/null 2>&1
			did "user $u: storage driver was '$driver'; reset the test user's storage to overlay"
		else
			host_say "warning: your podman storage driver is '$driver', not overlay (slow creates); 'podman system reset' switches it and deletes your images"
		fi
	fi
	say "user $u: probing rootless Podman with a throwaway pod"
	for attempt in 1 2 3 4; do
		if out=$(probe_pod "$u"); then
			say "user $u: a throwaway pod started"
			break
		fi
		if [ "$attempt" -eq 4 ]; then
			host_die "user $u: a throwaway pod still fails to start: $out"
		fi
		if grep -q -i -E 'cgroups in hybrid mode|crun:' <<<"$out" && [ "$runc" -eq 0 ]; then
			runc=1
			did "user $u: crun cannot run here ($(grep -o -i -m1 'cgroups in hybrid mode[^"]*' <<<"$out" || echo crun error)); using runc + cgroupfs"
		elif grep -q '/dev/net/tun' <<<"$out"; then
			local mode
			mode=$(stat -c %a /dev/net/tun 2>/dev/null || echo missing)
			as_root chmod 0666 /dev/net/tun
			did "/dev/net/tun was mode $mode, slirp4netns could not open it; set to 0666"
			continue
		elif grep -q 'RLIMIT_NOFILE' <<<"$out" && [ -z "$nofile" ]; then
			nofile=$(run_as "$u" bash -c 'ulimit -Hn')
			[ "$nofile" = unlimited ] && nofile=1048576
			did "user $u: podman cannot raise RLIMIT_NOFILE; default_ulimits nofile=$nofile"
		else
			host_die "user $u: a throwaway pod fails to start, and the error is not a known quirk: $out"
		fi
		[ -n "$conf" ] || host_die "user $u: cannot apply the fix to your own containers.conf: $out"
		if is_root; then
			containers_conf "$runc" "$nofile" | write_if_changed "$conf" 0644 "$u:$(id -gn "$u")" || true
		else
			mkdir -p "$(dirname "$conf")"
			containers_conf "$runc" "$nofile" | write_if_changed "$conf" 0644 "$(id -un):$(id -gn)" || true
		fi
	done
	fp=$(fingerprint "$u" "$home")
	if is_root; then
		mkdir_owned "$home/.cache" 0755 "$u"
		mkdir_owned "$home/.cache/isopod" 0755 "$u"
		printf '%s\n' "$fp" | write_if_changed "$marker" 0644 "$u:$(id -gn "$u")" || true
	else
		mkdir -p "$(dirname "$marker")"
		printf '%s\n' "$fp" | write_if_changed "$marker" 0644 "$(id -un):$(id -gn)" || true
	fi
}

build_images() {
	local u src qflag=()
	[ "$quiet" -eq 1 ] && qflag=(--quiet)
	if is_root; then
		u=$ISOPOD_TEST_USER
		src=$(user_home "$u")/.cache/isopod/images-src
		# The checkout may sit where the test user cannot read (/root):
		# build from a copy in the user's home.
		run_as "$u" mkdir -p "$src"
		rsync -a --delete --chown="$u:$(id -gn "$u")" "$top/tests/images/" "$src/"
		as_user "$u" bash "$src/build.sh" "${qflag[@]}"
	else
		bash "$top/tests/images/build.sh" "${qflag[@]}"
	fi
}

install_packages
if is_root; then
	prepare_user "$ISOPOD_TEST_USER"
	prepare_user "$ISOPOD_TEST_USER2"
	ensure_host_registry "$ISOPOD_TEST_USER" "$ISOPOD_TEST_USER2"
	detect_quirks "$ISOPOD_TEST_USER"
	detect_quirks "$ISOPOD_TEST_USER2"
else
	if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
		host_die "XDG_RUNTIME_DIR is not set or missing; log in through a session manager or set it to a 0700 directory you own"
	fi
	ensure_subids "$(id -un)"
	ensure_host_registry "$(id -un)"
	# Overlay storage before your first podman command (afterwards only a
	# 'podman system reset' switches it); your own storage.conf is kept.
	if [ ! -e "$HOME/.local/share/containers/storage" ] && [ ! -e "$HOME/.config/containers/storage.conf" ]; then
		mkdir -p "$HOME/.config/containers"
		if storage_conf | write_if_changed "$HOME/.config/containers/storage.conf" 0644 "$(id -un):$(id -gn)"; then
			did "wrote ~/.config/containers/storage.conf (overlay)"
		fi
	fi
	detect_quirks "$(id -un)"
fi
[ "$images" -eq 1 ] && build_images
if [ "$changed" -eq 0 ]; then
	say "nothing changed"
fi
exit 0
