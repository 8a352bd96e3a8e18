"""SQLAlchemy in and out: live databases (read-only), MetaData, and Schema → MetaData."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..config import sqlalchemy_url
from ..errors import SchemaError
from ..secrets import redact
from . import types as T
from .model import (
    AUTO_INCREMENT,
    IDENTITY_ALWAYS,
    IDENTITY_BY_DEFAULT,
    SERIAL,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    Schema,
    Table,
    UniqueConstraint,
    View,
)

_DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql"}


@lru_cache(maxsize=8192)
def normalize_default(sql: str | None, dialect: str) -> tuple[str | None, str | None]:
    """(default, generated) from a default expression: nextval() means a serial column, casts on
    literals are dropped (`'new'::text` → `'new'`)."""
    if sql is None:
        return None, None
    import sqlglot
    from sqlglot import exp

    T._silence()
    try:
        value = sqlglot.parse_one(sql, read=dialect)
    except Exception:  # noqa: BLE001 - an unreadable default is kept as the database wrote it
        return sql, None
    from .parse import strip_literal_casts

    if isinstance(value, exp.Anonymous) and value.name.lower() == "nextval":
        return None, SERIAL
    return strip_literal_casts(value).sql(dialect=dialect), None


# -- live databases -----------------------------------------------------------------------------
def read_only_engine(url: str):
    """An engine that cannot change the database it opens."""
    from sqlalchemy import create_engine, event

    url = sqlalchemy_url(url)
    if url.startswith("sqlite"):
        path = re.sub(r"^sqlite(\+\w+)?:///", "", url)
        if not path or path == ":memory:":
            raise SchemaError("An in-memory SQLite database has nothing to reflect.",
                              hint="Give a file: sqlite:///path/to/file.db")
        from pathlib import Path

        if not Path(path).exists():
            raise SchemaError(f"No SQLite file {path!r}.", hint="Check the path in the URL (sqlite:///relative or "
                                                                 "sqlite:////absolute).")
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on",
                                                "connect_timeout": 10})
    if url.startswith("mysql"):
        engine = create_engine(url, connect_args={"connect_timeout": 10})

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_conn, _record):  # noqa: ANN001
            cursor = dbapi_conn.cursor()
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            cursor.close()

        return engine
    raise SchemaError(f"Unsupported database URL {redact(url)}.",
                      hint="Use sqlite:///file.db, postgresql://… or mysql://… (mariadb://…).")


def from_url(url: str, *, namespace: str | None = None) -> Schema:
    """Reflect a live database into a Schema; nothing is written to it."""
    engine = read_only_engine(url)
    try:
        with engine.connect() as conn:
            return from_connection(conn, namespace=namespace)
    except SchemaError:
        raise
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            message = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise SchemaError(f"Cannot reflect {redact(url)}: {message}",
                              hint="Check that the server runs and the URL is right (`workbench doctor`).") from None
        raise
    finally:
        engine.dispose()


def _if_supported(reflect: Any, default: Any, **kw: Any) -> Any:
    """An inspector call that some SQLAlchemy dialects do not offer (materialized views, CHECK constraints,
    table comments): the dialect signals it with NotImplementedError, and the schema simply has none."""
    try:
        return reflect(**kw)
    except NotImplementedError:
        return default


def from_connection(conn: Any, *, namespace: str | None = None) -> Schema:
    """Reflect through an open SQLAlchemy connection (the lab uses this on its own databases)."""
    from sqlalchemy import inspect

    dialect = _DIALECTS.get(conn.dialect.name, "postgres")
    if dialect == "sqlite":
        return _from_sqlite_master(conn)
    inspector = inspect(conn)
    ns = namespace
    default_ns = T.DEFAULT_NAMESPACE.get(dialect)
    names = inspector.get_table_names(schema=ns)
    view_names = inspector.get_view_names(schema=ns)
    view_names += _if_supported(inspector.get_materialized_view_names, [], schema=ns)
    multi = {"schema": ns, "filter_names": names} if names else None
    if multi is None:
        return Schema([], dialect=dialect)
    columns = inspector.get_multi_columns(**multi)
    pks = inspector.get_multi_pk_constraint(**multi)
    fks = inspector.get_multi_foreign_keys(**multi)
    uniques = inspector.get_multi_unique_constraints(**multi)
    indexes = inspector.get_multi_indexes(**multi)
    checks = _if_supported(inspector.get_multi_check_constraints, {}, **multi)
    comments = _if_supported(inspector.get_multi_table_comment, {}, **multi)
    key_ns = None if ns in (None, default_ns) else ns
    type_dialect = conn.dialect
    tables = []
    for name in names:
        k = (ns, name)
        table = Table(name=name, namespace=key_ns)
        for col in columns.get(k, []):
            table.columns[col["name"]] = _column(col, dialect, type_dialect)
        pk = pks.get(k) or {}
        table.primary_key = tuple(pk.get("constrained_columns") or ())
        table.primary_key_name = pk.get("name") if dialect != "mysql" else None
        for fk in fks.get(k, []):
            ref_ns = fk.get("referred_schema")
            ref_ns = None if ref_ns in (None, default_ns) else ref_ns
            ref = f"{ref_ns}.{fk['referred_table']}" if ref_ns else fk["referred_table"]
            options = fk.get("options") or {}
            table.foreign_keys.append(ForeignKey(
                columns=tuple(fk["constrained_columns"]), ref_table=ref, ref_columns=tuple(fk["referred_columns"]),
                name=fk.get("name"), on_delete=(options.get("ondelete") or "").upper() or None,
                on_update=(options.get("onupdate") or "").upper() or None))
        unique_names = set()
        for u in uniques.get(k, []):
            table.uniques.append(UniqueConstraint(tuple(u["column_names"]), u.get("name")))
            unique_names.add(u.get("name"))
        for ix in indexes.get(k, []):
            if ix.get("duplicates_constraint") or ix.get("name") in unique_names and ix.get("unique"):
                continue
            table.indexes.append(_index(ix, dialect))
        for ck in checks.get(k, []):
            table.checks.append(CheckConstraint(_canonical_expression(ck["sqltext"], dialect), ck.get("name")))
        comment = (comments.get(k) or {}).get("text")
        table.comment = comment or None
        for column_name in table.primary_key:
            if (column := table.column(column_name)) is not None:
                column.nullable = False
        tables.append(table)
    views = []
    for name in view_names:
        try:
            cols = tuple(c["name"] for c in inspector.get_columns(name, schema=ns))
        except Exception:  # noqa: BLE001 - a view whose columns cannot be read keeps its name
            cols = ()
        views.append(View(name=name, namespace=key_ns, columns=cols))
    enums = []
    if dialect == "postgres":
        for e in inspector.get_enums(schema=ns or "public"):
            enum_ns = e.get("schema")
            enums.append(Enum(e["name"], tuple(e["labels"]), None if enum_ns in (None, "public") else enum_ns))
    return Schema(tables, dialect=dialect, views=views, enums=enums)


def _column(col: dict, dialect: str, type_dialect: Any) -> Column:
    from sqlalchemy.types import NullType

    sa_type = col["type"]
    if isinstance(sa_type, NullType):
        type_text = ""
    else:
        try:
            type_text = sa_type.compile(dialect=type_dialect)
        except Exception:  # noqa: BLE001 - an uncompilable type is shown by its class name
            type_text = type(sa_type).__name__.upper()
    enum_name = getattr(sa_type, "name", None)
    if dialect == "postgres" and enum_name and type(sa_type).__name__ in ("ENUM", "Enum"):
        type_text = enum_name
    column = Column(name=col["name"], type=T.canonical(type_text, dialect) if type_text else "",
                    nullable=bool(col.get("nullable", True)))
    default, generated = normalize_default(col.get("default"), dialect)
    column.default = default
    identity = col.get("identity")
    if identity:
        column.generated = IDENTITY_ALWAYS if identity.get("always") else IDENTITY_BY_DEFAULT
    elif generated:
        column.generated = generated
    elif dialect == "mysql" and col.get("autoincrement") is True:
        column.generated = AUTO_INCREMENT
    computed = col.get("computed")
    if computed:
        column.computed = _canonical_expression(computed["sqltext"], dialect)
        column.default = None
    column.comment = col.get("comment") or None
    return column


def _from_sqlite_master(conn: Any) -> Schema:
    """SQLite keeps every object's DDL as written: parse it (exact types, checks, expression indexes)."""
    from sqlalchemy import text

    from .parse import parse_ddl

    shadow = {r[1] for r in conn.execute(text("PRAGMA table_list")) if r[2] == "shadow"}
    rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                             "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 "
                             "ELSE 2 END, rowid")).fetchall()
    statements = [r.sql for r in rows if r.type in ("table", "index", "view") and r.name not in shadow
                  and r.tbl_name not in shadow]
    schema = parse_ddl(";\n".join(statements) + ";" if statements else "", "sqlite")
    schema.warnings = [w for w in schema.warnings if not w.startswith("skipped")]
    return schema


def _index(ix: dict, dialect: str) -> Index:
    parts, flags = [], []
    expressions = ix.get("expressions") or []
    for n, column in enumerate(ix.get("column_names") or []):
        if column is None:
            parts.append(_canonical_expression(expressions[n], dialect) if n < len(expressions) else "?")
            flags.append(True)
        else:
            parts.append(column)
            flags.append(False)
    options = ix.get("dialect_options") or {}
    where = options.get("postgresql_where") or options.get("sqlite_where")
    using = options.get("postgresql_using")
    prefix = options.get("mysql_prefix") or options.get("mariadb_prefix")
    method = (prefix or using or "").lower() or None
    return Index(name=ix.get("name"), columns=tuple(parts), unique=bool(ix.get("unique")),
                 where=_canonical_expression(str(where), dialect) if where is not None else None,
                 method=None if method == "btree" else method, expressions=tuple(flags) if any(flags) else ())


@lru_cache(maxsize=8192)
def _canonical_expression(sql: str, dialect: str) -> str:
    import sqlglot

    T._silence()
    try:
        expr = sqlglot.parse_one(str(sql), read=dialect)
    except Exception:  # noqa: BLE001 - keep what the database wrote
        return str(sql)
    from sqlglot import exp

    while isinstance(expr, exp.Paren):
        expr = expr.this
    return expr.sql(dialect=dialect)


# -- MetaData in ---------------------------------------------------------------------------------
def from_metadata(metadata: Any, dialect: str) -> Schema:
    """A Schema from SQLAlchemy MetaData, with types as `dialect` writes them."""
    import sqlalchemy as sa

    sa_dialect = _sa_dialect(dialect)
    tables = []
    for sa_table in metadata.tables.values():
        ns = sa_table.schema if sa_table.schema not in (None, T.DEFAULT_NAMESPACE.get(dialect)) else None
        table = Table(name=sa_table.name, namespace=ns, comment=sa_table.comment)
        for col in sa_table.columns:
            type_text = col.type.compile(dialect=sa_dialect)
            if isinstance(col.type, sa.Enum) and dialect == "postgres" and col.type.name:
                type_text = col.type.name
            column = Column(col.name, T.canonical(type_text, dialect), nullable=bool(col.nullable),
                            comment=col.comment)
            if col.server_default is not None and hasattr(col.server_default, "arg"):
                arg = col.server_default.arg
                column.default, _ = normalize_default(arg.text if hasattr(arg, "text") else f"'{arg}'", dialect)
            if col.identity is not None:
                column.generated = IDENTITY_ALWAYS if col.identity.always else IDENTITY_BY_DEFAULT
            elif sa_table.autoincrement_column is col:
                column.generated = SERIAL if dialect == "postgres" else AUTO_INCREMENT
            if col.computed is not None:
                column.computed = _canonical_expression(str(col.computed.sqltext), dialect)
            table.columns[col.name] = column
        pk = sa_table.primary_key
        table.primary_key = tuple(c.name for c in pk.columns)
        table.primary_key_name = pk.name if isinstance(pk.name, str) else None
        for c in table.primary_key:
            table.columns[c].nullable = False
        for constraint in sorted(sa_table.constraints, key=lambda c: (type(c).__name__, str(c.name))):
            if isinstance(constraint, sa.ForeignKeyConstraint):
                target = constraint.referred_table
                ref_ns = target.schema if target.schema not in (None, T.DEFAULT_NAMESPACE.get(dialect)) else None
                table.foreign_keys.append(ForeignKey(
                    columns=tuple(c.name for c in constraint.columns),
                    ref_table=f"{ref_ns}.{target.name}" if ref_ns else target.name,
                    ref_columns=tuple(e.column.name for e in constraint.elements),
                    name=constraint.name if isinstance(constraint.name, str) else None,
                    on_delete=constraint.ondelete.upper() if constraint.ondelete else None,
                    on_update=constraint.onupdate.upper() if constraint.onupdate else None))
            elif isinstance(constraint, sa.UniqueConstraint):
                table.uniques.append(UniqueConstraint(tuple(c.name for c in constraint.columns),
                                                      constraint.name if isinstance(constraint.name, str) else None))
            elif isinstance(constraint, sa.CheckConstraint):
                table.checks.append(CheckConstraint(_canonical_expression(str(constraint.sqltext), dialect),
                                                    constraint.name if isinstance(constraint.name, str) else None))
        for col in sa_table.columns:
            if col.unique and not any(u.columns == (col.name,) for u in table.uniques):
                table.uniques.append(UniqueConstraint((col.name,)))
        for ix in sorted(sa_table.indexes, key=lambda i: str(i.name)):
            parts, flags = [], []
            for e in ix.expressions:
                if isinstance(e, sa.Column):
                    parts.append(e.name)
                    flags.append(False)
                else:
                    parts.append(_canonical_expression(str(e), dialect))
                    flags.append(True)
            where = ix.dialect_options.get("postgresql", {}).get("where") if dialect == "postgres" else None
            table.indexes.append(Index(ix.name if isinstance(ix.name, str) else None, tuple(parts), bool(ix.unique),
                                       where=_canonical_expression(str(where), dialect) if where is not None else None,
                                       expressions=tuple(flags) if any(flags) else ()))
        tables.append(table)
    enums = []
    if dialect == "postgres":
        seen = set()
        for sa_table in metadata.tables.values():
            for col in sa_table.columns:
                if isinstance(col.type, sa.Enum) and col.type.name and col.type.name not in seen:
                    seen.add(col.type.name)
                    enums.append(Enum(col.type.name, tuple(col.type.enums)))
    return Schema(tables, dialect=dialect, enums=enums)


def _sa_dialect(dialect: str):
    if dialect == "postgres":
        from sqlalchemy.dialects import postgresql

        return postgresql.dialect()
    if dialect == "mysql":
        from sqlalchemy.dialects import mysql

        return mysql.dialect()
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


# -- MetaData out --------------------------------------------------------------------------------
def to_metadata(schema: Schema) -> Any:
    """SQLAlchemy MetaData for the schema (types mapped to SQLAlchemy's generic types)."""
    import sqlalchemy as sa

    metadata = sa.MetaData()
    for table in schema.tables.values():
        if table.partition_of:
            continue
        columns = []
        for c in table.columns.values():
            kwargs: dict[str, Any] = {"nullable": c.nullable, "comment": c.comment,
                                      "primary_key": c.name in table.primary_key}
            args: list[Any] = [c.name, _sa_type(c.type, schema)]
            if c.computed:
                args.append(sa.Computed(sa.text(c.computed), persisted=True))
            elif c.generated in (IDENTITY_ALWAYS, IDENTITY_BY_DEFAULT):
                args.append(sa.Identity(always=c.generated == IDENTITY_ALWAYS))
            kwargs["autoincrement"] = c.generated in (SERIAL, AUTO_INCREMENT) or "auto"
            if c.generated is None and len(table.primary_key) == 1 and c.name in table.primary_key:
                kwargs["autoincrement"] = False
            if c.default is not None and not c.generated:
                kwargs["server_default"] = sa.text(c.default)
            columns.append(sa.Column(*args, **kwargs))
        constraints: list[Any] = []
        if table.primary_key_name:
            constraints.append(sa.PrimaryKeyConstraint(*table.primary_key, name=table.primary_key_name))
        for fk in table.foreign_keys:
            target = schema.tables.get(fk.ref_table)
            prefix = f"{target.namespace}.{target.name}" if target and target.namespace else fk.ref_table
            constraints.append(sa.ForeignKeyConstraint(list(fk.columns), [f"{prefix}.{c}" for c in fk.ref_columns],
                                                       name=fk.name, ondelete=fk.on_delete, onupdate=fk.on_update))
        for u in table.uniques:
            constraints.append(sa.UniqueConstraint(*u.columns, name=u.name))
        for ck in table.checks:
            constraints.append(sa.CheckConstraint(ck.expression, name=ck.name))
        sa_table = sa.Table(table.name, metadata, *columns, *constraints, schema=table.namespace,
                            comment=table.comment)
        for ix in table.indexes:
            parts = [sa.text(p) if ix.is_expression(n) else sa_table.c[p] for n, p in enumerate(ix.columns)]
            kwargs = {}
            if ix.where:
                kwargs["postgresql_where"] = sa.text(ix.where)
                kwargs["sqlite_where"] = sa.text(ix.where)
            sa.Index(ix.name, *parts, unique=ix.unique, **kwargs)
    return metadata


def _sa_type(type_text: str, schema: Schema):
    import sqlalchemy as sa
    from sqlalchemy.types import UserDefinedType

    enum = schema.enums.get(type_text) or next((e for e in schema.enums.values() if e.name == type_text), None)
    if enum is not None:
        return sa.Enum(*enum.values, name=enum.name)
    ti = T.info(type_text, schema.dialect)
    family = ti.family
    if family == "integer":
        return {1: sa.SmallInteger(), 2: sa.SmallInteger(), 3: sa.Integer(), 4: sa.Integer()}.get(ti.size or 4,
                                                                                                    sa.BigInteger())
    if family == "decimal":
        return sa.Numeric(ti.precision, ti.scale)
    if family == "float":
        return sa.Float()
    if family == "boolean":
        return sa.Boolean()
    if family == "string":
        return sa.String(ti.size)
    if family == "text":
        return sa.Text()
    if family == "date":
        return sa.Date()
    if family == "time":
        return sa.Time(timezone=ti.timezone)
    if family == "timestamp":
        return sa.DateTime(timezone=ti.timezone)
    if family == "interval":
        return sa.Interval()
    if family == "uuid":
        return sa.Uuid()
    if family == "json":
        return sa.JSON()
    if family == "binary":
        return sa.LargeBinary()
    if family == "enum" and ti.values:
        return sa.Enum(*ti.values)

    class Raw(UserDefinedType):
        cache_ok = True

        def get_col_spec(self, **kw: Any) -> str:
            return type_text

    return Raw()
