# SPDX-License-Identifier: Apache-2.0
from odoo.tests.common import TransactionCase


class TestPass(TransactionCase):
    def test_arithmetic(self):
        self.assertEqual(1 + 1, 2)

    def test_cursor(self):
        self.cr.execute("SELECT 1")
        self.assertEqual(self.cr.fetchone()[0], 1)

    def test_env_cursor(self):
        self.assertIs(self.env.cr, self.cr)
