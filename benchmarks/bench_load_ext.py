"""How much `%load_ext workbench` adds to a fresh IPython, next to jupyter-ai's magics.

Each case starts a fresh `python -c` process that creates an IPython shell and loads the
extension; the shell alone is the baseline. Target: workbench adds at most 50 ms.
The peer (jupyter-ai-magics) is measured when a Python with it is given:
    PEER_PYTHON=/path/to/venv/bin/python .venv/bin/python benchmarks/bench_load_ext.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from common import report

CODE = """
import time
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
t = time.perf_counter()
{load}
print(time.perf_counter() - t)
"""


def load_time(python: str, extension: str | None, runs: int = 7) -> float:
    load = f"ip.run_line_magic('load_ext', {extension!r})" if extension else "pass"
    samples = []
    for _ in range(runs):
        out = subprocess.run([python, "-c", CODE.format(load=load)], capture_output=True, text=True, check=True)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> None:
    rows = [{"case": "%load_ext workbench", "added_ms": load_time(sys.executable, "workbench") * 1000}]
    default = Path(__file__).resolve().parent / ".peers" / "jupyter-ai" / "bin" / "python"
    peer = os.environ.get("PEER_PYTHON") or (str(default) if default.exists() else None)
    notes = []
    if peer:
        peer_ms = load_time(peer, "jupyter_ai_magics", runs=3) * 1000
        rows.append({"case": "%load_ext jupyter_ai_magics", "added_ms": peer_ms})
        rows[0]["ratio_vs_peer"] = rows[0]["added_ms"] / peer_ms
    else:
        notes.append("peer not measured: set PEER_PYTHON to a Python with jupyter-ai-magics installed")
    notes.append("target: workbench adds at most 50 ms")
    report("load_ext", rows, notes=notes)


if __name__ == "__main__":
    main()
