#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs inside the isopod-postgres root file system (mmdebstrap customize hook).
set -eu
chmod 0755 /usr/local/bin/docker-entrypoint.sh
# Only the JIT provider needs LLVM and Z3; perl only serves the pg_wrapper /
# pg_ctlcluster scripts, which the entrypoint does not use.
dpkg --purge --force-depends libllvm14 libz3-4 perl perl-modules-5.36 libperl5.36 >/dev/null 2>&1
rm -rf /usr/share/postgresql/15/man /usr/lib/postgresql/15/lib/llvmjit* \
	/usr/lib/postgresql/15/lib/bitcode /usr/lib/postgresql/15/lib/pgxs \
	/usr/share/postgresql/15/postgresql.conf.sample.dpkg-* /var/cache/debconf/*-old
# What initdb copies into every new cluster.
printf "\nlisten_addresses = '*'\njit = off\n" >>/usr/share/postgresql/15/postgresql.conf.sample
mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d /var/run/postgresql
chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql
chmod 0700 /var/lib/postgresql/data
chmod 3777 /var/run/postgresql
rm -f /tmp/customize.sh
