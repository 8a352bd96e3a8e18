"""Schema → DDL for PostgreSQL, SQLite and MySQL/MariaDB.

The output runs on a real server of the dialect and reads back to the same model
(`Schema.from_ddl(s.to_ddl(d), d) == s` for a schema of dialect d). Foreign keys are added
after all tables with ALTER TABLE on PostgreSQL and MySQL (so order and cycles do not
matter) and inline on SQLite, which has no ADD CONSTRAINT.

Into another dialect, tables, columns and keys always carry over; defaults, CHECKs,
expression and partial indexes carry over when they use only what every dialect has
(literals, operators, portable functions). What cannot is left out with a `--` note in
front of its table, and views stay as commented-out source: translating arbitrary queries
between dialects is not something to do silently.
"""

from __future__ import annotations

import re

from . import types as T
from .expressions import tables_read, view_order
from .model import AUTO_INCREMENT, IDENTITY_ALWAYS, IDENTITY_BY_DEFAULT, SERIAL, Column, Index, Schema, Table
from .names import MAX_LENGTH, quote, shorten, too_long
from .routines import needs, trigger_notes

_LITERAL = re.compile(r"^(-?\d+(\.\d+)?|'([^']|'')*'|NULL|TRUE|FALSE|"
                      r"(CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIMESTAMP)(\(\d*\))?)$", re.IGNORECASE)
_OPCLASS = re.compile(r"^(\(.*\)|\S+) (\w+)$", re.DOTALL)
_SERIAL_TYPES = {"INT": "SERIAL", "INTEGER": "SERIAL", "BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}


def to_ddl(schema: Schema, dialect: str) -> str:
    """The whole schema as DDL statements separated by blank lines."""
    return "\n\n".join(statements(schema, dialect)) + "\n"


def statements(schema: Schema, dialect: str) -> list[str]:
    """The DDL statements, in an order the server accepts."""
    emitter = _Emitter(schema, dialect)
    return emitter.run()


def create_table(schema: Schema, table: Table, dialect: str) -> str:
    """The CREATE TABLE statement of one table of `schema`, in `dialect` (after a change to the table)."""
    return _Emitter(schema, dialect).create_table(table)


class _Emitter:
    def __init__(self, schema: Schema, dialect: str) -> None:
        self.schema = schema
        self.src = schema.dialect
        self.dst = dialect
        self.cross = self.src != self.dst
        self.deferred: list[str] = []  # statements that must follow the CREATE TABLE just written
        self.index_names: set[str] = set()
        self.notes: list[str] = []  # what could not be carried into the target dialect
        self._flat: dict[str, str] | None = None
        self._referenced: dict[str, set[str]] | None = None
        self.as_text: set[str] = set()  # MySQL: VARCHAR columns written as TEXT to fit the row size limit
        self.inline_indexes: list[Index] = []  # MySQL: indexes written in CREATE TABLE, keys of AUTO_INCREMENT
        self.auto_increment: str | None = None  # MySQL: the table's AUTO_INCREMENT column

    def q(self, name: str) -> str:
        """An identifier as the target writes it; into another dialect, cut to its length limit (names.shorten:
        deterministic, so a table's name and every reference to it agree)."""
        if self.cross and too_long(name, self.dst):
            short = shorten(name, self.dst)
            self.notes.append(f"{name} is {short} here: {self.dst} names are at most {MAX_LENGTH[self.dst]} "
                              f"{'bytes' if self.dst == 'postgres' else 'characters'}")
            name = short
        return quote(name, self.dst)

    def table_name(self, key: str) -> str:
        # namespaces are PostgreSQL schemas or MySQL databases: only meaningful within their own dialect
        flat = self.flat_names.get(key.lower())
        if flat is not None:
            return self.q(flat)
        if "." in key and (not self.cross or self.dst == "postgres") and self.dst != "sqlite":
            namespace, name = key.split(".", 1)
            return f"{self.q(namespace)}.{self.q(name)}"
        return self.q(key.split(".", 1)[-1])

    @property
    def flat_names(self) -> dict[str, str]:
        """Where namespaces are dropped (another dialect than the source, other than PostgreSQL), tables whose
        names would collide (`a.rec`, `b.rec`) are named with their namespace (`a_rec`, `b_rec`)."""
        if self._flat is None:
            self._flat = {}
            if self.cross and self.dst != "postgres":
                by_name: dict[str, list[str]] = {}
                for key, table in self.schema.tables.items():
                    by_name.setdefault(table.name.lower(), []).append(key)
                for keys in by_name.values():
                    if len(keys) > 1:
                        for key in keys:
                            table = self.schema.tables[key]
                            self._flat[key.lower()] = f"{table.namespace}_{table.name}" if table.namespace else table.name
        return self._flat

    def unique_name(self, name: str | None, table: Table) -> str | None:
        """PostgreSQL and SQLite name unique constraints and indexes per schema, MySQL per table."""
        if name is None or self.dst == "mysql":
            return name
        candidate, n = name, 2
        while candidate.lower() in self.index_names:
            candidate = f"{name}_{table.name}" if n == 2 else f"{name}_{n}"
            n += 1
        self.index_names.add(candidate.lower())
        return candidate

    def run(self) -> list[str]:
        out: list[str] = []
        if self.dst == "postgres" and not self.cross:
            for extension in self.schema.extensions:
                out.append(f"CREATE EXTENSION IF NOT EXISTS {quote(extension, 'postgres')};")
        if self.dst == "postgres":
            own = [*self.schema.tables.values(), *self.schema.enums.values()]
            if not self.cross:  # views and domains are emitted only in their own dialect
                own += [*self.schema.views.values(), *self.schema.domains.values()]
            for namespace in sorted({o.namespace for o in own if o.namespace}):
                out.append(f"CREATE SCHEMA IF NOT EXISTS {self.q(namespace)};")
            for enum in self.schema.enums.values():
                values = ", ".join(_string(v) for v in enum.values)
                out.append(f"CREATE TYPE {self.table_name(enum.key)} AS ENUM ({values});")
            if not self.cross:
                for domain in self.schema.domains.values():
                    check = f" CHECK ({domain.check})" if domain.check else ""
                    out.append(f"CREATE DOMAIN {self.table_name(domain.key)} AS {domain.type}{check};")
        tables = [t for t in self.schema.tables.values() if self.dst == "postgres" or not t.partition_of]
        needs_by_table: dict[str, list] = {}
        for need in needs(self.schema):  # what calls a function the model does not carry: said above its table
            needs_by_table.setdefault(need.table, []).append(need)
        partitioned = {t.partition_of for t in tables if t.partition_of}
        later: list[str] = []
        for table in tables:
            self.notes = []
            create = self.create_table(table)
            indexes = self.indexes(table)
            self.notes += [need.note() for need in needs_by_table.get(table.key, ())]
            self.notes += trigger_notes(self.schema, table.key)
            out.append("".join(f"-- {' '.join(note.split())}\n" for note in dict.fromkeys(self.notes)) + create)
            out.extend(self.deferred)
            self.deferred.clear()
            # a partitioned table's indexes come after its partitions' own: PostgreSQL then attaches those (names
            # kept) instead of making copies that would collide with them
            (later if table.key in partitioned else out).extend(indexes)
            if self.dst == "postgres":
                out.extend(self.comments(table))
        out.extend(later)
        if self.dst != "sqlite":
            for table in tables:
                parent = self.schema.tables.get(table.partition_of) if table.partition_of else None
                inherited = {(tuple(fk.columns), fk.ref_table) for fk in parent.foreign_keys} if parent else set()
                for fk in table.foreign_keys:
                    if (tuple(fk.columns), fk.ref_table) in inherited:
                        continue  # the partition has its parent's keys from PostgreSQL itself
                    out.append(f"ALTER TABLE {self.table_name(table.key)} ADD {self.foreign_key(fk, table)};")
        views = {k.lower(): v for k, v in self.schema.views.items()}
        reads = {k: set(tables_read(v.definition, self.src)) for k, v in views.items()}
        out.extend(text for text in (self.view(views[k]) for k in view_order(views, reads)) if text)
        return out

    def view(self, view) -> str | None:
        """CREATE [MATERIALIZED] VIEW, or a comment with the source where it is written for another dialect."""
        if not view.definition:
            return None
        kind = "MATERIALIZED VIEW" if view.materialized and self.dst == "postgres" else "VIEW"
        if self.cross:
            source = "\n".join("-- " + line for line in view.definition.splitlines())
            return f"-- view {view.key} is written for {self.src}; translate it by hand:\n" \
                   f"-- CREATE VIEW {view.key} AS\n{source}"
        return f"CREATE {kind} {self.table_name(view.key)} AS {view.definition};"

    # -- tables ----------------------------------------------------------------------------------
    def create_table(self, table: Table) -> str:
        name = self.table_name(table.key)
        if table.partition_of:
            bound = table.partition_bound or "DEFAULT"
            clause = "DEFAULT" if bound.upper() == "DEFAULT" else f"FOR VALUES {bound}"
            return f"CREATE TABLE {name} PARTITION OF {self.table_name(table.partition_of)} {clause};"
        if table.using and self.dst == "sqlite":
            return f"CREATE VIRTUAL TABLE {name} USING {table.using}({', '.join(self.q(c) for c in table.columns)});"
        keyed = self._keyed_columns(table)
        inline_pk = self._inline_primary_key(table)
        if self.flat_names.get(table.key.lower()) not in (None, table.name):
            self.notes.append(f"{table.key} is {self.flat_names[table.key.lower()]} here: {self.dst} has no "
                              "namespaces, and another table has the same name")
        if self.dst == "mysql":
            self._fit_row(table, keyed)
            self.auto_increment = self._auto_increment_column(table)
        lines = [self.column(table, c, keyed, inline_pk) for c in table.columns.values()]
        if table.primary_key and not inline_pk:
            cols = ", ".join(self.q(c) for c in table.primary_key)
            named = f"CONSTRAINT {self.q(table.primary_key_name)} " if table.primary_key_name else ""
            lines.append(f"{named}PRIMARY KEY ({cols})")
        for unique in table.uniques:
            unique_name = self.unique_name(unique.name, table) if self.cross else unique.name
            named = f"CONSTRAINT {self.q(unique_name)} " if unique_name else ""
            clause = f"{named}UNIQUE ({', '.join(self.q(c) for c in unique.columns)})"
            if self.dst == "postgres" and [c.lower() for c in unique.columns] == [c.lower() for c in table.primary_key]:
                # inside CREATE TABLE PostgreSQL folds it into the primary key: add it afterwards to keep it
                self.deferred.append(f"ALTER TABLE {name} ADD {clause};")
                continue
            lines.append(clause)
        for index in self.inline_indexes:
            if any(index is i for i in table.indexes):
                kind = "UNIQUE KEY" if index.unique else "KEY"
                lines.append(f"{kind} {self.q(self.index_name(table, index))} ({', '.join(self.index_parts(index))})")
        for check in table.checks:
            if check.column is None or (check.name and self.dst == "mysql"):  # MariaDB: named checks on the table
                expression = self.carried(check.expression, f"{table.key}: CHECK ({check.expression})", True)
                if expression is not None:
                    named = f"CONSTRAINT {self.q(check.name)} " if check.name else ""
                    lines.append(f"{named}CHECK ({expression})")
        for column in table.columns.values():  # enum values carried as a CHECK where types cannot
            enum = self._enum_of(column)
            if enum is not None and self.dst == "sqlite":
                values = ", ".join(_string(v) for v in enum.values)
                lines.append(f"CHECK ({self.q(column.name)} IN ({values}))")
        if self.dst == "sqlite":
            lines.extend(self.foreign_key(fk, table) for fk in table.foreign_keys)
        body = ",\n  ".join(lines)
        tail = ""
        if table.partition_by and self.dst == "postgres":
            tail = f" PARTITION BY {table.partition_by}"
        if table.inherits and self.dst == "postgres":
            tail = f" INHERITS ({', '.join(self.table_name(k) for k in table.inherits)})"
        if self.dst == "mysql" and table.comment:
            tail = f" COMMENT={_string(table.comment)}"
        kind = "TEMPORARY TABLE" if table.temporary else "TABLE"
        return f"CREATE {kind} {name} (\n  {body}\n){tail};"

    def _auto_increment_column(self, table: Table) -> str | None:
        """MySQL/MariaDB: the one column of `table` that is AUTO_INCREMENT. InnoDB requires it to be the first
        column of a key: the primary key, a unique constraint or an index (that index is then written inside
        CREATE TABLE, which needs it). The primary key's column first, then the first generated column keyed."""
        generated = [c.name for c in table.columns.values() if c.generated and not c.computed]
        if not generated:
            return None
        lower = {g.lower(): g for g in generated}
        if table.primary_key and table.primary_key[0].lower() in lower:
            return lower[table.primary_key[0].lower()]
        if any(u.columns and u.columns[0].lower() in lower for u in table.uniques):
            return next(lower[u.columns[0].lower()] for u in table.uniques if u.columns and u.columns[0].lower() in lower)
        for index in table.indexes:
            if index.columns and not index.is_expression(0) and not index.where and index.method is None \
                    and index.columns[0].lower() in lower:
                self.inline_indexes.append(index)
                return lower[index.columns[0].lower()]
        return None

    def _inline_primary_key(self, table: Table) -> bool:
        # SQLite's AUTOINCREMENT exists only on an inline INTEGER PRIMARY KEY
        if self.dst != "sqlite" or len(table.primary_key) != 1:
            return False
        column = table.column(table.primary_key[0])
        return column is not None and column.generated is not None and \
            T.info(column.type, self.src).family == "integer"

    def _fit_row(self, table: Table, keyed: set[str]) -> None:
        """InnoDB rows hold at most 65,535 bytes of VARCHAR (4 bytes a character in utf8mb4); TEXT is stored
        apart. Where a table's VARCHARs add up to more, the widest unkeyed ones become TEXT, with a note."""
        sizes: dict[str, int] = {}
        total = 0
        for column in table.columns.values():
            text = self.column_type(table, column, keyed)
            match = re.fullmatch(r"(?i)(?:VAR)?CHAR\((\d+)\)", text.strip())
            size = int(match.group(1)) * 4 + 2 if match else 12
            total += size
            if match and column.name not in keyed:
                sizes[column.name] = size
        for name in sorted(sizes, key=lambda n: -sizes[n]):
            if total <= 65_000:
                break
            self.as_text.add(f"{table.key}.{name}".lower())
            total -= sizes[name] - 12
            self.notes.append(f"{table.key}.{name}: TEXT, not VARCHAR: the table's VARCHARs exceed MySQL's "
                              "65,535-byte row")

    def _keyed_columns(self, table: Table) -> set[str]:
        keyed = set(table.primary_key)
        for u in table.uniques:
            keyed.update(u.columns)
        for i in table.indexes:
            keyed.update(c for n, c in enumerate(i.columns) if not i.is_expression(n))
        for fk in table.foreign_keys:
            keyed.update(fk.columns)
        keyed.update(self.referenced.get(table.key, ()))
        return keyed

    @property
    def referenced(self) -> dict[str, set[str]]:
        """Table key → its columns other tables' foreign keys reference (computed once: emit stays linear)."""
        if self._referenced is None:
            self._referenced = {}
            for _table, fk in self.schema.foreign_keys():
                self._referenced.setdefault(fk.ref_table, set()).update(fk.ref_columns)
        return self._referenced

    def _enum_of(self, column: Column):
        if self.src != "postgres":
            return None
        return self.schema.enums.get(column.type) or next(
            (e for e in self.schema.enums.values() if e.name == column.type.rsplit(".", 1)[-1]), None)

    def column_type(self, table: Table, column: Column, keyed: set[str]) -> str:
        base = self.schema.base_type(column.type)
        if base != column.type and (self.cross or self.dst != "postgres"):
            column = Column(column.name, base, column.nullable, column.default, column.generated, column.computed)
        enum = self._enum_of(column)
        if enum is not None:
            if self.dst == "postgres":
                return self.table_name(enum.key)
            if self.dst == "mysql":
                return f"ENUM({', '.join(_string(v) for v in enum.values)})"
            return "TEXT"
        text = T.transpile_type(column.type, self.src, self.dst)
        info = T.info(column.type, self.src)
        if self.dst == "postgres" and self.cross and info.unsigned and info.family == "integer" and info.size == 8:
            self.notes.append(f"{table.key}.{column.name}: BIGINT UNSIGNED is BIGINT (PostgreSQL has no unsigned or "
                              "wider integer): values above 9223372036854775807 do not fit")
        if self.dst == "mysql" and self.cross:
            referenced = self._referenced_type(table, column)
            if referenced is not None and referenced != text:
                # InnoDB refuses a foreign key between different types (PostgreSQL allows int → bigint)
                self.notes.append(f"{table.key}.{column.name}: {text} → {referenced}, the type of the column it "
                                  "references (MySQL requires equal types)")
                text = referenced
        if self.dst == "mysql" and self.src != "mysql" and column.name in keyed and \
                (info.family in ("text", "binary") or re.fullmatch(r"(?i)(tiny|medium|long)?(text|blob)", text)):
            # InnoDB keys need a length: a keyed text (or a type MySQL keeps as TEXT, like tsvector) is VARCHAR(255)
            binary = info.family == "binary" or "BLOB" in text.upper()
            text = "VARBINARY(255)" if binary else "VARCHAR(255)"
        if self.dst == "mysql":
            long = re.fullmatch(r"(?i)VARCHAR\((\d+)\)", text.strip())
            if f"{table.key}.{column.name}".lower() in self.as_text:
                text = "TEXT"
            elif long and int(long.group(1)) > 16_383:  # utf8mb4: 65,535 bytes are 16,383 characters
                text = "MEDIUMTEXT" if int(long.group(1)) * 4 > 65_535 else "TEXT"
                self.notes.append(f"{table.key}.{column.name}: {text}, not VARCHAR({long.group(1)}): beyond "
                                  "MySQL's longest VARCHAR (16,383 characters in utf8mb4)")
        if self.dst == "postgres" and column.generated == SERIAL:
            text = _SERIAL_TYPES.get(text.upper(), text)
        return text

    def _referenced_type(self, table: Table, column: Column) -> str | None:
        for fk in table.foreign_keys:
            for own, ref in zip(fk.columns, fk.ref_columns, strict=False):
                if own.lower() == column.name.lower():
                    parent = self.schema.tables.get(fk.ref_table)
                    target = parent.column(ref) if parent is not None else None
                    if target is not None and target is not column:
                        return T.transpile_type(self.schema.base_type(target.type), self.src, self.dst)
        return None

    def column(self, table: Table, column: Column, keyed: set[str], inline_pk: bool) -> str:
        parts = [self.q(column.name), self.column_type(table, column, keyed) or "TEXT"]
        if inline_pk and column.name == table.primary_key[0]:
            parts[1] = "INTEGER"  # only this exact spelling is SQLite's rowid alias
            parts.append("PRIMARY KEY AUTOINCREMENT")
            return " ".join(parts)
        computed = self.carried(column.computed, f"{table.key}.{column.name}: GENERATED ALWAYS AS "
                                f"({column.computed})", True) if column.computed else None
        if computed:
            parts.append(f"GENERATED ALWAYS AS ({computed}) STORED")
        elif column.generated:
            if self.dst == "postgres":
                if column.generated == IDENTITY_ALWAYS:
                    parts.append("GENERATED ALWAYS AS IDENTITY")
                elif column.generated in (IDENTITY_BY_DEFAULT, AUTO_INCREMENT):
                    parts.append("GENERATED BY DEFAULT AS IDENTITY")
            elif self.dst == "mysql":
                if self.auto_increment is not None and self.auto_increment.lower() == column.name.lower():
                    parts.append("AUTO_INCREMENT")
                elif self.auto_increment is not None:  # MySQL allows one AUTO_INCREMENT column a table
                    self.notes.append(f"left out: AUTO_INCREMENT on {table.key}.{column.name}: {self.auto_increment} "
                                      "has it, and MySQL allows one a table")
                else:
                    self.notes.append(f"left out: AUTO_INCREMENT on {table.key}.{column.name}, which is the first "
                                      "column of no key or index (MySQL requires one)")
        if not column.nullable:
            parts.append("NOT NULL")
        if column.default is not None and not column.generated and not column.computed:
            default = self.default(column, f"{table.key}.{column.name}")
            if default is not None:
                parts.append(f"DEFAULT {default}")
        for check in table.checks:
            if check.column == column.name and not (check.name and self.dst == "mysql"):
                expression = self.carried(check.expression, f"{table.key}.{column.name}: CHECK ({check.expression})",
                                           True)
                if expression is not None:
                    named = f"CONSTRAINT {self.q(check.name)} " if check.name else ""
                    parts.append(f"{named}CHECK ({expression})")
        if column.on_update:
            if self.dst == "mysql":
                parts.append(f"ON UPDATE {self.carried(column.on_update, 'ON UPDATE') or column.on_update}")
            else:
                self.notes.append(f"not carried: ON UPDATE {column.on_update} on {table.key}.{column.name} "
                                  f"({self.dst} has no such clause; a trigger would do it)")
        if self.dst == "mysql" and column.comment:
            parts.append(f"COMMENT {_string(column.comment)}")
        return " ".join(parts)

    def carried(self, sql: str, what: str, deterministic: bool = False) -> str | None:
        """`sql` for the target dialect, or None (with a note) when it cannot be carried over."""
        if not self.cross:
            return sql
        text = T.portable_expression(sql, self.src, self.dst, deterministic)
        if text is None:
            self.notes.append(f"left out, {self.src}-specific: {what}")
        elif any(too_long(word, self.dst) for word in re.findall(r"\w+", text)):
            text = self._short_names(text)
        return text

    def _short_names(self, text: str) -> str:
        """An expression with the names that are too long for the target cut as q() cuts them."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(text, read=self.dst)
        for node in tree.find_all(exp.Identifier):
            if too_long(node.name, self.dst):
                node.set("this", shorten(node.name, self.dst))
        return tree.sql(dialect=self.dst)

    def default(self, column: Column, where: str) -> str | None:
        """The DEFAULT clause's expression for the target dialect, or None when it cannot be carried."""
        sql = column.default
        if self.dst == "postgres" and re.match(r"^'0000-00-00", sql):
            self.notes.append(f"left out: {where} DEFAULT {sql} (PostgreSQL has no zero dates)")
            return None
        text = self.carried(sql, f"{where} DEFAULT {sql}")
        if text is None:
            return None
        if self.cross and self.dst == "mysql" and T.info(column.type, self.src).family in ("timestamp", "date"):
            text = _mysql_datetime(text, T.info(column.type, self.src).family, f"{where} DEFAULT {sql}", self.notes)
            if text is None:
                return None
        if self.cross and self.dst == "postgres" and T.info(column.type, self.src).family == "boolean" \
                and text.strip() in ("0", "1", "'0'", "'1'"):
            text = "TRUE" if text.strip("'") == "1" else "FALSE"
        bare = _LITERAL.match(text.strip())
        if self.dst == "mysql" and bare and re.match(r"^(CURRENT_DATE|CURRENT_TIME)\b", text.strip(), re.I):
            bare = None  # MySQL takes only CURRENT_TIMESTAMP bare; other expressions in parentheses
        if self.dst in ("sqlite", "mysql") and not bare:
            return f"({text})"
        return text

    def foreign_key(self, fk, table: Table | None = None) -> str:
        named = f"CONSTRAINT {self.q(fk.name)} " if fk.name else ""
        pairs = list(zip(fk.columns, fk.ref_columns, strict=False))
        if self.dst == "mysql":
            pairs = self._in_key_order(fk, pairs)
        cols = ", ".join(self.q(c) for c, _ in pairs) if pairs else ", ".join(self.q(c) for c in fk.columns)
        refs = ", ".join(self.q(r) for _, r in pairs)
        text = f"{named}FOREIGN KEY ({cols}) REFERENCES {self.table_name(fk.ref_table)} ({refs})"
        not_null = table is not None and any((c := table.column(n)) is not None and not c.nullable for n in fk.columns)
        for clause, action in (("ON DELETE", fk.on_delete), ("ON UPDATE", fk.on_update)):
            if not action:
                continue
            if action == "SET NULL" and not_null and self.dst == "mysql":
                continue  # MySQL refuses SET NULL on a NOT NULL column (PostgreSQL fails only when it fires)
            text += f" {clause} {action}"
        return text

    def _in_key_order(self, fk, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """InnoDB needs an index on the referenced table that starts with the referenced columns in their order
        (errno 150 otherwise); PostgreSQL takes any order of a key's columns. Where only another order is a key,
        the column pairs are written in that order: the same foreign key."""
        parent = self.schema.tables.get(fk.ref_table)
        if parent is None or len(pairs) < 2:
            return pairs
        keys = [parent.primary_key, *(u.columns for u in parent.uniques),
                *(i.columns for i in parent.indexes if not any(i.expressions))]
        wanted = [r.lower() for _, r in pairs]
        if any([c.lower() for c in key[:len(wanted)]] == wanted for key in keys):
            return pairs
        by_ref = {r.lower(): (c, r) for c, r in pairs}
        for key in keys:
            head = [c.lower() for c in key[:len(wanted)]]
            if sorted(head) == sorted(wanted):
                return [by_ref[c] for c in head]
        return pairs

    # -- indexes and comments --------------------------------------------------------------------
    def index_name(self, table: Table, index: Index) -> str:
        base = index.name or "ix_" + "_".join([table.name] + [re.sub(r"\W+", "_", c) for c in index.columns])
        base = shorten(base, self.dst) if self.cross else base[: MAX_LENGTH.get(self.dst, 63)]
        name = base
        if self.dst != "mysql":  # PostgreSQL and SQLite index names are unique per schema, not per table
            n = 2
            while name.lower() in self.index_names:
                suffix = f"_{table.name}" if n == 2 else f"_{n}"
                name = (base[: MAX_LENGTH.get(self.dst, 63) - len(suffix)] + suffix)
                n += 1
            self.index_names.add(name.lower())
        return name

    def indexes(self, table: Table) -> list[str]:
        out = []
        for index in table.indexes:
            if index.implicit and (table.partition_of or self.dst == self.src):
                continue  # the server makes it (a partition's copy of its parent's index, InnoDB's FK index)
            if index.method in ("fulltext", "spatial") and self.dst != "mysql":
                self.notes.append(f"left out: {index.method.upper()} index {index.name} on {table.key} "
                                  f"({', '.join(index.columns)}) is MySQL-specific")
                continue
            if self.cross and (index.where or any(index.expressions)):
                parts_ok = all(not index.is_expression(n) or T.portable_expression(p, self.src, self.dst)
                               for n, p in enumerate(index.columns))
                where_ok = not index.where or T.portable_expression(index.where, self.src, self.dst)
                if not (parts_ok and where_ok) or any(_OPCLASS.match(p) for p in index.columns):
                    self.notes.append(f"left out, {self.src}-specific: index {index.name} on {table.key} "
                                      f"({', '.join(index.columns)}){' WHERE ' + index.where if index.where else ''}")
                    continue
            if self.dst == "mysql" and (index.where or any(index.expressions)):
                # MariaDB has neither partial nor expression indexes (MySQL 8 has the latter only)
                what = "partial" if index.where else "expression"
                out.append(f"-- {what} index {index.name or ''} on {table.key} ({', '.join(index.columns)}) "
                           "is not emitted: MySQL/MariaDB cannot create it")
                continue
            if any(index is i for i in self.inline_indexes):
                continue  # written inside CREATE TABLE (the key of an AUTO_INCREMENT column)
            parts = self.index_parts(index)
            if self.cross and any(index.lengths or ()) and self.dst != "mysql":
                self.notes.append(f"index {index.name} on {table.key}: MySQL prefix lengths left out "
                                  f"({self.dst} indexes whole values)")
            kind = "UNIQUE INDEX" if index.unique else "INDEX"
            if self.dst == "mysql" and index.method in ("fulltext", "spatial"):
                kind = f"{index.method.upper()} INDEX"
            using = f" USING {index.method}" if index.method and self.dst == "postgres" and \
                (not self.cross or index.method in ("hash",)) else ""
            where = ""
            if index.where:
                where = f" WHERE {T.portable_expression(index.where, self.src, self.dst) if self.cross else index.where}"
            on = self.table_name(table.key)
            include = ""
            if index.include and self.dst == "postgres":
                include = f" INCLUDE ({', '.join(self.q(c) for c in index.include)})"
            elif index.include:
                self.notes.append(f"index {index.name} on {table.key}: INCLUDE ({', '.join(index.include)}) left out "
                                  f"({self.dst} has no covering columns)")
            out.append(f"CREATE {kind} {self.q(self.index_name(table, index))} ON {on}{using} "
                       f"({', '.join(parts)}){include}{where};")
        return out

    def index_parts(self, index: Index) -> list[str]:
        parts = []
        for n, part in enumerate(index.columns):
            opclass = _OPCLASS.match(part) if index.is_expression(n) else None
            if opclass:  # `operand opclass`: PostgreSQL only; elsewhere the operand alone
                operand = opclass.group(1)
                if self.dst == "postgres":
                    parts.append(part)
                else:
                    portable = T.portable_expression(operand, self.src, self.dst) or operand
                    parts.append(f"({portable})" if operand.startswith("(") else self.q(operand))
            elif index.is_expression(n):
                expr = T.portable_expression(part, self.src, self.dst) if self.cross else part
                parts.append(f"({expr})")  # `(a || b)`: an expression part needs its parentheses
            else:
                length = index.lengths[n] if index.lengths else None
                parts.append(self.q(part) + (f"({length})" if length and self.dst == "mysql" else ""))
            if index.descending and index.descending[n]:
                parts[-1] += " DESC"
        return parts

    def comments(self, table: Table) -> list[str]:
        out = []
        if table.comment:
            out.append(f"COMMENT ON TABLE {self.table_name(table.key)} IS {_string(table.comment)};")
        for column in table.columns.values():
            if column.comment:
                out.append(f"COMMENT ON COLUMN {self.table_name(table.key)}.{self.q(column.name)} IS "
                           f"{_string(column.comment)};")
        return out


_ZONED = re.compile(r"^'(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(Z|[+-]\d\d(?::?\d\d)?)'$",
                    re.IGNORECASE)


def _mysql_datetime(text: str, family: str, what: str, notes: list[str]) -> str | None:
    """A PostgreSQL date/time literal default as MySQL's DATETIME takes it (None, noted, when it has none):
    a time zone offset (`'1970-01-01 00:00:00+00'`, refused by MariaDB with ERROR 1067) is applied, giving the
    UTC time, which is what a TIMESTAMPTZ holds; `'epoch'` is its date; `'infinity'` has no counterpart."""
    from datetime import datetime, timezone

    word = text.strip("'").strip().lower() if text.startswith("'") else ""
    if word == "epoch":
        return "'1970-01-01'" if family == "date" else "'1970-01-01 00:00:00'"
    if word in ("infinity", "-infinity"):
        notes.append(f"left out: {what} (MySQL dates have no infinity)")
        return None
    match = _ZONED.match(text.strip())
    if match is None:
        return text
    day, time, zone = match.groups()
    zone = "+00:00" if zone.upper() == "Z" else zone
    if len(zone) == 3:
        zone += ":00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    whole, _, fraction = time.partition(".")
    if whole.count(":") == 1:
        whole += ":00"
    moment = datetime.fromisoformat(f"{day}T{whole}{zone}")
    utc = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    notes.append(f"{what}: '{utc}{'.' + fraction if fraction else ''}' in UTC (MySQL's DATETIME has no time zone)")
    return f"'{utc}{'.' + fraction if fraction else ''}'"


def _string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"
