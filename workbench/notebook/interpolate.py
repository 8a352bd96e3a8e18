"""Notebook values in prompts: `{name}`, `{name.attr}` and `{In[3]}`.

A placeholder is replaced only when its name exists in the notebook; everything else
(JSON, code, set literals, `{unknown}`) stays as written. `{{name}}` writes a literal `{name}`.
DataFrames become their shape, columns and first rows; Schema objects their DDL; long
values are cut with a note.
"""

from __future__ import annotations

import re
from typing import Any

MAX_VALUE_CHARS = 20_000
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(In\[-?\d+\]|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")


def interpolate(text: str, namespace: dict[str, Any]) -> str:
    """Replace placeholders whose names exist in `namespace`; leave the rest literal."""

    def replace(match: re.Match) -> str:
        whole = match.group(0)
        if whole == "{{":
            return "{" if _escaped_placeholder(match) else whole
        if whole == "}}":
            return "}" if _escaped_closing(match) else whole
        ref = match.group(1)
        found, value = _lookup(ref, namespace)
        return describe(value) if found else whole

    return _PLACEHOLDER.sub(replace, text)


def _escaped_placeholder(match: re.Match) -> bool:
    rest = match.string[match.end():]
    return re.match(r"(In\[-?\d+\]|[A-Za-z_][A-Za-z0-9_.]*)\}\}", rest) is not None


def _escaped_closing(match: re.Match) -> bool:
    before = match.string[: match.start()]
    return re.search(r"\{\{(In\[-?\d+\]|[A-Za-z_][A-Za-z0-9_.]*)$", before) is not None


def _lookup(ref: str, namespace: dict[str, Any]) -> tuple[bool, Any]:
    if ref.startswith("In["):
        history = namespace.get("In")
        index = int(ref[3:-1])
        if isinstance(history, list) and -len(history) <= index < len(history):
            return True, history[index]
        return False, None
    head, *attrs = ref.split(".")
    if head not in namespace:
        return False, None
    value = namespace[head]
    for attr in attrs:
        if attr.startswith("_"):
            return False, None  # private attributes stay private
        try:
            value = getattr(value, attr)
        except Exception:
            return False, None
    return True, value


def describe(value: Any) -> str:
    """A value as text a model can read (an object that cannot show itself is named, with what went wrong)."""
    try:
        return _describe(value)
    except Exception as exc:  # noqa: BLE001 - the user's object: its repr may raise anything
        return f"<{type(value).__name__} object that could not be shown: {type(exc).__name__}: {exc}>"


def _describe(value: Any) -> str:
    kind = type(value)
    module = kind.__module__ or ""
    if module.startswith("pandas") and kind.__name__ == "DataFrame":
        text = _frame(value)
    elif module.startswith("pandas") and kind.__name__ == "Series":
        text = _frame(value.to_frame())
    elif hasattr(value, "to_ddl") and callable(value.to_ddl) and module.startswith("workbench"):
        text = value.to_ddl()
    elif hasattr(value, "to_yaml") and callable(value.to_yaml) and module.startswith("workbench"):
        text = value.to_yaml()
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value) if not isinstance(value, int | float | bool) else str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"\n… [cut: {len(text) - MAX_VALUE_CHARS:,} more characters]"
    return text


def _frame(df: Any, rows: int = 5) -> str:
    columns = ", ".join(f"{c} ({t})" for c, t in zip(df.columns, df.dtypes.astype(str), strict=False))
    head = df.head(rows).to_csv(index=False).strip()
    return f"DataFrame with {len(df):,} rows × {len(df.columns)} columns: {columns}\nFirst {min(rows, len(df))} rows (CSV):\n{head}"
