# SPDX-License-Identifier: Apache-2.0
"""The test run of isopod's Odoo stand-in (odoo --test-enable): not Odoo.

main() is what Odoo 17/18 does for `odoo -d DB [-i M] [-u M] --test-enable
--stop-after-init [--test-tags SPEC] [--http-port N]`, in its order and
with its texts (odoo/service/server.py: ThreadedServer.run, start,
preload_registries; odoo/modules/registry.py: Registry.new;
odoo/modules/loading.py):

  HTTP service (werkzeug) running on HOST:PORT   (the --http-port, in a thread)
  ... loading, each module's at_install tests (the program's Run) ...
  Modules loaded.  |  ERROR At least one test failed when loading the modules.
  Registry loaded in X.XXXs
  Starting post tests / N post-tests in X.XXs, Q queries
  odoo.tests.stats: MOD: N tests X.XXs Q queries      (one line a module)
  odoo.tests.result: F failed, E error(s) of N tests when loading database 'DB'
  Initiating shutdown / Hit CTRL-C again or send a second signal ...

The exit status: 1 when a test failed or erred, 0 otherwise (no test run
included), 255 (-1) when the registry failed to load (a tests package that
does not import, in 16+): WARNING Transient module states were reset, ERROR
Failed to load registry, CRITICAL Failed to initialize database `DB`. with
the traceback, and no odoo.tests.result line.  Odoo binds --http-port in
test mode even with --stop-after-init, so the stand-in does too: a port in
use shows as the HTTP thread's traceback, and the tests still run.
"""
import logging
import os
import socket
import sys
import threading
import time

import odoo.addons
from odoo import sql_db
from odoo.tests import loader
from odoo.tests.result import OdooTestResult

FORMAT = "%(asctime)s %(pid)s %(levelname)s %(dbname)s %(name)s: %(message)s"


class _Context(logging.Filter):
    """odoo/netsvc.py's record fields: pid, and the thread's dbname or '?'."""

    def filter(self, record):
        record.pid = os.getpid()
        record.dbname = getattr(threading.current_thread(), "dbname", "?")
        return True


def setup_logging():
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(FORMAT)
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_Context())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


class Tester:
    """The registry's test report and the at_install / post_install runs."""

    def __init__(self, opts, program):
        odoo.addons.__path__[:] = program.addons_paths(opts)
        sql_db.connect_args = {"host": opts["db_host"], "port": opts["db_port"],
                               "user": opts["db_user"], "password": opts["db_password"],
                               "dbname": opts["db"], "connect_timeout": 10}
        loader.config["test_tags"] = opts.get("test_tags") or "+standard"
        self.report = OdooTestResult()

    def at_install(self, module):
        """(seconds, queries, result or None) of MODULE's at_install tests."""
        suite = loader.make_suite([module], "at_install")
        if not suite.countTestCases():
            return 0.0, 0, None
        t0, q0 = time.monotonic(), sql_db.sql_counter
        result = loader.run_suite(suite)
        self.report.update(result)
        return time.monotonic() - t0, sql_db.sql_counter - q0, result

    def post_install(self, modules):
        server = logging.getLogger("odoo.service.server")
        t0, q0 = time.monotonic(), sql_db.sql_counter
        server.info("Starting post tests")
        before = self.report.testsRun
        self.report.update(loader.run_suite(loader.make_suite(modules, "post_install")))
        server.info("%d post-tests in %.2fs, %s queries", self.report.testsRun - before,
                    time.monotonic() - t0, sql_db.sql_counter - q0)
        self.report.log_stats()


def http_spawn(opts, program):
    """ThreadedServer.http_spawn: the HTTP server on --http-port, in a daemon thread."""
    port = int(opts["http_port"])

    def serve():
        program.Handler.opts = opts
        httpd = program.ThreadingHTTPServer(("0.0.0.0", port), program.Handler)
        httpd.daemon_threads = True
        logging.getLogger("odoo.service.server").info(
            "HTTP service (werkzeug) running on %s:%s", socket.gethostname(), port)
        httpd.serve_forever()

    thread = threading.Thread(target=serve, name="odoo.service.httpd", daemon=True)
    thread.start()
    return thread


def reset_modules_state(program, opts):
    """odoo.modules.reset_modules_state: what a failed load leaves is undone."""
    conn = program.connect(opts, opts["db"])
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
            if cur.fetchone()[0]:
                cur.execute("UPDATE ir_module_module SET state = 'installed'"
                            " WHERE state IN ('to remove', 'to upgrade')")
                cur.execute("UPDATE ir_module_module SET state = 'uninstalled' WHERE state = 'to install'")
                logging.getLogger("odoo.modules.loading").warning("Transient module states were reset")
        conn.commit()
    finally:
        conn.close()


def preload(opts, program, tester):
    """preload_registries for -d DB: its rc (0, 1, or -1 when the registry failed)."""
    db = opts["db"]
    try:
        try:
            run = program.update_db(opts, tester)
        except Exception:
            try:
                reset_modules_state(program, opts)
            finally:
                logging.getLogger("odoo.modules.registry").error("Failed to load registry")
            raise
        tester.post_install(run.processed if run.updating else sorted(set(run.loaded)))
    except Exception:
        logging.getLogger("odoo.service.server").critical(
            "Failed to initialize database `%s`.", db, exc_info=True)
        return -1
    return 0 if tester.report.wasSuccessful() else 1


def main(opts, program):
    """`odoo --test-enable -d DB ...`: the exit status, as Odoo's."""
    sys.dont_write_bytecode = True  # no __pycache__ in the work order's addons
    setup_logging()
    db = opts["db"]
    logging.getLogger("odoo").info("Odoo version 18.0 (isopod stand-in)")
    thread = http_spawn(opts, program)
    if not program.ensure_database(opts, db):
        logging.getLogger("odoo.service.server").critical(
            "Failed to initialize database `%s`.", db)
        return 255
    threading.current_thread().dbname = db
    tester = Tester(opts, program)
    rc = preload(opts, program, tester)
    if not opts["stop_after_init"]:
        thread.join()
        return 0
    if rc != -1:
        report = logging.getLogger("odoo.tests.result")
        level = (logging.ERROR if not tester.report.wasSuccessful()
                 else logging.WARNING if not tester.report.testsRun else logging.INFO)
        report.log(level, "%s when loading database %r", tester.report, db)
    server = logging.getLogger("odoo.service.server")
    server.info("Initiating shutdown")
    server.info("Hit CTRL-C again or send a second signal to force the shutdown.")
    return rc & 0xFF
