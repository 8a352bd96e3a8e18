"""Least privilege, enforced by the engines: what a lab's SQL (the model's, or the user's) can do.

Every attack below is run and then checked against the database itself: the sentinel objects
are still there, no file was written, no command ran. Nothing here depends on parsing SQL text.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from workbench.errors import PrivilegeError, ReadOnlyError, SQLError
from workbench.lab.lab import Lab
from workbench.schema import Schema

from ..conftest import _mysql_args, _pg_admin_url, _server_up, need

ITEMS = Schema.from_ddl("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);", "postgres")


def _pg(sql: str, url: str | None = None, params=None):
    """SQL as the server's administrator, in the labs' database (WORKBENCH_PG_URL) unless url says otherwise."""
    import psycopg

    from workbench.config import settings

    with psycopg.connect(url or settings().pg_url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None


def _my(sql: str, database: str | None = None):
    import pymysql

    conn = pymysql.connect(**_mysql_args(), database=database, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def _attempt(lab: Lab, sql: str) -> bool:
    """Run SQL as the model would; True when the engine let it through."""
    try:
        lab.run(sql)
        return True
    except SQLError:
        return False


@pytest.fixture
def pg_sentinel():
    need(_server_up("postgres"), "PostgreSQL is not reachable")
    name = f"wb_sentinel_{uuid.uuid4().hex[:6]}"
    _pg(f"CREATE TABLE public.{name} (id int); INSERT INTO public.{name} VALUES (1)")
    yield name
    _pg(f"DROP TABLE IF EXISTS public.{name}")


@pytest.fixture
def my_sentinel():
    need(_server_up("mysql"), "MariaDB is not reachable")
    name = f"wb_sentinel_{uuid.uuid4().hex[:6]}"
    _my(f"CREATE DATABASE {name}")
    _my(f"CREATE TABLE {name}.t (id int)")
    yield name
    _my(f"DROP DATABASE IF EXISTS {name}")


def test_a_postgres_lab_runs_as_its_own_role_and_cannot_leave_its_schema(pg_sentinel, tmp_path):
    marker = tmp_path / "pwned"
    with Lab("postgres", name="attack", owner=f"{tmp_path}/attack") as lab:
        lab.load(ITEMS)
        lab.seed(20)
        role = _pg("SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = %s",
                   params=(lab.login.user,))
        assert role == [(False, False, False, False)]
        owned = _pg("SELECT nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE rolname = %s",
                    params=(lab.login.user,))
        assert [r[0] for r in owned] == [lab.namespace]
        assert lab.run("SELECT current_user").rows == [(lab.login.user,)]
        attacks = [
            f"DROP TABLE public.{pg_sentinel}",
            f"DELETE FROM public.{pg_sentinel}",
            "CREATE TABLE public.planted (x int)",
            f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'",
            f"COPY (SELECT 1) TO '{marker}'",
            "SELECT lo_import('/etc/hostname')",
            "SELECT pg_read_file('/etc/hostname')",
            "SET ROLE postgres",
            "RESET ROLE; DROP SCHEMA public CASCADE",
            "CREATE ROLE planted SUPERUSER",
            "ALTER ROLE CURRENT_USER SUPERUSER",
            "CREATE DATABASE planted",
        ]
        through = [sql for sql in attacks if _attempt(lab, sql)]
        assert through == [], f"writes that got through: {through}"
        lab.timeout = 0.5  # the session lifts the server's limit; the watchdog still stops it
        lab.run("SELECT set_config('statement_timeout', '0', false)")
        with pytest.raises(SQLError, match="longer than the lab's timeout"):
            lab.run("SELECT pg_sleep(3)")
        assert lab.run("SELECT count(*) FROM items").rows == [(20,)]
    assert _pg(f"SELECT count(*) FROM public.{pg_sentinel}") == [(1,)]
    assert not marker.exists()
    assert _pg("SELECT count(*) FROM pg_tables WHERE tablename = 'planted'") == [(0,)]


def test_a_mariadb_lab_runs_as_its_own_user_with_grants_on_its_database_only(my_sentinel, tmp_path):
    outfile = f"/tmp/wb_outfile_{uuid.uuid4().hex[:6]}.txt"
    with Lab("mysql", name="attack", owner=f"{tmp_path}/attack") as lab:
        lab.load(ITEMS)
        lab.seed(20)
        grants = " ".join(r[0] for r in lab.run("SHOW GRANTS").rows)
        assert "FILE" not in grants and "SUPER" not in grants and "ON *.*" in grants and "USAGE ON *.*" in grants
        attacks = [
            f"DROP DATABASE {my_sentinel}",
            f"DROP TABLE {my_sentinel}.t",
            f"CREATE TABLE {my_sentinel}.planted (x int)",
            f"SELECT 1 INTO OUTFILE '{outfile}'",
            "CREATE USER planted IDENTIFIED BY 'x'",
            "GRANT ALL ON *.* TO CURRENT_USER",
            "SET GLOBAL max_connections = 1",
        ]
        through = [sql for sql in attacks if _attempt(lab, sql)]
        assert through == [], f"writes that got through: {through}"
        assert lab.run("SELECT LOAD_FILE('/etc/hostname')").rows == [(None,)]  # no FILE privilege: nothing read
        lab.timeout = 0.5
        lab.run("SET SESSION max_statement_time = 0")
        with pytest.raises(SQLError, match="longer than the lab's timeout"):
            lab.run("SELECT SLEEP(3)")
    assert _my(f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{my_sentinel}'") == ((1,),)
    assert not Path(outfile).exists()


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_variant_ddl_of_an_experiment_cannot_drop_outside_its_lab(kind, request, tmp_path):
    sentinel = request.getfixturevalue("pg_sentinel" if kind == "postgres" else "my_sentinel")
    target = f"public.{sentinel}" if kind == "postgres" else f"{sentinel}.t"
    with Lab(kind, name="variants", owner=f"{tmp_path}/v") as lab:
        lab.load(ITEMS)
        with pytest.raises(SQLError):
            lab.compare([{"name": "all", "sql": "SELECT count(*) FROM items"}],
                        [{"name": "evil", "ddl": f"DROP TABLE {target}"}], rows=10, repeat=1, progress=False)
    if kind == "postgres":
        assert _pg(f"SELECT count(*) FROM {target}") == [(1,)]
    else:
        assert _my(f"SELECT count(*) FROM {target}") == ((0,),)


def test_a_named_postgres_database_opens_as_a_role_that_may_only_read(pg_url):
    _pg("CREATE TABLE t (id serial PRIMARY KEY, v int); INSERT INTO t (v) VALUES (1), (2)", pg_url)
    with Lab(pg_url) as lab:
        assert lab.read_only and lab.login.user.startswith("wb_ro_")
        assert lab.run("SELECT count(*) FROM t").rows == [(2,)]
        lab.run("SELECT set_config('default_transaction_read_only', 'off', false)")  # lifts nothing: no grant
        for sql in ("DELETE FROM t", "EXPLAIN ANALYZE DELETE FROM t", "SELECT * INTO t_copy FROM t",
                    "SELECT nextval('t_id_seq')", "SELECT lo_import('/etc/hostname')", "CREATE TABLE z (a int)",
                    "UPDATE t SET v = 0"):
            with pytest.raises(ReadOnlyError, match="opened read-only"):
                lab.run(sql)
    assert _pg("SELECT count(*), sum(v) FROM t", pg_url) == [(2, 3)]
    with Lab(pg_url, write=True) as writer:  # the user's own choice, never the agent's
        assert writer.run("INSERT INTO t (v) VALUES (3)").rowcount == 1


def test_a_named_mariadb_database_opens_as_a_user_that_may_only_read(mysql_url):
    database = mysql_url.rsplit("/", 1)[1]
    _my("CREATE TABLE t (id int PRIMARY KEY, v int)", database)
    _my("INSERT INTO t VALUES (1, 1)", database)
    with Lab(mysql_url) as lab:
        assert lab.login.user.startswith("wb_ro_")
        lab.run("SET SESSION TRANSACTION READ WRITE")
        for sql in ("DELETE FROM t", "INSERT INTO t VALUES (2, 2)", "DROP TABLE t", f"DROP DATABASE {database}",
                    "SELECT 1 INTO OUTFILE '/tmp/wb_ro_outfile.txt'", "CREATE TABLE z (a int)"):
            with pytest.raises(ReadOnlyError):
                lab.run(sql)
    assert _my("SELECT count(*) FROM t", database) == ((1,),)


def test_a_url_whose_user_cannot_create_roles_must_be_read_only(pg_url):
    from workbench.config import database_url

    suffix = uuid.uuid4().hex[:6]
    writer, reader = f"wbt_writer_{suffix}", f"wbt_reader_{suffix}"
    database = database_url(pg_url).database
    _pg(f"CREATE ROLE {writer} LOGIN PASSWORD 'pw'; CREATE ROLE {reader} LOGIN PASSWORD 'pw'", pg_url)
    try:
        _pg(f"CREATE TABLE t (id int); GRANT SELECT, INSERT ON t TO {writer}; GRANT SELECT ON t TO {reader}; "
            f"REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE CREATE, TEMPORARY ON DATABASE {database} FROM PUBLIC",
            pg_url)
        base = pg_url.replace("postgres@", "{user}:pw@")
        with pytest.raises(PrivilegeError, match="may create roles, or a read-only user") as info:
            Lab(base.format(user=writer))
        assert "pw@" not in str(info.value)
        with Lab(base.format(user=reader)) as lab:  # a read-only user is used as it is
            assert lab.login is None and lab.run("SELECT count(*) FROM t").rows == [(0,)]
            with pytest.raises(ReadOnlyError):
                lab.run("INSERT INTO t VALUES (1)")
    finally:
        _pg(f"DROP OWNED BY {writer}; DROP OWNED BY {reader}", pg_url)
        _pg(f"DROP ROLE {writer}; DROP ROLE {reader}", _pg_admin_url())


def test_the_sqlite_sandbox_cannot_reach_other_files_or_change_its_settings(isolated):
    from workbench.design.aggregate import Design

    other = Design("other")
    other.store.append_message(other.id, 1, None, "user", [{"type": "text", "text": "keep me"}])
    store = other.home / "workbench.db"
    design = Design("victim")
    design.add_schema_ddl("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);")
    copy = isolated / "copy.db"
    attacks = [f"ATTACH DATABASE '{store}' AS store", f"ATTACH '{store}' AS s; DELETE FROM s.messages",
               f"VACUUM INTO '{copy}'", "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')",
               "PRAGMA foreign_keys = OFF", "PRAGMA writable_schema = ON", "PRAGMA journal_mode = DELETE"]
    through = [sql for sql in attacks if _attempt(design.lab(), sql)]
    assert through == []
    assert design.run_sql("PRAGMA foreign_keys").rows == [(1,)]  # reading a setting is allowed
    assert other.messages()[0]["content"][0]["text"] == "keep me"
    assert not copy.exists()
    raw = sqlite3.connect(store)
    assert raw.execute("SELECT count(*) FROM messages").fetchone() == (1,)
    raw.close()


def test_a_sandbox_load_cannot_reach_another_designs_file_or_write_outside_its_lab(isolated):
    """The attacks of issue 18 through the load tool's path (Design.run_load): design A's load attaches
    design B's sandbox and deletes its rows, copies its own data out with VACUUM INTO, and attaches a new
    file. The load workers' connections run under the same authorizer as run_sql: every attack is refused."""
    from workbench.design.aggregate import Design

    ddl = "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);"
    victim = Design("other")
    victim.add_schema_ddl(ddl)
    victim_file = victim.lab().path
    kept = victim.run_sql("SELECT count(*) FROM items", record=False).rows[0][0]
    attacker = Design("attacker")
    attacker.add_schema_ddl(ddl)
    copy, made = isolated / "x.db", isolated / "made.db"
    record = attacker.run_load({"transactions": [
        {"name": "steal", "sql": [f"ATTACH DATABASE '{victim_file}' AS a", "DELETE FROM a.items"]},
        {"name": "copy", "sql": f"VACUUM INTO '{copy}'"},
        {"name": "make", "sql": f"ATTACH DATABASE '{made}' AS m"}]}, clients=2, duration=1)
    result = record.result
    assert kept > 0 and result.committed == 0
    assert set(result.errors()) == {"other"} and result.errors()["other"] > 0
    assert any("refuses ATTACH" in note for note in result.notes), result.notes  # says why, and what is allowed
    raw = sqlite3.connect(victim_file)
    assert raw.execute("SELECT count(*) FROM items").fetchone() == (kept,)
    raw.close()
    assert not copy.exists() and not made.exists()


def test_a_named_sqlite_file_is_read_only_at_the_file_level(tmp_path):
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);")
    conn.close()
    with Lab(f"sqlite:///{path}") as lab:
        for sql in ("INSERT INTO t VALUES (2)", "DELETE FROM t", "DROP TABLE t",
                    "WITH x AS (SELECT 1) INSERT INTO t SELECT 3"):
            with pytest.raises(ReadOnlyError, match="opened read-only"):
                lab.run(sql)
        with pytest.raises(SQLError):
            lab.run("PRAGMA journal_mode = DELETE")
        assert lab.run("SELECT count(*) FROM t").rows == [(1,)]


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_resetting_a_design_lab_drops_its_namespace_and_gc_drops_orphans(kind, isolated):
    import subprocess
    import sys

    from workbench.design.aggregate import Design
    from workbench.lab.gc import gc

    need(_server_up(kind), f"{kind} is not reachable")
    design = Design("gc-test")
    design.add_schema_ddl("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);")
    lab = design.lab(kind)
    live = lab.namespace
    assert design.reset_lab(kind) and not _exists(kind, live)
    # a kernel killed while its lab is open leaves the namespace behind; gc finds it
    code = ("import os, sys; from workbench.lab.lab import Lab; lab = Lab(sys.argv[1], name='orphan'); "
            "print(lab.namespace, flush=True); os.kill(os.getpid(), 9)")
    out = subprocess.run([sys.executable, "-c", code, kind], capture_output=True, text=True, timeout=120)
    orphan = out.stdout.strip()
    assert orphan.startswith("wb_lab_") and _exists(kind, orphan)
    alive = design.lab(kind).namespace
    listed = gc(dry_run=True)
    states = {row[1]: row[4] for row in listed.rows}
    assert states[orphan] == "orphan" and states[alive] == "live"
    collected = gc()
    assert orphan in collected.dropped and alive not in collected.dropped
    assert not _exists(kind, orphan) and _exists(kind, alive)
    design.reset_lab()


def _exists(kind: str, namespace: str) -> bool:
    if kind == "postgres":
        return bool(_pg("SELECT 1 FROM pg_namespace WHERE nspname = %s", params=(namespace,)))
    return bool(_my(f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{namespace}'"))
