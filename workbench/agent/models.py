"""Model aliases and prices.

An alias (`sonnet`, `opus`, `haiku`, or any other family name) resolves to the newest id
of that family that the installed `anthropic` SDK knows (its `ModelParam` literals), so a
new SDK brings new models without a change here. Prices are per million tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..design.usage import Usage
from ..errors import ConfigError

__all__ = ["Usage", "Price", "price_of", "resolve_model", "usage_from_api", "known_models", "families"]

DEFAULT_ALIAS = "sonnet"
_ID_IN_TEXT = re.compile(r"claude-[a-z]+(?:-[0-9]+)+")


@lru_cache(maxsize=1)
def known_models() -> tuple[str, ...]:
    """Model ids listed by the installed SDK (read once; the SDK does not change in a process)."""
    import typing

    from anthropic.types.model_param import ModelParam

    ids: list[str] = []
    for arg in typing.get_args(ModelParam):
        ids.extend(a for a in typing.get_args(arg) if isinstance(a, str))
    return tuple(ids)


def _version(model_id: str) -> tuple[str, tuple[int, ...], bool] | None:
    """(family, version numbers, dated) of a `claude-FAMILY-MAJOR[-MINOR][-YYYYMMDD]` id."""
    parts = model_id.split("-")
    if len(parts) < 3 or parts[0] != "claude" or not parts[1].isalpha():
        return None
    numbers: list[int] = []
    dated = False
    for token in parts[2:]:
        if not token.isdigit():
            return None
        if len(token) == 8:
            dated = True
        else:
            numbers.append(int(token))
    if not numbers:
        return None
    return parts[1], tuple(numbers), dated


def families() -> list[str]:
    """Families the SDK knows, e.g. ['haiku', 'opus', 'sonnet', ...]."""
    return sorted({v[0] for m in known_models() if (v := _version(m))})


def resolve_model(name: str | None) -> str:
    """A full model id for an alias (`sonnet`, `opus`, `haiku`, …), an id, or None (the default alias).

    `inherit` (Claude Code's "use the caller's model") means the default alias here.
    """
    name = (name or DEFAULT_ALIAS).strip()
    if name in ("inherit", "default"):
        name = DEFAULT_ALIAS
    if name.startswith("claude-") or "." in name or "@" in name or ":" in name:
        return name  # a full id (Bedrock and Vertex ids contain '.', '@' or ':')
    candidates = [(v[1], not v[2], m) for m in known_models() if (v := _version(m)) and v[0] == name.lower()]
    if not candidates:
        raise ConfigError(f"Unknown model alias {name!r}.",
                          hint=f"Use one of {', '.join(families())} or a full model id such as "
                               f"{known_models()[0] if known_models() else 'claude-…'}.")
    # newest version first; at equal version the undated alias id wins over a dated snapshot
    candidates.sort(reverse=True)
    return candidates[0][2]


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    estimated: bool = False

    @property
    def cache_write(self) -> float:
        return self.input * 1.25

    @property
    def cache_read(self) -> float:
        return self.input * 0.10


# Published list prices by family and minimum version; later versions inherit the
# newest row of their family until a new row is added. Unknown families are
# priced like opus and marked as estimated.
_PRICES: dict[str, list[tuple[tuple[int, ...], Price]]] = {
    "opus": [((3,), Price(15.0, 75.0)), ((4, 5), Price(5.0, 25.0))],
    "sonnet": [((3,), Price(3.0, 15.0))],
    "haiku": [((3,), Price(0.25, 1.25)), ((3, 5), Price(0.8, 4.0)), ((4, 5), Price(1.0, 5.0))],
}
_FALLBACK = Price(5.0, 25.0, estimated=True)


def price_of(model_id: str) -> Price:
    """The price of a model id; unknown models get an estimate (flagged)."""
    found = _ID_IN_TEXT.search(model_id)  # also inside Bedrock/Vertex ids
    parsed = _version(found.group(0)) if found else None
    if parsed is None:
        return _FALLBACK
    family, version, _ = parsed
    rows = _PRICES.get(family)
    if not rows:
        return _FALLBACK
    best = rows[0][1]
    for minimum, price in rows:
        if version >= minimum:
            best = price
    return best


def usage_from_api(usage: object, model_id: str) -> Usage:
    """Usage and cost of one response (an SDK Usage object or its dict) at the model's price."""
    get = usage.get if isinstance(usage, dict) else lambda k, d=None: getattr(usage, k, d)
    u = Usage(
        input_tokens=int(get("input_tokens", 0) or 0),
        output_tokens=int(get("output_tokens", 0) or 0),
        cache_read_tokens=int(get("cache_read_input_tokens", 0) or 0),
        cache_write_tokens=int(get("cache_creation_input_tokens", 0) or 0),
    )
    price = price_of(model_id)
    u.cost_usd = (u.input_tokens * price.input + u.output_tokens * price.output
                  + u.cache_read_tokens * price.cache_read + u.cache_write_tokens * price.cache_write) / 1e6
    u.estimated = price.estimated
    return u
