"""The Schema model: namespaces, tables, columns, keys, indexes, checks, enums, views.

One model for DDL (PostgreSQL, SQLite, MySQL/MariaDB), SQLAlchemy MetaData and live
databases. It is deterministic: the same input gives the same model, and the same model
gives the same DDL, diagram and lint output, byte for byte.

Names: unquoted identifiers fold to lower case in PostgreSQL (as the server does) and are
kept as written elsewhere; a table's key is `name`, or `namespace.name` outside the
dialect's default namespace (`public`, `main`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import SchemaError
from .types import dialect_name

# How a column gets its values by itself.
IDENTITY_ALWAYS, IDENTITY_BY_DEFAULT = "identity always", "identity by default"
SERIAL, AUTO_INCREMENT = "serial", "auto_increment"
GENERATED_KINDS = (IDENTITY_ALWAYS, IDENTITY_BY_DEFAULT, SERIAL, AUTO_INCREMENT)


@dataclass
class Column:
    """A column: canonical type text in the schema's dialect, nullability, default, generation."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    generated: str | None = None      # one of GENERATED_KINDS: the database assigns the value
    computed: str | None = None       # expression of a computed (GENERATED ALWAYS AS) column
    comment: str | None = None
    on_update: str | None = None      # MySQL/MariaDB: ON UPDATE CURRENT_TIMESTAMP

    @property
    def autoincrement(self) -> bool:
        return self.generated is not None


@dataclass
class ForeignKey:
    """A foreign key; `ref_table` is the referenced table's key in the schema."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    name: str | None = None
    on_delete: str | None = None
    on_update: str | None = None


@dataclass
class UniqueConstraint:
    columns: tuple[str, ...]
    name: str | None = None


@dataclass
class Index:
    """An index; parts are column names or, for expression indexes, SQL expressions."""

    name: str | None
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None
    method: str | None = None
    expressions: tuple[bool, ...] = ()   # per part: True when it is an expression, not a column
    opclasses: tuple[str | None, ...] = ()  # per part: a PostgreSQL operator class (gin_trgm_ops…), or None
    lengths: tuple[int | None, ...] = ()    # per part: a MySQL prefix length (name(20)), or None
    descending: tuple[bool, ...] = ()       # per part: True for DESC
    implicit: bool = False                  # made by the server (MySQL's index of a foreign key)
    include: tuple[str, ...] = ()           # PostgreSQL INCLUDE (…): columns carried in the index, not keyed

    def is_expression(self, i: int) -> bool:
        return bool(self.expressions) and self.expressions[i]


@dataclass
class CheckConstraint:
    expression: str
    name: str | None = None
    column: str | None = None


@dataclass
class Table:
    """A table with its columns (in order) and constraints."""

    name: str
    namespace: str | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    primary_key_name: str | None = None
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[UniqueConstraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    comment: str | None = None
    partition_of: str | None = None     # the parent of a PostgreSQL partition
    partition_bound: str | None = None  # e.g. FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')
    partition_by: str | None = None     # e.g. RANGE (payment_date), on a partitioned parent
    using: str | None = None            # the module of a SQLite virtual table, e.g. fts4
    inherits: tuple[str, ...] = ()      # PostgreSQL table inheritance (the parents' columns are copied in)
    temporary: bool = False             # CREATE TEMPORARY TABLE

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    def column(self, name: str) -> Column | None:
        """A column by name (exact, then case-insensitive)."""
        if name in self.columns:
            return self.columns[name]
        lower = name.lower()
        return next((c for n, c in self.columns.items() if n.lower() == lower), None)

    def is_unique(self, columns: tuple[str, ...] | list[str]) -> bool:
        """True when these columns are the primary key or carry a unique constraint or index (any order)."""
        wanted = {c.lower() for c in columns}
        keys = [self.primary_key] + [u.columns for u in self.uniques] + [
            i.columns for i in self.indexes if i.unique and not i.where and not any(i.expressions)]
        return any(k and {c.lower() for c in k} == wanted for k in keys)

    def __repr__(self) -> str:
        return f"<Table {self.key}: {len(self.columns)} columns, {len(self.foreign_keys)} FKs>"


@dataclass
class View:
    name: str
    namespace: str | None = None
    columns: tuple[str, ...] = ()
    definition: str | None = None
    materialized: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass
class Enum:
    name: str
    values: tuple[str, ...]
    namespace: str | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass
class Domain:
    """A PostgreSQL domain: a named base type with an optional CHECK."""

    name: str
    type: str
    check: str | None = None
    namespace: str | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


_INDEX_TUPLES = ("columns", "expressions", "opclasses", "lengths", "descending", "include")


class Schema:
    """A database schema as a design artifact: draw it, lint it, diff it, emit it for any dialect."""

    def __init__(self, tables: list[Table] | None = None, *, dialect: str = "postgres",
                 views: list[View] | None = None, enums: list[Enum] | None = None,
                 domains: list[Domain] | None = None, extensions: list[str] | None = None,
                 warnings: list[str] | None = None, skipped: Counter | None = None, name: str | None = None) -> None:
        self.dialect = dialect_name(dialect)
        self.tables: dict[str, Table] = {}
        for table in tables or []:
            self.tables[table.key] = table
        self.views: dict[str, View] = {v.key: v for v in views or []}
        self.enums: dict[str, Enum] = {e.key: e for e in enums or []}
        self.domains: dict[str, Domain] = {d.key: d for d in domains or []}
        self.extensions: list[str] = list(extensions or [])
        self.warnings: list[str] = list(warnings or [])
        self.skipped: Counter = skipped or Counter()
        self.statements_skipped: list[tuple[int, str, str]] = []  # (line, what, why) for each statement left out
        self.statements_modelled: list[tuple[int, str]] = []  # (line, first words) of each statement read into it
        self.routines_skipped: dict[str, int] = {}  # functions/procedures a file creates, not carried: name → line
        self.triggers_skipped: list = []  # routines.SkippedTrigger: triggers a file creates, not carried
        self.name = name

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_ddl(cls, text: str, dialect: str = "postgres", *, name: str | None = None) -> Schema:
        """Parse DDL (a file or a pg_dump/mysqldump) into a Schema.

        Statements the model has no use for (functions, triggers, grants, SET, …) are skipped
        and counted in `warnings`; a syntax error raises DDLSyntaxError with line and column.
        """
        from .parse import parse_ddl
        from .sqltext import check_text

        check_text(text)
        schema = parse_ddl(text, dialect_name(dialect))
        schema.name = name
        return schema

    @classmethod
    def from_metadata(cls, metadata: Any, dialect: str = "postgres") -> Schema:
        """A Schema from SQLAlchemy MetaData (declarative models included)."""
        from .reflect import from_metadata

        return from_metadata(metadata, dialect_name(dialect))

    @classmethod
    def from_url(cls, url: str, *, namespace: str | None = None, namespaces: list[str] | None = None,
                 structure: bool = False) -> Schema:
        """Reflect a live database, read-only (SQLite `mode=ro`, read-only transactions elsewhere); for PostgreSQL,
        every namespace of the database's users unless `namespace(s)` says which. `structure`: tables, columns and
        keys only (for diagrams; PostgreSQL reads less)."""
        from .reflect import from_url

        return from_url(url, namespace=namespace, namespaces=namespaces, structure=structure)

    @classmethod
    def from_source(cls, source: str, dialect: str | None = None, *, namespaces: list[str] | None = None,
                    structure: bool = False, allow_empty: bool = False) -> Schema:
        """A DDL file (dialect guessed from its name and text unless given), a .dbml file, or a database URL
        (`namespaces`: which PostgreSQL schemas to read; default all of the users'). A file that is not UTF-8
        text, or (unless `allow_empty`) holds no statements, raises SchemaError saying so."""
        from pathlib import Path

        from ..errors import SchemaError

        if "://" in source:
            from .reflect import from_url

            return from_url(source, namespaces=namespaces, structure=structure)
        path = Path(source)
        if not path.is_file():
            raise SchemaError(f"No file {source!r}.", hint="Give a .sql or .dbml file, or a database URL (postgresql://…).")
        from .sqltext import file_text

        text = file_text(path, allow_empty=allow_empty)
        if path.suffix.lower() == ".dbml":
            return cls.from_dbml(text, dialect=dialect or "postgres", name=path.stem)
        if dialect is not None:
            return cls.from_ddl(text, dialect, name=path.stem)
        from ..errors import WorkbenchError
        from . import guess_dialect

        dialect = guess_dialect(text, path.name)
        try:
            return cls.from_ddl(text, dialect, name=path.stem)
        except WorkbenchError as exc:  # say what the file was taken for: the guess may be the mistake
            exc.message = f"{exc.message} (read {path.name} as {dialect}, guessed from its {'name' if dialect in path.name.lower() else 'text'})"
            exc.hint = ((exc.hint or "") + f" If it is not {dialect}, give the dialect: --dialect postgres|mysql|sqlite.").strip()
            raise

    @classmethod
    def from_dict(cls, data: dict) -> Schema:
        """The inverse of to_dict()."""
        tables = []
        for t in data.get("tables", []):
            tables.append(Table(
                name=t["name"], namespace=t.get("namespace"),
                columns={c["name"]: Column(**c) for c in t.get("columns", [])},
                primary_key=tuple(t.get("primary_key") or ()), primary_key_name=t.get("primary_key_name"),
                foreign_keys=[ForeignKey(**{**f, "columns": tuple(f["columns"]), "ref_columns": tuple(f["ref_columns"])})
                              for f in t.get("foreign_keys", [])],
                uniques=[UniqueConstraint(tuple(u["columns"]), u.get("name")) for u in t.get("uniques", [])],
                indexes=[Index(**{**i, **{k: tuple(i.get(k) or ()) for k in _INDEX_TUPLES}})
                         for i in t.get("indexes", [])],
                checks=[CheckConstraint(**c) for c in t.get("checks", [])],
                comment=t.get("comment"), partition_of=t.get("partition_of"),
                partition_bound=t.get("partition_bound"), partition_by=t.get("partition_by"),
                using=t.get("using"), inherits=tuple(t.get("inherits") or ()), temporary=bool(t.get("temporary"))))
        views = [View(**{**v, "columns": tuple(v.get("columns") or ())}) for v in data.get("views", [])]
        enums = [Enum(e["name"], tuple(e["values"]), e.get("namespace")) for e in data.get("enums", [])]
        domains = [Domain(**d) for d in data.get("domains", [])]
        return cls(tables, dialect=data.get("dialect", "postgres"), views=views, enums=enums, domains=domains,
                   extensions=data.get("extensions"), warnings=data.get("warnings"), name=data.get("name"))

    def to_dict(self) -> dict:
        """A JSON-able form (what the design store keeps)."""
        def table(t: Table) -> dict:
            d = asdict(t)
            d["columns"] = [asdict(c) for c in t.columns.values()]
            return d

        return {"dialect": self.dialect, "name": self.name, "tables": [table(t) for t in self.tables.values()],
                "views": [asdict(v) for v in self.views.values()], "enums": [asdict(e) for e in self.enums.values()],
                "domains": [asdict(d) for d in self.domains.values()], "extensions": list(self.extensions),
                "warnings": list(self.warnings)}

    # -- output --------------------------------------------------------------------------------
    def to_ddl(self, dialect: str | None = None) -> str:
        """DDL that creates this schema in `dialect` (default: the schema's own)."""
        from .emit import to_ddl

        return to_ddl(self, dialect_name(dialect or self.dialect))

    def to_dbml(self) -> str:
        """The schema as DBML (dbdiagram.io, ChartDB); what DBML cannot hold is listed at the top."""
        from .dbml import to_dbml

        return to_dbml(self)

    @classmethod
    def from_dbml(cls, text: str, *, dialect: str = "postgres", name: str | None = None) -> Schema:
        """A Schema from DBML text (a syntax error names its line and column)."""
        from .dbml import from_dbml

        return from_dbml(text, dialect=dialect, name=name)

    def to_mermaid(self, *, keys_only: bool = False) -> str:
        """The schema as a Mermaid erDiagram (renders in GitHub, GitLab and Notion)."""
        from ..mermaid import schema_mermaid

        return schema_mermaid(self, keys_only=keys_only)

    def to_metadata(self) -> Any:
        """SQLAlchemy MetaData with the same tables, keys and indexes."""
        from .reflect import to_metadata

        return to_metadata(self)

    def er(self, **options: Any):
        """The ER diagram (see workbench.schema.er.ERDiagram for options: focus, depth, keys_only, …)."""
        from .er import ERDiagram

        return ERDiagram(self, **options)

    def lint(self, **options: Any):
        """Review the schema: a Findings list (rule id, severity, table/column, message, fix DDL)."""
        from .lint import lint

        return lint(self, **options)

    def diff(self, other: Schema):
        """What changes from this schema to `other`: structured changes, migration SQL, risk classes."""
        from .diff import diff

        return diff(self, other)

    # -- queries -------------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        """A table by key or name (case-insensitive; the namespace may be left out)."""
        found = self.find_table(name)
        if found is None:
            close = _closest(name, list(self.tables))
            raise SchemaError(f"No table {name!r} in the schema.",
                              hint=f"Did you mean {', '.join(close)}?" if close else None)
        return found

    def find_table(self, name: str) -> Table | None:
        if name in self.tables:
            return self.tables[name]
        lower = name.lower()
        for key, table in self.tables.items():
            if key.lower() == lower:
                return table
        bare = lower.rsplit(".", 1)[-1]
        matches = [t for t in self.tables.values() if t.name.lower() == bare]
        return matches[0] if len(matches) == 1 else None

    def foreign_keys(self) -> list[tuple[Table, ForeignKey]]:
        """Every (table, foreign key) pair, in table order."""
        return [(t, fk) for t in self.tables.values() for fk in t.foreign_keys]

    def base_type(self, type_text: str) -> str:
        """The type behind a domain (the text itself when it is not a domain)."""
        bare = type_text.replace('"', "")  # a quoted "Phone" names the domain Phone
        domain = self.domains.get(bare) or next(
            (d for d in self.domains.values() if d.name == bare.rsplit(".", 1)[-1]), None)
        return domain.type if domain is not None else type_text

    def namespaces(self) -> list[str]:
        return sorted({t.namespace or "" for t in self.tables.values()})

    def summary(self) -> str:
        """`12 tables, 14 foreign keys, 3 views, 2 enums (postgres)`."""
        parts = [f"{len(self.tables)} table{'s' if len(self.tables) != 1 else ''}",
                 f"{len(self.foreign_keys())} foreign key{'s' if len(self.foreign_keys()) != 1 else ''}"]
        if self.views:
            parts.append(f"{len(self.views)} view{'s' if len(self.views) != 1 else ''}")
        if self.enums:
            parts.append(f"{len(self.enums)} enum{'s' if len(self.enums) != 1 else ''}")
        return ", ".join(parts) + f" ({self.dialect})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schema):
            return NotImplemented
        return (self.dialect == other.dialect and list(self.tables.items()) == list(other.tables.items())
                and self.views == other.views and self.enums == other.enums and self.domains == other.domains
                and self.extensions == other.extensions)

    def __len__(self) -> int:
        return len(self.tables)

    def __repr__(self) -> str:
        return f"<Schema {self.name + ': ' if self.name else ''}{self.summary()}>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        diagram = self.er(overview=len(self.tables) > 150)
        bundle = diagram._repr_mimebundle_()
        text = [repr(self)] + [f"  {t.key}: {', '.join(t.columns)}" for t in list(self.tables.values())[:50]]
        if len(self.tables) > 50:
            text.append(f"  … and {len(self.tables) - 50} more tables")
        bundle["text/plain"] = "\n".join(text)
        return bundle


def _closest(name: str, options: list[str], n: int = 3) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, options, n=n, cutoff=0.6)
