"""MySQL / MariaDB, the admin side: what the URL the user gave does for the labs, and nothing else runs with it.

Principals. One user per process and design (`wbp_<digest>`, at '%' and 'localhost'), dropped by
the process at its end or by gc once the process is gone. A MariaDB user may always `SET SESSION
max_statement_time = 0` and change its own password (`SET PASSWORD`); no grant takes either away.
So the watchdog does not log in as the principal: the admin's own login kills the statement (KILL
QUERY) and, when a handler catches that and goes on, the connection (KILL CONNECTION).

The registry. Who made each lab database and each lab user is kept in `workbench_admin.made`, a
database on which no lab user has any grant: a principal, with ALL on its own lab database, could
rewrite any table in it (the former `_workbench_owner` table), but cannot see this one. MariaDB
shows a user only the databases it has a grant on, so no lab sees another's database or the registry.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import LabError, PrivilegeError
from .base import NAMESPACE_PREFIX, Login, first_line

HOSTS = ("%", "localhost")
ADMIN_DATABASE = "workbench_admin"
REGISTRY = f"`{ADMIN_DATABASE}`.`made`"
LEGACY_OWNER_TABLE = "_workbench_owner"  # where versions before the registry kept who made a lab database
NAMESPACE, PRINCIPAL = "namespace", "principal"


def _connect(url: str, *, database: str | None, user: str | None, password: str | None):
    import pymysql

    from ...config import database_url

    u = database_url(url)
    return pymysql.connect(host=u.host, port=u.port or 3306, user=user or u.username,
                           password=(password if user else u.password) or "", database=database or u.database,
                           autocommit=True, connect_timeout=10, charset="utf8mb4")


def _safe(url: str) -> str:
    from ...secrets import redact

    return redact(url)


class _admin:
    """A cursor on a connection with the URL the user gave, only for users, grants, lab databases and the
    registry."""

    def __init__(self, url: str, needs: str | None) -> None:
        self.url, self.needs, self.conn = url, needs, None

    def __enter__(self):
        try:
            self.conn = _connect(self.url, database=None, user=None, password=None)
        except Exception as exc:
            raise LabError(f"Cannot connect to {_safe(self.url)}: {first_line(exc)}",
                           hint="Check the URL and that the server runs (`workbench doctor`).") from None
        return self.conn.cursor()

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        self.conn.close()
        if error is None or isinstance(error, LabError):
            return
        code = error.args[0] if getattr(error, "args", None) else None
        if self.needs and code in (1044, 1045, 1142, 1227, 1410):  # access / command denied
            raise PrivilegeError(f"The user of {_safe(self.url)} may not {self.needs}: {first_line(error)}",
                                 hint="Give a URL of a user that may create users and databases and grant on them "
                                      "(CREATE USER, CREATE, GRANT OPTION).") from None
        if isinstance(error, Exception):
            raise LabError(f"The lab could not prepare {_safe(self.url)}: {first_line(error)}") from None


# -- the registry -------------------------------------------------------------------------------------
def ensure_registry(cursor: Any) -> None:
    cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{ADMIN_DATABASE}`")
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY} (name VARCHAR(64) PRIMARY KEY, kind VARCHAR(16) NOT NULL, "
                   "info TEXT NOT NULL)")


def record(cursor: Any, name: str, kind: str, info: dict) -> None:
    cursor.execute(f"REPLACE INTO {REGISTRY} (name, kind, info) VALUES (%s, %s, %s)", (name, kind, json.dumps(info)))


def forget(cursor: Any, name: str) -> None:
    cursor.execute(f"DELETE FROM {REGISTRY} WHERE name = %s", (name,))


def namespaces(cursor: Any) -> list[tuple[str, dict]]:
    """The lab databases with who made them. A database without a registry record is from a version before
    the registry (this one records a database before creating it): its own table is what that version kept."""
    ensure_registry(cursor)
    cursor.execute("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s "
                   "ORDER BY schema_name", (NAMESPACE_PREFIX.replace("_", "\\_") + "%",))
    names = [r[0] for r in cursor.fetchall()]
    cursor.execute(f"SELECT name, info FROM {REGISTRY} WHERE kind = %s", (NAMESPACE,))
    recorded = {name: _json(info) for name, info in cursor.fetchall()}
    out = []
    for name in names:
        if name in recorded:
            out.append((name, recorded[name]))
            continue
        try:
            cursor.execute(f"SELECT info FROM `{name}`.`{LEGACY_OWNER_TABLE}` LIMIT 1")
            row = cursor.fetchone()
            out.append((name, _json(row[0]) if row else {}))
        except Exception:  # noqa: BLE001 - no record at all
            out.append((name, {}))
    from .base import is_orphan

    for name in set(recorded) - set(names):  # dropped outside the workbench (not one being made right now)
        if is_orphan(recorded[name]):
            forget(cursor, name)
    return out


# -- principals -----------------------------------------------------------------------------------------
def create_principal(cursor: Any, login: Login, info: dict, timeout: float) -> None:
    """The registry record first, then the user (DDL is not transactional here: gc never sees a user of
    this version without its record)."""
    ensure_registry(cursor)
    record(cursor, login.user, PRINCIPAL, info)
    ensure_user(cursor, login, timeout)


def ensure_user(cursor: Any, login: Login, timeout: float) -> None:
    """Create the user at each host (or reset an existing one) with a new password and the lab's limits."""
    for host in HOSTS:
        cursor.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (login.user, host, login.password))
        cursor.execute(f"ALTER USER %s@%s IDENTIFIED BY %s WITH MAX_STATEMENT_TIME {float(timeout):g} "
                       "MAX_USER_CONNECTIONS 200", (login.user, host, login.password))


def drop_user(cursor: Any, user: str) -> None:
    """End the user's connections, then drop it and its record."""
    cursor.execute("SELECT id FROM information_schema.processlist WHERE user = %s AND id <> CONNECTION_ID()", (user,))
    for (thread,) in cursor.fetchall():
        try:
            cursor.execute(f"KILL CONNECTION {int(thread)}")
        except Exception:  # noqa: BLE001 - ended meanwhile
            pass
    for host in HOSTS:
        cursor.execute("DROP USER IF EXISTS %s@%s", (user, host))
    forget(cursor, user)


def dead_principals(cursor: Any, everything: bool) -> list[str]:
    """Users to drop: those of this version whose process is gone (everything: all of them), and users of
    older versions (`wb_…`, one per design) with no grant on a database that exists. One with such a grant
    stays."""
    from .base import is_orphan

    ensure_registry(cursor)
    cursor.execute("SELECT schema_name FROM information_schema.schemata")
    databases = {r[0] for r in cursor.fetchall()}

    def owns(user: str) -> bool:
        cursor.execute("SELECT DISTINCT db FROM mysql.db WHERE user = %s", (user,))
        return any(r[0].replace("\\_", "_") in databases for r in cursor.fetchall())

    cursor.execute(f"SELECT name, info FROM {REGISTRY} WHERE kind = %s", (PRINCIPAL,))
    out = [name for name, info in cursor.fetchall() if (everything or is_orphan(_json(info))) and not owns(name)]
    cursor.execute("SELECT DISTINCT user FROM mysql.user WHERE user LIKE 'wb\\_%%' AND user NOT LIKE 'wb\\_ro\\_%%'")
    out += [user for (user,) in cursor.fetchall() if not owns(user)]
    return out


def kill(url: str, thread: int, user: str, what: str, ran_s: float) -> bool:
    """KILL QUERY or KILL CONNECTION of one thread of `user` from the admin's login, if it still runs a
    statement that started at least `ran_s` ago (one stopped by its own max_statement_time and the next one,
    just begun, are left alone). True when that was settled here; False when the admin may not (without
    CONNECTION ADMIN, PROCESS or SUPER it does not see the thread)."""
    try:
        with _admin(url, None) as cursor:
            cursor.execute("SELECT command = 'Query' AND time_ms >= %s FROM information_schema.processlist "
                           "WHERE id = %s AND user = %s", (ran_s * 1000, thread, user))
            row = cursor.fetchone()
            if row is None:
                return False
            if row[0]:
                cursor.execute(f"KILL {what} {int(thread)}")
    except LabError:
        return False  # refused, or the server is unreachable
    return True


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
