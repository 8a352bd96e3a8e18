"""A variant comparison at 1M rows per table: variants sharing one seeded copy vs each seeded afresh.

`lab.compare(workload, variants, rows=1_000_000)`: a baseline and two index variants, three queries,
on the SQLite sandbox and a PostgreSQL lab. "shared" is the workbench as it is: the baseline is
seeded once and each DDL variant runs on a copy (SQLite backup; INSERT … SELECT on the server).
"seeded each" gives the same variants as whole schemas, so each is generated and loaded again:
what every variant cost before. Each run is its own process (peak memory is its own).

    python benchmarks/bench_experiment.py [--rows 1000000] [--engines sandbox,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report

HERE = Path(__file__).resolve().parent
DDL = """
CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(120) NOT NULL, country char(2) NOT NULL,
  created_at timestamp NOT NULL);
CREATE TABLE products (id bigint PRIMARY KEY, title varchar(120) NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  product_id bigint NOT NULL REFERENCES products(id), status varchar(12) NOT NULL, total numeric(12,2) NOT NULL,
  created_at timestamp NOT NULL);
"""
WORKLOAD = [
    {"name": "orders of a customer", "sql": "SELECT id, total FROM orders WHERE customer_id = :customer_id"},
    {"name": "recent orders of a product",
     "sql": "SELECT id FROM orders WHERE product_id = :product_id ORDER BY created_at DESC LIMIT 10"},
    {"name": "customers of a country", "sql": "SELECT count(*) FROM customers WHERE country = :country"},
]
VARIANTS = [
    {"name": "fk indexes", "ddl": "CREATE INDEX ix_o_customer ON orders (customer_id); "
                                  "CREATE INDEX ix_o_product ON orders (product_id)"},
    {"name": "covering", "ddl": "CREATE INDEX ix_o_cust_total ON orders (customer_id, total); "
                                "CREATE INDEX ix_o_prod_time ON orders (product_id, created_at); "
                                "CREATE INDEX ix_c_country ON customers (country)"},
]


def child(engine: str, mode: str, rows: int) -> dict:
    import pandas  # noqa: F401 - as in a notebook

    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    schema = Schema.from_ddl(DDL, "postgres")
    variants = VARIANTS if mode == "shared" else [dict(v, schema=schema) for v in VARIANTS]
    with Lab(None if engine == "sandbox" else engine, name="bench-experiment") as lab:
        lab.load(schema)
        start = time.perf_counter()
        comparison = lab.compare(WORKLOAD, variants, rows=rows, repeat=5, progress=False)
        elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "records": len(comparison.records)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per table (default 1,000,000)")
    parser.add_argument("--engines", default="sandbox,postgres")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], int(args.child[2]))))
        return
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="wb-bench-"))
    rows = []
    for engine in args.engines.split(","):
        runs = {}
        for mode in ("shared", "seeded-each"):
            out = subprocess.run([sys.executable, __file__, "--child", engine, mode, str(args.rows)],
                                 capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
            if out.returncode:
                raise SystemExit(out.stderr)
            runs[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        shared, each = runs["shared"], runs["seeded-each"]
        rows.append({"case": f"{engine}: baseline + 2 variants x 3 queries, {args.rows:,} rows per table",
                     "shared_s": round(shared["seconds"], 1), "seeded_each_s": round(each["seconds"], 1),
                     "ratio": round(shared["seconds"] / each["seconds"], 2),
                     "shared_peak_mb": round(shared["peak_mb"]), "seeded_each_peak_mb": round(each["peak_mb"])})
    report("experiment", rows, notes=["ratio = shared / seeded each (lower is better)",
                                      "issue 12's starting point: 210 s and 3 GB for 2 variants x 3 queries at 1M"])


if __name__ == "__main__":
    sys.exit(main())
