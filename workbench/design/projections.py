"""Migrations against the stated volume: a design's migration rehearsed at a few sizes and projected to the
row count its requirements state (see workbench.lab.projection for the fit)."""

from __future__ import annotations

from typing import Any

from ..errors import DesignError
from .kinds import PROJECTION, SCHEMA

DEFAULT_SIZES = (25_000, 100_000, 250_000)  # large enough that row work outweighs a statement's overhead


def stated_rows(design: Any) -> tuple[int, str] | None:
    """The largest row count a volume requirement of a table reaches (its rows a year × its years, or the
    capacity plan's last year), and which requirement says it (None when none does)."""
    from .capacity import YEARS
    from .requirements import requirements

    volumes = [(int(r.value * (r.years or max(YEARS))), f"{r.id} ({r.table})") for r in requirements(design)
               if r.metric == "volume" and r.value and r.table]
    return max(volumes) if volumes else None


def migration_versions(design: Any, name: str | None, from_version: int | None, to_version: int | None,
                       verb: str) -> tuple[str, int, int, Any, Any]:
    """(name, from, to, old Schema, new Schema) of a migration between two stored versions (default: the newest
    and the one before), or a DesignError saying which versions there are."""
    latest = design.latest(SCHEMA, name)
    if latest is None:
        raise DesignError("The design has no schema to migrate yet.", hint="Propose one with propose_schema.")
    name = latest["name"]
    to_version = to_version or latest["version"]
    from_version = from_version or to_version - 1
    old, new = design.schema(name, from_version), design.schema(name, to_version)
    if old is None or new is None or from_version >= to_version:
        raise DesignError(f"Schema {name!r} has no versions {from_version} → {to_version} to {verb}.",
                          hint=f"It has versions 1 to {latest['version']}; a migration needs two of them.")
    return name, from_version, to_version, old, new


def project_migration(design: Any, name: str | None = None, from_version: int | None = None,
                      to_version: int | None = None, *, sizes: tuple | list = DEFAULT_SIZES,
                      target_rows: int | None = None, database: str = "postgres", clients: int = 4,
                      turn_id: int | None = None) -> Any:
    """Rehearse the migration between two schema versions at `sizes` rows per table, fit seconds against rows
    and project each statement to `target_rows` (default: the largest volume requirement). Stored."""
    from ..lab.lab import Lab
    from ..lab.projection import project

    name, from_version, to_version, old, new = migration_versions(design, name, from_version, to_version, "project")
    source = None
    if target_rows is None:
        stated = stated_rows(design)
        if stated is None:
            raise DesignError("No row count to project to: give target_rows, or record a volume requirement of a "
                              "table (metric volume, table, value: rows a year, years).",
                              hint="e.g. target_rows=150_000_000")
        target_rows, source = stated
    kind = {"sandbox": None, "sqlite": None}.get(database, database)
    with Lab(kind, name=f"{design.name}-projection", owner=f"{design.home.resolve()}/{design.name}") as base:
        migration = old.diff(new).sql(base.dialect)
        result = project(base, old, migration, sizes=list(sizes), target_rows=int(target_rows), clients=clients)
    if source:
        result.notes.insert(0, f"{int(target_rows):,} rows: requirement {source}'s volume, rehearsed as the rows of "
                               "every table")
    label = f"{name} v{from_version}-v{to_version}"
    result.version = design.add_version(PROJECTION, label, {"input": {
        "schema": name, "from_version": from_version, "to_version": to_version, "sizes": list(sizes),
        "target_rows": int(target_rows), "database": database}, **result.to_dict()},
        summary=result.summary().splitlines()[0], turn_id=turn_id)
    result.name = label
    return result
