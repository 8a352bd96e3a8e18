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
from typing import Any

from ..findings import ERROR, INFO, WARNING
from ..findings import Findings as FindingsBase
from ..graphs import cycles
from . import types as T
from .model import SERIAL, Column, ForeignKey, Schema, Table
from .names import MAX_LENGTH, is_reserved, qualified, quote

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
_MONEY = re.compile(r"(^|_)(price|amount|cost|total|subtotal|balance|fee|fees|salary|wage|revenue|paid|charge|"
                    r"tax|discount|refund|payment|credit|debit|budget|income|expense|money|usd|eur)(_|$)", re.I)
_HIGH_VOLUME = re.compile(r"(event|log|click|message|metric|audit|notification|session|view|impression|"
                          r"hit|visit|activity|activities|trace|span|measurement|reading|tick)s?$", re.I)
_INT32 = 2_147_483_647
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
        return T.info(column.type, self.schema.dialect)

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
                unique_not_null = [u for u in table.uniques if all(
                    (c := table.column(n)) is not None and not c.nullable for n in u.columns)]
                hint = f" ({', '.join(unique_not_null[0].columns)} is unique and NOT NULL: promote it)" \
                    if unique_not_null else ""
                if unique_not_null and self.dialect != "sqlite":
                    cols = ", ".join(self.q(c) for c in unique_not_null[0].columns)
                    fix = f"ALTER TABLE {self.t(table)} ADD PRIMARY KEY ({cols});"
                elif self.dialect == "postgres":
                    fix = f"ALTER TABLE {self.t(table)} ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
                elif self.dialect == "mysql":
                    fix = f"ALTER TABLE {self.t(table)} ADD COLUMN id BIGINT AUTO_INCREMENT PRIMARY KEY FIRST;"
                else:
                    fix = f"-- SQLite: rebuild {table.name} with id INTEGER PRIMARY KEY"
                yield self.f("WB001", table, None, "no primary key: rows cannot be addressed, replicated or updated "
                             f"reliably{hint}", fix)

    def _covered(self, table: Table, columns: tuple[str, ...]) -> bool:
        wanted = [c.lower() for c in columns]
        candidates = [table.primary_key] + [u.columns for u in table.uniques] + [
            i.columns for i in table.indexes if not i.where and not any(i.expressions)]
        for cols in candidates:
            lower = [c.lower() for c in cols]
            if lower[: len(wanted)] == wanted or (len(lower) >= len(wanted) and set(lower[: len(wanted)]) == set(wanted)):
                return True
        return False

    def fk_without_index(self):
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

    def fk_type_mismatch(self):
        for table in self.tables:
            for fk in table.foreign_keys:
                parent = self.schema.tables.get(fk.ref_table)
                if parent is None:
                    continue
                for col, ref in zip(fk.columns, fk.ref_columns, strict=False):
                    c, r = table.column(col), parent.column(ref)
                    if c is None or r is None or not c.type or not r.type:
                        continue
                    if not self._types_match(c, r):
                        target = T.transpile_type(r.type, self.schema.dialect, self.dialect)
                        yield self.f("WB003", table, col,
                                     f"type {c.type} differs from {parent.key}.{ref} ({r.type}): joins cast, "
                                     "indexes may not be used, and values can overflow",
                                     self.alter_type(table, col, target))

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
        if fk.on_delete == "CASCADE":
            return True  # the child is deleted with the parent: it belongs to it
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
                    why = "ON DELETE CASCADE says the row belongs to its parent" if fk.on_delete == "CASCADE" else \
                        f"{table.key} rows are parts of a {fk.ref_table}"
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
                if _MONEY.search(column.name) and self.info(column).family == "float":
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
            plain = [i for i in table.indexes if not i.where and not any(i.expressions) and i.method in (None, "btree")]
            for pos, index in enumerate(plain):
                cols = lower(index.columns)
                others = keys + [(f"index {o.name}", o.columns, o.unique, p) for p, o in enumerate(plain) if p != pos]
                for label, shown, other_unique, other_pos in others:
                    other = lower(shown)
                    same = other == cols
                    if same and other_pos is not None and other_pos > pos:
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
        for table in self.tables:
            keys = [(u.name, u.columns) for u in table.uniques] + [
                (i.name, i.columns) for i in table.indexes if i.unique and not i.where and not any(i.expressions)]
            for name, cols in keys:
                nullable = [c for c in cols if (col := table.column(c)) is not None and col.nullable]
                if nullable:
                    fix = " ".join(self._set_not_null(table, c) for c in nullable)
                    if self.dialect == "postgres" and len(cols) > 1:
                        fix += " -- or, PostgreSQL 15+: UNIQUE NULLS NOT DISTINCT"
                    yield self.f("WB010", table, ", ".join(nullable),
                                 f"unique key {name or '(' + ', '.join(cols) + ')'} has nullable column"
                                 f"{'s' if len(nullable) > 1 else ''} {', '.join(nullable)}: NULLs never collide, so "
                                 "duplicates slip through", fix)

    def implied_fk(self):
        names: dict[str, Table] = {}
        for table in self.tables:
            names.setdefault(table.name.lower(), table)
        for table in self.tables:
            declared = {c.lower() for fk in table.foreign_keys for c in fk.columns}
            for column in table.columns.values():
                lower = column.name.lower()
                if not lower.endswith("_id") or lower in declared or (lower,) == tuple(
                        c.lower() for c in table.primary_key):
                    continue
                stem = lower[:-3]
                target = None
                for candidate in (stem, stem + "s", stem + "es", stem[:-1] + "ies" if stem.endswith("y") else None):
                    if candidate and candidate in names and names[candidate] is not table:
                        target = names[candidate]
                        break
                if target is None or len(target.primary_key) != 1:
                    continue
                pk = target.primary_key[0]
                if pk.lower() not in ("id", lower):
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
                if is_reserved(name):
                    new = f"{name}_value" if column else f"{name}s"
                    fix = (f"ALTER TABLE {self.t(table)} RENAME COLUMN {self.q(name)} TO {self.q(new)};" if column
                           else f"ALTER TABLE {self.t(table)} RENAME TO {self.q(new)};")
                    yield self.f("WB013", table, column, f"{name!r} is a reserved word in PostgreSQL, MySQL or "
                                 "SQLite: every query must quote it", fix)
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
        seen: dict[str, dict[str, list[str]]] = {}
        for table in self.tables:
            for column in table.columns.values():
                if column.name.lower() in ("id",) or not column.type:
                    continue
                ti = self.info(column)
                label = ti.family + (f"({ti.size})" if ti.family in ("string", "integer") and ti.size else "")
                if ti.family == "decimal":
                    label += f"({ti.precision},{ti.scale})"
                seen.setdefault(column.name.lower(), {}).setdefault(label, []).append(f"{table.key}:{column.type}")
        for name, variants in sorted(seen.items()):
            if len(variants) < 2:
                continue
            families = {label.split("(")[0] for label in variants}
            if len(families) == 1 and "string" in families and not _IDENTIFYING.search(name):
                continue  # names, titles, descriptions: lengths legitimately differ
            tables = [entry for entries in variants.values() for entry in entries]
            majority = max(variants.items(), key=lambda kv: len(kv[1]))
            odd = [e for label, entries in variants.items() if label != majority[0] for e in entries]
            first = self.schema.tables[odd[0].split(":")[0]]
            types = sorted({e.split(":", 1)[1] for e in tables})
            yield self.f("WB015", first, name, f"{name} has {len(variants)} different types across tables "
                         f"({', '.join(types)}; odd ones: {', '.join(e.split(':')[0] for e in odd)}): joins and "
                         f"copies between them cast or truncate",
                         self.alter_type(first, name, majority[1][0].split(":", 1)[1]))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses") or word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
