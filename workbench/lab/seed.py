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
from collections.abc import Callable, Iterator
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


CHUNK = 50_000  # rows generated and loaded at a time: memory stays bounded whatever the table's size
SAMPLE = 5_000  # rows of each table kept for workloads' parameters


class Kept:
    """A column of a generated table that later work reads (a key other tables point at, the time
    children are created after), appended chunk by chunk. Keys that are exactly 1..n stay a range."""

    def __init__(self) -> None:
        self.count = 0
        self.parts: list[np.ndarray] | None = None  # None while the values are 1..count
        self._whole: np.ndarray | None = None

    def append(self, values: np.ndarray) -> None:
        m = len(values)
        if self.parts is None:
            if m == 0 or (values.dtype.kind in "iu" and values[0] == self.count + 1
                          and values[-1] == self.count + m and bool(np.all(np.diff(values) == 1))):
                self.count += m
                return
            self.parts = [np.arange(1, self.count + 1, dtype=np.int64)] if self.count else []
        self.parts.append(values)
        self._whole = None
        self.count += m

    def take(self, rows: np.ndarray) -> np.ndarray:
        if self.parts is None:
            return (np.asarray(rows) + 1).astype(np.int64)
        if self._whole is None:
            self._whole = np.concatenate(self.parts) if len(self.parts) != 1 else self.parts[0]
            self.parts = [self._whole]
        return self._whole[rows]


@dataclass
class Made:
    """A generated table after its rows went out: its size and the columns later tables read."""

    table: Table
    n: int = 0
    kept: dict[str, Kept] = field(default_factory=dict)
    created: Kept | None = None


class Guard:
    """Rows repeating a unique key that construction does not already make unique (hashes of the
    rows seen so far; rows with a NULL in the key never collide, as in SQL)."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.seen: list[np.ndarray] = []  # sorted uint64 hashes, one array per chunk (merged now and then)

    def keep(self, data: TableData) -> np.ndarray:
        import pandas as pd

        arrays = [data.columns[c].astype(object) for c in self.columns]
        frame = pd.DataFrame({i: a for i, a in enumerate(arrays)})
        nulls = frame.isna().any(axis=1).to_numpy()
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        keep = np.ones(data.n, dtype=bool)
        _, first = np.unique(hashes, return_index=True)
        repeated = np.ones(data.n, dtype=bool)
        repeated[first] = False
        for seen in self.seen:
            at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
            repeated |= seen[at] == hashes
        keep &= ~(repeated & ~nulls)
        kept = hashes[keep & ~nulls]
        if kept.size:  # a chunk whose keys were all NULL adds nothing to compare with
            self.seen.append(np.sort(kept))
        if len(self.seen) > 8:
            self.seen = [np.sort(np.concatenate(self.seen))]
        return keep


class Generator:
    """Generates every table of a plan, chunk by chunk; `deferred` holds the cycle-breaking updates.

    Memory is bounded by the chunk, not the table: what outlives a chunk is only what later
    tables read (referenced keys, which stay ranges when they are 1..n, and creation times), the
    hashes of unique keys construction does not guarantee, and a sample of each table.
    """

    def __init__(self, schema: Schema, plan: FillOrder, *, seed: int, distribution: str, null_fraction: float = 0.08,
                 chunk: int | None = None):
        if distribution not in ("uniform", "zipf"):
            raise SeedError(f"Unknown distribution {distribution!r}.", hint="Use 'uniform' or 'zipf'.")
        self.schema = schema
        self.plan = plan
        self.seed = seed
        self.distribution = distribution
        self.null_fraction = null_fraction
        self.chunk = chunk or CHUNK
        self.made: dict[str, Made] = {}
        self.samples: dict[str, TableData] = {}  # the first SAMPLE rows of each table
        self.deferred: list[Deferred] = []
        self._whole: dict[str, TableData] = {}  # run() only: every row of every table
        self._read = self._read_columns()
        self._check_cache: dict[str, dict[str, Constraint]] = {}

    @property
    def streamable(self) -> bool:
        """Tables can be loaded as they are generated unless a NOT NULL cycle needs every table first."""
        return all(nullable for nullable in self.plan.deferred.values())

    def run(self) -> list[TableData]:
        """Every table whole (parents first), with the deferred foreign keys' values set in them.

        For NOT NULL cycles, whose rows need values of tables generated later; it holds every row.
        """
        tables = []
        for table in self.plan.order:
            parts = list(self.table(table))
            whole = TableData(table, sum(p.n for p in parts))
            for name in (parts[0].columns if parts else {}):
                whole.columns[name] = _concatenate([p.columns[name] for p in parts])
            self._whole[table.key] = whole
            tables.append(whole)
        self.complete()
        return tables

    def stream(self) -> Iterator[TableData]:
        """Chunks of rows in load order (only when streamable); call complete() afterwards."""
        for table in self.plan.order:
            yield from self.table(table)

    def complete(self) -> None:
        """The deferred foreign keys' values; strict ones go into the rows run() holds."""
        self._fill_deferred()
        for d in self.deferred:
            if not d.nullable and d.table.key in self._whole:
                self._set(self._whole[d.table.key], d)

    def finish(self) -> None:
        """After the load and the updates: the samples show what the tables hold."""
        for d in self.deferred:
            sample = self.samples.get(d.table.key)
            if sample is not None and d.values:
                self._set(sample, d, rows=sample.n)

    def updates(self, d: Deferred) -> Iterator[tuple[list[np.ndarray], list[np.ndarray]]]:
        """(new values, keys) of a nullable deferred foreign key, a chunk at a time."""
        for start in range(0, len(d.values[0]) if d.values else 0, self.chunk):
            end = start + self.chunk
            yield [v[start:end] for v in d.values], [k[start:end] for k in d.key_values]

    def _set(self, data: TableData, d: Deferred, rows: int | None = None) -> None:
        for col, values in zip(d.fk.columns, d.values, strict=True):
            data.columns[self._column_name(d.table, col)] = values[:rows] if rows is not None else values

    def _read_columns(self) -> dict[str, set[str]]:
        """Per table, the columns later work reads: referenced keys, and the key of cycle-broken rows."""
        read: dict[str, set[str]] = {}
        for t in self.plan.tables:
            for i, fk in enumerate(t.foreign_keys):
                read.setdefault(fk.ref_table, set()).update(c.lower() for c in fk.ref_columns)
                if (t.key, i) in self.plan.deferred:
                    read.setdefault(t.key, set()).update(c.lower() for c in t.primary_key)
        return read

    # -- one table ---------------------------------------------------------------------------
    def table(self, table: Table) -> Iterator[TableData]:
        """The rows of one table, in chunks (the whole-table decisions are made first)."""
        base = int.from_bytes(hashlib.sha256(f"{self.seed}:{table.key}".encode()).digest()[:8], "little")
        plan_rng = np.random.default_rng([base, 0])
        n = int(self.plan.rows.get(table.key, 0))
        keys = self._unique_keys(table)
        fk_columns: dict[str, tuple[int, ForeignKey]] = {}
        for i, fk in enumerate(table.foreign_keys):
            for col in fk.columns:
                fk_columns.setdefault(col.lower(), (i, fk))
        # foreign keys first: they fix how many rows the unique keys allow
        whole: dict[int, np.ndarray] = {}  # FK index → parent row of every row, where the table decides as one
        one_to_one = {self._fk_of_key(table, k) for k in keys} - {None}
        pair_keys = [k for k in keys if self._all_fk(table, k) and len({fk_columns[c.lower()][0] for c in k}) >= 2]
        if pair_keys and n:
            n = self._pairs(table, pair_keys[0], fk_columns, plan_rng, n, whole)
        sampled: list[int] = []
        for i, fk in enumerate(table.foreign_keys):
            if i in whole or (table.key, i) in self.plan.deferred or fk.ref_table == table.key:
                continue
            parent = self.made.get(fk.ref_table)
            if parent is None or parent.n == 0:
                if self._nullable(table, fk.columns):
                    continue
                raise SeedError(f"{table.key} needs rows in {fk.ref_table} (foreign key {', '.join(fk.columns)}), "
                                f"which has none.", hint=f"Give {fk.ref_table} at least one row.")
            if i in one_to_one:
                n = min(n, parent.n)  # one child per parent at most
                whole[i] = plan_rng.choice(parent.n, size=n, replace=False)
            else:
                sampled.append(i)
        for i, fk in enumerate(table.foreign_keys):
            if (table.key, i) in self.plan.deferred and not any(d.fk is fk for d in self.deferred):
                self._defer(table, fk, self.plan.deferred[(table.key, i)])
        proven = self._proven_keys(table, keys, fk_columns, one_to_one, pair_keys)
        guards = [Guard([self._column_name(table, c) for c in k]) for k in keys if k not in proven]
        created_column = self._created_column(table)
        made = Made(table, 0, {c.name: Kept() for c in table.columns.values()
                               if c.name.lower() in self._read.get(table.key, ())},
                    Kept() if created_column and table.key in self._read else None)
        self.made[table.key] = made
        running: dict[int, np.ndarray] = {}  # per-parent counters of (parent, n) keys, across chunks
        for number, start in enumerate(range(0, n, self.chunk)):
            m = min(self.chunk, n - start)
            rng = np.random.default_rng([base, number + 1])
            index_of_parent = {i: rows[start:start + m] for i, rows in whole.items()}
            for i in sampled:
                index_of_parent[i] = parent_indices(rng, self.made[table.foreign_keys[i].ref_table].n, m,
                                                    self.distribution)
            data = self._chunk(table, m, np.arange(start, start + m), rng, keys, fk_columns, index_of_parent,
                               created_column, running)
            if guards:
                keep = np.ones(data.n, dtype=bool)
                for guard in guards:
                    keep &= guard.keep(data)
                if not keep.all():
                    data = _rows_of(data, keep)
            for name, kept in made.kept.items():
                kept.append(data.columns[name])
            if made.created is not None and data.created is not None:
                made.created.append(data.created)
            made.n += data.n
            self._sample(data)
            yield data
        if made.created is not None and made.created.count != made.n:
            made.created = None  # not a moment children can follow
        if n == 0:
            self.samples[table.key] = TableData(table, 0)

    def _chunk(self, table, m, index, rng, keys, fk_columns, index_of_parent, created_column, running) -> TableData:
        data = TableData(table, m)
        checks = self._checks(table)
        # the timeline: created-like column first, after the parent's
        parent_created = None
        for i, idx in index_of_parent.items():
            parent = self.made[table.foreign_keys[i].ref_table]
            if parent.created is not None:
                parent_created = parent.created.take(idx)
                break
        for name, column in table.columns.items():
            if column.computed:
                continue
            lower = name.lower()
            if lower in fk_columns:
                fk_i, fk = fk_columns[lower]
                if fk_i in index_of_parent:
                    parent = self.made[fk.ref_table]
                    ref = fk.ref_columns[[c.lower() for c in fk.columns].index(lower)]
                    values = parent.kept[self._column_name(parent.table, ref)].take(index_of_parent[fk_i])
                    data.columns[name] = self._with_nulls(values, table, column, rng, keys, fk_col=True)
                    continue
                if fk.ref_table == table.key:
                    data.columns[name] = self._self_reference(table, fk, lower, column, rng, m, data)
                    continue
                data.columns[name] = np.full(m, None, dtype=object)  # deferred, or an empty optional parent
                continue
            info = T.info(self.schema.base_type(column.type) or "TEXT", self.schema.dialect)
            unique = any(len(k) == 1 and k[0].lower() == lower for k in keys) or self._unique_in_composite(
                table, keys, lower, fk_columns)
            created = data.created if name != created_column else None
            if name == created_column and parent_created is not None:
                offsets = rng.integers(0, 30 * 86_400, m).astype("timedelta64[s]")
                values = np.minimum(parent_created.astype("datetime64[s]") + offsets, np.datetime64("2026-11-01"))
                values = values.astype("datetime64[D]") if info.family == "date" else values
            elif self._counter(table, keys, lower, fk_columns) and info.family == "integer":
                values = self._count_within(table, keys, lower, fk_columns, index_of_parent, index, running)
            else:
                enum = self._enum_values(column)
                values = generate(name, info, m, rng, index=index, constraint=checks.get(lower),
                                  enum_values=enum, unique=unique, created=created)
            if name == created_column:
                data.created = values.astype("datetime64[s]") if values.dtype.kind == "M" else None
            data.columns[name] = self._with_nulls(values, table, column, rng, keys)
        return data

    def _sample(self, data: TableData) -> None:
        """The first SAMPLE rows of the table (copies: the chunk itself is let go)."""
        sample = self.samples.get(data.table.key)
        have = sample.n if sample is not None else 0
        take = min(SAMPLE - have, data.n)
        if take <= 0:
            return
        part = {k: v[:take].copy() for k, v in data.columns.items()}
        if sample is None:
            self.samples[data.table.key] = TableData(data.table, take, part)
            return
        sample.columns = {k: _concatenate([sample.columns[k], part[k]]) for k in part}
        sample.n += take

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

    def _count_within(self, table, keys, lower, fk_columns, index_of_parent, index, running) -> np.ndarray:
        """Numbers 1, 2, … within each parent row, continued across chunks by per-parent counters."""
        for key in keys:
            cols = [c.lower() for c in key]
            if lower in cols and any(c in fk_columns for c in cols):
                fk_i = next(fk_columns[c][0] for c in cols if c in fk_columns)
                groups = index_of_parent.get(fk_i)
                if groups is None:
                    return (index + 1).astype(np.int64)
                m = len(groups)
                order = np.argsort(groups, kind="stable")
                sorted_groups = groups[order]
                starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
                counts = np.arange(m) - np.repeat(starts, np.diff(np.r_[starts, m]))
                out = np.empty(m, dtype=np.int64)
                out[order] = counts + 1
                so_far = running.setdefault(fk_i, np.zeros(self.made[table.foreign_keys[fk_i].ref_table].n,
                                                           dtype=np.int64))
                out += so_far[groups]
                so_far += np.bincount(groups, minlength=len(so_far))
                return out
        return (index + 1).astype(np.int64)

    def _pairs(self, table, key, fk_columns, rng, n, index_of_parent) -> int:
        """Distinct pairs of parents for a key made of two foreign keys (film_actor)."""
        fk_ids = []
        for c in key:
            i = fk_columns[c.lower()][0]
            if i not in fk_ids:
                fk_ids.append(i)
        a, b = fk_ids[:2]
        pa, pb = (self.made.get(table.foreign_keys[i].ref_table) for i in (a, b))
        if pa is None or pb is None or pa.n == 0 or pb.n == 0:
            return n
        total = pa.n * pb.n
        n = min(n, total)
        flat = rng.choice(total, size=n, replace=False) if total > n else rng.permutation(total)[:n]
        index_of_parent[a] = flat // pb.n
        index_of_parent[b] = flat % pb.n
        return n

    def _proven_keys(self, table, keys, fk_columns, one_to_one, pair_keys) -> list[tuple[str, ...]]:
        """Unique keys that construction already keeps unique across chunks (no guard needed): parents
        drawn without replacement, distinct pairs, counters within a parent, integers numbered 1..n,
        random UUIDs. Any other key is guarded by hashes (values.py cannot promise every text)."""
        proven = []
        for key in keys:
            lowered = [c.lower() for c in key]
            if self._fk_of_key(table, key) in one_to_one or key in pair_keys or self._counted(table, keys, key,
                                                                                              fk_columns):
                proven.append(key)
                continue
            for name in lowered:
                column = table.column(name)
                if column is None or name in fk_columns or column.computed:
                    continue
                info = T.info(self.schema.base_type(column.type) or "TEXT", self.schema.dialect)
                numbered = info.family == "integer" and len(key) == 1 and not self._enum_values(column) \
                    and not info.values and name not in self._checks(table)
                if numbered or info.family == "uuid":
                    proven.append(key)
                    break
        return proven

    def _counted(self, table, keys, key, fk_columns) -> bool:
        """(order_id, line_no): line_no counts within the order this very key groups by."""
        lowered = [c.lower() for c in key]
        others = [c for c in lowered if c not in fk_columns]
        if len(key) < 2 or len(others) != 1 or not self._counter(table, keys, others[0], fk_columns):
            return False
        column = table.column(others[0])
        info = T.info(self.schema.base_type(column.type) or "TEXT", self.schema.dialect)
        first = next(k for k in keys if others[0] in [c.lower() for c in k] and any(c.lower() in fk_columns for c in k))
        return info.family == "integer" and first == key

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
        """A tree within each chunk: each row points at an earlier row (the first rows are roots when nullable)."""
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
            made = self.made[d.table.key]
            parent = self.made.get(d.fk.ref_table)
            if parent is None or parent.n == 0:
                if not d.nullable and made.n:
                    raise SeedError(f"{d.table.key} needs rows in {d.fk.ref_table}, which has none.")
                continue
            rng = table_rng(self.seed + 1, d.table)
            idx = parent_indices(rng, parent.n, made.n, self.distribution)
            rows = np.arange(made.n)
            if d.nullable:
                d.key_values = [made.kept[self._column_name(d.table, c)].take(rows) for c in d.key_columns]
            d.values = [parent.kept[self._column_name(parent.table, r)].take(idx) for r in d.fk.ref_columns]

    def _checks(self, table: Table) -> dict[str, Constraint]:
        """The CHECKs values must meet, per column (read once per table: every chunk asks)."""
        if table.key not in self._check_cache:
            self._check_cache[table.key] = self._read_checks(table)
        return self._check_cache[table.key]

    def _read_checks(self, table: Table) -> dict[str, Constraint]:
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



def _rows_of(data: TableData, keep: np.ndarray) -> TableData:
    out = TableData(data.table, int(keep.sum()), {k: v[keep] for k, v in data.columns.items()})
    out.created = data.created[keep] if data.created is not None else None
    return out


def _concatenate(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return np.array([], dtype=object)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


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

    out: queue.Queue = queue.Queue(maxsize=1)  # one chunk ahead: enough to overlap, bounded
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
