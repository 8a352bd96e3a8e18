"""Generated rows prepared for a bulk load: converted once per column, not once per value.

Values arrive as numpy arrays (None in object arrays marks NULL): datetimes become ISO text,
booleans what the driver takes, and for PostgreSQL's COPY every value its text form. The
drivers (workbench.lab.drivers) send the prepared rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .values import iso_text

BATCH = 50_000


def python_values(values: np.ndarray, booleans_as_integers: bool = True) -> list:
    """A column as Python values a DB-API driver accepts (booleans as 0/1 where the driver wants that)."""
    if values.dtype.kind == "M":
        return iso_text(values).tolist()
    if values.dtype.kind == "b":
        return values.astype(np.int8).tolist() if booleans_as_integers else values.tolist()
    if values.dtype.kind == "O":
        out = values.tolist()
        if any(isinstance(v, np.datetime64) for v in out[:50]):
            return [None if v is None else str(v).replace("T", " ") for v in out]
        if any(isinstance(v, bool | np.bool_) for v in out[:50]):
            return [None if v is None else int(v) for v in out]
        return out
    return values.tolist()


def copy_text(values: np.ndarray) -> list[str]:
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
            return copy_text(values.astype(object))
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
