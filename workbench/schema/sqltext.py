"""Is this text SQL? Files and strings that are empty, binary or not UTF-8 are refused with what they are.

Without this, a PNG renamed `.sql` reads as a syntax error in mojibake, and an empty file lints as
"No lint findings" — both true of nothing the user meant.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SchemaError


def check_text(text: str, name: str = "The DDL") -> None:
    """Refuse a string holding a NUL character: it is binary data, not SQL."""
    at = text.find("\x00")
    if at >= 0:
        raise SchemaError(f"{name} is not text SQL: it holds a NUL character at offset {at:,}.",
                          hint="Give the CREATE TABLE … statements as text, not binary data.")


def file_text(path: Path, *, allow_empty: bool = False) -> str:
    """The text of a SQL or DBML file; SchemaError when it is binary, not UTF-8, or (unless allowed) holds nothing."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SchemaError(f"{path.name} is UTF-16 text; SQL files are read as UTF-8.",
                          hint=f"Convert it: iconv -f UTF-16 -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}")
    at = data.find(b"\x00")
    if at >= 0:
        raise SchemaError(f"{path.name} is not a text SQL file: it holds a NUL byte at byte offset {at:,} "
                          "(binary data).",
                          hint="Give the file with the CREATE TABLE … statements (a .sql or .dbml text file).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SchemaError(f"{path.name} is not a UTF-8 text SQL file: byte 0x{data[exc.start]:02x} at byte offset "
                          f"{exc.start:,} (line {line}) is not UTF-8.",
                          hint=f"If it is text in another encoding, convert it first, e.g. iconv -f LATIN1 -t UTF-8 "
                               f"{path.name} > {path.stem}.utf8{path.suffix}") from None
    if not allow_empty and not holds_statements(text):
        what = "it is empty" if not text.strip() else "only comments and blank lines"
        raise SchemaError(f"{path.name} holds no SQL statements ({what}): there is nothing to read.",
                          hint="Put the CREATE TABLE … statements in it, or give the file that has them.")
    return text


def holds_statements(text: str) -> bool:
    """Whether anything but comments, blank lines and semicolons is left."""
    from .statements import code_only

    return bool(code_only(text).replace(";", "").strip())
