"""The labs of a session, per design: the design's sandbox, and server namespaces on demand.

The sandbox is a SQLite file in the design's folder that holds the design's newest schema
and synthetic rows; it is rebuilt when the schema gets a new version or other row counts are
asked for, and survives kernel restarts otherwise. Server labs (postgres, mysql) are fresh
namespaces, dropped when the session closes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import LabError
from .kinds import SCHEMA

DEFAULT_ROWS = 1000
MARKER = "_workbench_lab"
NAMES = {"sandbox": "sandbox", "sqlite": "sandbox", "postgres": "postgres", "postgresql": "postgres",
         "pg": "postgres", "mysql": "mysql", "mariadb": "mysql"}


@dataclass
class ExperimentRecord:
    """A stored experiment: its name and version, the inputs it ran with, and the comparison to show."""

    name: str
    version: int
    input: dict
    comparison: Any
    summary: str | None = field(default=None)

    def for_model(self) -> str:
        return f"Experiment {self.name!r} v{self.version} stored.\n" + self.comparison.for_model()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return self.comparison._repr_mimebundle_(include, exclude)

    def __repr__(self) -> str:
        return f"<Experiment {self.name} v{self.version}: {self.comparison.summary().splitlines()[0]}>"


@dataclass
class LoadRecord:
    """A stored load run: its name and version, the inputs it ran with, and the result to show."""

    name: str
    version: int
    input: dict
    result: Any

    def for_model(self) -> str:
        return f"Load {self.name!r} v{self.version} stored.\n" + self.result.summary()

    def _repr_html_(self) -> str:
        return self.result._repr_html_()

    def __repr__(self) -> str:
        return f"<Load {self.name} v{self.version}: {self.result.summary().splitlines()[0]}>"


@dataclass
class LoadComparison:
    """Load variants side by side: the same clients and time on copies of the same seeded data."""

    name: str
    records: list[LoadRecord]

    @property
    def result(self) -> LoadComparison:  # what a surface shows, as for one LoadRecord
        return self

    def rows(self) -> list[list[str]]:
        out = []
        for record in self.records:
            r = record.result
            errors = ", ".join(f"{k} {v}" for k, v in r.errors().items()) or "—"
            p95 = " / ".join(f"{t['name']} {t['p95_ms']:.1f}" if t["p95_ms"] is not None else f"{t['name']} —"
                             for t in r.transactions)
            out.append([record.name.rsplit(" [", 1)[-1].rstrip("]"), f"{r.throughput:,.0f}", f"{r.committed:,}", p95,
                        errors])
        return out

    def summary(self) -> str:
        lines = [f"Load {self.name!r}: {len(self.records)} variants, same clients and time, each on its own copy "
                 "of the seeded data:"]
        lines += [f"  {v}: {t}/s, {c} committed; p95 ms {p}; errors: {e}" for v, t, c, p, e in self.rows()]
        return "\n".join(lines)

    def for_model(self) -> str:
        stored = ", ".join(f"{r.name} v{r.version}" for r in self.records)
        return self.summary() + f"\nStored as {stored}."

    def _repr_html_(self) -> str:
        import html as h

        head = "".join(f"<th>{c}</th>" for c in ("variant", "per s", "committed", "p95 ms", "errors"))
        body = "".join("<tr>" + "".join(f"<td>{h.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows())
        return (f"<p><b>Load variants</b> {h.escape(self.name)}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>" + "".join(r.result._repr_html_() for r in self.records))

    def __repr__(self) -> str:
        return self.summary()


class DesignLabs:
    """Lab databases by (design, database), kept open for the session."""

    def __init__(self) -> None:
        self._labs: dict[tuple[str, str], tuple[Any, str]] = {}

    def get(self, design: Any, database: str | None = "sandbox", *, rows: int | dict | None = None,
            seed: int = 42) -> Any:
        """The lab for `database` ('sandbox', 'postgres' or 'mysql') with the design's newest schema, seeded."""
        from ..lab.lab import Lab

        key_name = NAMES.get((database or "sandbox").lower())
        if key_name is None:
            raise LabError(f"Unknown lab database {database!r}.",
                           hint="Use sandbox (SQLite), postgres or mysql; open other databases with Lab(url).")
        latest = design.latest(SCHEMA)
        schema = design.schema() if latest is not None else None
        version = latest["version"] if latest is not None else 0
        wanted_rows = rows if rows is not None else DEFAULT_ROWS
        stamp = json.dumps({"schema": schema.name if schema is not None else None, "version": version,
                            "rows": wanted_rows, "seed": seed}, sort_keys=True)
        key = (design.name, key_name)
        cached = self._labs.get(key)
        if cached is not None and (cached[1] == stamp or rows is None and _same_schema(cached[1], stamp)):
            return cached[0]
        if cached is not None:
            cached[0].close()
            del self._labs[key]
        if key_name == "sandbox":
            path = design.folder / "lab" / "sandbox.db"
            lab = Lab(None, path=path, name=design.name)
            previous = _read_marker(lab)
            if previous is not None and (previous == stamp or rows is None and _same_schema(previous, stamp)):
                lab.schema = _flat(schema)
                self._labs[key] = (lab, previous)
                return lab
            lab.close()
            for suffix in ("", "-journal", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            lab = Lab(None, path=path, name=design.name)
        else:  # a namespace on the server, run as the design's own least-privileged principal
            lab = Lab(key_name, name=design.name, owner=f"{design.home.resolve()}/{design.name}")
        try:
            if schema is not None:
                lab.load(schema)
                lab.seed(wanted_rows, seed=seed)
            _write_marker(lab, stamp)
        except BaseException:
            lab.close()
            if key_name == "sandbox":
                path.unlink(missing_ok=True)
            raise
        self._labs[key] = (lab, stamp)
        return lab

    def seeded_rows(self, design: Any, database: str | None = "sandbox") -> Any:
        """The rows per table the design's lab on `database` was seeded with (an int or a per-table dict)."""
        cached = self._labs.get((design.name, NAMES.get((database or "sandbox").lower(), "sandbox")))
        return json.loads(cached[1])["rows"] if cached is not None else DEFAULT_ROWS

    def reset(self, design: Any, database: str | None = None) -> list[str]:
        """Close and remove a design's labs (all, or one database): server namespaces are dropped, the
        sandbox file deleted; the next use builds them again. Returns what was removed."""
        removed = []
        for key in [k for k in self._labs if k[0] == design.name and (database is None or k[1] == NAMES.get(database))]:
            lab, _ = self._labs.pop(key)
            removed.append(repr(lab))
            lab.close()
        if database in (None, "sandbox", "sqlite"):
            path = design.folder / "lab" / "sandbox.db"
            for suffix in ("", "-journal", "-wal", "-shm"):
                target = path.with_name(path.name + suffix)
                if target.exists():
                    target.unlink()
                    if not suffix:
                        removed.append(f"sandbox {path}")
        return removed

    def close(self) -> None:
        for lab, _ in self._labs.values():
            lab.close()
        self._labs.clear()


def _flat(schema):
    from ..lab.lab import flatten

    return flatten(schema) if schema is not None else None


def _same_schema(a: str, b: str) -> bool:
    x, y = json.loads(a), json.loads(b)
    return (x["schema"], x["version"]) == (y["schema"], y["version"])


def _read_marker(lab: Any) -> str | None:
    try:
        row = lab.connection().execute(f"SELECT stamp FROM {MARKER}").fetchone()
        return row[0] if row else None
    except Exception:  # noqa: BLE001 - no marker: a fresh or foreign file
        return None


def _write_marker(lab: Any, stamp: str) -> None:
    conn = lab.connection()
    cursor = conn.cursor()
    try:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (stamp TEXT NOT NULL)")
        cursor.execute(f"DELETE FROM {MARKER}")
        cursor.execute(f"INSERT INTO {MARKER} (stamp) VALUES ({lab.driver.marker})", (stamp,))
    finally:
        cursor.close()
