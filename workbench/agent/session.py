"""The agent loop: one `Architect` per design, one `ask()` per turn.

Our own loop on `client.beta.messages.stream` (not the SDK's tool runner), because a turn must
show tool activity as it happens, survive interrupts, and keep the stored history valid.

A conversation is append-only (the API's prefix check refuses anything else on the models that
preserve thinking: build-with-claude/preserved-thinking/prefix-checks):

1. The frame — `system` (agent prompt + an addendum that depends only on the frame's tools), `tools`
   (every tool the agent may have; bash refuses until --bash) and the model — is fixed for the
   conversation. `--no-tools` sends `tool_choice: none`, which is not part of the prefix. Another
   frame (a changed agent file, another model) opens a new conversation and says so.
2. The design's current state rides in each new user message, never in `system`.
3. What was sent is what is stored: messages are redacted before they are sent (signed blocks are
   kept verbatim), so a restart sends the same bytes.
4. The context is bounded by the API's on-demand compaction (compaction.py): when the next request
   would pass the budget, a compaction request turns the view into one signed block, stored as a
   message; later requests start from it. Old artifact versions stay in the design store
   (read_artifact). Chosen over threshold compaction because the loop decides the moment (between
   calls, never inside an answer) and knows what the block replaced.
5. Every stop reason is handled as the docs say (see _Turn.after_answer); a cut-off tool call never
   runs and is never silently dropped.
6. Crash and interrupt repair only append (design.turns).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import interrupts
from ..config import settings
from ..design.store import clean_content, secret_in_signed
from ..design.usage import Usage
from ..errors import StreamInterrupted, WorkbenchError
from ..secrets import redact
from ..subagent import AgentDefinition, load_agent
from . import compaction
from .client import Connection, connect, provider
from .models import ModelInfo, model_info, provider_model_id, resolve_model
from .registry import ToolContext, ToolRegistry, ToolResult
from .renderer import Renderer
from .stream import StreamBroke, describe_failure, retryable_event, stream_answer, too_long, turn_error

if TYPE_CHECKING:
    from ..design.aggregate import Design
    from ..design.turns import TurnLog

CACHE = {"type": "ephemeral"}
BETA_BINDING = "thinking-binding-controls-2026-08-01"
EVENT_RETRIES = 2  # an `error` event before any content is retried this often, with backoff


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
    status: str  # ok | step_limit | budget | max_tokens | refusal | withheld
    usage: Usage
    steps: int
    elapsed_s: float
    turn_id: int
    model: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    scripted: bool = False
    thinking: str = ""
    stop_details: dict | None = None

    def footer(self) -> str:
        status = "" if self.status == "ok" else f" · stopped: {self.status.replace('_', ' ')}"
        usage = self.usage.summary()
        if self.scripted:
            usage = usage.rsplit(" · $", 1)[0] + " · scripted model, no charge"
        return f"{usage} · {self.steps} call{'s' if self.steps != 1 else ''} · {self.elapsed_s:.1f} s{status}"

    def __repr__(self) -> str:
        return f"<TurnResult {self.status}: {len(self.text)} chars, {len(self.tool_calls)} tool calls; {self.footer()}>"


class Architect:
    """A conversation with an agent about one design; it continues across calls and restarts.

    design: a Design or its name. agent: a definition or its name/file (default: the design's,
    else backend-architect). model: an alias or id for these turns. tools: the registry (default:
    the built-in tools). client: a Connection or an SDK client (default: from the environment).
    script: a YAML script of answers, played by a loopback server when no API key is set (the
    `%architect script` twin). bash: let the bash tool run. effort: low … max (default: the agent's
    `effort`, else the model's). max_steps, budget_usd, max_tokens: limits per turn (defaults from
    the agent's maxTurns or WORKBENCH_MAX_STEPS, WORKBENCH_BUDGET, and the model's own output limit
    or WORKBENCH_MAX_TOKENS).
    """

    def __init__(self, design: Design | str = "default", *, agent: str | AgentDefinition | None = None,
                 model: str | None = None, tools: ToolRegistry | None = None, client: Any = None,
                 script: str | Path | None = None, bash: bool = False, max_steps: int | None = None,
                 budget_usd: float | None = None, max_tokens: int | None = None, effort: str | None = None) -> None:
        from ..design.aggregate import Design

        self.design = design if isinstance(design, Design) else Design(str(design))
        self._agent_arg = agent
        self._model_arg = model
        self.tools = tools if tools is not None else default_tools()
        self._connection = client if client is None or isinstance(client, Connection) else Connection(client)
        self.script = script
        self.bash = bash
        self.effort = effort
        cfg = settings()
        self._max_steps = max_steps
        self.budget_usd = budget_usd if budget_usd is not None else cfg.budget_usd
        self._max_tokens = max_tokens or (int(os.environ["WORKBENCH_MAX_TOKENS"])
                                          if os.environ.get("WORKBENCH_MAX_TOKENS") else None)

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

    @property
    def max_steps(self) -> int:
        if self._max_steps is not None:
            return self._max_steps
        return self.agent.max_turns or settings().max_steps

    @max_steps.setter
    def max_steps(self, value: int) -> None:
        self._max_steps = value

    def _model(self, agent: AgentDefinition) -> str:
        chosen = self._model_arg or self.design.model_choice or settings().model or agent.model
        return resolve_model(None if chosen == "inherit" else chosen)

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

    def frame_tools(self, agent: AgentDefinition) -> list:
        """Every tool the agent may have in a conversation (bash included; it refuses until --bash)."""
        return self.tools.select(agent.tools, disallowed=agent.disallowed_tools, design_tools=agent.design_tools)

    def system_blocks(self, agent: AgentDefinition, offered: list) -> list[dict]:
        return [{"type": "text", "text": agent.system_prompt}, {"type": "text", "text": _addendum(offered)}]

    def model_info(self, model: str) -> ModelInfo:
        """What the model accepts: the Models API (once per process), else the dated catalogue."""
        client = self.connection.sdk if provider() == "anthropic" else None
        return model_info(model, client)

    # -- a turn ----------------------------------------------------------------------------
    def ask(self, prompt: str, *, renderer: Renderer | None = None, max_steps: int | None = None,
            budget_usd: float | None = None, use_tools: bool = True, take_over: bool = False) -> TurnResult:
        """Send `prompt`, run tools until the agent is done, and return the TurnResult.

        One turn at a time per design: while another kernel runs one, this waits (WORKBENCH_LOCK_WAIT)
        and then raises DesignBusy; take_over=True runs anyway and closes the other turn as interrupted.
        use_tools=False: the model may not call tools this turn (`tool_choice: none`; the tools stay defined).
        """
        if not prompt or not prompt.strip():
            raise WorkbenchError("The prompt is empty.", hint="Write your requirements or question in the cell.")
        renderer = renderer or Renderer()
        agent = self.agent
        for warning in agent.warnings:
            renderer.notice(warning)
        model = self._model(agent)
        connection = self.connection  # raises MissingAPIKey before anything is stored
        info = self.model_info(model)  # a model the API does not know: ModelError naming the valid ids
        offered = self.frame_tools(agent)
        if self.bash and not any(t.name == "bash" for t in offered):
            renderer.notice(f"--bash has no effect: the agent {agent.name} does not list Bash in its tools.")
        system = self.system_blocks(agent, offered)
        tool_defs = [t.definition() for t in offered]
        frame = frame_key(model, system, tool_defs, _endpoint(connection))
        recorded = f"scripted model (as {model})" if connection.scripted else model  # never passed off as Claude's
        log = self.design.start_turn(prompt, agent=agent.name, model=recorded,
                                     system="\n\n".join(b["text"] for b in system), frame=frame, take_over=take_over)
        if log.restarted:
            renderer.notice(f"This turn starts a new conversation on design {self.design.name}: {log.restarted}, "
                            "and the API only continues a conversation whose instructions and tools stay the same. "
                            "The design's artifacts are all kept; the agent sees them in the design state.")
        if log.repaired:
            renderer.notice(f"The previous turn on design {self.design.name} was cut off (the kernel stopped): "
                            f"{log.repaired} unfinished tool call(s) are now marked as interrupted.")
        effort = self.effort or agent.effort
        if effort and effort not in info.effort:
            accepted = ", ".join(info.effort) or "none"
            renderer.notice(f"Effort {effort!r} is not one {model} takes (it takes: {accepted}); the model's default "
                            "effort is used.")
            effort = None
        settings_ = _Settings(model=model, info=info, system=system, tool_defs=tool_defs, use_tools=use_tools,
                              effort=effort,
                              max_tokens=min(self._max_tokens or info.max_output, info.max_output),
                              max_steps=self.max_steps if max_steps is None else max_steps,
                              budget=self.budget_usd if budget_usd is None else budget_usd)
        turn = _Turn(self, log, connection, settings_, renderer)
        renderer.begin_turn(design=self.design.name, agent=agent.name, model=model, note=connection.note)
        return turn.run(prompt)


@dataclass
class _Settings:
    """What a turn's requests are made of."""

    model: str
    info: ModelInfo
    system: list[dict]
    tool_defs: list[dict]
    use_tools: bool
    effort: str | None
    max_tokens: int
    max_steps: int
    budget: float


class _Turn:
    """One turn's state while it runs: the view sent, usage, steps, texts and tool calls."""

    def __init__(self, architect: Architect, log: TurnLog, connection: Connection, cfg: _Settings,
                 renderer: Renderer) -> None:
        self.architect, self.log, self.connection, self.cfg, self.renderer = architect, log, connection, cfg, renderer
        self.model = cfg.model
        self.history = [{"role": m["role"], "content": m["content"]} for m in log.history]  # the view
        self.usage = Usage()
        self.steps = 0
        self.texts: list[str] = []
        self.thinking: list[str] = []
        self.calls: list[ToolCall] = []
        self.status: str | None = None
        self.stop_details: dict | None = None
        self.interrupt = interrupts.InterruptFlag()
        self.ctx = ToolContext(design=architect.design, show=renderer.show, turn_id=log.id,
                               bash_enabled=architect.bash, notice=renderer.notice)
        self.size = compaction.Size.from_state(log.context, self.history,
                                                compaction.estimate(cfg.system) + compaction.estimate(cfg.tool_defs))
        self.budget_tokens = compaction.budget(settings().context_budget, cfg.info)
        # the most one step (an answer and its tool results) has added: compaction comes a step early, so that
        # neither the next request nor the compaction request itself passes the window
        self.step_growth = int(log.context.get("step_growth") or 0)
        self.checked_at: int | None = None
        self.must_compact = False  # the window was reached: compact before the next call, whatever the estimate
        self.warned_budget = False
        self.compacted_len: int | None = None  # the view's length right after this turn's last compaction
        self.event_retries = 0
        self.shrunk = False  # compacted because the API said the request was too long (once per turn)
        self.prompt_stored = False

    # -- the loop ----------------------------------------------------------------------------
    def run(self, prompt: str) -> TurnResult:
        """Ask until the agent ends its turn or a limit stops it; the history stays valid whatever happens."""
        user = {"role": "user", "content": clean_content([
            {"type": "text", "text": f"<design-state>\n{self.log.state}\n</design-state>"},
            {"type": "text", "text": prompt}])}
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
            if self.prompt_stored:  # the size of the view, so the next turn need not measure it again
                self.log.save_context({**self.log.context, "tokens": self.size.tokens, "messages": len(self.history),
                                       "step_growth": self.step_growth})
            self.log.finish(status=self.status or "error", steps=self.steps, usage=self.usage,
                            elapsed_s=time.perf_counter() - started, error=redact(error) if error else None)
            if reporter is not None:
                reporter.listener = None
        result = TurnResult(text="\n\n".join(self.texts), status=self.status, usage=self.usage, steps=self.steps,
                            elapsed_s=time.perf_counter() - started, turn_id=self.log.id, model=self.model,
                            tool_calls=self.calls, scripted=self.connection.scripted,
                            thinking="\n\n".join(self.thinking), stop_details=self.stop_details)
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

    def _append(self, message: dict, *, store: bool = True) -> None:
        """Add a message to the view (and to the store's pending writes)."""
        message = {"role": message["role"], "content": clean_content(message["content"])}
        self.history.append(message)
        self.size.grow(message)
        if store:
            self.log.add(message)

    def _step(self) -> None:
        """One model call, and the tools it asks for."""
        cfg = self.cfg
        if self.steps >= cfg.max_steps:
            return self._stop("step_limit", f"Stopped after {self.steps} model calls (the step limit; raise it "
                                            "with --max-steps or the agent's maxTurns).")
        if self.usage.cost_usd >= cfg.budget:
            return self._stop("budget", f"Stopped: this turn has cost ${self.usage.cost_usd:.4f}, at or over its "
                                        f"budget of ${cfg.budget:.2f} (raise it with --budget).")
        if self.checked_at is not None:
            self.step_growth = max(self.step_growth, self.size.tokens - self.checked_at)
        ahead = min(self.step_growth, self.budget_tokens // 2)  # a step larger than that cannot be made room for
        over = self.size.tokens + ahead > self.budget_tokens
        if (over or self.must_compact) and self.history[-1]["role"] == "user" and self._compactable():
            self._compact("the model's context window was reached" if self.must_compact and not over else
                          f"the conversation is about {self.size.tokens:,} tokens, and one more step of up to "
                          f"{ahead:,} would pass the budget of {self.budget_tokens:,} (WORKBENCH_CONTEXT_BUDGET)")
        elif over and not self.warned_budget and not self._compactable():
            self.warned_budget = True
            self.renderer.notice(f"The conversation was just compacted and is still about {self.size.tokens:,} "
                                 f"tokens against a budget of {self.budget_tokens:,}: raise WORKBENCH_CONTEXT_BUDGET "
                                 "(the instructions, tools and this turn alone take that much).")
        self.must_compact = False
        self.checked_at = self.size.tokens
        request, betas = self._request()
        self.steps += 1
        call_start = time.time()
        try:
            answer = stream_answer(self.connection.sdk, request, betas, self.renderer)
        except StreamBroke as broke:
            return self._broke(broke, request, call_start)
        self.event_retries = 0
        if self.connection.scripted:
            answer.usage.cost_usd = 0.0
        self.usage = self.usage + answer.usage
        self.size.measured(answer.usage)
        self._after_answer(answer, request, call_start)

    def _after_answer(self, answer, request: dict, call_start: float) -> None:
        """Store the answer and act on its stop reason as the API documents (handling-stop-reasons)."""
        blocks, stop = answer.blocks, answer.stop_reason
        cut = stop in ("max_tokens", "model_context_window_exceeded") and bool(blocks) and \
            blocks[-1]["type"] == "tool_use"
        if cut and stop == "max_tokens" and request["max_tokens"] < self.cfg.info.max_output:
            self._record(request, answer, call_start, None)
            self.cfg.max_tokens = self.cfg.info.max_output
            self.renderer.notice(f"The answer reached max_tokens ({request['max_tokens']:,}) inside a call to "
                                 f"{blocks[-1]['name']}; asking again with the model's limit "
                                 f"({self.cfg.info.max_output:,}).")
            return None
        kept = blocks[:-1] if cut else blocks  # a cut-off tool call never runs
        if any(b["type"] == "tool_use" for b in kept) and secret_in_signed(kept):
            # signed thinking cannot be masked, and must go back with the tool results: the answer is not kept
            self._record(request, answer, call_start, None)
            self.log.flush()  # the prompt stays (masked); the next prompt follows it
            self.prompt_stored = True
            return self._stop("withheld", "The model's answer repeated a secret inside its (signed) thinking, which "
                                          "cannot be masked; the answer and its tool calls were not kept, so the "
                                          "secret is neither stored nor sent again. Ask again without the secret.")
        message = {"role": "assistant", "content": clean_content(kept)} if kept else None
        self._record(request, answer, call_start, message)
        self.texts.extend(b["text"] for b in kept if b["type"] == "text")
        self.thinking.extend(b["thinking"] for b in kept if b["type"] == "thinking" and b.get("thinking"))
        if stop == "refusal":
            return self._refused(answer)
        if stop == "pause_turn":
            return None  # the API paused a long turn: send the answer back as it is and it goes on
        uses = [b for b in kept if b["type"] == "tool_use"]
        if stop in ("max_tokens", "model_context_window_exceeded"):
            return self._cut_off(stop, blocks[-1] if cut else None, uses)
        if not uses:
            return self._stop("ok")
        results = self._run_tools(uses)
        self._append({"role": "user", "content": results}, store=False)
        self.log.add_tool_results(self.history[-1]["content"])

    def _record(self, request: dict, answer, call_start: float, message: dict | None) -> None:
        self.log.record_call(self.steps, model=self.model, request=_request_meta(request), response=answer.blocks,
                             stop_reason=answer.stop_reason, usage=answer.usage, started_at=call_start,
                             first_token_s=answer.first_token_s, elapsed_s=time.time() - call_start, message=message)
        if message is not None:
            self.history.append(message)
            self.size.grow(message)
            self.prompt_stored = True

    def _cut_off(self, stop: str, call: dict | None, complete: list[dict]) -> None:
        """The answer was cut (output limit or the end of the context window): say so and let the model go on.
        Calls the answer finished before the cut run as usual; the note follows their results."""
        where = "the output limit" if stop == "max_tokens" else "the end of the model's context window"
        if call is not None:
            note = (f"Your previous answer was cut off at {where} while you were writing a call to {call['name']}, "
                    "so that call was not run. Make the artifact in smaller parts: e.g. propose the schema in "
                    "groups of tables (each call adds to the newest version with the same name when you include "
                    "the earlier tables), or shorten what the call carries.")
            self.renderer.notice(f"The answer was cut off at {where} inside a call to {call['name']}; the call was "
                                 "not run, and the agent is asked to split it.")
        else:
            note = "Your previous answer was cut off at " + where + ". Continue exactly where it stopped."
            self.renderer.notice(f"The answer was cut off at {where}; the agent is asked to continue.")
        results = self._run_tools(complete) if complete else []
        self._append({"role": "user", "content": results + [{"type": "text", "text": note}]}, store=False)
        self.log.add_tool_results(self.history[-1]["content"])  # with the prompt, if that is still waiting
        self.prompt_stored = True
        if stop == "model_context_window_exceeded":
            self.must_compact = True

    def _refused(self, answer) -> None:
        """A refusal: show why, and leave this turn out of later requests (else the refusal repeats)."""
        details = answer.stop_details or {}
        self.stop_details = details or None
        category = details.get("category") or "unspecified"
        explanation = details.get("explanation") or "no explanation given"
        self.log.flush()
        self.log.exclude_from_conversation()
        self._stop("refusal", f"The model declined this request (category: {category}; {explanation}). This turn "
                              "is kept in the history but left out of the conversation from now on, so the design "
                              "stays usable: rephrase the request in the next cell.")

    def _request(self) -> tuple[dict, list[str]]:
        cfg = self.cfg
        request = build_request(cfg, self.history)
        betas = [BETA_BINDING] if "thinking" in request else []
        if compaction.in_view(self.history):
            betas.append(compaction.BETA)
        return request, betas

    def _compactable(self) -> bool:
        """Something to compact: more than the prompt, and more than the view the last compaction left."""
        if len(self.history) <= 1:
            return False
        return self.compacted_len is None or len(self.history) > self.compacted_len + 1

    def _compact(self, why: str) -> None:
        """Replace the view by one compaction block (or, without compaction, by a summary) and go on."""
        pending_prompt = not self.prompt_stored
        self.renderer.notice(f"Compacting the conversation: {why}…")
        started = time.time()
        # exactly what was sent before: a prompt not yet answered is not summarised, it follows the summary
        covered = self.history[:-1] if pending_prompt else self.history
        try:
            block, used = compaction.compact(self.connection.sdk, self.cfg, covered)
        except compaction.Unsupported as exc:
            self.renderer.notice(f"The API could not compact ({exc}); the conversation goes on from a plain summary "
                                 "of what was asked and done instead.")
            block, used = compaction.summary_block(covered, reason=str(exc)), None
        if used is not None:
            if self.connection.scripted:
                used.cost_usd = 0.0
            self.usage = self.usage + used
            self.log.record_call(self.steps, model=self.model, request={"model": self.model, "compaction": True},
                                 response=[block], stop_reason="compaction", usage=used, started_at=started,
                                 first_token_s=None, elapsed_s=time.time() - started)
        head = compaction.head_message(block)
        tail = [self.history[-1]] if pending_prompt else [compaction.continue_note()]
        ids = self.log.store_now([head] + ([] if pending_prompt else tail))
        self.history = [head] + tail
        self.compacted_len = len(self.history)
        self.size.reset(self.history)
        self.log.save_context({**self.log.context, "view_from": ids[0] - 1})
        self.renderer.notice(f"Compacted: the conversation now starts from a summary of about "
                             f"{self.size.tokens:,} tokens; every artifact version stays in the design.")

    def _broke(self, broke: StreamBroke, request: dict, call_start: float) -> None:
        """The stream failed: retry what the docs say to retry, else keep the partial text and raise."""
        partial = [b for b in broke.blocks if b["type"] == "text" and b["text"].strip()]
        if broke.usage is not None:
            self.usage = self.usage + broke.usage
        reason = describe_failure(broke.cause)
        if not broke.blocks and retryable_event(broke.cause) and self.event_retries < EVENT_RETRIES:
            self.event_retries += 1
            wait = 0.5 * 2 ** (self.event_retries - 1)
            self.renderer.notice(f"The model API sent an error before any answer ({reason}); retrying in "
                                 f"{wait:.1f} s (retry {self.event_retries} of {EVENT_RETRIES})…")
            self._record_failure(request, call_start, reason, None)
            time.sleep(wait)
            return None
        if too_long(broke.cause) and not self.shrunk and len(self.history) > 1:
            self.shrunk = True
            self._record_failure(request, call_start, reason, None)
            self._compact(f"the API answered that the request is too long ({reason})")
            return None
        message = None
        if partial:
            partial[-1] = {"type": "text", "text": partial[-1]["text"] + f"\n\n[answer interrupted: {reason}]"}
            self.texts.extend(b["text"] for b in partial)
            message = {"role": "assistant", "content": clean_content(partial)}
        self._record_failure(request, call_start, reason, message, partial)
        if partial:
            self.renderer.interrupted(reason)
        raise turn_error(broke.cause, reason, kept=bool(partial)) from None

    def _record_failure(self, request: dict, call_start: float, reason: str, message: dict | None,
                        partial: list | None = None) -> None:
        self.log.record_call(self.steps, model=self.model, request=_request_meta(request), response=partial or [],
                             stop_reason=None, usage=None, started_at=call_start, first_token_s=None,
                             elapsed_s=time.time() - call_start, error=reason, message=message)

    def _run_tools(self, uses: list[dict]) -> list[dict]:
        results: list[dict] = []
        tools, renderer = self.architect.tools, self.renderer
        for i, use in enumerate(uses):
            renderer.tool_start(use["name"], use["input"])
            start = time.perf_counter()
            interrupted = False
            try:
                result = tools.dispatch(self.ctx, use["name"], use["input"])
            except KeyboardInterrupt:
                result, interrupted = ToolResult("Interrupted by the user while running.", is_error=True), True
            interrupted = interrupted or self.interrupt.requested  # a call that finished keeps its real result
            if interrupted:
                results.append(result.as_block(use["id"]))
                for rest in uses[i + 1:]:
                    results.append(ToolResult("Not run: the user interrupted the turn.", is_error=True).as_block(rest["id"]))
                self.log.add_tool_results(clean_content(results))
                renderer.tool_end(use["name"], result, time.perf_counter() - start)
                raise KeyboardInterrupt
            elapsed = time.perf_counter() - start
            renderer.tool_end(use["name"], result, elapsed)
            self.calls.append(ToolCall(use["name"], use["input"], result, elapsed))
            results.append(result.as_block(use["id"]))
        return results


def frame_key(model: str, system: list[dict], tool_defs: list[dict], endpoint: str = "") -> str:
    """What a conversation keeps identical in every request: model, system and tools, and who answers (the
    scripted model, a provider, a base URL: thinking signed by one is not valid at another)."""
    text = json.dumps({"model": model, "system": system, "tools": tool_defs, "endpoint": endpoint}, sort_keys=True,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _endpoint(connection: Connection) -> str:
    if connection.scripted:
        return "scripted"
    base = str(getattr(connection.sdk, "base_url", "") or "")
    return f"{provider()} {base}"


def build_request(cfg: _Settings, history: list[dict]) -> dict:
    """The Messages API request: the frame, the view, thinking and effort as the model takes them, and cache
    breakpoints on the last system block and the view's last block."""
    messages = _coalesce(history)
    last = messages[-1]["content"]
    last[-1] = {**last[-1], "cache_control": CACHE}
    sys_blocks = [dict(b) for b in cfg.system]
    sys_blocks[-1]["cache_control"] = CACHE
    request: dict[str, Any] = {"model": provider_model_id(cfg.model, provider()), "max_tokens": cfg.max_tokens,
                               "system": sys_blocks,
                               "messages": messages}
    if cfg.tool_defs:
        request["tools"] = cfg.tool_defs
        if not cfg.use_tools:
            request["tool_choice"] = {"type": "none"}
    info = cfg.info
    if info.adaptive:
        # summaries shown as they stream; a mismatch is an error, never a silent drop (this loop only appends)
        request["thinking"] = {"type": "adaptive", "display": "summarized",
                               "block_binding": {"prefix_mismatch_behavior": "error"}}
    effort = cfg.effort if cfg.effort in info.effort else None
    if effort:
        request["output_config"] = {"effort": effort}
    return request


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
                     "correct the input and call the tool again. The design store keeps every version of every "
                     "artifact: read_artifact reads one back. Some turns allow no tool calls: then answer in prose.")
    else:
        lines.append("No tools are available: answer in prose.")
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


def _request_meta(request: dict) -> dict:
    return {"model": request["model"], "max_tokens": request["max_tokens"],
            "system_chars": sum(len(b["text"]) for b in request["system"]),
            "tools": [t["name"] for t in request.get("tools", [])], "messages": len(request["messages"]),
            "tool_choice": (request.get("tool_choice") or {}).get("type", "auto"),
            "thinking": (request.get("thinking") or {}).get("type")}
