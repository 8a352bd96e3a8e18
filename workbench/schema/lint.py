"""Schema review: rules with an id, a severity, the table/column, a message and a fix as DDL.

    schema.lint()                                 # all rules
    schema.lint(expected_rows={"events": 5e9})    # scale-aware key-size rule
    schema.lint(ignore={"WB008"})

Severities: `error` (will break or corrupt: missing primary key, FK type mismatch, money as
float, identifiers over the length limit), `warning` (likely a problem), `info` (advice).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..findings import ERROR, INFO, WARNING
from ..findings import Findings as FindingsBase
from ..graphs import cycles
from . import types as T
from .model import SERIAL, Column, ForeignKey, Schema, Table
from .names import MAX_LENGTH, is_reserved, mysql_reserved_by, qualified, quote

RULES: dict[str, tuple[str, str]] = {
    "WB001": ("missing-primary-key", ERROR),
    "WB002": ("fk-without-index", WARNING),
    "WB003": ("fk-type-mismatch", ERROR),
    "WB004": ("nullable-mandatory-fk", WARNING),
    "WB005": ("money-as-float", ERROR),
    "WB006": ("timestamp-without-time-zone", WARNING),
    "WB007": ("int-key-at-scale", WARNING),
    "WB008": ("serial-not-identity", INFO),
    "WB009": ("redundant-index", WARNING),
    "WB010": ("nullable-unique-column", WARNING),
    "WB011": ("implied-foreign-key", WARNING),
    "WB012": ("foreign-key-cycle", WARNING),
    "WB013": ("reserved-identifier", WARNING),
    "WB014": ("identifier-too-long", ERROR),
    "WB015": ("inconsistent-column-type", WARNING),
    "WB016": ("fk-to-non-unique-columns", ERROR),
}
_MONEY_WORDS = {"price", "amount", "cost", "total", "subtotal", "balance", "fee", "fees", "salary", "wage", "revenue",
                "paid", "charge", "tax", "refund", "payment", "credit", "debit", "budget", "income", "expense",
                "money", "usd", "eur", "cents", "prices", "costs", "amounts", "totals"}
_MONEY_UNITS = {"cents", "usd", "eur", "amount", "value"}


_WORD_SPLIT = re.compile(r"_|(?<=[a-z])(?=[A-Z])")


@lru_cache(maxsize=16384)
def _is_money(name: str) -> bool:
    """A name whose last word is money (unit_price, tax, amount_cents); not one that only mentions it
    (tax_rate, price_duration, discount: a rate, a time, a fraction)."""
    words = [w for w in _WORD_SPLIT.split(name) if w]
    words = [w.lower() for w in words]
    if not words:
        return False
    return words[-1] in _MONEY_WORDS or (len(words) > 1 and words[-1] in _MONEY_UNITS and words[-2] in _MONEY_WORDS)
_HIGH_VOLUME = re.compile(r"(^|_)(event|log|click|message|metric|audit|notification|session|view|impression|"
                          r"hit|visit|activity|activities|trace|span|measurement|reading|tick)s?$", re.I)
_INT32 = 2_147_483_647
def _only_not_null(where: str, columns: tuple[str, ...], dialect: str) -> bool:
    """Is `where` only `c IS NOT NULL` terms, joined by AND, on some of `columns`?"""
    import sqlglot
    from sqlglot import exp

    try:
        node = sqlglot.parse_one(where, read=dialect)
    except Exception:  # noqa: BLE001 - a predicate we cannot read serves nothing we can prove
        return False
    wanted = {c.lower() for c in columns}
    terms = list(node.flatten()) if isinstance(node, exp.And) else [node]
    for term in terms:
        term = term.unnest()
        if isinstance(term, exp.Not) and isinstance(term.this.unnest(), exp.Is):
            term = term.this.unnest()
        elif not (isinstance(term, exp.Is) and term.args.get("negate")):
            return False
        if not (isinstance(term.expression, exp.Null) and isinstance(term.this, exp.Column)
                and term.this.name.lower() in wanted):
            return False
    return True


_DIALECT_NAMES = {"postgres": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}
_BUSINESS_KEY = re.compile(r"^(code|email|slug|name|username|user_name|login|sku|isbn|handle|\w+_code)$", re.I)
_IDENTIFYING = re.compile(r"(_id|_code|_key|_ref|email|phone|uuid|slug|currency|country|sku|iban|isbn)$", re.I)


@dataclass
class Finding:
    """One schema lint finding: rule, severity, table/column, message, and a fix as DDL."""

    rule: str
    name: str
    severity: str
    table: str
    column: str | None
    message: str
    fix: str | None = None

    def text(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        fix = f"\n    fix: {self.fix}" if self.fix else ""
        return f"{self.severity.upper():7} {self.rule} {self.name} {where}: {self.message}{fix}"

    def cells(self) -> list[str]:
        where = self.table + (f".{self.column}" if self.column else "")
        return [html.escape(where), html.escape(self.message), f"<code>{html.escape(self.fix or '')}</code>"]

    def sort_key(self) -> tuple:
        return (self.table, self.column or "")


class SchemaFindings(FindingsBase):
    """Schema lint findings."""

    headers = ("where", "finding", "fix")


def lint(schema: Schema, *, dialect: str | None = None, expected_rows: int | float | dict | None = None,
         ignore: set[str] | None = None) -> SchemaFindings:
    """Run every rule; fixes are written for `dialect` (default: the schema's)."""
    linter = _Linter(schema, T.dialect_name(dialect or schema.dialect), expected_rows)
    findings = SchemaFindings()
    for check in linter.checks():
        for f in check():
            if not ignore or f.rule not in ignore:
                findings.append(f)
    findings.sort()
    return findings


class _Linter:
    def __init__(self, schema: Schema, dialect: str, expected_rows: Any) -> None:
        self.schema = schema
        self.dialect = dialect
        self.expected_rows = expected_rows
        self.tables = [t for t in schema.tables.values() if not t.partition_of and not t.using]

    def checks(self):
        return [self.missing_primary_key, self.fk_without_index, self.fk_type_mismatch, self.fk_to_non_unique,
                self.nullable_mandatory_fk, self.money_as_float, self.timestamp_without_tz, self.int_keys_at_scale,
                self.serial_not_identity, self.redundant_index, self.nullable_unique, self.implied_fk,
                self.fk_cycles, self.identifiers, self.inconsistent_types]

    def f(self, rule: str, table: Table, column: str | None, message: str, fix: str | None = None,
          severity: str | None = None) -> Finding:
        name, default = RULES[rule]
        return Finding(rule, name, severity or default, table.key, column, message, fix)

    def t(self, table: Table | str) -> str:
        return qualified(table.key if isinstance(table, Table) else table, self.dialect)

    def q(self, name: str) -> str:
        return quote(name, self.dialect)

    def info(self, column: Column) -> T.TypeInfo:
        info = T.info(column.type, self.schema.dialect)
        if self.schema.dialect == "sqlite" and info.family in ("integer", "string"):
            # SQLite stores any integer in up to 8 bytes and does not enforce VARCHAR(n): declared widths mean nothing
            from dataclasses import replace

            info = replace(info, size=8 if info.family == "integer" else None)
        return info

    def alter_type(self, table: Table, column: str, new_type: str) -> str:
        if self.dialect == "postgres":
            return f"ALTER TABLE {self.t(table)} ALTER COLUMN {self.q(column)} TYPE {new_type};"
        if self.dialect == "mysql":
            col = table.column(column)
            null = "" if col is None or col.nullable else " NOT NULL"
            return f"ALTER TABLE {self.t(table)} MODIFY {self.q(column)} {new_type}{null};"
        return f"-- SQLite cannot change a column type in place: rebuild {table.name} with {column} {new_type}"

    # -- rules ---------------------------------------------------------------------------------
    def missing_primary_key(self):
        for table in self.tables:
            if not table.primary_key:
                keys = [u for u in table.uniques] + [i for i in table.indexes if i.unique and not i.where
                                                     and not any(i.expressions)]
                unique_not_null = [u for u in keys if all(
                    (c := table.column(n)) is not None and not c.nullable for n in u.columns)]
                if unique_not_null and self.dialect != "sqlite":
                    cols = ", ".join(self.q(c) for c in unique_not_null[0].columns)
                    fix = f"ALTER TABLE {self.t(table)} ADD PRIMARY KEY ({cols});"
                elif self.dialect == "postgres":
                    fix = f"ALTER TABLE {self.t(table)} ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
                elif self.dialect == "mysql":
                    fix = f"ALTER TABLE {self.t(table)} ADD COLUMN id BIGINT AUTO_INCREMENT PRIMARY KEY FIRST;"
                else:
                    fix = f"-- SQLite: rebuild {table.name} with id INTEGER PRIMARY KEY"
                if unique_not_null:  # rows can be found by it: the key is only not declared as such
                    yield self.f("WB001", table, None, f"no primary key, though ({', '.join(unique_not_null[0].columns)})"
                                 " is unique and NOT NULL: declare it the primary key (replication, ORMs and tools "
                                 "look for one)", fix, severity=INFO)
                else:
                    yield self.f("WB001", table, None, "no primary key and no unique NOT NULL columns: rows cannot be "
                                 "addressed, replicated or updated reliably", fix)

    def _covered(self, table: Table, columns: tuple[str, ...]) -> bool:
        wanted = [c.lower() for c in columns]
        candidates = [table.primary_key] + [u.columns for u in table.uniques] + [
            i.columns for i in table.indexes if not any(i.expressions) and
            (not i.where or _only_not_null(i.where, columns, self.schema.dialect))]
        for cols in candidates:
            lower = [c.lower() for c in cols]
            if lower[: len(wanted)] == wanted or (len(lower) >= len(wanted) and set(lower[: len(wanted)]) == set(wanted)):
                return True
        return False

    def fk_without_index(self):
        """WB002. A partial index `WHERE fk_col IS NOT NULL` serves the key: a lookup `fk_col = x` implies its
        predicate (PostgreSQL proves it; SQLite documents that case), and rows with NULL reference nothing."""
        if self.dialect == "mysql" and self.schema.dialect == "mysql":
            return  # InnoDB creates the index itself
        for table in self.tables:
            for fk in table.foreign_keys:
                if not self._covered(table, fk.columns):
                    name = f"ix_{table.name}_{'_'.join(fk.columns)}"[: MAX_LENGTH[self.dialect]]
                    cols = ", ".join(self.q(c) for c in fk.columns)
                    yield self.f("WB002", table, ", ".join(fk.columns),
                                 f"foreign key to {fk.ref_table} has no supporting index: joins and deletes on "
                                 f"{fk.ref_table} scan {table.key}",
                                 f"CREATE INDEX {self.q(name)} ON {self.t(table)} ({cols});")

    def _types_match(self, a: Column, b: Column) -> bool:
        ia, ib = self.info(a), self.info(b)
        if ia.family != ib.family:
            return False
        if ia.family == "integer":
            return (ia.size or 8) == (ib.size or 8)
        if ia.family == "string":
            return ia.size == ib.size
        if ia.family == "decimal":
            return (ia.precision, ia.scale) == (ib.precision, ib.scale)
        return True

    def _narrower(self, child: Column, parent: Column) -> bool | None:
        """Whether the child column cannot hold every value of the parent's (None: the families differ)."""
        ic, ip = self.info(child), self.info(parent)
        if ic.family != ip.family:
            return None if {ic.family, ip.family} - {"string", "text"} else False
        if ic.family == "integer":
            return (ic.size or 8) < (ip.size or 8)
        if ic.family == "string":
            return ic.size is not None and (ip.size is None or ic.size < ip.size)
        if ic.family == "decimal":
            return (ic.precision or 99) < (ip.precision or 99) or (ic.scale or 0) < (ip.scale or 0)
        return False

    def fk_type_mismatch(self):
        """A foreign key whose column is of another kind than the key it references (an ERROR: the databases
        refuse or compare by casting), or narrower (a WARNING: parent rows past its range cannot be referenced).
        A wider child is harmless: every value it may hold must exist in the parent anyway."""
        for table in self.tables:
            for fk in table.foreign_keys:
                parent = self.schema.tables.get(fk.ref_table)
                if parent is None:
                    continue
                for col, ref in zip(fk.columns, fk.ref_columns, strict=False):
                    c, r = table.column(col), parent.column(ref)
                    if c is None or r is None or not c.type or not r.type:
                        continue
                    narrower = self._narrower(c, r)
                    if narrower is False:
                        continue
                    target = T.transpile_type(r.type, self.schema.dialect, self.dialect)
                    if narrower is None:
                        yield self.f("WB003", table, col, f"type {c.type} is of another kind than {parent.key}.{ref} "
                                     f"({r.type}): every join casts, and most databases refuse the key",
                                     self.alter_type(table, col, target))
                    else:
                        yield self.f("WB003", table, col, f"type {c.type} is narrower than {parent.key}.{ref} "
                                     f"({r.type}): {parent.key} rows beyond its range cannot be referenced",
                                     self.alter_type(table, col, target), severity=WARNING)

    def fk_to_non_unique(self):
        for table in self.tables:
            for fk in table.foreign_keys:
                parent = self.schema.tables.get(fk.ref_table)
                if parent is None:
                    yield self.f("WB016", table, ", ".join(fk.columns), f"references {fk.ref_table}, which is "
                                 "not in the schema", None)
                    continue
                if fk.ref_columns and not parent.is_unique(fk.ref_columns):
                    yield self.f("WB016", table, ", ".join(fk.columns),
                                 f"references {parent.key}({', '.join(fk.ref_columns)}), which is neither the primary "
                                 "key nor unique: most databases reject it",
                                 f"ALTER TABLE {self.t(parent)} ADD UNIQUE ({', '.join(self.q(c) for c in fk.ref_columns)});")

    def _mandatory(self, table: Table, fk: ForeignKey) -> bool:
        # the child's name says it is a part of its parent (invoice_lines of invoices). ON DELETE CASCADE alone
        # does not: an optional owner that takes its rows along is common
        parent = fk.ref_table.rsplit(".", 1)[-1].lower()
        stem = _singular(parent)
        child = table.name.lower()
        return child.startswith(stem + "_") and (child.endswith(("_items", "_lines", "_line_items", "_details",
                                                                   "_entries", "_versions", "_members")))

    def nullable_mandatory_fk(self):
        for table in self.tables:
            for fk in table.foreign_keys:
                cols = [table.column(c) for c in fk.columns]
                if any(c is not None and c.nullable for c in cols) and self._mandatory(table, fk):
                    why = f"{table.key} rows are parts of a {fk.ref_table}"
                    fixes = " ".join(self._set_not_null(table, c.name) for c in cols if c is not None and c.nullable)
                    yield self.f("WB004", table, ", ".join(fk.columns),
                                 f"nullable, but the relationship looks mandatory ({why}): orphans can be inserted",
                                 fixes)

    def _set_not_null(self, table: Table, column: str) -> str:
        if self.dialect == "postgres":
            return f"ALTER TABLE {self.t(table)} ALTER COLUMN {self.q(column)} SET NOT NULL;"
        if self.dialect == "mysql":
            col = table.column(column)
            return f"ALTER TABLE {self.t(table)} MODIFY {self.q(column)} " \
                   f"{T.transpile_type(col.type, self.schema.dialect, 'mysql')} NOT NULL;"
        return f"-- SQLite: rebuild {table.name} with {column} NOT NULL"

    def money_as_float(self):
        for table in self.tables:
            for column in table.columns.values():
                if _is_money(column.name) and self.info(column).family == "float":
                    yield self.f("WB005", table, column.name,
                                 f"money-like column stored as {column.type}: binary floating point cannot hold "
                                 "0.10 exactly, so sums drift", self.alter_type(table, column.name, "NUMERIC(12, 2)"))

    def timestamp_without_tz(self):
        if self.schema.dialect != "postgres":
            return
        for table in self.tables:
            for column in table.columns.values():
                ti = self.info(column)
                if ti.family == "timestamp" and not ti.timezone:
                    yield self.f("WB006", table, column.name,
                                 "timestamp without time zone: the meaning of a value depends on the writer's time "
                                 "zone; use timestamptz (stored as UTC)",
                                 self.alter_type(table, column.name, "TIMESTAMPTZ"))

    def _expected(self, table: Table) -> float | None:
        rows = self.expected_rows
        if isinstance(rows, dict):
            value = rows.get(table.key, rows.get(table.name))
            return float(value) if value is not None else None
        return float(rows) if rows is not None else None

    def int_keys_at_scale(self):
        for table in self.tables:
            if len(table.primary_key) != 1:
                continue
            column = table.column(table.primary_key[0])
            if column is None or self.info(column).family != "integer" or (self.info(column).size or 8) >= 8:
                continue
            expected = self._expected(table)
            if expected is not None and expected > _INT32 / 2:
                yield self.f("WB007", table, column.name,
                             f"{column.type} key with about {expected:,.0f} expected rows: a 4-byte key runs out at "
                             f"2,147,483,647", self.alter_type(table, column.name, "BIGINT"))
            elif expected is None and _HIGH_VOLUME.search(table.name):
                yield self.f("WB007", table, column.name,
                             f"{column.type} key on {table.name}, a table that tends to grow without bound: "
                             "use BIGINT (or pass expected_rows to check the stated scale)",
                             self.alter_type(table, column.name, "BIGINT"), severity=INFO)

    def serial_not_identity(self):
        if self.schema.dialect != "postgres":
            return
        for table in self.tables:
            for column in table.columns.values():
                if column.generated == SERIAL:
                    yield self.f("WB008", table, column.name,
                                 "serial/sequence default: identity columns are the SQL standard and keep the "
                                 "sequence tied to the column (permissions, dumps, ALTER)",
                                 f"-- PostgreSQL 10+: declare {column.name} {T.canonical(column.type, 'postgres')} "
                                 "GENERATED BY DEFAULT AS IDENTITY")

    def redundant_index(self):
        for table in self.tables:
            def lower(cols):
                return tuple(c.lower() for c in cols)

            keys = [("the primary key", table.primary_key, True, None)] if table.primary_key else []
            keys += [(f"unique constraint {u.name}" if u.name else "a unique constraint", u.columns, True, None)
                     for u in table.uniques]
            # plain b-tree indexes; a covering one (INCLUDE) serves scans a shorter key cannot, so it is never
            # the redundant one, but it does make a plain index on its leading columns redundant
            plain = [i for i in table.indexes if not i.where and not any(i.expressions) and i.method in (None, "btree")
                     and not any(i.lengths or ())]
            for pos, index in enumerate(plain):
                if index.include:
                    continue
                cols = lower(index.columns)
                others = keys + [(f"index {o.name}", o.columns, o.unique, p) for p, o in enumerate(plain) if p != pos]
                for label, shown, other_unique, other_pos in others:
                    other = lower(shown)
                    same = other == cols
                    if same and other_pos is not None and other_pos > pos and not plain[other_pos].include:
                        continue  # a pair of duplicates is reported once, on the later index
                    if same and index.unique and not other_unique:
                        continue  # the unique one carries a constraint the other does not
                    prefix = not index.unique and len(other) > len(cols) and other[: len(cols)] == cols
                    if same or prefix:
                        kind = "duplicates" if same else "is a prefix of"
                        drop = None
                        if index.name:
                            drop = f"DROP INDEX {self.q(index.name)};" if self.dialect != "mysql" else \
                                f"DROP INDEX {self.q(index.name)} ON {self.t(table)};"
                        yield self.f("WB009", table, ", ".join(index.columns),
                                     f"index {index.name or '(unnamed)'} {kind} {label} ({', '.join(shown)}): it "
                                     "costs writes and space and serves no query the other cannot", drop)
                        break

    def nullable_unique(self):
        """A unique key of several columns with a nullable one: rows that differ only by NULL are duplicates the
        key lets through. One nullable column alone is an optional unique value (a token, an external id), which
        is usual; only a business key every row should have (code, email, slug, …) is reported then."""
        for table in self.tables:
            keys = [(u.name, u.columns) for u in table.uniques] + [
                (i.name, i.columns) for i in table.indexes if i.unique and not i.where and not any(i.expressions)]
            # a partial unique index `… WHERE col IS NULL` on the other columns closes the gap the NULLs leave
            closed = {(tuple(c.lower() for c in i.columns), m.group(1).lower()) for i in table.indexes
                      if i.unique and i.where and (m := re.fullmatch(r'\(?\s*"?(\w+)"?\s+IS\s+NULL\s*\)?', i.where, re.I))}
            reported: set[tuple[str, ...]] = set()
            strict = [tuple(c.lower() for c in k) for _, k in keys + [(None, table.primary_key)] if k and all(
                (col := table.column(c)) is not None and not col.nullable for c in k)]
            for name, cols in keys:
                if any(set(k) < {c.lower() for c in cols} for k in strict):
                    continue  # fewer of its columns, all NOT NULL, are unique already: no duplicates can slip through
                if tuple(c.lower() for c in cols) in reported:
                    continue  # a UNIQUE constraint and a unique index on the same columns: said once
                reported.add(tuple(c.lower() for c in cols))
                nullable = [c for c in cols if (col := table.column(c)) is not None and col.nullable]
                if len(cols) == 1 and nullable and _BUSINESS_KEY.search(cols[0]):
                    yield self.f("WB010", table, cols[0], f"unique {cols[0]} is nullable: rows can go without one, "
                                 "and then nothing identifies them by it", self._set_not_null(table, cols[0]),
                                 severity=INFO)
                    continue
                nullable = [c for c in nullable if (tuple(x.lower() for x in cols if x != c), c.lower()) not in closed]
                if nullable and len(cols) > 1:
                    fix = " ".join(self._set_not_null(table, c) for c in nullable)
                    if self.dialect == "postgres" and len(cols) > 1:
                        fix += " -- or, PostgreSQL 15+: UNIQUE NULLS NOT DISTINCT"
                    yield self.f("WB010", table, ", ".join(nullable),
                                 f"unique key {name or '(' + ', '.join(cols) + ')'} has nullable column"
                                 f"{'s' if len(nullable) > 1 else ''} {', '.join(nullable)}: NULLs never collide, so "
                                 "duplicates slip through", fix)

    def implied_fk(self):
        """`customer_id` with no foreign key, where exactly one table `customer(s)` has a one-column key `id` or
        `customer_id` of the same kind (in the same namespace when there is one there)."""
        names: dict[str, list[Table]] = {}
        for table in self.tables:
            names.setdefault(table.name.lower(), []).append(table)
        partitions_of: dict[str, list[Table]] = {}
        for t in self.schema.tables.values():
            if t.partition_of:
                partitions_of.setdefault(t.partition_of, []).append(t)
        for table in self.tables:
            declared = {c.lower() for fk in table.foreign_keys for c in fk.columns}
            partitions = partitions_of.get(table.key, [])
            if partitions:  # keys declared on every partition hold for the partitioned table
                declared |= set.intersection(*({c.lower() for fk in p.foreign_keys for c in fk.columns}
                                               for p in partitions))
            for column in table.columns.values():
                lower = column.name.lower()
                if not lower.endswith("_id") or lower in declared or (lower,) == tuple(
                        c.lower() for c in table.primary_key):
                    continue
                stem = lower[:-3]
                found = [t for candidate in {stem, stem + "s", stem + "es", stem[:-1] + "ies" if stem.endswith("y")
                                             else None} if candidate for t in names.get(candidate, ()) if t is not table]
                local = [t for t in found if t.namespace == table.namespace]
                found = local or found
                if len(found) != 1 or len(found[0].primary_key) != 1 or found[0].key in table.inherits:
                    continue  # none, or which one is meant is a guess
                target = found[0]
                pk = target.primary_key[0]
                key_column = target.column(pk)
                if pk.lower() not in ("id", lower) or key_column is None or self._narrower(column, key_column) is None:
                    continue
                yield self.f("WB011", table, column.name,
                             f"looks like a reference to {target.key}.{pk} but no foreign key is declared: nothing "
                             "stops orphans",
                             f"ALTER TABLE {self.t(table)} ADD FOREIGN KEY ({self.q(column.name)}) REFERENCES "
                             f"{self.t(target)} ({self.q(pk)});" if self.dialect != "sqlite" else
                             f"-- SQLite: rebuild {table.name} with {column.name} REFERENCES {target.name}({pk})")

    def fk_cycles(self):
        graph: dict[str, set[str]] = {}
        for table in self.tables:
            for fk in table.foreign_keys:
                if fk.ref_table != table.key:
                    graph.setdefault(table.key, set()).add(fk.ref_table)
        for cycle in cycles(graph):
            table = self.schema.tables[cycle[0]]
            path = " → ".join(cycle + [cycle[0]])
            fix = "-- make one foreign key in the cycle nullable (insert, then update)"
            if self.dialect == "postgres":
                fix += ", or DEFERRABLE INITIALLY DEFERRED so both rows go in one transaction"
            yield self.f("WB012", table, None, f"foreign keys form a cycle ({path}): rows need an insert order that "
                         "does not exist, and deletes cascade in loops", fix)

    def identifiers(self):
        limit = MAX_LENGTH[self.dialect]
        for table in self.tables:
            names = [(table.name, None)] + [(c, c) for c in table.columns]
            for name, column in names:
                if is_reserved(name, self.schema.dialect):  # where its queries run; elsewhere emit quotes it
                    new = f"{name}_value" if column else f"{name}s"
                    fix = (f"ALTER TABLE {self.t(table)} RENAME COLUMN {self.q(name)} TO {self.q(new)};" if column
                           else f"ALTER TABLE {self.t(table)} RENAME TO {self.q(new)};")
                    where = _DIALECT_NAMES[self.schema.dialect]
                    if self.schema.dialect == "mysql":
                        by = mysql_reserved_by(name)
                        where = " and ".join(by) + ("" if len(by) == 2 else
                                                    f" ({'MariaDB' if by == ('MySQL 8.0',) else 'MySQL 8.0'} accepts it)")
                    yield self.f("WB013", table, column, f"{name!r} is a reserved word in {where}: every query must "
                                 "quote it", fix)
                if len(name) > limit or (self.dialect != "mysql" and len(name) > 64):
                    short = name[: limit - 4] + "_x"
                    fix = (f"ALTER TABLE {self.t(table)} RENAME COLUMN {self.q(name)} TO {self.q(short)};" if column
                           else f"ALTER TABLE {self.t(table)} RENAME TO {self.q(short)};")
                    yield self.f("WB014", table, column, f"identifier is {len(name)} characters; {self.dialect} "
                                 f"keeps at most {limit} (PostgreSQL truncates silently, MySQL refuses)", fix)
        for table in self.tables:
            for index in table.indexes:
                if index.name and len(index.name) > limit:
                    yield self.f("WB014", table, None, f"index name {index.name} is {len(index.name)} characters; "
                                 f"the limit is {limit}", None)

    def inconsistent_types(self):
        """One key of the design stored at different widths across tables: an id column whose name says which
        table it keys (`shift_id`, `shiftid` with a table `shift`, or a primary key's own name), or an
        identifying string (email, country_code, …). Values copied or joined between them cast or do not fit.
        Columns that only share a name are left alone: different kinds (INT and TEXT) mean different things
        there, TEXT and VARCHAR are one kind, and a difference a foreign key shows is WB003's."""
        linked = {(t.key, c.lower()) for t in self.tables for fk in t.foreign_keys for c in fk.columns} | {
            (fk.ref_table, c.lower()) for t in self.tables for fk in t.foreign_keys for c in fk.ref_columns}
        tables = {t.name.lower() for t in self.tables}
        own_keys = {c.lower() for t in self.tables if len(t.primary_key) == 1 for c in t.primary_key}
        seen: dict[str, dict[str, list[str]]] = {}
        for table in self.tables:
            for column in table.columns.values():
                lower = column.name.lower()
                ti = self.info(column)
                family = "string" if ti.family == "text" else ti.family
                stem = re.sub(r"_?id$", "", lower)
                keyed_id = lower != "id" and lower.endswith("id") and family == "integer" and (
                    lower in own_keys or {stem, stem + "s", stem + "es"} & tables)
                named = family == "string" and _IDENTIFYING.search(lower) and not lower.endswith("_id")
                if not (keyed_id or named):
                    continue
                label = f"{family}({ti.size})" if ti.size else family
                seen.setdefault(lower, {}).setdefault(label, []).append(f"{table.key}:{column.type}")
        for name, variants in sorted(seen.items()):
            if len(variants) < 2:
                continue
            majority = max(variants.items(), key=lambda kv: (len(kv[1]), kv[0]))
            odd = [e for label, entries in variants.items() if label != majority[0] for e in entries]
            if all((e.split(":")[0], name) in linked for e in odd):
                continue  # the foreign key rule says it, with the key it breaks
            first = self.schema.tables[odd[0].split(":")[0]]
            types = sorted({e.split(":", 1)[1] for entries in variants.values() for e in entries})
            yield self.f("WB015", first, name, f"{name} is stored at {len(variants)} widths across tables "
                         f"({', '.join(types)}; odd ones: {', '.join(e.split(':')[0] for e in odd)}): values copied "
                         "or joined between them are cast, or do not fit",
                         self.alter_type(first, name, majority[1][0].split(":", 1)[1]))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses") or word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
