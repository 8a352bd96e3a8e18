"""Schemas as design artifacts: one model for DDL, SQLAlchemy and live databases; ER diagrams,
lint, versions and migrations."""

import re

from .model import CheckConstraint, Column, Enum, ForeignKey, Index, Schema, Table, UniqueConstraint, View

__all__ = ["Schema", "Table", "Column", "ForeignKey", "Index", "UniqueConstraint", "CheckConstraint", "Enum", "View",
           "guess_dialect"]


def guess_dialect(text: str, filename: str | None = None) -> str:
    """The dialect of a DDL text: from the file name when it says, else from telltale syntax."""
    name = (filename or "").lower()
    for key, dialect in (("postgres", "postgres"), ("pg_", "postgres"), ("mysql", "mysql"), ("mariadb", "mysql"),
                         ("sqlite", "sqlite")):
        if key in name:
            return dialect
    # only the SQL itself counts: a backtick in a comment or a string says nothing about the dialect
    from .statements import code_only

    sample = code_only(text[:200_000])
    if re.search(r"ENGINE\s*=|AUTO_INCREMENT|`\w+`|DELIMITER\s", sample, re.IGNORECASE):
        return "mysql"
    if re.search(r"AUTOINCREMENT|WITHOUT ROWID|PRAGMA\s", sample, re.IGNORECASE):
        return "sqlite"
    return "postgres"
