"""Synthetic data for a schema: planned in FK order, generated column by column with numpy.

- Tables are filled parents first. Foreign keys sample rows of the parent (uniform, or Zipf
  for hot keys), so every reference exists. A cycle of foreign keys is broken through a
  nullable one: those rows go in with NULL and are updated once the other side exists.
- Primary keys, unique constraints and unique indexes hold: single columns are unique by
  construction, a one-to-one foreign key samples parents without replacement, a key of a
  foreign key plus a counter numbers rows within their parent, a key of two foreign keys
  samples distinct pairs.
- Values follow the column's name, type and CHECKs (see values.py); timestamps follow one
  timeline: a child is created after its parent, updated after it is created.
- Each table has its own random stream derived from the seed and the table's name, so the
  same seed gives the same rows, and the same table gets the same rows in every variant.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SeedError
from ..schema import types as T
from ..schema.model import ForeignKey, Schema, Table
from .values import Constraint, check_constraints, generate, iso_text

_CREATED = re.compile(r"^(created|inserted|placed|registered|signed_up|joined|opened|ordered|order_date|"
                      r"created_(at|on|date|time)|date_created|creation_date)$", re.I)


@dataclass
class TableData:
    """Generated rows of one table: column name → numpy array (None marks NULL in object arrays)."""

    table: Table
    n: int
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    created: np.ndarray | None = None


@dataclass
class Deferred:
    """A foreign key filled after its parent (cycle breaking): the rows' keys and the new values.

    Nullable ones are inserted as NULL and updated after the load; strict (NOT NULL) ones are
    loaded with their values while the database's constraint is suspended, then checked.
    """

    table: Table
    fk: ForeignKey
    nullable: bool
    key_columns: tuple[str, ...]
    key_values: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)


class FillOrder:
    """The order tables are filled in, and the foreign keys that wait (cycle breaking)."""

    def __init__(self, schema: Schema, rows: dict[str, int]) -> None:
        self.schema = schema
        self.rows = rows
        self.tables = [t for t in schema.tables.values() if not t.partition_of and not t.using]
        self.deferred: dict[tuple[str, int], bool] = {}  # (table key, FK index) → nullable (else: strict)
        self.order = self._order()

    def _edges(self) -> dict[str, set[str]]:
        keys = {t.key for t in self.tables}
        graph: dict[str, set[str]] = {t.key: set() for t in self.tables}
        for t in self.tables:
            for i, fk in enumerate(t.foreign_keys):
                if fk.ref_table != t.key and fk.ref_table in keys and (t.key, i) not in self.deferred:
                    graph[t.key].add(fk.ref_table)
        return graph

    def _order(self) -> list[Table]:
        by_key = {t.key: t for t in self.tables}
        while True:
            graph = self._edges()
            order: list[str] = []
            remaining = {k: set(v) for k, v in graph.items()}
            while True:
                ready = sorted(k for k, deps in remaining.items() if not deps)
                if not ready:
                    break
                for k in ready:
                    order.append(k)
                    del remaining[k]
                for deps in remaining.values():
                    deps.difference_update(ready)
            if not remaining:
                return [by_key[k] for k in order]
            if not self._break_cycle(remaining, by_key):
                names = ", ".join(sorted(remaining))
                raise SeedError(f"Cannot order the tables {names}: their foreign keys form a cycle of NOT NULL "
                                "columns, so no row can go in first.",
                                hint="Make one foreign key in the cycle nullable (or DEFERRABLE in PostgreSQL).")

    def _break_cycle(self, remaining: dict[str, set[str]], by_key: dict[str, Table]) -> bool:
        """Defer one foreign key of the cycle: a nullable one (insert NULL, then update) if there is one,
        else a NOT NULL one (loaded with the constraint suspended and checked afterwards)."""
        for nullable in (True, False):
            for key in sorted(remaining):
                table = by_key[key]
                for i, fk in enumerate(table.foreign_keys):
                    if fk.ref_table not in remaining or fk.ref_table == key or (key, i) in self.deferred:
                        continue
                    if not table.primary_key and nullable:
                        continue  # an update needs the primary key to find the rows
                    is_nullable = all((c := table.column(name)) is not None and c.nullable for name in fk.columns)
                    if is_nullable == nullable:
                        self.deferred[(key, i)] = nullable
                        return True
        return False


def table_rng(seed: int, table: Table) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{table.key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def parent_indices(rng: np.random.Generator, n_parent: int, n: int, distribution: str) -> np.ndarray:
    """Which parent row each of `n` children points at."""
    if distribution == "zipf":
        ranks = (rng.zipf(1.3, n) - 1) % n_parent
        hot = rng.permutation(n_parent)  # the hot keys are random parents, not the first ones
        return hot[ranks]
    return rng.integers(0, n_parent, n)


class Generator:
    """Generates every table of a plan; `deferred` holds the cycle-breaking updates."""

    def __init__(self, schema: Schema, plan: FillOrder, *, seed: int, distribution: str, null_fraction: float = 0.08):
        if distribution not in ("uniform", "zipf"):
            raise SeedError(f"Unknown distribution {distribution!r}.", hint="Use 'uniform' or 'zipf'.")
        self.schema = schema
        self.plan = plan
        self.seed = seed
        self.distribution = distribution
        self.null_fraction = null_fraction
        self.data: dict[str, TableData] = {}
        self.deferred: list[Deferred] = []

    @property
    def streamable(self) -> bool:
        """Tables can be loaded as they are generated unless a NOT NULL cycle needs every table first."""
        return all(nullable for nullable in self.plan.deferred.values())

    def run(self) -> list[TableData]:
        """Generate every table (parents first), then the deferred foreign keys' values."""
        tables = [self.table(table) for table in self.plan.order]
        self.complete()
        return tables

    def stream(self):
        """Tables one by one, in load order (only when streamable); call complete() afterwards."""
        for table in self.plan.order:
            yield self.table(table)

    def complete(self) -> None:
        """The deferred foreign keys' values; strict ones go into the generated rows."""
        self._fill_deferred()
        for d in self.deferred:
            if not d.nullable:
                self._set(d)

    def finish(self) -> None:
        """After the load and the updates: the generated data shows what the tables hold."""
        for d in self.deferred:
            if d.nullable:
                self._set(d)

    def _set(self, d: Deferred) -> None:
        data = self.data[d.table.key]
        for col, values in zip(d.fk.columns, d.values, strict=True):
            data.columns[self._column_name(d.table, col)] = values

    # -- one table ---------------------------------------------------------------------------
    def table(self, table: Table) -> TableData:
        rng = table_rng(self.seed, table)
        n = int(self.plan.rows.get(table.key, 0))
        keys = self._unique_keys(table)
        data = TableData(table, n)
        fk_columns: dict[str, tuple[int, ForeignKey]] = {}
        for i, fk in enumerate(table.foreign_keys):
            for col in fk.columns:
                fk_columns.setdefault(col.lower(), (i, fk))
        # foreign keys first: they fix how many rows the unique keys allow
        index_of_parent: dict[int, np.ndarray] = {}
        one_to_one = {self._fk_of_key(table, k) for k in keys} - {None}
        pair_keys = [k for k in keys if self._all_fk(table, k) and len({fk_columns[c.lower()][0] for c in k}) >= 2]
        if pair_keys and n:
            n = self._pairs(table, pair_keys[0], fk_columns, rng, n, index_of_parent)
        for i, fk in enumerate(table.foreign_keys):
            if i in index_of_parent:
                continue
            if (table.key, i) in self.plan.deferred or fk.ref_table == table.key:
                continue
            parent = self.data.get(fk.ref_table)
            if parent is None or parent.n == 0:
                if self._nullable(table, fk.columns):
                    continue
                raise SeedError(f"{table.key} needs rows in {fk.ref_table} (foreign key {', '.join(fk.columns)}), "
                                f"which has none.", hint=f"Give {fk.ref_table} at least one row.")
            if i in one_to_one:
                if n > parent.n:
                    n = parent.n  # one child per parent at most
                index_of_parent[i] = rng.choice(parent.n, size=n, replace=False)
            else:
                index_of_parent[i] = parent_indices(rng, parent.n, n, self.distribution)
        data.n = n
        index = np.arange(n)
        checks = self._checks(table)
        # the timeline: created-like column first, after the parent's
        created_column = self._created_column(table)
        parent_created = None
        for i, idx in index_of_parent.items():
            parent = self.data[table.foreign_keys[i].ref_table]
            if parent.created is not None:
                parent_created = parent.created[idx]
                break
        for name, column in table.columns.items():
            if column.computed:
                continue
            lower = name.lower()
            if lower in fk_columns:
                fk_i, fk = fk_columns[lower]
                if fk_i in index_of_parent:
                    parent = self.data[fk.ref_table]
                    ref = fk.ref_columns[[c.lower() for c in fk.columns].index(lower)]
                    values = parent.columns[self._column_name(parent.table, ref)][index_of_parent[fk_i]]
                    data.columns[name] = self._with_nulls(values, table, column, rng, keys, fk_col=True)
                    continue
                if fk.ref_table == table.key:
                    data.columns[name] = self._self_reference(table, fk, lower, column, rng, n, data)
                    continue
                data.columns[name] = np.full(n, None, dtype=object)  # deferred, or an empty optional parent
                if (table.key, fk_i) in self.plan.deferred and not any(d.fk is fk for d in self.deferred):
                    self._defer(table, fk, self.plan.deferred[(table.key, fk_i)])
                continue
            info = T.info(self.schema.base_type(column.type) or "TEXT", self.schema.dialect)
            unique = any(len(k) == 1 and k[0].lower() == lower for k in keys) or self._unique_in_composite(
                table, keys, lower, fk_columns)
            created = data.created if name != created_column else None
            if name == created_column and parent_created is not None:
                offsets = rng.integers(0, 30 * 86_400, n).astype("timedelta64[s]")
                values = np.minimum(parent_created.astype("datetime64[s]") + offsets, np.datetime64("2026-11-01"))
                values = values.astype("datetime64[D]") if info.family == "date" else values
            elif self._counter(table, keys, lower, fk_columns) and info.family == "integer":
                values = self._count_within(table, keys, lower, fk_columns, index_of_parent, n)
            else:
                enum = self._enum_values(column)
                values = generate(name, info, n, rng, index=index, constraint=checks.get(lower),
                                  enum_values=enum, unique=unique, created=created)
            if name == created_column:
                data.created = values.astype("datetime64[s]") if values.dtype.kind == "M" else None
            data.columns[name] = self._with_nulls(values, table, column, rng, keys)
        data = self._dedupe(data, keys)
        self.data[table.key] = data
        return data

    # -- helpers -----------------------------------------------------------------------------
    def _column_name(self, table: Table, name: str) -> str:
        column = table.column(name)
        if column is None:
            raise SeedError(f"{table.key} has no column {name!r} (a foreign key points at it).")
        return column.name

    def _unique_keys(self, table: Table) -> list[tuple[str, ...]]:
        keys = [tuple(table.primary_key)] if table.primary_key else []
        keys += [tuple(u.columns) for u in table.uniques]
        # partial unique indexes too: rows that match their WHERE must be unique, so all rows are made unique
        keys += [tuple(i.columns) for i in table.indexes if i.unique and not any(i.expressions)]
        out = []
        for k in keys:
            if k and tuple(c.lower() for c in k) not in [tuple(c.lower() for c in o) for o in out]:
                out.append(k)
        return out

    def _fk_of_key(self, table: Table, key: tuple[str, ...]) -> int | None:
        lowered = {c.lower() for c in key}
        for i, fk in enumerate(table.foreign_keys):
            if {c.lower() for c in fk.columns} == lowered:
                return i
        return None

    def _all_fk(self, table: Table, key: tuple[str, ...]) -> bool:
        fk_cols = {c.lower() for fk in table.foreign_keys for c in fk.columns}
        return all(c.lower() in fk_cols for c in key)

    def _unique_in_composite(self, table, keys, lower, fk_columns) -> bool:
        """In a composite key that is not all foreign keys, the last non-FK column is made unique."""
        for key in keys:
            if len(key) < 2 or self._all_fk(table, key):
                continue
            others = [c.lower() for c in key if c.lower() not in fk_columns]
            if others and others[-1] == lower and not self._counter(table, keys, lower, fk_columns):
                return True
        return False

    def _counter(self, table, keys, lower, fk_columns) -> bool:
        """(order_id, line_no): line_no counts 1, 2, … within each order."""
        for key in keys:
            cols = [c.lower() for c in key]
            others = [c for c in cols if c not in fk_columns]
            if len(key) >= 2 and others == [lower] and len(others) < len(cols):
                return True
        return False

    def _count_within(self, table, keys, lower, fk_columns, index_of_parent, n) -> np.ndarray:
        for key in keys:
            cols = [c.lower() for c in key]
            if lower in cols and any(c in fk_columns for c in cols):
                fk_i = next(fk_columns[c][0] for c in cols if c in fk_columns)
                groups = index_of_parent.get(fk_i)
                if groups is None:
                    return np.arange(1, n + 1)
                order = np.argsort(groups, kind="stable")
                sorted_groups = groups[order]
                starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
                counts = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
                out = np.empty(n, dtype=np.int64)
                out[order] = counts + 1
                return out
        return np.arange(1, n + 1)

    def _pairs(self, table, key, fk_columns, rng, n, index_of_parent) -> int:
        """Distinct pairs of parents for a key made of two foreign keys (film_actor)."""
        fk_ids = []
        for c in key:
            i = fk_columns[c.lower()][0]
            if i not in fk_ids:
                fk_ids.append(i)
        a, b = fk_ids[:2]
        pa, pb = (self.data.get(table.foreign_keys[i].ref_table) for i in (a, b))
        if pa is None or pb is None or pa.n == 0 or pb.n == 0:
            return n
        total = pa.n * pb.n
        n = min(n, total)
        flat = rng.choice(total, size=n, replace=False) if total > n else rng.permutation(total)[:n]
        index_of_parent[a] = flat // pb.n
        index_of_parent[b] = flat % pb.n
        return n

    def _nullable(self, table: Table, columns: tuple[str, ...]) -> bool:
        return all((c := table.column(name)) is not None and c.nullable for name in columns)

    def _with_nulls(self, values: np.ndarray, table: Table, column, rng, keys, fk_col: bool = False) -> np.ndarray:
        if not column.nullable or any(column.name.lower() in (c.lower() for c in k) for k in keys):
            return values
        if re.search(r"(deleted|archived|cancelled|canceled|removed)(_at|_on)?$", column.name, re.I):
            fraction = 0.9  # soft-delete markers are mostly empty
        else:
            fraction = self.null_fraction * (0.5 if fk_col else 1.0)
        mask = rng.random(len(values)) < fraction
        if not mask.any():
            return values
        if values.dtype.kind == "M":  # as ISO text: object arrays of datetimes would be adapted one by one
            out = iso_text(values).astype(object)
        else:
            out = values.astype(object)
        out[mask] = None
        return out

    def _self_reference(self, table, fk, lower, column, rng, n, data) -> np.ndarray:
        """A tree: each row points at an earlier row (the first rows are roots when nullable)."""
        earlier = (rng.random(n) * np.arange(n)).astype(np.int64)
        ref = fk.ref_columns[[c.lower() for c in fk.columns].index(lower)]
        source = data.columns.get(self._column_name(table, ref))
        if source is None:
            raise SeedError(f"{table.key}.{column.name} references {ref}, which must come before it.")
        values = source[earlier].astype(object)
        if column.nullable:
            roots = (np.arange(n) == 0) | (rng.random(n) < 0.2)
            values[roots] = None
        return values

    def _defer(self, table: Table, fk: ForeignKey, nullable: bool) -> None:
        self.deferred.append(Deferred(table, fk, nullable, tuple(table.primary_key)))

    def _fill_deferred(self) -> None:
        for d in self.deferred:
            data = self.data[d.table.key]
            parent = self.data.get(d.fk.ref_table)
            if parent is None or parent.n == 0:
                if not d.nullable and data.n:
                    raise SeedError(f"{d.table.key} needs rows in {d.fk.ref_table}, which has none.")
                continue
            rng = table_rng(self.seed + 1, d.table)
            idx = parent_indices(rng, parent.n, data.n, self.distribution)
            d.key_values = [data.columns[self._column_name(d.table, c)] for c in d.key_columns]
            d.values = [parent.columns[self._column_name(parent.table, r)][idx] for r in d.fk.ref_columns]

    def _checks(self, table: Table) -> dict[str, Constraint]:
        out: dict[str, Constraint] = {}
        for check in table.checks:
            found, _understood = check_constraints(check.expression, self.schema.dialect)
            for name, c in found.items():
                out[name.lower()] = c
        for column in table.columns.values():
            domain = self.schema.domains.get(column.type) or next(
                (d for d in self.schema.domains.values() if d.name == column.type), None)
            if domain is not None and domain.check:
                found, _understood = check_constraints(domain.check.replace("VALUE", column.name),
                                                       self.schema.dialect)
                if column.name in found:
                    out.setdefault(column.name.lower(), found[column.name])
        return out

    def _enum_values(self, column) -> tuple[str, ...]:
        enum = self.schema.enums.get(column.type) or next(
            (e for e in self.schema.enums.values() if e.name == column.type.rsplit(".", 1)[-1]), None)
        return enum.values if enum is not None else ()

    def _created_column(self, table: Table) -> str | None:
        stamps = [c.name for c in table.columns.values()
                  if T.info(self.schema.base_type(c.type) or "TEXT", self.schema.dialect).family in ("timestamp", "date")
                  and not c.computed]
        for name in stamps:
            if _CREATED.match(name):
                return name
        return stamps[0] if stamps and not re.search(r"(updated|modified|deleted|birth)", stamps[0], re.I) else None

    def _dedupe(self, data: TableData, keys) -> TableData:
        """The safety net: drop rows that still repeat a key (possible only where sampling collided).

        Vectorised with pandas; rows with a NULL in the key never collide (SQL semantics).
        """
        if data.n == 0 or not keys:
            return data
        import pandas as pd

        keep = np.ones(data.n, dtype=bool)
        for key in keys:
            arrays = [data.columns.get(self._column_name(data.table, c)) for c in key]
            if any(a is None for a in arrays):
                continue
            if len(arrays) == 1 and arrays[0].dtype.kind in "iu":  # integer keys built as 1..n are unique
                values = arrays[0]
                if values.size and values[0] == 1 and np.all(np.diff(values) == 1):
                    continue
            frame = pd.DataFrame({i: a for i, a in enumerate(arrays)})
            nulls = frame.isna().any(axis=1).to_numpy()
            keep &= ~(frame.duplicated(keep="first").to_numpy() & ~nulls)
        if keep.all():
            return data
        data.columns = {k: v[keep] for k, v in data.columns.items()}
        if data.created is not None:
            data.created = data.created[keep]
        data.n = int(keep.sum())
        return data


def rows_for(schema: Schema, rows: int | dict[str, int] | None, default: int = 1000) -> dict[str, int]:
    """Rows per table key from an int (every table) or a dict (named tables; the rest get `default`)."""
    out: dict[str, int] = {}
    for table in schema.tables.values():
        if isinstance(rows, dict):
            value = rows.get(table.key, rows.get(table.name, default))
        else:
            value = default if rows is None else rows
        if value is None or int(value) < 0:
            raise SeedError(f"Rows for {table.key} must be 0 or more, got {value!r}.")
        out[table.key] = int(value)
    if isinstance(rows, dict):
        unknown = [k for k in rows if schema.find_table(k) is None]
        if unknown:
            raise SeedError(f"No table {unknown[0]!r} in the schema.", hint=f"Tables: {', '.join(schema.tables)}.")
    return out


def pipeline(generator: Generator, prepare: Callable[[str, dict, int], Any]):
    """(table data, prepared rows) in load order, generated and converted on a worker thread.

    The database driver releases the GIL while it writes, so the next table is generated while
    the current one goes in. An error in the worker is raised here, in the caller's thread.
    """
    import queue
    import threading

    out: queue.Queue = queue.Queue(maxsize=2)
    done = object()

    def work() -> None:
        try:
            for data in generator.stream():
                out.put((data, prepare(data.table.key, data.columns, data.n)))
            out.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            out.put(exc)

    threading.Thread(target=work, name="seed-generator", daemon=True).start()
    while True:
        item = out.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


class SeedReport(dict):
    """Rows per table (a dict), with the time split into generation + load, FK check and ANALYZE."""

    def __init__(self, rows: dict[str, int], timings: dict[str, float], dialect: str, distribution: str,
                 seed: int) -> None:
        super().__init__(rows)
        self.timings = timings
        self.dialect = dialect
        self.distribution = distribution
        self.seed = seed

    @property
    def total_rows(self) -> int:
        return sum(self.values())

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def summary(self) -> str:
        t = self.timings
        return (f"{self.total_rows:,} rows in {len(self)} tables on {self.dialect} in {self.seconds:.2f} s "
                f"(generate + load {t.get('generate_and_load_s', 0):.2f}, FK check {t.get('check_s', 0):.2f}, "
                f"analyze {t.get('analyze_s', 0):.2f}); {self.distribution}, seed {self.seed}")

    def __repr__(self) -> str:
        return self.summary()
