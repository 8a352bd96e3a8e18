"""Column types: canonical text per dialect, families for lint and synthetic data, transpiling.

Types are kept as SQL text in the schema's dialect. PostgreSQL and MySQL types are
canonicalised through sqlglot (`integer` → `INT`, `character varying(20)` → `VARCHAR(20)`);
SQLite types are free-form affinity names, so they are kept as written (upper-cased).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..config import DEFAULT_DIALECT

DIALECTS = ("postgres", "sqlite", "mysql")
ALIASES = {"postgresql": "postgres", "pg": "postgres", "psql": "postgres", "mariadb": "mysql",
           "sqlite3": "sqlite", "mysql": "mysql", "postgres": "postgres", "sqlite": "sqlite"}
DEFAULT_NAMESPACE = {"postgres": "public", "sqlite": "main", "mysql": None}


def dialect_name(dialect: str | None) -> str:
    """The workbench's name for a dialect (`postgresql` → `postgres`, `mariadb` → `mysql`)."""
    from ..errors import SchemaError

    key = (dialect or DEFAULT_DIALECT).lower().strip()
    if key not in ALIASES:
        raise SchemaError(f"Unknown SQL dialect {dialect!r}.", hint="Use postgres, sqlite or mysql (mariadb).")
    return ALIASES[key]


@dataclass(frozen=True)
class TypeInfo:
    """What kind of values a column holds."""

    family: str           # integer, decimal, float, boolean, string, text, date, time, timestamp, interval,
    #                       uuid, json, binary, enum, array, other
    size: int | None = None        # bytes of an integer; characters of a string
    precision: int | None = None
    scale: int | None = None
    timezone: bool = False
    values: tuple[str, ...] = ()   # inline enum values (MySQL ENUM/SET)
    name: str = ""                 # sqlglot's type name, e.g. BIGINT
    unsigned: bool = False         # MySQL's (and a SQLite file's) `BIGINT UNSIGNED`: no negative values


_INT_SIZES = {"TINYINT": 1, "UTINYINT": 1, "SMALLINT": 2, "USMALLINT": 2, "MEDIUMINT": 3, "UMEDIUMINT": 3,
              "INT": 4, "UINT": 4, "BIGINT": 8, "UBIGINT": 8, "SERIAL": 4, "SMALLSERIAL": 2, "BIGSERIAL": 8,
              "INT128": 16, "INT256": 32, "YEAR": 2}
_FAMILIES = {
    "decimal": {"DECIMAL", "DECIMAL32", "DECIMAL64", "DECIMAL128", "UDECIMAL", "MONEY", "SMALLMONEY", "BIGDECIMAL"},
    "float": {"FLOAT", "DOUBLE", "UDOUBLE"},
    "boolean": {"BOOLEAN", "BIT"},
    "string": {"VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "NAME", "BPCHAR", "CITEXT"},
    "text": {"TEXT", "MEDIUMTEXT", "LONGTEXT", "TINYTEXT"},
    "date": {"DATE", "DATE32"},
    "time": {"TIME", "TIMETZ"},
    "timestamp": {"TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMPLTZ", "TIMESTAMPNTZ", "DATETIME", "DATETIME64",
                  "DATETIME2", "SMALLDATETIME", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"},
    "interval": {"INTERVAL"},
    "uuid": {"UUID", "UNIQUEIDENTIFIER"},
    "json": {"JSON", "JSONB"},
    "binary": {"BINARY", "VARBINARY", "BLOB", "MEDIUMBLOB", "LONGBLOB", "TINYBLOB", "IMAGE"},
    "enum": {"ENUM", "ENUM8", "ENUM16", "SET"},
    "array": {"ARRAY"},
}
_TZ = {"TIMESTAMPTZ", "TIMESTAMPLTZ", "TIMETZ"}
# sqlglot's names for `BIGINT UNSIGNED` & co. (ClickHouse/DuckDB spellings that no dialect here knows)
UNSIGNED = {"UTINYINT", "USMALLINT", "UMEDIUMINT", "UINT", "UBIGINT", "UDECIMAL", "UDOUBLE"}


def neutral(dt) -> str:
    """A type as a SQLite file keeps it: sqlglot's neutral spelling, except `BIGINT UNSIGNED` & co., which it
    spells UBIGINT, a name SQLite would read but no other dialect knows: those as MySQL writes them."""
    return dt.sql(dialect="mysql") if dt.this.name in UNSIGNED else dt.sql()


def quiet_sqlglot() -> None:
    """sqlglot logs what it cannot parse as warnings; the workbench reports those itself, with their line."""
    import logging

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)


@lru_cache(maxsize=4096)
def data_type(text: str, dialect: str):
    """The sqlglot DataType of a type text (None when sqlglot cannot read it)."""
    from sqlglot import exp
    from sqlglot.errors import ParseError

    quiet_sqlglot()
    try:
        built = exp.DataType.build(text, dialect=dialect, udt=True)
    except (ParseError, ValueError, TypeError, AttributeError):
        return None
    # sqlglot reads PostgreSQL's oid, regclass, regtype… as an ObjectIdentifier, not a DataType
    return built if isinstance(built, exp.DataType) and hasattr(built.this, "name") else None


@lru_cache(maxsize=4096)
def canonical(text: str, dialect: str) -> str:
    """The canonical spelling of a type in its dialect."""
    clean = " ".join(text.split())
    dt = data_type(clean, dialect)
    if dialect == "sqlite":  # free-form affinity names: sqlglot's neutral spelling, not its SQLite mapping
        return neutral(dt) if dt is not None and dt.this.name != "USERDEFINED" else clean.upper()
    if dt is None or dt.this.name == "USERDEFINED":
        return clean
    if dialect == "mysql" and dt.this.name == "BOOLEAN":
        return "TINYINT(1)"  # what MySQL and MariaDB make of BOOLEAN, and show
    if dialect == "mysql" and dt.this.name in _INT_SIZES and len(dt.expressions) == 1 and not (
            dt.this.name == "TINYINT" and dt.expressions[0].name == "1"):
        dt = dt.copy()
        dt.set("expressions", [])  # a display width (INT(11)) is not part of the type; MySQL 8 drops it too
    return dt.sql(dialect=dialect)


def comparison_type(text: str, dialect: str) -> str:
    """What two types must share to be one type: the canonical spelling, upper case, with the scale a DECIMAL
    takes when none is written (DECIMAL(38) is DECIMAL(38, 0), and MySQL's DECIMAL is DECIMAL(10, 0))."""
    spelled = canonical(text, dialect).upper()
    dt = data_type(spelled, dialect) if dialect != "sqlite" else None
    if dt is None or dt.this.name != "DECIMAL":
        return spelled
    numbers = [e.name for e in dt.expressions]
    if len(numbers) == 1:
        return f"DECIMAL({numbers[0]}, 0)"
    if not numbers and dialect == "mysql":
        return "DECIMAL(10, 0)"
    return spelled


@lru_cache(maxsize=4096)
def info(text: str, dialect: str) -> TypeInfo:
    """Family, size, precision and time zone of a type."""
    dt = data_type(text, dialect)
    if dt is None:
        if text.strip().upper() == "OID":  # an unsigned 32-bit number
            return TypeInfo("integer", size=8, name="OID")
        return _sqlite_affinity(text) if dialect == "sqlite" else TypeInfo("other", name=text.upper())
    name = dt.this.name
    params = [e for e in dt.expressions]
    numbers = []
    for p in params:
        try:
            numbers.append(int(p.name))
        except (ValueError, AttributeError):
            pass
    if name in _INT_SIZES:
        if name == "TINYINT" and dialect == "mysql" and numbers == [1]:
            return TypeInfo("boolean", name=name)
        return TypeInfo("integer", size=_INT_SIZES[name], name=name, unsigned=name in UNSIGNED)
    for family, names in _FAMILIES.items():
        if name in names:
            if family == "enum":
                values = tuple(p.name for p in params)
                return TypeInfo("enum", values=values, name=name)
            if family == "decimal":
                return TypeInfo("decimal", precision=numbers[0] if numbers else None,
                                scale=numbers[1] if len(numbers) > 1 else (0 if numbers else None), name=name)
            if family == "string":
                return TypeInfo("string", size=numbers[0] if numbers else None, name=name)
            if family == "timestamp":
                tz = name in _TZ or (dialect == "mysql" and name == "TIMESTAMPTZ")
                return TypeInfo("timestamp", timezone=tz, precision=numbers[0] if numbers else None, name=name)
            if family == "time":
                return TypeInfo("time", timezone=name in _TZ, name=name)
            return TypeInfo(family, name=name)
    if dialect == "sqlite":
        return _sqlite_affinity(text)
    return TypeInfo("other", name=name if name != "USERDEFINED" else text)


def _sqlite_affinity(text: str) -> TypeInfo:
    """SQLite's own affinity rules (section 3.1 of its datatype documentation)."""
    upper = text.upper()
    if "INT" in upper:
        return TypeInfo("integer", size=8, name=upper)
    if any(k in upper for k in ("CHAR", "CLOB", "TEXT")):
        size = re.search(r"\((\d+)\)", upper)
        return TypeInfo("string" if size else "text", size=int(size.group(1)) if size else None, name=upper)
    if "BLOB" in upper or not upper:
        return TypeInfo("binary", name=upper)
    if any(k in upper for k in ("REAL", "FLOA", "DOUB")):
        return TypeInfo("float", name=upper)
    return TypeInfo("decimal", name=upper)


_INT_NAMES = {"postgres": {1: "SMALLINT", 2: "SMALLINT", 3: "INT", 4: "INT", 8: "BIGINT"},
              "mysql": {1: "TINYINT", 2: "SMALLINT", 3: "MEDIUMINT", 4: "INT", 8: "BIGINT"}}
# PostgreSQL types without a MySQL/MariaDB counterpart, and what holds their values there
_MYSQL_STAND_INS = {"INET": "VARCHAR(45)", "CIDR": "VARCHAR(49)", "MACADDR": "VARCHAR(17)", "BPCHAR": "CHAR",
                    "TSVECTOR": "TEXT", "XML": "TEXT", "HSTORE": "JSON", "MONEY": "DECIMAL(19, 4)"}


@lru_cache(maxsize=4096)
def transpile_type(text: str, source: str, target: str) -> str:
    """A type written for `source` as `target` writes it."""
    if source == target:
        return text
    dt = data_type(text, source)
    if dt is None:
        return "TEXT"
    name = dt.this.name
    ti = info(text, source)
    if name == "USERDEFINED" or ti.family == "other":
        upper = text.upper().split("(")[0].strip()
        if target == "mysql":
            return _MYSQL_STAND_INS.get(upper, "TEXT")
        if target == "postgres" and upper in ("GEOMETRY", "POINT", "POLYGON", "LINESTRING"):
            return "TEXT"  # PostGIS is an extension; plain PostgreSQL stores the text form
        return text if target == "postgres" and name == "USERDEFINED" else "TEXT"
    if target == "sqlite":
        # SQLite has affinities, not types; keep a readable name that maps to the right affinity
        return {"integer": "INTEGER", "decimal": f"NUMERIC{_ps(ti)}", "float": "REAL", "boolean": "BOOLEAN",
                "string": f"VARCHAR({ti.size})" if ti.size else "TEXT", "text": "TEXT", "date": "DATE",
                "time": "TIME", "timestamp": "TIMESTAMP", "interval": "TEXT", "uuid": "UUID", "json": "JSON",
                "binary": "BLOB", "enum": "TEXT", "array": "TEXT"}.get(ti.family, "TEXT")
    if ti.family == "integer":
        if ti.unsigned and target == "mysql":
            return f"{_INT_NAMES['mysql'].get(ti.size or 8, 'BIGINT')} UNSIGNED"
        if ti.unsigned and target == "postgres":
            # PostgreSQL has no unsigned integers: the next wider signed type holds every value (TINYINT
            # UNSIGNED's 255 needs SMALLINT, INT UNSIGNED's 4294967295 BIGINT). BIGINT UNSIGNED has none wider
            # but NUMERIC(20), which cannot be an identity and makes its foreign keys numeric: it stays BIGINT,
            # and the emitter says values above 2^63 - 1 do not fit.
            return {1: "SMALLINT", 2: "INT", 3: "INT", 4: "BIGINT"}.get(ti.size or 8, "BIGINT")
        return _INT_NAMES[target].get(ti.size or 8, "BIGINT")
    if ti.family == "boolean":
        return "BOOLEAN"
    if ti.family == "decimal":
        if name == "MONEY":
            return "DECIMAL(19, 4)" if target == "mysql" else "NUMERIC(19, 4)"
        return f"DECIMAL{_ps(ti)}" if ti.precision is not None else ("DECIMAL(20, 6)" if target == "mysql" else "NUMERIC")
    if ti.family == "string":
        base = "CHAR" if name in ("CHAR", "NCHAR", "BPCHAR") else "VARCHAR"
        if ti.size:
            return f"{base}({ti.size})"
        return "TEXT" if target == "postgres" else ("CHAR(1)" if base == "CHAR" else "VARCHAR(255)")
    if target == "mysql":
        if ti.family == "array" or ti.family == "json":
            return "JSON"
        if ti.family == "uuid":
            return "CHAR(36)"
        if ti.family == "timestamp":
            return "DATETIME" + (f"({ti.precision})" if ti.precision else "")
        if ti.family == "interval":
            return "VARCHAR(64)"
        if ti.family == "binary":
            return "LONGBLOB"
        if ti.family == "text":
            return "LONGTEXT" if name == "LONGTEXT" else "TEXT"
        if ti.family == "float":
            return "DOUBLE" if name == "DOUBLE" else "FLOAT"
    if target == "postgres":
        if ti.family == "enum":
            return "TEXT"  # PostgreSQL enums are named types; a CHECK carries the values instead
        if ti.family == "binary":
            return "BYTEA"
        if ti.family == "text":
            return "TEXT"
        if ti.family == "timestamp":
            return "TIMESTAMPTZ" if ti.timezone else "TIMESTAMP"
        if ti.family == "json":
            return "JSONB" if name == "JSONB" else "JSON"
        if ti.family == "float":
            return "DOUBLE PRECISION" if name == "DOUBLE" else "REAL"
    from sqlglot.errors import UnsupportedError

    try:
        return dt.sql(dialect=target)
    except UnsupportedError:
        return "TEXT"


# Functions every dialect knows by the same name and meaning: expressions built only from
# these (and operators, literals, columns) carry over between dialects.
_PORTABLE_FUNCTIONS = {"Lower", "Upper", "Length", "Coalesce", "Abs", "Round", "Trim", "Substring", "Nullif",
                       "CurrentTimestamp", "CurrentDate", "CurrentTime", "Cast", "TryCast", "Least", "Greatest",
                       "Case", "If", "Max", "Min", "Mod"}


_VOLATILE = ("CurrentTimestamp", "CurrentDate", "CurrentTime", "CurrentDatetime", "Rand", "Uuid")


@lru_cache(maxsize=8192)
def portable_expression(sql: str, source: str, target: str, deterministic: bool = False) -> str | None:
    """`sql` as `target` writes it, or None when it uses something `target` may not have.

    `deterministic`: for a CHECK or a computed column, where MySQL/MariaDB refuse the clock and
    random numbers (PostgreSQL and SQLite accept them)."""
    if source == target:
        return sql
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError, UnsupportedError

    quiet_sqlglot()
    try:
        tree = sqlglot.parse_one(sql, read=source)
    except ParseError:
        return None

    def drop_literal_casts(node):  # 'X'::bpchar → 'X': the cast names a type the target may lack
        if isinstance(node, exp.Cast) and isinstance(node.this.unnest(), exp.Literal):
            return node.this.unnest()
        return node

    tree = tree.transform(drop_literal_casts)
    for node in tree.walk():
        if isinstance(node, exp.Func) and type(node).__name__ not in _PORTABLE_FUNCTIONS:
            return None
        if isinstance(node, exp.DataType) and node.this.name == "USERDEFINED":
            return None
        if isinstance(node, exp.Column) and node.name.upper() == "VALUE" and source == "postgres":
            return None  # a domain CHECK's VALUE
        if isinstance(node, exp.Interval) and target == "sqlite":
            return None  # SQLite has no interval type: date arithmetic is date() modifiers there
        if deterministic and target == "mysql" and type(node).__name__ in _VOLATILE:
            return None
    try:
        # into PostgreSQL, quote names: a column written `Lock` elsewhere is "Lock" there, not lock
        return tree.sql(dialect=target, unsupported_level=sqlglot.ErrorLevel.RAISE,
                        identify=target == "postgres" and source != "postgres")
    except UnsupportedError:
        return None


def _ps(ti: TypeInfo) -> str:
    if ti.precision is None:
        return ""
    return f"({ti.precision}, {ti.scale})" if ti.scale is not None else f"({ti.precision})"
