"""DBML (dbdiagram.io, ChartDB, dbdocs): a Schema written as DBML, and DBML read into a Schema.

Reading uses PyDBML, the maintained DBML parser for Python (its grammar follows the DBML spec;
writing a parser for a moving syntax here would only lag behind it). Writing is plain text: the
model maps onto DBML directly.

What DBML carries: tables (with namespaces), columns (type, NOT NULL, default, increment, notes),
primary keys, unique keys, indexes (columns, expressions, name, type; a partial index's WHERE, a
method DBML has no word for, MySQL prefix lengths and DESC parts ride in the index's note, and are read
back), a column's ON UPDATE (in its note), references (with ON DELETE /
ON UPDATE), enums, notes, the extensions and the database (in the Project). What it does not (views,
CHECK constraints, partitions, domains, virtual tables,
computed columns' expressions, triggers) is listed in `// not carried:` comments at the top and
in the returned notes, never dropped silently. A `<>` (many-to-many) reference has no foreign key
to become: it is reported.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import SchemaError
from .model import SERIAL, Column, Enum, ForeignKey, Index, Schema, Table, UniqueConstraint

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INDEX_NOTE = re.compile(r"^(IMPLICIT)?\s*(?:USING (\w+))?\s*(?:OPCLASSES (\S+))?\s*(?:INCLUDE (\S+))?\s*"
                         r"(?:LENGTHS (\S+))?\s*(?:ORDER (\S+))?\s*(?:WHERE (.+))?$", re.S)
# A column's ON UPDATE rides in its note, as the note's last line: DBML has no column setting for it (PyDBML
# refuses one it does not know), and the default setting is the column's DEFAULT alone. A note is what every
# DBML tool shows beside the column, so a reader sees the behaviour too; from_dbml takes the line back out.
_ON_UPDATE = re.compile(r"(?:^|\n)on update: (.+)$")
_DATABASE = {"postgres": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}
_STRING = re.compile(r"^'((?:[^']|'')*)'(::[\w .\"\[\]]+)?$")


def _name(name: str) -> str:
    r"""A name as DBML writes it: bare, else in double quotes. Inside those PyDBML takes no newline and no `\"`
    (the file would not read) and unescapes nothing, so a backslash, a double quote and control characters are
    written as escapes (`\\`, `\u0022`, `\n`) that from_dbml reads back (_unescape)."""
    if _PLAIN.match(name):
        return name
    return '"' + _ESCAPES.sub(lambda m: _ESCAPED.get(m.group(0)) or f"\\u{ord(m.group(0)):04x}", name) + '"'


_ESCAPES = re.compile(r'[\\"\x00-\x1f\x7f]')
_ESCAPED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|[\\nrt\"])")


def _unescape(name: str | None) -> str | None:
    """A name as PyDBML read it (escapes kept) as it is meant (see _name)."""
    if not name or "\\" not in name:
        return name
    simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}
    return _UNESCAPES.sub(lambda m: simple.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), name)


def _table_ref(table: Table) -> str:
    return f"{_name(table.namespace)}.{_name(table.name)}" if table.namespace else _name(table.name)


def _text(value: str) -> str:
    if "\n" in value:
        return "'''" + value.replace("'''", "\\'''") + "'''"
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _type(type_: str) -> str:
    """A column type as DBML takes it: bare when it is a word with an optional size, else in double quotes
    (DBML has no escape inside them: a quoted type name such as "NameStyle" loses its own quotes)."""
    bare = type_.replace('"', "")
    if re.match(r"^[\w.]+(\(\s*\d+(\s*,\s*\d+)?\s*\))?(\[\])*$", bare):
        return bare
    return '"' + bare + '"'


def _default(sql: str) -> str:
    text = sql.strip()
    string = _STRING.match(text)
    if string:
        return _text(string.group(1).replace("''", "'"))
    if re.match(r"^\d+$", text) or text.lower() in ("true", "false", "null"):
        return text.lower()
    # other numbers as expressions: DBML readers turn 1.00 into the float 1.0, which is not what was written, and
    # DBML has no sign in a number (`default: -1` does not read)
    return "`" + text.replace("`", "'") + "`"


def to_dbml(schema: Schema) -> str:
    """The schema as DBML text (see the module docstring for what is carried and what is listed)."""
    lines: list[str] = []
    left = not_carried(schema)
    for note in left:
        lines.append(f"// not carried: {note}")
    if left:
        lines.append("")
    project = re.sub(r"\W", "_", schema.name or "design")
    lines += [f"Project {_name(project)} {{", f"  database_type: {_text(_DATABASE.get(schema.dialect, schema.dialect))}"]
    if schema.extensions:  # DBML has no word for them: the note carries them, and reading takes them back
        lines.append(f"  Note: {_text('extensions: ' + ', '.join(schema.extensions))}")
    lines += ["}", ""]
    for enum in schema.enums.values():
        head = f"{_name(enum.namespace)}.{_name(enum.name)}" if enum.namespace else _name(enum.name)
        lines.append(f"Enum {head} {{")
        lines += [f"  {_name(v)}" for v in enum.values]
        lines += ["}", ""]
    for table in schema.tables.values():
        lines += _table(table)
        lines.append("")
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            parent = schema.tables.get(fk.ref_table)
            target = _table_ref(parent) if parent is not None else ".".join(_name(p) for p in fk.ref_table.split("."))
            settings = [f"delete: {fk.on_delete.lower()}" for _ in [0] if fk.on_delete] + \
                       [f"update: {fk.on_update.lower()}" for _ in [0] if fk.on_update]
            name = f" {_name(fk.name)}" if fk.name else ""
            lines.append(f"Ref{name}: {_table_ref(table)}.{_columns(fk.columns)} > {target}.{_columns(fk.ref_columns)}"
                         + (f" [{', '.join(settings)}]" if settings else ""))
    return "\n".join(lines).rstrip() + "\n"


def _columns(columns: tuple[str, ...]) -> str:
    return _name(columns[0]) if len(columns) == 1 else "(" + ", ".join(_name(c) for c in columns) + ")"


def _table(table: Table) -> list[str]:
    lines = [f"Table {_table_ref(table)} {{"]
    single_pk = len(table.primary_key) == 1
    single_unique = {u.columns[0].lower() for u in table.uniques if len(u.columns) == 1 and not u.name}
    for column in table.columns.values():
        settings = []
        if single_pk and column.name.lower() == table.primary_key[0].lower():
            settings.append("pk")
        if column.generated:
            settings.append("increment")
        if not column.nullable and not (single_pk and "pk" in settings):
            settings.append("not null")
        if column.name.lower() in single_unique:
            settings.append("unique")
        if column.default is not None and not column.generated:
            settings.append(f"default: {_default(column.default)}")
        note = "\n".join(([column.comment] if column.comment else [])
                         + ([f"on update: {column.on_update}"] if column.on_update else []))
        if note:
            settings.append(f"note: {_text(note)}")
        lines.append(f"  {_name(column.name)} {_type(column.type)}" + (f" [{', '.join(settings)}]" if settings else ""))
    index_lines = []
    if len(table.primary_key) > 1:
        index_lines.append(f"    {_columns(table.primary_key)} [pk]")
    for unique in table.uniques:
        if len(unique.columns) > 1 or unique.name:
            index_lines.append(f"    {_columns(unique.columns)} [unique" + (f", name: {_text(unique.name)}"
                                                                            if unique.name else "") + "]")
    for index in table.indexes:
        dbml_type = index.method and index.method.lower() in ("btree", "hash")
        opclasses = "|".join(o or "-" for o in index.opclasses) if any(index.opclasses) else ""
        # DBML's index settings have no prefix length and no sort order: per part, in the note as the opclasses
        lengths = "|".join(str(n) if n else "-" for n in index.lengths) if any(index.lengths or ()) else ""
        order = "|".join("desc" if d else "asc" for d in index.descending) if any(index.descending or ()) else ""
        extra = " ".join((["IMPLICIT"] if index.implicit else [])
                         + ([f"USING {index.method}"] if index.method and not dbml_type else [])
                         + ([f"OPCLASSES {opclasses}"] if opclasses else [])
                         + ([f"INCLUDE {'|'.join(index.include)}"] if index.include else [])
                         + ([f"LENGTHS {lengths}"] if lengths else [])
                         + ([f"ORDER {order}"] if order else [])
                         + ([f"WHERE {index.where}"] if index.where else []))
        settings = (["unique"] if index.unique else []) + ([f"name: {_text(index.name)}"] if index.name else []) + \
                   ([f"type: {index.method.lower()}"] if dbml_type else []) + \
                   ([f"note: {_text(extra)}"] if extra else [])  # what DBML has no setting for, read back by us
        parts = [f"`{c}`" if index.is_expression(i) else _name(c) for i, c in enumerate(index.columns)]
        subject = parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
        index_lines.append(f"    {subject}" + (f" [{', '.join(settings)}]" if settings else ""))
    if index_lines:
        lines += ["", "  indexes {", *index_lines, "  }"]
    if table.comment:
        lines += ["", f"  Note: {_text(table.comment)}"]
    lines.append("}")
    return lines


def not_carried(schema: Schema) -> list[str]:
    """What of the schema DBML cannot hold, one line per kind (with where)."""
    out = []
    if schema.views:
        out.append(f"{len(schema.views)} views ({', '.join(list(schema.views)[:5])}{', …' if len(schema.views) > 5 else ''})")
    checks = [f"{t.key}: CHECK ({c.expression})" for t in schema.tables.values() for c in t.checks]
    if checks:
        out.append(f"{len(checks)} CHECK constraints (e.g. {checks[0]})")
    computed = [f"{t.key}.{c.name}" for t in schema.tables.values() for c in t.columns.values() if c.computed]
    if computed:
        out.append(f"the expressions of {len(computed)} computed columns (e.g. {computed[0]})")
    partitions = [t.key for t in schema.tables.values() if t.partition_of or t.partition_by]
    if partitions:
        out.append(f"partitioning of {len(partitions)} tables (e.g. {partitions[0]})")
    virtual = [f"{t.key} (USING {t.using})" for t in schema.tables.values() if t.using]
    if virtual:
        out.append(f"{len(virtual)} virtual tables are written as plain tables (e.g. {virtual[0]})")
    if schema.domains:
        out.append(f"{len(schema.domains)} domains (their columns keep the domain's name, without its quotes, as type)")
    return out


# -- reading ---------------------------------------------------------------------------------------
def from_dbml(text: str, *, dialect: str = "postgres", name: str | None = None) -> Schema:
    """DBML text as a Schema; a syntax error names its line and column. The Project's database_type,
    when there is one, decides the dialect (else `dialect`)."""
    from pydbml import PyDBML

    try:
        db = PyDBML(text)
    except Exception as exc:  # noqa: BLE001 - pyparsing's errors and PyDBML's own, reported with their place
        line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
        where = f" at line {line}, column {col}" if line else ""
        message = getattr(exc, "msg", None) or str(exc).splitlines()[0]
        raise SchemaError(f"The DBML does not read{where}: {message}",
                          hint="Check the brackets and settings on that line (DBML syntax: dbml.dbdiagram.io/docs).") \
            from None
    tables: list[Table] = []
    warnings: list[str] = []
    enums = [Enum(_unescape(e.name), tuple(_unescape(i.name) for i in e.items),
                  _namespace(_unescape(getattr(e, "schema", None)))) for e in db.enums]
    for t in db.tables:
        table = Table(_unescape(t.name), _namespace(_unescape(t.schema)), comment=_note(t.note))
        pk = []
        for c in t.columns:
            type_ = _unescape(c.type.name) if hasattr(c.type, "items") else str(c.type)
            column_name = _unescape(c.name)
            note = _note(c.note)
            on_update = _ON_UPDATE.search(note or "")
            if on_update:
                note = note[:on_update.start()] or None
            column = Column(column_name, type_, nullable=not (c.not_null or c.pk), default=_sql_default(c.default),
                            generated=SERIAL if c.autoinc else None, comment=note,
                            on_update=on_update.group(1) if on_update else None)
            table.columns[column_name] = column
            if c.pk:
                pk.append(column_name)
            if c.unique:
                table.uniques.append(UniqueConstraint((column_name,)))
        for index in t.indexes:
            parts = [_unescape(s.name) if hasattr(s, "table") else getattr(s, "text", None) or str(s)
                     for s in index.subjects]
            expressions = tuple(not hasattr(s, "table") for s in index.subjects)
            if index.pk:
                pk = parts
                for part in parts:
                    table.columns[part].nullable = False
                continue
            extra = _INDEX_NOTE.match(_note(index.note) or "")
            implicit, method, opclasses, include, lengths, order, where = extra.groups() if extra else (None,) * 7
            # a unique key in an indexes block is a unique index (DBML does not tell constraints from indexes)
            table.indexes.append(Index(index.name or None, tuple(parts), unique=bool(index.unique),
                                       method=index.type or method or None, where=where or None,
                                       expressions=expressions if any(expressions) else (),
                                       opclasses=tuple(None if o == "-" else o for o in opclasses.split("|"))
                                       if opclasses else (),
                                       include=tuple(include.split("|")) if include else (),
                                       lengths=tuple(None if n == "-" else int(n) for n in lengths.split("|"))
                                       if lengths else (),
                                       descending=tuple(o == "desc" for o in order.split("|")) if order else (),
                                       implicit=bool(implicit)))
        table.primary_key = tuple(pk)
        tables.append(table)
    by_key = {t.key: t for t in tables}
    for ref in db.refs:
        child, parent, child_cols, parent_cols = ref.table1, ref.table2, ref.col1, ref.col2
        if ref.type == "<":
            child, parent, child_cols, parent_cols = parent, child, parent_cols, child_cols
        elif ref.type == "<>":
            warnings.append(f"many-to-many reference {ref.table1.name} <> {ref.table2.name} is not a foreign key: "
                            "model it with a junction table")
            continue
        holder = by_key[_key(child)]
        holder.foreign_keys.append(ForeignKey(tuple(_unescape(c.name) for c in child_cols), _key(parent),
                                              tuple(_unescape(c.name) for c in parent_cols), _unescape(ref.name) or None,
                                              (ref.on_delete or "").upper() or None,
                                              (ref.on_update or "").upper() or None))
    extensions: list[str] = []
    if db.project is not None:
        kind = str((getattr(db.project, "items", None) or {}).get("database_type") or "").lower()
        dialect = next((d for d, label in _DATABASE.items() if label.lower() == kind), dialect)
        note = _note(getattr(db.project, "note", None)) or ""
        if note.startswith("extensions: "):
            extensions = [e.strip() for e in note[len("extensions: "):].split(",") if e.strip()]
    return Schema(tables, dialect=dialect, enums=enums, warnings=warnings, name=name, extensions=extensions)


def _namespace(schema: str | None) -> str | None:
    return None if schema in (None, "", "public") else schema


def _key(table: Any) -> str:
    namespace = _namespace(_unescape(table.schema))
    return f"{namespace}.{_unescape(table.name)}" if namespace else _unescape(table.name)


def _note(note: Any) -> str | None:
    text = getattr(note, "text", None)
    return text or None


def _sql_default(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if hasattr(value, "text"):
        return value.text
    return "'" + str(value).replace("'", "''") + "'"
