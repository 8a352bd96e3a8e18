"""Design documents and the demo.

- Export a design with 100 tables (two schema versions, so a migration history), 3 architecture
  diagrams of 30 nodes, an API and 5 decisions: self-contained HTML and Markdown, each run from
  a fresh process state (no figure cache). Target: at most 3 s, under 3 MB.
- `workbench demo` (what `make demo` runs on a warm .venv): execute the tour notebook in a real
  kernel and write the document. Target: at most 60 s.
No peer is named for these; the ratio column is the time over the target.

    .venv/bin/python benchmarks/bench_export.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import measure, report

HERE = Path(__file__).resolve().parent


def export_cases() -> list[dict]:
    from workbench.design.aggregate import Design
    from workbench.export import export_design
    from workbench.testing.synthetic import sample_design

    home = Path(tempfile.mkdtemp(prefix="wb-export-"))
    design = sample_design(Design("big", home=home))
    rows = []
    for suffix in ("html", "md"):
        out = home / f"big.{suffix}"
        m = measure(lambda out=out: export_design(design, out), repeat=5)
        size = out.stat().st_size + sum(p.stat().st_size for p in (home / "big_files").glob("*")) \
            if suffix == "md" else out.stat().st_size
        rows.append({"case": f"export .{suffix}: 100 tables, 3 architectures × 30 nodes, API, 5 ADRs",
                     "median_s": m["median_s"], "max_s": m["max_s"], "size_mb": size / 1024 / 1024,
                     "time_vs_target": m["median_s"] / 3.0, "size_vs_target": size / (3 * 1024 * 1024)})
    return rows


def demo_case() -> dict:
    out = Path(tempfile.mkdtemp(prefix="wb-demo-"))
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workbench.cli", "demo", "-o", str(out)], env=env, check=True,
                   capture_output=True)
    elapsed = time.perf_counter() - started
    return {"case": "workbench demo (make demo on a warm .venv): tour notebook + document", "median_s": elapsed,
            "max_s": elapsed, "size_mb": (out / "tour.html").stat().st_size / 1024 / 1024,
            "time_vs_target": elapsed / 60.0}


def main() -> None:
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="wb-bench-"))
    rows = export_cases() + [demo_case()]
    report("export", rows, notes=["targets: export at most 3 s and under 3 MB; make demo at most 60 s",
                                  "time_vs_target / size_vs_target below 1.0 meet the target",
                                  "the demo runs one kernel, the scripted model (no key), SQLite and Graphviz"])


if __name__ == "__main__":
    sys.exit(main())
