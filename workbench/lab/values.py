"""Realistic column values, generated a whole column at a time with numpy.

A column gets values by its name first (email, country, status, price, created_at, …), then by
its type, then within its constraints: NOT NULL, enum values and simple CHECKs (IN lists,
ranges, comparisons), string lengths, numeric precision and scale. Pools of names, cities and
words are small fixed lists combined by index, which keeps generation vectorised and seeded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
         "Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Donald Margaret "
         "Steven Ashley Paul Kimberly Andrew Emily Joshua Donna Kenneth Michelle Kevin Carol Brian Amanda George "
         "Melissa Timothy Deborah Ronald Stephanie Jason Rebecca Edward Sharon Jeffrey Laura Ryan Cynthia Jacob "
         "Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry Anna Justin Pamela "
         "Scott Nicole Brandon Samantha Benjamin Katherine Samuel Christine Gregory Helen Alexander Debra Patrick "
         "Rachel Frank Carolyn Raymond Janet Jack Maria Dennis Olivia Jerry Heather Tyler Diane Aaron Julie Jose "
         "Joyce Adam Victoria Nathan Ruth Henry Virginia Zachary Lauren Douglas Kelly Peter Christina Kyle Joan "
         "Noah Evelyn Ethan Judith Jeremy Andrea Walter Hannah Christian Megan Keith Cheryl Roger Jacqueline Terry "
         "Martha Austin Madison Sean Teresa Gerald Gloria Carl Sara Harold Janice Dylan Ann Arthur Kathryn Lawrence "
         "Abigail Jordan Sophia Jesse Frances Bryan Jean Billy Alice Bruce Judy Gabriel Isabella Joe Julia Logan "
         "Grace Alan Amber Juan Denise Albert Danielle Willie Marilyn Elijah Beverly Wayne Charlotte Randy Natalie "
         "Vincent Theresa Mason Diana Roy Brittany Ralph Doris Bobby Kayla Russell Alexis Bradley Lori Philip Marie").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
        "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
        "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
        "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
        "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
        "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
        "Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
        "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
        "Castro Marshall Owens Harrison Fernandez Mcdonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
        "Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon").split()
COUNTRIES = [("US", "United States"), ("GB", "United Kingdom"), ("DE", "Germany"), ("FR", "France"), ("ES", "Spain"),
             ("IT", "Italy"), ("NL", "Netherlands"), ("SE", "Sweden"), ("NO", "Norway"), ("DK", "Denmark"),
             ("PL", "Poland"), ("PT", "Portugal"), ("IE", "Ireland"), ("CA", "Canada"), ("MX", "Mexico"),
             ("BR", "Brazil"), ("AR", "Argentina"), ("JP", "Japan"), ("KR", "South Korea"), ("IN", "India"),
             ("AU", "Australia"), ("NZ", "New Zealand"), ("ZA", "South Africa"), ("NG", "Nigeria"), ("EG", "Egypt"),
             ("CH", "Switzerland"), ("AT", "Austria"), ("BE", "Belgium"), ("FI", "Finland"), ("SG", "Singapore")]
CITIES = ("London Paris Berlin Madrid Rome Amsterdam Stockholm Oslo Copenhagen Warsaw Lisbon Dublin Toronto Mexico "
          "Sao-Paulo Buenos-Aires Tokyo Seoul Mumbai Sydney Auckland Cape-Town Lagos Cairo Zurich Vienna Brussels "
          "Helsinki Singapore Chicago Boston Denver Seattle Austin Lyon Munich Porto Milan Osaka Melbourne").replace(
    "-", " ").split()
STREETS = "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park River Church Market Station Mill".split()
WORDS = ("alpha amber anchor apex arrow atlas aurora beacon birch blaze bloom breeze bright canyon cedar cinder "
         "cobalt comet coral crest crystal dawn delta drift echo ember falcon fern flint forest frost garnet glacier "
         "harbor hazel horizon indigo iris jade jasper juniper lagoon lark lotus lunar maple meadow mesa mist nova "
         "oasis onyx opal orbit pebble pine pixel prism quartz raven reef ridge river sable sage sierra silver "
         "slate solar spark spruce stone summit swift thistle tide timber topaz trail tundra vale velvet willow").split()
DOMAINS = ["example.com", "example.org", "example.net", "mail.test", "corp.test"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "SEK", "CHF", "CAD", "AUD"]
STATUSES = ["active", "pending", "completed", "cancelled", "archived"]
EPOCH_END = np.datetime64("2026-11-01T00:00:00")
TIMELINE_DAYS = 730  # values land in the two years before EPOCH_END


@dataclass
class Constraint:
    """What a column's CHECKs, enum and type allow."""

    choices: list[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    not_equal: list[Any] = field(default_factory=list)
    min_length: int | None = None


def check_constraints(expression: str, dialect: str) -> tuple[dict[str, Constraint], bool]:
    """Per-column bounds from a CHECK: `a IN (…)`, `a = 'x'`, comparisons with literals, BETWEEN,
    AND-ed together; and whether that is all the CHECK says (False when some of it was not understood).
    """
    import sqlglot
    from sqlglot import exp

    from ..schema.types import quiet_sqlglot

    quiet_sqlglot()
    out: dict[str, Constraint] = {}
    understood = [True]
    try:  # as a WHERE condition: a CHECK that starts with a keyword (`Lock = 'X'`) reads right there
        tree = sqlglot.parse_one(f"SELECT 1 WHERE {expression}", read=dialect).args["where"].this
    except Exception:  # noqa: BLE001 - a CHECK we cannot read gives no hints
        return out, False

    def literal(node):
        node = node.unnest() if isinstance(node, exp.Paren) else node
        while isinstance(node, exp.Cast):
            node = node.this
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
            return -float(node.this.this)
        if isinstance(node, exp.Literal):
            return node.this if node.is_string else float(node.this)
        return None

    def column(node):
        node = node.unnest() if isinstance(node, exp.Paren) else node
        while isinstance(node, exp.Cast):
            node = node.this
        return node.name if isinstance(node, exp.Column) else None

    def visit(node) -> None:
        node = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(node, exp.And):
            visit(node.this)
            visit(node.expression)
            return
        if isinstance(node, exp.In) and column(node.this):
            values = [literal(e) for e in node.expressions]
            if values and all(v is not None for v in values):
                out.setdefault(column(node.this), Constraint()).choices = values
            else:
                understood[0] = False
            return
        if isinstance(node, exp.Between) and column(node.this):
            c = out.setdefault(column(node.this), Constraint())
            lo, hi = literal(node.args["low"]), literal(node.args["high"])
            if isinstance(lo, float):
                c.minimum = lo
            if isinstance(hi, float):
                c.maximum = hi
            return
        comparisons = {exp.GT: ("min", True), exp.GTE: ("min", False), exp.LT: ("max", True), exp.LTE: ("max", False)}
        for kind, (side, strict) in comparisons.items():
            if isinstance(node, kind):
                left, right = node.this, node.expression
                name, value = column(left), literal(right)
                if name is None:  # 0 < qty: mirror it
                    name, value = column(right), literal(left)
                    side = "max" if side == "min" else "min"
                if name and isinstance(value, float):
                    c = out.setdefault(name, Constraint())
                    if side == "min":
                        c.minimum, c.exclusive_min = value, strict
                    else:
                        c.maximum, c.exclusive_max = value, strict
                    return
                if isinstance(node.this, exp.Length) and column(node.this.this):
                    value = literal(node.expression)
                    if isinstance(value, float):
                        out.setdefault(column(node.this.this), Constraint()).min_length = int(value) + (1 if strict else 0)
                        return
                understood[0] = False
                return
        if isinstance(node, exp.EQ) and column(node.this) and literal(node.expression) is not None:
            out.setdefault(column(node.this), Constraint()).choices = [literal(node.expression)]
            return
        if isinstance(node, exp.NEQ) and column(node.this):
            value = literal(node.expression)
            if value is not None:
                out.setdefault(column(node.this), Constraint()).not_equal.append(value)
                return
        if isinstance(node, exp.Not) and isinstance(node.this, exp.Is) and column(node.this.this):
            return  # col IS NOT NULL: the generator leaves such columns filled anyway
        understood[0] = False

    visit(tree)
    return out, understood[0]


def _choose(rng: np.random.Generator, pool: list | tuple, n: int) -> np.ndarray:
    return np.asarray(pool)[rng.integers(0, len(pool), n)]


def _bounded(rng, n, low, high, integer: bool, c: Constraint | None):
    if c is not None:
        if c.minimum is not None:
            low = c.minimum + (1 if integer and c.exclusive_min else (0.01 if c.exclusive_min else 0))
        if c.maximum is not None:
            high = c.maximum - (1 if integer and c.exclusive_max else (0.01 if c.exclusive_max else 0))
        if high < low:
            high = low
    if integer:
        return rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, n)
    return rng.uniform(low, high, n)


def generate(name: str, info: Any, n: int, rng: np.random.Generator, *, index: np.ndarray,
             constraint: Constraint | None = None, enum_values: tuple[str, ...] = (), unique: bool = False,
             created: np.ndarray | None = None) -> np.ndarray:
    """`n` values for a column named `name` with TypeInfo `info` (numpy array, object or numeric)."""
    lower = name.lower()
    family = info.family
    choices = list(constraint.choices) if constraint and constraint.choices else (list(enum_values) or
                                                                                list(info.values) or None)
    if choices:
        # a realistic skew: the first values are the common ones
        weights = np.array([1.0 / (i + 1) for i in range(len(choices))])
        picks = rng.choice(len(choices), size=n, p=weights / weights.sum())
        out = np.asarray(choices, dtype=object)[picks]
        if family in ("integer", "decimal", "float") and all(isinstance(v, float) for v in choices):
            return out.astype(float if family != "integer" else np.int64)
        return out
    if family == "boolean":
        p = 0.9 if re.search(r"(^|_)(is_)?(active|enabled|visible|verified|valid)$", lower) else 0.5
        return rng.random(n) < p
    if family == "integer":
        return _integer(lower, info, n, rng, index, constraint, unique)
    if family in ("decimal", "float"):
        return _number(lower, info, n, rng, constraint)
    if family in ("date", "timestamp", "time"):
        return _moment(lower, info, n, rng, created)
    if family == "uuid":
        raw = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64)
        return np.array([f"{a & 0xFFFFFFFF:08x}-{(a >> 32) & 0xFFFF:04x}-4{(a >> 48) & 0xFFF:03x}-"
                         f"{0x8000 | (b & 0x3FFF):04x}-{(b >> 14) & 0xFFFFFFFFFFFF:012x}" for a, b in raw], dtype=object)
    if family == "json":
        return np.array([f'{{"n": {i}, "tag": "{w}"}}' for i, w in zip(index, _choose(rng, WORDS, n), strict=True)],
                        dtype=object)
    if family == "binary":
        return np.array([bytes([i % 256]) * 4 for i in index], dtype=object)
    if family == "array":
        return np.array(["{}"] * n, dtype=object)
    if family == "interval":
        return np.array([f"{d} days" for d in rng.integers(1, 60, n)], dtype=object)
    if family == "other":
        special = _special(info.name.upper().split("(")[0].rsplit(".", 1)[-1], n, rng, index)
        if special is not None:
            return special
    return _text(lower, info, n, rng, index, constraint, unique)


def _special(name: str, n: int, rng, index) -> np.ndarray | None:
    """Values for PostgreSQL's own types that text would not fit."""
    if name in ("INET", "CIDR"):
        parts = rng.integers(1, 255, size=(n, 4))
        return np.array([f"{a}.{b}.{c}.{d}" for a, b, c, d in parts], dtype=object)
    if name in ("MACADDR", "MACADDR8"):
        return np.array([":".join(f"{(i >> s) & 255:02x}" for s in (40, 32, 24, 16, 8, 0)) for i in index], dtype=object)
    if name == "TSVECTOR":
        return np.array([f"'{w}'" for w in _choose(rng, WORDS, n)], dtype=object)
    if name == "XML":
        return np.array([f"<item n=\"{i}\"/>" for i in index], dtype=object)
    if name == "POINT":
        return np.array([f"({x:.4f},{y:.4f})" for x, y in rng.uniform(-90, 90, size=(n, 2))], dtype=object)
    if name in ("HSTORE",):
        return np.array([f'"n"=>"{i}"' for i in index], dtype=object)
    return None


def _integer(lower, info, n, rng, index, c, unique):
    limit = {1: 127, 2: 32_767, 3: 8_388_607, 4: 2_147_483_647}.get(info.size or 8, 2**53)
    if unique:
        return (index + 1).astype(np.int64)
    if re.search(r"(qty|quantity|count|seats|items|units)$", lower):
        return _bounded(rng, n, 1, 10, True, c)
    if re.search(r"(^|_)age$", lower):
        return _bounded(rng, n, 18, 90, True, c)
    if re.search(r"(year)$", lower):
        return _bounded(rng, n, 1990, 2026, True, c)
    if re.search(r"(rating|stars|score|rank|priority|level)$", lower):
        return _bounded(rng, n, 1, 5, True, c)
    if re.search(r"(duration|minutes|length)$", lower):
        return _bounded(rng, n, 1, min(limit, 300), True, c)
    if re.search(r"(seconds|size|bytes|weight)", lower):
        return _bounded(rng, n, 1, min(limit, 10_000), True, c)
    return _bounded(rng, n, 0, min(limit, 1_000_000), True, c)


def _number(lower, info, n, rng, c):
    scale = info.scale if info.scale is not None else 2
    top = 10 ** ((info.precision or 12) - scale) - 1
    if re.search(r"(price|amount|cost|total|fee|balance|salary|revenue|payment|charge|tax|discount|value)", lower):
        values = np.round(np.exp(rng.normal(3.5, 1.2, n)), 2)  # money: log-normal, two decimals
    elif re.search(r"(rate|ratio|percent|pct|share)", lower):
        values = rng.uniform(0, 1, n)
    elif re.search(r"(lat|latitude)$", lower):
        values = rng.uniform(-60, 70, n)
    elif re.search(r"(lng|lon|longitude)$", lower):
        values = rng.uniform(-180, 180, n)
    else:
        values = rng.uniform(0, 1000, n)
    if c is not None and (c.minimum is not None or c.maximum is not None):
        values = _bounded(rng, n, c.minimum if c.minimum is not None else 0,
                          c.maximum if c.maximum is not None else min(top, 1000), False, c)
    values = np.clip(values, -top, top)
    return np.round(values, min(scale, 6))


def _moment(lower, info, n, rng, created):
    if created is not None and re.search(r"(updated|modified|changed|last_)", lower):
        base = created
        offsets = rng.integers(0, 90 * 86_400, n).astype("timedelta64[s]")
        values = base + offsets
    elif re.search(r"(birth|dob)", lower):
        values = np.datetime64("1950-01-01") + rng.integers(0, 50 * 365, n).astype("timedelta64[D]")
    elif created is not None and re.search(r"(shipped|delivered|paid|completed|closed|ended|returned)", lower):
        values = created + rng.integers(3600, 14 * 86_400, n).astype("timedelta64[s]")
    else:
        values = EPOCH_END - rng.integers(0, TIMELINE_DAYS * 86_400, n).astype("timedelta64[s]")
    values = np.minimum(values.astype("datetime64[s]"), EPOCH_END)
    if info.family == "date":
        return values.astype("datetime64[D]")
    if info.family == "time":
        return np.array([str(v)[11:19] for v in values.astype("datetime64[s]")], dtype=object)
    return values


def _text(lower, info, n, rng, index, c, unique):
    size = info.size
    first, last = _choose(rng, FIRST, n), _choose(rng, LAST, n)
    if re.search(r"e_?mail", lower):
        values = np.char.add(np.char.add(np.char.lower(np.char.add(np.char.add(first.astype(str), "."),
                                                                    last.astype(str))), index.astype(str)),
                             np.char.add("@", _choose(rng, DOMAINS, n).astype(str)))
    elif re.search(r"(first_?name|given_?name|forename)", lower):
        values = first
    elif re.search(r"(last_?name|surname|family_?name)", lower):
        values = last
    elif re.search(r"(user_?name|login|handle|nick)", lower):
        values = np.char.add(np.char.lower(first.astype(str)), index.astype(str))
    elif re.search(r"(full_?name|^name$|customer_?name|contact_?name|author)", lower):
        values = np.char.add(np.char.add(first.astype(str), " "), last.astype(str))
    elif re.search(r"country_?code|iso_?code|^country$", lower) and (size or 99) <= 3:
        values = _choose(rng, [c[0] for c in COUNTRIES], n)
    elif re.search(r"country", lower):
        values = _choose(rng, [c[1] for c in COUNTRIES], n)
    elif re.search(r"city|town", lower):
        values = _choose(rng, CITIES, n)
    elif re.search(r"(address|street)", lower):
        values = np.char.add(np.char.add(rng.integers(1, 999, n).astype(str), " "),
                             np.char.add(_choose(rng, STREETS, n).astype(str), " Street"))
    elif re.search(r"(zip|postal|postcode)", lower):
        values = np.char.zfill(rng.integers(1000, 99999, n).astype(str), 5)
    elif re.search(r"phone|mobile|fax", lower):
        values = np.char.add("+1-555-", np.char.zfill(rng.integers(0, 9999999, n).astype(str), 7))
    elif re.search(r"currency", lower):
        values = _choose(rng, CURRENCIES, n)
    elif re.search(r"(status|state)$", lower):
        values = _choose(rng, STATUSES, n)
    elif re.search(r"(url|link|website|homepage|target)", lower):
        values = np.char.add(np.char.add("https://", _choose(rng, DOMAINS, n).astype(str)),
                             np.char.add("/", _choose(rng, WORDS, n).astype(str)))
    elif re.search(r"(^ip|_ip|ip_address)", lower):
        parts = rng.integers(1, 255, size=(n, 4)).astype(str)
        values = np.char.add(np.char.add(np.char.add(parts[:, 0], "."), np.char.add(parts[:, 1], ".")),
                             np.char.add(np.char.add(parts[:, 2], "."), parts[:, 3]))
    elif re.search(r"(code|slug|sku|key|token|ref|short)", lower):
        values = np.char.add(np.char.add(_choose(rng, WORDS, n).astype(str), "-"), index.astype(str))
    elif re.search(r"(title|subject|headline|label|name)", lower):
        values = np.char.add(np.char.add(np.char.capitalize(_choose(rng, WORDS, n).astype(str)), " "),
                             _choose(rng, WORDS, n).astype(str))
    elif re.search(r"(description|body|text|comment|note|message|content|bio|summary)", lower):
        words = [_choose(rng, WORDS, n).astype(str) for _ in range(6)]
        values = words[0]
        for w in words[1:]:
            values = np.char.add(np.char.add(values, " "), w)
    else:
        values = np.char.add(np.char.add(_choose(rng, WORDS, n).astype(str), " "), index.astype(str))
    values = np.asarray(values).astype(str)
    if unique and size is not None and size <= 8:
        # too short for a readable unique text: base-36 numbers of the row index, as wide as allowed
        values = np.array([np.base_repr(int(i), 36).rjust(size, "0")[-size:] for i in index], dtype=object)
        return values
    if unique and not re.search(r"e_?mail|user_?name|login|code|slug|sku|key|token|ref|short", lower):
        values = np.char.add(np.char.add(values, "-"), index.astype(str))
    if c is not None and c.min_length:
        values = np.char.ljust(values, c.min_length, "x")
    if size:
        if not unique:
            if values.dtype.kind == "U" and values.dtype.itemsize // 4 > size:
                values = values.astype(f"<U{size}")  # cut to the column's width (never widened: 4 bytes a char)
        elif (np.char.str_len(values) > size).any():  # unique: keep the distinguishing tail
            values = np.array([v[-size:] if len(v) > size else v for v in values.tolist()])
    return values


_CLOCK: np.ndarray | None = None


def iso_text(values: np.ndarray) -> np.ndarray:
    """datetime64 values as ISO text ('YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'), vectorised.

    numpy's own datetime_as_string is slow per value; generated values span a few years, so
    each distinct day and each second of the day is formatted once and the two are joined.
    """
    global _CLOCK
    if values.dtype == np.dtype("datetime64[D]"):
        return np.datetime_as_string(values, unit="D")
    seconds = values.astype("datetime64[s]").astype(np.int64)
    if not seconds.size:
        return np.array([], dtype="U19")
    days, clock = np.divmod(seconds, 86_400)
    low = int(days.min())
    span = int(days.max()) - low + 1
    if span > 200_000:  # centuries apart: format directly
        return np.char.replace(np.datetime_as_string(values, unit="s"), "T", " ")
    if _CLOCK is None:
        two = np.char.zfill(np.arange(60).astype(str), 2)
        _CLOCK = np.char.add(np.char.add(np.char.add(" ", two[:24, None, None]), np.char.add(":", two[None, :, None])),
                             np.char.add(":", two[None, None, :])).ravel()
    dates = np.datetime_as_string(np.arange(low, low + span).astype("datetime64[D]"), unit="D")
    return np.char.add(dates[days - low], _CLOCK[clock])
