"""The workbench store: one SQLite file (`.workbench/workbench.db`) through SQLAlchemy Core.

It holds designs, every message of every conversation, every turn and model call (usage,
timings), and versioned artifacts (schemas, architectures, experiments, decisions, API
contracts). Its own schema changes only through the numbered migrations below.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DesignError

Migration = tuple[str, Callable[[Any], None]]


def _m001_initial(conn: Any) -> None:
    from sqlalchemy import text

    for ddl in (
        """CREATE TABLE designs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            requirements TEXT,
            agent TEXT,
            model TEXT,
            conversation INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            design_id INTEGER NOT NULL REFERENCES designs(id) ON DELETE CASCADE,
            conversation INTEGER NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL,
            prompt TEXT NOT NULL,
            agent TEXT,
            model TEXT,
            system TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            error TEXT,
            steps INTEGER NOT NULL DEFAULT 0,
            usage TEXT,
            cost_usd REAL NOT NULL DEFAULT 0,
            elapsed_s REAL
        )""",
        "CREATE INDEX turns_design ON turns(design_id, id)",
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            design_id INTEGER NOT NULL REFERENCES designs(id) ON DELETE CASCADE,
            conversation INTEGER NOT NULL,
            turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
            content TEXT NOT NULL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX messages_design ON messages(design_id, conversation, id)",
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            turn_id INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            model TEXT NOT NULL,
            request TEXT NOT NULL,
            response TEXT,
            stop_reason TEXT,
            usage TEXT,
            cost_usd REAL NOT NULL DEFAULT 0,
            started_at REAL NOT NULL,
            first_token_s REAL,
            elapsed_s REAL,
            error TEXT
        )""",
        "CREATE INDEX calls_turn ON calls(turn_id, step)",
        """CREATE TABLE artifacts (
            id INTEGER PRIMARY KEY,
            design_id INTEGER NOT NULL REFERENCES designs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            summary TEXT,
            turn_id INTEGER REFERENCES turns(id) ON DELETE SET NULL,
            created_at REAL NOT NULL,
            UNIQUE (design_id, kind, name, version)
        )""",
        "CREATE INDEX artifacts_design ON artifacts(design_id, kind, name, version)",
    ):
        conn.execute(text(ddl))


def _m002_view_state(conn: Any) -> None:
    """Where a design's widgets were left (tab, versions, ER focus, rows), as JSON."""
    from sqlalchemy import text

    conn.execute(text("ALTER TABLE designs ADD COLUMN view_state TEXT"))


MIGRATIONS: list[Migration] = [
    ("m001_initial", _m001_initial),
    ("m002_view_state", _m002_view_state),
]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class Store:
    """Access to the workbench database file; creates and migrates it on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from sqlalchemy import create_engine, event

            self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(f"sqlite:///{self.path}", future=True)

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):  # noqa: ANN001
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=5000")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.close()

            self._engine = engine
            self._migrate()
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def begin(self):
        with self.engine.begin() as conn:
            yield conn

    def _migrate(self) -> None:
        from sqlalchemy import text

        with self._engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"))
            done = {r[0] for r in conn.execute(text("SELECT name FROM migrations"))}
            for name, apply in MIGRATIONS:
                if name not in done:
                    apply(conn)
                    conn.execute(text("INSERT INTO migrations (name, applied_at) VALUES (:n, :t)"),
                                 {"n": name, "t": time.time()})

    def applied_migrations(self) -> list[str]:
        from sqlalchemy import text

        with self.begin() as conn:
            return [r[0] for r in conn.execute(text("SELECT name FROM migrations ORDER BY name"))]

    # -- designs -----------------------------------------------------------------------------
    def design(self, name: str, *, create: bool = True) -> dict:
        """The design row named `name` (created when missing, unless create=False)."""
        from sqlalchemy import text

        _check_design_name(name)
        with self.begin() as conn:
            row = conn.execute(text("SELECT * FROM designs WHERE name = :n"), {"n": name}).mappings().first()
            if row is None:
                if not create:
                    known = [r[0] for r in conn.execute(text("SELECT name FROM designs ORDER BY name"))]
                    raise DesignError(f"No design named {name!r}.",
                                      hint=f"Known designs: {', '.join(known) or 'none yet'}.")
                now = time.time()
                conn.execute(text("INSERT INTO designs (name, created_at, updated_at) VALUES (:n, :t, :t)"),
                             {"n": name, "t": now})
                row = conn.execute(text("SELECT * FROM designs WHERE name = :n"), {"n": name}).mappings().first()
            return dict(row)

    def designs(self) -> list[dict]:
        from sqlalchemy import text

        with self.begin() as conn:
            rows = conn.execute(text(
                "SELECT d.*, (SELECT COUNT(*) FROM turns t WHERE t.design_id = d.id) AS turns, "
                "(SELECT COALESCE(SUM(cost_usd), 0) FROM turns t WHERE t.design_id = d.id) AS cost_usd "
                "FROM designs d ORDER BY d.name")).mappings()
            return [dict(r) for r in rows]

    def update_design(self, design_id: int, **fields: Any) -> None:
        from sqlalchemy import text

        allowed = {"requirements", "agent", "model", "conversation", "view_state"}
        bad = set(fields) - allowed
        if bad:
            raise DesignError(f"Cannot update design fields {sorted(bad)}.")
        sets = ", ".join(f"{k} = :{k}" for k in fields)
        with self.begin() as conn:
            conn.execute(text(f"UPDATE designs SET {sets}, updated_at = :_t WHERE id = :_id"),
                         {**fields, "_t": time.time(), "_id": design_id})

    # -- conversation ----------------------------------------------------------------------
    def messages(self, design_id: int, conversation: int) -> list[dict]:
        """The conversation's messages in order, as {'role', 'content'} dicts."""
        from sqlalchemy import text

        with self.begin() as conn:
            rows = conn.execute(text("SELECT role, content FROM messages WHERE design_id = :d AND conversation = :c "
                                     "ORDER BY id"), {"d": design_id, "c": conversation})
            return [{"role": r.role, "content": json.loads(r.content)} for r in rows]

    def append_message(self, design_id: int, conversation: int, turn_id: int | None, role: str,
                       content: list[dict]) -> None:
        from sqlalchemy import text

        with self.begin() as conn:
            conn.execute(text("INSERT INTO messages (design_id, conversation, turn_id, role, content, created_at) "
                              "VALUES (:d, :c, :t, :r, :x, :now)"),
                         {"d": design_id, "c": conversation, "t": turn_id, "r": role, "x": _dumps(content),
                          "now": time.time()})

    # -- turns and calls -------------------------------------------------------------------
    def start_turn(self, design_id: int, conversation: int, prompt: str, *, agent: str, model: str,
                   system: str) -> int:
        from sqlalchemy import text

        with self.begin() as conn:
            result = conn.execute(text(
                "INSERT INTO turns (design_id, conversation, started_at, prompt, agent, model, system) "
                "VALUES (:d, :c, :t, :p, :a, :m, :s)"),
                {"d": design_id, "c": conversation, "t": time.time(), "p": prompt, "a": agent, "m": model,
                 "s": system})
            return int(result.lastrowid)

    def finish_turn(self, turn_id: int, *, status: str, steps: int, usage: dict, cost_usd: float,
                    elapsed_s: float, error: str | None = None) -> None:
        from sqlalchemy import text

        with self.begin() as conn:
            conn.execute(text("UPDATE turns SET status = :st, steps = :n, usage = :u, cost_usd = :c, "
                              "elapsed_s = :e, error = :err, ended_at = :t WHERE id = :id"),
                         {"st": status, "n": steps, "u": _dumps(usage), "c": cost_usd, "e": elapsed_s,
                          "err": error, "t": time.time(), "id": turn_id})

    def record_call(self, turn_id: int, step: int, *, model: str, request: dict, response: list | None,
                    stop_reason: str | None, usage: dict | None, cost_usd: float, started_at: float,
                    first_token_s: float | None, elapsed_s: float, error: str | None = None) -> None:
        from sqlalchemy import text

        with self.begin() as conn:
            conn.execute(text(
                "INSERT INTO calls (turn_id, step, model, request, response, stop_reason, usage, cost_usd, "
                "started_at, first_token_s, elapsed_s, error) VALUES (:t, :s, :m, :rq, :rs, :sr, :u, :c, :st, "
                ":ft, :e, :err)"),
                {"t": turn_id, "s": step, "m": model, "rq": _dumps(request),
                 "rs": _dumps(response) if response is not None else None, "sr": stop_reason,
                 "u": _dumps(usage) if usage is not None else None, "c": cost_usd, "st": started_at,
                 "ft": first_token_s, "e": elapsed_s, "err": error})

    def turns(self, design_id: int, conversation: int | None = None) -> list[dict]:
        from sqlalchemy import text

        query = "SELECT * FROM turns WHERE design_id = :d"
        params: dict[str, Any] = {"d": design_id}
        if conversation is not None:
            query += " AND conversation = :c"
            params["c"] = conversation
        with self.begin() as conn:
            rows = [dict(r) for r in conn.execute(text(query + " ORDER BY id"), params).mappings()]
        for row in rows:
            row["usage"] = json.loads(row["usage"]) if row["usage"] else {}
        return rows

    def calls(self, turn_id: int) -> list[dict]:
        from sqlalchemy import text

        with self.begin() as conn:
            rows = [dict(r) for r in conn.execute(text("SELECT * FROM calls WHERE turn_id = :t ORDER BY step"),
                                                  {"t": turn_id}).mappings()]
        for row in rows:
            for key in ("request", "response", "usage"):
                row[key] = json.loads(row[key]) if row[key] else None
        return rows

    # -- artifacts -------------------------------------------------------------------------
    def add_artifact(self, design_id: int, kind: str, name: str, body: Any, *, summary: str | None = None,
                     turn_id: int | None = None) -> int:
        """Store a new version of an artifact; returns its version number (1, 2, …)."""
        from sqlalchemy import text

        with self.begin() as conn:
            current = conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM artifacts WHERE design_id = :d "
                                        "AND kind = :k AND name = :n"), {"d": design_id, "k": kind, "n": name}).scalar()
            version = int(current) + 1
            conn.execute(text("INSERT INTO artifacts (design_id, kind, name, version, body, summary, turn_id, "
                              "created_at) VALUES (:d, :k, :n, :v, :b, :s, :t, :now)"),
                         {"d": design_id, "k": kind, "n": name, "v": version, "b": _dumps(body), "s": summary,
                          "t": turn_id, "now": time.time()})
            return version

    def artifacts(self, design_id: int, kind: str | None = None, name: str | None = None) -> list[dict]:
        """Artifact versions of a design, oldest first, with their bodies decoded."""
        from sqlalchemy import text

        query = "SELECT * FROM artifacts WHERE design_id = :d"
        params: dict[str, Any] = {"d": design_id}
        if kind is not None:
            query += " AND kind = :k"
            params["k"] = kind
        if name is not None:
            query += " AND name = :n"
            params["n"] = name
        with self.begin() as conn:
            rows = [dict(r) for r in conn.execute(text(query + " ORDER BY id"), params).mappings()]
        for row in rows:
            row["body"] = json.loads(row["body"])
        return rows


def _check_design_name(name: str) -> None:
    import re

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", name):
        raise DesignError(f"Invalid design name {name!r}.",
                          hint="Use letters, digits, '-', '_' or '.', starting with a letter or digit (max 64).")
