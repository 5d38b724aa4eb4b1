# SPDX-License-Identifier: Apache-2.0
"""The `odoo` package of isopod's Odoo stand-in: not Odoo.

Only what an addon's tests import is here: odoo.tests (TransactionCase,
tagged, ...), with odoo.addons the namespace of the addons path (set by the
stand-in program) and odoo.sql_db the query counter.  There are no models,
fields or ORM: a test may use self.cr / self.env.cr (a real psycopg2
cursor on the database) and nothing else of Odoo.
"""
SUPERUSER_ID = 1
