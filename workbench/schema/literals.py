"""A column default's literal as the column's type reads it: the form two defaults must share to mean the same.

A database stores a default in its own output form, not as the file wrote it: PostgreSQL keeps
`'5 minutes'::interval` as `'00:05:00'::interval` and `'09:00'::time` as `'09:00:00'`, MariaDB
shows `DEFAULT 0` on a DECIMAL(10,2) as `0.00` and `DEFAULT ''` on a BINARY(4) as four zero bytes.
Only for comparing: the model keeps defaults as read.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from . import types as T

_QUOTED = re.compile(r"^'((?:[^']|'')*)'$", re.S)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*([+-]\d{1,2}(?::?\d{2})?)?$")
_UNITS = {"year": ("m", 12), "mon": ("m", 1), "week": ("d", 7), "day": ("d", 1), "hour": ("s", 3600),
          "minute": ("s", 60), "min": ("s", 60), "second": ("s", 1), "sec": ("s", 1),
          "millisecond": ("s", Decimal("0.001")), "ms": ("s", Decimal("0.001")),
          "microsecond": ("s", Decimal("0.000001")), "us": ("s", Decimal("0.000001"))}


def default_key(key: str | None, type_text: str, dialect: str) -> str | None:
    """`key` (a comparison_key of a default) in the one form its column type gives it."""
    if key is None:
        return None
    info = T.info(type_text, dialect)
    quoted = _QUOTED.match(key)
    text = quoted.group(1).replace("''", "'") if quoted else key
    if info.family == "decimal" or info.family in ("integer", "float") and not quoted:
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            return key
        return format(number.normalize(), "f") if number.is_finite() else key  # 0 is 0.00, 1.5 is 1.50
    if not quoted:
        return key
    if info.family == "time":
        return _time(text) or key
    if info.family == "interval":
        return _interval(text) or key
    if info.family == "binary" and info.name == "BINARY":
        return "'" + text.rstrip("\x00") + "'"  # MySQL pads a BINARY(n) value with zero bytes to n
    return key


def _time(text: str) -> str | None:
    m = _TIME.match(text.strip())
    if not m:
        return None
    hours, minutes, seconds, fraction, zone = m.groups()
    fraction = (fraction or "").rstrip("0").rstrip(".")
    if zone:
        sign, digits = zone[0], zone[1:].replace(":", "")
        zone = sign + digits[:2].zfill(2) + (":" + digits[2:] if digits[2:] and digits[2:] != "00" else "")
    return f"'{int(hours):02d}:{minutes}:{seconds or '00'}{fraction}{zone or ''}'"


def _interval(text: str) -> str | None:
    """An interval as (months, days, seconds), the parts PostgreSQL keeps apart ('1 day' is not '24:00:00')."""
    parts = {"m": Decimal(0), "d": Decimal(0), "s": Decimal(0)}
    tokens = text.lower().replace(",", " ").split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        clock = re.fullmatch(r"([+-])?(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?", token)
        if clock:
            sign = -1 if clock.group(1) == "-" else 1
            parts["s"] += sign * (int(clock.group(2)) * 3600 + int(clock.group(3)) * 60
                                  + Decimal(clock.group(4) or 0))
            i += 1
            continue
        try:
            amount = Decimal(token)
        except InvalidOperation:
            return None
        if i + 1 >= len(tokens):
            return None
        unit = tokens[i + 1]
        unit = unit[:-1] if unit.endswith("s") and unit[:-1] in _UNITS else unit
        unit = {"month": "mon", "minutes": "minute", "mins": "min", "secs": "sec"}.get(unit, unit)
        if unit not in _UNITS:
            return None
        part, factor = _UNITS[unit]
        parts[part] += amount * factor
        i += 2
    return "interval " + " ".join(format(parts[p].normalize(), "f") + p for p in "mds")
