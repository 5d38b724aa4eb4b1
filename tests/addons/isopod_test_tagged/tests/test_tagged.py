# SPDX-License-Identifier: Apache-2.0
import unittest

from odoo.tests import tagged
from odoo.tests.common import TransactionCase


class TestDefault(TransactionCase):
    def test_default(self):
        self.assertTrue(True)

    @unittest.skip("skipped on purpose")
    def test_skipped(self):
        self.fail("never runs")


@tagged("-standard", "slow")
class TestSlow(TransactionCase):
    def test_slow(self):
        self.assertTrue(True)


@tagged("post_install", "-at_install")
class TestPostInstall(TransactionCase):
    def test_post(self):
        self.assertTrue(True)
