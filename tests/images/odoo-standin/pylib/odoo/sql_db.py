# SPDX-License-Identifier: Apache-2.0
"""odoo.sql_db of the stand-in: the test cursors and Odoo's query counter.

connect_args (psycopg2.connect keywords of the database under test) is set
by the stand-in program; cursor() opens a connection of its own and returns
a real psycopg2 cursor that counts its queries in sql_counter, as Odoo's
cursors do.
"""
import psycopg2
import psycopg2.extensions

connect_args = {}
sql_counter = 0


class Cursor(psycopg2.extensions.cursor):
    """A psycopg2 cursor that counts its queries and knows its database's name."""

    @property
    def dbname(self):
        return self.connection.info.dbname

    def execute(self, query, params=None):
        global sql_counter
        sql_counter += 1
        return super().execute(query, params)

    def executemany(self, query, vars_list):
        global sql_counter
        sql_counter += 1
        return super().executemany(query, vars_list)

    def commit(self):
        self.connection.commit()

    def rollback(self):
        self.connection.rollback()

    def close(self):
        """Close the cursor and its connection; what was not committed is rolled back."""
        conn = self.connection
        super().close()
        if not conn.closed:
            conn.rollback()
            conn.close()


def cursor():
    """A new connection to the database under test and its cursor (a Cursor)."""
    conn = psycopg2.connect(**connect_args)
    return conn.cursor(cursor_factory=Cursor)
