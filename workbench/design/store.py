"""The workbench store: one SQLite file (`.workbench/workbench.db`), reached only through `design/`.

It holds designs, every message of every conversation, every turn and model call (usage,
timings), and versioned artifacts (schemas, architectures, experiments, decisions, API
contracts). Its own schema changes only through the numbered migrations below.

The standard library's `sqlite3` is used directly (not an ORM): every statement here is
plain SQL, and the turn loop needs transactions it controls — writers take the write lock at
`BEGIN IMMEDIATE`, so two kernels on one file queue up instead of failing half-way. Artifact
bodies are stored as zlib-compressed JSON: a 300-table schema version is about 600 KB of
JSON and 25–60 KB compressed, and reading the newest version reads one row.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DesignError
from ..secrets import redact, redact_data

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


def _m001_initial(conn: sqlite3.Connection) -> None:
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
        conn.execute(ddl)


def _m002_view_state(conn: sqlite3.Connection) -> None:
    """Where a design's widgets were left (tab, versions, ER focus, rows), as JSON."""
    conn.execute("ALTER TABLE designs ADD COLUMN view_state TEXT")


def _m003_compressed_bodies(conn: sqlite3.Connection) -> None:
    """Artifact bodies as zlib-compressed JSON (BLOB); the JSON text of earlier releases is packed once."""
    rows = conn.execute("SELECT id, body FROM artifacts WHERE typeof(body) = 'text'").fetchall()
    for row_id, body in rows:
        conn.execute("UPDATE artifacts SET body = ? WHERE id = ?", (zlib.compress(body.encode("utf-8"), 6), row_id))
    conn.execute("CREATE INDEX IF NOT EXISTS artifacts_kind ON artifacts(design_id, kind, id)")


def _m004_turn_locks(conn: sqlite3.Connection) -> None:
    """Who is running a turn on a design (one at a time, across processes), and since when."""
    conn.execute("""CREATE TABLE turn_locks (
        design_id INTEGER PRIMARY KEY REFERENCES designs(id) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        process_start TEXT,
        since REAL NOT NULL,
        heartbeat REAL NOT NULL,
        turn_id INTEGER
    )""")


def _m005_context_state(conn: sqlite3.Connection) -> None:
    """How each conversation is fitted into the model's context (compaction and summary points), as JSON."""
    conn.execute("ALTER TABLE designs ADD COLUMN context TEXT")


MIGRATIONS: list[Migration] = [
    ("m001_initial", _m001_initial),
    ("m002_view_state", _m002_view_state),
    ("m003_compressed_bodies", _m003_compressed_bodies),
    ("m004_turn_locks", _m004_turn_locks),
    ("m005_context_state", _m005_context_state),
]


SIGNED_BLOCKS = ("thinking", "redacted_thinking", "compaction")


def clean_content(content: Any) -> Any:
    """A message's content with secrets masked string by string, except in the blocks the API signed
    (thinking, compaction), which must go back byte for byte or the API refuses the conversation. The agent
    loop sends this same form and the store keeps it (dump_content), so what was sent is what is kept."""
    if isinstance(content, str):
        return redact_data(content)
    out = []
    for block in content:
        if not (isinstance(block, dict) and block.get("type") in SIGNED_BLOCKS):
            out.append(redact_data(block))
        elif secret_in_signed([block]):
            # a signed block cannot be masked (the API would refuse it), but thinking may be left out as long as it
            # is never sent again: dropped here, before the next request, so no secret is kept or re-sent
            continue
        else:
            out.append(block)
    return out


def secret_in_signed(content: Any) -> bool:
    """Whether a signed thinking block of `content` holds text the redactor would mask."""
    return isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "thinking" and redact_data(b.get("thinking", "")) != b.get("thinking", "")
        for b in content)


def dump_content(content: Any) -> str:
    return json.dumps(clean_content(content), ensure_ascii=False, sort_keys=True, default=str)


def dumps(value: Any) -> str:
    """JSON as the store writes it: secrets masked, sorted keys (equal values are equal text).

    The JSON text is redacted in one pass; should a mask ever cut across a string's quotes,
    the value is redacted string by string instead.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    clean = redact(text)
    if clean != text:
        try:
            json.loads(clean)
        except ValueError:
            clean = json.dumps(redact_data(value), ensure_ascii=False, sort_keys=True, default=str)
    return clean


def _pack(body: Any) -> bytes:
    return zlib.compress(dumps(body).encode("utf-8"), 6)


def _unpack(raw: Any) -> Any:
    if isinstance(raw, bytes):
        return json.loads(zlib.decompress(raw))
    return json.loads(raw)


_ARTIFACT_META = "id, design_id, kind, name, version, summary, turn_id, created_at"


class Store:
    """Access to the workbench database file; creates and migrates it on first use.

    One connection per Store, shared by the threads of a process under a lock; other
    processes are serialised by SQLite itself (WAL, writers queue at BEGIN IMMEDIATE).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._depth = 0

    # -- connection and transactions -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
            conn.execute("PRAGMA foreign_keys=ON")
            self._conn = conn
            self._migrate()
        return self._conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one); writers take the write lock up front."""
        with self._lock:
            conn = self._connect()
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            self._depth = 1
            try:
                yield conn
            except BaseException:
                self._depth = 0
                conn.execute("ROLLBACK")
                raise
            self._depth = 0
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _migrate(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
            done = {r[0] for r in conn.execute("SELECT name FROM migrations")}
            for name, apply in MIGRATIONS:
                if name not in done:
                    apply(conn)
                    conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, time.time()))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def applied_migrations(self) -> list[str]:
        with self.transaction(write=False) as conn:
            return [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY name")]

    # -- designs -----------------------------------------------------------------------------
    def design(self, name: str, *, create: bool = True) -> dict:
        """The design row named `name` (created when missing, unless create=False)."""
        check_design_name(name)
        with self.transaction(write=create) as conn:
            row = conn.execute("SELECT * FROM designs WHERE name = ?", (name,)).fetchone()
            if row is None:
                if not create:
                    known = [r[0] for r in conn.execute("SELECT name FROM designs ORDER BY name")]
                    raise DesignError(f"No design named {name!r}.",
                                      hint=f"Known designs: {', '.join(known) or 'none yet'}.")
                now = time.time()
                conn.execute("INSERT INTO designs (name, created_at, updated_at) VALUES (?, ?, ?)", (name, now, now))
                row = conn.execute("SELECT * FROM designs WHERE name = ?", (name,)).fetchone()
            return dict(row)

    def design_row(self, design_id: int) -> dict:
        with self.transaction(write=False) as conn:
            return dict(conn.execute("SELECT * FROM designs WHERE id = ?", (design_id,)).fetchone())

    def has_design(self, name: str) -> bool:
        with self.transaction(write=False) as conn:
            return conn.execute("SELECT 1 FROM designs WHERE name = ?", (name,)).fetchone() is not None

    def designs(self) -> list[dict]:
        with self.transaction(write=False) as conn:
            rows = conn.execute(
                "SELECT d.*, (SELECT COUNT(*) FROM turns t WHERE t.design_id = d.id) AS turns, "
                "(SELECT COALESCE(SUM(cost_usd), 0) FROM turns t WHERE t.design_id = d.id) AS cost_usd "
                "FROM designs d ORDER BY d.name")
            return [dict(r) for r in rows]

    def update_design(self, design_id: int, **fields: Any) -> None:
        allowed = {"requirements", "agent", "model", "conversation", "view_state", "context"}
        bad = set(fields) - allowed
        if bad:
            raise DesignError(f"Cannot update design fields {sorted(bad)}.")
        fields = {k: redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        sets = ", ".join(f"{k} = :{k}" for k in fields)
        with self.transaction() as conn:
            conn.execute(f"UPDATE designs SET {sets}, updated_at = :_t WHERE id = :_id",
                         {**fields, "_t": time.time(), "_id": design_id})

    # -- conversation ----------------------------------------------------------------------
    def messages(self, design_id: int, conversation: int, *, ids: bool = False, after: int = 0) -> list[dict]:
        """The conversation's messages in order, as {'role', 'content'} dicts (with their 'id' if asked);
        `after`: only those with a larger id."""
        with self.transaction(write=False) as conn:
            rows = conn.execute("SELECT id, role, content, turn_id FROM messages WHERE design_id = ? AND conversation = ? "
                                "AND id > ? ORDER BY id", (design_id, conversation, after))
            if ids:
                return [{"id": r[0], "role": r[1], "content": json.loads(r[2]), "turn": r[3]} for r in rows]
            return [{"role": r[1], "content": json.loads(r[2])} for r in rows]

    def replace_content(self, message_id: int, content: list[dict]) -> None:
        """Change a stored message's content (only to repair a conversation a crash left invalid)."""
        with self.transaction() as conn:
            conn.execute("UPDATE messages SET content = ? WHERE id = ?", (dumps(content), message_id))

    # -- turn locks --------------------------------------------------------------------------------
    def turn_lock(self, design_id: int) -> dict | None:
        with self.transaction(write=False) as conn:
            row = conn.execute("SELECT * FROM turn_locks WHERE design_id = ?", (design_id,)).fetchone()
            return dict(row) if row else None

    def take_turn_lock(self, design_id: int, holder: dict, *, unless: Callable[[dict], bool]) -> dict | None:
        """Hold the design's turn lock; returns None when taken, else the current lock (when `unless(lock)`:
        its holder still runs). Called inside the caller's write transaction."""
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM turn_locks WHERE design_id = ?", (design_id,)).fetchone()
            if row is not None and row["holder"] != holder["holder"] and unless(dict(row)):
                return dict(row)
            now = time.time()
            conn.execute("INSERT OR REPLACE INTO turn_locks (design_id, holder, host, pid, process_start, since, "
                         "heartbeat, turn_id) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                         (design_id, holder["holder"], holder["host"], holder["pid"], holder["process_start"], now, now))
            return None

    def beat(self, design_id: int, holder: str, turn_id: int | None = None) -> None:
        """The lock's holder is alive (called with every write of its turn)."""
        with self.transaction() as conn:
            conn.execute("UPDATE turn_locks SET heartbeat = ?, turn_id = COALESCE(?, turn_id) WHERE design_id = ? "
                         "AND holder = ?", (time.time(), turn_id, design_id, holder))

    def release_turn_lock(self, design_id: int, holder: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM turn_locks WHERE design_id = ? AND holder = ?", (design_id, holder))

    def close_running_turns(self, design_id: int, *, error: str) -> int:
        """Mark the turns still `running` on a design as interrupted (their process is gone)."""
        with self.transaction() as conn:
            cursor = conn.execute("UPDATE turns SET status = 'interrupted', error = ?, ended_at = ? WHERE design_id = ? "
                                  "AND status = 'running'", (error, time.time(), design_id))
            return cursor.rowcount

    def append_messages(self, design_id: int, conversation: int, turn_id: int | None, messages: list[dict]) -> list[int]:
        """Add messages ({'role', 'content'}) to a conversation, in order; returns their ids."""
        now = time.time()
        ids = []
        with self.transaction() as conn:
            for m in messages:
                cur = conn.execute("INSERT INTO messages (design_id, conversation, turn_id, role, content, created_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                   (design_id, conversation, turn_id, m["role"], dump_content(m["content"]), now))
                ids.append(int(cur.lastrowid))
        return ids

    def append_message(self, design_id: int, conversation: int, turn_id: int | None, role: str,
                       content: list[dict]) -> None:
        self.append_messages(design_id, conversation, turn_id, [{"role": role, "content": content}])

    # -- turns and calls -------------------------------------------------------------------
    def start_turn(self, design_id: int, conversation: int, prompt: str, *, agent: str, model: str,
                   system: str) -> int:
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO turns (design_id, conversation, started_at, prompt, agent, model, system) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (design_id, conversation, time.time(), redact(prompt), agent, model, redact(system)))
            return int(cursor.lastrowid)

    def finish_turn(self, turn_id: int, *, status: str, steps: int, usage: dict, cost_usd: float,
                    elapsed_s: float, error: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE turns SET status = ?, steps = ?, usage = ?, cost_usd = ?, elapsed_s = ?, error = ?, "
                         "ended_at = ? WHERE id = ?",
                         (status, steps, dumps(usage), cost_usd, elapsed_s, redact(error), time.time(), turn_id))

    def record_call(self, turn_id: int, step: int, *, model: str, request: dict, response: list | None,
                    stop_reason: str | None, usage: dict | None, cost_usd: float, started_at: float,
                    first_token_s: float | None, elapsed_s: float, error: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO calls (turn_id, step, model, request, response, stop_reason, usage, cost_usd, "
                "started_at, first_token_s, elapsed_s, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (turn_id, step, model, dumps(request), dumps(response) if response is not None else None,
                 stop_reason, dumps(usage) if usage is not None else None, cost_usd, started_at, first_token_s,
                 elapsed_s, redact(error)))

    def turns(self, design_id: int, conversation: int | None = None) -> list[dict]:
        query = "SELECT * FROM turns WHERE design_id = ?"
        params: list[Any] = [design_id]
        if conversation is not None:
            query += " AND conversation = ?"
            params.append(conversation)
        with self.transaction(write=False) as conn:
            rows = [dict(r) for r in conn.execute(query + " ORDER BY id", params)]
        for row in rows:
            row["usage"] = json.loads(row["usage"]) if row["usage"] else {}
        return rows

    def usage_totals(self, design_id: int) -> list[dict]:
        """The usage of every turn of a design (just the usage column: cheap at any length)."""
        with self.transaction(write=False) as conn:
            return [json.loads(r[0]) for r in conn.execute(
                "SELECT usage FROM turns WHERE design_id = ? AND usage IS NOT NULL ORDER BY id", (design_id,))]

    def calls(self, turn_id: int) -> list[dict]:
        with self.transaction(write=False) as conn:
            rows = [dict(r) for r in conn.execute("SELECT * FROM calls WHERE turn_id = ? ORDER BY step", (turn_id,))]
        for row in rows:
            for key in ("request", "response", "usage"):
                row[key] = json.loads(row[key]) if row[key] else None
        return rows

    # -- artifacts -------------------------------------------------------------------------
    def add_artifact(self, design_id: int, kind: str, name: str, body: Any, *, summary: str | None = None,
                     turn_id: int | None = None) -> int:
        """Store a new version of an artifact; returns its version number (1, 2, …)."""
        packed = _pack(body)  # compressed outside the write lock
        with self.transaction() as conn:
            current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM artifacts WHERE design_id = ? AND kind = ? "
                                   "AND name = ?", (design_id, kind, name)).fetchone()[0]
            version = int(current) + 1
            conn.execute("INSERT INTO artifacts (design_id, kind, name, version, body, summary, turn_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (design_id, kind, name, version, packed, redact(summary), turn_id, time.time()))
            return version

    def artifacts(self, design_id: int, kind: str | None = None, name: str | None = None, *,
                  bodies: bool = True) -> list[dict]:
        """Artifact versions of a design, oldest first (with their bodies decoded unless bodies=False)."""
        where, params = _where(design_id, kind, name)
        columns = "*" if bodies else _ARTIFACT_META
        with self.transaction(write=False) as conn:
            rows = [dict(r) for r in conn.execute(f"SELECT {columns} FROM artifacts WHERE {where} ORDER BY id", params)]
        if bodies:
            for row in rows:
                row["body"] = _unpack(row["body"])
        return rows

    def artifact(self, design_id: int, kind: str, name: str | None = None, version: int | None = None) -> dict | None:
        """One artifact version with its body: the newest (of `name`, or of any name), or `version` of `name`."""
        where, params = _where(design_id, kind, name)
        if version is not None:
            where += " AND version = ?"
            params.append(version)
        with self.transaction(write=False) as conn:
            row = conn.execute(f"SELECT * FROM artifacts WHERE {where} ORDER BY id DESC LIMIT 1", params).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["body"] = _unpack(out["body"])
        return out

    def artifact_heads(self, design_id: int) -> list[dict]:
        """Per kind and name: the newest version, how many there are and the newest summary (no bodies)."""
        with self.transaction(write=False) as conn:
            rows = conn.execute(
                "SELECT a.kind, a.name, a.version, a.summary, a.id, counts.n, counts.first FROM artifacts a JOIN ("
                "  SELECT kind, name, MAX(id) AS last, MIN(id) AS first, COUNT(*) AS n FROM artifacts WHERE design_id = ? "
                "  GROUP BY kind, name) counts ON a.id = counts.last ORDER BY a.id", (design_id,))
            return [dict(r) for r in rows]


def _where(design_id: int, kind: str | None, name: str | None) -> tuple[str, list[Any]]:
    where, params = "design_id = ?", [design_id]
    if kind is not None:
        where += " AND kind = ?"
        params.append(kind)
    if name is not None:
        where += " AND name = ?"
        params.append(name)
    return where, params


def check_design_name(name: str) -> None:
    """Refuse names that are not safe as folder names and URLs."""
    import re

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", name):
        raise DesignError(f"Invalid design name {name!r}.",
                          hint="Use letters, digits, '-', '_' or '.', starting with a letter or digit (max 64).")
