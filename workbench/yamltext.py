"""YAML syntax errors as people read them: where (line, column) and what."""

from __future__ import annotations

from typing import Any


def yaml_problem(exc: Any, *, line_offset: int = 0) -> tuple[str, str]:
    """('line L, column C' or '', the parser's description) for a yaml.YAMLError.

    `line_offset` shifts the line when the YAML was cut out of a larger file (front matter).
    """
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1 + line_offset}, column {mark.column + 1}" if mark is not None else ""
    return where, str(getattr(exc, "problem", None) or exc)
