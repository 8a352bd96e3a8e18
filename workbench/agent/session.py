"""The agent loop: one `Architect` per design, one `ask()` per turn.

Our own loop on `client.messages.stream` (not the SDK's tool runner), because a turn must
show tool activity as it happens, survive interrupts, and keep the stored history valid:

1. Build the request: system = agent prompt + a workbench addendum that depends only on the
   offered tools, so tools + system form a stable, cached prefix. The design's current
   state rides in the new user message instead of the system prompt; earlier turns then
   stay byte-identical and are read from cache. Breakpoints: the last system block and the
   last block of the conversation tail.
2. Stream; text goes to the renderer as it arrives.
3. Run each `tool_use` through the registry; errors become `is_error` results.
4. Repeat until `end_turn`, the step limit or the budget. Persist every message, call and
   usage as it happens.
5. On a broken stream or an interrupt, keep the partial text (marked), answer every
   `tool_use` that was stored, and raise a WorkbenchError that says what happened.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import interrupts
from ..config import settings
from ..design.usage import Usage
from ..errors import AuthenticationFailed, ModelError, StreamInterrupted, WorkbenchError
from ..secrets import redact
from ..subagent import AgentDefinition, load_agent
from .client import Connection, connect
from .context import Context, ContextState, estimate
from .models import resolve_model, usage_from_api
from .registry import ToolContext, ToolRegistry, ToolResult
from .renderer import Renderer

if TYPE_CHECKING:
    from ..design.aggregate import Design
    from ..design.turns import TurnLog

CACHE = {"type": "ephemeral"}


@dataclass
class ToolCall:
    """A tool call made during a turn."""

    name: str
    input: dict
    result: ToolResult
    elapsed_s: float


@dataclass
class TurnResult:
    """What one `ask()` produced."""

    text: str
    status: str  # ok | step_limit | budget | max_tokens | refusal
    usage: Usage
    steps: int
    elapsed_s: float
    turn_id: int
    model: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    scripted: bool = False

    def footer(self) -> str:
        status = "" if self.status == "ok" else f" · stopped: {self.status.replace('_', ' ')}"
        usage = self.usage.summary()
        if self.scripted:
            usage = usage.rsplit(" · $", 1)[0] + " · scripted model, no charge"
        return f"{usage} · {self.steps} call{'s' if self.steps != 1 else ''} · {self.elapsed_s:.1f} s{status}"

    def __repr__(self) -> str:
        return f"<TurnResult {self.status}: {len(self.text)} chars, {len(self.tool_calls)} tool calls; {self.footer()}>"


class _StreamBroke(Exception):
    def __init__(self, blocks: list[dict], cause: BaseException, usage: Usage | None) -> None:
        super().__init__(str(cause))
        self.blocks = blocks
        self.cause = cause
        self.usage = usage


class Architect:
    """A conversation with an agent about one design; it continues across calls and restarts.

    design: a Design or its name. agent: a definition or its name/file (default: the design's,
    else backend-architect). model: an alias or id for these turns. tools: the registry (default:
    the built-in tools). client: a Connection or an SDK client (default: from the environment).
    script: a YAML script of answers, played by a loopback server when no API key is set (the
    `%architect script` twin). bash: offer the bash tool. max_steps, budget_usd, max_tokens:
    limits per turn (defaults from WORKBENCH_MAX_STEPS, WORKBENCH_BUDGET, WORKBENCH_MAX_TOKENS).
    """

    def __init__(self, design: Design | str = "default", *, agent: str | AgentDefinition | None = None,
                 model: str | None = None, tools: ToolRegistry | None = None, client: Any = None,
                 script: str | Path | None = None, bash: bool = False, max_steps: int | None = None,
                 budget_usd: float | None = None, max_tokens: int | None = None) -> None:
        from ..design.aggregate import Design

        self.design = design if isinstance(design, Design) else Design(str(design))
        self._agent_arg = agent
        self._model_arg = model
        self.tools = tools if tools is not None else default_tools()
        self._connection = client if client is None or isinstance(client, Connection) else Connection(client)
        self.script = script
        self.bash = bash
        cfg = settings()
        self.max_steps = max_steps if max_steps is not None else cfg.max_steps
        self.budget_usd = budget_usd if budget_usd is not None else cfg.budget_usd
        self.max_tokens = max_tokens or int(os.environ.get("WORKBENCH_MAX_TOKENS") or 8192)

    # -- configuration ---------------------------------------------------------------------
    @property
    def agent(self) -> AgentDefinition:
        """The agent definition: the one given, else the design's, else backend-architect."""
        if isinstance(self._agent_arg, AgentDefinition):
            return self._agent_arg
        return load_agent(self._agent_arg or self.design.agent_name or None)

    @property
    def model(self) -> str:
        """The model id used: -m, else the design's `%architect model`, WORKBENCH_MODEL, the agent's, sonnet."""
        return self._model(self.agent)

    def _model(self, agent: AgentDefinition) -> str:
        return resolve_model(self._model_arg or self.design.model_choice or settings().model or agent.model)

    def use_agent(self, agent: str) -> str:
        """Make `agent` (a name or file) the design's agent from now on; returns what was stored."""
        self._agent_arg = None
        return self.design.set_agent(agent)

    def use_model(self, model: str) -> str:
        """Make `model` (alias or id) the design's model from now on; returns the resolved id."""
        resolved = resolve_model(model)
        self.design.set_model(model)
        self._model_arg = None
        return resolved

    @property
    def connection(self) -> Connection:
        """The model connection (real API, or the scripted model without a key); MissingAPIKey when neither."""
        if self._connection is None:
            self._connection = connect(script=self.script)
        return self._connection

    @property
    def client(self) -> Any:
        return self.connection.sdk

    @property
    def scripted(self) -> bool:
        return self.connection.scripted

    def close(self) -> None:
        """Stop the scripted model's server, if this architect started one."""
        if self._connection is not None:
            self._connection.close()

    def history(self) -> list[dict]:
        """The stored conversation of the design (current conversation)."""
        return self.design.messages()

    def reset(self) -> None:
        """Start a new conversation for the design (artifacts are kept)."""
        self.design.reset_conversation()

    def system_blocks(self, agent: AgentDefinition, offered: list) -> list[dict]:
        return [{"type": "text", "text": agent.system_prompt}, {"type": "text", "text": _addendum(offered)}]

    # -- a turn ----------------------------------------------------------------------------
    def ask(self, prompt: str, *, renderer: Renderer | None = None, max_steps: int | None = None,
            budget_usd: float | None = None, use_tools: bool = True, take_over: bool = False) -> TurnResult:
        """Send `prompt`, run tools until the agent is done, and return the TurnResult.

        One turn at a time per design: while another kernel runs one, this waits (WORKBENCH_LOCK_WAIT)
        and then raises DesignBusy; take_over=True runs anyway and closes the other turn as interrupted.
        """
        if not prompt or not prompt.strip():
            raise WorkbenchError("The prompt is empty.", hint="Write your requirements or question in the cell.")
        renderer = renderer or Renderer()
        agent = self.agent
        model = self._model(agent)
        connection = self.connection  # raises MissingAPIKey before anything is stored
        offered = self.tools.select(agent.tools, bash_enabled=self.bash) if use_tools else []
        system = self.system_blocks(agent, offered)
        recorded = f"scripted model (as {model})" if connection.scripted else model  # never passed off as Claude's
        log = self.design.start_turn(prompt, agent=agent.name, model=recorded,
                                     system="\n\n".join(b["text"] for b in system), take_over=take_over)
        if log.repaired:
            renderer.notice(f"The previous turn on design {self.design.name} was cut off (the kernel stopped): "
                            f"{log.repaired} unfinished tool call(s) are now marked as interrupted.")
        turn = _Turn(self, log, connection, model, system, [t.definition() for t in offered], renderer,
                     self.max_steps if max_steps is None else max_steps,
                     self.budget_usd if budget_usd is None else budget_usd)
        renderer.begin_turn(design=self.design.name, agent=agent.name, model=model, note=connection.note)
        return turn.run(prompt)


class _Turn:
    """One turn's state while it runs: the history sent, usage, steps, texts and tool calls."""

    def __init__(self, architect: Architect, log: TurnLog, connection: Connection, model: str, system: list[dict],
                 tool_defs: list[dict], renderer: Renderer, max_steps: int, budget: float) -> None:
        self.architect, self.log, self.connection, self.model = architect, log, connection, model
        self.system, self.tool_defs, self.renderer = system, tool_defs, renderer
        self.max_steps, self.budget = max_steps, budget
        self.history = list(log.history)
        self.usage = Usage()
        self.steps = 0
        self.texts: list[str] = []
        self.calls: list[ToolCall] = []
        self.status: str | None = None
        self.interrupt = interrupts.InterruptFlag()
        self.ctx = ToolContext(design=architect.design, show=renderer.show, turn_id=log.id,
                               bash_enabled=architect.bash, notice=renderer.notice)
        self.fixed_tokens = estimate(system) + estimate(tool_defs)
        self.context = Context(settings().context_budget, ContextState.from_dict(log.context), counter=self._count,
                               save=lambda state: log.save_context(state.to_dict()))

    def _count(self, view: list[dict]) -> int:
        """The API's own count of the request's input tokens (an estimate where the provider has no count)."""
        try:
            counted = self.connection.sdk.messages.count_tokens(model=self.model, system=self.system,
                                                                 tools=self.tool_defs or anthropic_omit(),
                                                                 messages=_coalesce(view))
            return int(counted.input_tokens)
        except Exception:  # noqa: BLE001 - no count endpoint (some gateways): the estimate stands
            return self.fixed_tokens + estimate(view)

    def run(self, prompt: str) -> TurnResult:
        """Ask until the agent ends its turn or a limit stops it; the history stays valid whatever happens."""
        user = {"role": "user", "content": [{"type": "text", "text": f"<design-state>\n{self.log.state}\n"
                                                                     "</design-state>"},
                                            {"type": "text", "text": prompt}]}
        self.history.append(user)
        self.log.add(user)  # stored with the first answer
        started, error = time.perf_counter(), None
        reporter = self.connection.reporter
        if reporter is not None:
            reporter.listener = self.renderer.notice
        try:
            with interrupts.watching() as self.interrupt:
                while self.status is None:
                    self._check_interrupt()
                    self._step()
        except KeyboardInterrupt:
            self.status, error = "interrupted", "interrupted by the user"
            raise StreamInterrupted("Interrupted by you. The partial answer is kept and the conversation "
                                    "stays valid; the next %%architect cell continues it.") from None
        except WorkbenchError as exc:
            self.status, error = ("interrupted" if isinstance(exc, StreamInterrupted) else "error"), str(exc)
            raise
        except Exception as exc:
            self.status, error = "error", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.log.finish(status=self.status or "error", steps=self.steps, usage=self.usage,
                            elapsed_s=time.perf_counter() - started, error=redact(error) if error else None)
            if reporter is not None:
                reporter.listener = None
        result = TurnResult(text="\n\n".join(self.texts), status=self.status, usage=self.usage, steps=self.steps,
                            elapsed_s=time.perf_counter() - started, turn_id=self.log.id, model=self.model,
                            tool_calls=self.calls, scripted=self.connection.scripted)
        self.renderer.end_turn(result)
        return result

    def _check_interrupt(self) -> None:
        """Stop the turn if an interrupt was requested, even one Python dropped on the way (see workbench.interrupts)."""
        if self.interrupt.requested:
            raise KeyboardInterrupt

    def _stop(self, status: str, notice: str | None = None) -> None:
        self.status = status
        if notice:
            self.renderer.notice(notice)

    def _step(self) -> None:
        """One model call, and the tools it asks for."""
        if self.steps >= self.max_steps:
            return self._stop("step_limit", f"Stopped after {self.steps} model calls (the step limit; raise it "
                                            "with --max-steps).")
        if self.usage.cost_usd >= self.budget:
            return self._stop("budget", f"Stopped: this turn has cost ${self.usage.cost_usd:.4f}, at or over its "
                                        f"budget of ${self.budget:.2f} (raise it with --budget).")
        sent = self.context.fit(self.history, self.fixed_tokens)
        request = _request(self.model, self.architect.max_tokens, self.system, self.tool_defs, sent)
        self.steps += 1
        call_start = time.time()
        try:
            blocks, stop_reason, used, first_token = _stream(self.connection.sdk, request, self.renderer)
        except _StreamBroke as broke:
            return self._broke(broke, request, call_start)
        if self.connection.scripted:
            used.cost_usd = 0.0
        self.usage = self.usage + used
        if stop_reason == "max_tokens":
            blocks = [b for b in blocks if b["type"] != "tool_use"]  # a cut-off call cannot run
        message = {"role": "assistant", "content": blocks} if blocks else None
        self.log.record_call(self.steps, model=self.model, request=_request_meta(request), response=blocks,
                             stop_reason=stop_reason, usage=used, started_at=call_start, first_token_s=first_token,
                             elapsed_s=time.time() - call_start, message=message)
        if message is not None:
            self.history.append(message)
        self.texts.extend(b["text"] for b in blocks if b["type"] == "text")
        uses = [b for b in blocks if b["type"] == "tool_use"]
        if stop_reason == "max_tokens":
            return self._stop("max_tokens", "The answer reached the max_tokens limit and was cut (WORKBENCH_MAX_TOKENS).")
        if stop_reason == "refusal":
            return self._stop("refusal", "The model declined to answer this request.")
        if not uses:
            return self._stop("ok")
        results = self._run_tools(uses)
        self.history.append({"role": "user", "content": results})
        self.log.add_tool_results(results)

    def _broke(self, broke: _StreamBroke, request: dict, call_start: float) -> None:
        """The stream failed: keep the partial text (marked), record the call, raise a WorkbenchError."""
        partial = [b for b in broke.blocks if b["type"] == "text" and b["text"].strip()]
        if broke.usage is not None:
            self.usage = self.usage + broke.usage
        reason = _describe_failure(broke.cause)
        message = None
        if partial:
            partial[-1] = {"type": "text", "text": partial[-1]["text"] + f"\n\n[answer interrupted: {reason}]"}
            self.texts.extend(b["text"] for b in partial)
            message = {"role": "assistant", "content": partial}
        self.log.record_call(self.steps, model=self.model, request=_request_meta(request), response=partial,
                             stop_reason=None, usage=None, started_at=call_start, first_token_s=None,
                             elapsed_s=time.time() - call_start, error=reason, message=message)
        if partial:
            self.renderer.interrupted(reason)
        raise _turn_error(broke.cause, reason, kept=bool(partial)) from None

    def _run_tools(self, uses: list[dict]) -> list[dict]:
        results: list[dict] = []
        tools, renderer = self.architect.tools, self.renderer
        for i, use in enumerate(uses):
            renderer.tool_start(use["name"], use["input"])
            start = time.perf_counter()
            try:
                result = tools.dispatch(self.ctx, use["name"], use["input"])
                self._check_interrupt()
            except KeyboardInterrupt:
                result = ToolResult("Interrupted by the user while running.", is_error=True)
                results.append(result.as_block(use["id"]))
                for rest in uses[i + 1:]:
                    results.append(ToolResult("Not run: the user interrupted the turn.", is_error=True).as_block(rest["id"]))
                self.log.add_tool_results(results)
                renderer.tool_end(use["name"], result, time.perf_counter() - start)
                raise
            elapsed = time.perf_counter() - start
            renderer.tool_end(use["name"], result, elapsed)
            self.calls.append(ToolCall(use["name"], use["input"], result, elapsed))
            results.append(result.as_block(use["id"]))
        return results


def anthropic_omit() -> Any:
    """The SDK's marker for an argument left out."""
    import anthropic

    return anthropic.omit


def _request(model: str, max_tokens: int, system: list[dict], tool_defs: list[dict], history: list[dict]) -> dict:
    """The Messages API request: cache breakpoints on the last system block and the conversation's last block."""
    messages = _coalesce(history)
    last = messages[-1]["content"]
    last[-1] = {**last[-1], "cache_control": CACHE}
    sys_blocks = [dict(b) for b in system]
    sys_blocks[-1]["cache_control"] = CACHE
    request = {"model": model, "max_tokens": max_tokens, "system": sys_blocks, "messages": messages}
    if tool_defs:
        request["tools"] = tool_defs
    return request


def _stream(client: Any, request: dict, renderer: Renderer):
    """Stream one answer to the renderer; returns (blocks, stop_reason, usage, seconds to the first token)."""
    started = time.perf_counter()
    first_token: float | None = None
    stream = None
    try:
        with client.messages.stream(**request) as stream:
            for event in stream:
                kind = event.type
                if kind == "text":
                    if first_token is None:
                        first_token = time.perf_counter() - started
                    renderer.text(event.text, event.snapshot)
                elif kind == "content_block_start" and event.content_block.type == "tool_use":
                    if first_token is None:
                        first_token = time.perf_counter() - started
                    renderer.tool_pending(event.content_block.name)
                elif kind == "content_block_stop" and event.content_block.type == "text":
                    renderer.end_text()
            message = stream.get_final_message()
    except (Exception, KeyboardInterrupt) as exc:
        if isinstance(exc, _StreamBroke):
            raise
        snapshot = _snapshot(stream)
        blocks = _blocks(snapshot.content) if snapshot is not None else []
        used = usage_from_api(snapshot.usage, request["model"]) if snapshot is not None else None
        if isinstance(exc, KeyboardInterrupt):
            exc = KeyboardInterrupt()
        raise _StreamBroke(blocks, exc, used) from None
    if message.stop_reason is None:
        raise _StreamBroke(_blocks(message.content), ConnectionError("the stream ended before the answer was complete"),
                           usage_from_api(message.usage, request["model"]))
    return _blocks(message.content), message.stop_reason, usage_from_api(message.usage, request["model"]), first_token


def default_tools() -> ToolRegistry:
    """A registry with the built-in tools."""
    from .tools import builtin_registry

    return builtin_registry()


def _addendum(offered: list) -> str:
    lines = [
        "## Working in Architect Workbench",
        "You answer inside a Jupyter notebook; your text is rendered as Markdown. Each user message "
        "starts with a <design-state> block listing the design's artifacts at that moment.",
    ]
    if offered:
        lines.append("Produce real artifacts with the tools instead of only describing them:")
        for tool in offered:
            lines.append(f"- {tool.name}: {tool.description.splitlines()[0]}")
        lines.append("Tool results are compact summaries. A result marked as an error says what is wrong: "
                     "correct the input and call the tool again.")
    else:
        lines.append("No tools are available in this turn: answer in prose.")
    lines.append("Keep prose short and concrete; put details into artifacts.")
    return "\n".join(lines)


def _coalesce(history: list[dict]) -> list[dict]:
    """The history as the API takes it: consecutive same-role messages merged (after a failed turn).

    New message dicts and content lists; the blocks themselves are shared, not copied (the
    caller replaces, never mutates, the one block it marks for the cache).
    """
    out: list[dict] = []
    for msg in history:
        content = msg["content"]
        content = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
        if out and out[-1]["role"] == msg["role"]:
            out[-1]["content"].extend(content)
        else:
            out.append({"role": msg["role"], "content": content})
    return out


def _snapshot(stream: Any) -> Any:
    if stream is None:
        return None
    try:
        return stream.current_message_snapshot
    except (AssertionError, AttributeError):
        return None


def _blocks(content: list) -> list[dict]:
    out = []
    for block in content:
        if block.type == "text":
            if block.text:
                out.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            out.append({"type": "tool_use", "id": block.id, "name": block.name,
                        "input": block.input if isinstance(block.input, dict) else {}})
        else:
            out.append(block.model_dump(mode="json", exclude_none=True))
    return out


def _request_meta(request: dict) -> dict:
    return {"model": request["model"], "max_tokens": request["max_tokens"],
            "system_chars": sum(len(b["text"]) for b in request["system"]),
            "tools": [t["name"] for t in request.get("tools", [])], "messages": len(request["messages"])}


def _describe_failure(exc: BaseException) -> str:
    import anthropic

    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by you"
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        err = body.get("error", body) if isinstance(body, dict) else {}
        kind = err.get("type") if isinstance(err, dict) else None
        msg = err.get("message") if isinstance(err, dict) else None
        if exc.status_code == 200:  # an `error` event inside a 200 stream
            return f"the API sent an error mid-stream ({kind or 'error'}: {msg or exc.message})"
        return f"the API answered {exc.status_code} ({kind or 'error'}: {msg or exc.message})"
    if isinstance(exc, anthropic.APIConnectionError):
        return "the connection to the model API failed"
    name = type(exc).__name__
    if "Protocol" in name or "Connection" in name or "Read" in name:
        return "the connection to the model API dropped"
    return redact(f"{name}: {exc}")


def _turn_error(exc: BaseException, reason: str, *, kept: bool) -> WorkbenchError:
    import anthropic

    kept_note = (" The partial answer is kept (marked as interrupted) and the conversation stays valid."
                 if kept else " Nothing was added to the conversation.")
    if isinstance(exc, KeyboardInterrupt):
        return StreamInterrupted("Interrupted by you." + kept_note + " The next %%architect cell continues it.")
    if isinstance(exc, anthropic.AuthenticationError):
        return AuthenticationFailed("The model API refused the API key (401 authentication_error).",
                                    hint="Check ANTHROPIC_API_KEY (a new key from console.anthropic.com) "
                                         "and run `%architect doctor`.")
    if isinstance(exc, anthropic.PermissionDeniedError):
        return ModelError(f"The key may not use this model or feature ({reason}).",
                          hint="Pick another model with `%architect model NAME`.")
    if isinstance(exc, anthropic.NotFoundError):
        return ModelError(f"Not found: {reason}.", hint="Check the model name with `%architect model`.")
    if isinstance(exc, anthropic.RateLimitError | anthropic.InternalServerError):
        return ModelError(f"The model API is still failing after the retries: {reason}.",
                          hint="Try again in a minute; WORKBENCH_MAX_RETRIES raises the number of retries.")
    if isinstance(exc, anthropic.BadRequestError):
        return ModelError(f"The model API rejected the request: {reason}.")
    return StreamInterrupted(f"The answer broke off: {reason}." + kept_note)
