"""Identifiers: reserved words, length limits and quoting per dialect."""

from __future__ import annotations

import re

# Words reserved in at least one of PostgreSQL, MySQL/MariaDB and SQLite: as a table or
# column name they need quoting somewhere, which is a portability and usability trap.
RESERVED = frozenset("""
add all alter analyse analyze and any array as asc asymmetric authorization between bigint binary blob both by
call cascade case cast char character check collate column concurrently constraint create cross current_date
current_role current_time current_timestamp current_user database databases default deferrable delete desc
describe distinct div do double drop dual else elseif enclosed end escaped except exists exit explain false
fetch float for force foreign freeze from full fulltext grant group having high_priority if ilike in index
infile initially inner insert int integer intersect interval into is isnull join key keys kill lateral leading
left like limit lines load localtime localtimestamp lock long match natural not notnull null numeric of offset
on only option or order outer over overlaps partition placing precision primary procedure range read real
recursive references regexp rename repeat replace require restrict return returning revoke right rlike row rows
schema select session_user set show similar smallint some spatial sql ssl starting symmetric table tablesample
terminated then to trailing trigger true union unique unlock unsigned update usage use user using values
varchar variadic verbose when where while window with write xor year_month zerofill
""".split())

MAX_LENGTH = {"postgres": 63, "mysql": 64, "sqlite": 10_000}
_SIMPLE = re.compile(r"^[a-z_][a-z0-9_]*$")
_SIMPLE_ANY_CASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_reserved(name: str) -> bool:
    return name.lower() in RESERVED


def quote(name: str, dialect: str) -> str:
    """The identifier as `dialect` must write it: quoted only when it has to be."""
    simple = _SIMPLE.match(name) if dialect == "postgres" else _SIMPLE_ANY_CASE.match(name)
    if simple and not is_reserved(name):
        return name
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def qualified(key: str, dialect: str, *, namespaces: bool = True) -> str:
    """A table key (`ns.name` or `name`) quoted; SQLite has no namespaces for our purposes."""
    if "." in key and namespaces and dialect != "sqlite":
        namespace, name = key.split(".", 1)
        return f"{quote(namespace, dialect)}.{quote(name, dialect)}"
    return quote(key.split(".", 1)[-1] if "." in key else key, dialect)
