"""The load driver's own overhead, side by side with pgbench on the same server, table and statement.

A lab namespace on PostgreSQL gets pgbench's accounts table (100,000 rows by default); pgbench's
select-only transaction (`SELECT abalance FROM pgbench_accounts WHERE aid = :aid`, the body of -S) runs
for the same time and client count as the workbench's run_load of the same statement.
Target (issue 12): workbench throughput at least 0.9x pgbench at 1, 8 and 32 clients.

    .venv/bin/python benchmarks/bench_load.py [--seconds 10] [--rows 100000] [--clients 1,8,32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess

from common import report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", default="1,8,32")
    args = parser.parse_args()
    from workbench.config import settings
    from workbench.lab.lab import Lab
    from workbench.schema import Schema

    pgbench = shutil.which("pgbench")
    rows = []
    with Lab("postgres", name="bench-load") as lab:
        lab.load(Schema.from_ddl("CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, "
                                 "filler char(84));", "postgres"))
        lab.run(f"INSERT INTO pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, {args.rows}) g")
        lab.run("ANALYZE pgbench_accounts")
        statement = "SELECT abalance FROM pgbench_accounts WHERE aid = :aid"
        for clients in (int(c) for c in args.clients.split(",")):
            result = lab.run_load({"transactions": [{"name": "select", "sql": statement}],
                                   "params": {"aid": {"range": [1, args.rows]}}}, clients=clients,
                                  duration=args.seconds)
            ours = result.throughput
            row = {"case": f"{clients} client{'s' if clients > 1 else ''}, select by key, {args.seconds:g} s",
                   "workbench_tps": ours, "p95_ms": result.transactions[0]["p95_ms"]}
            if pgbench:
                url = settings().pg_url
                host = re.search(r"@([^:/]+)", url).group(1)
                database = url.rsplit("/", 1)[-1]
                script = f"\\set aid random(1, {args.rows})\n{statement};\n"
                path = "/tmp/wb_bench_load.sql"
                with open(path, "w") as f:
                    f.write(script)
                env = {**os.environ, "PGOPTIONS": f"-c search_path={lab.namespace}"}
                out = subprocess.run([pgbench, "-n", "-h", host, "-U", "postgres", "-c", str(clients), "-j",
                                      str(min(clients, os.cpu_count() or 1)), "-T", str(int(args.seconds)),
                                      "-f", path, database], capture_output=True, text=True, env=env).stdout
                match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
                if match:
                    theirs = float(match.group(1))
                    row.update({"pgbench_tps": theirs, "ratio": ours / theirs})
            rows.append(row)
    notes = ["ratio = workbench / pgbench throughput on the same server, table and statement (target >= 0.9)"]
    if not pgbench:
        notes.append("pgbench not found: apt-get install postgresql-contrib")
    report("load", rows, notes=notes)


if __name__ == "__main__":
    main()
