"""Bulk loading generated rows: executemany on SQLite and MySQL/MariaDB, COPY on PostgreSQL.

Rows go in through the DB-API connection of the lab, inside the caller's transaction.
Values arrive as numpy arrays (None in object arrays marks NULL) and are converted once per
column, not once per value: datetimes to ISO text, booleans per dialect, decimals as text
with their scale for COPY.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..schema.names import qualified, quote
from .values import iso_text

BATCH = 50_000


def _python(values: np.ndarray, dialect: str) -> list:
    """A column as Python values the driver accepts."""
    if values.dtype.kind == "M":
        return iso_text(values).tolist()
    if values.dtype.kind == "b":
        return values.astype(np.int8).tolist() if dialect != "postgres" else values.tolist()
    if values.dtype.kind == "O":
        out = values.tolist()
        if any(isinstance(v, np.datetime64) for v in out[:50]):
            return [None if v is None else str(v).replace("T", " ") for v in out]
        if any(isinstance(v, bool | np.bool_) for v in out[:50]):
            return [None if v is None else int(v) for v in out]
        return out
    return values.tolist()


def _copy_text(values: np.ndarray) -> list[str]:
    """A column as PostgreSQL COPY text fields (\\N for NULL)."""
    if values.dtype.kind == "M":
        return iso_text(values).tolist()
    if values.dtype.kind == "b":
        return np.where(values, "t", "f").tolist()
    if values.dtype.kind in "iu":
        return values.astype(str).tolist()
    if values.dtype.kind == "f":
        return [repr(v) for v in values.tolist()]
    if values.dtype.kind == "U":
        out = values.tolist()
        joined = "".join(out)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return _copy_text(values.astype(object))
        return out
    out = []
    for v in values.tolist():
        if v is None:
            out.append("\\N")
        elif isinstance(v, bool):
            out.append("t" if v else "f")
        elif isinstance(v, bytes):
            out.append("\\\\x" + v.hex())
        else:
            s = str(v)
            if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
                s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            out.append(s)
    return out


@dataclass
class Prepared:
    """Rows of one table, converted for the driver (lists per column, or COPY text chunks)."""

    table_key: str
    columns: list[str]
    n: int
    lists: list[list] | None = None
    chunks: list[tuple[int, str]] | None = None


def prepare(dialect: str, table_key: str, columns: dict[str, np.ndarray], n: int) -> Prepared:
    """Convert generated columns once, ahead of the insert (this can run on another thread)."""
    names = list(columns)
    if dialect == "postgres":
        fields = [_copy_text(columns[c]) for c in names]
        chunks = []
        for start in range(0, n, BATCH):
            end = min(n, start + BATCH)
            text = "\n".join("\t".join(row) for row in zip(*(f[start:end] for f in fields), strict=True)) + "\n"
            chunks.append((end - start, text))
        return Prepared(table_key, names, n, chunks=chunks)
    return Prepared(table_key, names, n, lists=[_python(columns[c], dialect) for c in names])


def write(conn: Any, dialect: str, prepared: Prepared, progress: Callable[[int], None] | None = None) -> None:
    """Send prepared rows through a DB-API connection (COPY on PostgreSQL, executemany elsewhere)."""
    if prepared.n == 0 or not prepared.columns:
        return
    target = qualified(prepared.table_key, dialect, namespaces=dialect == "postgres")
    column_list = ", ".join(quote(c, dialect) for c in prepared.columns)
    if dialect == "postgres":
        with conn.cursor() as cursor, cursor.copy(f"COPY {target} ({column_list}) FROM STDIN") as copy:
            for count, text in prepared.chunks:
                copy.write(text)
                if progress:
                    progress(count)
        return
    marker = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {target} ({column_list}) VALUES ({', '.join([marker] * len(prepared.columns))})"
    cursor = conn.cursor()
    try:
        for start in range(0, prepared.n, BATCH):
            end = min(prepared.n, start + BATCH)
            cursor.executemany(sql, zip(*(lst[start:end] for lst in prepared.lists), strict=True))
            if progress:
                progress(end - start)
    finally:
        cursor.close()


def insert(conn: Any, dialect: str, table_key: str, columns: dict[str, np.ndarray], n: int,
           progress: Callable[[int], None] | None = None) -> None:
    """Insert `n` rows of `columns` into a table through a DB-API connection."""
    write(conn, dialect, prepare(dialect, table_key, columns, n), progress)


def update(conn: Any, dialect: str, table_key: str, set_columns: list[str], set_values: list[np.ndarray],
           key_columns: list[str], key_values: list[np.ndarray]) -> None:
    """Set `set_columns` on the rows with the given keys (the second half of cycle breaking)."""
    target = qualified(table_key, dialect, namespaces=dialect == "postgres")
    marker = "?" if dialect == "sqlite" else "%s"
    sets = ", ".join(f"{quote(c, dialect)} = {marker}" for c in set_columns)
    where = " AND ".join(f"{quote(c, dialect)} = {marker}" for c in key_columns)
    rows = zip(*(_python(v, dialect) for v in set_values), *(_python(v, dialect) for v in key_values), strict=True)
    cursor = conn.cursor()
    try:
        cursor.executemany(f"UPDATE {target} SET {sets} WHERE {where}", list(rows))
    finally:
        cursor.close()
