"""The turn log: how a turn with the agent is written into its design.

The agent loop never touches the store; it writes its turn through a TurnLog:

    log = design.start_turn(prompt, agent=…, model=…, system=…)   # the history to send comes back
    log.record_call(step, …, message=assistant_message)            # per model call
    log.add_tool_results(results)                                  # per tool round
    log.finish(status=…, steps=…, usage=…, elapsed_s=…)

One turn at a time per design, across processes: `start` takes the design's turn lock (waiting
up to WORKBENCH_LOCK_WAIT seconds, default 10, for another kernel's turn, then DesignBusy, which
says how to take it over); a lock whose process is gone is taken at once. Taking the lock also
repairs what a crash left: turns still `running` are closed as interrupted, and a `tool_use`
without its `tool_result` gets one (is_error, "the turn was interrupted"), so the API accepts
the conversation again and nothing stored is lost.

Store transactions per turn, bounded and independent of the design's length:
  - start: 1 (lock, repair, the design row, its conversation and artifact heads; the turn row)
  - each model call: 1 (the call, its assistant message, and the prompt with the first answer)
  - each tool round: 1 (the tool results, so a crash after a tool keeps what it did)
  - finish: 1
A turn of k model calls and t tool rounds uses 2 + k + t transactions, plus what its tools
store as artifacts. The prompt is stored with the first answer: a first call that fails
without any text leaves the conversation as it was.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING

from ..errors import DesignBusy
from ..processes import is_running, process_start
from .usage import Usage

if TYPE_CHECKING:
    from .aggregate import Design


class TurnLog:
    """The stored record of one turn (see the module docstring for its transactions)."""

    def __init__(self, design: Design, turn_id: int, conversation: int, history: list[dict], state: str,
                 holder: str = "", repaired: int = 0, restarted: str | None = None) -> None:
        self.design = design
        self.holder = holder  # who holds the design's turn lock (this turn)
        self.repaired = repaired  # how many interrupted tool calls were answered when the turn started
        self.id = turn_id
        self.conversation = conversation
        self.history = history  # the stored conversation before this turn
        self.state = state  # the design-state summary at the start of the turn
        self._pending: list[dict] = []
        self._usage = Usage()
        self.context: dict = {}  # the conversation's frame, where its view starts, its size (agent.session)
        self.restarted = restarted  # why this turn opened a new conversation (the frame changed), if it did

    @classmethod
    def start(cls, design: Design, prompt: str, *, agent: str, model: str, system: str, frame: str = "",
              take_over: bool = False, wait: float | None = None) -> TurnLog:
        """Open a turn: take the design's turn lock, repair what a crash left, read what the request needs,
        store the turn row — one transaction (retried while another live kernel holds the lock).

        `frame` identifies what every request of a conversation must keep identical (system, tools, model):
        a conversation made under another frame (or before frames were recorded) is not continued; the turn
        opens a new conversation and says why (`restarted`)."""
        store = design.store
        me = _holder()
        wait = float(os.environ.get("WORKBENCH_LOCK_WAIT") or 10) if wait is None else wait
        deadline = time.monotonic() + wait
        pause = 0.05
        while True:
            with store.transaction() as conn:
                busy = store.take_turn_lock(design.id, me, unless=lambda lock: not take_over and _alive(lock))
                if busy is None:
                    store.close_running_turns(design.id, error="interrupted: the process running this turn stopped")
                    row = dict(conn.execute("SELECT * FROM designs WHERE id = ?", (design.id,)).fetchone())
                    conversation = int(row["conversation"])
                    states = json.loads(row.get("context") or "{}")
                    context = states.get(str(conversation), {})
                    restarted = None
                    # a conversation from before frames were recorded holds no thinking (nothing bound to a
                    # prefix): it is continued, unless that release had replaced its start by a summary
                    legacy = not context.get("frame") and int(context.get("summary_through") or 0) > 0
                    changed = bool(context.get("frame")) and context.get("frame") != frame
                    if frame and (changed or legacy) and _has_messages(conn, design.id, conversation):
                        restarted = ("the agent's instructions, its tools or the model changed" if changed
                                     else "the conversation was kept in a form this release does not continue")
                        conversation += 1
                        store.update_design(design.id, conversation=conversation)
                        context = {}
                    if frame and context.get("frame") != frame:
                        context = {k: v for k, v in context.items() if k not in ("compact_through", "summary_through",
                                                                               "turns", "artifacts")}
                        context["frame"] = frame
                        states[str(conversation)] = context
                        store.update_design(design.id, context=json.dumps(states, sort_keys=True))
                    # the view starts at the last compaction: what it replaced is never read again, so a turn
                    # costs the same at any length
                    after = int(context.get("view_from") or 0)
                    excluded = set(context.get("excluded_turns") or [])
                    repaired = repair_conversation(store, design.id, conversation, after=after, skip_turns=excluded)
                    if row["requirements"] is None:
                        store.update_design(design.id, requirements=prompt)
                    history = [m for m in store.messages(design.id, conversation, ids=True, after=after)
                               if m.get("turn") not in excluded or m.get("turn") is None]
                    state = design.state_summary()
                    turn_id = store.start_turn(design.id, conversation, prompt, agent=agent, model=model,
                                               system=system)
                    store.beat(design.id, me["holder"], turn_id)
                    log = cls(design, turn_id, conversation, history, state, me["holder"], repaired, restarted)
                    log.context = context
                    return log
            if time.monotonic() >= deadline:
                raise DesignBusy(
                    f"Design {design.name} is busy in another kernel since {time.strftime('%H:%M:%S', time.localtime(busy['since']))} "
                    f"(pid {busy['pid']} on {busy['host']}), which is running a turn on it.",
                    hint="Wait for it to finish, or take the design over: %%architect --take-over (Python: "
                         "Architect(…).ask(…, take_over=True)). Its turn is then closed as interrupted.")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def add(self, message: dict) -> None:
        """A message to store with the next write (the prompt waits for the first answer)."""
        self._pending.append(message)

    def record_call(self, step: int, *, model: str, request: dict, response: list | None, stop_reason: str | None,
                    usage: Usage | None, started_at: float, first_token_s: float | None, elapsed_s: float,
                    error: str | None = None, message: dict | None = None) -> None:
        """One model call, and the assistant message it produced (if any), in one transaction."""
        store = self.design.store
        if usage is not None:
            self._usage = self._usage + usage
        with store.transaction():
            store.record_call(self.id, step, model=model, request=request, response=response, stop_reason=stop_reason,
                              usage=usage.to_dict() if usage is not None else None,
                              cost_usd=usage.cost_usd if usage is not None else 0.0, started_at=started_at,
                              first_token_s=first_token_s, elapsed_s=elapsed_s, error=error)
            if message is not None:  # without an answer the prompt waits (nothing is added to the conversation)
                self._pending.append(message)
                self._flush()
            store.beat(self.design.id, self.holder)

    def add_tool_results(self, results: list[dict]) -> None:
        """The tool results of one round, as the user message that answers the tool calls."""
        self._pending.append({"role": "user", "content": results})
        with self.design.store.transaction():
            self._flush()
            self.design.store.beat(self.design.id, self.holder)

    def finish(self, *, status: str, steps: int, usage: Usage, elapsed_s: float, error: str | None = None) -> None:
        """Close the turn with its status and totals, and let go of the design's turn lock."""
        store = self.design.store
        with store.transaction():
            store.finish_turn(self.id, status=status, steps=steps, usage=usage.to_dict(), cost_usd=usage.cost_usd,
                              elapsed_s=elapsed_s, error=error)
            store.release_turn_lock(self.design.id, self.holder)

    def store_now(self, messages: list[dict]) -> list[int]:
        """Store messages at once, ahead of what waits for the first answer (a compaction and what follows
        it); returns their ids. They belong to the conversation, not to this turn: a refusal later in the turn
        leaves the turn out, never the summary the conversation now starts from."""
        with self.design.store.transaction():
            ids = self.design.store.append_messages(self.design.id, self.conversation, None, messages)
            self.design.store.beat(self.design.id, self.holder)
        return ids

    def flush(self) -> None:
        """Store what waits (the prompt) now: the turn goes on without a first answer (a refusal reset)."""
        with self.design.store.transaction():
            self._flush()

    def exclude_from_conversation(self) -> None:
        """Leave this turn's messages out of every later request (they stay in the history): a refused turn."""
        excluded = sorted(set(self.context.get("excluded_turns") or []) | {self.id})
        self.save_context({**self.context, "excluded_turns": excluded})

    def save_context(self, state: dict) -> None:
        """Keep how the conversation is fitted into the model's context, for the requests that follow."""
        store = self.design.store
        with store.transaction() as conn:
            row = conn.execute("SELECT context FROM designs WHERE id = ?", (self.design.id,)).fetchone()
            states = json.loads(row[0] or "{}")
            states[str(self.conversation)] = state
            store.update_design(self.design.id, context=json.dumps(states, sort_keys=True))
        self.context = state

    def totals(self) -> Usage:
        """What the calls recorded so far used."""
        return self._usage

    def _flush(self) -> None:
        if self._pending:
            self.design.store.append_messages(self.design.id, self.conversation, self.id, self._pending)
            self._pending = []


INTERRUPTED = ("The turn was interrupted before this tool call finished (the kernel stopped or was interrupted); "
               "its result is unknown. Check the design's state before relying on it.")
STALE_AFTER_S = 600.0  # a lock held from another host counts as abandoned without a heartbeat for this long


def _holder() -> dict:
    return {"holder": f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}", "host": socket.gethostname(),
            "pid": os.getpid(), "process_start": process_start(os.getpid())}


def _has_messages(conn, design_id: int, conversation: int) -> bool:
    return conn.execute("SELECT 1 FROM messages WHERE design_id = ? AND conversation = ? LIMIT 1",
                        (design_id, conversation)).fetchone() is not None


def _alive(lock: dict) -> bool:
    """Whether the process holding a turn lock still runs (checked by pid and start time on this host)."""
    if lock["host"] != socket.gethostname():
        return time.time() - float(lock["heartbeat"]) < STALE_AFTER_S
    return is_running(int(lock["pid"]), lock.get("process_start"))


def repair_conversation(store, design_id: int, conversation: int, *, after: int = 0,
                        skip_turns: set[int] | frozenset[int] = frozenset()) -> int:
    """Answer every tool call a crash left unanswered (the API refuses a conversation with one); returns how many.

    The answer is an error result saying the turn was interrupted, in the message right after the
    call: a new message when the call is last, else at the start of the next user message. A call
    followed directly by another answer (never written by this release) becomes a note in its text.
    """
    messages = [m for m in store.messages(design_id, conversation, ids=True, after=after)
                if m.get("turn") is None or m.get("turn") not in skip_turns]  # refused turns are never sent again
    answered = 0
    for i, message in enumerate(messages):
        if message["role"] != "assistant" or not isinstance(message["content"], list):
            continue
        uses = [b["id"] for b in message["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
        if not uses:
            continue
        following = messages[i + 1] if i + 1 < len(messages) else None
        content = following["content"] if following and isinstance(following["content"], list) else []
        have = {b.get("tool_use_id") for b in content if isinstance(b, dict) and b.get("type") == "tool_result"}
        missing = [u for u in uses if u not in have]
        if not missing:
            continue
        results = [{"type": "tool_result", "tool_use_id": u, "content": INTERRUPTED, "is_error": True} for u in missing]
        answered += len(missing)
        if following is None:
            store.append_messages(design_id, conversation, None, [{"role": "user", "content": results}])
        elif following["role"] == "user":
            first = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
            rest = [b for b in content if not (isinstance(b, dict) and b.get("type") == "tool_result")]
            if isinstance(following["content"], str):
                rest = [{"type": "text", "text": following["content"]}]
            store.replace_content(following["id"], first + results + rest)
        else:
            kept = [b if not (isinstance(b, dict) and b.get("type") == "tool_use" and b["id"] in missing) else
                    {"type": "text", "text": f"[tool call {b['name']} interrupted; it did not run to the end]"}
                    for b in message["content"]]
            store.replace_content(message["id"], kept)
    return answered


__all__ = ["TurnLog", "repair_conversation", "INTERRUPTED"]
