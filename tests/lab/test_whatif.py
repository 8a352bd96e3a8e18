"""What-if indexes on PostgreSQL (hypopg): the planner's choice with an index that is never built."""

from __future__ import annotations

import pytest

from workbench.errors import LabError
from workbench.lab.lab import Lab
from workbench.schema import Schema

from ..conftest import _server_up, need

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(10,2));"


def test_the_planner_would_use_a_useful_index_and_nothing_is_built():
    need(_server_up("postgres"), "PostgreSQL is not reachable")
    with Lab("postgres", name="whatif") as lab:
        lab.load(Schema.from_ddl(ORDERS, "postgres"))
        lab.seed(50_000, progress=False)
        useful = lab.what_if("SELECT * FROM orders WHERE customer_id = :c", ["CREATE INDEX ON orders (customer_id)"],
                             {"c": 5})
        useless = lab.what_if("SELECT * FROM orders WHERE customer_id = :c", "CREATE INDEX ON orders (total)", {"c": 5})
        built = lab.run("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
                        "AND tablename = 'orders'").rows[0][0]
        after = lab.explain("SELECT * FROM orders WHERE customer_id = :c", {"c": 5})
    assert useful.before.full_scans() == ["orders"] and useful.after.full_scans() == []
    assert "would use it" in useful.summary()
    assert "would not use it" in useless.summary()
    assert built == 1 and after.full_scans() == ["orders"]  # only the primary key; the session forgot them


def test_what_if_elsewhere_says_what_to_do_instead():
    with Lab(name="whatif") as lab:
        lab.load(Schema.from_ddl(ORDERS, "postgres"))
        with pytest.raises(LabError, match="hypopg") as info:
            lab.what_if("SELECT * FROM orders WHERE customer_id = 1", ["CREATE INDEX ON orders (customer_id)"])
    assert "run_experiment" in str(info.value)


def test_what_if_through_the_agent(api_env):
    from workbench.agent.session import Architect
    from workbench.testing import Reply

    need(_server_up("postgres"), "PostgreSQL is not reachable")
    api_env.enqueue(
        Reply.tool_call("propose_schema", {"ddl": ORDERS, "dialect": "postgres"}),
        Reply.tool_call("run_sql", {"sql": "SELECT * FROM orders WHERE customer_id = :customer_id",
                                    "database": "postgres",
                                    "what_if_indexes": ["CREATE INDEX ON orders (customer_id)"]}),
        Reply.text("It would."))
    Architect("shop").ask("would an index help?")
    answer = api_env.message_requests[2]["messages"][-1]["content"][0]
    assert answer.get("is_error") is not True, answer
    assert answer["content"].startswith("What if CREATE INDEX ON orders (customer_id): the planner would use it.")
