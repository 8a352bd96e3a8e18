"""Per-turn overhead of the workbench loop against a raw SDK stream on the same fake.

The fake runs in its own process (so its work does not compete with the measured code for
the GIL). Both sides send the same request (system prompt, tools, conversation) and read the
same streamed answer. The workbench side also reads the design (its conversation and state),
builds the request, persists the turn, its call and messages, and renders through the
notebook renderer (display calls are counted, not sent to a frontend). Runs alternate between
the two sides.

`--history N` gives the design N prior turns (a prompt and an 800-word answer each) before
every measured turn, so the cost of a long conversation shows. Cases: an unpaced stream of
4,000 deltas and a paced one (1 ms per delta), at each history length; and the first turn
of a design with an 800-word answer.

Targets: overhead at most 5 % (unpaced, at 1 and at 100 prior turns); at most 20 display
updates within any one second.

    .venv/bin/python benchmarks/bench_turn_overhead.py [--history 1 100] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import anthropic
from common import report

KEY = "sk-ant-bench-0000000000"
ANSWER = ("The design keeps writes on the primary and serves reads from replicas behind a cache; "
          "short codes come from a counter range per writer. ") * 40  # about 800 words


def serve(words: int, delay: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "workbench.testing", "--words", str(words),
                             "--chunk", "4", "--delay", str(delay), "--api-key", KEY],
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def prior_turns(design, n: int) -> None:
    """A fresh conversation with n earlier turns, written the way the agent writes them."""
    from workbench.design.usage import Usage

    design.reset_conversation()
    for i in range(n):
        log = design.start_turn(f"Question {i}: how should the short-link table be partitioned?",
                                agent="backend-architect", model="claude-sonnet-4-5", system="(system)")
        log.add({"role": "user", "content": [{"type": "text", "text": f"<design-state>\n{log.state}\n</design-state>"},
                                             {"type": "text", "text": f"Question {i}"}]})
        log.record_call(1, model="claude-sonnet-4-5", request={}, response=None, stop_reason="end_turn",
                        usage=Usage(100, 800), started_at=time.time(), first_token_s=0.1, elapsed_s=1.0,
                        message={"role": "assistant", "content": [{"type": "text", "text": ANSWER}]})
        log.finish(status="ok", steps=1, usage=Usage(100, 800), elapsed_s=1.0)


def measure(label: str, words: int, delay: float, history: int, runs: int, first_turn: bool = False) -> dict:
    import workbench.agent.session as session
    from workbench.agent.client import connect
    from workbench.agent.session import Architect
    from workbench.notebook.display import NotebookRenderer

    sent: list[tuple[dict, list[str]]] = []  # the workbench's own request, replayed as-is by the raw side
    real_stream = session.stream_answer

    def recording(sdk, request, betas, renderer):
        sent.append((request, betas))
        return real_stream(sdk, request, betas, renderer)

    session.stream_answer = recording

    proc, base_url = serve(words, delay)
    try:
        os.environ["ANTHROPIC_BASE_URL"] = base_url
        client = anthropic.Anthropic(api_key=KEY, base_url=base_url)
        raw_times, wb_times, rates = [], [], []
        request = None  # the workbench's request of the previous run: every run sends the same one

        def raw_run() -> float:
            body, betas = request
            start = time.perf_counter()
            with client.beta.messages.stream(**body, betas=betas) as stream:
                for _event in stream:
                    pass
                stream.get_final_message()
            return time.perf_counter() - start

        connection = connect()  # one per kernel, as in a notebook (KernelState keeps it across cells)
        for i in range(runs + 2):
            name = f"bench-first-{i:03d}" if first_turn else "bench"
            architect = Architect(name, client=connection)
            if not first_turn:
                prior_turns(architect.design, history)
            raw_first = request is not None and i % 2 == 1  # alternate which side goes first
            raw = raw_run() if raw_first else None
            renderer = NotebookRenderer()
            start = time.perf_counter()
            architect.ask("Design a URL shortener.", renderer=renderer)
            elapsed = time.perf_counter() - start
            request = sent[-1]
            if raw is None:
                raw = raw_run()
            if i >= 2:  # warm-up: imports, connections
                wb_times.append(elapsed)
                raw_times.append(raw)
                rates.append(renderer.busiest_second())
    finally:
        session.stream_answer = real_stream
        proc.terminate()
        proc.wait()
    raw_m, wb_m = statistics.median(raw_times), statistics.median(wb_times)
    return {"case": label, "raw_sdk_s": raw_m, "workbench_s": wb_m, "overhead_pct": (wb_m / raw_m - 1) * 100,
            "busiest_second_updates": max(rates)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, nargs="+", default=[1, 100], help="prior turns before each turn")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="wb-bench-")
    os.environ["ANTHROPIC_API_KEY"] = KEY
    from workbench.notebook import display as display_module

    display_module.publish = lambda *a, **k: None  # no frontend: count updates only
    rows = []
    for history in args.history:
        rows.append(measure(f"unpaced, 4,000 deltas, {history} prior turns", 3200, 0.0, history, args.runs))
        rows.append(measure(f"paced 1 ms, 1,000 deltas, {history} prior turns", 800, 0.001, history, args.runs))
    rows.append(measure("first turn of a design, 800-word answer", 800, 0.0, 0, args.runs, first_turn=True))
    report("turn_overhead", rows, notes=["targets: overhead <= 5 % unpaced at 1 and 100 prior turns; display "
                                         "updates <= 20 within any one second",
                                         f"median of {args.runs} alternating runs after 2 warm-up runs; the fake "
                                         "in its own process"])


if __name__ == "__main__":
    main()
