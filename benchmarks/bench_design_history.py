"""A turn's cost must not grow with the design's history.

A long but ordinary design: 50 versions of a 300-table schema (each version changes a few
tables). Measured at version 1 and at version 50: saving a version, reading the newest
schema, building the design-state summary the agent sees every turn, and the store's growth
per version. Target: the version-50 figures within 1.5x of the version-1 figures, and the
store growing by what changed (or compressed), not by the whole model each time. The export
of the 50-version design is timed too.

    .venv/bin/python benchmarks/bench_design_history.py [--versions 50] [--tables 300]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

from common import report


def _version_ddl(base: str, k: int) -> str:
    """Version k of the schema: k tables get a wider `name` column, and one new table per version."""
    changed = 0

    def widen(match: re.Match) -> str:
        nonlocal changed
        changed += 1
        return "name varchar(200) NOT NULL" if changed <= k else match.group(0)

    ddl = re.sub(r"name varchar\(120\) NOT NULL", widen, base)
    extra = "".join(f"CREATE TABLE added_{i} (id bigint PRIMARY KEY, note text);\n" for i in range(k))
    return ddl + extra


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--tables", type=int, default=300)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="wb-history-"))
    os.environ["WORKBENCH_HOME"] = str(home)
    import workbench
    from workbench.schema import Schema
    from workbench.testing.synthetic import synthetic_ddl

    base = synthetic_ddl(args.tables)
    design = workbench.design("history")
    db = home / "workbench.db"
    rows, sizes = [], []
    first: dict[str, float] = {}
    for k in range(1, args.versions + 1):
        ddl = _version_ddl(base, k)
        schema = Schema.from_ddl(ddl, "postgres")
        before = _db_bytes(db)
        save_s, _ = _timed(lambda: design.save_schema(schema, source_ddl=ddl))  # noqa: B023
        grew = _db_bytes(db) - before
        sizes.append(grew)
        if k in (1, args.versions) or k % 10 == 0:
            read_s, _ = _timed(lambda: design.schema())
            summary_s, _ = _timed(lambda: design.state_summary())
            row = {"case": f"version {k}", "save_s": save_s, "read_newest_s": read_s, "summary_s": summary_s,
                   "store_growth_kb": grew / 1024}
            rows.append(row)
            if k == 1:
                first = row
    last = rows[-1]
    ratios = {key: last[key] / first[key] for key in ("save_s", "read_newest_s", "summary_s") if first[key]}
    export_s, _ = _timed(lambda: design.export(home / "history.html"))
    rows.append({"case": f"ratio v{args.versions}/v1", **{k: v for k, v in ratios.items()}})
    total_mb = _db_bytes(db) / 1e6
    report("design_history", rows, notes=[
        f"{args.versions} versions of a {args.tables}-table schema; store {total_mb:.1f} MB in all "
        f"({total_mb * 1e3 / args.versions:.0f} KB per version on average)",
        f"export of the whole design: {export_s:.2f} s",
        "target: every ratio <= 1.5"])


def _db_bytes(path: Path) -> int:
    """The store's size in use: pages in use after a checkpoint (free pages not counted)."""
    import sqlite3

    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                             for p in ("page_count", "freelist_count", "page_size"))
        return (pages - free) * size
    finally:
        conn.close()


if __name__ == "__main__":
    main()
