"""One spelling for a SQL expression, however it was written: a file's, or the database's own.

CHECK constraints, index expressions and predicates, and computed columns are kept in this form,
so a schema read from a file and the same schema read back from the database it was loaded
into compare equal: `'x'::public.status` and `'x'::status` (the default namespace), `(a > 0)` and
`a > 0`, a backquoted `` `a` `` and a plain `a` are one expression each.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from . import types as T

_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")


def canonical_node(node: Any, dialect: str) -> Any:
    """The canonical form of a sqlglot expression (a copy)."""
    from sqlglot import exp

    default_ns = (T.DEFAULT_NAMESPACE.get(dialect) or "").lower()

    def visit(n: Any) -> Any:
        if isinstance(n, exp.DataType) and n.this == exp.DataType.Type.USERDEFINED:
            kind = n.args.get("kind")
            if isinstance(kind, exp.Dot) and isinstance(kind.this, exp.Identifier) \
                    and kind.this.name.lower() == default_ns:
                n = n.copy()
                n.set("kind", kind.expression)
        elif isinstance(n, exp.Table) and n.args.get("db") is not None and n.args["db"].name.lower() == default_ns:
            n = n.copy()
            n.set("db", None)
        elif isinstance(n, exp.Identifier) and n.args.get("quoted") and _PLAIN.match(n.name) and \
                not _reserved(n.name, dialect):
            n = exp.Identifier(this=n.name, quoted=False)
        return n

    node = node.copy().transform(visit)
    while isinstance(node, exp.Paren):
        node = node.this
    return node


@lru_cache(maxsize=16384)
def canonical_expression(sql: str, dialect: str) -> str:
    """The canonical text of an expression (as written when it cannot be read)."""
    import sqlglot

    T.quiet_sqlglot()
    try:
        node = sqlglot.parse_one(sql, read=dialect)
    except Exception:  # noqa: BLE001 - an expression sqlglot cannot read is compared as written
        return " ".join(str(sql).split())
    return canonical_node(node, dialect).sql(dialect=dialect)


@lru_cache(maxsize=4096)
def _reserved(word: str, dialect: str) -> bool:
    from .names import is_reserved

    return is_reserved(word, dialect)


_TEXT_TYPES = {"TEXT", "VARCHAR", "CHAR", "BPCHAR", "NAME", "NCHAR", "NVARCHAR"}


@lru_cache(maxsize=16384)
def comparison_key(sql: str | None, dialect: str) -> str | None:
    """What two expressions must share to mean the same, as the databases rewrite them.

    Only for comparing (the model keeps expressions as read): parentheses go, casts to text and casts
    of literals go (PostgreSQL adds `::text` where a file had none), `x = ANY (ARRAY[a, b])` is
    `x IN (a, b)`, `x BETWEEN a AND b` is `x >= a AND x <= b`, `INTERVAL '1 DAY'` is
    `'1 day'::interval`, now() is CURRENT_TIMESTAMP, unquoted names compare as the
    database folds them.
    """
    if sql is None:
        return None
    import sqlglot
    from sqlglot import exp

    T.quiet_sqlglot()
    try:
        node = canonical_node(sqlglot.parse_one(str(sql), read=dialect), dialect)
    except Exception:  # noqa: BLE001 - compared as written
        return " ".join(str(sql).lower().split())
    builtin_ns = {(T.DEFAULT_NAMESPACE.get(dialect) or "").lower(), "pg_catalog"} - {""}

    def visit(n: Any) -> Any:
        while isinstance(n, exp.Paren):
            n = n.this
        n.comments = None  # a comment inside a CHECK is not part of it; the database drops it
        if isinstance(n, exp.ByteString) and dialect == "postgres":
            return exp.Literal.string(n.this)  # sqlglot reads PostgreSQL's E'…' as bytes: it is a string
        if isinstance(n, exp.Dot) and isinstance(n.this, exp.Identifier) and n.this.name.lower() in builtin_ns \
                and isinstance(n.expression, exp.Func):
            try:  # public.lower(x) is lower(x) where public is on the search path (the database drops it)
                return sqlglot.parse_one(n.expression.sql(dialect=dialect), read=dialect)
            except Exception:  # noqa: BLE001 - kept as written
                return n
        if isinstance(n, exp.Cast) and isinstance(n.args.get("to"), exp.DataType) \
                and n.args["to"].is_type(exp.DataType.Type.ARRAY):
            inner = n.this
            while isinstance(inner, exp.Paren):
                inner = inner.this
            if isinstance(inner, exp.Array):  # (ARRAY['a'::varchar])::text[] is the array: PostgreSQL's IN (…)
                return inner
        if isinstance(n, exp.Cast):
            target = n.args.get("to")
            inner = n.this
            while isinstance(inner, exp.Paren):
                inner = inner.this
            is_text = isinstance(target, exp.DataType) and getattr(target.this, "name", target.this) in _TEXT_TYPES
            if isinstance(inner, exp.Literal) and inner.is_string and isinstance(target, exp.DataType) and \
                    target.is_type(*exp.DataType.NUMERIC_TYPES) and re.fullmatch(r"-?\d+(\.\d+)?", inner.this):
                return exp.Literal.number(inner.this)  # '-40'::integer is the number -40
            if is_text or isinstance(inner, exp.Literal | exp.Null | exp.Neg):
                return inner
        if isinstance(n, exp.EQ) and isinstance(n.expression, exp.Any):
            values = n.expression.this
            while isinstance(values, exp.Paren):
                values = values.this
            if isinstance(values, exp.Array):
                return exp.In(this=n.this, expressions=list(values.expressions))
        if isinstance(n, exp.Interval) and isinstance(n.this, exp.Literal):
            unit = n.args.get("unit")
            text = f"{n.this.name} {unit.name if unit is not None else ''}"
            return exp.Literal.string(" ".join(text.lower().split()))  # INTERVAL '18 YEARS' is '18 years'
        if isinstance(n, exp.CurrentTimestamp) or isinstance(n, exp.Anonymous) and n.name.lower() == "now":
            return exp.CurrentTimestamp()  # PostgreSQL's now() is CURRENT_TIMESTAMP
        if isinstance(n, exp.Extract) and isinstance(n.this, exp.Literal):
            return exp.Extract(this=exp.var(n.this.name.upper()), expression=n.expression)  # date_part('year', x)
        if isinstance(n, exp.Between):
            return exp.and_(exp.GTE(this=n.this, expression=n.args["low"]),
                            exp.LTE(this=n.this, expression=n.args["high"]))
        if isinstance(n, exp.Identifier) and (not n.args.get("quoted") or dialect != "postgres"):
            return exp.Identifier(this=n.name.lower(), quoted=False)
        return n

    for _ in range(3):  # rewrites can expose more (a cast inside parentheses inside a cast)
        node = node.transform(visit)
    return node.sql(dialect="postgres")


@lru_cache(maxsize=4096)
def tables_read(definition: str | None, dialect: str) -> tuple[str, ...]:
    """The tables (and views) a query reads, by name, lower case, without the default namespace."""
    if not definition:
        return ()
    import sqlglot
    from sqlglot import exp

    T.quiet_sqlglot()
    try:
        node = sqlglot.parse_one(definition, read=dialect)
    except Exception:  # noqa: BLE001 - an unreadable query is compared by its text
        return (" ".join(definition.lower().split()),)
    default = (T.DEFAULT_NAMESPACE.get(dialect) or "").lower()
    ctes = {c.alias_or_name.lower() for c in node.find_all(exp.CTE)}
    names = set()
    for table in node.find_all(exp.Table):
        name = table.name.lower()
        db = (table.db or "").lower()
        if not name or name in ctes and not db:
            continue
        names.add(f"{db}.{name}" if db and db != default else name)
    return tuple(sorted(names))


def view_order(views: dict[str, Any], reads: dict[str, set[str]]) -> list[str]:
    """View keys with every view after the views it reads."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(key: str) -> None:
        if state.get(key):
            return
        state[key] = 1
        for name in sorted(reads.get(key, ())):
            if name in views and name != key:
                visit(name)
        state[key] = 2
        order.append(key)

    for key in views:
        visit(key)
    return order


@lru_cache(maxsize=4096)
def output_columns(definition: str | None, dialect: str) -> tuple[str, ...] | None:
    """The names of the columns a query returns, lower case; None when the text alone cannot say (a `*`, an
    expression without an alias that the database names itself, a query sqlglot cannot read)."""
    if not definition:
        return None
    import sqlglot
    from sqlglot import exp

    T.quiet_sqlglot()
    try:
        node = sqlglot.parse_one(definition, read=dialect)
    except Exception:  # noqa: BLE001 - unknown
        return None
    while isinstance(node, exp.SetOperation):
        node = node.this  # a UNION's columns are its first branch's
    selects = getattr(node, "selects", None)
    if not selects:
        return None
    names = []
    for item in selects:
        if isinstance(item, exp.Star) or isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            return None
        if not isinstance(item, exp.Alias | exp.Column):
            return None
        names.append(item.alias_or_name.lower())
    return tuple(names)


def rename_tables(definition: str | None, dialect: str, names: dict[str, str]) -> str | None:
    """A query with its tables renamed (`names`: table key → new unqualified name) and the default namespace
    dropped from the others, e.g. for a lab that holds every table in one namespace. As written when
    sqlglot cannot read it."""
    if not definition:
        return definition
    import sqlglot
    from sqlglot import exp

    T.quiet_sqlglot()
    try:
        node = sqlglot.parse_one(definition, read=dialect)
    except Exception:  # noqa: BLE001 - kept as written
        return definition
    default = (T.DEFAULT_NAMESPACE.get(dialect) or "").lower()
    lowered = {k.lower(): v for k, v in names.items()}

    def visit(n: Any) -> None:
        if n.name:
            db = (n.db or "").lower()
            key = f"{db}.{n.name.lower()}" if db and db != default else n.name.lower()
            if key in lowered or (db == default and db):
                n.set("this", exp.to_identifier(lowered.get(key, n.name)))
                n.set("db", None)

    for table in list(node.find_all(exp.Table)):  # in place: the tree is this function's own
        visit(table)
    return canonical_node(node, dialect).sql(dialect=dialect)  # and `::public.kind` is `::kind`

