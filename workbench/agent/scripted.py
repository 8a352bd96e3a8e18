"""Scripted turns: canned answers for the fake API, so notebooks run without a key.

A script is YAML:

    turns:
      - match: "url shortener"        # optional: a phrase of the prompt (case-insensitive)
        steps:                        # one entry per model call in the turn
          - text: "First, the data model."
            tools:
              - name: propose_schema
                input: {ddl: "CREATE TABLE …", dialect: postgres}
          - text: "The schema is stored; lint found nothing serious."

The answer to a request depends only on the request (stateless, so it survives kernel
restarts): the turn is the first whose `match` occurs in the latest prompt, else the turn at
the prompt's position in the conversation; the step is the number of model answers given
since that prompt.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fake import Reply

if TYPE_CHECKING:
    from .client import Connection

_ids = itertools.count(1)


@dataclass
class ScriptedTurn:
    match: str | None
    steps: list[dict]


class ScriptError(ValueError):
    """A script file that does not have the expected shape."""


class ScriptedModel:
    """A responder for FakeAnthropic that plays a script."""

    def __init__(self, turns: list[ScriptedTurn], *, source: str = "<script>", delay: float = 0.0) -> None:
        self.turns = turns
        self.source = source
        self.delay = delay

    @classmethod
    def from_file(cls, path: str | Path, **kw: Any) -> ScriptedModel:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScriptError(f"{path}: cannot read the script ({exc.strerror}).") from None
        return cls.from_yaml(text, source=str(path), **kw)

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<script>", **kw: Any) -> ScriptedModel:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScriptError(f"{source}: not valid YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
            raise ScriptError(f"{source}: a script is a mapping with a list `turns`.")
        turns = []
        for i, turn in enumerate(data["turns"]):
            if not isinstance(turn, dict) or not isinstance(turn.get("steps"), list) or not turn["steps"]:
                raise ScriptError(f"{source}: turns[{i}] needs a non-empty list `steps`.")
            for j, step in enumerate(turn["steps"]):
                if not isinstance(step, dict) or not (step.get("text") or step.get("tools")):
                    raise ScriptError(f"{source}: turns[{i}].steps[{j}] needs `text` and/or `tools`.")
                for k, call in enumerate(step.get("tools") or []):
                    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                        raise ScriptError(f"{source}: turns[{i}].steps[{j}].tools[{k}] needs a `name`.")
            turns.append(ScriptedTurn(turn.get("match"), turn["steps"]))
        return cls(turns, source=source, **kw)

    def __call__(self, body: dict) -> Reply:
        prompts = [i for i, m in enumerate(body["messages"]) if m["role"] == "user" and _prompt_text(m)]
        if not prompts:
            return Reply.text("(The scripted model found no prompt in the request.)")
        last = prompts[-1]
        prompt = _prompt_text(body["messages"][last]).lower()
        step = sum(1 for m in body["messages"][last + 1:] if m["role"] == "assistant")
        turn = next((t for t in self.turns if t.match and t.match.lower() in prompt), None)
        if turn is None:
            unmatched = [t for t in self.turns if not t.match] or self.turns
            turn = unmatched[(len(prompts) - 1) % len(unmatched)]
        if step >= len(turn.steps):
            return Reply.text("(The scripted model has no more steps for this prompt.)")
        data = turn.steps[step]
        blocks: list[dict] = []
        if data.get("text"):
            blocks.append({"type": "text", "text": str(data["text"]).strip()})
        for call in data.get("tools") or []:
            blocks.append({"type": "tool_use", "id": f"toolu_script_{next(_ids):06d}", "name": call["name"],
                           "input": call.get("input") or {}})
        return Reply(blocks=blocks, delay=self.delay, text_chunk=24)


def script_path(path: str | Path) -> Path:
    """A script file: as given (relative to the working directory), or by name among the scripts
    shipped with the notebooks (`00-tour` finds notebooks/scripts/00-tour.yaml)."""
    from ..config import PROJECT_ROOT

    given = Path(path).expanduser()
    if given.exists() or given.is_absolute():
        return given
    shipped = PROJECT_ROOT / "notebooks" / "scripts"
    for candidate in (shipped / given, shipped / f"{given}.yaml"):
        if candidate.is_file():
            return candidate
    return given


def check_script(path: str | Path) -> Path:
    """The script's path, after reading it once: a missing or malformed script is a ConfigError now,
    not at the first prompt."""
    from ..errors import ConfigError

    found = script_path(path)
    try:
        ScriptedModel.from_file(found)
    except ScriptError as exc:
        raise ConfigError(str(exc)) from None
    return found.resolve()


def serve_script(path: str | Path, *, delay: float = 0.004) -> Connection:
    """A connection to a loopback server that answers from a script: the real SDK over HTTP, no key."""
    from .client import Connection, make_client
    from .fake import FakeAnthropic

    found = check_script(path)
    server = FakeAnthropic(ScriptedModel.from_file(found, delay=delay)).start()
    client, reporter = make_client(api_key="scripted-model", base_url=server.base_url)
    note = (f"Scripted model: ANTHROPIC_API_KEY is not set, so these answers are played from "
            f"{found.name}, not written by Claude.")
    return Connection(client, reporter, note=note, scripted=True, server=server)


def _prompt_text(message: dict) -> str:
    """The text of a user message that is a prompt (not only tool results), minus the design state."""
    content = message["content"]
    if isinstance(content, str):
        return content
    texts = [b.get("text", "") for b in content if b.get("type") == "text"]
    texts = [t for t in texts if not t.startswith("<design-state>")]
    return "\n".join(texts)
