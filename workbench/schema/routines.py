"""Functions and triggers a file creates that the model does not carry, and the parts of the schema that need them.

The model holds tables, not code: a `CREATE FUNCTION` is skipped. A DEFAULT, CHECK, index expression
or computed column that calls such a function is kept, so the DDL written from the model fails where
the function is missing ("function make_code() does not exist"); a trigger is left out, so its
behaviour is. `needs(schema)` names each of these, with the line of the statement skipped, for the
notes the emitter writes above a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import types as T

_NAME = r'(?:[\w$]+|"(?:[^"]|"")+"|`[^`]+`)'
_QUALIFIED = rf"({_NAME}(?:\s*\.\s*{_NAME})?)"
_PREFIX = r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*(?:\S+@\S+|\S+)\s+)?"
ROUTINE = re.compile(_PREFIX + rf"(?:AGGREGATE\s+)?(?:FUNCTION|PROCEDURE)\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QUALIFIED}",
                     re.I)
TRIGGER = re.compile(_PREFIX + rf"(?:CONSTRAINT\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QUALIFIED}.*?\bON\s+"
                     rf"{_QUALIFIED}", re.I | re.S)
_EXECUTES = re.compile(rf"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+{_QUALIFIED}\s*\(", re.I)


@dataclass(frozen=True)
class SkippedTrigger:
    """A CREATE TRIGGER the model left out: its name, table key, the function it runs (if named), its line."""

    name: str
    table: str
    function: str | None
    line: int


@dataclass(frozen=True)
class Need:
    """A part of a table that calls a function the model does not carry."""

    table: str
    where: str        # e.g. "t.code DEFAULT", "CHECK (positive(n))", "index t_e"
    function: str
    line: int         # the line of the skipped CREATE FUNCTION

    def note(self) -> str:
        return (f"needs function {self.function}(), whose CREATE FUNCTION at line {self.line} is not carried: "
                f"{self.where} fails to load without it (create the function first)")


def bare(name: str, dialect: str) -> str:
    """A function's name as the comparisons use it: unquoted, lower case (unless quoted in PostgreSQL), without
    the default namespace."""
    parts = [p.strip() for p in re.findall(_NAME, name)]
    out = []
    for part in parts:
        if part[0] in '"`':
            inner = part[1:-1].replace('""', '"')
            out.append(inner if dialect == "postgres" else inner.lower())
        else:
            out.append(part.lower())
    default = (T.DEFAULT_NAMESPACE.get(dialect) or "").lower()
    if len(out) == 2 and out[0] in (default, "pg_catalog"):
        out = out[1:]
    return ".".join(out)


def routine_name(sql: str, dialect: str) -> str | None:
    """The name a CREATE FUNCTION / PROCEDURE statement defines (see bare), or None."""
    m = ROUTINE.search(sql)
    return bare(m.group(1), dialect) if m else None


def trigger_of(sql: str, dialect: str, line: int) -> SkippedTrigger | None:
    """What a CREATE TRIGGER statement names, or None."""
    m = TRIGGER.search(sql)
    if not m:
        return None
    runs = _EXECUTES.search(sql)
    return SkippedTrigger(bare(m.group(1), dialect), bare(m.group(2), dialect),
                          bare(runs.group(1), dialect) if runs else None, line)


@lru_cache(maxsize=4096)
def calls(sql: str | None, dialect: str) -> frozenset[str]:
    """The names of the functions an expression calls that sqlglot does not know as built-ins (see bare)."""
    if not sql:
        return frozenset()
    import sqlglot
    from sqlglot import exp

    T.quiet_sqlglot()
    try:
        node = sqlglot.parse_one(sql, read=dialect)
    except Exception:  # noqa: BLE001 - an unreadable expression: its calls found by their shape
        return frozenset(bare(n, dialect) for n in re.findall(rf"{_QUALIFIED}\s*\(", sql))
    out = set()
    for call in node.find_all(exp.Anonymous):
        parent = call.parent
        qualifier = parent.this.sql(dialect=dialect) + "." if isinstance(parent, exp.Dot) and \
            parent.expression is call else ""
        out.add(bare(qualifier + call.name, dialect))
    return frozenset(out)


def needs(schema) -> list[Need]:
    """Every DEFAULT, CHECK, index expression or predicate and computed column of the schema that calls a function
    whose CREATE FUNCTION the parse skipped."""
    skipped = getattr(schema, "routines_skipped", None) or {}
    if not skipped:
        return []
    dialect = schema.dialect
    out: list[Need] = []

    def add(table, where: str, sql: str | None) -> None:
        for name in sorted(calls(sql, dialect)):
            if name in skipped:
                out.append(Need(table.key, where, name, skipped[name]))

    for table in schema.tables.values():
        for column in table.columns.values():
            add(table, f"{table.key}.{column.name} DEFAULT", column.default)
            add(table, f"{table.key}.{column.name} GENERATED ALWAYS AS", column.computed)
        for check in table.checks:
            add(table, f"{table.key} CHECK ({check.expression})", check.expression)
        for index in table.indexes:
            label = f"index {index.name or ', '.join(index.columns)} on {table.key}"
            for n, part in enumerate(index.columns):
                if index.is_expression(n):
                    add(table, label, part)
            add(table, label, index.where)
    return out


def trigger_notes(schema, table_key: str) -> list[str]:
    """Notes for the triggers on a table that the model left out."""
    lower = table_key.lower()
    return [f"not carried: trigger {t.name} on {table_key} (line {t.line})"
            + (f", which runs {t.function}()" if t.function else "") + ": create it after the table to keep what it does"
            for t in getattr(schema, "triggers_skipped", None) or () if t.table.lower() == lower]
