"""One minimal case for each class of defect outsiders found running 16 unseen public schema files
(issue 18), each decided by the real database or client: the mariadb client, PostgreSQL, MariaDB, SQLite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from urllib.parse import urlparse

from workbench.schema import Schema
from workbench.schema.types import canonical

from ..conftest import need, run_script


def live(url: str) -> Schema:
    return Schema.from_url(url)


def mariadb_client(url: str, text: str) -> subprocess.CompletedProcess:
    """Run `text` through the real mariadb command-line client, as a user loading a file would."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    need(client is not None, "the mariadb/mysql command-line client is not installed")
    u = urlparse(url.replace("mysql+pymysql", "mysql"))
    env = {**os.environ, "MYSQL_PWD": u.password or ""}
    return subprocess.run([client, "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306), "-u",
                           u.username or "root", u.path.lstrip("/")], input=text, capture_output=True, text=True,
                          env=env, timeout=120)


# -- 1. MySQL DELIMITER never set back ----------------------------------------------------------------
DELIMITER_NEVER_RESET = """CREATE TABLE early (id INT PRIMARY KEY);
DELIMITER //
CREATE PROCEDURE touch(IN n INT)
BEGIN
  -- a comment with // and ; in it
  lbl: LOOP
    IF n > 1 THEN SET n = IF(n > 2, 1, 2); LEAVE lbl; ELSE SELECT 'a//b;'; END IF;
    WHILE n < 3 DO SET n = n + 1; END WHILE;
    SET n = CASE WHEN n > 1 THEN 1 ELSE 0 END;
  END LOOP lbl;
END //
CREATE TABLE a (id INT PRIMARY KEY, note VARCHAR(20) DEFAULT 'x;y');
CREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id));
CREATE INDEX b_id ON b (id, a_id);
"""


def test_mysql_delimiter_never_set_back_reads_as_the_client_loads_it(mysql_url, tmp_path):
    result = mariadb_client(mysql_url, DELIMITER_NEVER_RESET)
    assert result.returncode == 0, result.stderr
    loaded = live(mysql_url)
    assert sorted(loaded.tables) == ["a", "b", "early"]  # the client runs the statements after the last //

    schema = Schema.from_ddl(DELIMITER_NEVER_RESET, "mysql")
    assert sorted(schema.tables) == ["a", "b", "early"]
    assert schema.diff(loaded).changes == []
    skipped = {line: what for line, what, _ in schema.statements_skipped}
    assert skipped == {3: "CREATE PROCEDURE"}  # the procedure is one statement, at its line

    path = tmp_path / "dump_mysql.sql"
    path.write_text(DELIMITER_NEVER_RESET)
    cli = subprocess.run([sys.executable, "-m", "workbench.cli", "lint", str(path)], capture_output=True, text=True)
    assert cli.returncode in (0, 1), cli.stderr  # findings, not a refused file (exit 2)


# -- 2. unsigned integer types -------------------------------------------------------------------------
UNSIGNED_SQLITE = ("CREATE TABLE counters (id INTEGER PRIMARY KEY, hits BIGINT UNSIGNED NOT NULL DEFAULT 0, "
                   "port SMALLINT UNSIGNED, level TINYINT UNSIGNED DEFAULT 0, total INT UNSIGNED, "
                   "mid MEDIUMINT UNSIGNED);")


def test_unsigned_integers_map_to_every_dialect(pg_url, mysql_url, sqlite_url):
    from workbench.testing.fidelity import load

    schema = Schema.from_ddl(UNSIGNED_SQLITE, "sqlite")
    assert schema.tables["counters"].columns["hits"].type == "BIGINT UNSIGNED"  # as written, not sqlglot's UBIGINT
    assert load(sqlite_url, schema.to_ddl("sqlite"), "sqlite") == []
    assert schema.diff(live(sqlite_url)).changes == []

    # PostgreSQL: the next wider signed type, so every unsigned value fits (BIGINT UNSIGNED stays BIGINT, noted)
    pg_ddl = schema.to_ddl("postgres")
    assert load(pg_url, pg_ddl, "postgres") == []
    pg = live(pg_url).tables["counters"].columns
    assert {c: pg[c].type for c in ("hits", "port", "level", "total", "mid")} == {
        "hits": "BIGINT", "port": "INT", "level": "SMALLINT", "total": "BIGINT", "mid": "INT"}
    assert "values above 9223372036854775807 do not fit" in pg_ddl
    run_script(pg_url, "INSERT INTO counters (id, port, level, total, mid) VALUES (1, 65535, 255, 4294967295, "
                       "16777215);", "postgres")

    # MySQL/MariaDB: unsigned integers, with their numeric defaults
    assert load(mysql_url, schema.to_ddl("mysql"), "mysql") == []
    my = live(mysql_url).tables["counters"].columns
    assert {c: canonical(my[c].type, "mysql") for c in ("hits", "port", "level", "total", "mid")} == {
        "hits": "BIGINT UNSIGNED", "port": "SMALLINT UNSIGNED", "level": "TINYINT UNSIGNED",
        "total": "INT UNSIGNED", "mid": "MEDIUMINT UNSIGNED"}
    assert my["hits"].default == "0" and my["level"].default == "0"


# -- 3. date_part defaults --------------------------------------------------------------------------------
DATE_PART_DEFAULTS = ("CREATE TABLE events (id int PRIMARY KEY, "
                      "created double precision DEFAULT date_part('epoch'::text, now()) NOT NULL, "
                      "year int DEFAULT date_part('year'::text, CURRENT_DATE), "
                      "epoch numeric DEFAULT EXTRACT(epoch FROM now()), "
                      "day timestamp DEFAULT date_trunc('day'::text, now()), "
                      "tomorrow timestamp DEFAULT (now() + '1 day'::interval), "
                      "label text DEFAULT to_char(now(), 'YYYY'::text), "
                      "CHECK (date_part('year', now()) > 2000));\n")


def test_date_part_defaults_are_emitted_as_postgresql_reads_them(pg_url, tmp_path):
    from workbench.testing.fidelity import FreshDatabase, load

    schema = Schema.from_ddl(DATE_PART_DEFAULTS, "postgres")
    assert "EXTRACT" not in schema.tables["events"].columns["created"].default
    emitted = schema.to_ddl("postgres")
    assert load(pg_url, emitted, "postgres") == []  # the check the diff alone cannot make: it loads
    ours = live(pg_url)
    with FreshDatabase("postgres", tmp_path) as db:  # and means what the file means on the server
        assert load(db.url, DATE_PART_DEFAULTS, "postgres") == []
        assert ours.diff(live(db.url)).changes == []
    assert ours.tables["events"].columns["created"].default.startswith("date_part(")
