"""An outsider's SQL as the lab's principal (the model's run_sql, a user's %%lab): it cannot lift the
workbench's limits, hide from `workbench lab gc`, read which other designs have labs, or wedge the
lab's session. Each attack runs on the real servers; what is checked is what the servers say after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from workbench.errors import SQLError
from workbench.lab.lab import Lab
from workbench.schema import Schema

from ..conftest import _server_up, need
from .test_privileges import _my, _pg

ITEMS = "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);"
LIMIT_S = 1.0  # the workbench's statement limit in these tests


def _server(kind: str) -> None:
    need(_server_up(kind), f"{kind} is not reachable")


def _stopped_within(run, seconds: float) -> tuple[bool, BaseException | None]:
    """Run `run` on a thread; whether it ended within `seconds`, and what it raised."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            run()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return (not thread.is_alive()), (outcome[0] if outcome else None)


def _end_sessions_of(kind: str, user: str) -> None:
    """Clean up after a test that failed: end whatever the principal still runs."""
    if kind == "postgres":
        _pg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", params=(user,))
    else:
        for (thread_id,) in _my(f"SELECT id FROM information_schema.processlist WHERE user = '{user}'"):
            try:
                _my(f"KILL {int(thread_id)}")
            except Exception:  # noqa: BLE001 - ended meanwhile
                pass


# -- 1. the principal cannot lift its own limits -------------------------------------------------------
def test_a_postgres_principal_that_lifts_its_own_timeout_is_still_stopped(tmp_path):
    _server("postgres")
    from workbench.design.aggregate import Design

    design = Design("limits")
    design.add_schema_ddl(ITEMS)
    lab = design.lab("postgres")
    lab.timeout = LIMIT_S
    user = lab.login.user
    database = _pg("SELECT current_database()")[0][0]
    try:
        # PostgreSQL lets every role store session defaults for itself, and set them in its session
        design.run_sql("ALTER ROLE current_user SET statement_timeout = 0", "postgres")
        design.run_sql(f"ALTER ROLE current_user IN DATABASE {database} SET statement_timeout = 0", "postgres")
        design.run_sql("SET statement_timeout = 0", "postgres")
        design.run_sql("ALTER ROLE current_user PASSWORD 'chosen-by-the-model'", "postgres")
        assert _pg("SELECT rolconfig FROM pg_roles WHERE rolname = %s", params=(user,)) == [(["statement_timeout=0"],)]
        started = time.monotonic()
        with pytest.raises(SQLError, match="longer than the lab's timeout"):
            design.run_sql("SELECT pg_sleep(60)", "postgres")
        assert time.monotonic() - started < 30
        # a block that catches the cancel goes on sleeping: only the admin ending the session stops it
        block = ("DO $$ BEGIN FOR i IN 1..60 LOOP BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled "
                 "THEN NULL; END; END LOOP; END $$")
        ended, raised = _stopped_within(lambda: design.run_sql(block, "postgres"), 30)
        assert ended, "a DO block that catches query_canceled outlived the lab's timeout"
        assert isinstance(raised, SQLError) and "longer than the lab's timeout" in str(raised)
        assert "new session" in str(raised)
        # the lab goes on, on a new session with the lab's limit: the admin put the role back as it was made
        assert design.run_sql("SHOW statement_timeout", "postgres").rows == [("1s",)]
        assert _pg("SELECT rolconfig FROM pg_roles WHERE rolname = %s", params=(user,)) == [(["statement_timeout=1000ms"],)]
        assert _pg("SELECT count(*) FROM pg_db_role_setting WHERE setrole = %s::regrole AND setdatabase <> 0", params=(user,)) == [(0,)]
        assert design.run_sql("SELECT count(*) FROM items", "postgres").rows == [(1000,)]
    finally:
        _end_sessions_of("postgres", user)
        design.reset_lab()


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_statement_stopped_at_the_limit_does_not_take_the_next_one_with_it(kind, tmp_path):
    """The server's own limit and the watchdog fire at the same moment: the watchdog's signal must not land
    on the statement that comes next."""
    _server(kind)
    sleep = "SELECT pg_sleep({})" if kind == "postgres" else "SELECT SLEEP({})"
    with Lab(kind, name="next", owner=f"{tmp_path}/next", timeout=LIMIT_S) as lab:
        cancelled = 0
        for _ in range(8):
            try:
                lab.run(sleep.format(60))
            except SQLError:
                pass
            try:
                lab.run(sleep.format(0.3))
            except SQLError:
                cancelled += 1
        assert cancelled == 0, f"{cancelled} of 8 statements after a stopped one were cancelled"


def test_a_mariadb_principal_that_changes_its_password_and_timeout_is_still_stopped(tmp_path):
    _server("mysql")
    with Lab("mysql", name="limits", owner=f"{tmp_path}/limits", timeout=LIMIT_S) as lab:
        user = lab.login.user
        try:
            # MariaDB lets every user set its own password and its session's max_statement_time: the
            # watchdog cannot depend on a second login of the principal
            lab.run("SET PASSWORD = PASSWORD('chosen-by-the-model')")
            lab.run("SET SESSION max_statement_time = 0")
            ended, raised = _stopped_within(lambda: lab.run("SELECT SLEEP(60)"), 30)
            assert ended, "SELECT SLEEP(60) outlived the lab's timeout"
            assert isinstance(raised, SQLError) and "longer than the lab's timeout" in str(raised)
            # a handler catches KILL QUERY and goes on: only the admin ending the connection stops it
            # (created on the principal's own session: the lab's splitter cuts BEGIN … END at each ';')
            with lab.connection().cursor() as cursor:
                cursor.execute("CREATE PROCEDURE nap() BEGIN DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END; "
                               "SELECT SLEEP(60) INTO @x; SELECT SLEEP(60) INTO @x; END")
            ended, raised = _stopped_within(lambda: lab.run("CALL nap()"), 30)
            assert ended, "a procedure that catches KILL QUERY outlived the lab's timeout"
            assert isinstance(raised, SQLError) and "longer than the lab's timeout" in str(raised)
            # the lab goes on, on a new session: the admin put the password back, and the limit holds there
            assert lab.run("SELECT @@max_statement_time").rows == [(LIMIT_S,)]
        finally:
            _end_sessions_of("mysql", user)


@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_principal_that_forges_its_liveness_record_is_still_collected(kind, tmp_path):
    from workbench.lab.gc import gc

    _server(kind)
    forge = ("lab.run(\"COMMENT ON SCHEMA \" + lab.namespace + \" IS '{\\\"note\\\": \\\"x\\\"}'\")" if kind == "postgres"
             else "lab.run(\"CREATE TABLE IF NOT EXISTS _workbench_owner (info TEXT); DELETE FROM _workbench_owner; "
                  "INSERT INTO _workbench_owner VALUES ('{\\\"note\\\": \\\"x\\\"}')\")")
    code = ("import os, sys; from workbench.lab.lab import Lab; lab = Lab(sys.argv[1], name='hider'); "
            f"{forge}; print(lab.namespace, lab.login.user, flush=True); os.kill(os.getpid(), 9)")
    out = subprocess.run([sys.executable, "-c", code, kind], capture_output=True, text=True, timeout=120)
    assert out.returncode == -signal.SIGKILL, out.stderr
    namespace, user = out.stdout.split()
    assert _namespace_exists(kind, namespace) and _principal_exists(kind, user)
    states = {row[1]: row[4] for row in gc(dry_run=True).rows}
    assert states[namespace] == "orphan"
    collected = gc()
    assert namespace in collected.dropped and user in collected.principals
    assert not _namespace_exists(kind, namespace) and not _principal_exists(kind, user)


def test_gc_drops_the_principals_an_older_version_left_and_keeps_those_that_own_a_lab(tmp_path):
    """Before per-process principals, one role per design (`wb_<design>_<digest>`) was left when its labs
    were gone; gc drops such a role once it owns no schema, and never one that owns a live lab's."""
    from workbench.lab.gc import gc

    _server("postgres")
    left = f"wb_gone_{os.getpid()}"
    _pg(f"DROP ROLE IF EXISTS {left}; CREATE ROLE {left} LOGIN")
    with Lab("postgres", name="kept", owner=f"{tmp_path}/kept") as lab:
        _pg(f"ALTER SCHEMA {lab.namespace} OWNER TO {left}")  # a legacy role owning a live lab's schema stays
        assert left not in gc().principals and _principal_exists("postgres", left)
        _pg(f"ALTER SCHEMA {lab.namespace} OWNER TO {lab.login.user}")
        assert left in gc().principals and not _principal_exists("postgres", left)
        assert _namespace_exists("postgres", lab.namespace) and _principal_exists("postgres", lab.login.user)


# -- 2. a process that ends normally leaves nothing behind -------------------------------------------
@pytest.mark.parametrize("kind", ["postgres", "mysql"])
def test_a_process_that_ends_normally_drops_what_it_made_and_gc_drops_what_a_killed_one_left(kind, isolated):
    from workbench.lab.gc import gc

    _server(kind)
    code = ("import os, sys; from workbench.design.aggregate import Design; d = Design('clean'); "
            "d.add_schema_ddl(sys.argv[2]); lab = d.lab(sys.argv[1]); sibling = lab.sibling('copy'); "
            "print(lab.namespace, sibling.namespace, lab.login.user, flush=True); "
            "os.kill(os.getpid(), 9) if sys.argv[3] == 'kill' else None")
    made = {}
    for ending in ("exit", "kill"):
        out = subprocess.run([sys.executable, "-c", code, kind, ITEMS, ending], capture_output=True, text=True,
                             timeout=180, env={**os.environ, "WORKBENCH_HOME": str(isolated / ".workbench")})
        assert out.returncode == (0 if ending == "exit" else -signal.SIGKILL), out.stderr
        *namespaces, user = out.stdout.split()
        made[ending] = (namespaces, user)
    namespaces, user = made["exit"]
    assert [n for n in namespaces if _namespace_exists(kind, n)] == [] and not _principal_exists(kind, user)
    namespaces, user = made["kill"]
    assert all(_namespace_exists(kind, n) for n in namespaces) and _principal_exists(kind, user)
    collected = gc()
    assert set(namespaces) <= set(collected.dropped) and user in collected.principals
    assert [n for n in namespaces if _namespace_exists(kind, n)] == [] and not _principal_exists(kind, user)


def test_a_kernel_shut_down_drops_its_postgres_labs(start_kernel):
    _server("postgres")
    kernel = start_kernel()
    out = kernel.run("from workbench.lab.lab import Lab\nlab = Lab('postgres', name='kernel')\n"
                     "print(lab.namespace, lab.login.user)")
    namespace, user = "".join(o.get("text", "") for o in out["outputs"] if o["type"] == "stream").split()
    assert _namespace_exists("postgres", namespace) and _principal_exists("postgres", user)
    kernel.kc.stop_channels()
    kernel.km.shutdown_kernel(now=False)  # what Jupyter does on "Shut Down Kernel": a shutdown request, then exit
    assert not _namespace_exists("postgres", namespace) and not _principal_exists("postgres", user)


# -- 3. a principal cannot tell which other designs have labs ---------------------------------------------
def test_a_postgres_principal_learns_no_other_designs_name_and_cannot_use_their_schemas(tmp_path):
    _server("postgres")
    with Lab("postgres", name="secretproject", owner=f"{tmp_path}/secretproject") as victim, \
            Lab("postgres", name="attack", owner=f"{tmp_path}/attack") as lab:
        victim.load(Schema.from_ddl(ITEMS, "postgres"))
        # names are public in PostgreSQL's catalogs (pg_namespace, pg_roles, pg_description): what the
        # attacker reads of the other lab says no design, folder or process
        seen = lab.run("SELECT n.nspname, r.rolname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n "
                       f"JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = '{victim.namespace}'").rows
        assert seen == [(victim.namespace, victim.login.user, None)]
        assert "secret" not in victim.namespace + victim.login.user
        # and the names open nothing: no USAGE on the other lab's schema, no access to the registry
        assert lab.run(f"SELECT has_schema_privilege('{victim.namespace}', 'USAGE')").rows == [(False,)]
        with pytest.raises(SQLError, match="permission denied"):
            lab.run(f"SELECT count(*) FROM {victim.namespace}.items")
        with pytest.raises(SQLError, match="permission denied"):
            lab.run("SELECT * FROM workbench_admin.made")


def test_a_mariadb_principal_sees_no_other_lab_database(tmp_path):
    _server("mysql")
    with Lab("mysql", name="secretproject", owner=f"{tmp_path}/secretproject") as victim, \
            Lab("mysql", name="attack", owner=f"{tmp_path}/attack") as lab:
        databases = [r[0] for r in lab.run("SHOW DATABASES").rows]
        assert lab.namespace in databases and victim.namespace not in databases
        assert "workbench_admin" not in databases
        assert "secret" not in victim.namespace and "secret" not in victim.login.user


# -- 4. a failed statement does not wedge the turn's later statements ------------------------------------
def test_a_failed_transaction_in_postgres_run_sql_is_rolled_back_and_said(tmp_path):
    _server("postgres")
    from workbench.design.aggregate import Design

    design = Design("wedge")
    design.add_schema_ddl(ITEMS)
    try:
        with pytest.raises(SQLError, match="rolled back") as info:
            design.run_sql("BEGIN; DELETE FROM items; SELECT 1/0", "postgres")
        assert "division by zero" in str(info.value)
        assert design.run_sql("SELECT count(*) FROM items", "postgres").rows == [(1000,)]  # the DELETE is undone
        with pytest.raises(SQLError, match="rolled back"):
            design.run_sql("BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT no_such_column FROM items", "postgres")
        assert design.run_sql("SELECT 1", "postgres").rows == [(1,)]
        with pytest.raises(SQLError) as plain:  # no transaction was open: nothing to say about one
            design.run_sql("SELECT 1/0", "postgres")
        assert "rolled back" not in str(plain.value)
    finally:
        design.reset_lab()


def _namespace_exists(kind: str, namespace: str) -> bool:
    if kind == "postgres":
        return bool(_pg("SELECT 1 FROM pg_namespace WHERE nspname = %s", params=(namespace,)))
    return bool(_my(f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{namespace}'"))


def _principal_exists(kind: str, user: str) -> bool:
    if kind == "postgres":
        return bool(_pg("SELECT 1 FROM pg_roles WHERE rolname = %s", params=(user,)))
    return bool(_my(f"SELECT 1 FROM mysql.user WHERE user = '{user}'"))


def _open_labs(args: tuple[str, int]) -> list[str]:
    home, worker = args
    os.environ["WORKBENCH_HOME"] = home
    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    failed = []
    for k in range(4):
        try:
            with Lab("postgres", name=f"at-once-{worker}-{k}", owner=f"{home}/at-once-{worker}-{k}") as lab:
                lab.load(Schema.from_ddl("CREATE TABLE t (id int PRIMARY KEY);", "postgres"))
        except Exception as exc:  # noqa: BLE001 - the test counts them
            failed.append(str(exc))
    return failed


def test_labs_made_and_dropped_by_several_processes_at_once_all_open(tmp_path):
    """Every principal's grant on the database rewrites one catalog row: made at the same moment by several
    processes, some failed with "tuple concurrently updated" (3 of 24 in a trial before the fix); now none does."""
    import multiprocessing

    need(_server_up("postgres"), "postgres is not reachable")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        failed = [f for result in pool.map(_open_labs, [(str(tmp_path), w) for w in range(4)]) for f in result]
    assert failed == []
