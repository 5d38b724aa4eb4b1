# SPDX-License-Identifier: Apache-2.0
from odoo.tests.common import TransactionCase


class TestFail(TransactionCase):
    def test_fails(self):
        self.assertEqual(1, 2, "one is not two")

    def test_passes(self):
        self.assertTrue(True)
