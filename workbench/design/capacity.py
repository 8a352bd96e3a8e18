"""The capacity plan: how big the design's tables get, and how many connections its traffic holds.

Sizes are measured, not estimated: the newest schema is loaded into a fresh lab on the chosen engine,
every table is seeded with a sample (10,000 rows by default), and the engine reports what the sample
takes on disk (PostgreSQL `pg_table_size` and `pg_relation_size` per index, SQLite's `dbstat` pages,
InnoDB's `data_length` / `index_length` after ANALYZE TABLE). Bytes per row are those sizes over the
sample's rows, so page headers, fill factor, alignment, TOAST and index overhead are the engine's own.

Each volume requirement (`table` grows by `value` rows a year) projects its table linearly: rows at
year t = value × t, bytes = bytes per row × rows. A table whose projection (data and indexes) crosses
the partitioning threshold (100 GB unless stated; optionally a row count) is flagged with the year.

Connections follow Little's law: sessions busy = Σ arrival rate × time in the database, per
transaction. The rate is a throughput requirement's target (else what the newest stored load achieved);
the time is that transaction's mean latency in a stored load (its p95 when the load kept no mean,
which over-estimates: the safe side). The sum is compared with the server's max_connections less the
connections it reserves for superusers.
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import DesignError
from .kinds import CAPACITY, LOAD, SCHEMA
from .requirements import requirements

SAMPLE_ROWS = 10_000
YEARS = (1, 3, 5)
PARTITION_GB = 100.0
SMALL_SAMPLE = 8  # allocation units below which a sample's bytes per row are mostly overhead
GB = 1e9  # decimal gigabytes, as disks and cloud storage are sold
DATABASES = {"sandbox": None, "sqlite": None, "postgres": "postgres", "postgresql": "postgres", "pg": "postgres",
             "mysql": "mysql", "mariadb": "mysql"}


def resolve_table(schema: Any, name: str, req_id: str = "") -> str:
    """The schema's table a volume requirement names (by key or name, any case), or a DesignError."""
    wanted = (name or "").strip().lower()
    for table in schema.tables.values():
        if wanted in (table.key.lower(), table.name.lower()):
            return table.key
    known = ", ".join(t.key for t in schema.tables.values())
    raise DesignError(f"Requirement {req_id or '(volume)'} names table {name!r}, which the schema does not have.",
                      hint=f"Name one of its tables: {known}.")


@dataclass
class TableSize:
    """One table measured on the sample, and projected when a volume requirement names it."""

    table: str
    sample_rows: int
    data_bytes: int
    index_bytes: int
    indexes: dict[str, int] = field(default_factory=dict)  # per index (empty when the engine gives only a total)
    rows_per_year: float | None = None
    requirement: str | None = None

    @property
    def bytes_per_row(self) -> float:
        return (self.data_bytes + self.index_bytes) / self.sample_rows if self.sample_rows else 0.0

    @property
    def data_per_row(self) -> float:
        return self.data_bytes / self.sample_rows if self.sample_rows else 0.0

    @property
    def index_per_row(self) -> float:
        return self.index_bytes / self.sample_rows if self.sample_rows else 0.0

    def rows_at(self, years: float) -> float | None:
        return None if self.rows_per_year is None else self.rows_per_year * years

    def bytes_at(self, years: float) -> float | None:
        rows = self.rows_at(years)
        return None if rows is None else rows * self.bytes_per_row

    def crosses(self, threshold_bytes: float, threshold_rows: float | None) -> float | None:
        """The year the projection reaches the partitioning threshold (bytes, or rows when given first)."""
        if not self.rows_per_year:
            return None
        times = [threshold_bytes / (self.bytes_per_row * self.rows_per_year)] if self.bytes_per_row else []
        if threshold_rows:
            times.append(threshold_rows / self.rows_per_year)
        return min(times) if times else None


@dataclass
class Connections:
    """Little's law over the design's traffic: rate × time in the database, against the server's limit."""

    flows: list[dict]  # transaction, rate_per_s, rate_from, latency_ms, latency_from, busy
    max_connections: int | None
    reserved: int | None

    @property
    def busy(self) -> float:
        return sum(f["busy"] for f in self.flows)

    @property
    def needed(self) -> int:
        return math.ceil(round(self.busy, 9))  # 2,000/s × 25 ms is 50 sessions, not 51 from float noise

    @property
    def usable(self) -> int | None:
        return None if self.max_connections is None else self.max_connections - (self.reserved or 0)

    def verdict(self) -> str:
        if not self.flows:
            return ("no traffic to size: record a throughput requirement bound to a stored load (or run one) to "
                    "size connections")
        arithmetic = " + ".join(f"{f['rate_per_s']:,.6g}/s × {f['latency_ms']:.6g} ms" for f in self.flows)
        head = f"connections needed (Little's law): {arithmetic} = {self.busy:,.6g} → {self.needed:,}"
        if self.usable is None:
            return head + " (SQLite has no server connection limit; it has one writer at a time)"
        fits = "fits" if self.needed <= self.usable else "EXCEEDS: put a connection pooler in front, or raise it"
        return head + f" of {self.usable:,} usable (max_connections {self.max_connections:,}, " \
                      f"{self.reserved:,} reserved): {fits}"


@dataclass
class CapacityPlan:
    """Bytes per row measured on a seeded sample, tables projected at 1, 3 and 5 years, and connections."""

    dialect: str
    database: str
    sample_rows: int
    tables: list[TableSize]
    connections: Connections
    years: tuple = YEARS
    partition_gb: float = PARTITION_GB
    partition_rows: float | None = None
    schema: str = ""
    schema_version: int = 0
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    version: int | None = None

    def table(self, name: str) -> TableSize | None:
        return next((t for t in self.tables if t.table.lower() == name.lower()), None)

    def threshold(self) -> str:
        rows = f" or {self.partition_rows:,.0f} rows" if self.partition_rows else ""
        return f"{self.partition_gb:g} GB{rows}"

    def partitions(self) -> list[tuple[TableSize, float]]:
        """The projected tables that cross the partitioning threshold within the plan's years, with the year."""
        out = []
        for t in self.tables:
            year = t.crosses(self.partition_gb * GB, self.partition_rows)
            if year is not None and year <= max(self.years):
                out.append((t, year))
        return out

    def summary(self) -> str:
        grown = [t for t in self.tables if t.rows_per_year is not None]
        last = max(self.years)
        lines = [f"Capacity of {self.schema} v{self.schema_version} on {self.dialect}: {len(self.tables)} table{'s' if len(self.tables) != 1 else ''} "
                 f"measured on {self.sample_rows:,} seeded rows each; {len(grown)} projected from volume "
                 f"requirements; partitioning threshold {self.threshold()} (data and indexes)"]
        for t in grown:
            lines.append(f"  {t.table}: {t.bytes_per_row:,.1f} B/row × {t.rows_per_year:,.0f} rows/year → "
                         f"{size_text(t.bytes_at(last))} at {last:g} years ({t.requirement})")
        for t, year in self.partitions():
            lines.append(f"  partition {t.table}: it crosses {self.threshold()} in year {year:.1f}")
        lines.append("  " + self.connections.verdict())
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    HEADERS_FIXED = ["table", "data B/row", "index B/row", "B/row", "rows/year"]

    def headers(self) -> list[str]:
        return [*self.HEADERS_FIXED, *[f"{y:g} y" for y in self.years], "partition"]

    def rows(self) -> list[list[str]]:
        crossing = {t.table: year for t, year in self.partitions()}
        out = []
        for t in self.tables:
            sizes = [size_text(t.bytes_at(y)) if t.rows_per_year is not None else "—" for y in self.years]
            flag = f"year {crossing[t.table]:.1f}" if t.table in crossing else ""
            out.append([t.table, f"{t.data_per_row:,.1f}", f"{t.index_per_row:,.1f}", f"{t.bytes_per_row:,.1f}",
                        f"{t.rows_per_year:,.0f}" if t.rows_per_year is not None else "—", *sizes, flag])
        return out

    def index_rows(self) -> list[list[str]]:
        return [[t.table, name or "(all indexes)", f"{size / t.sample_rows:,.1f}" if t.sample_rows else "—",
                 size_text(size)] for t in self.tables for name, size in t.indexes.items()]

    def for_model(self) -> str:
        return self.summary() + (f"\nStored as capacity {self.database!r} v{self.version}." if self.version else "")

    def chart_svg(self, width: int = 480, height: int = 160) -> str:
        """Projected size (data and indexes) of each table with a volume requirement, year 0 to the last year;
        the partitioning threshold as a dashed line when the chart reaches it."""
        grown = [t for t in self.tables if t.rows_per_year is not None]
        last = max(self.years)
        top = max([t.bytes_at(last) or 0 for t in grown] + [1.0])
        threshold = self.partition_gb * GB
        scale = max(top, threshold) if threshold <= top * 1.5 else top
        left, right, up, down = 56, 110, 10, 24
        w, h = width - left - right, height - up - down

        def x(year: float) -> float:
            return left + w * year / last

        def y(value: float) -> float:
            return up + h - h * min(value, scale) / scale

        colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'font-family="sans-serif" font-size="10">',
                 f'<line x1="{left}" y1="{up + h}" x2="{left + w}" y2="{up + h}" stroke="#999"/>',
                 f'<line x1="{left}" y1="{up}" x2="{left}" y2="{up + h}" stroke="#999"/>',
                 f'<text x="{left - 4}" y="{up + 8}" text-anchor="end">{html.escape(size_text(scale))}</text>',
                 f'<text x="{left - 4}" y="{up + h}" text-anchor="end">0</text>']
        for year in (0, *self.years):
            parts.append(f'<text x="{x(year):.1f}" y="{height - 8}" text-anchor="middle">{year:g} y</text>')
        if threshold <= scale:
            parts.append(f'<line x1="{left}" y1="{y(threshold):.1f}" x2="{left + w}" y2="{y(threshold):.1f}" '
                         f'stroke="#c5221f" stroke-dasharray="4 3"/><text x="{left + w + 4}" y="{y(threshold) + 3:.1f}"'
                         f' fill="#c5221f">partition {self.partition_gb:g} GB</text>')
        for i, t in enumerate(grown[:len(colours)]):
            colour = colours[i]
            end = t.bytes_at(last) or 0
            parts.append(f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(last):.1f}" y2="{y(end):.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
            parts.append(f'<text x="{left + w + 4}" y="{up + 26 + 12 * i}" fill="{colour}">'
                         f'{html.escape(t.table[:16])}</text>')
        if not grown:
            parts.append(f'<text x="{left + 8}" y="{up + h / 2:.0f}" fill="#666">no volume requirement names a '
                         'table yet</text>')
        return "".join(parts) + "</svg>"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.headers())
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows())
        first, *rest = self.summary().splitlines()
        notes = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest)
        return (f"<div class='wb-capacity'><p><b>{html.escape(first)}</b></p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{self.chart_svg()}<ul>{notes}</ul></div>")

    def __repr__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict:
        return {"dialect": self.dialect, "database": self.database, "sample_rows": self.sample_rows,
                "tables": [asdict(t) for t in self.tables], "connections": asdict(self.connections),
                "years": list(self.years), "partition_gb": self.partition_gb, "partition_rows": self.partition_rows,
                "schema": self.schema, "schema_version": self.schema_version, "elapsed_s": self.elapsed_s,
                "notes": self.notes}

    @classmethod
    def from_dict(cls, data: dict) -> CapacityPlan:
        return cls(data["dialect"], data["database"], data["sample_rows"],
                   [TableSize(**t) for t in data["tables"]], Connections(**data["connections"]),
                   tuple(data.get("years") or YEARS), data.get("partition_gb", PARTITION_GB),
                   data.get("partition_rows"), data.get("schema", ""), data.get("schema_version", 0),
                   data.get("elapsed_s", 0.0), list(data.get("notes") or []))


def size_text(value: float | None) -> str:
    """Bytes in decimal units, three significant digits: 19.5 GB, 274 kB."""
    if value is None:
        return "—"
    for unit, factor in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= factor:
            return f"{value / factor:,.3g} {unit}"
    return f"{value:,.0f} B"


def plan_capacity(design: Any, database: str = "sandbox", *, rows: int = SAMPLE_ROWS,
                  years: tuple | list = YEARS, partition_gb: float = PARTITION_GB, partition_rows: float | None = None,
                  turn_id: int | None = None) -> CapacityPlan:
    """Measure the design's newest schema on a seeded sample in `database`, project it, size connections;
    store the plan as capacity `database` and return it."""
    from ..lab.lab import Lab, flatten

    latest = design.latest(SCHEMA)
    if latest is None:
        raise DesignError(f"Design {design.name!r} has no schema to plan capacity for.",
                          hint="Propose one (propose_schema or %%schema) first.")
    key = (database or "sandbox").lower()
    if key not in DATABASES:
        raise DesignError(f"Unknown database {database!r} for a capacity plan.", hint="Use sandbox, postgres or mysql.")
    years = tuple(sorted({float(y) if not float(y).is_integer() else int(y) for y in years}))
    if not years or years[0] <= 0 or partition_gb <= 0 or int(rows) < 100:
        raise DesignError("A capacity plan needs years > 0, partition_gb > 0 and a sample of at least 100 rows.",
                          hint=f"The defaults: years {YEARS}, partition_gb {PARTITION_GB:g}, rows {SAMPLE_ROWS:,}.")
    schema = design.schema()
    growth = _growth(design, schema)
    started = time.perf_counter()
    names = dict(zip((t.key for t in schema.tables.values()), flatten(schema).tables, strict=True))
    with Lab(DATABASES[key], name=f"{design.name}-capacity", owner=f"{design.home.resolve()}/{design.name}") as lab:
        lab.load(schema)
        report = lab.seed(int(rows), progress=False)
        conn = lab.connection()
        measured = lab.driver.storage(conn)
        limit = lab.driver.connection_limit(conn)
        dialect, notes, unit = lab.dialect, list(lab.notes), lab.driver.allocation_unit
    seeded = {str(k): int(v) for k, v in report.items()}  # the rows each table really got
    tables = []
    for source_key, lab_key in names.items():
        if lab_key not in seeded:  # a partition of a table: the lab keeps the parent as one table
            if source_key in growth:
                notes.append(f"{growth[source_key][1]}: {source_key} is a partition; the lab measures its parent "
                             "as one table, so name the parent table in the volume requirement")
            continue
        own = [(index, size) for table, index, size in measured if table.lower() == lab_key.lower().split(".")[-1]]
        data = sum(size for index, size in own if index is None)
        indexes = {index: size for index, size in own if index is not None}
        per_year, req = growth.get(source_key, (None, None))
        tables.append(TableSize(source_key, seeded[lab_key], data, sum(indexes.values()), indexes, per_year, req))
        if data < SMALL_SAMPLE * unit:
            notes.append(f"{source_key}: its sample takes {size_text(data)}, under {SMALL_SAMPLE} of {dialect}'s "
                         f"{size_text(unit)} allocation units, so fixed overhead inflates its bytes per row; "
                         "plan with more rows for a truer figure")
    plan = CapacityPlan(dialect, DATABASES[key] or "sandbox", int(rows), tables,
                        _connections(design, limit, notes), years, float(partition_gb), partition_rows,
                        latest["name"], latest["version"], time.perf_counter() - started, notes)
    plan.version = design.add_version(CAPACITY, plan.database, plan.to_dict(), summary=plan.summary().splitlines()[0],
                                      turn_id=turn_id)
    return plan


def _growth(design: Any, schema: Any) -> dict[str, tuple[float, str]]:
    """{table key: (rows per year, requirement id)} from the volume requirements that name a table."""
    out: dict[str, tuple[float, str]] = {}
    for req in requirements(design):
        if req.metric == "volume" and req.table:
            key = resolve_table(schema, req.table, req.id)
            rows, ids = out.get(key, (0.0, ""))
            out[key] = (rows + float(req.value or 0), f"{ids}, {req.id}" if ids else req.id)
    return out


def _connections(design: Any, limit: tuple[int, int] | None, notes: list[str]) -> Connections:
    """Little's law per transaction: the throughput targets' rates (else the newest load's own) × latency."""
    flows = []
    for req in requirements(design):
        if req.metric != "throughput" or req.value is None:
            continue
        row = design.latest(LOAD, req.load) if req.load else None
        latency = _latency(row["body"], req.transaction) if row is not None else None
        if latency is None:
            notes.append(f"{req.id}: load {req.load!r} has no committed {req.transaction or 'transaction'} to time, "
                         "so it is left out of the connections (run the load again)")
            continue
        ms, how = latency
        flows.append({"transaction": req.transaction or "all", "rate_per_s": float(req.value),
                      "rate_from": f"requirement {req.id}", "latency_ms": ms,
                      "latency_from": f"{how} of load {req.load} v{row['version']}",
                      "busy": float(req.value) * ms / 1000.0})
    if not flows:
        row = design.latest(LOAD)
        if row is not None:
            body = row["body"]
            for t in body.get("transactions") or []:
                latency = _latency(body, t["name"])
                if latency is None or not body.get("duration_s"):
                    continue
                rate = t["committed"] / body["duration_s"]
                flows.append({"transaction": t["name"], "rate_per_s": rate,
                              "rate_from": f"achieved in load {row['name']} v{row['version']}",
                              "latency_ms": latency[0], "latency_from": f"{latency[1]} of the same run",
                              "busy": rate * latency[0] / 1000.0})
    total, reserved = limit if limit is not None else (None, None)
    return Connections(flows, total, reserved)


def _latency(body: dict, transaction: str | None) -> tuple[float, str] | None:
    """A transaction's time in the database from a stored load: the mean when kept, else p95 (None: not there)."""
    rows = [t for t in body.get("transactions") or [] if transaction in (None, t["name"]) and t.get("committed")]
    if not rows:
        return None
    key = "mean_ms" if all(t.get("mean_ms") is not None for t in rows) else "p95_ms"
    if any(t.get(key) is None for t in rows):
        return None
    committed = sum(t["committed"] for t in rows)
    ms = sum(t[key] * t["committed"] for t in rows) / committed
    return ms, "mean" if key == "mean_ms" else "p95 (the load kept no mean: on the safe side)"


def latest_capacity(design: Any, database: str | None = None) -> CapacityPlan | None:
    """The newest stored capacity plan (of one database, or of any), or None."""
    row = design.latest(CAPACITY, database)
    if row is None:
        return None
    plan = CapacityPlan.from_dict(row["body"])
    plan.version = row["version"]
    return plan
