"""Identifiers: reserved words, length limits and quoting per dialect."""

from __future__ import annotations

import re
from functools import lru_cache

# PostgreSQL keywords of the category "reserved (can be function or type)" (its documentation, appendix C):
# they cannot name a column either, and SQLAlchemy's PostgreSQL list leaves them out.
_PG_TYPE_FUNCTION_RESERVED = frozenset("""authorization binary collation concurrently cross current_schema freeze full
ilike inner is isnull join left like natural notnull outer overlaps right similar tablesample verbose""".split())


# SQLAlchemy's MySQL and MariaDB lists hold more than the servers reserve. Words the MySQL 8.0 manual ("Keywords
# and Reserved Words in MySQL 8.0") lists as nonreserved (ROLE since 8.0.1, ADMIN since 8.0.12, ARRAY since 8.0.19,
# PERSIST and PERSIST_ONLY since 8.0.16, …) or as removed:
_MYSQL8_NOT_RESERVED = frozenset("""role admin array get_master_public_key persist persist_only parse_gcol_expr
sql_after_gtids sql_before_gtids general slow master_heartbeat_period ignore_server_ids""".split())
# Words MariaDB 10.11 takes as table and column names unquoted in its default sql_mode (several are reserved only
# with sql_mode=ORACLE: BODY, ELSIF, GOTO, PACKAGE, RAISE, ROWTYPE, OTHERS). The test
# test_mysql_reserved_words_are_what_mariadb_refuses checks every word of both lists on the real server.
_MARIADB_NOT_RESERVED = frozenset("""body database elsif general goto history ignore_server_ids master_heartbeat_period
option others package period position raise rowtype schema slow system system_time versioning window
without""".split())


@lru_cache(maxsize=2)
def mysql_reserved(server: str) -> frozenset[str]:
    """The words MySQL 8.0 (`server` "mysql") or MariaDB ("mariadb") reserves."""
    from sqlalchemy.dialects.mysql.reserved_words import RESERVED_WORDS_MARIADB, RESERVED_WORDS_MYSQL

    if server == "mariadb":
        return frozenset(w.lower() for w in RESERVED_WORDS_MARIADB) - _MARIADB_NOT_RESERVED
    return frozenset(w.lower() for w in RESERVED_WORDS_MYSQL) - _MYSQL8_NOT_RESERVED


def mysql_reserved_by(word: str) -> tuple[str, ...]:
    """Which of MySQL 8.0 and MariaDB reserve `word` (the mysql dialect is both)."""
    return tuple(label for server, label in (("mysql", "MySQL 8.0"), ("mariadb", "MariaDB"))
                 if word.lower() in mysql_reserved(server))


@lru_cache(maxsize=4)
def reserved_words(dialect: str) -> frozenset[str]:
    """The words a dialect reserves, from SQLAlchemy's dialect preparers (MySQL 8.0 and MariaDB together, as the
    servers reserve them: see mysql_reserved)."""
    if dialect == "postgres":
        from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS

        return frozenset(w.lower() for w in RESERVED_WORDS) | _PG_TYPE_FUNCTION_RESERVED
    if dialect == "mysql":
        return mysql_reserved("mysql") | mysql_reserved("mariadb")
    from sqlalchemy.dialects.sqlite.base import SQLiteIdentifierPreparer

    return frozenset(w.lower() for w in SQLiteIdentifierPreparer.reserved_words)


class _Reserved:
    """Words reserved in at least one of PostgreSQL, MySQL/MariaDB and SQLite (a portability trap)."""

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and any(word.lower() in reserved_words(d) for d in ("postgres", "mysql", "sqlite"))


RESERVED = _Reserved()

MAX_LENGTH = {"postgres": 63, "mysql": 64, "sqlite": 10_000}
_SIMPLE = re.compile(r"^[a-z_][a-z0-9_]*$")
_SIMPLE_ANY_CASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def too_long(name: str, dialect: str) -> bool:
    """Longer than `dialect` takes: PostgreSQL counts bytes (UTF-8), MySQL/MariaDB characters."""
    return (len(name.encode()) if dialect == "postgres" else len(name)) > MAX_LENGTH[dialect]


def shorten(name: str, dialect: str) -> str:
    """`name` cut to `dialect`'s limit with a hash of the whole name at the end (`…_1a2b3c4d`), or as it is when it
    fits. The same name always gives the same short one, so every reference to it stays right, and two long
    names that share their beginning stay two names (PostgreSQL itself cuts without one, so they would collide)."""
    if not too_long(name, dialect):
        return name
    import hashlib

    suffix = "_" + hashlib.sha1(name.encode()).hexdigest()[:8]
    keep = name
    while too_long(keep + suffix, dialect):
        keep = keep[:-1]
    return keep + suffix


def is_reserved(name: str, dialect: str | None = None) -> bool:
    """Reserved in `dialect`, or in any of the three when no dialect is given."""
    if dialect is None:
        return name in RESERVED
    return name.lower() in reserved_words(dialect)


def quote(name: str, dialect: str) -> str:
    """The identifier as `dialect` must write it: quoted when it is reserved there, or (PostgreSQL) not lower case."""
    simple = _SIMPLE.match(name) if dialect == "postgres" else _SIMPLE_ANY_CASE.match(name)
    if simple and not is_reserved(name, dialect):
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


def server_name(table: str, columns: tuple[str, ...] | list[str], label: str, dialect: str,
                position: int = 1) -> str | None:
    """The name a server gives a constraint declared without one, so a migration can drop it:
    PostgreSQL's `<table>_<columns>_<label>` (label fkey, key, check, pkey; cut to 63 bytes the way
    PostgreSQL's makeObjectName cuts, the longer part first), MySQL/MariaDB's `<table>_ibfk_<n>` for the
    n-th unnamed foreign key. SQLite does not name them (None)."""
    if dialect == "mysql":
        return f"{table}_ibfk_{position}" if label == "fkey" else None
    if dialect != "postgres":
        return None
    name1, name2 = table, "_".join(columns)
    overhead = len(label) + 1 + (1 if name2 else 0)
    n1, n2 = len(name1), len(name2)
    while n1 + n2 > MAX_LENGTH["postgres"] - overhead:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return "_".join(p for p in (name1[:n1], name2[:n2], label) if p)
