#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Name the local images in a user's isopod configuration, keeping what is
# there. Run as that user (make demo pipes it to 'bash -s' as the test user).
#
#   scripts/image-config.sh FILE ISOPOD ODOO_IMAGE DB_IMAGE
#
# FILE is the user's ~/.config/isopod/config.json. A missing file is created
# with the two top-level keys odoo_image and db_image. An existing one must
# load in isopod (ISOPOD runs 'isopod ports', which reads every configuration
# layer and names the file, line and column of a mistake): otherwise it is
# left alone, exit 1. The keys go in after the object's opening brace, so
# every key and comment already there stays; a file that already sets either
# key at its top level is left alone (exit 1: the user chose an image). The
# result must load in isopod too, or the file is put back as it was. Exit 0
# when the file names the images.
set -euo pipefail
f=$1 isopod=$2 odoo=$3 db=$4
say() { printf 'demo: %s\n' "$*" >&2; }

# Loads the configuration as every command does; prints isopod's error.
# shellcheck disable=SC2069 # stderr captured, stdout dropped
loads() { (cd / && "$isopod" ports 2>&1 >/dev/null); }

if [ ! -e "$f" ]; then
	mkdir -p "$(dirname "$f")"
	tmp=$(mktemp "$f.XXXXXX")
	cat >"$tmp" <<EOF
// Written by isopod's 'make demo': no container registry was reachable, so
// every profile uses the images built on this machine. Delete these two keys
// to use the official images again.
{
  "odoo_image": "$odoo",
  "db_image": "$db"
}
EOF
	mv -f "$tmp" "$f"
	exit 0
fi
if ! err=$(loads); then
	say "not touching $f: isopod cannot load the configuration: $err"
	exit 1
fi
tmp=$(mktemp "$f.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# The top-level object: skip white space and comments to its brace, then
# walk it at depth 1 (strings and comments skipped) to see which keys it has.
if ! perl -0777 -e '
	my ($file, $odoo, $db) = @ARGV;
	open(my $in, "<", $file) or die "cannot read it: $!\n";
	my $t = <$in>;
	my $gap = qr{(?:\s+|//[^\n]*(?:\n|\z)|/\*.*?\*/)*}s;
	$t =~ /\A$gap\{/g or die "its top level is not an object\n";
	my $open = pos($t);
	my ($depth, $empty, $expect_key) = (1, 1, 1);
	while ($depth > 0 && pos($t) < length($t)) {
		if ($t =~ /\G$gap"((?:[^"\\]|\\.)*)"/gc) {
			die "it already names \"$1\" at its top level; that choice is kept\n"
				if $depth == 1 && $expect_key && ($1 eq "odoo_image" || $1 eq "db_image");
			$empty = 0;
			$expect_key = 0;
		} elsif ($t =~ /\G$gap([{\[])/gc) { $depth++; $empty = 0; $expect_key = $1 eq "{"; }
		elsif ($t =~ /\G$gap([}\]])/gc)  { $depth--; }
		elsif ($t =~ /\G$gap,/gc)        { $expect_key = 1; }
		elsif ($t =~ /\G$gap[^"{}\[\],\s\/]+/gc) { $empty = 0; }
		elsif ($t =~ /\G$gap./gcs)       { }
	}
	my $keys = "\n  // the images built on this machine (make demo); delete to use the official ones\n" .
		"  \"odoo_image\": \"$odoo\",\n  \"db_image\": \"$db\"" . ($empty ? "\n" : ",");
	print substr($t, 0, $open), $keys, substr($t, $open);
' "$f" "$odoo" "$db" >"$tmp" 2>"$tmp.err"; then
	say "not touching $f: $(cat "$tmp.err")"
	rm -f "$tmp.err"
	exit 1
fi
rm -f "$tmp.err"
chmod --reference="$f" "$tmp"
cp -p "$f" "$f.before-demo"
mv -f "$tmp" "$f"
if ! err=$(loads); then
	mv -f "$f.before-demo" "$f"
	say "not touching $f: with the two keys added isopod could not load it ($err); left as it was"
	exit 1
fi
rm -f "$f.before-demo"
