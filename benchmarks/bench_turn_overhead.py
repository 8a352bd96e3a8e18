"""Per-turn overhead of the workbench loop against a raw SDK stream on the same fake.

The fake runs in its own process (so its work does not compete with the measured code for
the GIL). Both sides send the same request (system prompt, tools, conversation) and read the
same streamed answer. The workbench side also builds the request, persists the turn and its
messages, and renders through the notebook renderer (display calls are counted, not sent to
a frontend). Runs alternate between the two sides. Targets: at most 5% slower; at most 20
display updates per second.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import anthropic
from common import report

KEY = "sk-ant-bench-0000000000"
RUNS = 15


def serve(words: int, delay: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "workbench.testing", "--words", str(words),
                             "--chunk", "4", "--delay", str(delay), "--api-key", KEY],
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def main() -> None:
    os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="wb-bench-")
    os.environ["ANTHROPIC_API_KEY"] = KEY
    from workbench.agent.session import Architect
    from workbench.notebook import display as display_module
    from workbench.notebook.display import NotebookRenderer

    display_module.publish = lambda *a, **k: None  # no frontend: count updates only
    rows = []
    for label, words, delay in (("unpaced stream, 4,000 deltas", 3200, 0.0),
                                ("paced stream (1 ms/delta), 1,000 deltas", 800, 0.001)):
        proc, base_url = serve(words, delay)
        try:
            os.environ["ANTHROPIC_BASE_URL"] = base_url
            architect = Architect("bench")
            client = anthropic.Anthropic(api_key=KEY, base_url=base_url)
            raw_times, wb_times, rates = [], [], []
            request = None
            for i in range(RUNS + 2):
                architect.design.reset_conversation()
                renderer = NotebookRenderer()
                start = time.perf_counter()
                architect.ask("Design a URL shortener.", renderer=renderer)
                elapsed = time.perf_counter() - start
                if request is None:  # the same request the workbench sent, replayed raw
                    turn = architect.design.turns()[-1]
                    messages = architect.design.messages()[:1]
                    request = {"model": turn["model"], "max_tokens": architect.max_tokens,
                               "system": [{"type": "text", "text": t} for t in turn["system"].split("\n\n", 1)],
                               "messages": messages,
                               "tools": [t.definition() for t in architect.tools.select(architect.agent.tools)]}
                start = time.perf_counter()
                with client.messages.stream(**request) as stream:
                    for _event in stream:
                        pass
                    stream.get_final_message()
                raw = time.perf_counter() - start
                if i >= 2:  # warm-up: imports, connections
                    wb_times.append(elapsed)
                    raw_times.append(raw)
                    rates.append(renderer.updates / elapsed)
        finally:
            proc.terminate()
            proc.wait()
        raw_m, wb_m = statistics.median(raw_times), statistics.median(wb_times)
        rows.append({"case": label, "raw_sdk_s": raw_m, "workbench_s": wb_m,
                     "overhead_pct": (wb_m / raw_m - 1) * 100, "max_updates_per_s": max(rates)})
    report("turn_overhead", rows, notes=["targets: overhead <= 5 %, display updates <= 20 per second",
                                         f"median of {RUNS} alternating runs after 2 warm-up runs; fake in its own process"])


if __name__ == "__main__":
    main()
