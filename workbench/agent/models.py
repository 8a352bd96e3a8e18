"""Models: aliases, the dated catalogue (limits, thinking, prices) and what the Models API says.

An alias (`sonnet`, `opus`, `haiku`, `fable`, …) resolves to the newest id of that family that the
installed `anthropic` SDK knows (its `ModelParam` literals), so a new SDK brings new models without
a change here. `opus[1m]` (Claude Code's spelling) is the alias with a 1M-token context.

What a model accepts — its output limit, context window, thinking forms, effort levels — comes
first from the Models API (`GET /v1/models/{id}`: `max_tokens`, `max_input_tokens`,
`capabilities`), read once per process and model; where the provider has no Models API
(Bedrock, Vertex, some gateways), from CATALOGUE below. Prices are only in the catalogue.

CATALOGUE is copied from the model and pricing pages of platform.claude.com as they stood on
CATALOGUE_DATE; a model that is not in it is priced as an estimate (flagged in the footer) and
gets conservative limits.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from ..design.usage import Usage
from ..errors import ConfigError

__all__ = ["Usage", "Price", "ModelInfo", "CATALOGUE", "CATALOGUE_DATE", "price_of", "resolve_model",
           "usage_from_api", "known_models", "families", "model_info", "provider_model_id", "capabilities"]

DEFAULT_ALIAS = "sonnet"
CATALOGUE_DATE = "2026-11-20"
_ID_IN_TEXT = re.compile(r"claude-[a-z]+(?:-[0-9]+)*(?:-preview)?")
EFFORTS = ("low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True)
class Price:
    """USD per million tokens, with the model's prompt-cache multipliers (5-minute writes, reads)."""

    input: float
    output: float
    cache_read_multiplier: float = 0.10
    cache_write_multiplier: float = 1.25
    estimated: bool = False
    long_prompt: tuple[int, float, float] | None = None  # (prompt tokens above which, input, output)

    @property
    def cache_write(self) -> float:
        return self.input * self.cache_write_multiplier

    @property
    def cache_read(self) -> float:
        return self.input * self.cache_read_multiplier

    def at(self, prompt_tokens: int) -> Price:
        """The price for a request of this many prompt tokens (some models cost more above a size)."""
        if self.long_prompt and prompt_tokens > self.long_prompt[0]:
            return replace(self, input=self.long_prompt[1], output=self.long_prompt[2], long_prompt=None)
        return self


@dataclass(frozen=True)
class ModelInfo:
    """What the workbench needs to know of a model to call it as the API documents."""

    id: str
    context_window: int
    max_output: int
    price: Price
    thinking: tuple[str, ...] = ()  # thinking.type values the model accepts (adaptive, enabled, disabled, …)
    thinks_by_default: bool = False  # thinking is on when the request leaves `thinking` out
    effort: tuple[str, ...] = ()  # output_config.effort levels it accepts
    default_effort: str | None = None
    preserved_thinking: bool = False  # checks the prefix of every thinking block sent back
    forced_tool_choice: bool = True  # accepts tool_choice any/tool
    compaction: bool = False  # on-demand compaction (compact-2026-09-04)
    display_default: str = "summarized"
    known: bool = True  # False: not in the catalogue (conservative guesses)

    @property
    def adaptive(self) -> bool:
        return "adaptive" in self.thinking


def _m(model_id: str, price: Price, *, window: int = 1_000_000, out: int = 128_000, thinking=("adaptive",),
       on: bool = True, effort=("low", "medium", "high", "xhigh", "max"), default_effort: str | None = "high",
       preserved: bool = False, forced: bool = True, compaction: bool = True, display: str = "omitted") -> ModelInfo:
    return ModelInfo(model_id, window, out, price, tuple(thinking), on, tuple(effort), default_effort, preserved,
                     forced, compaction, display)


_NO_XHIGH = ("low", "medium", "high", "max")
_PRESERVED = dict(preserved=True, forced=False)
# Sources (platform.claude.com/docs/en/…): about-claude/models/overview, about-claude/pricing,
# models/<model>/whats-new-*, build-with-claude/{adaptive-thinking,effort,compaction-on-demand},
# build-with-claude/preserved-thinking/prefix-checks.
CATALOGUE: dict[str, ModelInfo] = {m.id: m for m in (
    _m("claude-fable-5-2", Price(8.0, 40.0, 0.025), **_PRESERVED),
    _m("claude-mythos-5-2", Price(8.0, 40.0, 0.025), **_PRESERVED),
    _m("claude-opus-5-5", Price(4.0, 20.0, 0.05), default_effort="medium", **_PRESERVED),
    _m("claude-sonnet-5-5", Price(2.0, 10.0, 0.05), thinking=("adaptive", "between_tools"), **_PRESERVED),
    _m("claude-haiku-5-5", Price(0.10, 0.50, 0.10, long_prompt=(100_000, 0.50, 2.50)),
       thinking=("adaptive", "disabled"), effort=_NO_XHIGH, default_effort="medium", **_PRESERVED),
    _m("claude-fable-5-1", Price(10.0, 50.0, 0.025), **_PRESERVED),
    _m("claude-mythos-5-1", Price(10.0, 50.0, 0.025), **_PRESERVED),
    _m("claude-opus-5", Price(5.0, 25.0), thinking=("adaptive", "disabled")),
    _m("claude-sonnet-5", Price(2.0, 10.0), thinking=("adaptive", "disabled")),  # whats-new-sonnet-5-5: disabled works on 5
    _m("claude-fable-5", Price(10.0, 50.0)),
    _m("claude-mythos-5", Price(10.0, 50.0)),
    _m("claude-mythos-preview", Price(10.0, 50.0), thinking=("adaptive", "enabled"), effort=_NO_XHIGH,
       compaction=True),
    _m("claude-opus-4-8", Price(5.0, 25.0), thinking=("adaptive", "disabled"), on=False),
    _m("claude-opus-4-7", Price(5.0, 25.0), thinking=("adaptive", "disabled"), on=False),
    _m("claude-opus-4-6", Price(5.0, 25.0), thinking=("adaptive", "enabled", "disabled"), on=False,
       effort=_NO_XHIGH, display="summarized"),
    _m("claude-sonnet-4-6", Price(3.0, 15.0), window=200_000, thinking=("adaptive", "enabled", "disabled"),
       on=False, effort=_NO_XHIGH, display="summarized"),
    _m("claude-opus-4-5", Price(5.0, 25.0), window=200_000, out=64_000, thinking=("enabled", "disabled"), on=False,
       effort=("low", "medium", "high"), compaction=False, display="summarized"),
    _m("claude-sonnet-4-5", Price(3.0, 15.0), window=200_000, out=64_000, thinking=("enabled", "disabled"),
       on=False, effort=(), default_effort=None, compaction=False, display="summarized"),
    _m("claude-haiku-4-5", Price(1.0, 5.0), window=200_000, out=64_000, thinking=("enabled", "disabled"), on=False,
       effort=(), default_effort=None, compaction=False, display="summarized"),
)}
# What an id the catalogue does not know is assumed to accept: no thinking parameter, no effort.
_UNKNOWN_LIMITS = dict(context_window=200_000, max_output=32_000)


@lru_cache(maxsize=1)
def known_models() -> tuple[str, ...]:
    """Model ids listed by the installed SDK (read once; the SDK does not change in a process)."""
    import typing

    ModelParam = _model_param()
    ids: list[str] = []
    for arg in typing.get_args(ModelParam):
        ids.extend(a for a in typing.get_args(arg) if isinstance(a, str))
    return tuple(ids)


def _model_param() -> Any:
    """The SDK's `ModelParam` type. Its module (a Literal of ids, importing only typing) is read on its own
    when the SDK is not imported yet: importing `anthropic` costs a second or more, and naming a model (the
    doctor, a magic's help) needs none of it."""
    import importlib.util
    import sys

    if "anthropic" not in sys.modules:
        try:
            package = importlib.util.find_spec("anthropic")
            origin = package.submodule_search_locations[0] if package and package.submodule_search_locations else None
            spec = importlib.util.spec_from_file_location("_workbench_sdk_model_param",
                                                          f"{origin}/types/model_param.py") if origin else None
            if spec and spec.loader:
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return module.ModelParam
        except Exception:  # another SDK layout: import it the ordinary way
            pass
    from anthropic.types.model_param import ModelParam

    return ModelParam


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
    """Families the SDK knows, e.g. ['fable', 'haiku', 'mythos', 'opus', 'sonnet']."""
    return sorted({v[0] for m in known_models() if (v := _version(m))})


def split_suffix(name: str) -> tuple[str, bool]:
    """(`opus`, True) for Claude Code's `opus[1m]`: the alias or id, and whether a 1M context was asked for."""
    name = name.strip()
    if name.lower().endswith("[1m]"):
        return name[:-4], True
    return name, False


def resolve_model(name: str | None) -> str:
    """A full model id for an alias (`sonnet`, `opus`, `haiku`, …), an id, or None (the default alias).

    `inherit` (Claude Code's "use the caller's model") means the default alias here; the agent loop
    resolves it to the session's model before it gets here. `opus[1m]` resolves like `opus`.
    """
    name, _ = split_suffix(name or DEFAULT_ALIAS)
    if name in ("inherit", "default", ""):
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


def _catalogue_id(model_id: str) -> str | None:
    """The catalogue id inside any spelling: `claude-haiku-4-5-20251001`, `us.anthropic.claude-opus-5-5-v1:0`,
    `claude-sonnet-4-5@20250929`."""
    found = _ID_IN_TEXT.search(model_id)
    if not found:
        return None
    text = found.group(0)
    while text:
        if text in CATALOGUE:
            return text
        if "-" not in text:
            return None
        text = text.rsplit("-", 1)[0]  # drop a date or a trailing version number
    return None


def catalogued(model_id: str) -> ModelInfo:
    """The catalogue's entry for a model id (any provider's spelling), or conservative guesses."""
    key = _catalogue_id(model_id)
    if key is not None:
        return CATALOGUE[key]
    return ModelInfo(model_id, price=Price(5.0, 25.0, estimated=True), known=False, **_UNKNOWN_LIMITS)


def price_of(model_id: str) -> Price:
    """The price of a model id; models the catalogue does not know get an estimate (flagged)."""
    return catalogued(model_id).price


def provider_model_id(model_id: str, provider: str) -> str:
    """The id a provider takes for a Claude API id: Bedrock `anthropic.<id>` (older models: their dated
    `-v1:0` form), Vertex `<id>` (older models `<id>@<date>`); ids already in the provider's form pass."""
    if provider == "bedrock" and not model_id.startswith(("anthropic.", "us.", "eu.", "apac.", "global.", "au.",
                                                          "arn:")):
        return f"anthropic.{model_id}"
    return model_id


_lock = threading.Lock()
_from_api: dict[str, ModelInfo] = {}  # endpoint|model → what its Models API said


def model_info(model_id: str, client: Any = None) -> ModelInfo:
    """What `model_id` accepts: the Models API's answer when `client` can ask (once per process), else the
    catalogue. NotFound from the API raises ModelError naming the valid ids."""
    base = catalogued(model_id)
    if client is None:
        return base
    key = f"{getattr(client, 'base_url', '')}|{model_id}"  # one answer per endpoint and model
    with _lock:
        cached = _from_api.get(key)
    if cached is not None:
        return cached
    info = capabilities(model_id, client, base)
    with _lock:
        _from_api[key] = info
    return info


def capabilities(model_id: str, client: Any, base: ModelInfo) -> ModelInfo:
    """Merge the Models API's `max_tokens`, `max_input_tokens` and `capabilities` into the catalogue entry."""
    import anthropic

    from ..errors import ModelError

    try:
        found = client.models.retrieve(model_id)
    except anthropic.NotFoundError:
        raise ModelError(f"The API does not know the model {model_id!r} (404 not_found_error).",
                         hint=f"Valid ids: {', '.join(valid_ids(client))}. Choose one with %architect model NAME "
                              "or -m.") from None
    except Exception:  # noqa: BLE001 - no Models API here (Bedrock, Vertex, a gateway): the catalogue stands
        return base
    changes: dict[str, Any] = {}
    if getattr(found, "max_tokens", None):
        changes["max_output"] = int(found.max_tokens)
    if getattr(found, "max_input_tokens", None):
        changes["context_window"] = int(found.max_input_tokens)
    caps = getattr(found, "capabilities", None)
    if caps is not None:
        thinking = getattr(caps, "thinking", None)
        types = getattr(thinking, "types", None)
        if types is not None:
            accepted = [name for name in ("adaptive", "enabled", "disabled", "between_tools")
                        if getattr(getattr(types, name, None), "supported", False)]
            changes["thinking"] = tuple(accepted)
        effort = getattr(caps, "effort", None)
        if effort is not None:
            changes["effort"] = tuple(level for level in EFFORTS
                                      if getattr(getattr(effort, level, None), "supported", False)) \
                if getattr(effort, "supported", False) else ()
    return replace(base, **changes)


def valid_ids(client: Any) -> list[str]:
    """Model ids the API offers (its Models API), else the installed SDK's list."""
    try:
        return [m.id for m in client.models.list(limit=100)]
    except Exception:  # noqa: BLE001 - no Models API: the SDK's list
        return list(known_models())


def forget_capabilities() -> None:
    """Drop what the Models API said (tests that change the fake's models)."""
    with _lock:
        _from_api.clear()


def usage_from_api(usage: object, model_id: str) -> Usage:
    """Usage and cost of one response (an SDK Usage object or its dict) at the model's price; a
    compaction request's own tokens (in `usage.iterations`) are counted and charged too."""
    get = usage.get if isinstance(usage, dict) else lambda k, d=None: getattr(usage, k, d)
    u = Usage(
        input_tokens=int(get("input_tokens", 0) or 0),
        output_tokens=int(get("output_tokens", 0) or 0),
        cache_read_tokens=int(get("cache_read_input_tokens", 0) or 0),
        cache_write_tokens=int(get("cache_creation_input_tokens", 0) or 0),
    )
    details = get("output_tokens_details", None)
    if details is not None:
        thinking = details.get("thinking_tokens") if isinstance(details, dict) else getattr(details, "thinking_tokens",
                                                                                           None)
        u.thinking_tokens = int(thinking or 0)
    for item in get("iterations", None) or []:
        item_get = item.get if isinstance(item, dict) else lambda k, d=None, _i=item: getattr(_i, k, d)
        if item_get("type") == "compaction":  # not in the top-level fields
            u.input_tokens += int(item_get("input_tokens", 0) or 0)
            u.output_tokens += int(item_get("output_tokens", 0) or 0)
            u.cache_read_tokens += int(item_get("cache_read_input_tokens", 0) or 0)
            u.cache_write_tokens += int(item_get("cache_creation_input_tokens", 0) or 0)
    price = price_of(model_id).at(u.input_tokens + u.cache_read_tokens + u.cache_write_tokens)
    u.cost_usd = (u.input_tokens * price.input + u.output_tokens * price.output
                  + u.cache_read_tokens * price.cache_read + u.cache_write_tokens * price.cache_write) / 1e6
    u.estimated = price.estimated
    return u


__all__ += ["split_suffix", "catalogued", "valid_ids", "forget_capabilities"]
