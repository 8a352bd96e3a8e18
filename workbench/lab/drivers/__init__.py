"""One driver per database engine, behind one small interface (see `base.Driver` for the recipe)."""

from __future__ import annotations

from ...errors import LabError
from ...secrets import redact
from .base import Driver, Seeding

# dialect → (module, class); imported on first use, so an engine's client library loads only when needed
DRIVERS: dict[str, tuple[str, str]] = {
    "sqlite": ("workbench.lab.drivers.sqlite", "SQLiteDriver"),
    "postgres": ("workbench.lab.drivers.postgres", "PostgresDriver"),
    "mysql": ("workbench.lab.drivers.mysql", "MySQLDriver"),
}
# URL scheme prefixes → dialect
SCHEMES = (("postgres", "postgres"), ("mysql", "mysql"), ("mariadb", "mysql"), ("sqlite", "sqlite"))


def dialect_of(url: str) -> str:
    """The dialect a database URL speaks."""
    for prefix, dialect in SCHEMES:
        if url.startswith(prefix):
            return dialect
    raise LabError(f"Unsupported database URL {redact(url)}.",
                   hint="Use sqlite:///file.db, postgresql://… or mysql://… (mariadb://…).")


def driver_for(dialect: str) -> Driver:
    """A new driver for a dialect."""
    import importlib

    module, name = DRIVERS[dialect]
    return getattr(importlib.import_module(module), name)()


__all__ = ["Driver", "Seeding", "DRIVERS", "dialect_of", "driver_for"]
