"""Helpers for the benchmarks: repeated timing, a results table with ratios, JSON output.

Benchmarks are not part of `make test`; run them with `make bench` or one by one:
    .venv/bin/python benchmarks/bench_load_ext.py
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def measure(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> dict:
    """Median, min and max seconds of `fn` over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "runs": repeat}


def report(name: str, rows: list[dict], *, notes: list[str] | None = None) -> None:
    """Print rows (dicts with 'case' and numbers) as a table and save them as JSON."""
    keys = []
    for row in rows:
        keys += [k for k in row if k != "case" and k not in keys]
    width = max(len(r["case"]) for r in rows)
    print(f"\n{name}")
    print(f"{'case':<{width}}  " + "  ".join(f"{k:>14}" for k in keys))
    for row in rows:
        cells = []
        for k in keys:
            v = row.get(k, "")
            cells.append(f"{v:>14.4f}" if isinstance(v, float) else f"{v!s:>14}")
        print(f"{row['case']:<{width}}  " + "  ".join(cells))
    for note in notes or []:
        print(f"  {note}")
    RESULTS.mkdir(exist_ok=True)
    payload = {"benchmark": name, "machine": platform.platform(), "python": platform.python_version(),
               "rows": rows, "notes": notes or []}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2))
