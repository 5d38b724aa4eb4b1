# SPDX-License-Identifier: Apache-2.0
from odoo.tests.common import TransactionCase


class TestError(TransactionCase):
    def test_raises(self):
        raise RuntimeError("isopod test error")
