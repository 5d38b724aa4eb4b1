# SPDX-License-Identifier: Apache-2.0
"""odoo.tests.result of the stand-in: the test result that logs as Odoo 17/18's.

Lines (logger: the test's Python module, e.g. odoo.addons.MOD.tests.test_x):
  INFO  Starting Class.method ...           (testsRun counts it, skipped ones too)
  INFO  ====...==== (70)                    then
  ERROR FAIL: Class.method\\n<traceback>     or ERROR: for an error
  INFO  skipped Class.method : reason
str(result) is Odoo's "F failed, E error(s) of N tests"; log_stats() logs
"MOD: N tests T.TTs Q queries" on odoo.tests.stats, one line a module.
"""
import collections
import logging
import re
import time
import unittest

from .. import sql_db

stats_logger = logging.getLogger("odoo.tests.stats")
_TEST_ID = re.compile(r"^odoo\.addons\.(?P<module>[^.]+)\.tests\.(?P<rest>.+)\.(?P<method>[^.]+)$")


class OdooTestResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.failures_count = self.errors_count = 0
        self.skipped_count = 0
        self.stats = collections.OrderedDict()  # test id -> [seconds, queries]
        self._t0 = self._q0 = None

    def log(self, level, msg, *args, test=None):
        name = getattr(test, "__module__", None) or __name__
        if isinstance(test, unittest.case._SubTest):
            name = test.test_case.__module__
        logging.getLogger(name).log(level, msg, *args)

    @staticmethod
    def getDescription(test):
        if isinstance(test, unittest.case._SubTest):
            case = test.test_case
            return "Subtest %s.%s %s" % (type(case).__qualname__, case._testMethodName,
                                         test._subDescription())
        if isinstance(test, unittest.TestCase):
            return "%s.%s" % (type(test).__qualname__, test._testMethodName)
        return str(test)

    def startTest(self, test):
        super().startTest(test)
        self.log(logging.INFO, "Starting %s ...", self.getDescription(test), test=test)
        self._t0, self._q0 = time.monotonic(), sql_db.sql_counter

    def stopTest(self, test):
        super().stopTest(test)
        self.stats[test.id()] = [time.monotonic() - self._t0, sql_db.sql_counter - self._q0]

    def _log_error(self, flavour, test, err):
        text = self._exc_info_to_string(err, test)
        self.log(logging.INFO, "=" * 70, test=test)
        self.log(logging.ERROR, "%s: %s\n%s", flavour, self.getDescription(test), text, test=test)

    def addError(self, test, err):
        super().addError(test, err)
        self.errors_count += 1
        self._log_error("ERROR", test, err)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.failures_count += 1
        self._log_error("FAIL", test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            if issubclass(err[0], test.failureException):
                self.addFailure(subtest, err)
            else:
                self.addError(subtest, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skipped_count += 1
        self.log(logging.INFO, "skipped %s : %s", self.getDescription(test), reason, test=test)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failures_count += 1
        self.log(logging.ERROR, "%s: %s", "UNEXPECTED SUCCESS", self.getDescription(test), test=test)

    def wasSuccessful(self):
        return self.failures_count == 0 and self.errors_count == 0

    def update(self, other):
        self.failures_count += other.failures_count
        self.errors_count += other.errors_count
        self.testsRun += other.testsRun
        self.skipped_count += other.skipped_count
        self.stats.update(other.stats)

    def __str__(self):
        return "%d failed, %d error(s) of %d tests" % (self.failures_count, self.errors_count,
                                                       self.testsRun)

    def log_stats(self):
        per_module = collections.OrderedDict()
        for test_id, (seconds, queries) in self.stats.items():
            m = _TEST_ID.match(test_id)
            if not m:
                continue
            entry = per_module.setdefault(m["module"], [0, 0.0, 0])
            entry[0] += 1
            entry[1] += seconds
            entry[2] += queries
        for module in sorted(per_module):
            count, seconds, queries = per_module[module]
            stats_logger.info("%s: %d tests %.2fs %d queries", module, count, seconds, queries)
