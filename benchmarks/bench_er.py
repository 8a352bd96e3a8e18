"""ER diagrams at scale, side by side with eralchemy2 reflecting the same database.

Cases (each a fresh process, wall clock, as a user runs them):
- 1,000 synthetic tables with ~1,500 foreign keys, loaded into PostgreSQL:
  `eralchemy2 -i URL -o out.svg` vs `workbench er URL -o out.svg` (the overview).
- Lago (139 real tables, 339 foreign keys), loaded into SQLite: both draw the full diagram.
And in-process: a focus view (depth 1) at 100, 1,000 and 5,000 tables.
Targets: the overview at least 4x faster than eralchemy2; a focus view at most 0.3 s.

    benchmarks/peers.sh && .venv/bin/python benchmarks/bench_er.py
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import measure, report

from workbench.testing.synthetic import synthetic_ddl

HERE = Path(__file__).resolve().parent
PG = os.environ.get("WORKBENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]
LAGO = HERE.parent.parent / "shared" / "corpus" / "lago_api_structure_postgresql.sql"


def eralchemy() -> str | None:
    found = os.environ.get("PEER_ERALCHEMY") or str(HERE / ".peers" / "eralchemy2" / "bin" / "eralchemy2")
    return found if Path(found).exists() else shutil.which("eralchemy2")


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


REAL = ("lago_api_structure_postgresql.sql", "synapse_main_full72_postgresql.sql",
        "adventureworks_install_postgresql.sql", "openstreetmap_website_structure_postgresql.sql")


def real_schemas(workbench: str, peer: str | None, out: Path) -> list[dict]:
    """Real production schemas, each loaded from its dump into a live PostgreSQL database; both tools reflect
    it and draw everything (the workbench's overview where it picks one)."""
    from workbench.testing.fidelity import FreshDatabase, load

    rows = []
    for name in REAL:
        path = LAGO.parent / name
        if not path.exists():
            continue
        with FreshDatabase("postgres", out) as db:
            load(db.url, path.read_text(encoding="utf-8"), "postgres")
            ours = min(timed([workbench, "er", db.url, "-o", str(out / "wb.svg")]) for _ in range(3))
            from workbench.schema import Schema

            live = Schema.from_url(db.url)
            row = {"case": f"{name.split('_')[0]}: {len(live.tables)} tables / {len(live.foreign_keys())} FKs "
                           "(PostgreSQL, live)", "workbench_s": ours}
            if peer:
                url = db.url.replace("postgresql://", "postgresql+psycopg2://")
                schemas = sorted({t.namespace for t in live.tables.values() if t.namespace})
                args = ["-s", ",".join(["public", *schemas])] if schemas else []
                theirs = min(timed([peer, "-i", url, *args, "-o", str(out / "era.svg")]) for _ in range(2))
                row.update({"eralchemy2_s": theirs, "speedup_x": theirs / ours})
            rows.append(row)
    return rows


def combined(workbench: str, peer: str | None, out: Path) -> list[dict]:
    """One database holding four real schemas, each in its own namespace (about 400 tables): the size of a
    large production database, where fixed costs (Python start-up, imports) no longer dominate."""
    import psycopg

    from workbench.schema import Schema
    from workbench.testing.fidelity import FreshDatabase, load

    files = [LAGO.parent / name for name in REAL]
    if not all(f.exists() for f in files):
        return []
    with FreshDatabase("postgres", out) as db:
        for path in files:
            load(db.url, path.read_text(encoding="utf-8"), "postgres")
            if path.name.startswith("adventureworks"):
                continue  # its own namespaces already
            with psycopg.connect(db.url, autocommit=True) as conn:
                conn.execute(f"ALTER SCHEMA public RENAME TO {path.name.split('_')[0]}")
                conn.execute("CREATE SCHEMA public")
        live = Schema.from_url(db.url, structure=True)
        ours = min(timed([workbench, "er", db.url, "-o", str(out / "wb.svg")]) for _ in range(3))
        row = {"case": f"four real schemas in one database: {len(live.tables)} tables / "
                       f"{len(live.foreign_keys())} FKs (PostgreSQL, live), overview", "workbench_s": ours}
        if peer:
            url = db.url.replace("postgresql://", "postgresql+psycopg2://")
            spaces = sorted({t.namespace or "public" for t in live.tables.values()})
            theirs = min(timed([peer, "-i", url, "-s", ",".join(spaces), "-o", str(out / "era.svg")])
                         for _ in range(2))
            row.update({"eralchemy2_s": theirs, "speedup_x": theirs / ours})
        return [row]


def main() -> None:
    import psycopg

    from workbench.schema import Schema

    workbench = str(Path(sys.executable).parent / "workbench")
    peer = eralchemy()
    out = Path(tempfile.mkdtemp(prefix="wb-bench-er-"))
    rows, notes = [], []
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS wb_bench_er")
        conn.execute("CREATE DATABASE wb_bench_er")
    with psycopg.connect(f"{PG}/wb_bench_er", autocommit=True) as conn:
        conn.execute(synthetic_ddl(1000))
    url = f"{PG}/wb_bench_er"
    ours = min(timed([workbench, "er", url, "-o", str(out / "wb1000.svg")]) for _ in range(3))
    row = {"case": "1,000 tables / 1,513 FKs (PostgreSQL), overview", "workbench_s": ours}
    if peer:
        theirs = timed([peer, "-i", url.replace("postgresql://", "postgresql+psycopg2://"), "-o",
                        str(out / "era1000.svg")])
        row.update({"eralchemy2_s": theirs, "speedup_x": theirs / ours})
    rows.append(row)
    if LAGO.exists():
        lago = Schema.from_ddl(LAGO.read_text(), "postgres")
        db = out / "lago.db"
        conn = sqlite3.connect(db)
        conn.executescript(lago.to_ddl("sqlite"))
        conn.close()
        ours = min(timed([workbench, "er", f"sqlite:///{db}", "-o", str(out / "wblago.svg")]) for _ in range(3))
        row = {"case": "Lago, 139 tables / 339 FKs (SQLite), full", "workbench_s": ours}
        if peer:
            theirs = timed([peer, "-i", f"sqlite:///{db}", "-o", str(out / "eralago.svg")])
            row.update({"eralchemy2_s": theirs, "speedup_x": theirs / ours})
        rows.append(row)
    rows += real_schemas(workbench, peer, out)
    rows += combined(workbench, peer, out)
    for n in (100, 1000, 5000):
        schema = Schema.from_ddl(synthetic_ddl(n), "postgres")
        focus = list(schema.tables)[n // 2]
        m = measure(lambda s=schema, f=focus: s.er(focus=f, depth=1).svg(), repeat=5)
        rows.append({"case": f"focus view, depth 1, {n:,}-table schema", "workbench_s": m["median_s"]})
    if not peer:
        notes.append("eralchemy2 not found: run benchmarks/peers.sh (or set PEER_ERALCHEMY)")
    notes.append("targets: overview >= 4x faster than eralchemy2; focus view <= 0.3 s")
    report("er", rows, notes=notes)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS wb_bench_er WITH (FORCE)")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
