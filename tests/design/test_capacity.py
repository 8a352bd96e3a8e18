"""The capacity plan on real engines: bytes per row measured on a seeded sample, projections from the volume
requirements, the partitioning threshold, and connections by Little's law against the server's max_connections."""

from __future__ import annotations

import math

import pytest

from workbench.agent.registry import ToolContext
from workbench.agent.tools import builtin_registry
from workbench.design.aggregate import Design
from workbench.design.capacity import Connections
from workbench.errors import DesignError

from ..conftest import texts

# the seeder honours a CHECK on length: every row of `wide` carries 380 more characters than a row of `narrow`
DDL = """
CREATE TABLE narrow (id bigserial PRIMARY KEY, note varchar(500) NOT NULL CHECK (length(note) >= 20));
CREATE TABLE wide (id bigserial PRIMARY KEY, note varchar(500) NOT NULL CHECK (length(note) >= 400),
                   made timestamp NOT NULL);
CREATE INDEX wide_made ON wide (made);
"""
WIDER = 380


@pytest.mark.parametrize("database", ["sandbox", "postgres", "mysql"])
def test_bytes_per_row_are_measured_by_the_engine_and_grow_with_column_width(isolated, database):
    design = Design(f"sizes-{database}")
    design.add_schema_ddl(DDL, "postgres")
    rows = 10_000 if database == "mysql" else 2_000  # InnoDB allocates 1 MB extents: a small sample over-counts
    plan = design.capacity(database, rows=rows)
    narrow, wide = plan.table("narrow"), plan.table("wide")
    assert narrow.sample_rows == wide.sample_rows == rows
    assert narrow.data_bytes > 0 and narrow.bytes_per_row > 20
    grown = wide.data_per_row - narrow.data_per_row
    if database == "mysql":  # narrow's sample fits in a couple of InnoDB's 1 MB extents, and the plan says so
        assert wide.data_per_row >= WIDER + 20 and grown > 0
        assert any(n.startswith("narrow: its sample takes") and "1.05 MB allocation units" in n for n in plan.notes)
    else:
        assert WIDER <= grown <= WIDER * 1.3, f"{database}: {narrow.data_per_row:.1f} → {wide.data_per_row:.1f}"
    index = "" if database == "mysql" else "wide_made"  # InnoDB's statistics give one figure for all indexes
    assert wide.indexes[index] > 0 and wide.index_bytes >= wide.indexes[index]
    if database == "postgres":  # a primary key is an index of its own there (SQLite keeps rowid tables by id)
        assert wide.indexes["wide_pkey"] > 0
    if database == "sandbox":
        assert plan.connections.max_connections is None
    else:
        assert plan.connections.max_connections > 0
    assert plan.dialect == {"sandbox": "sqlite"}.get(database, database)
    stored = design.latest("capacity", database)
    assert stored["version"] == plan.version == 1 and stored["body"]["tables"][1]["table"] == "wide"


def test_projections_are_linear_and_the_partition_threshold_is_flagged(isolated):
    design = Design("growth")
    design.add_schema_ddl(DDL, "postgres")
    design.record_requirement("Notes pile up: 100M a year", "volume", id="V1", table="wide", value=100e6,
                              years=3, max_gb=1_000)
    design.record_requirement("A few narrow ones", "volume", id="V2", table="NARROW", value=1e6, max_gb=0.001)
    plan = design.capacity(rows=2_000)
    wide, narrow = plan.table("wide"), plan.table("narrow")
    assert (wide.rows_per_year, wide.requirement, narrow.requirement) == (100e6, "V1", "V2")
    one = wide.bytes_at(1)
    assert one == pytest.approx(wide.bytes_per_row * 100e6, rel=1e-12)
    assert [wide.bytes_at(y) / one for y in (1, 3, 5)] == pytest.approx([1, 3, 5], rel=1e-12)
    assert wide.rows_at(5) == 500e6
    year = 100e9 / (wide.bytes_per_row * 100e6)  # 100 GB at ~460 B/row and 100M rows a year: early in year 3
    assert 1 < year < 5 and plan.partitions() == [(wide, pytest.approx(year))]
    row = dict(zip(plan.headers(), plan.rows()[1], strict=True))
    assert row["partition"] == f"year {year:.1f}" and row["rows/year"] == "100,000,000"
    assert f"partition wide: it crosses 100 GB in year {year:.1f}" in plan.summary()
    assert "partitioning threshold 100 GB (data and indexes)" in plan.summary()
    # a row threshold flags the table when the rows get there first
    assert wide.crosses(100e9, 150e6) == pytest.approx(1.5) and narrow.crosses(100e9, None) > 5
    assert "<svg" in plan.chart_svg() and "partition 100 GB" in plan.chart_svg()
    assert "<table>" in plan._repr_html_()
    # verify reads the stored plan of the same schema: one limit met, one missed, with the projected figure
    result = design.verify(only=["V1", "V2"])
    got = {c.id: c for c in result.checks}
    assert got["V1"].status == "met" and got["V1"].evidence == "capacity sandbox v1 on sqlite"
    assert got["V1"].measured.startswith(f"{(wide.bytes_per_row * 300e6) / 1e9:,.3g} GB at 3 years")
    assert "crosses the partitioning threshold 100 GB in year" in got["V1"].measured
    assert got["V2"].status == "missed" and "at 5 years" in got["V2"].measured
    assert len(design.versions("capacity", "sandbox", bodies=False)) == 1  # not measured again
    text = design.export(isolated / "growth.md").read_text()
    assert "## Capacity plan" in text and "| wide |" in text and "Bytes per index" in text


def test_connections_follow_littles_law_against_max_connections(isolated):
    import psycopg

    design = Design("pool")
    design.add_schema_ddl("CREATE TABLE seats (id bigserial PRIMARY KEY, n int NOT NULL);", "postgres")
    traffic = {"transactions": [{"name": "buy", "sql": "INSERT INTO seats (n) VALUES (:n)"},
                                {"name": "look", "sql": "SELECT n FROM seats WHERE id = :n"}],
               "params": {"n": {"range": [1, 100]}}}
    design.run_load(traffic, clients=2, count=200, name="shop", database="postgres")
    design.record_requirement("Sell 2,000 a second", "throughput", value=2000, transaction="buy", load="shop")
    design.record_requirement("Show 500 a second", "throughput", value=500, transaction="look", load="shop")
    plan = design.capacity("postgres", rows=500)
    stored = {t["name"]: t for t in design.latest("load", "shop")["body"]["transactions"]}
    key = "mean_ms" if "mean_ms" in stored["buy"] else "p95_ms"
    busy = 2000 * stored["buy"][key] / 1000 + 500 * stored["look"][key] / 1000
    c = plan.connections
    assert [f["transaction"] for f in c.flows] == ["buy", "look"] and c.busy == busy
    assert c.needed == math.ceil(busy) and c.flows[0]["rate_from"] == "requirement R1"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres") as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
    assert (c.max_connections, c.reserved, c.usable) == (limit, reserved, limit - reserved)
    assert "2,000/s × " in c.verdict() and f"of {limit - reserved:,} usable (max_connections {limit:,}" in c.verdict()
    # the arithmetic itself: 2,000/s for 25 ms holds 50 sessions, exactly
    exact = Connections([{"transaction": "buy", "rate_per_s": 2000.0, "latency_ms": 25.0, "busy": 2000 * 0.025}],
                        100, 3)
    assert (exact.busy, exact.needed) == (50.0, 50) and exact.verdict().endswith("fits")
    over = Connections([{"transaction": "buy", "rate_per_s": 8000.0, "latency_ms": 25.0, "busy": 8000 * 0.025}],
                       100, 3)
    assert over.needed == 200 and "EXCEEDS" in over.verdict()


def test_capacity_errors_say_what_to_fix_and_old_volume_bodies_still_read(isolated):
    design = Design("errors")
    with pytest.raises(DesignError, match="has no schema to plan capacity for"):
        design.capacity()
    design.record_requirement("Orders: 50M a year", "volume", id="V1", table="orderz", value=50e6)  # no schema yet
    design.add_schema_ddl(DDL, "postgres")
    with pytest.raises(DesignError) as info:
        design.capacity()
    assert "Requirement V1 names table 'orderz', which the schema does not have" in str(info.value)
    assert "narrow, wide" in str(info.value.hint)
    with pytest.raises(DesignError, match="names table 'orders', which the schema does not have"):
        design.record_requirement("Orders: 50M a year", "volume", id="V2", table="orders", value=50e6)
    with pytest.raises(DesignError, match="table: the table that grows"):
        design.record_requirement("Small", "volume", value=5, max_gb=1)
    with pytest.raises(DesignError, match="a sample of at least 100 rows"):
        design.capacity(rows=10)
    with pytest.raises(DesignError, match="Unknown database 'oracle'"):
        design.capacity("oracle")
    # a volume stored before requirements named tables: it reads, and stays unmeasured
    design.add_version("requirement", "V9", {"id": "V9", "statement": "50M a year", "metric": "volume", "value": 5e7,
                                             "transaction": None, "load": None, "sql": None, "assumed": None})
    old = next(r for r in design.targets() if r.id == "V9")
    assert (old.table, old.target()) == (None, "volume: 50,000,000")
    check = {c.id: c for c in design.verify(only=["V9", "V1"]).checks}
    assert check["V9"].status == "unmeasured" and "does not measure volume without a table" in check["V9"].measured
    assert check["V1"].status == "unmeasured" and "names table 'orderz'" in check["V1"].measured


def test_the_agent_plans_capacity_through_its_tool(isolated):
    design = Design("tool")
    design.add_schema_ddl(DDL, "postgres")
    ctx = ToolContext(design=design)
    registry = builtin_registry()
    recorded = registry.dispatch(ctx, "record_requirement", {"statement": "100M notes a year", "metric": "volume",
                                                             "table": "wide", "value": 1e8, "max_gb": 50})
    assert not recorded.is_error and "projected by plan_capacity" in recorded.text
    out = registry.dispatch(ctx, "plan_capacity", {"rows": 1_000, "partition_gb": 40})
    assert not out.is_error, out.text
    assert out.text.startswith("Capacity of main v1 on sqlite: 2 tables measured on 1,000 seeded rows each")
    assert "partition wide: it crosses 40 GB in year" in out.text and "Stored as capacity 'sandbox' v1" in out.text
    bad = registry.dispatch(ctx, "plan_capacity", {"database": "oracle"})
    assert bad.is_error


@pytest.mark.kernel
def test_design_capacity_in_the_notebook(kernel):
    kernel.run("%load_ext workbench")
    assert kernel.run(f"%%schema -d nb\n{DDL}")["status"] == "ok"
    shown = kernel.run("%design use nb\n%design capacity")
    assert shown["status"] == "ok", texts(shown)
    assert "Capacity of main v1 on sqlite: 2 tables measured on 10,000 seeded rows each" in texts(shown)
    assert "<svg" in texts(shown, "text/html")
    wrong = kernel.run("%design capacity oracle")
    assert wrong["status"] == "error" and "Usage: %design capacity [sandbox|postgres|mysql]" in texts(wrong)
