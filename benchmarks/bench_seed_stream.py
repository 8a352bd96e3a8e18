"""Seeding at scale: peak memory and time at 1M and 10M rows, against the fastest raw loads.

Each measurement runs in its own process, so its peak resident memory (ru_maxrss) is its own.
- ours: `lab.seed(...)` on a fresh SQLite sandbox file / PostgreSQL lab namespace, timed whole
  (generation, load, index builds, CHECK verification, the after-load FK check; ANALYZE apart).
- raw (SQLite): the same rows, built beforehand (outside the timer), `executemany` into the same
  tables with the secondary indexes created after the load and the CHECKs verified after it
  (one scan per table) - the fast way to load by hand.
- raw (PostgreSQL): the same rows as COPY text, built beforehand, one COPY per table in one transaction;
  and the same again with the foreign keys dropped first and added back after (what the seeder does).
Targets (issue 12): memory at 10M <= 1.5x memory at 1M; SQLite time <= 1.2x raw at 1M and 10M;
PostgreSQL <= 1.05x raw COPY, and a 5M-row seed that completes.

    python benchmarks/bench_seed_stream.py [--scales 1,10] [--pg-scales 1,5] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_seed import DDL, ROWS
from common import report

HERE = Path(__file__).resolve().parent


def _rows(scale: float) -> dict[str, int]:
    return {k: int(v * scale) for k, v in ROWS.items()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sqlite_ours(scale: float, tmp: Path) -> dict:
    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    lab = Lab(None, path=tmp / "ours.db")
    lab.load(Schema.from_ddl(DDL, "postgres"))
    start = time.perf_counter()
    seeded = lab.seed(_rows(scale), progress=False)
    elapsed = time.perf_counter() - start - seeded.timings.get("analyze_s", 0)
    lab.close()
    return {"seconds": elapsed, "timings": seeded.timings, "rows": seeded.total_rows}


def sqlite_raw(scale: float, tmp: Path) -> dict:
    from workbench.lab.drivers.sqlite import SANDBOX_PRAGMAS
    from workbench.lab.lab import Lab
    from workbench.lab.load import python_values
    from workbench.lab.seed import FillOrder, Generator, rows_for
    from workbench.schema import Schema
    from workbench.schema.parse import parse_ddl

    path = tmp / "raw.db"
    lab = Lab(None, path=path)  # the same tables as the sandbox makes them
    lab.load(Schema.from_ddl(DDL, "postgres"))
    schema = lab.schema
    lab.close()
    gen = Generator(schema, FillOrder(schema, rows_for(schema, _rows(scale))), seed=42, distribution="uniform")
    prebuilt = [(d.table.key, list(d.columns), list(zip(*(python_values(d.columns[c]) for c in d.columns),
                                                        strict=True))) for d in gen.run()]
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in SANDBOX_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
    tables = [sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table'")]
    checks = [(t.key, c.expression) for t in parse_ddl(";\n".join(tables) + ";", "sqlite").tables.values()
              for c in t.checks]
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA ignore_check_constraints=ON")
    start = time.perf_counter()
    conn.execute("BEGIN")
    for table, columns, rows in prebuilt:
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    for _name, sql in indexes:
        conn.execute(sql)
    for table, expression in checks:
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE NOT ({expression})").fetchone()[0] == 0
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return {"seconds": elapsed, "rows": sum(len(r) for _t, _c, r in prebuilt)}


def pg_ours(scale: float, tmp: Path) -> dict:
    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    lab = Lab("postgres", name=f"bench-stream-{os.getpid()}")
    try:
        lab.load(Schema.from_ddl(DDL, "postgres"))
        start = time.perf_counter()
        seeded = lab.seed(_rows(scale), progress=False)
        elapsed = time.perf_counter() - start - seeded.timings.get("analyze_s", 0)
        return {"seconds": elapsed, "timings": seeded.timings, "rows": seeded.total_rows}
    finally:
        lab.close()


def pg_raw_fk_after(scale: float, tmp: Path) -> dict:
    return pg_raw(scale, tmp, fk_after=True)


def pg_raw(scale: float, tmp: Path, fk_after: bool = False) -> dict:
    from workbench.lab.lab import Lab
    from workbench.lab.load import copy_text
    from workbench.lab.seed import FillOrder, Generator, rows_for
    from workbench.schema import Schema

    lab = Lab("postgres", name=f"bench-stream-raw-{os.getpid()}")
    try:
        lab.load(Schema.from_ddl(DDL, "postgres"))
        gen = Generator(lab.schema, FillOrder(lab.schema, rows_for(lab.schema, _rows(scale))), seed=42,
                        distribution="uniform")
        prebuilt = []
        for d in gen.run():
            fields = [copy_text(d.columns[c]) for c in d.columns]
            prebuilt.append((d.table.key, list(d.columns),
                             "".join("\t".join(r) + "\n" for r in zip(*fields, strict=True)), d.n))
        conn = lab.connection()
        conn.execute("SET statement_timeout = 0")
        foreign = conn.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                               "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace").fetchall()
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            if fk_after:  # by hand, as pg_restore does: foreign keys dropped, added back after the data
                for table, name, _definition in foreign:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for table, columns, text, _n in prebuilt:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(text)
            if fk_after:
                for table, name, definition in foreign:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        elapsed = time.perf_counter() - start
        return {"seconds": elapsed, "rows": sum(p[3] for p in prebuilt)}
    finally:
        lab.close()


CASES = {"sqlite-ours": sqlite_ours, "sqlite-raw": sqlite_raw, "pg-ours": pg_ours, "pg-raw": pg_raw,
         "pg-raw-fk-after": pg_raw_fk_after}


def child(case: str, scale: float) -> None:
    import pandas  # noqa: F401 - imported once, as in a notebook; part of every process's memory alike

    tmp = Path(tempfile.mkdtemp(prefix="wb-seed-stream-"))
    try:
        result = CASES[case](scale, tmp)
    except Exception as exc:  # noqa: BLE001 - reported as the case's outcome (a failed seed is a finding)
        result = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


def measure(case: str, scale: float) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", case, str(scale)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("CASE", "SCALE"), help=argparse.SUPPRESS)
    parser.add_argument("--scales", default="1,10", help="SQLite sizes, in millions of rows (default 1,10)")
    parser.add_argument("--pg-scales", default="1,5", help="PostgreSQL sizes, in millions of rows (default 1,5)")
    parser.add_argument("--runs", type=int, default=2, help="runs per case at 1M rows (one at larger sizes)")
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], float(args.child[1]))
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="wb-bench-"))
    rows, peaks = [], {}
    for engine, scales in (("sqlite", args.scales), ("pg", args.pg_scales)):
        for scale in (float(s) for s in scales.split(",") if s):
            runs = args.runs if scale <= 1 else 1
            ours, raw, by_hand = [], [], []
            for _ in range(runs):  # interleaved, so drift on the machine hits both alike
                ours.append(measure(f"{engine}-ours", scale))
                raw.append(measure(f"{engine}-raw", scale))
                if engine == "pg":
                    by_hand.append(measure("pg-raw-fk-after", scale))
            failed = next((r["error"] for r in ours + raw + by_hand if "error" in r), None)
            row = {"case": f"{'SQLite sandbox' if engine == 'sqlite' else 'PostgreSQL lab'}, {scale:g}M rows",
                   "runs": runs}
            if failed:
                row["error"] = failed
            else:
                o = statistics.median(r["seconds"] for r in ours)
                w = statistics.median(r["seconds"] for r in raw)
                timings = ours[0].get("timings", {})
                row.update({"ours_s": round(o, 2), "raw_s": round(w, 2), "ratio": round(o / w, 3),
                            "check_s": round(timings.get("check_s", 0), 2),
                            "ours_peak_mb": round(max(r["peak_mb"] for r in ours)),
                            "raw_peak_mb": round(max(r["peak_mb"] for r in raw))})
                if by_hand:
                    h = statistics.median(r["seconds"] for r in by_hand)
                    row.update({"raw_fk_after_s": round(h, 2), "ratio_fk_after": round(o / h, 3)})
                peaks[(engine, scale)] = row["ours_peak_mb"]
            rows.append(row)
    notes = ["ratio = ours / raw (targets: SQLite <= 1.2, PostgreSQL <= 1.05); ANALYZE is left out of both",
             "raw SQLite: pre-built rows, executemany, secondary indexes built and CHECKs verified after the load",
             "raw PostgreSQL: pre-built COPY text, one COPY per table, statement_timeout off; raw_fk_after: the",
             "same with the foreign keys dropped before and added back after (the seeder's own technique, by hand)"]
    for engine in ("sqlite", "pg"):
        sizes = sorted(s for (e, s) in peaks if e == engine)
        if len(sizes) >= 2:
            notes.append(f"{engine} peak memory {sizes[-1]:g}M / {sizes[0]:g}M = "
                         f"{peaks[(engine, sizes[-1])] / peaks[(engine, sizes[0])]:.2f}x (target <= 1.5x)")
    report("seed_stream", rows, notes=notes)


if __name__ == "__main__":
    sys.exit(main())
