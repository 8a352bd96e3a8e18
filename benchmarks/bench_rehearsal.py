"""Migration rehearsal at scale: a 5-statement migration on 1,000,000 seeded rows under a workload, and
what the lock sampling costs the workload.

Targets (issue 12): the rehearsal (both plans: as written and the safe form) under 60 s; the sampler's
overhead under 5% of the workload's throughput (the same load for 5 s with and without a sampler
polling the lock tables every 10 ms).

    .venv/bin/python benchmarks/bench_rehearsal.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time

from common import report

ORDERS = ("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status varchar(20) NOT NULL, "
          "total numeric(10,2) NOT NULL);")
MIGRATION = """
ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();
CREATE INDEX orders_customer ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
ALTER TABLE orders ALTER COLUMN status TYPE varchar(40);
CREATE INDEX orders_status ON orders (status);
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from workbench.lab.lab import Lab
    from workbench.lab.rehearsal import _Watcher, default_workload
    from workbench.schema import Schema

    schema = Schema.from_ddl(ORDERS, "postgres")
    rows = []
    with Lab("postgres", name="bench-rehearsal") as base:
        started = time.perf_counter()
        rehearsal = base.rehearse(schema, MIGRATION, rows=args.rows, clients=4)
        total = time.perf_counter() - started
        for plan in rehearsal.plans:
            rows.append({"case": f"{plan.label}: {len(plan.steps)} statements on {args.rows:,} rows",
                         "statements_s": sum(s.seconds for s in plan.steps),
                         "blocked_max": max(s.blocked_max for s in plan.steps),
                         "longest_block_s": max(s.longest_block_s for s in plan.steps),
                         "workload_tps": plan.load.throughput if plan.load else 0})
        rows.append({"case": "whole rehearsal (copy, seed, load, both plans)", "total_s": total})
        print(rehearsal.summary())
        with base.sibling("sampler") as lab:
            lab.load(schema)
            lab.seed(100_000, progress=False)
            traffic = default_workload(lab.schema, ["orders"])
            plain = lab.run_load(traffic, clients=4, duration=5).throughput
            cursor = lab.connection().cursor()
            cursor.execute(lab.driver.backend_id_sql)
            watcher = _Watcher(lab, cursor.fetchone()[0])
            watcher.start()
            sampled = lab.run_load(traffic, clients=4, duration=5).throughput
            watcher.halt.set()
            watcher.join()
            rows.append({"case": "workload, 4 clients, 5 s: without / with the lock sampler", "tps_without": plain,
                         "tps_with": sampled, "overhead_pct": (1 - sampled / plain) * 100})
    report("rehearsal", rows, notes=["targets: whole rehearsal < 60 s at 1M rows; sampler overhead < 5%"])


if __name__ == "__main__":
    main()
