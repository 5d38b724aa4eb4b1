# SPDX-License-Identifier: Apache-2.0
"""odoo.tests.common of the stand-in: the test case classes and tagged().

Odoo's semantics (odoo/tests/common.py, 17.0/18.0), not its code:
- every BaseCase subclass defined in odoo.addons.MOD... gets the default
  tags {'standard', 'at_install'} unless it has tags already (tags are
  inherited), and test_module MOD, test_class its name, test_sequence 0;
- tagged('a', '-b') adds a and removes b from the class's tags, and warns
  when the class ends up neither or both at_install and post_install;
- TransactionCase: one cursor for the class (cls.cr, cls.env.cr, the same
  object), a savepoint per test rolled back after it, and the class's
  transaction rolled back when the class is done: nothing a test writes
  stays in the database.  SingleTransactionCase: the class's cursor
  without the savepoints.
"""
import itertools
import logging
import unittest

from .. import SUPERUSER_ID, sql_db

_logger = logging.getLogger(__name__)
_savepoints = itertools.count()


def get_db_name():
    return sql_db.connect_args.get("dbname")


def tagged(*tags):
    """A class decorator: add the tags named, remove those prefixed with '-'."""
    include = {t for t in tags if not t.startswith("-")}
    exclude = {t[1:] for t in tags if t.startswith("-")}

    def decorate(cls):
        cls.test_tags = (set(getattr(cls, "test_tags", None) or ()) | include) - exclude
        if ("at_install" in cls.test_tags) == ("post_install" in cls.test_tags):
            _logger.warning("A tests should be either at_install or post_install, "
                            "which is not the case of %r", cls)
        return cls
    return decorate


class Environment:
    """A minimal odoo.api.Environment: cr, uid, context; no models."""

    def __init__(self, cr, uid=SUPERUSER_ID, context=None):
        self.cr, self.uid, self.context = cr, uid, dict(context or {})

    def __getitem__(self, model):
        raise KeyError("the isopod Odoo stand-in has no models (asked for %r)" % model)

    def __call__(self, cr=None, user=None, context=None):
        return Environment(self.cr if cr is None else cr,
                           self.uid if user is None else user,
                           self.context if context is None else context)


class BaseCase(unittest.TestCase):
    """The root of the stand-in's test cases: default tags, as Odoo's."""
    longMessage = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        parts = cls.__module__.split(".")
        if len(parts) > 2 and parts[:2] == ["odoo", "addons"]:
            if getattr(cls, "test_tags", None) is None:
                cls.test_tags = {"standard", "at_install"}
            cls.test_module = parts[2]
            cls.test_class = cls.__name__
            cls.test_sequence = getattr(cls, "test_sequence", 0)


class SingleTransactionCase(BaseCase):
    """One cursor for the class's tests, rolled back when the class is done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cr = sql_db.cursor()
        cls.addClassCleanup(cls.cr.close)
        cls.env = Environment(cls.cr)


class TransactionCase(SingleTransactionCase):
    """SingleTransactionCase with a savepoint per test, rolled back after it."""

    def setUp(self):
        super().setUp()
        self._savepoint_id = next(_savepoints)
        self.cr.execute("SAVEPOINT test_%d" % self._savepoint_id)
        self.addCleanup(self.cr.execute, "ROLLBACK TO SAVEPOINT test_%d" % self._savepoint_id)
