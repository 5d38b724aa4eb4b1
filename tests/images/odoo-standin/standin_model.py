# SPDX-License-Identifier: Apache-2.0
"""The cost model of isopod's Odoo stand-in (see the program odoo beside it).

Not Odoo: what installing or upgrading a module costs the database and the
filestore, in proportion to what Odoo's does, so that copying an initialised
database (a template, a snapshot) saves a measurable amount against making
it.  Catalog says which modules exist; Loader does one module's work.
"""
import ast
import hashlib
import os
import re
import time
import uuid

from psycopg2.extras import execute_values

# MODEL: what installing (or upgrading) a module of weight W costs at scale
# S = ODOO_STANDIN_INIT_SCALE:
#   TABLES_PER_UNIT * W tables standin_<module>_<k>, each with a primary key
#     and an index on name;
#   round(ROWS_PER_UNIT * W * S) records of ROW_BYTES random hex, spread
#     over those tables, each with its ir_model_data row (its XML id),
#     inserted ROWS_PER_INSERT rows a statement, one transaction a module;
#   round(FILE_BYTES_PER_UNIT * W * S) bytes of random content in files of
#     at most FILE_MAX bytes under filestore/<DB>/<2 hex>/<sha1>, each an
#     ir_attachment row (res_model 'ir.module.module', res_id the module).
# An upgrade rewrites every record (new payload, write_date), adds or drops
# records to the current count and replaces the module's files.
TABLES_PER_UNIT = 2
ROWS_PER_UNIT = 4500
ROW_BYTES = 200
ROWS_PER_INSERT = 1000
FILE_BYTES_PER_UNIT = 512 * 1024
FILE_MAX = 256 * 1024
DEFAULT_SCALE = 0.1
# Odoo writes its timestamps in UTC, without a time zone.
NOW = "(now() AT TIME ZONE 'UTC')"

# What Odoo 18 installs with -i base --without-demo=all besides base: its
# auto_install modules whose dependencies are met.  A plausible list, not
# Odoo's exact one.
AUTO_MODULES = ["web", "base_import", "base_setup", "bus", "web_tour",
                "html_editor", "auth_totp", "base_import_module"]
# The built-in pseudo-modules and their weights: base, the auto-installed
# ones, and some that -i may name.  Their only dependency is base.
BUILTIN = {"base": 4, "web": 2, "base_import": 1, "base_setup": 1, "bus": 1,
           "web_tour": 1, "html_editor": 1, "auth_totp": 1,
           "base_import_module": 1, "contacts": 1, "mail": 3, "crm": 2,
           "sale": 3, "purchase": 2, "stock": 3, "account": 4, "website": 3,
           "project": 2, "hr": 2}
MODULE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SERIE = "18.0"


def adapt_version(version):
    """odoo.modules.module.adapt_version: '1.2' -> '18.0.1.2'."""
    version = str(version)
    return version if version.startswith(SERIE + ".") else "%s.%s" % (SERIE, version)


class Catalog:
    """The modules -i can install: BUILTIN, then the addons PATHS in order."""

    def __init__(self, paths, warn):
        self.paths, self.warn = paths, warn

    def get(self, name):
        if not MODULE_RE.match(name):
            return None
        if name in BUILTIN:
            return {"weight": BUILTIN[name], "depends": [], "auto": name in AUTO_MODULES,
                    "version": SERIE + (".1.3" if name == "base" else ".1.0"),
                    "shortdesc": name.replace("_", " ").title(), "author": "Odoo S.A."}
        for path in self.paths:
            manifest = os.path.join(path, name, "__manifest__.py")
            if not os.path.isfile(manifest):
                continue
            try:
                with open(manifest, encoding="utf-8") as f:
                    data = ast.literal_eval(f.read())
            except (OSError, ValueError, SyntaxError) as e:
                self.warn("module %s: cannot read %s: %s" % (name, manifest, e))
                return None
            if not isinstance(data, dict) or not data.get("installable", True):
                return None
            depends = data.get("depends", [])
            return {"weight": 1, "depends": [str(d) for d in depends if d != "base"]
                    if isinstance(depends, (list, tuple)) else [],
                    "auto": bool(data.get("auto_install")),
                    "version": adapt_version(data.get("version", "1.0")),
                    "shortdesc": str(data.get("name", name)), "author": str(data.get("author", ""))}
        return None


SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ir_module_module (
         id serial PRIMARY KEY, name varchar NOT NULL, state varchar,
         latest_version varchar, shortdesc varchar, author varchar,
         auto_install boolean DEFAULT false, demo boolean DEFAULT false,
         create_date timestamp DEFAULT %s, write_date timestamp DEFAULT %s,
         CONSTRAINT ir_module_module_name_uniq UNIQUE (name))""" % (NOW, NOW),
    # Databases made by the stand-in before it did more than one row.
    "ALTER TABLE ir_module_module ADD COLUMN IF NOT EXISTS shortdesc varchar,"
    " ADD COLUMN IF NOT EXISTS author varchar,"
    " ADD COLUMN IF NOT EXISTS auto_install boolean DEFAULT false,"
    " ADD COLUMN IF NOT EXISTS demo boolean DEFAULT false,"
    " ADD COLUMN IF NOT EXISTS write_date timestamp DEFAULT %s" % NOW,
    """CREATE TABLE IF NOT EXISTS ir_model_data (
         id serial PRIMARY KEY, module varchar NOT NULL, name varchar NOT NULL,
         model varchar NOT NULL, res_id integer, noupdate boolean DEFAULT false,
         create_date timestamp, write_date timestamp)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS ir_model_data_module_name_uniq_index"
    " ON ir_model_data (module, name)",
    "CREATE INDEX IF NOT EXISTS ir_model_data_model_res_id_index ON ir_model_data (model, res_id)",
    """CREATE TABLE IF NOT EXISTS ir_attachment (
         id serial PRIMARY KEY, name varchar NOT NULL, res_model varchar,
         res_id integer, type varchar NOT NULL DEFAULT 'binary', store_fname varchar,
         file_size integer, checksum varchar(40), mimetype varchar, db_datas bytea,
         create_date timestamp, write_date timestamp)""",
    "CREATE INDEX IF NOT EXISTS ir_attachment_res_idx ON ir_attachment (res_model, res_id)",
    """CREATE TABLE IF NOT EXISTS ir_config_parameter (
         id serial PRIMARY KEY, key varchar NOT NULL, value text NOT NULL,
         create_uid integer, create_date timestamp, write_uid integer, write_date timestamp,
         CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key))""",
]


def table_name(module, k):
    """standin_<module>_<k>, short enough for "<table>_name_index" (63 characters at most)."""
    name = "standin_%s_%d" % (module, k)
    if len(name) > 52:
        name = "standin_%s_%s_%d" % (module[:28], hashlib.sha1(module.encode()).hexdigest()[:8], k)
    return name


class Loader:
    """The work of one database's modules: CONN to it, STORE its filestore directory."""

    def __init__(self, conn, store, scale, base_url):
        self.conn, self.store, self.scale, self.base_url = conn, store, scale, base_url
        self.cur = conn.cursor()
        self.queries = 0
        self.doomed = []  # files of replaced attachments, removed after commit

    def q(self, sql, args=None):
        self.queries += 1
        self.cur.execute(sql, args)

    def values(self, sql, rows, template=None):
        self.queries += -(-len(rows) // ROWS_PER_INSERT)
        execute_values(self.cur, sql, rows, template=template, page_size=ROWS_PER_INSERT)

    def commit(self):
        self.conn.commit()
        for path in self.doomed:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
        self.doomed = []

    def modules(self):
        """(name, state) of ir_module_module's rows, in the order they were made."""
        self.q("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if not self.cur.fetchone()[0]:
            return []
        self.q("SELECT name, state FROM ir_module_module ORDER BY id")
        return self.cur.fetchall()

    def mark(self, catalog, install, upgrade):
        """button_install and button_upgrade: the states a killed run leaves behind."""
        for module in install:
            self.module_row(module, catalog(module), "to install")
        if upgrade:
            self.q("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = ANY(%s)", (upgrade,))
        self.commit()

    def create_schema(self):
        for sql in SCHEMA:
            self.q(sql)
        self.commit()

    def tables(self, module, weight):
        """(table, model, records) of MODULE's tables at the current scale."""
        n = TABLES_PER_UNIT * weight
        rows = round(ROWS_PER_UNIT * weight * self.scale)
        return [(table_name(module, k), "standin.%s.t%d" % (module, k), rows // n + (k <= rows % n))
                for k in range(1, n + 1)]

    def install(self, module, info):
        mid = self.module_row(module, info, "to install")
        for table, model, rows in self.tables(module, info["weight"]):
            self.create_table(table)
            self.insert_records(module, table, model, rows, 0)
        self.write_files(module, mid, info["weight"])
        self.finish(module, mid, info)

    def upgrade(self, module, info):
        mid = self.module_row(module, info, "to upgrade")
        for table, model, rows in self.tables(module, info["weight"]):
            self.create_table(table)
            self.refresh_records(module, table, model, rows)
        self.q("DELETE FROM ir_attachment WHERE res_model = 'ir.module.module' AND res_id = %s"
               " RETURNING store_fname", (mid,))
        self.doomed += [os.path.join(self.store, r[0]) for r in self.cur.fetchall() if r[0]]
        self.write_files(module, mid, info["weight"])
        self.finish(module, mid, info)

    def module_row(self, module, info, state):
        self.q("INSERT INTO ir_module_module (name, state, latest_version, shortdesc, author,"
               " auto_install, create_date, write_date) VALUES (%%s, %%s, %%s, %%s, %%s, %%s, %s, %s)"
               " ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state RETURNING id" % (NOW, NOW),
               (module, state, info["version"], info["shortdesc"], info["author"], info["auto"]))
        return self.cur.fetchone()[0]

    def finish(self, module, mid, info):
        if module == "base":
            self.config_parameters()
        self.q("UPDATE ir_module_module SET state = 'installed', latest_version = %%s,"
               " write_date = %s WHERE id = %%s" % NOW, (info["version"], mid))
        self.commit()

    def create_table(self, table):
        self.q('CREATE TABLE IF NOT EXISTS "%s" (id serial PRIMARY KEY, name varchar NOT NULL,'
               " payload text, sequence integer, active boolean DEFAULT true, create_uid integer,"
               " create_date timestamp, write_uid integer, write_date timestamp)" % table)
        self.q('CREATE INDEX IF NOT EXISTS "%s_name_index" ON "%s" (name)' % (table, table))

    def payloads(self, n):
        blob = os.urandom(n * ROW_BYTES // 2).hex()
        return [blob[i * ROW_BYTES:(i + 1) * ROW_BYTES] for i in range(n)]

    def insert_records(self, module, table, model, count, first):
        """COUNT new records numbered from FIRST, and their XML ids."""
        if count <= 0:
            return
        self.q('SELECT coalesce(max(id), 0) FROM "%s"' % table)
        last = self.cur.fetchone()[0]
        for off in range(0, count, ROWS_PER_INSERT):
            n = min(ROWS_PER_INSERT, count - off)
            rows = [("%s record %d" % (module, first + off + i + 1), p, first + off + i + 1)
                    for i, p in enumerate(self.payloads(n))]
            self.values('INSERT INTO "%s" (name, payload, sequence, create_uid, create_date,'
                        " write_uid, write_date) VALUES %%s" % table, rows,
                        "(%%s, %%s, %%s, 1, %s, 1, %s)" % (NOW, NOW))
        self.q("INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date,"
               " write_date) SELECT %%s, %%s || '_' || t.id, %%s, t.id, false, %s, %s"
               ' FROM "%s" t WHERE t.id > %%s' % (NOW, NOW, table), (module, table, model, last))

    def refresh_records(self, module, table, model, count):
        """An upgrade's pass over a table: rewrite what stays, drop or add to COUNT."""
        self.q('SELECT id FROM "%s" ORDER BY id' % table)
        ids = [r[0] for r in self.cur.fetchall()]
        keep, drop = ids[:count], ids[count:]
        if drop:
            self.q("DELETE FROM ir_model_data WHERE model = %s AND res_id = ANY(%s)", (model, drop))
            self.q('DELETE FROM "%s" WHERE id = ANY(%%s)' % table, (drop,))
        for off in range(0, len(keep), ROWS_PER_INSERT):
            part = keep[off:off + ROWS_PER_INSERT]
            self.values('UPDATE "%s" AS t SET payload = v.payload, write_uid = 1, write_date = %s'
                        " FROM (VALUES %%s) AS v (id, payload) WHERE t.id = v.id" % (table, NOW),
                        list(zip(part, self.payloads(len(part)))))
        self.q("UPDATE ir_model_data SET write_date = %s WHERE model = %%s" % NOW, (model,))
        self.insert_records(module, table, model, count - len(keep), len(keep))

    def write_files(self, module, mid, weight):
        total = round(FILE_BYTES_PER_UNIT * weight * self.scale)
        n = -(-total // FILE_MAX)
        for k in range(n):
            data = os.urandom(total // n + (k < total % n))
            sha = hashlib.sha1(data).hexdigest()
            fname = "%s/%s" % (sha[:2], sha)
            os.makedirs(os.path.join(self.store, sha[:2]), exist_ok=True)
            with open(os.path.join(self.store, fname), "wb") as f:
                f.write(data)
            self.q("INSERT INTO ir_attachment (name, res_model, res_id, type, store_fname, file_size,"
                   " checksum, mimetype, create_date, write_date) VALUES (%%s, 'ir.module.module',"
                   " %%s, 'binary', %%s, %%s, %%s, 'application/octet-stream', %s, %s)" % (NOW, NOW),
                   ("%s asset %d" % (module, k + 1), mid, fname, len(data), sha))

    def config_parameters(self):
        """ir.config_parameter's init(): the keys missing get their first value."""
        params = [("database.secret", str(uuid.uuid4())), ("database.uuid", str(uuid.uuid4())),
                  ("database.create_date", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())),
                  ("web.base.url", self.base_url),
                  ("base.login_cooldown_after", "10"), ("base.login_cooldown_duration", "60")]
        for key, value in params:
            self.q("INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid,"
                   " write_date) VALUES (%%s, %%s, 1, %s, 1, %s) ON CONFLICT (key) DO NOTHING"
                   % (NOW, NOW), (key, value))
