# SPDX-License-Identifier: Apache-2.0
"""odoo.tests of the stand-in: what addon tests import from it."""
from .common import (  # noqa: F401
    BaseCase, Environment, SingleTransactionCase, TransactionCase, get_db_name, tagged,
)
