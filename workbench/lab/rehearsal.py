"""Migration rehearsal: a migration applied, statement by statement, to a copy of the design's seeded
data while a workload runs on it, with what each statement did to the traffic.

    rehearsal = rehearse(lab, old_schema, migration_sql, rows=200_000)
    rehearsal.summary()

For each statement: how long it ran, the locks it held on which tables (the strongest mode per table,
read in the statement's own transaction before it commits, or sampled every 10 ms for what cannot run
in a transaction, like CREATE INDEX CONCURRENTLY), whether it rewrote a table (its storage changed), how many of the workload's
sessions it blocked and for how long at most, and its error if it failed. Where the engine has a form
that blocks less (PostgreSQL: CREATE INDEX CONCURRENTLY; a FOREIGN KEY or CHECK added NOT VALID, then
validated), that form is rehearsed too, on identical data, and both are shown side by side.

Each plan runs in a lab of its own (a namespace beside the design's, as its principal) holding the old
schema: one is seeded, the others are copies of it (Lab.copy), so the plans see the same rows and the
data is generated once. The workload is the
caller's, or by default reads and updates by primary key on the tables the migration touches.
"""

from __future__ import annotations

import html
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import LabError, SQLError

if TYPE_CHECKING:
    from ..schema.model import Schema
    from .lab import Lab

RETRIES = 3  # a statement that gives up on its lock (a safe form's lock timeout) runs again, backing off

# PostgreSQL's table lock modes, weakest first: a statement's strongest per table is what it costs others
_MODES = ("AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
          "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")
_BLOCKS = {"AccessShareLock": "nothing but ACCESS EXCLUSIVE", "RowShareLock": "EXCLUSIVE locks",
           "RowExclusiveLock": "SHARE locks (CREATE INDEX)", "ShareUpdateExclusiveLock": "other schema changes",
           "ShareLock": "writes", "ShareRowExclusiveLock": "writes", "ExclusiveLock": "writes and SELECT … FOR UPDATE",
           "AccessExclusiveLock": "reads and writes"}


@dataclass
class Step:
    """One statement, rehearsed."""

    statement: str
    seconds: float
    locks: dict[str, str]            # table → strongest lock mode held
    rewritten: list[str]             # tables whose storage changed
    blocked_max: int                 # most workload sessions waiting for it at once
    longest_block_s: float           # the longest any one waited for it
    error: str | None = None
    retries: int = 0                 # times it gave up waiting for its lock (lock_timeout) and ran again

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Plan:
    """A way to apply the migration (as written, or in its safe form), and what the workload saw meanwhile."""

    label: str
    steps: list[Step]
    load: Any = None                 # the workload's LoadResult over the whole plan


@dataclass
class Rehearsal:
    dialect: str
    rows: Any
    plans: list[Plan]
    notes: list[str] = field(default_factory=list)
    name: str | None = None          # set when stored in a design
    version: int | None = None
    measured: bool = True            # locks, rewrites and blocking seen (False: the engine does not show them)

    def summary(self) -> str:
        lines = [f"Migration rehearsed on {self.dialect}, {self.rows} rows per table, with a workload running:"]
        for plan in self.plans:
            total = sum(s.seconds for s in plan.steps)
            lines.append(f"{plan.label}: {len(plan.steps)} statement{'s' if len(plan.steps) != 1 else ''}, "
                         f"{total:.2f} s")
            for s in plan.steps:
                if not self.measured:
                    error = f": FAILED: {s.error}" if s.error else ""
                    lines.append(f"  {s.seconds:.2f} s  {_short(s.statement)}{error}")
                    continue
                locks = ", ".join(f"{mode} on {table}" for table, mode in s.locks.items()) or "no table locks seen"
                extra = f"; rewrote {', '.join(s.rewritten)}" if s.rewritten else ""
                blocked = (f"; blocked up to {s.blocked_max} session{'s' if s.blocked_max != 1 else ''}, the longest "
                           f"{s.longest_block_s:.2f} s") if s.blocked_max else "; blocked no one"
                error = f"; FAILED: {s.error}" if s.error else ""
                error += f"; gave up on its lock and retried {s.retries}x" if s.retries else ""
                lines.append(f"  {s.seconds:.2f} s  {_short(s.statement)}: {locks}{extra}{blocked}{error}")
            if plan.load is not None:
                errors = ", ".join(f"{k} {v}" for k, v in plan.load.errors().items()) or "no errors"
                worst = max((t["max_ms"] or 0 for t in plan.load.transactions), default=0)
                lines.append(f"  workload: {plan.load.throughput:,.0f} transactions/s, slowest {worst:,.0f} ms, {errors}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def for_model(self) -> str:
        stored = f"Rehearsal {self.name!r} v{self.version} stored.\n" if self.name else ""
        return stored + self.summary()

    def to_dict(self) -> dict:
        return {"dialect": self.dialect, "rows": self.rows, "notes": self.notes, "measured": self.measured,
                "plans": [{"label": p.label, "steps": [s.to_dict() for s in p.steps],
                           "load": p.load.to_dict() if p.load is not None else None} for p in self.plans]}

    @classmethod
    def from_dict(cls, data: dict) -> Rehearsal:
        from .traffic import LoadResult

        return cls(data["dialect"], data["rows"],
                   [Plan(p["label"], [Step(**s) for s in p["steps"]],
                         LoadResult.from_dict(p["load"]) if p.get("load") else None) for p in data["plans"]],
                   list(data.get("notes") or []), measured=data.get("measured", True))

    def _repr_html_(self) -> str:
        rows = []
        for plan in self.plans:
            for s in plan.steps:
                rows.append(
                    f"<tr><td>{html.escape(plan.label)}</td><td><code>{html.escape(_short(s.statement, 90))}</code></td>"
                    f"<td>{s.seconds:.2f}</td><td>{html.escape(', '.join(f'{m} on {t}' for t, m in s.locks.items()))}"
                    f"</td><td>{html.escape(', '.join(s.rewritten)) or '—'}</td><td>{s.blocked_max}</td>"
                    f"<td>{s.longest_block_s:.2f}</td><td>{html.escape(s.error or '')}</td></tr>")
        return (f"<p><b>Migration rehearsal</b> on {html.escape(self.dialect)}, {html.escape(str(self.rows))} rows per "
                "table, with a workload running</p><table><thead><tr><th>plan</th><th>statement</th><th>s</th>"
                "<th>locks</th><th>rewrote</th><th>blocked</th><th>longest block s</th><th>error</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                + "".join(f"<p>{html.escape(line.strip())}</p>" for line in self.summary().splitlines()
                          if line.strip().startswith(("workload", "note"))))

    def __repr__(self) -> str:
        return f"<Rehearsal {self.summary().splitlines()[0]}>"


def _short(text: str, n: int = 70) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


class _Watcher(threading.Thread):
    """Samples the locks one session holds and the sessions waiting for it, every 10 ms."""

    def __init__(self, lab: Lab, session: Any) -> None:
        super().__init__(daemon=True)
        self.lab, self.session = lab, session
        self.halt = threading.Event()
        self.locks: dict[str, str] = {}
        self.waiting: dict[Any, list[float]] = {}   # waiting session → [first seen, last seen]
        self.blocked_max = 0
        self.ready = threading.Event()
        self.conn = lab.driver.connect(lab)

    def run(self) -> None:
        driver = self.lab.driver
        try:
            cursor = self.conn.cursor()
            self.ready.set()
            while not self.halt.is_set():
                cursor.execute(driver.held_locks_sql, (self.session,))
                for mode, table in cursor.fetchall():
                    self.note(mode, table)
                cursor.execute(driver.blocked_by_sql, (self.session,))
                now = time.perf_counter()
                waiting = [r[0] for r in cursor.fetchall()]
                self.blocked_max = max(self.blocked_max, len(waiting))
                for pid in waiting:
                    self.waiting.setdefault(pid, [now, now])[1] = now
                self.halt.wait(0.01)
        finally:
            self.ready.set()
            self.conn.close()

    def note(self, mode: str, table: str) -> None:
        """Keep the strongest mode seen on `table`."""
        current = self.locks.get(table)
        if current is None or mode in _MODES and current in _MODES and _MODES.index(mode) > _MODES.index(current):
            self.locks[table] = mode

    @property
    def longest(self) -> float:
        return max((last - first for first, last in self.waiting.values()), default=0.0)


def default_workload(schema: Schema, statements: list[str]) -> dict:
    """Reads and updates by primary key on the tables the statements name (an update that changes nothing:
    it takes the row lock a real update takes)."""
    from ..schema.names import quote

    touched = []
    text = " ".join(statements).lower()
    for table in schema.tables.values():
        if len(table.primary_key) == 1 and re.search(rf"\b{re.escape(table.name.lower())}\b", text):
            touched.append(table)
    if not touched:
        raise LabError("The migration names no table with a one-column primary key, so no default workload fits.",
                       hint="Pass a workload: {'transactions': [...], 'params': {...}}.")
    transactions, params = [], {}
    for table in touched:
        key = table.primary_key[0]
        ref = f"{table.name}_{key}"
        params[ref] = {"from": f"{table.key}.{key}"}
        q = quote(key, schema.dialect)
        transactions.append({"name": f"read {table.name}", "sql": f"SELECT {q} FROM {table.key} WHERE {q} = :{ref}",
                             "weight": 3})
        transactions.append({"name": f"update {table.name}",
                             "sql": f"UPDATE {table.key} SET {q} = {q} WHERE {q} = :{ref}", "weight": 1})
    return {"transactions": transactions, "params": params}


def rehearse(base: Lab, schema: Schema, migration: str | list[str], *, rows: Any = 100_000, seed: int = 42,
             workload: Any = None, clients: int = 4, safe: bool = True) -> Rehearsal:
    """Rehearse `migration` (SQL text or statements) from `schema` on copies of seeded data (see the module
    docstring). `base` is any lab of the engine to rehearse on; the copies are made beside it."""
    from ..schema.statements import split_statements

    driver = base.driver
    statements = [s.sql for s in split_statements(migration, base.dialect)] if isinstance(migration, str) \
        else [s for s in migration if s.strip()]
    statements = [s for s in statements if not s.lstrip().startswith("--")]
    if not statements:
        raise LabError("The migration has no statements to rehearse.", hint="Give the SQL of version N → N+1.")
    notes: list[str] = []
    measured = driver.held_locks_sql is not None
    if not measured:
        notes.append(f"{base.dialect}: locks, table rewrites and blocked sessions are not visible to the lab here "
                     "(PostgreSQL shows them); durations and what the workload saw are measured")
    traffic = workload if workload is not None else default_workload(schema, statements)
    plans = [("as written", statements)]
    if safe:
        safer = [driver.safe_form(s) for s in statements]
        if any(safer):
            plans.append(("safe form", [x for s, alt in zip(statements, safer, strict=True) for x in (alt or [s])]))
    out = Rehearsal(base.dialect, rows, [], notes, measured=measured)
    with base.sibling("rehearse-seeded") as seeded:  # seeded once; each plan but the last runs on a copy
        seeded.load(schema)
        seeded.seed(rows, seed=seed, progress=False)
        for i, (label, steps) in enumerate(plans):
            if i == len(plans) - 1:
                out.plans.append(_run_plan(seeded, label, steps, traffic, clients))
                continue
            with seeded.copy(f"rehearse-{label.replace(' ', '-')}") as lab:
                out.plans.append(_run_plan(lab, label, steps, traffic, clients))
    return out


def _run_plan(lab: Lab, label: str, statements: list[str], traffic: Any, clients: int) -> Plan:
    driver = lab.driver
    conn = lab.connection()
    session = None
    if driver.backend_id_sql:
        cursor = conn.cursor()
        cursor.execute(driver.backend_id_sql)
        session = cursor.fetchone()[0]
    until, going, working = threading.Event(), threading.Event(), threading.Event()
    holder: dict[str, Any] = {}

    def reported(watch: Any) -> None:
        if watch.committed >= clients:
            working.set()

    def load() -> None:
        try:
            holder["result"] = lab.run_load(traffic, clients=clients, duration=3600, until=until, started=going,
                                            live=reported)
        except Exception as exc:  # noqa: BLE001 - reported with the plan
            holder["error"] = exc
            going.set()

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    going.wait(120)
    if "error" in holder:
        raise holder["error"]
    _await_workload(lab, conn, clients, working)  # the workload runs before the first statement, as on a live server
    steps = []
    try:
        for statement in statements:
            before = _relfiles(conn, driver)
            watcher = _Watcher(lab, session) if session is not None and driver.held_locks_sql else None
            if watcher is not None:
                watcher.start()
                watcher.ready.wait(10)
            started = time.perf_counter()
            error = None
            held: list[tuple[str, str]] = []
            # in a transaction of its own, the statement's locks are still held when it returns: read them then
            # (exactly, however short it was); what cannot run in a transaction is only sampled
            framed = session is not None and driver.held_locks_sql and driver.transactional(statement)
            retries = 0
            while True:
                try:
                    if framed:
                        lab.run("BEGIN")
                    lab.run(statement)
                    if framed:
                        cursor = conn.cursor()
                        cursor.execute(driver.held_locks_sql, (session,))
                        held = list(cursor.fetchall())
                        lab.run("COMMIT")
                    break
                except SQLError as exc:
                    if framed:
                        try:
                            lab.run("ROLLBACK")
                        except SQLError:
                            pass
                    if driver.is_lock_timeout(str(exc)) and retries < RETRIES:
                        retries += 1  # a safe form's lock timeout: back off, let the queue drain, try again
                        time.sleep(0.2 * 2 ** retries)
                        continue
                    error = str(exc).splitlines()[0][:200]
                    break
            seconds = time.perf_counter() - started
            if watcher is not None:
                watcher.halt.set()
                watcher.join(5)
                for mode, table in held:
                    watcher.note(mode, table)
            after = _relfiles(conn, driver)
            steps.append(Step(statement, seconds, dict(watcher.locks) if watcher else {},
                              sorted(t for t in before if t in after and after[t] != before[t]),
                              watcher.blocked_max if watcher else 0, watcher.longest if watcher else 0.0, error,
                              retries))
    finally:
        until.set()
        thread.join(60)
    return Plan(label, steps, holder.get("result"))


def _await_workload(lab: Lab, conn: Any, clients: int, working: threading.Event, timeout: float = 60.0) -> None:
    """Return once the workload has committed a transaction per client and, on a server that lists sessions, once
    every client has been seen running a statement and one is running now: workers start slowly on a busy
    machine, and a statement rehearsed before the workload holds the table would show no blocking."""
    deadline = time.monotonic() + timeout
    sql = lab.driver.active_sessions_sql
    seen: set = set()
    cursor = conn.cursor() if sql else None
    while time.monotonic() < deadline:
        if cursor is not None:
            cursor.execute(sql)
            now = {row[0] for row in cursor.fetchall()}
            seen |= now
            if len(seen) >= clients and now:
                return
        elif working.wait(0.05):
            return
        time.sleep(0.01)
    raise LabError(f"The rehearsal's workload did not get going within {timeout:.0f} s"
                   + (f": {len(seen)} of {clients} clients ran a statement." if sql else "."),
                   hint="Check the workload's SQL with %%load first, or use fewer clients.")


def _relfiles(conn: Any, driver: Any) -> dict[str, Any]:
    if not driver.relfiles_sql:
        return {}
    cursor = conn.cursor()
    cursor.execute(driver.relfiles_sql)
    return dict(cursor.fetchall())
