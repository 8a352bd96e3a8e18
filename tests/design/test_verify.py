"""Requirements as targets, verified in the lab on the real engines: a planted target that cannot be met is missed
with the figure measured; the double-sell invariant is missed without the guard and met with it."""

from __future__ import annotations

import pytest

from workbench.design.aggregate import Design
from workbench.errors import DesignError

from ..conftest import texts

DDL = "CREATE TABLE tickets (id bigserial PRIMARY KEY, event_id int NOT NULL, seat int NOT NULL);"
DOUBLE_SOLD = "SELECT event_id, seat, count(*) FROM tickets GROUP BY event_id, seat HAVING count(*) > 1"
SELL = {"transactions": [{"name": "sell", "sql": "INSERT INTO tickets (event_id, seat) VALUES (:e, :s)"}],
        "params": {"e": {"range": [1, 3]}, "s": {"range": [1, 50]}},  # 150 seats, 300 sales: seats sold twice
        "variants": [{"name": "guarded", "ddl": "CREATE UNIQUE INDEX tickets_seat ON tickets (event_id, seat)"}]}


@pytest.mark.parametrize("database", ["sandbox", "postgres"])
def test_the_double_sell_invariant_is_missed_without_the_guard_and_met_with_it(isolated, database):
    design = Design(f"seats-{database}")
    design.add_schema_ddl(DDL, "postgres")
    design.run_load(SELL, clients=2, count=300, name="sell", database=database)
    design.record_requirement("A seat is never sold twice", "invariant", id="once", load="sell [as given]",
                              sql=DOUBLE_SOLD)
    design.record_requirement("A seat is never sold twice, with the guard", "invariant", id="once-guarded",
                              load="sell [guarded]", sql=DOUBLE_SOLD)
    design.record_requirement("Sell a billion tickets a second", "throughput", value=1e9, transaction="sell",
                              load="sell [guarded]", assumed="planted: no machine reaches it")
    design.record_requirement("Selling stays under 10 s at p95", "p95", value=10_000, transaction="sell",
                              load="sell [guarded]")
    design.record_requirement("Keep 50M orders a year", "volume", value=50e6)
    result = design.verify(database=database)
    got = {c.id: c for c in result.checks}
    assert got["once"].status == "missed" and "row(s) break it" in got["once"].measured
    assert got["once"].evidence.startswith("invariant checked after load sell [as given] v2")
    assert got["R1"].evidence.endswith("1,000 rows per table seeded")  # the data size the figure holds for
    assert got["once-guarded"].status == "met" and got["once-guarded"].measured == "no rows"
    planted = got["R1"]
    assert planted.status == "missed" and planted.measured.split("/s")[0].replace(",", "").isdigit()
    assert f"on this machine's {'sqlite' if database == 'sandbox' else 'postgres'}" in planted.measured
    assert got["R2"].status == "met" and got["R2"].measured.endswith((" ms", " µs"))
    assert got["R3"].status == "unmeasured" and "does not measure volume" in got["R3"].measured
    assert result.summary().startswith("Requirements: 2 met, 2 missed, 1 unmeasured of 5")
    # the runs are evidence: stored as new versions of the loads, the verification itself stored too
    assert [v["version"] for v in design.versions("load", "sell [guarded]", bodies=False)] == [1, 2]
    assert design.latest("verification")["body"]["checks"][0]["status"] == "missed"
    # the load that met its targets had errors (the guard refused double sales): a verified target covers load tests
    card = {c.item: c for r in design.scorecard().results for c in r.checks}
    assert card["Load tests"].status == "covered"
    assert card["Load tests"].evidence[0] == "R2 met: p95(sell) ≤ 10000 ms (load sell [guarded] v2)"
    text = design.export(isolated / f"{database}.md").read_text()  # the document shows the verdicts
    assert "| once | A seat is never sold twice | missed |" in text and "Requirements: 2 met, 2 missed" in text


def test_a_requirement_that_cannot_be_measured_says_what_to_fix_and_stores_nothing(isolated):
    from workbench.design.requirements import record_from_yaml

    design = Design("bad")
    design.add_schema_ddl(DDL, "postgres")
    with pytest.raises(DesignError) as info:
        design.record_requirement("Fast", "throughput", value=100)
    assert "load: the stored load whose run measures throughput" in str(info.value)
    with pytest.raises(DesignError) as info:
        design.record_requirement("Fast", "speed")
    assert "metric 'speed': one of throughput" in str(info.value)
    with pytest.raises(DesignError) as info:
        design.record_requirement("Fast", "p95", value=5, load="checkout")
    assert "bound to load 'checkout', which the design does not have" in str(info.value)
    with pytest.raises(DesignError) as info:
        record_from_yaml(design, "- {statement: ok, metric: invariant, sql: SELECT 1 WHERE 0 = 1}\n"
                                 "- {statement: no, metric: throughput, value: 5, colour: red}\n")
    assert "item 2: unknown field(s) colour" in str(info.value) and design.targets() == []
    with pytest.raises(DesignError) as info:
        record_from_yaml(design, "- {statement: [unclosed\n")
    assert "not valid YAML at line" in str(info.value)
    with pytest.raises(DesignError) as info:  # item 1 is valid, item 2 names no stored load: neither is stored
        record_from_yaml(design, "- {statement: ok, metric: invariant, sql: SELECT 1 WHERE 0 = 1}\n"
                                 "- {statement: 2000, metric: p95, value: 5, load: nosuch}\n")
    assert "item 2: Requirement R2 is bound to load 'nosuch'" in str(info.value) and design.targets() == []
    with pytest.raises(DesignError, match="no requirements to verify"):
        design.verify()
    targets = record_from_yaml(design, "- {id: X1, statement: nothing broken, metric: invariant, sql: "
                                       "'SELECT id FROM tickets WHERE seat < 0'}\n")
    assert [r.id for r in targets] == ["X1"]
    again = record_from_yaml(design, "- {id: X1, statement: nothing broken, metric: invariant, sql: "
                                     "'SELECT id FROM tickets WHERE seat < 0'}\n")
    assert len(design.versions("requirement", "X1", bodies=False)) == 1 and [r.id for r in again] == ["X1"]
    check = design.verify().checks[0]
    assert check.status == "met" and "on the seeded rows of sandbox" in check.evidence
    with pytest.raises(DesignError, match="No requirement X9 in the design"):
        design.verify(only=["X1", "X9"])


@pytest.mark.kernel
def test_requirements_and_verify_in_the_notebook(kernel):
    kernel.run("%load_ext workbench")
    assert kernel.run(f"%%schema -d nb\n{DDL}")["status"] == "ok"
    wrong_design = kernel.run("%%requirements -d other\n- {statement: x, metric: invariant, sql: SELECT 1}\n")
    assert wrong_design["status"] == "ok"
    refused = kernel.run("%design use other\n%design verify")
    assert refused["status"] == "error" and "Design 'other' has no schema for the lab" in texts(refused)
    kernel.run("%design use nb")
    cell = ("%%requirements\n- {id: once, statement: A seat is never sold twice, metric: invariant, sql: "
            f"'{DOUBLE_SOLD}'}}\n")
    shown = kernel.run(cell)
    assert shown["status"] == "ok", texts(shown)
    assert "once: no rows from: SELECT event_id" in texts(shown)
    listed = kernel.run("%design requirements")
    assert "once: no rows from" in texts(listed)
    verified = kernel.run("%design verify")
    assert verified["status"] == "ok", texts(verified)
    assert "Requirements: 1 met, 0 missed, 0 unmeasured of 1" in texts(verified)
    assert "✓\u00a0met" in texts(verified, "text/html")
    wrong = kernel.run("%design verify oracle")
    assert wrong["status"] == "error" and "Usage: %design verify [sandbox|postgres|mysql]" in texts(wrong)
    empty = kernel.run("%%requirements\n# to do\n")
    assert empty["status"] == "error" and "Write the requirements as a YAML list of mappings" in texts(empty)


def test_an_interrupt_stops_the_whole_verification_and_stores_no_result(isolated):
    """A load keeps what it measured when interrupted; a verification that went on would judge targets on a
    cut-short run and then run every other load. It stops, and stores nothing. (Whenever the interrupt lands, while
    the lab is seeded or while the 30 s load runs, the outcome is the same.)"""
    import os
    import signal
    import threading

    from workbench import interrupts

    design = Design("stop")
    design.add_schema_ddl(DDL, "postgres")
    long = {"transactions": [{"name": "read", "sql": "SELECT count(*) FROM tickets"}]}
    design.run_load(long, clients=1, duration=30, name="long", count=50)
    design.record_requirement("Reads keep up", "throughput", value=1, load="long")
    stored = design.latest("load", "long")["body"]["input"]
    design.add_version("load", "long", {**design.latest("load", "long")["body"],
                                        "input": {**stored, "count": None, "duration": 30}})  # a 30 s run
    started = design.latest("load", "long")["version"]
    fired = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    with interrupts.watching(), pytest.raises(KeyboardInterrupt):
        fired.start()
        design.verify()
    assert design.latest("verification") is None
    assert design.latest("load", "long")["version"] == started  # a cut-short run is no evidence: not stored
