"""Run every benchmark (`make bench`): install the peers, then each bench_*.py in its own process.

Results print as tables and are saved as JSON in benchmarks/results/. A benchmark that fails is
reported and the others still run; the exit code says whether all of them finished.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    peers = subprocess.run(["bash", str(HERE / "peers.sh")])
    if peers.returncode != 0:
        print("run_all: the peers could not be installed; ratios against them will be missing", file=sys.stderr)
    failed = []
    for bench in sorted(HERE.glob("bench_*.py")):
        started = time.perf_counter()
        print(f"\n=== {bench.name}", flush=True)
        run = subprocess.run([sys.executable, str(bench)], cwd=HERE)
        print(f"=== {bench.name}: {'ok' if run.returncode == 0 else 'FAILED'} in {time.perf_counter() - started:.0f} s")
        if run.returncode != 0:
            failed.append(bench.name)
    if failed:
        print(f"\nrun_all: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
