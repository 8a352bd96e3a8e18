"""DDL → Schema, on sqlglot.

Each statement is classified by its leading keywords. Tables, indexes, ALTER TABLE,
COMMENT ON, enum types and views feed the model; everything else that is valid SQL
(functions, triggers, grants, SET, sequences, owners, …) is skipped and counted. A statement
that is not SQL, or a table definition with a syntax error, raises DDLSyntaxError with line
and column. Valid table definitions that sqlglot cannot read in one piece (new syntax such
as PostgreSQL 18 virtual columns) are read element by element, keeping what can be read.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from functools import lru_cache
from typing import Any

from ..errors import DDLSyntaxError, SchemaError, WorkbenchError
from . import types as T
from .model import (
    AUTO_INCREMENT,
    IDENTITY_ALWAYS,
    IDENTITY_BY_DEFAULT,
    SERIAL,
    CheckConstraint,
    Column,
    Domain,
    Enum,
    ForeignKey,
    Index,
    Schema,
    Table,
    UniqueConstraint,
    View,
)
from .routines import SkippedTrigger, routine_name, trigger_of
from .statements import Statement, code_only, split_statements, start_column

_STARTERS = {
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "SET", "RESET",
    "SHOW", "USE", "BEGIN", "START", "COMMIT", "ROLLBACK", "END", "COPY", "LOCK", "UNLOCK", "TRUNCATE", "PRAGMA",
    "VACUUM", "ANALYZE", "ANALYSE", "EXPLAIN", "WITH", "DO", "CALL", "DECLARE", "REINDEX", "CLUSTER", "REFRESH",
    "SECURITY", "LOAD", "REPLACE", "RENAME", "OPTIMIZE", "FLUSH", "SAVEPOINT", "RELEASE", "CHECKPOINT", "DISCARD",
    "LISTEN", "NOTIFY", "PREPARE", "EXECUTE", "DEALLOCATE", "IMPORT", "VALUES", "MERGE", "ATTACH", "DETACH",
    "IF", "RETURN", "LEAVE", "ITERATE", "LOOP", "WHILE", "REPEAT", "CLOSE", "OPEN", "FETCH", "MOVE", "ABORT",
    "RAISE", "PERFORM", "ELSE", "ELSIF", "ELSEIF", "CASE", "OUT", "SOURCE", "SIGNAL", "RESIGNAL", "HANDLER",
    "KILL", "PURGE", "INSTALL", "UNINSTALL", "CHANGE", "STOP", "RESTART", "HELP", "DESCRIBE", "DESC", "CHECK",
    "CHECKSUM", "REPAIR", "BACKUP", "RESTORE", "ROLE", "SYNC", "TABLE", "XA", "CACHE",
}
_CREATE_KINDS = {
    "TABLE", "INDEX", "VIEW", "TYPE", "SEQUENCE", "FUNCTION", "PROCEDURE", "TRIGGER", "EXTENSION", "SCHEMA",
    "DATABASE", "DOMAIN", "AGGREGATE", "RULE", "POLICY", "PUBLICATION", "SUBSCRIPTION", "OPERATOR", "ROLE",
    "USER", "GROUP", "EVENT", "LANGUAGE", "CAST", "COLLATION", "TEXT", "CONVERSION", "SERVER", "FOREIGN",
    "TABLESPACE", "STATISTICS", "TRANSFORM", "ACCESS", "MATERIALIZED", "VIRTUAL", "DEFINER", "ALGORITHM",
    "SQL", "SPATIAL", "FULLTEXT", "UNIQUE", "OR", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL",
    "RECURSIVE", "CONSTRAINT", "DEFAULT", "TRUSTED", "PROCEDURAL", "LOGFILE", "RESOURCE", "SPFILE", "PACKAGE",
    "SYNONYM", "MACRO", "SECRET", "STAGE", "STREAM", "TASK", "WAREHOUSE", "FILE",
}
_KNOWN_CLAUSES = re.compile(r"^(VIRTUAL|STORED|COMPRESSION\s+\w+|STORAGE\s+\w+|INVISIBLE|VISIBLE|"
                            r"COLUMN_FORMAT\s+\w+|ENGINE_ATTRIBUTE\s*=?\s*'[^']*'|SRID\s+\d+)$", re.IGNORECASE)
_ATTACH_PARTITION = re.compile(r"ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+ATTACH\s+PARTITION\s+(\S+)\s+"
                               r"(FOR\s+VALUES\s+.*|DEFAULT)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_ADD_IDENTITY = re.compile(r"ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+ALTER\s+(?:COLUMN\s+)?(\"[^\"]+\"|\w+)\s+ADD\s+"
                           r"GENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY", re.IGNORECASE)
_TABLE_PREFIX = {"OR", "REPLACE", "GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"}


_CREATES_TABLE = re.compile(r"\bCREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED|OR|REPLACE)\s+)*TABLE\b", re.I)


def parse_ddl(text: str, dialect: str) -> Schema:
    """Parse DDL text of a dialect into a Schema (see module docstring)."""
    # The tokenizer and parser make millions of short-lived objects; the cyclic collector walking the growing
    # heap over and over is a quarter of the time and makes the cost grow faster than the text. Paused while
    # parsing (nothing here needs it), collected normally afterwards.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse_ddl(text, dialect)
    except DDLSyntaxError as exc:
        raise exc.quote(text) from None  # the line as written, a caret under the column
    finally:
        if paused:
            gc.enable()


def _parse_ddl(text: str, dialect: str) -> Schema:
    T.quiet_sqlglot()
    builder = _Builder(dialect)
    modelled: list[tuple[int, str]] = []
    for statement in split_statements(text, dialect):
        before = len(builder.skipped_statements)
        try:
            builder.add(statement)
            if len(builder.skipped_statements) == before and statement.words(1):
                modelled.append((statement.line, " ".join(statement.words(3))))
        except WorkbenchError:
            raise
        except Exception as exc:  # a parser failure is a statement the workbench cannot read: say where
            raise DDLSyntaxError(f"cannot read this statement ({type(exc).__name__}: {str(exc)[:200]})",
                                 line=statement.line, column=statement.column, statement=statement.sql,
                                 hint="Simplify or remove the statement; the rest of the file is fine up to here.") \
                from None
    from .statements import meta_commands

    for line, command in meta_commands(text):
        builder.skipped[f"psql {command}"] += 1
        builder.skipped_statements.append((line, f"psql {command}", "a psql meta-command, not SQL: run the file "
                                           "with psql for it to take effect"))
    try:
        schema = builder.finish()
    except WorkbenchError:
        raise
    except Exception as exc:
        raise SchemaError(f"The statements were read, but the schema could not be assembled ({type(exc).__name__}: "
                          f"{str(exc)[:200]}).") from None
    schema.statements_modelled = [m for m in modelled if m[0] not in builder.unmodelled_lines]
    if not schema.tables and _CREATES_TABLE.search(code_only(text)):
        # text that plainly defines tables, read as none: an error, never an empty schema
        first = next(((line, what, why) for line, what, why in schema.statements_skipped), None)
        where = f" The first statement left out is at line {first[0]} ({first[1]}: {first[2]})." if first else ""
        raise SchemaError(f"The text has CREATE TABLE statements, but no table could be read from it as {dialect}."
                          + where, hint="Check the dialect (--dialect postgres|mysql|sqlite) and statement "
                          "delimiters: a MySQL `DELIMITER //` needs its `DELIMITER ;` after the routine.")
    return schema


class _Builder:
    def __init__(self, dialect: str) -> None:
        from sqlglot.dialects.dialect import Dialect

        self.dialect = dialect
        self.sqlglot = Dialect.get_or_raise(dialect)
        self.type_dialect = None if dialect == "sqlite" else dialect  # SQLite types are kept near to as written
        self.tables: dict[str, Table] = {}
        self.views: dict[str, View] = {}
        self.enums: dict[str, Enum] = {}
        self.domains: dict[str, Domain] = {}
        self.extensions: list[str] = []
        self.skipped: Counter = Counter()
        self.warnings: list[str] = []
        self.pending: list[tuple[Statement, Any]] = []  # ALTERs and indexes on tables defined later
        self.current_db: str | None = None  # MySQL `USE db`: names qualified with it are the file's own
        self.creating_in: str | None = None  # `CREATE SCHEMA s CREATE TABLE t …`: unqualified names are in s
        self.skipped_statements: list[tuple[int, str, str]] = []  # (line, what, why): nothing is dropped silently
        self.routines_skipped: dict[str, int] = {}  # CREATE FUNCTION / PROCEDURE left out: name → line
        self.triggers_skipped: list[SkippedTrigger] = []
        self.unmodelled: dict[str, int] = {}  # tables whose CREATE is reported as not modelled → its line
        self.unmodelled_lines: set[int] = set()  # statements on those tables, reported in finish

    # -- dispatch ------------------------------------------------------------------------------
    def add(self, st: Statement) -> None:
        words = [w for w in st.words(12)]
        if not words or words[0] in ("(", "/*") and len(words) == 1:
            return
        first = words[0]
        if first not in _STARTERS:
            raise DDLSyntaxError(f"{_shown(st)} is not a SQL statement", line=st.line, column=st.column,
                                 statement=st.sql, hint=_starter_hint(first))
        if first == "CREATE":
            rest = [w for w in words[1:] if w not in _TABLE_PREFIX]
            kind = rest[0] if rest else ""
            if kind == "SCHEMA" and self.dialect == "postgres":
                return self._create_schema(st)
            if kind not in _CREATE_KINDS:
                raise DDLSyntaxError(f"unknown statement CREATE {kind}", line=st.line, column=st.column,
                                     statement=st.sql, hint=_kind_hint(kind))
            if kind == "TABLE":
                return self._create_table(st)
            if kind == "VIRTUAL" and "TABLE" in words[:4]:
                return self._create_virtual_table(st)
            if kind in ("INDEX", "UNIQUE", "FULLTEXT", "SPATIAL"):
                return self._create_index(st)
            if kind in ("VIEW", "MATERIALIZED", "ALGORITHM", "DEFINER", "SQL", "RECURSIVE") and "VIEW" in words:
                return self._create_view(st)
            if kind == "TYPE" and "ENUM" in words:
                return self._create_enum(st)
            if kind == "DOMAIN":
                return self._create_domain(st)
            if kind == "EXTENSION" and self.dialect == "postgres":
                return self._create_extension(st)
            return self._skip(st, f"CREATE {kind}")
        if first == "ALTER" and len(words) > 1 and words[1] == "TABLE":
            return self._alter_table(st)
        if first == "COMMENT" and len(words) > 2 and words[2] in ("TABLE", "COLUMN"):
            return self._comment(st)
        if first == "USE" and self.dialect == "mysql" and len(st.words(3)) >= 2:
            self.current_db = st.sql.split()[1].strip("`;")
        if first == "SELECT":
            return self._skip(st, "SELECT", _select_why(st, self.dialect))
        label = first if first != "ALTER" or len(words) < 2 else f"ALTER {words[1]}"
        self._skip(st, label)

    def _skip(self, st: Statement, kind: str, why: str | None = None) -> None:
        self.skipped[kind] += 1
        if kind.startswith("CREATE "):  # code the model does not carry, named for what needs it (routines.needs)
            routine = routine_name(st.sql, self.dialect)
            trigger = trigger_of(st.sql, self.dialect, st.line) if routine is None else None
            if routine is not None:
                self.routines_skipped.setdefault(routine, st.line)
            elif trigger is not None:
                self.triggers_skipped.append(trigger)
        self.skipped_statements.append((st.line, kind, why or _WHY.get(kind.split()[0], _WHY.get(kind, "not part of "
                                                                                                  "the schema model"))))

    def _create_schema(self, st: Statement) -> None:
        """`CREATE SCHEMA s [AUTHORIZATION r] CREATE TABLE …  CREATE VIEW …  GRANT …`: each nested element is
        a statement of its own, creating its objects in s."""
        tokens = st.tokens
        cut = [i for i, t in enumerate(tokens) if i > 0 and t.text.upper() in ("CREATE", "GRANT") and
               _depth_at(tokens, i) == 0]
        if not cut:
            return self._skip(st, "CREATE SCHEMA", "a namespace: its tables carry it in their names")
        names = [t for t in tokens[2:cut[0]] if t.text.upper() not in ("IF", "NOT", "EXISTS", "AUTHORIZATION")]
        namespace = names[0].text.strip('"') if names else None
        if namespace and not names[0].text.startswith('"'):
            namespace = namespace.lower()
        previous, self.creating_in = self.creating_in, namespace
        try:
            for start, end in zip(cut, [*cut[1:], len(tokens)], strict=True):
                part = tokens[start:end]
                first = part[0]
                self.add(Statement(st.region[first.start:part[-1].end + 1], first.line + st.line_offset,
                                   start_column(first, st.region), part, st.region, st.line_offset))
        finally:
            self.creating_in = previous

    # -- parsing helpers -----------------------------------------------------------------------
    def _parse(self, st: Statement, *, strict: bool) -> Any:
        """The sqlglot expression of a statement (None when it cannot be read and not strict)."""
        from sqlglot.errors import ParseError

        if st.tokens and st.tokens[0].text.upper() in ("CREATE", "ALTER"):
            st = _readable(st, self.dialect)
        if self.dialect == "postgres" and any(t.text.upper() == "DATE_PART" for t in st.tokens):
            st = _kept_date_part(st)
        try:
            if st.tokens:
                parser = self.sqlglot.parser(error_level=_raise())
                return parser.parse(st.tokens, st.region)[0]
            import sqlglot

            return sqlglot.parse_one(st.sql, read=self.dialect)
        except ParseError as exc:
            if not strict:
                return None
            err = exc.errors[0] if exc.errors else {}
            line = (err.get("line") or 1) + (st.line_offset if st.tokens else st.line - 1)
            column, highlight = err.get("col"), err.get("highlight") or ""
            if column and highlight and "\n" not in highlight:
                column = max(1, column - len(highlight) + 1)  # sqlglot gives the column where the token ends
            message = _describe(err, str(exc))
            if st.tokens and column:
                message += _missing_comma(st.region, (err.get("line") or 1), column)
            raise DDLSyntaxError(message, line=line, column=column, statement=st.sql) from None

    def _name(self, node: Any) -> str:
        """An identifier as the database stores it: unquoted names fold to lower case in PostgreSQL."""
        if node is None:
            return ""
        name = node.name if hasattr(node, "name") else str(node)
        quoted = bool(getattr(node, "args", {}).get("quoted")) if hasattr(node, "args") else False
        if self.dialect == "postgres" and not quoted:
            return name.lower()
        return name

    def _table_key(self, table: Any) -> tuple[str, str | None]:
        name = self._name(table.this)
        namespace = self._name(table.args.get("db")) if table.args.get("db") else self.creating_in
        if namespace and namespace.lower() in ((T.DEFAULT_NAMESPACE.get(self.dialect) or ""),
                                               (self.current_db or "").lower()):
            namespace = None
        return name, namespace

    def _key(self, table: Any) -> str:
        name, namespace = self._table_key(table)
        return f"{namespace}.{name}" if namespace else name

    def _sql(self, node: Any, **options: Any) -> str:
        return _own_functions(node.sql(dialect=self.dialect, **options))

    def _type(self, kind: Any) -> str:
        if kind is None:
            return "TEXT" if self.dialect != "sqlite" else ""
        if not hasattr(kind.this, "name"):  # oid, regclass, regtype… (sqlglot's ObjectIdentifier)
            return kind.sql(dialect=self.type_dialect) if self.type_dialect else kind.sql()
        if kind.this.name == "USERDEFINED":
            text = self._sql(kind)
            if re.fullmatch(r'"[a-z_][a-z0-9_]*"', text):  # a type named like a keyword (cube), as it is spelled
                text = text[1:-1]
            default = T.DEFAULT_NAMESPACE.get(self.dialect)
            if default and text.lower().startswith(default + "."):
                text = T.canonical(text[len(default) + 1:], self.dialect)  # may be a built-in type after all
            return text
        return kind.sql(dialect=self.type_dialect) if self.type_dialect else T.neutral(kind)

    # -- CREATE TABLE --------------------------------------------------------------------------
    def _create_table(self, st: Statement) -> None:
        from sqlglot import exp

        self._check_commas(st)
        try:
            expr = self._parse(st, strict=True)
        except DDLSyntaxError as error:
            # valid SQL that sqlglot does not know yet is read piece by piece; a real error is raised
            self._add_table(self._lenient_table(st, error), st)
            return
        if isinstance(expr, exp.Command) or not isinstance(expr, exp.Create):
            self._add_table(self._lenient_table(st, None), st)
            return
        target = expr.this
        properties = expr.args.get("properties")
        if isinstance(target, exp.Table):  # no column list: PARTITION OF, AS SELECT, LIKE
            name, namespace = self._table_key(target)
            table = Table(name=name, namespace=namespace)
            parent = _find(properties, exp.PartitionedOfProperty)
            if parent is not None:
                table.partition_of = self._key(parent.this)
                bound = parent.args.get("expression")
                table.partition_bound = self._sql(bound) if bound is not None else None
            elif expr.expression is not None:  # CREATE TABLE … AS SELECT / AS VALUES / MySQL's CREATE TABLE … SELECT
                return self._not_modelled(st, table.key, "CREATE TABLE AS", f"table {table.key} is created from a "
                                          "query (AS SELECT): its columns and types are what the query returns, which "
                                          "the file alone does not say; declare them with CREATE TABLE to model it")
            elif _find(properties, exp.LikeProperty) is not None:  # MySQL's CREATE TABLE x LIKE y
                source = self._key(_find(properties, exp.LikeProperty).this)
                if not self._copy_like(table, source):
                    return self._not_modelled(st, table.key, "CREATE TABLE LIKE", f"table {table.key} is a copy of "
                                              f"{source}, which is not defined before it: not modelled")
            self._add_table(table, st)
            return
        name, namespace = self._table_key(target.this)
        table = Table(name=name, namespace=namespace)
        for element in target.expressions:
            self._table_element(table, element, st)
        if properties is not None:
            comment = _find(properties, exp.SchemaCommentProperty)
            if comment is not None:
                table.comment = comment.this.name
            parent = _find(properties, exp.PartitionedOfProperty)
            if parent is not None:
                table.partition_of = self._key(parent.this)
            by = _find(properties, exp.PartitionedByProperty)
            if by is not None and self.dialect == "postgres":
                table.partition_by = _partition_by(self._sql(by.this))
            inherits = _find(properties, exp.InheritsProperty)
            if inherits is not None:
                table.inherits = tuple(self._key(t) for t in inherits.expressions)
        self._add_table(table, st)

    def _not_modelled(self, st: Statement, key: str, kind: str, why: str) -> None:
        """A table statement the model cannot hold, reported at its line; later statements on the table are
        reported as referring to it (in finish), not modelled on a table without columns."""
        self._skip(st, kind, why)
        self.unmodelled[key.lower()] = st.line

    def _copy_like(self, table: Table, source_key: str) -> bool:
        """`CREATE TABLE x LIKE y`: MySQL/MariaDB copy y's columns, keys, indexes, checks and comment, not its
        foreign keys (the index InnoDB made for one stays, as an index of x)."""
        import copy

        source = self.tables.get(source_key) or self._lookup(source_key)
        if source is None:
            return False
        table.columns = {name: Column(**vars(c)) for name, c in source.columns.items()}
        table.primary_key, table.primary_key_name = source.primary_key, source.primary_key_name
        table.uniques = copy.deepcopy(source.uniques)
        table.indexes = copy.deepcopy(source.indexes)
        table.checks = copy.deepcopy(source.checks)
        table.comment = source.comment
        for fk in source.foreign_keys:
            wanted = tuple(c.lower() for c in fk.columns)
            starts = [tuple(c.lower() for c in table.primary_key)] + [
                tuple(c.lower() for c in i.columns) for i in table.indexes if not any(i.expressions)] + [
                tuple(c.lower() for c in u.columns) for u in table.uniques]
            if not any(k[:len(wanted)] == wanted for k in starts):
                table.indexes.append(Index(fk.name or fk.columns[0], tuple(fk.columns)))
        return True

    def _check_commas(self, st: Statement) -> None:
        """`a int,, b int` and `(, a int)`: sqlglot reads past these; a database does not."""
        depth = 0
        previous = comma = None
        for token in st.tokens:
            text = token.text
            if text == "(":
                depth += 1
            elif text == ")":
                if depth == 1 and previous == ",":  # the fault is the comma, not the bracket (often lines below)
                    raise DDLSyntaxError("a comma before ')' (a trailing comma in the column list): remove it",
                                         line=comma.line + st.line_offset, column=start_column(comma, st.region),
                                         statement=st.sql)
                depth -= 1
            elif text == "," and depth == 1 and previous in (",", "("):
                raise DDLSyntaxError("empty element in the column list (two commas in a row?)",
                                     line=token.line + st.line_offset, column=start_column(token, st.region),
                                     statement=st.sql)
            if text == ",":
                comma = token
            previous = text
        return None

    def _add_table(self, table: Table, st: Statement) -> None:
        words = st.words(5)
        if "TEMP" in words or "TEMPORARY" in words[:4]:
            table.temporary = True
        if self.dialect == "postgres" and table.primary_key:
            # PostgreSQL keeps one constraint where CREATE TABLE declares a UNIQUE on exactly the primary key's
            # columns: the primary key, named as it was, else as the unique was
            pk = tuple(c.lower() for c in table.primary_key)
            for u in [u for u in table.uniques if tuple(c.lower() for c in u.columns) == pk]:
                table.uniques.remove(u)
                table.primary_key_name = table.primary_key_name or u.name
        if table.key in self.tables:
            self.warnings.append(f"line {st.line}: table {table.key} is defined again; the later definition is kept")
        self.tables[table.key] = table

    def _table_element(self, table: Table, element: Any, st: Statement) -> None:
        from sqlglot import exp

        if isinstance(element, exp.ColumnDef):
            self._column(table, element)
        elif isinstance(element, exp.Constraint):
            name = self._name(element.this) if element.this else None
            for inner in element.expressions:
                self._constraint(table, inner, name)
        elif isinstance(element, exp.PrimaryKey | exp.ForeignKey | exp.UniqueColumnConstraint |
                        exp.CheckColumnConstraint | exp.IndexColumnConstraint):
            self._constraint(table, element, None)
        elif isinstance(element, exp.LikeProperty):
            self._like(table, element, st)
        else:
            self.warnings.append(f"line {st.line}: {table.key}: ignored {_short(self._sql(element))}")

    def _like(self, table: Table, element: Any, st: Statement) -> None:
        """PostgreSQL's `LIKE source [INCLUDING …]` in a column list: every column of source, its inherited ones
        too, with type and NOT NULL; defaults, identity, generation expressions, comments, CHECKs and indexes only
        where an INCLUDING asks for them (the server's rule)."""
        import copy

        key = self._key(element.this)
        source = self.tables.get(key) or self._lookup(key)
        if source is None:
            self.warnings.append(f"line {st.line}: {table.key}: LIKE {key}, a table not defined before it: "
                                 "its columns are not modelled")
            return
        options: set[str] = set()
        for option in element.expressions:
            what = option.args.get("value").name.upper() if option.args.get("value") is not None else ""
            kinds = {"DEFAULTS", "IDENTITY", "GENERATED", "COMMENTS", "CONSTRAINTS", "INDEXES"} \
                if what == "ALL" else {what}
            options = options | kinds if option.name.upper() == "INCLUDING" else options - kinds
        for col in self._columns_with_inherited(source).values():
            copied = Column(**vars(col))
            if "DEFAULTS" not in options:
                copied.default = None
                copied.generated = None if col.generated == SERIAL else copied.generated  # a serial is a default
            if "IDENTITY" not in options and col.generated in (IDENTITY_ALWAYS, IDENTITY_BY_DEFAULT):
                copied.generated = None
            if "GENERATED" not in options:
                copied.computed = None
            if "COMMENTS" not in options:
                copied.comment = None
            table.columns[col.name] = copied
        if "CONSTRAINTS" in options:
            table.checks.extend(copy.deepcopy(source.checks))
        if "INDEXES" in options:
            if source.primary_key and not table.primary_key:
                table.primary_key = source.primary_key
            table.uniques.extend(copy.deepcopy(u) for u in source.uniques)
            table.indexes.extend(copy.deepcopy(i) for i in source.indexes if not i.implicit)

    def _columns_with_inherited(self, table: Table, seen: frozenset[str] = frozenset()) -> dict[str, Column]:
        """A table's columns as PostgreSQL has them: its parents' (INHERITS, in order, theirs first) then its own."""
        merged: dict[str, Column] = {}
        for parent_key in table.inherits:
            parent = self.tables.get(parent_key) or self._lookup(parent_key)
            if parent is None or parent.key.lower() in seen:
                continue
            for name, column in self._columns_with_inherited(parent, seen | {table.key.lower()}).items():
                merged.setdefault(name, column)
        merged.update(table.columns)  # a column the table declares again keeps its place, with its own definition
        return merged

    def _column(self, table: Table, cdef: Any) -> None:
        from sqlglot import exp

        name = self._name(cdef.this)
        kind = cdef.args.get("kind")
        column = Column(name=name, type=self._type(kind))
        serial = getattr(getattr(kind, "this", None), "name", None)
        if serial in ("SERIAL", "BIGSERIAL", "SMALLSERIAL"):
            column.type = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}[serial]
            column.generated = SERIAL
            column.nullable = False
        for constraint in cdef.constraints:
            c = constraint.args.get("kind")
            cname = self._name(constraint.this) if constraint.this else None
            if isinstance(c, exp.NotNullColumnConstraint):
                column.nullable = bool(c.args.get("allow_null"))
            elif isinstance(c, exp.PrimaryKeyColumnConstraint):
                table.primary_key = (name,)
                table.primary_key_name = cname
                column.nullable = False
            elif isinstance(c, exp.DefaultColumnConstraint):
                self._default(column, c.this)
            elif isinstance(c, exp.AutoIncrementColumnConstraint):
                column.generated = AUTO_INCREMENT
            elif isinstance(c, exp.GeneratedAsIdentityColumnConstraint):
                if c.args.get("expression") is not None:  # GENERATED ALWAYS AS (expr) in some dialects
                    column.computed = self._sql(c.args["expression"])
                else:
                    column.generated = IDENTITY_ALWAYS if c.args.get("this") else IDENTITY_BY_DEFAULT
                    column.nullable = False
            elif isinstance(c, exp.ComputedColumnConstraint):
                column.computed = self._sql(c.this)
            elif isinstance(c, exp.UniqueColumnConstraint):
                table.uniques.append(UniqueConstraint((name,), cname))
            elif isinstance(c, exp.CheckColumnConstraint):
                table.checks.append(CheckConstraint(self._sql(c.this), cname, name))
            elif isinstance(c, exp.Reference):
                table.foreign_keys.append(self._reference(c, (name,), cname))
            elif isinstance(c, exp.CommentColumnConstraint):
                column.comment = c.this.name
            elif isinstance(c, exp.OnUpdateColumnConstraint):
                column.on_update = canonical_default(self._sql(c.this), column.type, self.dialect)
        table.columns[name] = column

    def _default(self, column: Column, value: Any) -> None:
        from sqlglot import exp

        if isinstance(value, exp.Anonymous) and value.name.lower() == "nextval":
            column.generated = SERIAL
            column.default = None
            return
        value = strip_literal_casts(value)
        if isinstance(value, exp.Null):
            column.default = None  # DEFAULT NULL is what a nullable column has anyway
            return
        column.default = canonical_default(self._sql(value), column.type, self.dialect)

    def _reference(self, ref: Any, columns: tuple[str, ...], name: str | None) -> ForeignKey:
        target = ref.this
        ref_columns = tuple(self._name(e) for e in target.expressions) if hasattr(target, "expressions") else ()
        table_node = target.this if hasattr(target, "this") and target.this is not None else target
        fk = ForeignKey(columns=columns, ref_table=self._key(table_node), ref_columns=ref_columns, name=name)
        for option in ref.args.get("options") or []:
            text = option if isinstance(option, str) else str(option)
            text = " ".join(text.upper().split())
            if text.startswith("ON DELETE "):
                fk.on_delete = fk_action(text[len("ON DELETE "):], self.dialect)
            elif text.startswith("ON UPDATE "):
                fk.on_update = fk_action(text[len("ON UPDATE "):], self.dialect)
        return fk

    def _constraint(self, table: Table, c: Any, name: str | None) -> None:
        from sqlglot import exp

        if isinstance(c, exp.PrimaryKey):
            table.primary_key = tuple(self._name(e.this if isinstance(e, exp.Ordered) else e) for e in c.expressions)
            table.primary_key_name = name
            for col in table.primary_key:
                if (column := table.column(col)) is not None:
                    column.nullable = False
        elif isinstance(c, exp.ForeignKey):
            columns = tuple(self._name(e) for e in c.expressions)
            table.foreign_keys.append(self._reference(c.args["reference"], columns, name))
        elif isinstance(c, exp.UniqueColumnConstraint):
            schema = c.this
            parts, flags, lengths, desc = self._index_parts(schema.expressions if schema is not None else [])
            own = self._name(schema.this) if schema is not None and schema.this is not None else None
            if any(lengths) or any(flags) or any(desc):  # MySQL `UNIQUE KEY u (name(10))`: a unique index
                table.indexes.append(Index(name or own, parts, True, expressions=flags if any(flags) else (),
                                           lengths=lengths if any(lengths) else (),
                                           descending=desc if any(desc) else ()))
            else:
                table.uniques.append(UniqueConstraint(parts, name or own))
        elif isinstance(c, exp.CheckColumnConstraint):
            table.checks.append(CheckConstraint(self._sql(c.this), name))
        elif isinstance(c, exp.IndexColumnConstraint):  # MySQL: KEY idx (cols) inside CREATE TABLE
            parts, flags, lengths, desc = self._index_parts(c.expressions)
            kind = (c.args.get("kind") or "").upper() if isinstance(c.args.get("kind"), str) else ""
            index = Index(name=self._name(c.this) if c.this else None, columns=parts, method=kind.lower() or None,
                          expressions=flags if any(flags) else (), lengths=lengths if any(lengths) else (),
                          descending=desc if any(desc) else ())
            table.indexes.append(index)
        else:
            self.warnings.append(f"{table.key}: ignored constraint {_short(self._sql(c))}")

    def _create_virtual_table(self, st: Statement) -> None:
        """SQLite `CREATE VIRTUAL TABLE t USING fts4(a, b)`: a table whose columns are the module's arguments."""
        from sqlglot import exp

        match = re.search(r"VIRTUAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([`\"\w.]+)\s+USING\s+(\w+)\s*(?:\((.*)\))?\s*$",
                          st.sql, re.IGNORECASE | re.DOTALL)
        if match is None:
            raise DDLSyntaxError("cannot read this CREATE VIRTUAL TABLE", line=st.line, column=st.column,
                                 statement=st.sql)
        name, namespace = self._table_key(exp.to_table(match.group(1), dialect=self.dialect))
        table = Table(name=name, namespace=namespace, using=match.group(2).lower())
        for arg in (match.group(3) or "").split(","):
            word = arg.strip().split()[0].strip('`"') if arg.strip() else ""
            if word and "=" not in arg:
                table.columns[word] = Column(word, "")
        self._add_table(table, st)

    # -- lenient table reading -----------------------------------------------------------------
    def _lenient_table(self, st: Statement, error: DDLSyntaxError | None) -> Table:
        """Read a CREATE TABLE element by element; raise the syntax error when even that fails."""
        import sqlglot
        from sqlglot import exp

        open_i = next((i for i, t in enumerate(st.tokens) if t.text == "("), None)
        if open_i is None or not st.tokens:
            raise error or DDLSyntaxError("cannot read this CREATE TABLE statement", line=st.line,
                                          column=st.column, statement=st.sql)
        head = st.region[st.tokens[0].start:st.tokens[open_i].start]
        match = re.search(r"TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(.+?)\s*$", head, re.IGNORECASE | re.DOTALL)
        if match is None:
            raise error or DDLSyntaxError("no table name", line=st.line, column=st.column, statement=st.sql)
        try:
            table_node = exp.to_table(match.group(1).strip(), dialect=self.dialect)
        except Exception:  # noqa: BLE001 - any failure means the name itself is unreadable
            raise error or DDLSyntaxError(f"cannot read the table name {match.group(1).strip()!r}",
                                          line=st.line, column=st.column, statement=st.sql) from None
        name, namespace = self._table_key(table_node)
        table = Table(name=name, namespace=namespace)
        depth, start, elements = 0, open_i + 1, []
        close_i = None
        for i in range(open_i, len(st.tokens)):
            text = st.tokens[i].text
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    elements.append((start, i))
                    close_i = i
                    break
            elif text == "," and depth == 1:
                elements.append((start, i))
                start = i + 1
        if close_i is None:
            tok, what = _unclosed_bracket(st.tokens, open_i)
            raise DDLSyntaxError(what, line=tok.line + st.line_offset, column=start_column(tok, st.region),
                                 statement=st.sql)
        for a, b in elements:
            if a >= b:
                tok = st.tokens[min(a, len(st.tokens) - 1)]
                raise DDLSyntaxError("empty element in the column list (two commas in a row?)",
                                     line=tok.line + st.line_offset, column=start_column(tok, st.region),
                                     statement=st.sql)
            piece_tokens = st.tokens[a:b]
            kept = len(piece_tokens)
            parsed = None
            while kept >= 1:
                text = st.region[piece_tokens[0].start:piece_tokens[kept - 1].end + 1]
                try:
                    candidate = sqlglot.parse_one(f"CREATE TABLE _t ({text})", read=self.dialect)
                except Exception:  # noqa: BLE001 - keep shortening until sqlglot can read it
                    candidate = None
                if isinstance(candidate, exp.Create) and isinstance(candidate.this, exp.Schema) \
                        and candidate.this.expressions:
                    parsed = candidate.this.expressions[0]
                    break
                kept -= 1
                if kept < 2 and piece_tokens[0].text.upper() not in ("PRIMARY", "UNIQUE", "CONSTRAINT",
                                                                      "FOREIGN", "CHECK", "KEY", "INDEX"):
                    break
            first = piece_tokens[0]
            if parsed is None:
                raise error or DDLSyntaxError(f"cannot read {_short(st.region[first.start:piece_tokens[-1].end + 1])!r}",
                                              line=first.line + st.line_offset,
                                              column=start_column(first, st.region), statement=st.sql)
            if kept < len(piece_tokens):
                dropped = st.region[piece_tokens[kept].start:piece_tokens[-1].end + 1]
                if not self._droppable(dropped, piece_tokens[kept:]):
                    tok = piece_tokens[kept]
                    raise error or DDLSyntaxError(f"cannot read {_short(dropped)!r}", line=tok.line + st.line_offset,
                                                  column=start_column(tok, st.region), statement=st.sql)
                self.warnings.append(f"line {first.line + st.line_offset}: {table.key}: "
                                     f"{_short(dropped)!r} not understood; kept {_short(text)!r}")
            self._table_element(table, parsed, st)
        tail = st.region[st.tokens[close_i].end + 1: st.tokens[-1].end + 1].strip()
        if tail and re.search(r"PARTITION\s+OF", head, re.IGNORECASE) is None and tail:
            pass  # storage clauses (PARTITION BY, WITH, ENGINE=…) do not change the model
        return table

    def _droppable(self, text: str, tokens: list[Any]) -> bool:
        """May this tail of a column definition be left out? Only valid clauses the model does not need."""
        if _KNOWN_CLAUSES.match(text.strip()):
            return True
        # SQLite takes any sequence of words as a type name (`BLOB SUB_TYPE TEXT`)
        return self.dialect == "sqlite" and all(t.text.replace("_", "").isalnum() for t in tokens[:3])

    # -- other statements ----------------------------------------------------------------------
    def _create_index(self, st: Statement) -> None:
        from sqlglot import exp

        words = st.words(3)
        special = words[1].lower() if len(words) > 1 and words[1] in ("FULLTEXT", "SPATIAL") else None
        if special and st.tokens:
            st = Statement(st.sql, st.line, st.column, st.tokens[:1] + st.tokens[2:], st.region, st.line_offset)
        expr = self._parse(st, strict=False)
        if expr is None or isinstance(expr, exp.Command):
            repaired = _repaired_index(st)
            expr = self._parse(repaired, strict=False) if repaired is not None else None
            if isinstance(expr, exp.Create):
                self.warnings.append(f"line {st.line}: {_short(st.sql, 60)!r}: ON ONLY / NULLS NOT DISTINCT "
                                     "not modelled; the index is kept without them")
        if not isinstance(expr, exp.Create) or not isinstance(expr.this, exp.Index):
            self.warnings.append(f"line {st.line}: could not read {_short(st.sql)!r}; index skipped")
            self.skipped["CREATE INDEX (unreadable)"] += 1
            return
        node = expr.this
        params = node.args.get("params")
        parts, flags, lengths, desc = self._index_parts((params.args.get("columns") if params is not None else None)
                                                        or [])
        where = params.args.get("where") if params is not None else None
        include = tuple(self._name(c.this if isinstance(c, exp.Column) else c)
                        for c in ((params.args.get("include") if params is not None else None) or []))
        using = params.args.get("using") if params is not None else None
        index = Index(name=self._name(node.this) if node.this else None, columns=tuple(parts),
                      unique=bool(expr.args.get("unique")),
                      where=self._sql(where.this.unnest() if isinstance(where.this, exp.Paren) else where.this)
                      if where is not None else None,
                      method=(using.name.lower() if using is not None else None),
                      expressions=flags if any(flags) else (), lengths=lengths if any(lengths) else (),
                      descending=desc if any(desc) else (), include=include)
        if special:
            index.method = special
        if index.method == "btree":
            index.method = None  # the default everywhere: leave it out so dialects compare equal
        key = self._key(node.args["table"])
        self._attach(key, st, lambda table: table.indexes.append(index))

    def _index_parts(self, items) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[int | None, ...], tuple[bool, ...]]:
        """An index's parts: names or expressions (`operand opclass` for PostgreSQL operator classes), which are
        expressions, MySQL prefix lengths (`name(20)`), and which are DESC."""
        from sqlglot import exp

        parts, flags, lengths, desc = [], [], [], []
        for col in items:
            descending = isinstance(col, exp.Ordered) and bool(col.args.get("desc"))
            inner = col.this if isinstance(col, exp.Ordered) else col
            while isinstance(inner, exp.Paren):
                inner = inner.this
            length = None
            if isinstance(inner, exp.ColumnPrefix) or (
                    self.dialect == "mysql" and isinstance(inner, exp.Anonymous) and len(inner.expressions) == 1
                    and isinstance(inner.expressions[0], exp.Literal) and not inner.expressions[0].is_string):
                # MySQL `name(20)`: the column's first 20 characters (CREATE INDEX reads it as a call)
                number = inner.expression if isinstance(inner, exp.ColumnPrefix) else inner.expressions[0]
                length = int(number.this)
                inner = exp.column(inner.this.copy() if isinstance(inner.this, exp.Identifier) else inner.this)
            if isinstance(inner, exp.Opclass):  # `address inet_ops`: the operand and its operator class
                operand = inner.this.unnest() if isinstance(inner.this, exp.Paren) else inner.this
                text = self._name(operand.this) if isinstance(operand, exp.Column) else f"({self._sql(operand)})"
                parts.append(f"{text} {inner.expression.name}")
                flags.append(True)
            elif isinstance(inner, exp.Column | exp.Identifier):
                parts.append(self._name(inner.this if isinstance(inner, exp.Column) else inner))
                flags.append(False)
            else:
                parts.append(self._sql(inner))
                flags.append(True)
            lengths.append(length)
            desc.append(descending)
        return tuple(parts), tuple(flags), tuple(lengths), tuple(desc)

    def _attach(self, key: str, st: Statement, apply) -> None:
        table = self.tables.get(key) or self._lookup(key)
        if table is None:
            self.pending.append((st, (key, apply)))
        else:
            apply(table)

    def _lookup(self, key: str) -> Table | None:
        lower = key.lower()
        return next((t for k, t in self.tables.items() if k.lower() == lower), None)

    def _alter_table(self, st: Statement) -> None:
        from sqlglot import exp

        words = st.words(40)
        adds = {words[i + 1] for i in range(len(words) - 1) if words[i] == "ADD"}
        if self.dialect == "sqlite" and adds & {"CONSTRAINT", "CHECK", "PRIMARY", "UNIQUE", "FOREIGN"}:
            return self._skip(st, "ALTER TABLE (other)", "SQLite cannot add a constraint to a table (its ALTER TABLE "
                              "adds columns only): the statement fails there; declare it in CREATE TABLE")
        expr = self._parse(st, strict=False)
        if not isinstance(expr, exp.Alter) and "CHECK" in adds and st.tokens:
            expr = self._parse(_named_checks(st), strict=False)  # sqlglot reads only a named ADD CHECK
        if not isinstance(expr, exp.Alter):
            identity = _ADD_IDENTITY.search(st.sql)
            if identity:  # pg_dump: ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (…)
                table_node = exp.to_table(identity.group(1), dialect=self.dialect)
                column_name = self._name(exp.to_identifier(identity.group(2).strip('"'),
                                                           quoted=identity.group(2).startswith('"')))
                kind = IDENTITY_ALWAYS if identity.group(3).upper() == "ALWAYS" else IDENTITY_BY_DEFAULT

                def set_identity(t, c=column_name, k=kind):
                    column = t.column(c)
                    if column is not None:
                        column.generated = k
                        column.nullable = False

                self._attach(self._key(table_node), st, set_identity)
                return
            attach = _ATTACH_PARTITION.search(st.sql) if self.dialect == "postgres" else None
            if attach:  # pg_dump: ALTER TABLE ONLY parent ATTACH PARTITION child FOR VALUES …
                parent = self._key(exp.to_table(attach.group(1), dialect=self.dialect))
                bound = " ".join(attach.group(3).split())
                bound = "DEFAULT" if bound.upper() == "DEFAULT" else re.sub(r"(?i)^FOR\s+VALUES\s+", "", bound)

                def set_partition(t, p=parent, b=bound):
                    t.partition_of, t.partition_bound = p, b

                self._attach(self._key(exp.to_table(attach.group(2), dialect=self.dialect)), st, set_partition)
                return
            self._skip(st, "ALTER TABLE (other)")
            return
        key = self._key(expr.this)
        used = False
        if (self.tables.get(key) or self._lookup(key)) is None and any(
                isinstance(a, exp.Drop | exp.RenameColumn | exp.AlterRename | exp.ModifyColumn)
                for a in expr.args.get("actions") or []):
            # pg_dump --clean drops constraints of tables that do not exist yet: the database does nothing
            return self._skip(st, "ALTER TABLE (other)", f"{key} does not exist at this point: nothing to change")
        for action in expr.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for constraint in action.expressions:
                    if isinstance(constraint, exp.Constraint):
                        name = self._name(constraint.this) if constraint.this else None
                        if name and name.startswith(_UNNAMED):
                            name = None  # the server names it (t_qty_check, t_chk_1)
                        for inner in constraint.expressions:
                            self._attach(key, st, lambda t, c=inner, n=name: self._constraint(t, c, n))
                    else:
                        self._attach(key, st, lambda t, c=constraint: self._constraint(t, c, None))
                    used = True
            elif isinstance(action, exp.AlterColumn) and action.args.get("default") is not None:
                column_name = self._name(action.this)
                default = action.args["default"]

                def set_default(t, c=column_name, d=default):
                    column = t.column(c)
                    if column is not None:
                        self._default(column, d)

                self._attach(key, st, set_default)
                used = True
            elif isinstance(action, exp.AlterColumn) and action.args.get("allow_null") is not None:
                column_name, allow = self._name(action.this), bool(action.args["allow_null"])

                def set_null(t, c=column_name, a=allow):
                    column = t.column(c)
                    if column is not None:
                        column.nullable = a

                self._attach(key, st, set_null)
                used = True
            elif isinstance(action, exp.ColumnDef):
                self._attach(key, st, lambda t, d=action: self._column(t, d))
                used = True
            elif isinstance(action, exp.ModifyColumn):  # MySQL MODIFY / CHANGE: the column defined anew
                old = self._name(action.args["rename_from"]) if action.args.get("rename_from") else None
                self._attach(key, st, lambda t, d=action.this, o=old: self._redefine(t, d, o))
                used = True
            elif isinstance(action, exp.AlterColumn) and action.args.get("dtype") is not None:
                column_name, dtype = self._name(action.this), action.args["dtype"]

                def set_type(t, c=column_name, k=dtype):
                    column = t.column(c)
                    if column is not None:
                        column.type = self._type(k)

                self._attach(key, st, set_type)
                used = True
            elif isinstance(action, exp.AlterColumn) and action.args.get("drop"):
                self._attach(key, st, lambda t, c=self._name(action.this): setattr(t.column(c), "default", None)
                             if t.column(c) is not None else None)
                used = True
            elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() in ("COLUMN", ""):
                for target in action.args.get("tables") or [action.this]:
                    name = self._name(target.this if isinstance(target, exp.Table | exp.Column) else target)
                    self._attach(key, st, lambda t, c=name: _drop_column(t, c))
                used = True
            elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() in ("CONSTRAINT", "INDEX",
                                                                                               "KEY", "CHECK",
                                                                                               "FOREIGN KEY"):
                for target in action.args.get("tables") or []:
                    name = self._name(target.this if isinstance(target, exp.Table) else target)
                    self._attach(key, st, lambda t, c=name: _drop_named(t, c))
                used = True
            elif isinstance(action, exp.RenameColumn):
                old, new = self._name(action.this.this), self._name(action.args["to"].this)
                self._attach(key, st, lambda t, a=old, b=new: _rename_column(t, a, b))
                used = True
            elif isinstance(action, exp.AlterRename):
                new_name, _ = self._table_key(action.this)
                self._attach(key, st, lambda t, n=new_name: self._rename_table(t, n))
                used = True
            else:
                self.skipped_statements.append((st.line, f"ALTER TABLE {key} {type(action).__name__}",
                                                f"not modelled: {_short(self._sql(action), 60)}"))
        if not used:
            self._skip(st, "ALTER TABLE (other)")

    def _redefine(self, table: Table, cdef: Any, old: str | None) -> None:
        """MySQL's MODIFY (same name) and CHANGE (old name → new): the column's new definition, in its place."""
        name = old or self._name(cdef.this)
        columns = list(table.columns.items())
        scratch = Table(name=table.name)
        self._column(scratch, cdef)
        new = next(iter(scratch.columns.values()))
        table.columns = {(new.name if n.lower() == name.lower() else n): (new if n.lower() == name.lower() else c)
                         for n, c in columns}
        if old and old.lower() != new.name.lower():
            _rename_column(table, old, new.name, columns_done=True)

    def _rename_table(self, table: Table, new_name: str) -> None:
        old_key = table.key
        del self.tables[old_key]
        table.name = new_name
        self.tables[table.key] = table
        for other in self.tables.values():
            for fk in other.foreign_keys:
                if fk.ref_table == old_key:
                    fk.ref_table = table.key

    def _comment(self, st: Statement) -> None:
        from sqlglot import exp

        expr = self._parse(st, strict=False)
        if not isinstance(expr, exp.Comment):
            self._skip(st, "COMMENT")
            return
        text = expr.expression.name if expr.expression is not None else None
        target = expr.this
        if (expr.args.get("kind") or "").upper() == "TABLE":
            key = self._key(target)
            if key in self.views or self._lookup(key) is None and key in self.views:
                return
            self._attach(key, st, lambda t: setattr(t, "comment", text))
        else:
            column_name = self._name(target.this)
            table_node = exp.Table(this=target.args.get("table"), db=target.args.get("db"))
            key = self._key(table_node)
            if key in self.views:
                return

            def set_comment(t, c=column_name):
                column = t.column(c)
                if column is not None:
                    column.comment = text

            self._attach(key, st, set_comment)

    def _create_enum(self, st: Statement) -> None:
        from sqlglot import exp

        expr = self._parse(st, strict=False)
        if not isinstance(expr, exp.Create) or not isinstance(expr.expression, exp.DataType):
            self._skip(st, "CREATE TYPE")
            return
        name, namespace = self._table_key(expr.this)
        values = tuple(e.name for e in expr.expression.expressions)
        enum = Enum(name, values, namespace)
        self.enums[enum.key] = enum

    def _own_names(self, query: Any) -> Any:
        """A query with the file's own database qualifier (`USE sakila` … `sakila.actor`) removed; inside
        `CREATE SCHEMA s …`, unqualified tables of s named with it (PostgreSQL looks in s first there)."""
        from sqlglot import exp

        if not self.current_db and not self.creating_in:
            return query
        ctes = {c.alias_or_name.lower() for c in query.find_all(exp.CTE)}
        for node in list(query.find_all(exp.Table)):
            db = node.args.get("db")
            if self.current_db and db is not None and db.name.lower() == self.current_db.lower():
                node.set("db", None)
            elif self.creating_in and db is None and node.name and node.name.lower() not in ctes and \
                    f"{self.creating_in}.{node.name}".lower() in {k.lower() for k in self.tables}:
                node.set("db", exp.to_identifier(self.creating_in))
        return query

    def _create_domain(self, st: Statement) -> None:
        """`CREATE DOMAIN year AS integer CONSTRAINT c CHECK (VALUE >= 1901)`: kept as a named base type."""
        from sqlglot import exp

        match = re.search(r"DOMAIN\s+([`\"\w.]+)\s+(?:AS\s+)?(.+?)(?:\s+(?:CONSTRAINT\s+\S+\s+)?CHECK\s*\((.*)\))?"
                          r"(?:\s+(?:NOT\s+NULL|NULL|DEFAULT\s+.*))?\s*$", st.sql, re.IGNORECASE | re.DOTALL)
        if match is None:
            self._skip(st, "CREATE DOMAIN")
            return
        name, namespace = self._table_key(exp.to_table(match.group(1), dialect=self.dialect))
        check = match.group(3)
        domain = Domain(name, T.canonical(match.group(2).strip(), self.dialect),
                        " ".join(check.split()) if check else None, namespace)
        self.domains[domain.key] = domain

    def _create_extension(self, st: Statement) -> None:
        match = re.search(r"EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?([\w-]+)\"?", st.sql, re.IGNORECASE)
        if match and match.group(1) not in self.extensions:
            self.extensions.append(match.group(1))

    def _create_view(self, st: Statement) -> None:
        from sqlglot import exp

        expr = self._parse(st, strict=False)
        materialized = "MATERIALIZED" in st.words(6)
        if isinstance(expr, exp.Create) and isinstance(expr.this, exp.Table | exp.Schema):
            target = expr.this.this if isinstance(expr.this, exp.Schema) else expr.this
            name, namespace = self._table_key(target)
            columns: tuple[str, ...] = ()
            if isinstance(expr.this, exp.Schema) and expr.this.expressions:
                columns = tuple(self._name(e) for e in expr.this.expressions)
            elif expr.expression is not None and hasattr(expr.expression, "selects"):
                columns = tuple(p.alias_or_name for p in expr.expression.selects if p.alias_or_name != "*")
            body = self._own_names(expr.expression) if expr.expression is not None else None
            # comments are not the view's meaning (and not kept where they stand by a round trip)
            view = View(name, namespace, columns, self._sql(body, comments=False) if body is not None else None,
                        materialized)
        else:
            match = re.search(r"VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([`\"\w.]+)(?:\s*\(([^)]*)\))?\s+AS\s+(.*)$", st.sql,
                              re.IGNORECASE | re.DOTALL)
            if match is None:
                self.warnings.append(f"line {st.line}: could not read a view definition; skipped")
                self.skipped["CREATE VIEW (unreadable)"] += 1
                return
            name_node = exp.to_table(match.group(1), dialect=self.dialect)
            name, namespace = self._table_key(name_node)
            columns = tuple(c.strip().strip('`"') for c in match.group(2).split(",")) if match.group(2) else ()
            body, parsed_columns = _select_body(match.group(3), self.dialect, self._own_names)
            view = View(name, namespace, columns or parsed_columns, body, materialized)
        self.views[view.key] = view

    # -- the end -------------------------------------------------------------------------------
    def finish(self) -> Schema:
        for st, (key, apply) in self.pending:
            table = self.tables.get(key) or self._lookup(key)
            if table is None:
                if key in self.views or self._view_lookup(key):
                    continue  # pg_dump writes comments and defaults on views too
                if key.lower() in self.unmodelled:
                    self.skipped_statements.append((st.line, " ".join(st.words(3)), f"a change to {key}, whose "
                                                    f"CREATE TABLE at line {self.unmodelled[key.lower()]} is not "
                                                    "modelled"))
                    self.unmodelled_lines.add(st.line)
                    continue
                self.warnings.append(f"line {st.line}: {_short(st.sql)!r} refers to an unknown table {key}")
                continue
            apply(table)
        self._inherit_columns()
        self._partition_columns()
        self._resolve_references()
        self._resolve_column_names()
        self._dedupe()
        self._implicit_indexes()
        self._partition_indexes()
        self._mariadb_json()
        if self.skipped:
            total = sum(self.skipped.values())
            kinds = ", ".join(f"{k} ×{n}" for k, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])))
            self.warnings.insert(0, f"skipped {total} statement{'s' if total != 1 else ''} the model does not use: {kinds}")
        schema = Schema(list(self.tables.values()), dialect=self.dialect, views=list(self.views.values()),
                        enums=list(self.enums.values()), domains=list(self.domains.values()),
                        extensions=self.extensions, warnings=self.warnings, skipped=self.skipped)
        schema.statements_skipped = sorted(self.skipped_statements)
        schema.routines_skipped = dict(self.routines_skipped)
        schema.triggers_skipped = list(self.triggers_skipped)
        return schema

    def _partition_columns(self) -> None:
        """A partition (`PARTITION OF parent`) has its parent's columns, as PostgreSQL gives it."""
        for table in self.tables.values():
            if not table.partition_of or table.columns:
                continue
            parent = self.tables.get(table.partition_of) or self._lookup(table.partition_of)
            if parent is None:
                continue
            if parent.partition_of and not parent.columns:  # a partition of a partition: the root's columns
                self._partition_columns()
            table.partition_of = parent.key
            table.columns = {name: Column(**vars(c)) for name, c in parent.columns.items()}

    def _resolve_column_names(self) -> None:
        """Keys and indexes name columns as the table spells them (`PRIMARY KEY (ID)` on a column `id`, where
        the dialect compares names without case): emitted for another dialect, the names must match exactly."""
        for table in self.tables.values():
            def real(name: str, t: Table = table) -> str:
                column = t.column(name)
                return column.name if column is not None else name

            table.primary_key = tuple(real(c) for c in table.primary_key)
            for fk in table.foreign_keys:
                fk.columns = tuple(real(c) for c in fk.columns)
                target = self.tables.get(fk.ref_table)
                if target is not None:
                    fk.ref_columns = tuple(real(c, target) for c in fk.ref_columns)
            for unique in table.uniques:
                unique.columns = tuple(real(c) for c in unique.columns)
            for index in table.indexes:
                index.columns = tuple(c if index.is_expression(i) else real(c) for i, c in enumerate(index.columns))

    def _mariadb_json(self) -> None:
        """MariaDB's JSON is LONGTEXT with `CHECK (json_valid(col))`, and SHOW CREATE TABLE says so: it is JSON."""
        if self.dialect != "mysql":
            return
        for table in self.tables.values():
            for check in list(table.checks):
                match = re.fullmatch(r"(?i)json_valid\(\s*`?(\w+)`?\s*\)", check.expression.strip())
                column = table.column(match.group(1)) if match and check.name in (None, match.group(1)) else None
                if column is not None and column.type.upper() == "LONGTEXT":
                    column.type = "JSON"
                    table.checks.remove(check)

    def _partition_indexes(self) -> None:
        """An index on a partitioned table is made on each of its partitions too (PostgreSQL does it)."""
        if self.dialect != "postgres":
            return
        for table in self.tables.values():
            parent = self.tables.get(table.partition_of) if table.partition_of else None
            if parent is None:
                continue
            def signature(i):
                return tuple(c.lower() for c in i.columns), i.unique, i.where, i.method

            own = {signature(i) for i in table.indexes}
            for index in parent.indexes:
                if signature(index) not in own:
                    table.indexes.append(Index(None, index.columns, index.unique, index.where, index.method,
                                               index.expressions, index.opclasses, index.lengths, index.descending,
                                               implicit=True))

    def _implicit_indexes(self) -> None:
        """InnoDB indexes every foreign key: where no index starts with its columns, MySQL/MariaDB make one
        (named after the constraint, else after its first column). The model has it, as the server does."""
        if self.dialect != "mysql":
            return
        for table in self.tables.values():
            for fk in table.foreign_keys:
                wanted = tuple(c.lower() for c in fk.columns)
                starts = [tuple(c.lower() for c in table.primary_key)] + [
                    tuple(c.lower() for c in i.columns) for i in table.indexes if not any(i.expressions)] + [
                    tuple(c.lower() for c in u.columns) for u in table.uniques]
                if any(k[:len(wanted)] == wanted for k in starts):
                    continue
                table.indexes.append(Index(fk.name or fk.columns[0], tuple(fk.columns), implicit=True))

    def _inherit_columns(self) -> None:
        """A table that INHERITS has its parents' columns first (as PostgreSQL shows them)."""
        for table in self.tables.values():
            if not table.inherits:
                continue
            merged: dict[str, Column] = {}
            for parent_key in table.inherits:
                parent = self.tables.get(parent_key) or self._lookup(parent_key)
                if parent is None:
                    self.warnings.append(f"{table.key} inherits from unknown table {parent_key}")
                    continue
                table.inherits = tuple(parent.key if k == parent_key else k for k in table.inherits)
                for name, column in parent.columns.items():
                    if name not in table.columns and name not in merged:
                        merged[name] = Column(**vars(column))
            if merged:
                table.columns = {**merged, **table.columns}

    def _view_lookup(self, key: str) -> bool:
        lower = key.lower()
        return any(k.lower() == lower for k in self.views)

    def _resolve_references(self) -> None:
        for table in self.tables.values():
            for fk in table.foreign_keys:
                target = self.tables.get(fk.ref_table) or self._lookup(fk.ref_table)
                if target is None:
                    bare = fk.ref_table.rsplit(".", 1)[-1].lower()
                    matches = [t for t in self.tables.values() if t.name.lower() == bare]
                    target = matches[0] if len(matches) == 1 else None
                if target is None:
                    self.warnings.append(f"{table.key}: foreign key to unknown table {fk.ref_table}")
                    continue
                fk.ref_table = target.key
                if not fk.ref_columns and target.primary_key:
                    fk.ref_columns = target.primary_key  # REFERENCES t means its primary key
                fk.ref_columns = tuple((target.column(c).name if target.column(c) else c) for c in fk.ref_columns)

    def _dedupe(self) -> None:
        # an inline UNIQUE and a separate unique constraint on the same columns, with the same name or none,
        # are one constraint (one identical to the primary key is a constraint of its own, and is kept)
        for table in self.tables.values():
            seen: dict[tuple[str, ...], UniqueConstraint] = {}
            uniques = []
            for u in table.uniques:
                key = tuple(c.lower() for c in u.columns)
                if key in seen and (u.name is None or seen[key].name in (None, u.name)):
                    seen[key].name = seen[key].name or u.name
                    continue
                seen[key] = u
                uniques.append(u)
            table.uniques = uniques


def fk_action(action: str | None, dialect: str) -> str | None:
    """A foreign key action as the model keeps it: None for the default (NO ACTION; in MySQL/MariaDB also
    RESTRICT, which InnoDB treats the same), else CASCADE, SET NULL, SET DEFAULT or RESTRICT."""
    if not action:
        return None
    action = " ".join(action.upper().split())
    if action == "NO ACTION" or dialect == "mysql" and action == "RESTRICT":
        return None
    return action


def canonical_default(sql: str, column_type: str, dialect: str) -> str:
    """A default as one spelling, whoever wrote it: `now()`, `current_timestamp()` and CURRENT_TIMESTAMP are
    one; `'0'` on a number column is 0 (MySQL shows it so); casts on literals go."""
    return _canonical_default(sql, T.info(column_type, dialect).family if column_type else "", dialect)


_CURRENT = {"now": "CURRENT_TIMESTAMP", "current_timestamp": "CURRENT_TIMESTAMP", "localtimestamp": "LOCALTIMESTAMP",
            "current_date": "CURRENT_DATE", "curdate": "CURRENT_DATE", "current_time": "CURRENT_TIME",
            "transaction_timestamp": "CURRENT_TIMESTAMP"}


@lru_cache(maxsize=8192)
def _canonical_default(sql: str, family: str, dialect: str) -> str:
    from sqlglot import exp

    try:
        value = strip_literal_casts(_read_expression(sql, dialect))
    except Exception:  # noqa: BLE001 - kept as written when it cannot be read
        return sql
    if isinstance(value, exp.CurrentTimestamp | exp.CurrentDate | exp.CurrentTime):
        name = {exp.CurrentTimestamp: "CURRENT_TIMESTAMP", exp.CurrentDate: "CURRENT_DATE",
                exp.CurrentTime: "CURRENT_TIME"}[type(value)]
        precision = value.this.sql() if value.this is not None else ""
        return f"{name}({precision})" if precision else name
    if isinstance(value, exp.Anonymous | exp.Func) and not value.expressions and value.sql_name().lower() in _CURRENT \
            and not value.args.get("this"):
        return _CURRENT[value.sql_name().lower()]
    if isinstance(value, exp.Literal) and value.is_string:
        text = value.this
        if text.lower() in ("now", "today"):  # PostgreSQL reads these when the row is written
            return "CURRENT_DATE" if family == "date" else "CURRENT_TIMESTAMP"
        if family in ("integer", "decimal", "float") and re.fullmatch(r"-?\d+(\.\d+)?", text):
            return text
        if family == "boolean" and dialect == "mysql" and text in ("0", "1"):
            return text
    if isinstance(value, exp.Boolean) and dialect == "mysql":
        return "1" if value.this else "0"
    return _own_functions(value.sql(dialect=dialect))


def _read_expression(sql: str, dialect: str) -> Any:
    """An expression as sqlglot reads it, with PostgreSQL's date_part(…) kept a call (see _kept_date_part): read
    as EXTRACT, `date_part('epoch'::text, now())` is written back as `EXTRACT(CAST('epoch' AS TEXT) FROM …)`,
    which PostgreSQL cannot read."""
    import sqlglot

    if dialect != "postgres" or "date_part" not in sql.lower():
        return sqlglot.parse_one(sql, read=dialect)
    from sqlglot.dialects.dialect import Dialect

    reader = Dialect.get_or_raise(dialect)
    st = _kept_date_part(Statement(sql, 1, 1, reader.tokenize(sql), sql))
    return reader.parser(error_level=_raise()).parse(st.tokens, sql)[0]


_WHY = {
    "CREATE": "not part of the schema model",
    "CREATE FUNCTION": "a function: code, not schema",
    "CREATE PROCEDURE": "a procedure: code, not schema",
    "CREATE TRIGGER": "a trigger: code, not schema",
    "CREATE SEQUENCE": "a sequence: serial and identity columns carry theirs",
    "INSERT": "data, not schema", "COPY": "data, not schema", "UPDATE": "data, not schema",
    "DELETE": "data, not schema", "SET": "a session setting", "SELECT": "a query",
    "GRANT": "a privilege", "REVOKE": "a privilege", "ALTER TABLE (other)": "a table change the model does not hold "
    "(owner, storage, replica identity…)",
    "COMMENT": "a comment on an object the model does not hold",
}


def _drop_column(table: Table, name: str) -> None:
    column = table.column(name)
    if column is None:
        return
    del table.columns[column.name]
    lower = column.name.lower()
    table.indexes = [i for i in table.indexes if lower not in (c.lower() for c in i.columns)]
    table.uniques = [u for u in table.uniques if lower not in (c.lower() for c in u.columns)]
    table.foreign_keys = [f for f in table.foreign_keys if lower not in (c.lower() for c in f.columns)]
    table.checks = [c for c in table.checks if (c.column or "").lower() != lower]


def _drop_named(table: Table, name: str) -> None:
    """ALTER TABLE … DROP CONSTRAINT / INDEX name."""
    lower = name.lower()
    table.foreign_keys = [f for f in table.foreign_keys if (f.name or "").lower() != lower]
    table.uniques = [u for u in table.uniques if (u.name or "").lower() != lower]
    table.checks = [c for c in table.checks if (c.name or "").lower() != lower]
    table.indexes = [i for i in table.indexes if (i.name or "").lower() != lower]
    if (table.primary_key_name or "").lower() == lower:
        table.primary_key, table.primary_key_name = (), None


def _rename_column(table: Table, old: str, new: str, *, columns_done: bool = False) -> None:
    if not columns_done:
        column = table.column(old)
        if column is None:
            return
        table.columns = {(new if n == column.name else n): c for n, c in table.columns.items()}
        column.name = new
    swap = lambda cols: tuple(new if c.lower() == old.lower() else c for c in cols)  # noqa: E731
    table.primary_key = swap(table.primary_key)
    for fk in table.foreign_keys:
        fk.columns = swap(fk.columns)
    for unique in table.uniques:
        unique.columns = swap(unique.columns)
    for index in table.indexes:
        index.columns = tuple(c if index.is_expression(i) else swap((c,))[0] for i, c in enumerate(index.columns))


def _depth_at(tokens: list[Any], index: int) -> int:
    depth = 0
    for token in tokens[:index]:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
    return depth


_ELEMENT_STARTS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "KEY", "INDEX", "FULLTEXT", "SPATIAL",
                   "LIKE", "PERIOD"}


_DATE_PART = "wb_date_part"


def _kept_date_part(st: Statement) -> Statement:
    """PostgreSQL's date_part(…) as a call of its own: sqlglot reads it as EXTRACT, which returns numeric where
    date_part returns double precision (an index on one does not serve queries on the other)."""
    import copy

    tokens = []
    for i, token in enumerate(st.tokens):
        if token.text.upper() == "DATE_PART" and i + 1 < len(st.tokens) and st.tokens[i + 1].text == "(":
            token = copy.copy(token)
            token.text = _DATE_PART
        tokens.append(token)
    return Statement(st.sql, st.line, st.column, tokens, st.region, st.line_offset)


def _select_why(st: Statement, dialect: str) -> str:
    """Why a top-level SELECT is left out, saying what it is: pg_dump's set_config, a call of a function (which may
    make tables, like TimescaleDB's create_hypertable or PostGIS's AddGeometryColumn), or a query."""
    import sqlglot
    from sqlglot import exp

    try:
        query = sqlglot.parse_one(st.sql, read=dialect)
    except Exception:  # noqa: BLE001 - said from its words
        query = None
    if isinstance(query, exp.Select) and not (query.args.get("from_") or query.args.get("from")):
        items = [p.unalias() for p in query.selects]
        items = [p.expression if isinstance(p, exp.Dot) else p for p in items]  # pg_catalog.set_config(…)
        calls = [p for p in items if isinstance(p, exp.Func)]
        names = [c.sql_name() if not isinstance(c, exp.Anonymous) else c.name for c in calls]
        if calls and all(n.lower() == "set_config" for n in names):
            return "a session setting (pg_dump's set_config)"
        if calls:
            listed = ", ".join(f"{n}()" for n in dict.fromkeys(names))
            return (f"a call of {listed}: what a function does (it may create tables, columns or indexes) is not "
                    "modelled; if it makes schema, declare that with CREATE/ALTER TABLE")
    if isinstance(query, exp.Query):
        return "a query: it reads data and changes no schema"
    return "a SELECT the model does not use"


_UNNAMED = "wb_unnamed_check_"


def _named_checks(st: Statement) -> Statement:
    """`ALTER TABLE t ADD CHECK (…)` as `ADD CONSTRAINT wb_unnamed_check_N CHECK (…)`: sqlglot reads only the
    named form (the name is dropped again: the constraint is unnamed)."""
    import copy

    from sqlglot.tokens import TokenType

    tokens: list[Any] = []
    for i, token in enumerate(st.tokens):
        if token.text.upper() == "CHECK" and tokens and tokens[-1].text.upper() == "ADD" and _depth_at(st.tokens, i) == 0:
            keyword, name = copy.copy(token), copy.copy(token)
            keyword.token_type, keyword.text = TokenType.CONSTRAINT, "CONSTRAINT"
            name.token_type, name.text = TokenType.VAR, f"{_UNNAMED}{i}"
            tokens.extend([keyword, name])
        tokens.append(token)
    return Statement(st.sql, st.line, st.column, tokens, st.region, st.line_offset)


def _own_functions(sql: str) -> str:
    return re.sub(rf"(?i)\b{_DATE_PART}\(", "date_part(", sql) if _DATE_PART in sql.lower() else sql


def _readable(st: Statement, dialect: str) -> Statement:
    """The statement's tokens, adjusted where sqlglot misreads valid DDL (a new Statement; the text is kept):

    - a column named by a non-reserved keyword (PostgreSQL's `exclude`, `cube`, …) or typed by one (`cube`):
      the word is a name;
    - PostgreSQL's `bit varying(n)`: its alias `varbit(n)`;
    - MySQL's `PRIMARY KEY USING BTREE (a, b)` / `KEY k USING HASH (a)`: the method moves after the columns.
    """
    import copy

    from sqlglot.parser import Parser
    from sqlglot.tokens import TokenType

    from .names import is_reserved

    tokens = list(st.tokens)
    words = [t.text.upper() for t in tokens]
    if not ("TABLE" in words[:6] or words[:1] == ["ALTER"]):
        return st
    changed = False
    out: list[Any] = []
    depth = 0
    element_start = False
    column_list = None  # the index of the '(' that opens CREATE TABLE's column list
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = words[i]
        if token.text == "(":
            depth += 1
            if column_list is None and depth == 1 and words[0] == "CREATE" and "TABLE" in words[:i] and not (
                    {"PARTITION", "OF", "VALUES", "AS", "LIKE"} & set(words[words.index("TABLE"):i])):
                column_list = i  # the column list itself, not a partition bound's or a query's parentheses
                element_start = True
        elif token.text == ")":
            depth -= 1
        elif token.text == "," and depth == 1 and column_list is not None:
            element_start = True
            out.append(token)
            i += 1
            continue
        if dialect == "postgres" and word == "BIT" and i + 1 < len(tokens) and words[i + 1] == "VARYING":
            merged = copy.copy(token)
            merged.token_type, merged.text = TokenType.VAR, "varbit"
            out.append(merged)
            changed, i = True, i + 2
            continue
        if dialect == "mysql" and word == "USING" and i + 2 < len(tokens) and words[i + 1] in ("BTREE", "HASH")                 and tokens[i + 2].text == "(" and any(w.endswith("KEY") or w == "INDEX" for w in words[max(0, i - 3):i]):
            close = _closing(tokens, i + 2)
            out.extend(tokens[i + 2:close + 1])
            out.extend(tokens[i:i + 2])  # `(cols) USING BTREE`: where sqlglot reads the method
            changed, i = True, close + 1
            continue
        if element_start and depth == 1 and token.text not in ("(", ",") and token.token_type != TokenType.STRING:
            element_start = False
            constraint = word.split()[0] in _ELEMENT_STARTS or (word == "EXCLUDE" and i + 1 < len(tokens)
                                                     and words[i + 1] in ("USING", "("))
            if not constraint and (token.token_type != TokenType.IDENTIFIER and token.text.upper() in _SQLGLOT_WORDS
                                   or token.token_type not in (TokenType.VAR, TokenType.IDENTIFIER)) and \
                    not is_reserved(token.text, dialect):
                token = _as_name(token, dialect)
                changed = True
            if not constraint and i + 1 < len(tokens):
                kind = tokens[i + 1]
                if kind.token_type not in Parser.TYPE_TOKENS and kind.token_type not in (TokenType.VAR,
                                                                                           TokenType.IDENTIFIER) \
                        and kind.text not in ("(", ",", ")", ".") and not is_reserved(kind.text, dialect) \
                        and words[i + 1] not in ("NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "REFERENCES",
                                                 "CHECK", "GENERATED", "CONSTRAINT", "COLLATE", "AS"):
                    out.append(token)
                    out.append(_as_name(kind, dialect))
                    changed, i = True, i + 2
                    continue
        out.append(token)
        i += 1
    if not changed:
        return st
    return Statement(st.sql, st.line, st.column, out, st.region, st.line_offset)


# words sqlglot reads as clauses even where they are names (EXCLUDE starts an exclusion constraint)
_SQLGLOT_WORDS = {"EXCLUDE", "PERIOD", "WATERMARK"}


def _as_name(token: Any, dialect: str) -> Any:
    """A keyword token as a quoted name, spelled as the unquoted word means it (lower case in PostgreSQL)."""
    import copy

    from sqlglot.tokens import TokenType

    name = copy.copy(token)
    name.token_type = TokenType.IDENTIFIER
    name.text = token.text.lower() if dialect == "postgres" else token.text
    return name


def _closing(tokens: list[Any], open_index: int) -> int:
    depth = 0
    for j in range(open_index, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def strip_literal_casts(value: Any) -> Any:
    """`('now'::text)::date` → `'now'`, `(0)` → `0`: pg_dump writes casts on literals; they add nothing."""
    from sqlglot import exp

    while True:
        if isinstance(value, exp.Paren):
            value = value.this
        elif isinstance(value, exp.Cast) and isinstance(_unparen(value.this), exp.Literal | exp.Cast | exp.Null | exp.Neg):
            value = _unparen(value.this)
        else:
            return value


def _unparen(value: Any) -> Any:
    from sqlglot import exp

    while isinstance(value, exp.Paren):
        value = value.this
    return value


def _raise():
    import sqlglot

    return sqlglot.ErrorLevel.RAISE


def _find(properties: Any, kind: type) -> Any:
    if properties is None:
        return None
    return next((p for p in properties.expressions if isinstance(p, kind)), None)


def _partition_by(sql: str) -> str:
    """`RANGE(payment_date)` → `RANGE (payment_date)`."""
    match = re.match(r"^\s*(RANGE|LIST|HASH)\s*\((.*)\)\s*$", sql, re.IGNORECASE | re.DOTALL)
    return f"{match.group(1).upper()} ({match.group(2)})" if match else sql


def _repaired_index(st: Statement) -> Statement | None:
    """An index statement without the PostgreSQL clauses sqlglot cannot read: `ON ONLY t`
    (pg_dump, partitioned tables) and `NULLS [NOT] DISTINCT`."""
    tokens = list(st.tokens)
    words = [t.text.upper() for t in tokens]
    drop: set[int] = set()
    for i in range(len(words) - 1):
        if words[i] == "ON" and words[i + 1] == "ONLY":
            drop.add(i + 1)
        if words[i] == "NULLS" and words[i + 1] in ("DISTINCT", "NOT"):
            drop.update({i, i + 1} | ({i + 2} if words[i + 1] == "NOT" else set()))
    if not drop:
        return None
    kept = [t for i, t in enumerate(tokens) if i not in drop]
    return Statement(st.sql, st.line, st.column, kept, st.region, st.line_offset)


def _select_body(select_sql: str, dialect: str, rewrite=None) -> tuple[str, tuple[str, ...]]:
    """A view body in canonical form and its column names (as written when sqlglot cannot read it)."""
    import sqlglot

    select_sql = re.sub(r"\s+WITH\s+(NO\s+)?DATA\s*;?\s*$", "", select_sql, flags=re.IGNORECASE)  # materialized views
    try:
        parsed = sqlglot.parse_one(select_sql, read=dialect)
    except Exception:  # noqa: BLE001 - a view body we cannot read is kept as written
        return select_sql.strip(), ()
    if rewrite is not None:
        parsed = rewrite(parsed)
    selects = getattr(parsed, "selects", None) or []
    columns = tuple(p.alias_or_name for p in selects if p.alias_or_name and p.alias_or_name != "*")
    return parsed.sql(dialect=dialect, comments=False), columns  # comments are not the view's meaning


def _missing_comma(region: str, line: int, column: int) -> str:
    """When the token sqlglot stopped at starts its line and the line above ends neither with a comma
    nor an opening bracket, the comma at the end of the line above is the likely fault."""
    lines = region.split("\n")
    if not 1 < line <= len(lines) or lines[line - 1][: column - 1].strip():
        return ""
    above = line - 1
    while above > 1 and not lines[above - 1].strip():
        above -= 1
    previous = code_only(lines[above - 1]).rstrip()
    if not previous or previous.endswith((",", "(")):
        return ""
    return f"; is a comma missing at the end of the line above ({previous.strip()[-40:]!r})?"


def _unclosed_bracket(tokens: list[Any], open_i: int) -> tuple[Any, str]:
    """The '(' to blame when a column list never closes: the ')' at the end closed a bracket opened inside
    it, so the error is a bracket inside (`numeric(10,2 NOT NULL,`) whose span swallows a comma at the end of
    a line, that is the next column; else the list's own '('."""
    for i in range(open_i + 1, len(tokens)):
        if tokens[i].text != "(":
            continue
        depth = 0
        for j in range(i, len(tokens)):
            text = tokens[j].text
            depth += (text == "(") - (text == ")")
            if depth == 0:
                break
            if text == "," and depth == 1 and j + 1 < len(tokens) and tokens[j + 1].line > tokens[j].line:
                return tokens[i], "this '(' is never closed: a ')' is missing (the rest of the column list was read as inside it)"
    return tokens[open_i], "the column list opened here is not closed with ')'"


def _describe(err: dict, fallback: str) -> str:
    description = err.get("description") or fallback.splitlines()[0]
    highlight = err.get("highlight")
    description = re.sub(r"<class 'sqlglot\.expressions\.[\w.]*?(\w+)'>", r"\1", description)
    description = description.replace("Required keyword: 'this' missing for DefaultColumnConstraint",
                                       "DEFAULT needs a value")
    return f"{description} (near {highlight!r})" if highlight else description


def _short(text: str, n: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _shown(st: Statement) -> str:
    return repr(_short(st.sql, 40))


def _starter_hint(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(_STARTERS), n=1, cutoff=0.75)
    if close:
        return f"Did you mean {close[0]}?"
    return "Only SQL belongs here: CREATE TABLE, CREATE INDEX, ALTER TABLE, COMMENT ON, …"


def _kind_hint(kind: str) -> str:
    import difflib

    close = difflib.get_close_matches(kind, ["TABLE", "INDEX", "VIEW", "TYPE", "UNIQUE", "SEQUENCE"], n=1, cutoff=0.6)
    return f"Did you mean CREATE {close[0]}?" if close else "Use CREATE TABLE, CREATE INDEX, CREATE VIEW or CREATE TYPE."
