# SPDX-License-Identifier: Apache-2.0
"""odoo.tests.loader of the stand-in: find a module's tests, make and run suites.

get_test_modules(MOD) imports odoo.addons.MOD.tests and returns its test_*
submodules.  A module without a tests package has none.  Any other error
while importing propagates, as in Odoo 16+ (the registry fails to load);
with ODOO_STANDIN_SERIES 13, 14 or 15 it is logged as those versions do,
ERROR "Can not `import MOD`." with the traceback, and the module has no
tests.
"""
import importlib
import importlib.util
import inspect
import logging
import os
import unittest

from .result import OdooTestResult
from .tag_selector import TagsSelector

_logger = logging.getLogger(__name__)
config = {"test_tags": "+standard"}


def series():
    raw = os.environ.get("ODOO_STANDIN_SERIES", "").strip() or "18"
    try:
        return int(float(raw))
    except ValueError:
        return 18


def _import_tests(module):
    name = "odoo.addons.%s" % module
    if importlib.util.find_spec(name) is None:
        return None
    if importlib.util.find_spec(".tests", name) is None:
        return None
    return importlib.import_module(".tests", name)


def get_test_modules(module):
    serie = series()
    if serie >= 16:
        mod = _import_tests(module)
    else:
        try:
            mod = _import_tests(module)
        except Exception:
            # 15 logged from odoo/tests/loader.py, 13 and 14 from odoo/modules/module.py.
            logger = _logger if serie == 15 else logging.getLogger("odoo.modules.module")
            logger.exception("Can not `import %s`.", module)
            return []
    if mod is None:
        return []
    return [obj for name, obj in inspect.getmembers(mod, inspect.ismodule)
            if name.startswith("test_")]


def _unwrap(suite):
    if isinstance(suite, unittest.TestCase):
        yield suite
        return
    for item in suite:
        yield from _unwrap(item)


def make_suite(module_names, position="at_install"):
    """The tests of MODULE_NAMES for POSITION that --test-tags selects, by test_sequence."""
    config_tags = TagsSelector(config["test_tags"])
    position_tag = TagsSelector(position)
    tests = [t for name in module_names for m in get_test_modules(name)
             for t in _unwrap(unittest.TestLoader().loadTestsFromModule(m))
             if position_tag.check(t) and config_tags.check(t)]
    return unittest.TestSuite(sorted(tests, key=lambda t: getattr(t, "test_sequence", 0)))


def run_suite(suite):
    result = OdooTestResult()
    suite(result)
    return result
