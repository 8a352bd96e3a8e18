"""Running a notebook (or a cell) again: what is identical is not stored twice, and the person is told what the
design already holds before the cells add to it."""

from __future__ import annotations

import pytest

from workbench.agent.registry import ToolContext
from workbench.agent.tools import record_decision
from workbench.design.aggregate import Design
from workbench.design.overview import holdings

from ..conftest import texts

DDL = "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) NOT NULL);"
SPEC = """
title: Shop
nodes:
  - {id: api, kind: service}
  - {id: db, kind: postgres}
edges:
  - {source: api, target: db}
"""


def test_the_same_schema_diagram_and_decision_are_stored_once(isolated):
    design = Design("rerun")
    first = design.add_schema_ddl(DDL, "postgres")
    again = design.add_schema_ddl(DDL, "postgres")
    assert (first.version, again.version) == (1, 1)
    assert "Unchanged: identical to version 1 of schema 'main'" in again.stored
    changed = design.add_schema_ddl(DDL.replace("numeric(10,2)", "numeric(12,2)"), "postgres")
    assert changed.version == 2 and changed.stored.startswith("Stored as version 2")
    assert [v["version"] for v in design.versions("schema", "main", bodies=False)] == [1, 2]
    # going back to an earlier version is a change (it is not the newest): a new version
    assert design.add_schema_ddl(DDL, "postgres").version == 3

    one = design.add_architecture(SPEC)
    two = design.add_architecture(SPEC)
    assert (one.version, two.version) == (1, 1) and "no new version was stored" in two.stored
    assert design.add_architecture(SPEC.replace("Shop", "Shop 2")).version == 2

    ctx = ToolContext(design=design, turn_id=None)
    said = [record_decision(ctx, "Use PostgreSQL", "Orders need transactions.", "PostgreSQL 16.", "One engine.")
            for _ in range(2)]
    assert said[0].startswith("Recorded ADR-0001") and said[1].startswith("Already recorded as ADR-0001")
    assert [d.key for d in design.decisions()] == ["ADR-0001"]
    assert len(design.versions("decision", "ADR-0001", bodies=False)) == 1
    other = design.record_decision("Use PostgreSQL", "Orders need transactions.", "PostgreSQL 17.", "One engine.")
    assert other.key == "ADR-0002" and not other.recorded_before  # a different decision under the same title


def test_holdings_say_what_a_design_has_and_how_to_start_clean(isolated):
    design = Design("tour")
    assert holdings(design) == ""  # a new design: nothing to say
    design.add_schema_ddl(DDL, "postgres")
    design.record_decision("Use PostgreSQL", "c", "d", "e")
    said = holdings(design)
    assert "schema main v1" in said and "ADR-0001 v1" in said and "%design use tour-2" in said


@pytest.mark.kernel
def test_a_rerun_cell_says_unchanged_and_design_use_says_what_is_there(kernel):
    kernel.run("%load_ext workbench")
    assert "Current design: fresh" in texts(kernel.run("%design use fresh")) and \
        "already holds" not in texts(kernel.run("%design use fresh"))
    cell = f"%%schema -d fresh\n{DDL}"
    assert "Unchanged" not in texts(kernel.run(cell))
    again = kernel.run(cell)
    assert again["status"] == "ok" and "Unchanged: identical to version 1" in texts(again)
    used = texts(kernel.run("%design use fresh"))
    assert "already holds schema main v1" in used and "%design use fresh-2" in used
    assert [v["version"] for v in Design("fresh").versions("schema", bodies=False)] == [1]
