"""A DDL syntax error names the line and column where the fault is (not where the statement ends),
quotes that line and puts a caret under the column: in the library, the CLI and a notebook cell."""

import subprocess
import sys

import pytest

from workbench.errors import DDLSyntaxError
from workbench.schema import Schema

pytestmark = pytest.mark.kernel

UNCLOSED = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  total numeric(10,2 NOT NULL,\n  note text\n);\n"
TRAILING = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  total numeric(10,2) NOT NULL,\n  note text,\n);\n"
NO_COMMA = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  total numeric(10,2) NOT NULL\n  note text\n);\n"
MISSPELT = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  total numeric(10,2) NOT NUL,\n  note text\n);\n"


def caret_column(message: str, line: int) -> int:
    """The column (1-based) the caret points at, under the quoted line."""
    rows = message.splitlines()
    quoted = next(i for i, r in enumerate(rows) if r.lstrip().startswith(f"{line} | "))
    bar = rows[quoted].index("| ") + 2
    return rows[quoted + 1].index("^") - bar + 1


@pytest.mark.parametrize("ddl, line, column, quoted, words", [
    (UNCLOSED, 3, 16, "  total numeric(10,2 NOT NULL,", "')' is missing"),
    (TRAILING, 4, 12, "  note text,", "trailing comma"),
    (NO_COMMA, 4, 3, "  note text", "comma missing at the end of the line above"),
    (MISSPELT, 3, 23, "  total numeric(10,2) NOT NUL,", "near 'NOT'"),
])
@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_the_error_is_at_the_fault_quoted_with_a_caret(ddl, line, column, quoted, words, dialect):
    with pytest.raises(DDLSyntaxError) as info:
        Schema.from_ddl(ddl, dialect)
    err = info.value
    assert (err.line, err.column) == (line, column)
    text = str(err)
    assert f"line {line}, column {column}" in text and words in text
    assert f"{line} | {quoted}" in text and caret_column(text, line) == column


def test_tabs_keep_the_caret_under_the_column():
    ddl = "CREATE TABLE t (\n\tid int,\n\tx numeric(3 NOT NULL,\n\ty int\n);"
    with pytest.raises(DDLSyntaxError) as info:
        Schema.from_ddl(ddl, "postgres")
    rows = str(info.value).splitlines()
    quoted = next(i for i, r in enumerate(rows) if "3 | " in r)
    assert rows[quoted + 1].index("^") == rows[quoted].index("(")


def test_cli_lint_quotes_the_line(tmp_path):
    (tmp_path / "bad.sql").write_text(UNCLOSED)
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "lint", str(tmp_path / "bad.sql"), "--dialect",
                           "postgres"], capture_output=True, text=True)
    assert done.returncode != 0
    assert "line 3, column 16" in done.stderr and "3 |   total numeric(10,2 NOT NULL," in done.stderr
    assert caret_column(done.stderr, 3) == 16


def test_a_schema_cell_shows_the_line_and_caret(kernel):
    assert kernel.run("%load_ext workbench")["status"] == "ok"
    result = kernel.run("%%schema main\n" + UNCLOSED)
    assert result["status"] == "error"
    shown = "\n".join(result["error"]["traceback"])
    assert "line 3, column 16" in shown and "3 |   total numeric(10,2 NOT NULL," in shown
    assert caret_column(shown, 3) == 16
