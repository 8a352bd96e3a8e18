"""The shape of the package: longest function, largest class, files over 500 lines, and the store
transactions one turn takes (counted on a real turn against the loopback fake).

    .venv/bin/python benchmarks/house_metrics.py [PACKAGE_DIR]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def shape(package: Path) -> dict:
    longest, largest, big = ("", 0), ("", 0, 0), []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > 500:
            big.append(f"{path.relative_to(package.parent)} ({lines})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > longest[1]:
                    longest = (f"{path.relative_to(package.parent)}:{node.name}", n)
            elif isinstance(node, ast.ClassDef):
                n = node.end_lineno - node.lineno + 1
                methods = sum(isinstance(b, ast.FunctionDef) for b in node.body)
                if n > largest[1]:
                    largest = (f"{path.relative_to(package.parent)}:{node.name}", n, methods)
    return {"longest function": f"{longest[0]} ({longest[1]} lines)",
            "largest class": f"{largest[0]} ({largest[1]} lines, {largest[2]} methods)",
            "files over 500 lines": ", ".join(big) or "none"}


def transactions_per_turn() -> str:
    """Store transactions of one turn with one tool call (2 model calls), counted at BEGIN."""
    import os
    import tempfile

    os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="wb-house-")
    from workbench.agent.session import Architect
    from workbench.testing import FakeAnthropic, Reply

    begins = []
    with FakeAnthropic(api_key="sk-ant-house") as fake:
        fake.enqueue(Reply.tool_call("record_decision", {"title": "Use PostgreSQL", "context": "c", "decision": "d",
                                                         "consequences": "e"}), Reply.text("Done."))
        architect = Architect("house", client=None)
        os.environ["ANTHROPIC_API_KEY"] = "sk-ant-house"
        os.environ["ANTHROPIC_BASE_URL"] = fake.base_url
        store = architect.design.store
        store._connect().set_trace_callback(lambda sql: begins.append(sql) if sql.startswith("BEGIN") else None)
        architect.ask("Record the decision.")
    writes = sum(1 for b in begins if "IMMEDIATE" in b)
    return f"{len(begins)} ({writes} writing) for a turn of 2 model calls and 1 tool call that stores an artifact"


def main() -> None:
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "workbench"
    for key, value in shape(package).items():
        print(f"{key}: {value}")
    if len(sys.argv) == 1:
        print(f"store transactions per turn: {transactions_per_turn()}")


if __name__ == "__main__":
    main()
