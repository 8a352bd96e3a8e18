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

    T.quiet_sqlglot()
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


def from_url(url: str, *, namespace: str | None = None, namespaces: list[str] | None = None,
             structure: bool = False) -> Schema:
    """Reflect a live database into a Schema; nothing is written to it.

    namespaces (PostgreSQL schemas): which to read; default all of the user's (not the system's,
    not an extension's, not the workbench's own lab namespaces). `namespace` is one of them.
    """
    engine = read_only_engine(url)
    try:
        with engine.connect() as conn:
            return from_connection(conn, namespaces=namespaces or ([namespace] if namespace else None),
                                   structure=structure)
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


def from_connection(conn: Any, *, namespace: str | None = None, namespaces: list[str] | None = None,
                    structure: bool = False) -> Schema:
    """Reflect through an open SQLAlchemy connection.

    `structure`: tables, columns and keys only (PostgreSQL), for diagrams of large databases.

    The database is read the way its own dump tool reads it — the catalog rendered as DDL
    (PostgreSQL: pg_get_constraintdef, pg_get_indexdef, format_type…; MariaDB/MySQL: SHOW CREATE
    TABLE; SQLite: the SQL it keeps) — and that DDL goes through the same parser as a file. A file
    and the database it was loaded into are therefore read by one path, and compare equal.
    """
    from .parse import parse_ddl

    dialect = _DIALECTS.get(conn.dialect.name, "postgres")
    wanted = namespaces or ([namespace] if namespace else None)
    if dialect == "postgres":
        ddl = postgres_ddl(conn, wanted, structure)
    else:
        ddl = {"mysql": mysql_ddl, "sqlite": sqlite_ddl}[dialect](conn, wanted)
    schema = parse_ddl(ddl, dialect)
    schema.warnings = [w for w in schema.warnings if not w.startswith("skipped")]
    schema.skipped.clear()
    schema.statements_skipped = []
    return schema


def _rows(conn: Any, sql: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    return list(conn.execute(text(sql), params))


def _pq(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_name(namespace: str, name: str) -> str:
    return f"{_pq(namespace)}.{_pq(name)}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_PG_USER_NAMESPACES = """
    SELECT n.nspname FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND n.nspname NOT LIKE 'wb\\_lab\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                      AND d.deptype = 'e')
    ORDER BY n.nspname"""
_NOT_EXTENSION = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass AND d.objid = {oid} "
                  "AND d.deptype = 'e')")


def postgres_ddl(conn: Any, namespaces: list[str] | None = None, structure: bool = False) -> str:
    """The DDL of a PostgreSQL database's user namespaces, from the catalog (as pg_dump writes it).
    `structure`: tables, columns and keys only (no defaults, checks, indexes, views or comments), for a
    diagram: a fraction of the text to read."""
    spaces = namespaces or [r[0] for r in _rows(conn, _PG_USER_NAMESPACES)]
    if not spaces:
        return ""
    out: list[str] = [f"CREATE SCHEMA {_pq(n)};" for n in spaces if n != "public"]
    out += [f"CREATE EXTENSION IF NOT EXISTS {_pq(r[0])};" for r in _rows(
        conn, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname")]
    for ns, name, labels in _rows(conn, f"""
            SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = ANY(:ns) AND {_NOT_EXTENSION.format(catalog="pg_type", oid="t.oid")}
            GROUP BY n.nspname, t.typname ORDER BY n.nspname, t.typname""", ns=spaces):
        out.append(f"CREATE TYPE {_pg_name(ns, name)} AS ENUM ({', '.join(_literal(v) for v in labels)});")
    for ns, name, base, not_null, default, checks in _rows(conn, f"""
            SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
                   (SELECT string_agg('CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid),
                                      ' ' ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid)
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype = 'd' AND n.nspname = ANY(:ns) AND {_NOT_EXTENSION.format(catalog="pg_type", oid="t.oid")}
            ORDER BY n.nspname, t.typname""", ns=spaces):
        parts = [f"CREATE DOMAIN {_pg_name(ns, name)} AS {base}"]
        if default is not None:
            parts.append(f"DEFAULT {default}")
        if not_null:
            parts.append("NOT NULL")
        if checks:
            parts.append(checks)
        out.append(" ".join(parts) + ";")
    tables = _rows(conn, f"""
        SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, pg_get_expr(c.relpartbound, c.oid),
               CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, c.relpersistence,
               (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(p.relname), ', ' ORDER BY i.inhseqno)
                FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
                WHERE i.inhrelid = c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(:ns)
          AND {_NOT_EXTENSION.format(catalog="pg_class", oid="c.oid")}
        ORDER BY c.relispartition, n.nspname, c.relname""", ns=spaces)
    oids = [r[0] for r in tables]
    columns: dict[int, list[Any]] = {}
    for row in _rows(conn, """
            SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attislocal
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = ANY(:oids) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum""", oids=oids):
        columns.setdefault(row[0], []).append(row)
    comments: list[str] = []
    for oid, ns, name, _kind, is_partition, bound, partkey, persistence, parents in tables:
        target = _pg_name(ns, name)
        temp = "UNLOGGED " if persistence == "u" else ""
        if is_partition:
            out.append(f"CREATE {temp}TABLE {target} PARTITION OF {parents} {bound}"
                       + (f" PARTITION BY {partkey}" if partkey else "") + ";")
            continue
        lines = []
        for _rel, col, typ, not_null, default, identity, generated, local in columns.get(oid, []):
            if parents and not local:
                continue  # inherited: the parent's column
            line = f"    {_pq(col)} {typ}"
            if structure:
                default = None
            if generated == "s" and not structure:
                line += f" GENERATED ALWAYS AS ({default}) STORED"
            elif default is not None:
                line += f" DEFAULT {default}"
            if identity:
                line += f" GENERATED {'ALWAYS' if identity == 'a' else 'BY DEFAULT'} AS IDENTITY"
            if not_null:
                line += " NOT NULL"
            lines.append(line)
        body = ",\n".join(lines)
        out.append(f"CREATE {temp}TABLE {target} (\n{body}\n)" + (f" INHERITS ({parents})" if parents else "")
                   + (f" PARTITION BY {partkey}" if partkey else "") + ";")
    for ns, name, conname, condef in _rows(conn, """
            SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE k.conrelid = ANY(:oids) AND k.contype = ANY(:kinds) AND k.conparentid = 0
              AND (k.conislocal OR k.contype <> 'c')
            ORDER BY CASE k.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'c' THEN 2 WHEN 'x' THEN 3 ELSE 4 END,
                     n.nspname, c.relname, k.conname""", oids=oids, kinds=["p", "u", "f"] if structure else
                                                           ["p", "u", "f", "c", "x"]):
        out.append(f"ALTER TABLE ONLY {_pg_name(ns, name)} ADD CONSTRAINT {_pq(conname)} {condef};")
    if structure:
        return "\n".join(out) + "\n"
    for (definition,) in _rows(conn, """
            SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = ANY(:oids)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
            ORDER BY ic.relname""", oids=oids):
        out.append(definition + ";")
    for ns, name, kind, definition in _rows(conn, f"""
            SELECT n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid, true)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(:ns)
              AND {_NOT_EXTENSION.format(catalog="pg_class", oid="c.oid")}
            ORDER BY n.nspname, c.relname""", ns=spaces):
        materialized = "MATERIALIZED " if kind == "m" else ""
        out.append(f"CREATE {materialized}VIEW {_pg_name(ns, name)} AS\n{definition.rstrip().rstrip(';')};")
    for ns, name, attname, text in _rows(conn, """
            SELECT n.nspname, c.relname, a.attname, d.description
            FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
            WHERE c.oid = ANY(:oids) ORDER BY n.nspname, c.relname, d.objsubid""", oids=oids):
        if attname:
            comments.append(f"COMMENT ON COLUMN {_pg_name(ns, name)}.{_pq(attname)} IS {_literal(text)};")
        else:
            comments.append(f"COMMENT ON TABLE {_pg_name(ns, name)} IS {_literal(text)};")
    return "\n".join(out + comments) + "\n"


def mysql_ddl(conn: Any, namespaces: list[str] | None = None) -> str:
    """The DDL of a MySQL/MariaDB database, as the server shows it (SHOW CREATE TABLE / VIEW)."""
    from sqlalchemy import text

    out = []
    rows = _rows(conn, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = DATABASE() "
                       "ORDER BY table_type, table_name")
    for name, kind in rows:
        quoted = "`" + name.replace("`", "``") + "`"
        if kind == "VIEW":
            row = conn.execute(text(f"SHOW CREATE VIEW {quoted}")).fetchone()
        else:
            row = conn.execute(text(f"SHOW CREATE TABLE {quoted}")).fetchone()
        out.append(row[1] + ";")
    return "\n\n".join(out) + "\n"


def sqlite_ddl(conn: Any, namespaces: list[str] | None = None) -> str:
    """SQLite keeps every object's DDL as written (shadow tables of virtual tables left out)."""
    from sqlalchemy import text

    shadow = {r[1] for r in conn.execute(text("PRAGMA table_list")) if r[2] == "shadow"}
    rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                             "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 "
                             "ELSE 2 END, rowid")).fetchall()
    statements = [r.sql for r in rows if r.type in ("table", "index", "view") and r.name not in shadow
                  and r.tbl_name not in shadow]
    return ";\n".join(statements) + ";" if statements else ""


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


@lru_cache(maxsize=8192)
def _canonical_expression(sql: str, dialect: str) -> str:
    import sqlglot

    T.quiet_sqlglot()
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
