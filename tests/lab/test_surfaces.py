"""The lab through run_sql, run_experiment and %%lab."""

import pytest

from workbench.agent.session import Architect
from workbench.design.aggregate import Design
from workbench.testing import Reply

from ..conftest import texts

DDL = """CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  status text NOT NULL CHECK (status IN ('new', 'paid')), total numeric(10,2) NOT NULL);"""


def results(fake):
    return [r["messages"][-1]["content"] for r in fake.message_requests[1:]]


def test_run_sql_and_run_experiment_through_the_agent(api_env):
    api_env.enqueue(
        Reply.tool_call("propose_schema", {"ddl": DDL, "dialect": "postgres"}),
        Reply.tool_call("run_sql", {"sql": "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status"}),
        Reply.tool_call("run_sql", {"sql": "SELECT * FROM orders WHERE customer_id = :customer_id"}),
        Reply.tool_call("run_sql", {"sql": "SELEC nonsense"}),
        Reply.tool_call("run_experiment", {
            "workload": [{"name": "by customer", "sql": "SELECT * FROM orders WHERE customer_id = :customer_id"}],
            "variants": [{"name": "fk index", "ddl": "CREATE INDEX ix_orders_customer ON orders (customer_id)"}],
            "rows": 5000, "repeat": 10}),
        Reply.text("Measured."))
    Architect("shop").ask("try it")
    out = results(api_env)
    grouped = out[1][0]["content"]
    assert grouped.startswith("On the sandbox lab (sqlite):\n2 rows")
    assert "status,n\nnew," in grouped and "\npaid," in grouped
    lookup = out[2][0]["content"]
    assert "Plan: full scan orders" in lookup
    bad = out[3][0]
    assert bad["is_error"] is True and "Statement: SELEC nonsense" in bad["content"]
    experiment = out[4][0]["content"]
    assert "Experiment 'fk index' v1 stored." in experiment
    assert "Compared 2 variants × 1 queries on sqlite" in experiment
    assert "fk index" in experiment and "index lookup orders via ix_orders_customer" in experiment
    design = Design("shop")
    assert [v["name"] for v in design.versions("query")] == ["sandbox", "sandbox"]
    stored = design.latest("experiment")["body"]
    assert stored["input"]["variants"][0]["name"] == "fk index" and len(stored["records"]) == 2


def test_run_experiment_needs_a_schema(api_env):
    api_env.enqueue(Reply.tool_call("run_experiment", {"workload": [{"name": "q", "sql": "SELECT 1"}]}),
                    Reply.text("ok"))
    Architect("empty").ask("measure")
    result = results(api_env)[0][0]
    assert result["is_error"] and "no schema yet" in result["content"]


@pytest.mark.kernel
def test_lab_magic(start_kernel, sqlite_url, isolated):
    from ..conftest import run_script

    kernel = start_kernel()
    kernel.run("%load_ext workbench")
    kernel.run(f"%%schema\n{DDL}")
    counted = kernel.run("%%lab --rows 50 -o counts\nSELECT count(*) AS n FROM orders")
    assert counted["status"] == "ok", texts(counted)
    assert "1 row" in texts(counted) and texts(kernel.run("print(int(counts.n[0]))")).strip() == "50"
    planned = kernel.run("%%lab --explain --repeat 5\nSELECT * FROM orders WHERE customer_id = :customer_id")
    html = texts(planned, "text/html")
    assert "5 runs: p50" in html and "full scan orders" in html and "<table" in html
    first = texts(kernel.run("%%lab\nSELECT email FROM customers ORDER BY id LIMIT 3")).rsplit("·", 1)[0]
    kernel.stop()
    sandbox = isolated / ".workbench" / "designs" / "default" / "lab" / "sandbox.db"
    before = sandbox.stat().st_mtime_ns
    again = start_kernel()  # the sandbox survives a restart: same rows, not rebuilt
    again.run("%load_ext workbench")
    assert texts(again.run("%%lab\nSELECT email FROM customers ORDER BY id LIMIT 3")).rsplit("·", 1)[0] == first
    assert sandbox.stat().st_mtime_ns == before
    run_script(sqlite_url, "CREATE TABLE t (id int); INSERT INTO t VALUES (1);", "sqlite")
    refused = again.run(f"%%lab --db {sqlite_url}\nDELETE FROM t")
    assert refused["status"] == "error" and refused["error"]["ename"] == "ReadOnlyError"
    assert "UsageError" in texts(again.run("%%lab --repeat 0\nSELECT 1"))
    failed = again.run("%%lab\nSELECT * FROM nowhere")
    assert failed["error"]["ename"] == "SQLError" and "no such table: nowhere" in failed["error"]["evalue"]


def test_run_load_through_the_agent_on_postgres(api_env):
    from ..conftest import _server_up, need

    need(_server_up("postgres"), "PostgreSQL is not reachable")
    api_env.enqueue(
        Reply.tool_call("propose_schema", {"ddl": DDL, "dialect": "postgres"}),
        Reply.tool_call("run_load", {
            "transactions": [{"name": "pay", "sql": ["UPDATE orders SET status = 'paid' WHERE id = :order",
                                                     "SELECT total FROM orders WHERE id = :order"], "weight": 2},
                             {"name": "read", "sql": "SELECT count(*) FROM orders WHERE customer_id = :customer"}],
            "params": {"order": {"from": "orders.id", "skew": 1.1}, "customer": {"from": "customers.id"}},
            "clients": 4, "duration": 1, "database": "postgres", "name": "checkout"}),
        Reply.text("Loaded."))
    Architect("shop").ask("load it")
    result = results(api_env)[1][0]
    assert result.get("is_error") is not True, result
    assert result["content"].startswith("Load 'checkout' v1 stored.\n4 clients,")
    assert "pay:" in result["content"] and "read:" in result["content"] and "lock waits" in result["content"]
    design = Design("shop")
    [record] = design.loads()
    assert record.result.committed > 0 and record.input["clients"] == 4


def test_rehearse_migration_through_the_agent(api_env):
    from ..conftest import _server_up, need

    need(_server_up("postgres"), "PostgreSQL is not reachable")
    api_env.enqueue(
        Reply.tool_call("propose_schema", {"ddl": DDL, "dialect": "postgres"}),
        Reply.tool_call("propose_schema", {"ddl": DDL + "\nCREATE INDEX orders_customer ON orders (customer_id);",
                                           "dialect": "postgres"}),
        Reply.tool_call("rehearse_migration", {"rows": 5000}),
        Reply.tool_call("rehearse_migration", {"from_version": 7}),
        Reply.text("Rehearsed."))
    Architect("shop").ask("rehearse")
    out = results(api_env)
    rehearsal = out[2][0]
    assert rehearsal.get("is_error") is not True, rehearsal
    assert "as written" in rehearsal["content"] and "CREATE INDEX CONCURRENTLY" in rehearsal["content"]
    assert "ShareLock on orders" in rehearsal["content"]
    wrong = out[3][0]
    assert wrong["is_error"] is True and "no versions 7" in wrong["content"]
