"""What changed between two schema versions, how risky each change is, and the migration SQL.

Risk classes, most severe first:
- `destructive`: data is lost (drop table, drop column, a narrowing type change).
- `may fail on existing data`: the migration can fail on rows already there (NOT NULL,
  a new foreign key, unique or check constraint, a type change that must convert values).
- `backward-incompatible`: running code may break (a new NOT NULL column without a default,
  a dropped default, a changed primary key).
- `safe`: additive (new table, nullable column, index, default).

SQLite cannot alter constraints or types in place: those changes rebuild the table
(create, copy, drop, rename) inside the migration, as SQLite's documentation prescribes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from . import types as T
from .emit import _Emitter
from .expressions import comparison_key, output_columns, tables_read, view_order
from .literals import default_key
from .model import AUTO_INCREMENT, IDENTITY_BY_DEFAULT, SERIAL, Column, ForeignKey, Index, Schema, Table
from .names import qualified, quote, server_name
from .parse import fk_action

DESTRUCTIVE, MAY_FAIL, INCOMPATIBLE, SAFE = "destructive", "may fail on existing data", "backward-incompatible", "safe"
RISK_ORDER = {DESTRUCTIVE: 0, MAY_FAIL: 1, INCOMPATIBLE: 2, SAFE: 3}


@dataclass
class Change:
    """One change from the old schema to the new one."""

    kind: str            # add_table, drop_table, add_column, drop_column, alter_column, add_fk, drop_fk, …
    table: str
    target: str | None   # column, constraint or index name
    detail: str
    risk: str
    old: Any = field(default=None, repr=False)
    new: Any = field(default=None, repr=False)

    def text(self) -> str:
        where = self.table + (f".{self.target}" if self.target else "")
        return f"[{self.risk}] {self.kind} {where}: {self.detail}"


class SchemaDiff:
    """Changes from `old` to `new`; `sql(dialect)` is the migration."""

    def __init__(self, old: Schema, new: Schema, changes: list[Change]) -> None:
        self.old = old
        self.new = new
        self.changes = changes

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def risk(self) -> str:
        """The most severe risk of all changes (`safe` when there are none)."""
        return min((c.risk for c in self.changes), key=RISK_ORDER.__getitem__, default=SAFE)

    def by_risk(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {r: [] for r in RISK_ORDER}
        for change in self.changes:
            out[change.risk].append(change)
        return out

    def summary(self) -> str:
        if not self.changes:
            return "no changes"
        kinds: dict[str, int] = {}
        for c in self.changes:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in kinds.items())
        risks = ", ".join(f"{len(v)} {r}" for r, v in self.by_risk().items() if v)
        return f"{len(self.changes)} change{'s' if len(self.changes) != 1 else ''} ({parts}); risk: {risks}"

    def text(self) -> str:
        return "\n".join(c.text() for c in self.changes) if self.changes else "No changes."

    def to_records(self) -> list[dict]:
        """The changes as JSON-able records: kind, table, target, detail, risk."""
        return [{"kind": c.kind, "table": c.table, "target": c.target, "detail": c.detail, "risk": c.risk}
                for c in self.changes]

    def sql(self, dialect: str | None = None) -> str:
        """Migration SQL from old to new, for `dialect` (default: the new schema's)."""
        dialect = T.dialect_name(dialect or self.new.dialect)
        statements = _Migration(self, dialect).statements()
        return "\n".join(statements) + ("\n" if statements else "")

    def er(self, **options: Any):
        """The new schema's ER diagram with added (green), removed (red) and changed (amber) parts."""
        from .er import ERDiagram

        merged = Schema(list(self.new.tables.values()), dialect=self.new.dialect)
        highlight: dict[str, Any] = {}
        for change in self.changes:
            if change.kind == "add_table":
                highlight[change.table] = "added"
            elif change.kind == "drop_table":
                merged.tables[change.table] = change.old
                highlight[change.table] = "removed"
            else:
                entry = highlight.setdefault(change.table, {"": "changed", "columns": {}})
                if not isinstance(entry, dict):
                    continue
                if change.kind == "add_column":
                    entry["columns"][change.target] = "added"
                elif change.kind == "drop_column":
                    entry.setdefault("removed_columns", []).append(change.target)
                elif change.target and change.kind in ("alter_column", "add_fk", "drop_fk"):
                    for col in (change.target.split(", ") if change.kind != "alter_column" else [change.target]):
                        entry["columns"].setdefault(col, "changed")
        return ERDiagram(merged, highlight=highlight, **options)

    def _repr_html_(self) -> str:
        colours = {DESTRUCTIVE: "#c5221f", MAY_FAIL: "#b06000", INCOMPATIBLE: "#8a4baf", SAFE: "#1e8e3e"}
        rows = "".join(f'<tr><td style="color:{colours[c.risk]}">{c.risk}</td><td>{c.kind}</td>'
                       f"<td>{html.escape(c.table)}{'.' + html.escape(c.target) if c.target else ''}</td>"
                       f"<td>{html.escape(c.detail)}</td></tr>" for c in self.changes)
        return (f"<p><b>Diff:</b> {html.escape(self.summary())}</p>"
                f"<table><thead><tr><th>risk</th><th>change</th><th>where</th><th>detail</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><pre>{html.escape(self.sql())}</pre>")

    def __repr__(self) -> str:
        return f"<SchemaDiff {self.summary()}>"


def diff(old: Schema, new: Schema) -> SchemaDiff:
    """Compare two schemas (table keys and column names case-insensitively).

    Expressions (defaults, checks, index expressions and predicates, computed columns) compare by
    meaning as the databases rewrite them (see workbench.schema.expressions.comparison_key); a
    UNIQUE constraint and a unique index on the same columns are one unique key.
    """
    changes: list[Change] = []
    old_tables = {k.lower(): t for k, t in old.tables.items()}
    new_tables = {k.lower(): t for k, t in new.tables.items()}
    for key, table in new_tables.items():
        if key not in old_tables:
            changes.append(Change("add_table", table.key, None, f"{len(table.columns)} columns", SAFE, new=table))
    for key, table in old_tables.items():
        if key not in new_tables:
            changes.append(Change("drop_table", table.key, None, "the table and all its rows are dropped",
                                  DESTRUCTIVE, old=table))
    for key, new_table in new_tables.items():
        old_table = old_tables.get(key)
        if old_table is not None:
            changes.extend(_table_changes(old_table, new_table, old.dialect, new.dialect))
    changes.extend(_named_changes(old, new))
    return SchemaDiff(old, new, changes)


def _lower(cols) -> tuple[str, ...]:
    return tuple(c.lower() for c in cols)


def _key(sql: str | None, dialect: str) -> str | None:
    return comparison_key(sql, dialect) if sql is not None else None


def _table_changes(old: Table, new: Table, old_dialect: str, new_dialect: str) -> list[Change]:
    out: list[Change] = []
    key = new.key
    old_cols = {n.lower(): c for n, c in old.columns.items()}
    new_cols = {n.lower(): c for n, c in new.columns.items()}
    for name, col in new_cols.items():
        if name not in old_cols:
            if not col.nullable and col.default is None and not col.generated and not col.computed:
                out.append(Change("add_column", key, col.name, f"{col.type} NOT NULL without a default: fails on a "
                                  "non-empty table, and old code that inserts rows breaks", MAY_FAIL, new=col))
            else:
                out.append(Change("add_column", key, col.name, col.type + ("" if col.nullable else " NOT NULL"), SAFE,
                                  new=col))
    for name, col in old_cols.items():
        if name not in new_cols:
            out.append(Change("drop_column", key, col.name, f"{col.type}: its data is lost", DESTRUCTIVE, old=col))
    for name, new_col in new_cols.items():
        old_col = old_cols.get(name)
        if old_col is None:
            continue
        old_type = T.transpile_type(old_col.type, old_dialect, new_dialect) if old_dialect != new_dialect else old_col.type
        if T.comparison_type(old_type, new_dialect) != T.comparison_type(new_col.type, new_dialect):
            risk = _type_risk(old_col, new_col, old_dialect, new_dialect)
            out.append(Change("alter_column", key, new_col.name, f"type {old_col.type} → {new_col.type}", risk,
                              old=old_col, new=new_col))
        if old_col.nullable and not new_col.nullable:
            out.append(Change("alter_column", key, new_col.name, "SET NOT NULL: fails if any row holds NULL", MAY_FAIL,
                              old=old_col, new=new_col))
        elif not old_col.nullable and new_col.nullable:
            out.append(Change("alter_column", key, new_col.name, "DROP NOT NULL", SAFE, old=old_col, new=new_col))
        if default_key(_key(old_col.default, old_dialect), old_col.type, old_dialect) != \
                default_key(_key(new_col.default, new_dialect), new_col.type, new_dialect) and not new_col.generated:
            if new_col.default is None:
                out.append(Change("alter_column", key, new_col.name, f"DROP DEFAULT (was {old_col.default}): inserts "
                                  "that relied on it now need a value", INCOMPATIBLE, old=old_col, new=new_col))
            else:
                out.append(Change("alter_column", key, new_col.name, f"DEFAULT {new_col.default}", SAFE,
                                  old=old_col, new=new_col))
        if (old_col.generated or None) != (new_col.generated or None) and not (
                {old_col.generated, new_col.generated} <= {SERIAL, AUTO_INCREMENT, IDENTITY_BY_DEFAULT, None}
                and old_col.generated and new_col.generated):
            out.append(Change("alter_column", key, new_col.name, f"generated: {old_col.generated or 'no'} → "
                              f"{new_col.generated or 'no'}", INCOMPATIBLE if old_col.generated else MAY_FAIL,
                              old=old_col, new=new_col))
        if _key(old_col.computed, old_dialect) != _key(new_col.computed, new_dialect):
            out.append(Change("alter_column", key, new_col.name, f"computed as {new_col.computed or '(nothing)'}",
                              MAY_FAIL, old=old_col, new=new_col))
        if _key(old_col.on_update, old_dialect) != _key(new_col.on_update, new_dialect):
            out.append(Change("alter_column", key, new_col.name, f"ON UPDATE {new_col.on_update or '(none)'}", SAFE,
                              old=old_col, new=new_col))
    if _lower(old.primary_key) != _lower(new.primary_key):
        out.append(Change("alter_primary_key", key, None, f"({', '.join(old.primary_key)}) → "
                          f"({', '.join(new.primary_key)}): fails on duplicates, and references to the old key break",
                          INCOMPATIBLE if old.primary_key else MAY_FAIL, old=old.primary_key, new=new.primary_key))
    out.extend(_keyed(key, old.foreign_keys, new.foreign_keys, _fk_id, "fk", MAY_FAIL,
                      lambda fk: f"({', '.join(fk.columns)}) → {fk.ref_table}({', '.join(fk.ref_columns)})"))
    old_uniques, old_indexes, new_uniques, new_indexes = _unique_keys(old, new, old_dialect, new_dialect)
    out.extend(_keyed(key, old_uniques, new_uniques, lambda u: _lower(u.columns), "unique", MAY_FAIL,
                      lambda u: f"({', '.join(u.columns)})"))
    out.extend(_keyed(key, old.checks, new.checks, lambda c: _key(c.expression, old_dialect), "check", MAY_FAIL,
                      lambda c: c.expression, new_ident=lambda c: _key(c.expression, new_dialect)))
    out.extend(_keyed(key, old_indexes, new_indexes, lambda i: _index_id(i, old_dialect, old), "index", SAFE,
                      lambda i: f"{'unique ' if i.unique else ''}({', '.join(i.columns)})"
                                + (f" WHERE {i.where}" if i.where else ""),
                      add_risk=lambda i: MAY_FAIL if i.unique else SAFE,
                      new_ident=lambda i: _index_id(i, new_dialect, new)))
    return out


def _unique_keys(old: Table, new: Table, old_dialect: str, new_dialect: str):
    """Uniques and indexes to compare: a UNIQUE constraint on one side and a plain unique index on the other, on
    the same columns, are the same unique key (MySQL keeps every UNIQUE as an index)."""
    def plain(i: Index) -> bool:
        return i.unique and not i.where and not any(i.expressions) and not any(i.lengths or ()) and not i.include

    old_u = {_lower(u.columns) for u in old.uniques}
    new_u = {_lower(u.columns) for u in new.uniques}
    old_pi = {_lower(i.columns) for i in old.indexes if plain(i)}
    new_pi = {_lower(i.columns) for i in new.indexes if plain(i)}
    same = (old_u & new_pi) | (new_u & old_pi)
    return ([u for u in old.uniques if _lower(u.columns) not in same],
            [i for i in old.indexes if not (plain(i) and _lower(i.columns) in same)],
            [u for u in new.uniques if _lower(u.columns) not in same],
            [i for i in new.indexes if not (plain(i) and _lower(i.columns) in same)])


def _named_changes(old: Schema, new: Schema) -> list[Change]:
    """Views, enums and domains: added, dropped, or changed (compared by definition)."""
    out: list[Change] = []
    for kind, old_items, new_items, ident in (
            ("view", old.views, new.views, None),
            ("enum", old.enums, new.enums, lambda e, d: tuple(e.values)),
            ("domain", old.domains, new.domains, lambda x, d: (T.canonical(x.type, d).upper(), _key(x.check, d)))):
        olds = {k.lower(): v for k, v in old_items.items()}
        news = {k.lower(): v for k, v in new_items.items()}
        for key, item in news.items():
            if key not in olds:
                out.append(Change(f"add_{kind}", item.key, None, f"new {kind}", SAFE, new=item))
            elif not _same_view(olds[key], item, old.dialect, new.dialect) if ident is None else \
                    ident(olds[key], old.dialect) != ident(item, new.dialect):
                risk = MAY_FAIL if kind != "view" else SAFE
                if kind == "enum" and set(olds[key].values) - set(item.values):
                    risk = DESTRUCTIVE  # values in use would be orphaned
                out.append(Change(f"alter_{kind}", item.key, None, f"{kind} definition changed", risk,
                                  old=olds[key], new=item))
        for key, item in olds.items():
            if key not in news:
                out.append(Change(f"drop_{kind}", item.key, None, f"the {kind} is dropped",
                                  INCOMPATIBLE if kind == "view" else DESTRUCTIVE, old=item))
    return out


def _view_id(view: Any, dialect: str):
    """A view as the diff compares it: materialized or not, the tables it reads and the columns it returns.
    (Databases rewrite a view's text beyond recognition — qualified columns, added casts and aliases, `*`
    spelled out — so the text itself is not compared, nor the columns of a `SELECT *`.)"""
    return (view.materialized, tables_read(view.definition, dialect), output_columns(view.definition, dialect) or ())


def _same_view(a: Any, b: Any, a_dialect: str, b_dialect: str) -> bool:
    x, y = _view_id(a, a_dialect), _view_id(b, b_dialect)
    return x[:2] == y[:2] and (not x[2] or not y[2] or x[2] == y[2])


def _fk_id(fk: ForeignKey):
    return (_lower(fk.columns), fk.ref_table.lower(), _lower(fk.ref_columns), fk_action(fk.on_delete, "postgres"),
            fk_action(fk.on_update, "postgres"))


def _index_id(ix: Index, dialect: str, table: Table | None = None):
    parts = tuple(comparison_key(c, dialect) if ix.is_expression(n) else c.lower() for n, c in enumerate(ix.columns))
    n = len(ix.columns)
    return (parts, ix.unique, _key(ix.where, dialect), (ix.method or "btree").lower(),
            tuple(ix.opclasses or (None,) * n), _prefix_lengths(ix, dialect, table),
            tuple(ix.descending or (False,) * n), tuple(c.lower() for c in ix.include))


def _prefix_lengths(ix: Index, dialect: str, table: Table | None) -> tuple:
    """An index's prefix lengths, None where there is none or where it is the whole column: MySQL drops a prefix
    as long as the column (`KEY (v(20))` on a VARCHAR(20) is `KEY (v)`)."""
    columns = {name.lower(): c for name, c in (table.columns.items() if table is not None else ())}
    out = []
    for n, length in enumerate(ix.lengths or (None,) * len(ix.columns)):
        column = columns.get(ix.columns[n].lower()) if length and not ix.is_expression(n) else None
        size = T.info(column.type, dialect).size if column is not None else None
        out.append(None if length and size is not None and T.info(column.type, dialect).family == "string"
                   and length >= size else length)
    return tuple(out)


def _keyed(table: str, old: list, new: list, ident, label: str, add_risk_default: str, describe, add_risk=None,
           new_ident=None):
    old_ids = {ident(x): x for x in old}
    new_ids = {(new_ident or ident)(x): x for x in new}
    out = []
    for k, item in new_ids.items():
        if k not in old_ids:
            risk = add_risk(item) if add_risk else add_risk_default
            detail = describe(item) + (": fails if existing rows violate it" if risk == MAY_FAIL else "")
            out.append(Change(f"add_{label}", table, _target(item), detail, risk, new=item))
    for k, item in old_ids.items():
        if k not in new_ids:
            out.append(Change(f"drop_{label}", table, _target(item), describe(item), SAFE, old=item))
    return out


def _target(item) -> str | None:
    if hasattr(item, "columns") and not isinstance(item, Index):
        return ", ".join(item.columns)
    if isinstance(item, Index):
        return item.name or ", ".join(item.columns)
    return getattr(item, "name", None) or getattr(item, "column", None)


def _type_risk(old: Column, new: Column, old_dialect: str, new_dialect: str) -> str:
    a, b = T.info(old.type, old_dialect), T.info(new.type, new_dialect)
    if a.family == b.family:
        if a.family == "integer" and (b.size or 8) >= (a.size or 8):
            return SAFE
        if a.family == "string" and (b.size is None or (a.size is not None and b.size >= a.size)):
            return SAFE
        if a.family == "decimal" and (b.precision or 99) >= (a.precision or 0) and (b.scale or 0) >= (a.scale or 0):
            return SAFE
        if a.family in ("timestamp", "time") and a.timezone != b.timezone:
            return MAY_FAIL
        if a.family in ("integer", "string", "decimal"):
            return DESTRUCTIVE  # narrowing: values are cut or rejected
        return SAFE
    if a.family == "string" and b.family == "text" or a.family == "integer" and b.family == "decimal":
        return SAFE
    return MAY_FAIL


# -- migration SQL -----------------------------------------------------------------------------
class _Migration:
    def __init__(self, d: SchemaDiff, dialect: str) -> None:
        self.d = d
        self.dialect = dialect
        self.emit = _Emitter(d.new, dialect)

    def t(self, key: str) -> str:
        return qualified(key, self.dialect)

    def q(self, name: str) -> str:
        return quote(name, self.dialect)

    def statements(self) -> list[str]:
        out: list[str] = []
        by_table: dict[str, list[Change]] = {}
        for change in self.d.changes:
            by_table.setdefault(change.table, []).append(change)
        rebuild: set[str] = set()
        if self.dialect == "sqlite":
            for table, changes in by_table.items():
                if any(c.kind not in ("add_table", "drop_table", "add_column", "drop_column", "add_index",
                                      "drop_index") or (c.kind == "add_column" and not _sqlite_addable(c.new))
                       for c in changes):
                    rebuild.add(table)
        views_down, views_up = self.dependent_views(rebuild)
        out.extend(views_down)
        for change in self.d.changes:  # drops of dependent objects first
            if change.kind == "drop_fk" and change.table not in rebuild and self.dialect != "sqlite":
                out.append(self.drop_fk(change))
            elif change.kind == "drop_index" and change.table not in rebuild:
                out.append(self.drop_index(change))
        for change in self.d.changes:
            if change.kind == "add_table":
                out.append(self.emit.create_table(change.new))
                out.extend(self.emit.deferred)
                self.emit.deferred.clear()
                out.extend(self.emit.indexes(change.new))
        for table in sorted(rebuild):
            out.extend(self.rebuild(table))
        restated: set[tuple[str, str]] = set()  # MySQL restates a column once, whatever changed in it
        for change in self.d.changes:
            if change.table in rebuild or change.kind in ("add_table", "drop_fk", "drop_index", "drop_table"):
                continue
            if self.dialect == "mysql" and change.kind == "alter_column":
                if (change.table, change.target.lower()) in restated:
                    continue
                restated.add((change.table, change.target.lower()))
            out.extend(self.alter(change))
        for change in self.d.changes:
            if change.kind == "add_table" and self.dialect != "sqlite":
                for fk in change.new.foreign_keys:
                    out.append(f"ALTER TABLE {self.t(change.table)} ADD {self.emit.foreign_key(fk, change.new)};")
        out.extend(self.drop_tables())
        out.extend(views_up)
        if self.dialect == "mysql":
            before, after = self.mysql_fk_detours()
            out = before + out + after
        return out

    def dependent_views(self, rebuild: set[str]) -> tuple[list[str], list[str]]:
        """Views to drop before the tables change and to create after: views dropped or changed, and every view
        that reads (directly or through other views) a table that is dropped, rebuilt or has a column dropped or
        retyped — the databases refuse those changes under a view, or leave the view broken. Nothing is dropped
        with CASCADE: each dependent is named, dropped first, and created again from the new schema."""
        changed = {c.table.lower() for c in self.d.changes if c.kind in ("drop_table", "drop_column")
                   or c.kind == "alter_column" and c.detail.startswith("type ")} | {t.lower() for t in rebuild}
        old_views = {k.lower(): v for k, v in self.d.old.views.items()}
        new_views = {k.lower(): v for k, v in self.d.new.views.items()}
        reads = {k: set(tables_read(v.definition, self.d.old.dialect)) for k, v in old_views.items()}
        gone = {c.table.lower() for c in self.d.changes if c.kind in ("drop_view", "alter_view")}
        dropped = set(gone)
        grew = True
        while grew:  # views over views: follow the readers until nothing new is reached
            grew = False
            for key, tables in reads.items():
                if key not in dropped and tables & (changed | dropped):
                    dropped.add(key)
                    grew = True
        order = view_order(old_views, reads)
        down = []
        for key in reversed(order):  # readers before what they read
            if key in dropped:
                view = old_views[key]
                kind = "MATERIALIZED VIEW" if view.materialized and self.dialect == "postgres" else "VIEW"
                why = "" if key in gone else "  -- reads a table this migration changes; created again below"
                down.append(f"DROP {kind} {self.t(view.key)};{why}")
        created = {k for k in new_views if k not in old_views} | (dropped & set(new_views))
        new_reads = {k: set(tables_read(v.definition, self.d.new.dialect)) for k, v in new_views.items()}
        up = []
        for key in view_order(new_views, new_reads):
            if key in created:
                up.append(self.emit.view(new_views[key]))
        return down, [u for u in up if u]

    def drop_tables(self) -> list[str]:
        """DROP TABLE without CASCADE: a table goes after every dropped table that references it. PostgreSQL
        drops them all in one statement (keys among them go with them); elsewhere, where dropped tables reference
        each other in a cycle, the key checks are off for those drops only (the tables go together anyway)."""
        dropped = {c.table.lower(): c.old for c in self.d.changes if c.kind == "drop_table"}
        if not dropped:
            return []
        if self.dialect == "postgres":
            return [f"DROP TABLE {', '.join(self.t(t.key) for t in dropped.values())};"]
        refs = {k: {fk.ref_table.lower() for fk in t.foreign_keys} & (set(dropped) - {k}) for k, t in dropped.items()}
        order, left = [], set(dropped)
        while left:
            ready = sorted(k for k in left if not any(k in refs[o] for o in left))
            if not ready:
                break
            order += ready
            left -= set(ready)
        out = [f"DROP TABLE {self.t(dropped[k].key)};" for k in order]
        if left:  # a cycle of references among the rest
            off, on = ("SET FOREIGN_KEY_CHECKS = 0;", "SET FOREIGN_KEY_CHECKS = 1;") if self.dialect == "mysql" \
                else ("PRAGMA foreign_keys = OFF;", "PRAGMA foreign_keys = ON;")
            out += [off, *(f"DROP TABLE {self.t(dropped[k].key)};" for k in sorted(left)), on]
        return out

    def mysql_fk_detours(self) -> tuple[list[str], list[str]]:
        """InnoDB refuses to change the type of a column a foreign key uses: drop those keys first,
        add them back after. Unnamed keys carry InnoDB's own names, `<table>_ibfk_<n>`."""
        retyped = {(c.table.lower(), c.target.lower()) for c in self.d.changes
                   if c.kind == "alter_column" and c.detail.startswith("type ")}
        if not retyped:
            return [], []
        dropped = {_fk_id(c.old) for c in self.d.changes if c.kind == "drop_fk"}
        before, after = [], []
        for table in self.d.old.tables.values():
            if self.d.new.find_table(table.key) is None:
                continue
            unnamed = 0
            for fk in table.foreign_keys:
                if not fk.name:
                    unnamed += 1
                touches = any((table.key.lower(), c.lower()) in retyped for c in fk.columns) or any(
                    (fk.ref_table.lower(), c.lower()) in retyped for c in fk.ref_columns)
                if not touches or _fk_id(fk) in dropped:
                    continue
                name = fk.name or f"{table.name}_ibfk_{unnamed}"
                before.append(f"ALTER TABLE {self.t(table.key)} DROP FOREIGN KEY {self.q(name)};")
                new_table = self.d.new.find_table(table.key)
                again = next((f for f in new_table.foreign_keys if _fk_id(f)[:3] == _fk_id(fk)[:3]), None)
                if again is not None:
                    after.append(f"ALTER TABLE {self.t(table.key)} ADD {self.emit.foreign_key(again, new_table)};")
        return before, after

    def alter(self, c: Change) -> list[str]:
        t = self.t(c.table)
        table = self.d.new.tables.get(c.table) or self.d.new.find_table(c.table)
        if c.kind == "add_column":
            keyed = self.emit._keyed_columns(table) if table else set()
            return [f"ALTER TABLE {t} ADD COLUMN {self.emit.column(table, c.new, keyed, False)};"]
        if c.kind == "drop_column":
            return [f"ALTER TABLE {t} DROP COLUMN {self.q(c.target)};"]
        if c.kind == "alter_column":
            return self.alter_column(c, table)
        if c.kind == "add_fk":
            return [f"ALTER TABLE {t} ADD {self.emit.foreign_key(c.new, table)};"]
        if c.kind == "add_unique":
            named = f"CONSTRAINT {self.q(c.new.name)} " if c.new.name else ""
            return [f"ALTER TABLE {t} ADD {named}UNIQUE ({', '.join(self.q(x) for x in c.new.columns)});"]
        if c.kind == "drop_unique":
            name = c.old.name or self._unnamed(c, "key")
            if name:
                keyword = "INDEX" if self.dialect == "mysql" else "CONSTRAINT"
                return [f"ALTER TABLE {t} DROP {keyword} {self.q(name)};"]
            return [f"-- drop the unique constraint on ({', '.join(c.old.columns)}) of {c.table}: it has no name here"]
        if c.kind == "add_check":
            named = f"CONSTRAINT {self.q(c.new.name)} " if c.new.name else ""
            expression = self.emit.carried(c.new.expression, f"{c.table}: CHECK ({c.new.expression})", True)
            if expression is None:
                return [f"-- {c.text()} (not expressible in {self.dialect})"]
            return [f"ALTER TABLE {t} ADD {named}CHECK ({expression});"]
        if c.kind == "drop_check":
            name = c.old.name or self._unnamed(c, "check")
            if name:
                return [f"ALTER TABLE {t} DROP {'CHECK' if self.dialect == 'mysql' else 'CONSTRAINT'} {self.q(name)};"]
            return [f"-- drop the check ({c.old.expression}) of {c.table}: it has no name here"]
        if c.kind == "add_index":
            fake = Table(name=table.name, namespace=table.namespace, columns=table.columns, indexes=[c.new])
            return self.emit.indexes(fake)
        if c.kind == "alter_primary_key":
            out = []
            if self.dialect == "postgres":
                old_table = self.d.old.find_table(c.table)
                name = (old_table.primary_key_name if old_table else None) or f"{table.name}_pkey"
                if c.old:
                    out.append(f"ALTER TABLE {t} DROP CONSTRAINT {self.q(name)};")
            elif c.old:
                out.append(f"ALTER TABLE {t} DROP PRIMARY KEY;")
            if c.new:
                out.append(f"ALTER TABLE {t} ADD PRIMARY KEY ({', '.join(self.q(x) for x in c.new)});")
            return out
        return [f"-- {c.text()}"]

    def alter_column(self, c: Change, table: Table) -> list[str]:
        t, col = self.t(c.table), self.q(c.target)
        new = c.new
        if self.dialect == "mysql":  # MySQL restates the whole column
            keyed = self.emit._keyed_columns(table)
            return [f"ALTER TABLE {t} MODIFY {self.emit.column(table, new, keyed, False)};"]
        if c.detail.startswith("type "):
            target = self.emit.column_type(table, new, set())
            using = f" USING {col}::{target}"
            return [f"ALTER TABLE {t} ALTER COLUMN {col} TYPE {target}{using};"]
        if c.detail.startswith("SET NOT NULL"):
            return [f"ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL;"]
        if c.detail.startswith("DROP NOT NULL"):
            return [f"ALTER TABLE {t} ALTER COLUMN {col} DROP NOT NULL;"]
        if c.detail.startswith("DROP DEFAULT"):
            return [f"ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT;"]
        if c.detail.startswith("DEFAULT"):
            default = self.emit.default(new, f"{c.table}.{c.target}")
            return [f"ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {default};"] if default is not None else \
                [f"-- {c.text()} (not expressible in {self.dialect})"]
        return [f"-- {c.text()}"]

    def drop_fk(self, c: Change) -> str:
        fk = c.old
        old_table = self.d.old.find_table(c.table)
        unnamed = [f for f in (old_table.foreign_keys if old_table else []) if not f.name]
        name = fk.name or server_name(old_table.name if old_table else c.table, fk.columns, "fkey", self.dialect,
                                      unnamed.index(fk) + 1 if fk in unnamed else 1)
        if name:
            keyword = "FOREIGN KEY" if self.dialect == "mysql" else "CONSTRAINT"
            return f"ALTER TABLE {self.t(c.table)} DROP {keyword} {self.q(name)};"
        return f"-- drop the foreign key ({', '.join(fk.columns)}) of {c.table}: it has no name here"

    def _unnamed(self, c: Change, label: str) -> str | None:
        """The server's name for an unnamed unique key or column check of the old table."""
        old_table = self.d.old.find_table(c.table)
        table = old_table.name if old_table else c.table.rsplit(".", 1)[-1]
        if label == "key":
            return c.old.columns[0] if self.dialect == "mysql" else server_name(table, c.old.columns, "key",
                                                                                 self.dialect)
        column = getattr(c.old, "column", None)
        if self.dialect == "postgres":
            return server_name(table, (column,) if column else (), "check", self.dialect)
        return column if self.dialect == "mysql" and column else None

    def drop_index(self, c: Change) -> str:
        ix = c.old
        if not ix.name:
            return f"-- drop the unnamed index ({', '.join(ix.columns)}) of {c.table}"
        if self.dialect == "mysql":
            return f"DROP INDEX {self.q(ix.name)} ON {self.t(c.table)};"
        return f"DROP INDEX {self.q(ix.name)};"

    def rebuild(self, key: str) -> list[str]:
        """SQLite's table rebuild: new table, copy the surviving columns, swap."""
        new = self.d.new.tables.get(key) or self.d.new.find_table(key)
        old = self.d.old.find_table(key)
        temp = f"{new.name}__new"
        copy = Table(name=temp, columns=new.columns, primary_key=new.primary_key,
                     primary_key_name=new.primary_key_name, foreign_keys=new.foreign_keys, uniques=new.uniques,
                     checks=new.checks)
        shared = [c for c in new.columns if old is not None and old.column(c) is not None]
        cols = ", ".join(self.q(c) for c in shared)
        out = ["PRAGMA foreign_keys = OFF;", "BEGIN;", self.emit.create_table(copy)]
        out.append(f"INSERT INTO {self.q(temp)} ({cols}) SELECT {cols} FROM {self.t(key)};")
        out.append(f"DROP TABLE {self.t(key)};")
        out.append(f"ALTER TABLE {self.q(temp)} RENAME TO {self.q(new.name)};")
        out.extend(self.emit.indexes(new))
        out += ["PRAGMA foreign_key_check;", "COMMIT;", "PRAGMA foreign_keys = ON;"]
        return out


def _sqlite_addable(column: Column | None) -> bool:
    """SQLite's ADD COLUMN cannot add NOT NULL without a default, nor a non-constant default."""
    if column is None:
        return True
    if not column.nullable and column.default is None:
        return False
    return column.default is None or column.default.upper() not in ("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME")
