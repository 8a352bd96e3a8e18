"""Token and cost accounting: what a model call, a turn or a whole design used.

Counts and costs are computed by the agent from the API's usage (it knows the prices); the
design keeps and sums them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Usage:
    """Token counts of one or more model calls; cache reads and writes are counted apart."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    estimated: bool = False
    thinking_tokens: int = 0  # part of output_tokens: the model's reasoning (billed as output)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cost_usd + other.cost_usd,
            self.estimated or other.estimated,
            self.thinking_tokens + other.thinking_tokens,
        )

    def to_dict(self) -> dict:
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "cache_read_tokens": self.cache_read_tokens, "cache_write_tokens": self.cache_write_tokens,
                "cost_usd": round(self.cost_usd, 6), "estimated": self.estimated,
                "thinking_tokens": self.thinking_tokens}

    @classmethod
    def from_dict(cls, d: dict | None) -> Usage:
        d = d or {}
        return cls(int(d.get("input_tokens", 0)), int(d.get("output_tokens", 0)),
                   int(d.get("cache_read_tokens", 0)), int(d.get("cache_write_tokens", 0)),
                   float(d.get("cost_usd", 0.0)), bool(d.get("estimated", False)), int(d.get("thinking_tokens", 0)))

    @property
    def cache_hit_rate(self) -> float:
        """Share of the input tokens read from the prompt cache (0 when nothing was sent)."""
        total = self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
        return self.cache_read_tokens / total if total else 0.0

    def summary(self) -> str:
        """`in 1,204 · cached 8,310 read / 0 written · out 512 · $0.0123`."""
        cost = f"${self.cost_usd:.4f}{' (est.)' if self.estimated else ''}"
        thinking = f" ({self.thinking_tokens:,} thinking)" if self.thinking_tokens else ""
        return (f"in {self.input_tokens:,} · cached {self.cache_read_tokens:,} read / "
                f"{self.cache_write_tokens:,} written · out {self.output_tokens:,}{thinking} · {cost}")
