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

import copy
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ..config import redact, settings
from ..errors import AuthenticationFailed, ModelError, StreamInterrupted, WorkbenchError
from .definitions import AgentDefinition, load_agent
from .models import Usage, resolve_model
from .registry import ToolContext, ToolRegistry, ToolResult
from .render import Renderer

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
    """A conversation with an agent about one design; it continues across calls and restarts."""

    def __init__(self, design: Any = "default", *, agent: str | AgentDefinition | None = None,
                 model: str | None = None, tools: ToolRegistry | None = None, client: Any = None,
                 reporter: Any = None, base_url: str | None = None, api_key: str | None = None, bash: bool = False,
                 max_steps: int | None = None, budget_usd: float | None = None,
                 max_tokens: int | None = None, note: str | None = None, scripted: bool = False,
                 labs: Any = None) -> None:
        from ..design.design import Design

        self.design = design if isinstance(design, Design) else Design(str(design))
        self._agent_arg = agent
        self._model_arg = model
        self.tools = tools if tools is not None else default_tools()
        self._client = client
        self._reporter = reporter  # the RetryReporter of `client`, if it has one
        self._base_url = base_url
        self._api_key = api_key
        self.bash = bash
        cfg = settings()
        self.max_steps = max_steps if max_steps is not None else cfg.max_steps
        self.budget_usd = budget_usd if budget_usd is not None else cfg.budget_usd
        self.max_tokens = max_tokens or int(os.environ.get("WORKBENCH_MAX_TOKENS") or 8192)
        self.note = note  # shown at the start of each turn, e.g. "scripted model"
        self.scripted = scripted  # answers from a script: tokens are counted, nothing is charged
        self.labs = labs  # lab databases shared with the notebook (created on first use otherwise)

    # -- configuration ---------------------------------------------------------------------
    @property
    def agent(self) -> AgentDefinition:
        """The agent definition: the one given, else the design's, else backend-architect."""
        return self._agent(self.design._row())

    def _agent(self, row: dict) -> AgentDefinition:
        if isinstance(self._agent_arg, AgentDefinition):
            return self._agent_arg
        return load_agent(self._agent_arg or row["agent"] or None)

    @property
    def model(self) -> str:
        """The model id used: -m, else the design's `%architect model`, WORKBENCH_MODEL, the agent's, sonnet."""
        row = self.design._row()
        return self._model(row, self._agent(row))

    def _model(self, row: dict, agent: AgentDefinition) -> str:
        return resolve_model(self._model_arg or row["model"] or settings().model or agent.model)

    @property
    def client(self) -> Any:
        if self._client is None:
            from .client import make_client

            self._client, self._reporter = make_client(api_key=self._api_key, base_url=self._base_url)
        return self._client

    def history(self) -> list[dict]:
        """The stored conversation of the design (current conversation)."""
        return self.design.messages()

    def reset(self) -> None:
        """Start a new conversation for the design (artifacts are kept)."""
        self.design.reset_conversation()

    def system_blocks(self, agent: AgentDefinition, offered: list) -> list[dict]:
        blocks = [{"type": "text", "text": agent.system_prompt}]
        blocks.append({"type": "text", "text": _addendum(offered)})
        return blocks

    # -- a turn ----------------------------------------------------------------------------
    def ask(self, prompt: str, *, renderer: Renderer | None = None, max_steps: int | None = None,
            budget_usd: float | None = None, use_tools: bool = True) -> TurnResult:
        """Send `prompt`, run tools until the agent is done, and return the TurnResult."""
        if not prompt or not prompt.strip():
            raise WorkbenchError("The prompt is empty.", hint="Write your requirements or question in the cell.")
        renderer = renderer or Renderer()
        design = self.design
        row = design._row()
        agent = self._agent(row)
        model = self._model(row, agent)
        client = self.client  # raises MissingAPIKey before anything is stored
        max_steps = self.max_steps if max_steps is None else max_steps
        budget = self.budget_usd if budget_usd is None else budget_usd
        offered = self.tools.select(agent.tools, bash_enabled=self.bash) if use_tools else []
        tool_defs = [t.definition() for t in offered]
        system = self.system_blocks(agent, offered)
        conversation = int(row["conversation"])
        if row["requirements"] is None:
            design.requirements = prompt
        history = design.store.messages(design.id, conversation)
        state = f"<design-state>\n{design.state_summary()}\n</design-state>"
        user_msg = {"role": "user", "content": [{"type": "text", "text": state}, {"type": "text", "text": prompt}]}
        history.append(user_msg)
        pending_store: list[dict] = [user_msg]  # the prompt is stored with the first answer

        recorded = f"scripted model (as {model})" if self.scripted else model  # never passed off as Claude's
        turn_id = design.store.start_turn(design.id, conversation, prompt, agent=agent.name, model=recorded,
                                          system="\n\n".join(b["text"] for b in system))
        renderer.begin_turn(design=design.name, agent=agent.name, model=model, note=self.note)
        if self._reporter is not None:
            self._reporter.listener = renderer.notice
        if self.labs is None:
            from ..design.labs import DesignLabs

            self.labs = DesignLabs()
        ctx = ToolContext(design=design, show=renderer.show, turn_id=turn_id, bash_enabled=self.bash,
                          notice=renderer.notice, labs=self.labs)

        def store(msg: dict) -> None:
            pending_store.append(msg)
            for m in pending_store:
                design.store.append_message(design.id, conversation, turn_id, m["role"], m["content"])
            pending_store.clear()

        usage = Usage()
        steps = 0
        texts: list[str] = []
        calls: list[ToolCall] = []
        status = "ok"
        started = time.perf_counter()
        error: str | None = None
        try:
            while True:
                if steps >= max_steps:
                    status = "step_limit"
                    renderer.notice(f"Stopped after {steps} model calls (the step limit; raise it with --max-steps).")
                    break
                if usage.cost_usd >= budget:
                    status = "budget"
                    renderer.notice(f"Stopped: this turn has cost ${usage.cost_usd:.4f}, at or over its budget of "
                                    f"${budget:.2f} (raise it with --budget).")
                    break
                request = self._request(model, system, tool_defs, history)
                steps += 1
                call_start = time.time()
                try:
                    blocks, stop_reason, step_usage, first_token = self._stream(client, request, renderer)
                except _StreamBroke as broke:
                    partial = [b for b in broke.blocks if b["type"] == "text" and b["text"].strip()]
                    if broke.usage is not None:
                        usage = usage + broke.usage
                    reason = _describe_failure(broke.cause)
                    design.store.record_call(turn_id, steps, model=model, request=_request_meta(request),
                                             response=partial, stop_reason=None, usage=None, cost_usd=0.0,
                                             started_at=call_start, first_token_s=None,
                                             elapsed_s=time.time() - call_start, error=reason)
                    if partial:
                        partial[-1] = {"type": "text", "text": partial[-1]["text"] + f"\n\n[answer interrupted: {reason}]"}
                        texts.extend(b["text"] for b in partial)
                        store({"role": "assistant", "content": partial})
                        renderer.interrupted(reason)
                    raise _turn_error(broke.cause, reason, kept=bool(partial)) from None
                if self.scripted:
                    step_usage.cost_usd = 0.0
                usage = usage + step_usage
                design.store.record_call(turn_id, steps, model=model, request=_request_meta(request),
                                         response=blocks, stop_reason=stop_reason, usage=step_usage.to_dict(),
                                         cost_usd=step_usage.cost_usd, started_at=call_start,
                                         first_token_s=first_token, elapsed_s=time.time() - call_start)
                if stop_reason == "max_tokens":
                    blocks = [b for b in blocks if b["type"] != "tool_use"]  # a cut-off call cannot run
                texts.extend(b["text"] for b in blocks if b["type"] == "text")
                uses = [b for b in blocks if b["type"] == "tool_use"]
                if blocks:
                    assistant = {"role": "assistant", "content": blocks}
                    history.append(assistant)
                    store(assistant)
                if stop_reason == "max_tokens":
                    status = "max_tokens"
                    renderer.notice("The answer reached the max_tokens limit and was cut (WORKBENCH_MAX_TOKENS).")
                    break
                if stop_reason == "refusal":
                    status = "refusal"
                    renderer.notice("The model declined to answer this request.")
                    break
                if not uses:
                    break
                results = self._run_tools(uses, ctx, renderer, calls)
                tool_msg = {"role": "user", "content": results}
                history.append(tool_msg)
                store(tool_msg)
        except KeyboardInterrupt:
            status, error = "interrupted", "interrupted by the user"
            raise StreamInterrupted("Interrupted by you. The partial answer is kept and the conversation "
                                    "stays valid; the next %%architect cell continues it.") from None
        except WorkbenchError as exc:
            status, error = ("interrupted" if isinstance(exc, StreamInterrupted) else "error"), str(exc)
            raise
        except Exception as exc:
            status, error = "error", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            elapsed = time.perf_counter() - started
            design.store.finish_turn(turn_id, status=status, steps=steps, usage=usage.to_dict(),
                                     cost_usd=usage.cost_usd, elapsed_s=elapsed,
                                     error=redact(error) if error else None)
            if self._reporter is not None:
                self._reporter.listener = None
        result = TurnResult(text="\n\n".join(texts), status=status, usage=usage, steps=steps,
                            elapsed_s=time.perf_counter() - started, turn_id=turn_id, model=model,
                            tool_calls=calls, scripted=self.scripted)
        renderer.end_turn(result)
        return result

    # -- pieces ----------------------------------------------------------------------------
    def _request(self, model: str, system: list[dict], tool_defs: list[dict], history: list[dict]) -> dict:
        messages = _coalesce(history)
        last = messages[-1]["content"]
        last[-1] = {**last[-1], "cache_control": CACHE}
        sys_blocks = [dict(b) for b in system]
        sys_blocks[-1]["cache_control"] = CACHE
        request = {"model": model, "max_tokens": self.max_tokens, "system": sys_blocks, "messages": messages}
        if tool_defs:
            request["tools"] = tool_defs
        return request

    def _stream(self, client: Any, request: dict, renderer: Renderer):
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
            used = Usage.from_api(snapshot.usage, request["model"]) if snapshot is not None else None
            if isinstance(exc, KeyboardInterrupt):
                exc = KeyboardInterrupt()
            raise _StreamBroke(blocks, exc, used) from None
        if message.stop_reason is None:
            raise _StreamBroke(_blocks(message.content), ConnectionError("the stream ended before the answer was complete"),
                               Usage.from_api(message.usage, request["model"]))
        return _blocks(message.content), message.stop_reason, Usage.from_api(message.usage, request["model"]), first_token

    def _run_tools(self, uses: list[dict], ctx: ToolContext, renderer: Renderer, calls: list[ToolCall]) -> list[dict]:
        results: list[dict] = []
        for i, use in enumerate(uses):
            renderer.tool_start(use["name"], use["input"])
            start = time.perf_counter()
            try:
                result = self.tools.dispatch(ctx, use["name"], use["input"])
            except KeyboardInterrupt:
                result = ToolResult("Interrupted by the user while running.", is_error=True)
                results.append(result.as_block(use["id"]))
                for rest in uses[i + 1:]:
                    results.append(ToolResult("Not run: the user interrupted the turn.", is_error=True).as_block(rest["id"]))
                ctx.design.store.append_message(ctx.design.id, ctx.design.conversation, ctx.turn_id, "user", results)
                renderer.tool_end(use["name"], result, time.perf_counter() - start)
                raise
            elapsed = time.perf_counter() - start
            renderer.tool_end(use["name"], result, elapsed)
            calls.append(ToolCall(use["name"], use["input"], result, elapsed))
            results.append(result.as_block(use["id"]))
        return results


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
    """A copy of the history with consecutive same-role messages merged (after a failed turn)."""
    out: list[dict] = []
    for msg in history:
        content = copy.deepcopy(msg["content"])
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
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
