# SPDX-License-Identifier: Apache-2.0
from odoo.tests.common import TransactionCase


class TestRollback(TransactionCase):
    def test_writes(self):
        self.env.cr.execute("CREATE TABLE isopod_rollback_probe (id serial PRIMARY KEY, note text)")
        self.env.cr.execute("INSERT INTO isopod_rollback_probe (note) VALUES ('must not persist')")
        self.env.cr.execute("SELECT count(*) FROM isopod_rollback_probe")
        self.assertEqual(self.env.cr.fetchone()[0], 1)
