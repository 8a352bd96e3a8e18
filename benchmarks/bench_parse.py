"""Parsing a real pg_dump file of about 1.4 MB into the Schema model. Target: at most 4 s.

The file is `pg_dump --schema-only` of the 1,000-table synthetic schema loaded into PostgreSQL
(identity columns, constraints and indexes as pg_dump writes them), plus the corpus' Lago dump.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from common import measure, report

from workbench.testing.synthetic import synthetic_ddl

HERE = Path(__file__).resolve().parent
PG = os.environ.get("WORKBENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test").rsplit("/", 1)[0]
LAGO = HERE.parent.parent / "shared" / "corpus" / "lago_api_structure_postgresql.sql"


def main() -> None:
    import psycopg

    from workbench.schema import Schema

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS wb_bench_dump")
        conn.execute("CREATE DATABASE wb_bench_dump")
    with psycopg.connect(f"{PG}/wb_bench_dump", autocommit=True) as conn:
        conn.execute(synthetic_ddl(1000))
    host = PG.split("@")[-1].split(":")[0]
    dump = subprocess.run(["pg_dump", "--schema-only", "-h", host, "-U", "postgres", "wb_bench_dump"],
                          capture_output=True, text=True, check=True).stdout
    rows = []
    m = measure(lambda: Schema.from_ddl(dump, "postgres"), repeat=3)
    schema = Schema.from_ddl(dump, "postgres")
    rows.append({"case": f"pg_dump, {len(dump) / 1e6:.2f} MB, {schema.summary()}", "median_s": m["median_s"],
                 "max_s": m["max_s"]})
    if LAGO.exists():
        text = LAGO.read_text()
        m = measure(lambda: Schema.from_ddl(text, "postgres"), repeat=3)
        rows.append({"case": f"Lago pg_dump, {len(text) / 1e6:.2f} MB", "median_s": m["median_s"], "max_s": m["max_s"]})
    report("parse", rows, notes=["target: a 1.4 MB pg_dump in at most 4 s"])
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS wb_bench_dump WITH (FORCE)")


if __name__ == "__main__":
    main()
