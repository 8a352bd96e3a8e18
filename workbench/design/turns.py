"""The turn log: how a turn with the agent is written into its design.

The agent loop never touches the store; it writes its turn through a TurnLog:

    log = design.start_turn(prompt, agent=…, model=…, system=…)   # the history to send comes back
    log.record_call(step, …, message=assistant_message)            # per model call
    log.add_tool_results(results)                                  # per tool round
    log.finish(status=…, steps=…, usage=…, elapsed_s=…)

Store transactions per turn, bounded and independent of the design's length:
  - start: 1 (reads the design row, its conversation and artifact heads; stores the turn row)
  - each model call: 1 (the call, its assistant message, and the prompt with the first answer)
  - each tool round: 1 (the tool results, so a crash after a tool keeps what it did)
  - finish: 1
A turn of k model calls and t tool rounds uses 2 + k + t transactions, plus what its tools
store as artifacts. The prompt is stored with the first answer: a first call that fails
without any text leaves the conversation as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .usage import Usage

if TYPE_CHECKING:
    from .aggregate import Design


class TurnLog:
    """The stored record of one turn (see the module docstring for its transactions)."""

    def __init__(self, design: Design, turn_id: int, conversation: int, history: list[dict], state: str) -> None:
        self.design = design
        self.id = turn_id
        self.conversation = conversation
        self.history = history  # the stored conversation before this turn
        self.state = state  # the design-state summary at the start of the turn
        self._pending: list[dict] = []
        self._usage = Usage()

    @classmethod
    def start(cls, design: Design, prompt: str, *, agent: str, model: str, system: str) -> TurnLog:
        """Open a turn: one transaction reads what the request needs and stores the turn row."""
        store = design.store
        with store.transaction() as conn:
            row = dict(conn.execute("SELECT * FROM designs WHERE id = ?", (design.id,)).fetchone())
            conversation = int(row["conversation"])
            if row["requirements"] is None:
                store.update_design(design.id, requirements=prompt)
            history = store.messages(design.id, conversation)
            state = design.state_summary()
            turn_id = store.start_turn(design.id, conversation, prompt, agent=agent, model=model, system=system)
        return cls(design, turn_id, conversation, history, state)

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

    def add_tool_results(self, results: list[dict]) -> None:
        """The tool results of one round, as the user message that answers the tool calls."""
        self._pending.append({"role": "user", "content": results})
        with self.design.store.transaction():
            self._flush()

    def finish(self, *, status: str, steps: int, usage: Usage, elapsed_s: float, error: str | None = None) -> None:
        """Close the turn with its status and totals."""
        self.design.store.finish_turn(self.id, status=status, steps=steps, usage=usage.to_dict(),
                                     cost_usd=usage.cost_usd, elapsed_s=elapsed_s, error=error)

    def totals(self) -> Usage:
        """What the calls recorded so far used."""
        return self._usage

    def _flush(self) -> None:
        if self._pending:
            self.design.store.append_messages(self.design.id, self.conversation, self.id, self._pending)
            self._pending = []


__all__ = ["TurnLog"]
