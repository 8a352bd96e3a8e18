"""The agent's API scenarios against the real Messages API, for a user or maintainer with a key.

The test suite proves these against the loopback fake (tests/agent/test_conversation.py); this script runs
the same requests against https://api.anthropic.com, so a difference between the fake and the API shows up
as a failed scenario. Each scenario is a real design in a throw-away WORKBENCH_HOME; the cost is printed
(a few cents on the default model). Without a key it says so and exits 2. With --base-url it runs against
another endpoint (the suite runs it against the fake, so the script itself keeps working).

    ANTHROPIC_API_KEY=… .venv/bin/python scripts/api_conformance.py [-m sonnet] [--only NAME …]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

DDL = """CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL);
CREATE TABLE links (id bigint PRIMARY KEY, owner_id bigint NOT NULL REFERENCES users(id),
                    code text NOT NULL UNIQUE, target text NOT NULL, created_at timestamptz NOT NULL);"""


def _architect(design: str, model: str | None, **kw):
    from workbench.agent.session import Architect

    return Architect(design, model=model, **kw)


def models_api(model: str | None) -> str:
    """The Models API knows the default model, and says its limits."""
    arch = _architect("conformance-models", model)
    info = arch.model_info(arch._model(arch.agent))
    assert info.max_output > 0 and info.context_window > 0
    return f"{info.id}: max_tokens {info.max_output:,}, window {info.context_window:,}"


def tool_call_then_flags(model: str | None) -> str:
    """A schema proposed with tools, then a turn without tools, then one with --bash: no request refused."""
    first = _architect("conformance-flags", model).ask(
        f"Store exactly this schema with propose_schema, then say done in one word:\n{DDL}")
    assert first.status == "ok", first
    assert any(c.name == "propose_schema" for c in first.tool_calls), "the model did not call propose_schema"
    second = _architect("conformance-flags", model).ask("In one sentence: which table is the hot path?",
                                                        use_tools=False)
    assert second.status == "ok" and second.text.strip(), second
    third = _architect("conformance-flags", model, bash=True).ask("In one word: is there a users table?")
    assert third.status == "ok", third
    return f"3 turns ok; ${first.usage.cost_usd + second.usage.cost_usd + third.usage.cost_usd:.4f}"


def low_max_tokens(model: str | None) -> str:
    """A tool call cut at a low max_tokens is asked again at the model's limit and then runs."""
    result = _architect("conformance-max-tokens", model, max_tokens=300).ask(
        "Store a 12-table schema for an online shop (with columns and foreign keys) in one propose_schema call. "
        "Then say done.")
    assert result.status == "ok", result
    assert any(c.name == "propose_schema" for c in result.tool_calls), "no propose_schema call ran"
    return f"ok in {result.steps} calls; ${result.usage.cost_usd:.4f}"


def compaction_on_demand(model: str | None) -> str:
    """A conversation over a small budget is compacted by the API and goes on (thinking still bound)."""
    os.environ["WORKBENCH_CONTEXT_BUDGET"] = "6000"
    try:
        design = "conformance-compaction"
        spent = 0.0
        for i in range(3):
            result = _architect(design, model).ask(
                f"Turn {i}: in about 300 words, explain one trade-off of URL shorteners (number {i}). " +
                "Context: " + "reads dominate writes 100 to 1; " * 40)
            assert result.status == "ok", result
            spent += result.usage.cost_usd
        from workbench.design.aggregate import Design

        compacted = any(isinstance(m["content"], list) and any(b.get("type") == "compaction" for b in m["content"])
                        for m in Design(design).messages())
        assert compacted, "the conversation was never compacted"
        return f"3 turns ok, compacted; ${spent:.4f}"
    finally:
        os.environ.pop("WORKBENCH_CONTEXT_BUDGET", None)


SCENARIOS: dict[str, Callable[[str | None], str]] = {
    "models_api": models_api,
    "tool_call_then_flags": tool_call_then_flags,
    "low_max_tokens": low_max_tokens,
    "compaction_on_demand": compaction_on_demand,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", "--model", help="model alias or id (default: the workbench's default)")
    parser.add_argument("--base-url", help="another Messages API endpoint (default: the API)")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run only these scenarios")
    args = parser.parse_args(argv)
    if not os.environ.get("ANTHROPIC_API_KEY"):
        print("api_conformance: set ANTHROPIC_API_KEY to run the scenarios against the API (they cost a few cents).",
              file=sys.stderr)
        return 2
    if args.base_url:
        os.environ["ANTHROPIC_BASE_URL"] = args.base_url
    os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="wb-conformance-")
    failed = 0
    for name in args.only or SCENARIOS:
        started = time.perf_counter()
        try:
            detail = SCENARIOS[name](args.model)
            print(f"ok    {name:24} {time.perf_counter() - started:6.1f} s  {detail}")
        except Exception as exc:  # noqa: BLE001 - every scenario runs; each failure is printed with its cause
            failed += 1
            print(f"FAIL  {name:24} {time.perf_counter() - started:6.1f} s  {type(exc).__name__}: {exc}")
            traceback.print_exc(limit=3, file=sys.stderr)
    print(f"{len(args.only or SCENARIOS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
