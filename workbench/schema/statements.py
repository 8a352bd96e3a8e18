"""Splitting SQL text into statements, with line numbers, the way each client does it.

Handles what real dump files contain: pg_dump's dollar-quoted function bodies and psql
meta-commands (`\\connect`, `\\restrict`), mysqldump's `DELIMITER` blocks and conditional
comments. Each statement keeps its sqlglot tokens (for parsing without re-tokenising) and
its position, so errors can name line and column. Also used to apply a DDL file to a
database one statement at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import DDLSyntaxError

_DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Statement:
    """One statement: its text, 1-based line and column, and (when tokenised) its tokens."""

    sql: str
    line: int
    column: int
    tokens: list[Any] = field(default_factory=list, repr=False)
    region: str = field(default="", repr=False)   # the text the tokens' offsets refer to
    line_offset: int = field(default=0, repr=False)

    def words(self, n: int = 8) -> list[str]:
        """The first `n` words, upper-cased (keywords, names; for classification)."""
        if self.tokens:
            return [t.text.upper() for t in self.tokens[:n]]
        return re.findall(r"[A-Za-z_][A-Za-z0-9_$]*|\S", self.sql[:400])[:n]


_COMMENTS_AND_STRINGS = re.compile(r"--[^\n]*|#[^\n]*|/\*.*?\*/|'(?:[^'\\]|''|\\.)*'|\$(\w*)\$.*?\$\1\$", re.S)


def code_only(text: str) -> str:
    """`text` with comments blanked and string literals emptied: what the SQL itself says."""
    return _COMMENTS_AND_STRINGS.sub(lambda m: " " if m.group(0)[0] in "-/#" else "''", text)


def split_statements(text: str, dialect: str) -> list[Statement]:
    """Statements of `text`, in order. Raises DDLSyntaxError for text that cannot be tokenised."""
    from sqlglot.dialects.dialect import Dialect

    text = _blank_meta_commands(text)
    sqlglot_dialect = Dialect.get_or_raise(dialect)
    statements: list[Statement] = []
    for region, delimiter, line_offset in _regions(text, dialect):
        if delimiter == ";":
            statements.extend(_tokenised(region, sqlglot_dialect, line_offset))
        else:
            statements.extend(_delimited(region, delimiter, sqlglot_dialect, line_offset))
    return statements


_COPY_FROM_STDIN = re.compile(r"^\s*COPY\b.*\bFROM\s+STDIN\b.*;\s*$", re.IGNORECASE)


def meta_commands(text: str) -> list[tuple[int, str]]:
    """psql meta-commands (`\\connect`, `\\set`, `\\copy`, …): (line, the command) each; they are not SQL."""
    return [(line, command) for line, command, _ in _psql_lines(text) if command]


def _psql_lines(text: str):
    """(line number, meta-command or None, blank?) for each line that is not SQL: meta-commands, and the
    data of `COPY … FROM stdin;` up to its `\\.` (pg_dump's plain format)."""
    if "\\" not in text:
        return
    in_copy = False
    for number, line in enumerate(text.split("\n"), start=1):
        if in_copy:
            if line.strip() == "\\.":
                in_copy = False
            yield number, None, True
        elif _COPY_FROM_STDIN.match(line):
            in_copy = True
        elif re.match(r"^[ \t]*\\[a-zA-Z]", line):
            yield number, line.strip().split()[0], True


def _blank_meta_commands(text: str) -> str:
    # blank what is not SQL but keep the lines, so line numbers stay right
    blank = {number for number, _, _ in _psql_lines(text)}
    if not blank:
        return text
    return "\n".join("" if n in blank else line for n, line in enumerate(text.split("\n"), start=1))


def _regions(text: str, dialect: str):
    """(text, delimiter, line offset) pieces; only MySQL clients know DELIMITER."""
    if dialect != "mysql" or not _DELIMITER.search(text):
        yield text, ";", 0
        return
    delimiter, pos, line = ";", 0, 0
    for match in _DELIMITER.finditer(text):
        chunk = text[pos:match.start()]
        yield chunk, delimiter, line
        line += chunk.count("\n") + text[match.start():match.end()].count("\n")
        delimiter, pos = match.group(1), match.end()
    yield text[pos:], delimiter, line


def _tokenised(region: str, dialect: Any, line_offset: int, compound: bool = False) -> list[Statement]:
    """`compound`: MySQL text the server splits, where a stored program's BEGIN … END, IF … END IF, CASE, LOOP,
    WHILE and REPEAT blocks hold their `;` (else only a trigger's BEGIN … END and CASE … END do)."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = dialect.tokenize(region)
    except TokenError as exc:
        line, column = _token_error_position(str(exc), region)
        raise DDLSyntaxError(f"cannot read the SQL text ({_first_line(str(exc))})", line=line + line_offset,
                             column=column, hint="Look for an unterminated string, quoted name or comment.") from None
    out: list[Statement] = []
    current: list[Any] = []
    block = 0  # BEGIN … END depth inside a trigger body (SQLite, MySQL without DELIMITER)
    after_end = False  # the word after END closes the same block (END IF, END LOOP, END CASE…)
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON and block == 0:
            if current:
                out.append(_statement(current, region, line_offset))
            current = []
            continue
        previous = current[-1].text.upper() if current else ";"
        current.append(token)
        word = token.text.upper()
        if compound:
            if after_end:
                after_end = False
                if word in _BLOCKS or word == "CASE":
                    continue
            if not _is_routine(current):
                continue
            if word in ("BEGIN", "CASE") or word in _BLOCKS and previous in _STATEMENT_START:
                block += 1
            elif word == "END" and block > 0:
                block -= 1
                after_end = True
        elif word in ("BEGIN", "CASE") and _is_trigger(current):
            block += 1
        elif word == "END" and block > 0:
            block -= 1
    if current:
        out.append(_statement(current, region, line_offset))
    return out


def _is_trigger(tokens: list[Any]) -> bool:
    head = [t.text.upper() for t in tokens[:6]]
    return bool(head) and head[0] == "CREATE" and "TRIGGER" in head


def start_column(token: Any, region: str) -> int:
    """The 1-based column where a token starts (sqlglot's `col` is where it ends)."""
    return token.start - (region.rfind("\n", 0, token.start) + 1) + 1


def _statement(tokens: list[Any], region: str, line_offset: int) -> Statement:
    first, last = tokens[0], tokens[-1]
    return Statement(sql=region[first.start:last.end + 1], line=first.line + line_offset,
                     column=start_column(first, region), tokens=tokens, region=region, line_offset=line_offset)


def _delimited(region: str, delimiter: str, dialect: Any, line_offset: int) -> list[Statement]:
    """The statements of a region under `DELIMITER //`, as the mysql/mariadb client and the server run them.

    The client sends the text up to each delimiter (outside strings, quoted names and comments) as one query,
    and what is left at the end of the file when the delimiter was never set back, too. The server runs a
    query of several `;`-separated statements one by one (the client asks for multi-statements), and a stored
    program's body (BEGIN … END, IF … END IF, …) is one statement with its inner `;`. So each piece is split
    again on the `;` outside compound blocks."""
    out: list[Statement] = []
    line = 0  # lines of `region` before `start`
    counted = 0
    for start, end in _pieces(region, delimiter):
        piece = region[start:end]
        if not piece.strip():
            continue
        line += region.count("\n", counted, start)
        counted = start
        line_start = region.rfind("\n", 0, start) + 1
        padded = " " * (start - line_start) + piece  # columns stay those of the file
        from sqlglot.errors import TokenError

        try:
            out.extend(_tokenised(padded, dialect, line_offset + line, compound=True))
        except (DDLSyntaxError, TokenError):  # text sqlglot cannot tokenise: the piece as one statement
            stripped = piece.strip()
            first = start + piece.index(stripped[0])
            out.append(Statement(sql=stripped, line=region.count("\n", 0, first) + 1 + line_offset,
                                 column=first - (region.rfind("\n", 0, first) + 1) + 1))
    return out


def _pieces(region: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of the texts between delimiters, where the mysql client finds them: not inside '…', "…",
    `…`, `-- ` and `#` comments or `/* … */` (a `/*! … */` is SQL to the client, and is searched)."""
    scanner = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--(?=\s|$)[^\n]*|#[^\n]*|"
                         r"/\*(?!!).*?\*/|(?P<delimiter>" + re.escape(delimiter) + ")", re.DOTALL)
    pieces, start = [], 0
    for match in scanner.finditer(region):
        if match.group("delimiter") is not None:
            pieces.append((start, match.start()))
            start = match.end()
    pieces.append((start, len(region)))
    return pieces


_ROUTINES = {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "PACKAGE"}
_BLOCKS = {"IF", "LOOP", "WHILE", "REPEAT"}  # compound statements when they start a statement of a body
_STATEMENT_START = {";", "BEGIN", "THEN", "ELSE", "DO", ":", "LOOP", "REPEAT"}


def _is_routine(tokens: list[Any]) -> bool:
    head = [t.text.upper() for t in tokens[:12]]
    return bool(head) and (head[0] == "CREATE" and bool(_ROUTINES & set(head)) or head[:3] == ["BEGIN", "NOT", "ATOMIC"])


def _token_error_position(message: str, text: str) -> tuple[int, int]:
    match = re.search(r"[Ll]ine (\d+)[^0-9]+[Cc]ol(?:umn)?:? (\d+)", message)
    if match:
        return int(match.group(1)), int(match.group(2))
    return text.count("\n") + 1, 1


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0][:200] if message.strip() else "tokenizer error"


def execute_script(dbapi_connection: Any, text: str, dialect: str) -> int:
    """Run a whole SQL script (a DDL file or a dump) on a DB-API connection; returns statements run.

    SQLite runs it with executescript (trigger bodies included); PostgreSQL and MySQL/MariaDB
    statement by statement (DELIMITER is a client command the server does not know).
    PostgreSQL and MySQL run statement by statement: with an autocommit connection, statements
    that cannot run in a transaction (CREATE DATABASE) work too.
    """
    if dialect == "sqlite":
        dbapi_connection.executescript(text)
        return len(split_statements(text, dialect))
    count = 0
    cursor = dbapi_connection.cursor()
    try:
        for statement in split_statements(text, dialect):
            cursor.execute(statement.sql)
            count += 1
    finally:
        cursor.close()
    return count


def load_script(dbapi_connection: Any, text: str, dialect: str) -> list[str]:
    """Run a script statement by statement on an autocommit connection, going on after a failure;
    returns the errors ("line N: message"). For applying a schema file to an empty database."""
    errors = []
    cursor = dbapi_connection.cursor()
    try:
        for statement in split_statements(text, dialect):
            try:
                cursor.execute(statement.sql)
                if dialect == "sqlite" and getattr(dbapi_connection, "isolation_level", None) is not None:
                    dbapi_connection.commit()  # pysqlite opened a transaction of its own (not in autocommit)
            except Exception as exc:  # noqa: BLE001 - reported with its line, the rest still runs
                message = str(getattr(exc, "orig", exc)).strip().splitlines()
                errors.append(f"line {statement.line}: {message[0][:200] if message else type(exc).__name__}")
                if dialect == "postgres":
                    try:
                        dbapi_connection.rollback()
                    except Exception:  # noqa: BLE001 - autocommit: nothing to roll back
                        pass
    finally:
        cursor.close()
    return errors
