"""Open-loop load: what keeping to a schedule costs, and whether the lab keeps to a rate it can carry.

Two measurements per engine (a select by primary key on a seeded table):
- recording overhead: an open loop whose rate is far above what the clients carry runs its operations back to
  back, as the closed loop does, plus the schedule's bookkeeping (the next intended start, the late count, the
  service time beside the intended-start latency). Its throughput against the closed loop's, same clients,
  same statement, runs alternated: target (issue 20) at most 3% lower.
- a carried rate: an open loop at half the closed loop's throughput; achieved against intended: target within 2%.

    .venv/bin/python benchmarks/bench_open_loop.py [--seconds 3] [--rounds 3] [--clients 4] [--db sandbox,postgres]
"""

from __future__ import annotations

import argparse
import statistics

from common import report

TABLE = "CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL);"
READ = {"transactions": [{"name": "read", "sql": "SELECT balance FROM account WHERE id = :id"}],
        "params": {"id": {"range": [1, 10_000]}}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--db", default="sandbox,postgres")
    args = parser.parse_args()
    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    rows = []
    for database in args.db.split(","):
        dialect = {"sandbox": "sqlite"}.get(database, database)
        with Lab(database, name="bench-open-loop") as lab:
            lab.load(Schema.from_ddl(TABLE, dialect))
            lab.run("INSERT INTO account SELECT id, 0 FROM (" + ("WITH RECURSIVE g(id) AS (SELECT 1 UNION ALL SELECT "
                    "id + 1 FROM g WHERE id < 10000) SELECT id FROM g" if dialect == "sqlite" else
                    "SELECT generate_series(1, 10000) AS id") + ") AS s")
            closed, opened = [], []
            flood = 1_000_000.0  # far above what the clients carry: they are always behind, never waiting
            for n in range(args.rounds):  # pairs, in turn first, so a busy moment of the machine falls on both
                rates = [None, flood] if n % 2 == 0 else [flood, None]
                one, two = (lab.run_load(READ, clients=args.clients, duration=args.seconds, rate=r) for r in rates)
                base, flooded = (one, two) if n % 2 == 0 else (two, one)
                closed.append(base.throughput)
                opened.append(flooded.throughput)
            ratios = [o / c for o, c in zip(opened, closed, strict=True)]
            rows.append({"case": f"{database}: {args.clients} clients, read by key, back to back, {args.seconds:g} s",
                         "closed_tps": statistics.median(closed), "open_tps": statistics.median(opened),
                         "overhead_pct": 100 * (1 - statistics.median(ratios)),
                         "spread_pct": 100 * (max(ratios) - min(ratios))})
            closed_tps = statistics.median(closed)
            target = round(closed_tps / 2)
            carried = lab.run_load(READ, clients=args.clients, duration=args.seconds, rate=target)
            s = carried.schedule
            rows.append({"case": f"{database}: open loop at {target:,}/s (half the closed loop's)",
                         "intended_rate": s["intended_rate"], "achieved_rate": s["achieved_rate"],
                         "achieved_pct": 100 * s["achieved_rate"] / s["intended_rate"], "late": s["late"],
                         "p99_ms": carried.transactions[0]["p99_ms"],
                         "service_p99_ms": carried.transactions[0]["service_p99_ms"]})
    rows.append(_cpu_per_operation(args.seconds, args.rounds))
    report("open_loop", rows, notes=[
        "overhead_pct = 1 - the median of the rounds' open/closed throughput, both running operations back to "
        "back (target <= 3); spread_pct: the largest minus the smallest round's ratio (the machine's noise)",
        "achieved_pct = operations started / intended at a rate the lab carries (target within 2% of 100)",
        "pairs of runs, each in turn first; the workers fill their HDR histograms after the clients' clock",
        "cpu_overhead_pct = open / closed CPU per operation while the clients run - 1 (target <= 3); *_total_us adds "
        "filling the HDR histograms after the clock (the open loop fills two: intended-start and service)"])


def _cpu_per_operation(seconds: float, rounds: int) -> dict:
    """The same comparison as CPU time per operation, less at the mercy of the machine's other work: one worker's
    client run in this process on SQLite (the engine runs in the process too), closed vs flooded open loop."""
    import threading
    import time

    from workbench.lab import traffic
    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    with Lab(name="bench-open-loop-cpu") as lab:
        lab.load(Schema.from_ddl(TABLE, "sqlite"))
        plan = traffic._plan(lab, traffic.traffic_from(READ), 1)
        target = traffic._Target(lab.dialect, lab.url, lab.kind, lab.namespace, lab.login, lab.path, lab.timeout)
        per_op: dict[bool, list[float]] = {False: [], True: []}
        for n in range(rounds):
            for opened in ((False, True) if n % 2 == 0 else (True, False)):
                schedule = traffic.Schedule(1_000_000.0, None, seconds) if opened else None
                go, stop = threading.Event(), threading.Event()
                go.set()
                cpu = time.process_time()
                record = traffic._worker(target, plan, [0], 7, go, stop, seconds, {0: None},
                                         arrivals=traffic._Arrivals(schedule, 0, 1) if opened else None)
                cpu = time.process_time() - cpu  # includes filling the histograms, after the clients' clock
                n = traffic.merged_histogram(record["histograms"]).get_total_count()
                per_op[opened].append((record["cpu_s"] / n * 1e6, cpu / n * 1e6))
    closed = [statistics.median(x[i] for x in per_op[False]) for i in (0, 1)]
    opened = [statistics.median(x[i] for x in per_op[True]) for i in (0, 1)]
    return {"case": f"sandbox in process: CPU µs per operation, 1 client, {seconds:g} s",
            "closed_cpu_us": closed[0], "open_cpu_us": opened[0], "cpu_overhead_pct": 100 * (opened[0] / closed[0] - 1),
            "closed_total_us": closed[1], "open_total_us": opened[1]}


if __name__ == "__main__":
    main()
