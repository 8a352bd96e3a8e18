"""PostgreSQL, the admin side: what the URL the user gave does for the labs, and nothing else runs with it.

Principals. One role per process and design (`wbp_<digest>`, see base.process_principal), made with
the admin's URL, dropped by the process at its end (workbench.lab.made) or by gc once the process
is gone. PostgreSQL lets every role store session defaults for itself (`ALTER ROLE current_user
[IN DATABASE …] SET statement_timeout = 0`: "ordinary roles can only set defaults for themselves",
ALTER ROLE in the PostgreSQL manual) and SET any user-settable parameter in its session; no grant
takes that away. So no limit of the workbench rests on a setting: every session the workbench opens
gives its limits as startup options (which outrank what the role stored), and a statement past the
lab's timeout is cancelled and, if it goes on, its backend is ended here with pg_terminate_backend
(see Watchdog), which nothing the session runs can catch or lift.

The registry. Who made each lab schema and each lab role is kept in `workbench_admin.made`, a table
in a schema of the admin's own on which no lab role has any privilege. A principal owns its schema,
so it could COMMENT ON it or rewrite any table inside it; it can neither read nor write this table,
so `workbench lab gc` judges liveness only from what the admin wrote. (A comment on an object the
principal does not own would hold too, but comments are readable by every login through
pg_description, which would show every design's folder, host and pid to every other lab.)

Catalog names (pg_namespace, pg_roles) are readable by every login in PostgreSQL, and revoking that
breaks clients and is not supported; so lab schema and role names are digests that name no design.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...errors import LabError, PrivilegeError
from .base import NAMESPACE_PREFIX, Login, first_line

ROLE_LIMITS = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"
ADMIN_SCHEMA = "workbench_admin"
REGISTRY = f"{ADMIN_SCHEMA}.made"
NAMESPACE, PRINCIPAL = "namespace", "principal"


def _psycopg_args(url: str) -> dict:
    from ...config import database_url

    u = database_url(url)
    return {"host": u.host, "port": u.port or 5432, "user": u.username, "password": u.password, "dbname": u.database}


def _safe(url: str) -> str:
    from ...secrets import redact

    return redact(url)


class _admin_connection:
    """A connection with the URL the user gave, only for principals, namespaces and the registry.

    `needs`: what it is for; a refusal for lack of privilege becomes a PrivilegeError saying so.
    """

    def __init__(self, url: str, needs: str | None) -> None:
        self.url, self.needs, self.conn = url, needs, None

    def __enter__(self):
        import psycopg

        try:
            self.conn = psycopg.connect(**_psycopg_args(self.url), autocommit=True, connect_timeout=10)
        except Exception as exc:
            raise LabError(f"Cannot connect to {_safe(self.url)}: {first_line(exc)}",
                           hint="Check the URL and that the server runs (`workbench doctor`).") from None
        return self.conn

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        self.conn.close()
        if error is None or isinstance(error, LabError):
            return
        import psycopg

        if self.needs and isinstance(error, psycopg.errors.InsufficientPrivilege):
            raise PrivilegeError(f"The user of {_safe(self.url)} may not {self.needs}: {first_line(error)}",
                                 hint="Give a URL of a user that may create roles and schemas (CREATEROLE, and "
                                      "CREATE on the database), e.g. the database owner.") from None
        if isinstance(error, Exception):
            raise LabError(f"The lab could not prepare {_safe(self.url)}: {first_line(error)}") from None


# -- the registry -------------------------------------------------------------------------------------
def ensure_registry(conn: Any) -> None:
    """The admin's registry schema and table, made once per database; no privilege on either for anyone else."""
    import psycopg

    if conn.execute("SELECT to_regclass(%s)", (REGISTRY,)).fetchone()[0] is not None:
        return
    try:
        with conn.transaction():
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {ADMIN_SCHEMA}")
            conn.execute(f"REVOKE ALL ON SCHEMA {ADMIN_SCHEMA} FROM PUBLIC")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY} (name text PRIMARY KEY, kind text NOT NULL, "
                         "info jsonb NOT NULL)")
            conn.execute(f"REVOKE ALL ON {REGISTRY} FROM PUBLIC")
    except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateSchema, psycopg.errors.DuplicateTable):
        pass  # another process made it a moment ago


def record(conn: Any, name: str, kind: str, info: dict) -> None:
    conn.execute(f"INSERT INTO {REGISTRY} (name, kind, info) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
                 "SET kind = EXCLUDED.kind, info = EXCLUDED.info", (name, kind, json.dumps(info)))


def forget(conn: Any, name: str) -> None:
    if conn.execute("SELECT to_regclass(%s)", (REGISTRY,)).fetchone()[0] is not None:
        conn.execute(f"DELETE FROM {REGISTRY} WHERE name = %s", (name,))


def namespaces(conn: Any) -> list[tuple[str, dict]]:
    """The lab schemas with who made them. A schema without a registry record is from a workbench before the
    registry: its comment is what that version kept (no schema of this version lacks a record: it is made in
    the same transaction)."""
    ensure_registry(conn)
    conn.execute(f"DELETE FROM {REGISTRY} m WHERE kind = %s AND NOT EXISTS "
                 "(SELECT 1 FROM pg_namespace n WHERE n.nspname = m.name)", (NAMESPACE,))
    rows = conn.execute(
        f"SELECT n.nspname, m.info, CASE WHEN m.name IS NULL THEN obj_description(n.oid, 'pg_namespace') END "
        f"FROM pg_namespace n LEFT JOIN {REGISTRY} m ON m.name = n.nspname AND m.kind = %s "
        "WHERE n.nspname LIKE %s ORDER BY n.nspname", (NAMESPACE, _like(NAMESPACE_PREFIX))).fetchall()
    return [(name, info if isinstance(info, dict) else _json(legacy)) for name, info, legacy in rows]


def _like(prefix: str) -> str:
    return prefix.replace("_", "\\_") + "%"


# -- principals -----------------------------------------------------------------------------------------
PRINCIPAL_LOCK = 0x776B_7072  # the advisory lock key principals are made and dropped under ('wkpr')
SERIALIZED_WAIT_S = 60  # the longest a principal's making or dropping waits for a lock (then the lab says so)


@contextmanager
def serialized(conn: Any) -> Iterator[None]:
    """One transaction, holding the principals' advisory lock until it commits. Every principal's GRANT … ON
    DATABASE (and DROP OWNED, which revokes it) rewrites the one pg_database row's ACL: two sessions doing it at
    once fail with "tuple concurrently updated", so on a server principals are made and dropped one at a time."""
    with conn.transaction():  # a savepoint inside a caller's transaction: the lock is then held to its end
        # bounded: a DROP OWNED stuck behind a lab session's locks must not stall every other lab on the server
        conn.execute(f"SET LOCAL lock_timeout = '{SERIALIZED_WAIT_S}s'")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PRINCIPAL_LOCK,))
        yield
def create_principal(conn: Any, login: Login, info: dict, timeout: float) -> None:
    """The role and its registry record, in one transaction (gc never sees the one without the other)."""
    from psycopg import sql

    ensure_registry(conn)
    with serialized(conn):
        ensure_role(conn, login, timeout)
        record(conn, login.user, PRINCIPAL, info)
    me = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not me[0]:  # a CREATEROLE admin may end a role's backends only as a member of it (the watchdog does)
        try:
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(login.user)))
        except Exception:  # noqa: BLE001 - then a statement that ignores cancel is stopped only by its own limit
            pass


def ensure_role(conn: Any, login: Login, timeout: float) -> None:
    """Create the role, or bring an existing one back to its limits, with a new password (as a SCRAM
    verifier computed here: the password itself never travels to the server or its logs). What the role
    stored for itself (ALTER ROLE … SET, in any database) is wiped."""
    from psycopg import sql

    verifier = conn.pgconn.encrypt_password(login.password.encode(), login.user.encode(), b"scram-sha-256").decode()
    role = sql.Identifier(login.user)
    with serialized(conn):
        _ensure_role(conn, login, role, verifier, timeout)


def _ensure_role(conn: Any, login: Login, role: Any, verifier: str, timeout: float) -> None:
    import psycopg
    from psycopg import sql

    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login.user,)).fetchone()
    try:
        if not exists:
            with conn.transaction():  # a savepoint: a duplicate leaves the transaction usable
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN " + ROLE_LIMITS + " CONNECTION LIMIT 200 PASSWORD {}")
                             .format(role, sql.Literal(verifier)))
    except psycopg.errors.DuplicateObject:
        pass  # another process created it a moment ago
    conn.execute(sql.SQL("ALTER ROLE {} LOGIN " + ROLE_LIMITS + " CONNECTION LIMIT 200 PASSWORD {}").format(
        role, sql.Literal(verifier)))
    for (database,) in conn.execute("SELECT d.datname FROM pg_db_role_setting s JOIN pg_database d ON "
                                    "d.oid = s.setdatabase WHERE s.setrole = %s::regrole", (login.user,)).fetchall():
        conn.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(role, sql.Identifier(database)))
    conn.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(role))
    conn.execute(sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(role, sql.Literal(f"{int(timeout * 1000)}ms")))
    database = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), role))


def drop_role(conn: Any, user: str) -> bool:
    """End the role's sessions, drop what it owns in this database, then the role; False when it still owns
    something in another database (it stays)."""
    from psycopg import sql

    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
                 "AND pid <> pg_backend_pid()", (user,))
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone():
        try:
            with serialized(conn):
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(user)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(user)))
        except Exception:  # noqa: BLE001 - it owns objects in another database
            return False
    forget(conn, user)
    return True


def dead_principals(conn: Any, everything: bool) -> list[str]:
    """Roles to drop: those of this version whose process is gone (everything: all of them), and roles of
    older versions (`wb_…`, one per design) that own no schema any more. A role that owns a schema stays."""
    from .base import is_orphan

    ensure_registry(conn)
    owns = "EXISTS (SELECT 1 FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner WHERE o.rolname = {})"
    recorded = conn.execute(f"SELECT m.name, m.info FROM {REGISTRY} m WHERE m.kind = %s AND NOT "
                            + owns.format("m.name"), (PRINCIPAL,)).fetchall()
    out = [name for name, info in recorded if everything or is_orphan(info if isinstance(info, dict) else {})]
    out += [r[0] for r in conn.execute(
        "SELECT rolname FROM pg_roles r WHERE rolname LIKE %s AND rolname NOT LIKE %s AND "
        "NOT " + owns.format("r.rolname"), ("wb\\_%", "wb\\_ro\\_%")).fetchall()]
    return out


def signal_backend(url: str, pid: int, user: str, ran_s: float, *, end: bool) -> bool:
    """Cancel (or, with end, terminate) one backend of `user`, as the admin, but only while it runs a
    statement that started at least `ran_s` ago: one check and signal in a single query, so a statement that
    ended meanwhile (stopped by its own statement_timeout) and the next one, just begun, are left alone.
    False when the admin may not see or signal that backend (then the caller's fallback applies)."""
    action = "pg_terminate_backend" if end else "pg_cancel_backend"
    try:
        with _admin_connection(url, None) as conn:
            row = conn.execute(
                f"SELECT query_start IS NOT NULL, CASE WHEN state = 'active' AND query_start <= now() - "
                f"make_interval(secs => %s) THEN {action}(pid) END FROM pg_stat_activity "
                "WHERE pid = %s AND usename = %s", (ran_s, pid, user)).fetchone()
    except LabError:
        return False  # refused (no privilege over the role's backends) or the server is unreachable
    return bool(row and row[0])


def may_write(conn: Any) -> bool:
    """Whether the connected user can change anything in this database (owns or may write a table, may create)."""
    row = conn.execute(
        "SELECT has_database_privilege(current_user, current_database(), 'CREATE') "
        "OR EXISTS (SELECT 1 FROM pg_namespace n WHERE has_schema_privilege(current_user, n.oid, 'CREATE') "
        "           AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%') "
        "OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "           WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "           AND (pg_has_role(current_user, c.relowner, 'USAGE') OR "
        "                has_table_privilege(current_user, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')))").fetchone()
    return bool(row[0])


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
