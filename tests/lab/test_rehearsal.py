"""Migration rehearsal on real servers: the blocking a statement causes, measured under a workload."""

from __future__ import annotations

import pytest

from workbench.lab.lab import Lab
from workbench.schema import Schema

from ..conftest import _server_up, need, texts

ORDERS = ("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, "
          "total numeric(10,2) NOT NULL);")


@pytest.fixture(scope="module")
def rehearsal():
    need(_server_up("postgres"), "PostgreSQL is not reachable")
    with Lab("postgres", name="rehearse") as base:
        return base.rehearse(Schema.from_ddl(ORDERS, "postgres"),
                             "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();\n"
                             "CREATE INDEX orders_customer ON orders (customer_id);\n"
                             "ALTER TABLE orders ADD COLUMN touched timestamptz DEFAULT clock_timestamp();",
                             rows=200_000, clients=4)


def test_create_index_blocks_writes_and_concurrently_does_not(rehearsal):
    written, safe = rehearsal.plans
    assert (written.label, safe.label) == ("as written", "safe form")
    plain = written.steps[1]
    assert plain.statement.startswith("CREATE INDEX orders_customer") and plain.error is None
    assert plain.locks == {"orders": "ShareLock"}
    assert plain.blocked_max >= 1  # the workload's updates waited for it
    concurrent = next(s for s in safe.steps if s.statement.startswith("CREATE INDEX"))
    assert concurrent.statement.startswith("CREATE INDEX CONCURRENTLY") and concurrent.error is None
    assert concurrent.locks == {"orders": "ShareUpdateExclusiveLock"} and concurrent.blocked_max == 0


def test_the_safe_form_of_a_volatile_default_adds_then_backfills_without_a_rewrite(rehearsal):
    """clock_timestamp() as a DEFAULT rewrites orders under ACCESS EXCLUSIVE; the safe form adds the column
    bare (under lock_timeout), sets the default for new rows and backfills in committed batches."""
    safe = rehearsal.plans[1]
    statements = [s.statement for s in safe.steps]
    assert "ALTER TABLE orders ADD COLUMN touched timestamptz" in statements
    assert "ALTER TABLE orders ALTER COLUMN touched SET DEFAULT clock_timestamp()" in statements
    assert any(s.startswith("DO $backfill$") for s in statements)
    assert statements.count("SET lock_timeout = '2s'") == 2  # the two plain ADD COLUMNs wait at most 2 s
    assert all(s.error is None for s in safe.steps) and all(s.rewritten == [] for s in safe.steps)


def test_a_volatile_default_rewrites_the_table_and_a_stable_one_does_not(rehearsal):
    steps = rehearsal.plans[0].steps
    assert steps[0].rewritten == [] and steps[0].locks.get("orders") == "AccessExclusiveLock"
    assert steps[2].rewritten == ["orders"] and steps[2].locks.get("orders") == "AccessExclusiveLock"
    text = rehearsal.summary()
    assert "rewrote orders" in text and "safe form" in text and "workload:" in text
    again = type(rehearsal).from_dict(rehearsal.to_dict())
    assert again.summary() == text


def test_mariadb_rehearses_and_says_what_it_cannot_see():
    need(_server_up("mysql"), "MariaDB is not reachable")
    with Lab("mysql", name="rehearse") as base:
        rehearsal = base.rehearse(Schema.from_ddl(ORDERS.replace("text", "varchar(20)"), "mysql"),
                                  "CREATE INDEX orders_customer ON orders (customer_id);", rows=20_000, clients=2)
    plan, online = rehearsal.plans
    assert plan.steps[0].error is None and plan.steps[0].seconds > 0
    assert [s.statement for s in online.steps] == [
        "SET SESSION lock_wait_timeout = 2",
        "CREATE INDEX orders_customer ON orders (customer_id) ALGORITHM=INPLACE LOCK=NONE",
        "SET SESSION lock_wait_timeout = DEFAULT"]
    assert all(s.error is None for s in online.steps)  # the server can build this index online
    assert "not visible to the lab here" in rehearsal.summary()
    assert "blocked no one" not in rehearsal.summary()  # not measured is not said as none


def test_migrate_rehearse_magic_between_two_design_versions(kernel, tmp_path):
    need(_server_up("postgres"), "PostgreSQL is not reachable")
    kernel.run("%load_ext workbench\n%design use shop")
    kernel.run(f"%%schema orders\n{ORDERS}")
    kernel.run(f"%%schema orders\n{ORDERS}\nCREATE INDEX orders_customer ON orders (customer_id);")
    out = texts(kernel.run("%migrate rehearse --rows 20000"), "text/html")
    assert "Migration rehearsal" in out and "CREATE INDEX CONCURRENTLY" in out and "ShareLock" in out
    kernel.run("%design export doc.html")
    document = (tmp_path / "doc.html").read_text()
    assert "Migration rehearsals" in document and "orders v1-v2 (v1)" in document
    bad = kernel.run("%migrate rehearse --from 5")
    assert bad["status"] == "error" and "has no versions 5" in texts(bad)


def test_a_change_under_lock_timeout_gives_up_and_retries_instead_of_queueing(monkeypatch):
    """Four clients keep ACCESS SHARE on orders (one-second reads, back to back). As written, the ALTER
    waits for them and every later query waits behind it; its safe form waits at most the lock timeout,
    gives up, backs off and tries again, and says so."""
    from workbench.lab import rehearsal as module
    from workbench.lab.drivers import postgres

    need(_server_up("postgres"), "PostgreSQL is not reachable")
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT", "100ms")
    # one-second reads hold the table most of the time; quick reads arrive meanwhile and queue behind the change
    readers = {"transactions": [{"name": "slow read", "sql": "SELECT count(*) FROM orders, pg_sleep(1)"},
                                {"name": "quick read", "sql": "SELECT count(*) FROM orders", "weight": 20}]}
    with Lab("postgres", name="rehearse") as base:
        result = base.rehearse(Schema.from_ddl(ORDERS, "postgres"), "ALTER TABLE orders ADD COLUMN note text;",
                               rows=1000, clients=4, workload=readers)
    written, safe = result.plans
    assert written.steps[0].error is None and written.steps[0].blocked_max >= 1
    alter = next(s for s in safe.steps if s.statement.startswith("ALTER TABLE"))
    assert 1 <= alter.retries <= module.RETRIES and (alter.error is None or "lock timeout" in alter.error)
    assert f"gave up on its lock and retried {alter.retries}x" in result.summary()
