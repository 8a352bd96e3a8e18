"""The cost of a turn on a long design: at 1, 100 and 300 prior turns.

The design grows the way a real one does: every fifth turn proposes a 60-table schema (~20,000
characters of DDL), the others ask and answer at length. Measured per turn, after the history
is in place: the workbench's own time (the turn minus the model's stream: reading the design,
compacting the conversation when it nears the context budget, storing the turn), the request's size in tokens,
and the prompt-cache hit rate. The model is the loopback fake (in this process).

    .venv/bin/python benchmarks/bench_long_design.py [--turns 1 100 300] [--budget 30000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from common import report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, nargs="+", default=[1, 100, 300])
    parser.add_argument("--budget", type=int, default=30_000, help="WORKBENCH_CONTEXT_BUDGET for the run")
    parser.add_argument("--measure", type=int, default=10, help="turns measured at each length")
    args = parser.parse_args()
    os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="wb-long-")
    os.environ["WORKBENCH_CONTEXT_BUDGET"] = str(args.budget)
    os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench-0000000000"

    import workbench.agent.session as session
    from workbench.agent.fake import prompt_tokens
    from workbench.agent.session import Architect
    from workbench.design.aggregate import Design
    from workbench.testing import FakeAnthropic, Reply
    from workbench.testing.synthetic import synthetic_ddl

    streamed: list[float] = []
    real_stream = session.stream_answer

    def timed(*a, **k):
        start = time.perf_counter()
        try:
            return real_stream(*a, **k)
        finally:
            streamed.append(time.perf_counter() - start)

    session.stream_answer = timed
    real_compact = session.compaction.compact

    def timed_compact(*a, **k):
        start = time.perf_counter()
        try:
            return real_compact(*a, **k)
        finally:
            streamed.append(time.perf_counter() - start)

    session.compaction.compact = timed_compact
    ddl = synthetic_ddl(60)
    answer = "We keep the write path on the primary and serve reads from replicas; " * 20
    rows = []
    with FakeAnthropic(api_key="sk-ant-bench-0000000000", context_window=args.budget + 2_000) as fake:
        os.environ["ANTHROPIC_BASE_URL"] = fake.base_url
        design = Design("long")
        architect = Architect(design)
        done = 0

        def one(i: int) -> float:
            if i % 5 == 0:
                fake.enqueue(Reply.tool_call("propose_schema", {"ddl": ddl.replace("varchar(120)", f"varchar({121 + i})",
                                                                                  1), "dialect": "postgres"}),
                             Reply.text(f"Stored; {answer}"))
            else:
                fake.enqueue(Reply.text(f"Turn {i + 1}: {answer}"))
            before = len(streamed)
            start = time.perf_counter()
            architect.ask(f"Turn {i + 1}: what about the read path? " + "Details. " * 30)
            return time.perf_counter() - start - sum(streamed[before:])

        for target in args.turns:
            while done < target:
                one(done)
                done += 1
            first_request = len(fake.requests)
            usage_before = design.usage()
            own = [one(done + k) for k in range(args.measure)]
            done += args.measure
            sizes = [prompt_tokens(r.body) for r in fake.requests[first_request:] if r.path.split("?")[0] == "/v1/messages"]
            used = design.usage()
            read = used.cache_read_tokens - usage_before.cache_read_tokens
            total = read + (used.input_tokens - usage_before.input_tokens) + \
                (used.cache_write_tokens - usage_before.cache_write_tokens)
            rows.append({"case": f"{target} prior turns", "own_ms_per_turn": statistics.median(own) * 1000,
                         "max_request_tokens": max(sizes), "cache_hit_rate": read / total if total else 0.0})
    report("long_design", rows, notes=[f"context budget {args.budget:,} tokens; every 5th turn proposes a 60-table "
                                       "schema (~20,000 characters); median over the measured turns",
                                       "own time = the turn minus the model's streams (read the design, build the "
                                       "request, store the turn and the schema version); compaction requests are "
                                       "streams too, counted as the model's time",
                                       f"compactions: {fake.compactions}; requests the fake refused: {len(fake.refused)}"])


if __name__ == "__main__":
    main()
