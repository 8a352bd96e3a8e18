"""`workbench demo` / `make demo`: show the product on embedded defaults.

Without ANTHROPIC_API_KEY the agent's answers come from a scripted model (the output
says so); with a key the real model answers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .config import PROJECT_ROOT, has_api_credentials

SCRIPT = PROJECT_ROOT / "notebooks" / "scripts" / "spine-demo.yaml"


def run_demo(output_dir: str | Path = "build") -> int:
    """A short scripted %%architect session in the terminal: stream, tool call, continued conversation."""
    from .agent.client import make_client
    from .agent.render import ConsoleRenderer
    from .agent.session import Architect
    from .design.design import Design
    from .testing import FakeAnthropic, ScriptedModel

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    home = out / "demo-home"
    fake = None
    if has_api_credentials():
        client, reporter = make_client()
        note = "Real model (ANTHROPIC_API_KEY is set)."
    else:
        fake = FakeAnthropic(ScriptedModel.from_file(SCRIPT, delay=0.002)).start()
        client, reporter = make_client(api_key="scripted-model", base_url=fake.base_url)
        note = (f"Scripted model: ANTHROPIC_API_KEY is not set, so the answers are played from "
                f"{SCRIPT.relative_to(PROJECT_ROOT)}, not written by Claude.")
    try:
        design = Design("demo", home=home)
        design.reset_conversation()
        architect = Architect(design, client=client, reporter=reporter, note=note, scripted=fake is not None)
        renderer = ConsoleRenderer(sys.stdout)
        architect.ask("Design the backend of a URL shortener: 10M new links a month, 100:1 reads to writes.",
                      renderer=renderer)
        architect.ask("What would you cache, and where?", renderer=renderer)
        print(f"\nThe conversation is stored in {home / 'workbench.db'}; workspace files in {design.workspace}.")
    finally:
        if fake is not None:
            fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(run_demo(os.environ.get("WORKBENCH_DEMO_OUT", "build")))
