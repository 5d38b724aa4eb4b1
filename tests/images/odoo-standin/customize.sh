#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs inside the isopod-odoo-standin root file system (mmdebstrap customize hook).
set -eu
chmod 0755 /entrypoint.sh /usr/local/bin/odoo
chmod 0644 /usr/local/lib/isopod-odoo-standin/standin_model.py
# The odoo package the addons' tests import, and the test run (pylib/ in the source tree).
chown -R root:root /usr/local/lib/isopod-odoo-standin
chmod -R u=rwX,go=rX /usr/local/lib/isopod-odoo-standin
# The official image's odoo user (system uid/gid 101 when free).
if ! grep -q '^odoo:' /etc/passwd; then
	id=101
	while grep -q "^[^:]*:[^:]*:$id:" /etc/passwd /etc/group; do id=$((id + 1)); done
	echo "odoo:x:$id:" >>/etc/group
	echo "odoo:x:$id:$id:Odoo (isopod stand-in):/var/lib/odoo:/usr/sbin/nologin" >>/etc/passwd
	echo "odoo:*:19000:0:99999:7:::" >>/etc/shadow
fi
mkdir -p /var/lib/odoo /etc/odoo /mnt/extra-addons
chown odoo:odoo /var/lib/odoo /etc/odoo /mnt/extra-addons
rm -f /tmp/customize.sh
