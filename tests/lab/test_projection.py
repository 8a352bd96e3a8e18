"""Migrations against the stated volume: a rehearsal at a few sizes, fitted and projected, on real PostgreSQL."""

from __future__ import annotations

import pytest

from workbench.design.aggregate import Design
from workbench.errors import DesignError, LabError
from workbench.lab.projection import duration, fit

V1 = "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) NOT NULL);"
V2 = ("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) NOT NULL, "
      "stamped timestamptz NOT NULL DEFAULT clock_timestamp());")  # a volatile default: the table is rewritten


def test_the_fit_is_least_squares_and_a_flat_statement_is_constant():
    intercept, slope, residual = fit([10_000, 100_000, 1_000_000], [0.2, 1.1, 10.1])
    assert slope == pytest.approx(1e-5) and intercept == pytest.approx(0.1) and residual < 1e-9
    assert intercept + slope * 150_000_000 == pytest.approx(1500.1)
    # no growth beyond noise (a SET, a constant default): its slowest time, never a slope fitted to jitter
    assert fit([10_000, 100_000], [0.010, 0.013]) == (0.013, 0.0, pytest.approx(0.3))
    assert fit([10_000, 100_000], [0.30, 0.02])[1] == 0.0  # faster with more rows is noise, not a trend
    # small growth a line explains over three sizes is row work, kept: 0.04 s more over 225k rows is about 43 s at 250M
    assert fit([25_000, 100_000, 250_000], [0.10, 0.12, 0.14])[1] * 250e6 == pytest.approx(42.9, abs=0.1)
    assert (duration(0.05), duration(42), duration(600), duration(36_000)) == ("50 ms", "42.0 s", "10 min", "10.0 h")


def test_a_migration_is_projected_to_the_volume_requirement(isolated):
    design = Design("orders")
    design.add_schema_ddl(V1, "postgres")
    design.add_schema_ddl(V2, "postgres")
    with pytest.raises(DesignError, match="No row count to project to"):
        design.project_migration(sizes=[2_000, 20_000])
    design.record_requirement("30 million orders a year, for 5 years", "volume", value=30_000_000, table="orders",
                              years=5)
    with pytest.raises(LabError, match="at least 2 different positive sizes"):
        design.project_migration(sizes=[20_000])
    projection = design.project_migration(sizes=[10_000, 200_000])
    assert projection.target_rows == 150_000_000 and projection.sizes == [10_000, 200_000]
    assert projection.notes[0].startswith("150,000,000 rows: requirement R1 (orders)'s volume")
    rewrite = next(s for s in projection.steps if s.plan == "as written" and "ADD COLUMN" in s.statement)
    assert rewrite.locks == {"orders": "AccessExclusiveLock"} and len(rewrite.seconds) == 2
    # the rewrite grows with the rows: 750 times the rows of the largest rehearsal take far longer than it did
    assert rewrite.per_million_rows_s > 0 and rewrite.projected_s > 10 * max(rewrite.seconds)
    assert {s.plan for s in projection.steps} == {"as written", "safe form"}
    text = projection.summary()
    assert text.startswith("Migration projected to 150,000,000 rows per table on postgres, from rehearsals at "
                           "10,000, 200,000 rows") and "AccessExclusiveLock on orders" in text
    assert "two sizes: no error estimate" in text
    stored = design.latest("projection")
    assert stored["name"] == "main v1-v2" and stored["body"]["target_rows"] == 150_000_000
    text = design.export(isolated / "orders.md").read_text()
    assert "## Migrations at the stated volume" in text and "| as written | ALTER TABLE orders ADD COLUMN" in text
    with pytest.raises(LabError, match="below the largest rehearsed size"):
        design.project_migration(sizes=[10_000, 200_000], target_rows=50_000)


@pytest.mark.kernel
def test_migrate_project_in_the_notebook(kernel):
    from ..conftest import texts

    kernel.run("%load_ext workbench")
    for ddl in (V1, V2):
        assert kernel.run(f"%%schema -d mig\n{ddl}")["status"] == "ok"
    bad = kernel.run("%migrate project --sizes 2k,10k -d mig")
    assert bad["status"] == "error" and "--sizes takes row counts separated by commas" in texts(bad)
    shown = kernel.run("%migrate project --sizes 2000,10000 --target 1000000 -d mig")
    assert shown["status"] == "ok", texts(shown)
    assert "Migration projected to 1,000,000 rows per table on postgres" in texts(shown)
    assert "<td>" in texts(shown, "text/html") and "fit residual" in texts(shown, "text/html")
