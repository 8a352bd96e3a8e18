"""How the schema layer's cost grows with schema size: parse, lint, diff, emit and migration SQL at 100,
1,000, 5,000 and 10,000 synthetic tables (~1.5 foreign keys each), with peak memory.

The diff compares a version with a changed copy: about 15% of the tables get a new column, a retyped
column, a dropped index or a new foreign key, and 1% are dropped or added (the shape of a real next
version). Target (issue 11): at 10,000 tables each step within 12x of its 1,000-table time (linear
growth is 10x).

    .venv/bin/python benchmarks/bench_scale.py [--sizes 100,1000,5000,10000]
"""

from __future__ import annotations

import argparse
import copy
import random
import time
import tracemalloc

from common import report

from workbench.testing.synthetic import synthetic_ddl


def changed(schema, seed: int = 3):
    """A next version: ~15% of tables altered, ~1% dropped, ~1% added."""
    from workbench.schema.model import Column, ForeignKey, Table

    rng = random.Random(seed)
    new = copy.deepcopy(schema)
    keys = list(new.tables)
    for key in rng.sample(keys, len(keys) // 100):
        del new.tables[key]
        for table in new.tables.values():
            table.foreign_keys = [fk for fk in table.foreign_keys if fk.ref_table != key]
    keys = list(new.tables)
    for key in rng.sample(keys, len(keys) * 15 // 100):
        table = new.tables[key]
        what = rng.randrange(4)
        if what == 0:
            table.columns["note"] = Column("note", "TEXT")
        elif what == 1:
            table.columns["name"].type = "VARCHAR(200)"
        elif what == 2 and table.indexes:
            table.indexes.pop()
        else:
            target = rng.choice(keys)
            table.columns["extra_ref"] = Column("extra_ref", "BIGINT")
            table.foreign_keys.append(ForeignKey(("extra_ref",), target, ("id",)))
    for n in range(len(keys) // 100):
        new.tables[f"added_{n}"] = Table(name=f"added_{n}", columns={"id": Column("id", "BIGINT", nullable=False)},
                                         primary_key=("id",))
    return new


def timed(fn, memory: bool):
    """(result, seconds, peak MB): timed without tracing (tracemalloc slows Python several times), then, when
    `memory`, run again under tracemalloc for the peak."""
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak = 0.0
    if memory:
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return result, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,5000,10000")
    parser.add_argument("--no-memory", dest="memory", action="store_false", help="skip the tracemalloc pass")
    args = parser.parse_args()
    from workbench.schema import Schema

    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        ddl = synthetic_ddl(size)
        m = args.memory
        schema, parse_s, parse_mb = timed(lambda d=ddl: Schema.from_ddl(d, "postgres"), m)
        new = changed(schema)
        _, lint_s, lint_mb = timed(lambda s=schema: s.lint(), m)
        d, diff_s, diff_mb = timed(lambda s=schema, n=new: s.diff(n), m)
        _, emit_s, emit_mb = timed(lambda s=schema: s.to_ddl(), m)
        _, mysql_s, _ = timed(lambda s=schema: s.to_ddl("mysql"), False)
        _, migration_s, migration_mb = timed(lambda x=d: x.sql(), m)
        rows.append({"case": f"{size} tables, {len(schema.foreign_keys())} FKs, {len(d.changes)} changes",
                     "tables": size, "parse_s": parse_s, "lint_s": lint_s, "diff_s": diff_s, "to_ddl_s": emit_s,
                     "to_mysql_s": mysql_s, "migration_s": migration_s,
                     "peak_mb": max(parse_mb, lint_mb, diff_mb, emit_mb, migration_mb)})
        print(rows[-1], flush=True)
    base = next((r for r in rows if r["tables"] == 1000), None)
    if base:
        for row in rows:
            for step in ("parse_s", "lint_s", "diff_s", "to_ddl_s", "migration_s"):
                row[step.replace("_s", "_x1k")] = row[step] / base[step]
    report("scale", rows, notes=["*_x1k = time relative to 1,000 tables (linear: 10 at 10,000); target <= 12",
                                 "peak_mb = the largest tracemalloc peak of the steps"])


if __name__ == "__main__":
    main()
