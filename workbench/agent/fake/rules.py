"""What the fake refuses, as the Messages API (version 2026-10-21) documents it.

Each check raises `Problem(status, message)` with the API's error type for that status. The texts
follow the API's where the docs quote them (the prefix check, prompt too long, tool pairing); the
rest name the field at fault the way the API's `invalid_request_error` messages do.

Sources (platform.claude.com/docs/en/…): api/messages, api/migration-2026-10-21 (sampling parameters
removed), build-with-claude/adaptive-thinking and …/effort, build-with-claude/preserved-thinking/
prefix-checks, build-with-claude/compaction, …/compaction-on-demand, …/compaction-threshold,
agents-and-tools/tool-use/define-tools (names, schemas), build-with-claude/prompt-caching (four
breakpoints), api/errors (413 above the request size limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import ModelInfo
from .binding import blocks_of

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
TOOL_KEYS = {"name", "description", "input_schema", "cache_control", "type", "strict", "input_examples",
             "defer_loading", "eager_input_streaming"}
BETA_BINDING = "thinking-binding-controls-2026-08-01"
BETA_ON_DEMAND = "compact-2026-09-04"
BETA_THRESHOLD = "compact-2026-01-12"
MIN_TRIGGER = 50_000
DISPLAYS = ("summarized", "omitted", "updates")
REMOVED_SAMPLING = ("temperature", "top_p", "top_k")


class Problem(Exception):
    """A request the API refuses: HTTP status and message (the error type follows the status)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Request:
    """A request under check: its body, its beta flags, the model it names."""

    body: dict
    betas: set[str]
    model: ModelInfo

    def beta(self, flag: str) -> bool:
        return flag in self.betas


def betas_of(headers: dict[str, str], path: str) -> set[str]:
    raw = next((v for k, v in headers.items() if k.lower() == "anthropic-beta"), "")
    return {b.strip() for b in raw.split(",") if b.strip()}


def check_request(req: Request, *, count_only: bool = False) -> None:
    """Every check of a Messages request except the binding of signed blocks (see binding.check)."""
    body = req.body
    for key in ("model", "messages") if count_only else ("model", "max_tokens", "messages"):
        if key not in body:
            raise Problem(f"{key}: Field required")
    if not count_only:
        _max_tokens(req)
    for key in REMOVED_SAMPLING:
        if key in body:
            raise Problem(f"{key}: Extra inputs are not permitted. Sampling parameters were removed in API version "
                          "2026-10-21; steer the model with `output_config.effort` and the prompt instead.")
    _thinking(req)
    _effort(req)
    _tools(req)
    _tool_choice(req)
    _compaction(req)
    _messages(req)


def _max_tokens(req: Request) -> None:
    value = req.body["max_tokens"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Problem("max_tokens: Input should be a positive integer")
    if value > req.model.max_output:
        raise Problem(f"max_tokens: {value} > {req.model.max_output}, which is the maximum allowed number of output "
                      f"tokens for {req.model.id}")


def _thinking(req: Request) -> None:
    thinking = req.body.get("thinking")
    if thinking is None:
        return
    if not isinstance(thinking, dict) or "type" not in thinking:
        raise Problem("thinking.type: Field required")
    kind = thinking["type"]
    if kind not in req.model.thinking:
        accepted = ", ".join(f'"{t}"' for t in req.model.thinking) or "none"
        raise Problem(f'thinking.type: "{kind}" is not supported for {req.model.id}. Supported: {accepted}.')
    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024:
            raise Problem("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        if budget >= int(req.body.get("max_tokens") or 0):
            raise Problem("`max_tokens` must be greater than `thinking.budget_tokens`.")
    display = thinking.get("display")
    if display is not None and display not in DISPLAYS:
        raise Problem(f"thinking.{kind}.display: Input should be 'summarized', 'omitted' or 'updates'")
    if display is not None and kind == "disabled":
        raise Problem("thinking.disabled.display: Extra inputs are not permitted")
    binding = thinking.get("block_binding")
    if binding is not None:
        if not req.beta(BETA_BINDING):
            raise Problem(f"thinking.{kind}.block_binding: requires the `{BETA_BINDING}` value in the `anthropic-beta` "
                          "header.")
        behaviour = (binding or {}).get("prefix_mismatch_behavior")
        if behaviour not in (None, "error", "drop_block"):
            raise Problem(f"thinking.{kind}.block_binding.prefix_mismatch_behavior: Input should be 'error' or "
                          "'drop_block'")


def _effort(req: Request) -> None:
    config = req.body.get("output_config")
    if not isinstance(config, dict) or "effort" not in config:
        return
    effort = config["effort"]
    if not req.model.effort:
        raise Problem(f"output_config.effort: {req.model.id} does not support the effort parameter.")
    if effort not in req.model.effort:
        levels = ", ".join(f"'{e}'" for e in req.model.effort)
        raise Problem(f"output_config.effort: Input should be {levels} for {req.model.id}")


def _tools(req: Request) -> None:
    tools = req.body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise Problem("tools: Input should be a valid list")
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise Problem(f"tools.{i}: Input should be an object")
        if tool.get("type") not in (None, "custom"):
            continue  # a server or client tool of the API's own; not offered by the workbench
        name = tool.get("name")
        if not isinstance(name, str) or not TOOL_NAME.match(name):
            raise Problem(f"tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        if name in seen:
            raise Problem(f"tools: Tool names must be unique. Found duplicate: {name}")
        seen.add(name)
        extra = sorted(set(tool) - TOOL_KEYS)
        if extra:
            raise Problem(f"tools.{i}.custom.{extra[0]}: Extra inputs are not permitted")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            raise Problem(f"tools.{i}.custom.input_schema: Field required")
        if schema.get("type") != "object":
            raise Problem(f"tools.{i}.custom.input_schema.type: Input should be 'object'")
        problem = _schema_problem(schema)
        if problem:
            raise Problem(f"tools.{i}.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft "
                          f"2020-12 (https://json-schema.org/draft/2020-12). {problem}")


def _schema_problem(schema: dict) -> str | None:
    # jsonschema's own meta-schema check: the API validates input_schema against Draft 2020-12
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return exc.message
    return None


def _tool_choice(req: Request) -> None:
    choice = req.body.get("tool_choice")
    if choice is None:
        return
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind not in ("auto", "any", "tool", "none"):
        raise Problem("tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'")
    if kind in ("any", "tool"):
        if not req.body.get("tools"):
            raise Problem(f"tool_choice: `{kind}` requires `tools`.")
        if not req.model.forced_tool_choice:
            raise Problem(f"tool_choice: {req.model.id} does not support forced tool use (`{kind}`); use `auto` or "
                          "`none`.")
        thinking = req.body.get("thinking") or {}
        thinks = thinking.get("type") in ("adaptive", "enabled") or (req.model.thinks_by_default
                                                                    and thinking.get("type") != "disabled")
        if thinks:
            raise Problem("Thinking may not be enabled when tool_choice forces tool use.")
    if kind == "tool":
        names = {t.get("name") for t in req.body.get("tools") or [] if isinstance(t, dict)}
        if choice.get("name") not in names:
            raise Problem(f"tool_choice.tool.name: no tool named {choice.get('name')!r} in `tools`.")


def _compaction(req: Request) -> None:
    body = req.body
    compaction = body.get("compaction")
    management = body.get("context_management")
    if compaction is not None:
        if not req.beta(BETA_ON_DEMAND):
            raise Problem(f"compaction: requires the `{BETA_ON_DEMAND}` value in the `anthropic-beta` header.")
        if not req.model.compaction:
            raise Problem(f"compaction: {req.model.id} does not support compaction.")
        if management is not None:
            raise Problem("compaction: cannot be combined with `context_management`.")
        if not isinstance(compaction, dict) or compaction.get("type") != "summarize":
            raise Problem("compaction.type: Input should be 'summarize'")
        instructions = compaction.get("instructions")
        if instructions is not None and (not isinstance(instructions, str) or len(instructions) > 16384):
            raise Problem("compaction.instructions: String should have at most 16384 characters")
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        if messages and messages[-1].get("role") == "assistant" and any(
                b.get("type") == "tool_use" for b in blocks_of(messages[-1])):
            raise Problem("compaction: the conversation ends with a `tool_use` block that has no `tool_result`; "
                          "answer the tool call before compacting.")
    for i, edit in enumerate((management or {}).get("edits") or []):
        if isinstance(edit, dict) and edit.get("type") == "compact_20260112":
            if not req.beta(BETA_THRESHOLD):
                raise Problem(f"context_management.edits.{i}: requires the `{BETA_THRESHOLD}` value in the "
                              "`anthropic-beta` header.")
            value = ((edit.get("trigger") or {}).get("value")) if edit.get("trigger") else None
            if value is not None and value < MIN_TRIGGER:
                raise Problem(f"context_management.edits.{i}.trigger.value: Input should be greater than or equal "
                              f"to {MIN_TRIGGER}")


def _messages(req: Request) -> None:
    messages = req.body["messages"]
    if not isinstance(messages, list) or not messages:
        raise Problem("messages: at least one message is required")
    convo = [m for m in messages if isinstance(m, dict) and m.get("role") != "system"]  # Claude Code sends these
    if not convo:
        raise Problem("messages: at least one message is required")
    first = blocks_of(convo[0])
    if convo[0].get("role") != "user" and not (first and first[0].get("type") == "compaction"):
        raise Problem('messages: first message must use the "user" role')
    breakpoints = sum("cache_control" in t for t in req.body.get("tools") or [] if isinstance(t, dict))
    system = req.body.get("system")
    if isinstance(system, list):
        breakpoints += sum("cache_control" in b for b in system if isinstance(b, dict))
    has_compaction_beta = req.beta(BETA_ON_DEMAND) or req.beta(BETA_THRESHOLD)
    pending: list[str] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ("user", "assistant", "system"):
            raise Problem(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if msg.get("role") == "system":
            continue
        blocks = blocks_of(msg)
        if not blocks:
            raise Problem(f"messages.{i}: all messages must have non-empty content")
        breakpoints += sum("cache_control" in b for b in blocks)
        for j, block in enumerate(blocks):
            kind = block.get("type")
            if kind == "text" and not str(block.get("text", "")).strip():
                raise Problem(f"messages.{i}.content.{j}.text: text content blocks must contain non-whitespace text")
            if kind == "compaction":
                if not has_compaction_beta:
                    raise Problem(f"messages.{i}.content.{j}: `compaction` blocks require the `{BETA_ON_DEMAND}` or "
                                  f"`{BETA_THRESHOLD}` value in the `anthropic-beta` header.")
                if block.get("content") == "":
                    raise Problem(f"messages.{i}.content.{j}.content: String should have at least 1 character")
            if kind in ("thinking", "redacted_thinking") and msg.get("role") != "assistant":
                raise Problem(f"messages.{i}.content.{j}: `{kind}` blocks may only appear in assistant messages")
        if pending:
            results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
            missing = [p for p in pending if p not in results]
            if msg.get("role") != "user" or missing:
                raise Problem(f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately "
                              f"after: {', '.join(missing or pending)}. Each `tool_use` block must have a "
                              "corresponding `tool_result` block in the next message.")
            first_other = next((k for k, b in enumerate(blocks) if b.get("type") != "tool_result"), len(blocks))
            if any(b.get("type") == "tool_result" for b in blocks[first_other:]):
                raise Problem(f"messages.{i}: tool_result blocks must come first in the content")
            pending = []
        if msg.get("role") == "assistant":
            pending = [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"]
        elif any(b.get("type") == "tool_result" for b in blocks):
            prev = next((m for m in reversed(messages[:i]) if isinstance(m, dict) and m.get("role") != "system"), None)
            prev_ids = {b.get("id") for b in blocks_of(prev or {})}
            unknown = [str(b.get("tool_use_id")) for b in blocks
                       if b.get("type") == "tool_result" and b.get("tool_use_id") not in prev_ids]
            if unknown:
                raise Problem(f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: "
                              f"{', '.join(unknown)}. Each `tool_result` block must have a corresponding `tool_use` "
                              "block in the previous message.")
    if breakpoints > 4:
        raise Problem(f"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}.")


def ends_with_assistant(body: dict) -> bool:
    convo = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") != "system"]
    return bool(convo) and convo[-1].get("role") == "assistant"


PREFILL = ("This model does not support assistant message prefill. The conversation must end with a user message.")


def thinking_mode(req: Request) -> str | None:
    """'adaptive' or 'enabled' when the model thinks for this request (its default included), else None."""
    thinking = req.body.get("thinking")
    if isinstance(thinking, dict):
        kind = thinking.get("type")
        return None if kind == "disabled" else str(kind)
    return "adaptive" if req.model.thinks_by_default else None


def display_of(req: Request) -> str:
    thinking = req.body.get("thinking")
    shown = thinking.get("display") if isinstance(thinking, dict) else None
    return shown or req.model.display_default


def binding_behaviour(req: Request) -> str:
    thinking = req.body.get("thinking")
    binding = thinking.get("block_binding") if isinstance(thinking, dict) else None
    return (binding or {}).get("prefix_mismatch_behavior") or "error"

