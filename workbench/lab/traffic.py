"""Concurrent load on a lab: many clients, in worker processes, running a weighted mix of transactions.

    traffic = traffic_from({
        "transactions": [
            {"name": "buy", "sql": ["INSERT INTO sale (seat_id, buyer) VALUES (:seat, :buyer)"], "weight": 9},
            {"name": "look", "sql": "SELECT count(*) FROM sale WHERE seat_id = :seat"},
        ],
        "params": {"seat": {"range": [1, 100], "skew": 1.2}, "buyer": {"range": [1, 10_000]}},
    })
    result = lab.run_load(traffic, clients=32, duration=10)
    result.summary()   # throughput, latency p50/p95/p99/max per transaction, errors by class, lock waits

Clients are real parallel work: processes (as many as the machine has cores), each running its share
of the clients as threads that wait on the database (the drivers release the GIL there). Every client
logs in as the lab's own principal, with its own connection, before the load's clock starts, and runs its
statements under the same guard as run_sql (the driver's `guard`: SQLite's authorizer). A transaction runs
its statements between BEGIN and COMMIT (one statement: autocommit); an error rolls it back and is counted
by class (unique violation, deadlock, serialization failure, lock timeout, timeout, other). A worker's
watchdog cancels, with the driver's own cancel, a transaction still running GRACE_S after the load's end
(or longer than the lab's timeout): it counts as a timeout, and the load ends shortly after its duration.
PostgreSQL's lock waits are sampled from pg_locks while the load runs. An interrupt stops every client
within about a second; the result keeps what was measured and says it was interrupted.

Parameters (`:name` in the SQL) come from `params`: `{"range": [lo, hi]}`, `{"values": [...]}` or
`{"from": "table.column"}` (values drawn from the seeded data), each with an optional Zipf `skew` (1.0
and above: a few hot values get most of the traffic). A `:name` that `params` does not define is drawn from the
seeded data the way run_sql draws it (workload.seeded_values: a same-named column of a table the
transaction reads, else the key a same-named foreign key references), and said in the notes. Every
transaction draws its parameters once, so its statements agree on them. A range holds 64-bit integers and is drawn from,
never listed; a skewed one has at most MAX_SKEWED values.

Closed loop (the default): each client starts its next transaction when the last one ends (after `think_ms`).
Open loop (`rate=`, optionally `ramp_to=`): a Schedule fixes when each operation is meant to start (`rate` per
second, ramping linearly to `ramp_to` over the duration, like k6's arrival-rate executors or wrk2); the clients
are a pool that takes the next operation when free and waits for its time. Latency counts from the intended
start, so the queueing of a lab that cannot keep up shows (no coordinated omission), and the result says what
was intended and what was achieved: operations started late (LATE_S after their time) or never started.
Latencies are kept in HDR histograms, one per transaction per worker, merged exactly in the parent.
"""

from __future__ import annotations

import html
import itertools
import math
import os
import queue
import random
import threading
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from ..errors import LabError
from ..interrupts import requested, watching

if TYPE_CHECKING:
    from .lab import Lab

ERROR_CLASSES = ("unique violation", "deadlock", "serialization failure", "lock timeout", "timeout", "other")
MAX_CLIENTS = 256
TICK_S = 0.5  # how often workers report what they committed, for live charts
GRACE_S = 1.0  # a transaction still running this long after the load's end (or a stop) is cancelled
WATCH_S = 0.1  # how often a worker's watchdog looks at its clients' transactions
CANCEL_AGAIN_S = 0.5  # a cancelled transaction still running (its next statement) is cancelled again after this
STRAGGLER_S = 15.0  # past the end and the grace, the parent stops waiting for a worker's record
BIGINT = (-2**63, 2**63 - 1)  # what a range parameter may draw: the engines' 64-bit integers
MAX_SKEWED = 1_000_000  # values a skewed range may have (a skew keeps one weight per value)
LATE_S = 0.010  # an open-loop operation that starts this long after its intended time is late
BEHIND = 0.02  # an open loop that starts fewer than (1 - BEHIND) of its intended operations fell behind
# (late starts alone are not falling behind: a busy machine delays a few; they are counted and said)
MAX_RATE = 1_000_000.0  # operations per second an open loop may ask for
# latencies in an HDR histogram: nanoseconds, 1 ns to an hour, 3 significant digits (0.1% at any size)
HDR_RANGE = (1, 3600 * 10**9, 3)


# -- latency histograms ---------------------------------------------------------------------------------
# Why HDR histograms (the hdrhistogram package): each worker process sends one compact histogram per
# transaction instead of every latency, and histograms add exactly (the same buckets, counts summed), so the
# p99 and max of the merged histogram are those of all the samples together: a percentile of per-worker
# percentiles would not be.
def latency_histogram(seconds: Any = ()) -> Any:
    """An HDR histogram (nanoseconds) holding `seconds`, latencies in seconds."""
    from hdrh.histogram import HdrHistogram

    histogram = HdrHistogram(*HDR_RANGE)
    top = HDR_RANGE[1]
    for value in seconds:
        histogram.record_value(min(top, max(1, round(value * 1e9))))
    return histogram


def merged_histogram(encoded: Any) -> Any:
    """One histogram holding every encoded histogram's samples (each as `HdrHistogram.encode()` gave it)."""
    histogram = latency_histogram()
    for body in encoded:
        if body:
            histogram.decode_and_add(body)
    return histogram


def histogram_ms(histogram: Any, p: float) -> float | None:
    """The p-th percentile of a latency histogram in milliseconds (None when it is empty)."""
    if not histogram.get_total_count():
        return None
    return histogram.get_value_at_percentile(p) / 1e6


@dataclass(frozen=True)
class Schedule:
    """An open loop's arrivals: `rate` operations per second, ramping linearly to `ramp_to` (when given) over
    `duration` seconds; at most `count` operations."""

    rate: float
    ramp_to: float | None
    duration: float
    count: int | None = None

    @property
    def _slope(self) -> float:  # a in N(t) = rate·t + a·t², the operations meant to start by t
        end = self.rate if self.ramp_to is None else self.ramp_to
        return (end - self.rate) / (2 * self.duration) if self.duration else 0.0

    def by(self, t: float) -> float:
        """Operations meant to start in the first `t` seconds (not capped by count)."""
        t = min(max(t, 0.0), self.duration)
        return self.rate * t + self._slope * t * t

    def at(self, k: int) -> float:
        """Seconds after the start when operation k (from 0) is meant to start: N(t) = k solved for t."""
        disc = self.rate * self.rate + 4 * self._slope * k
        if disc < 0:
            return math.inf  # a ramp down: past the schedule's last operation
        return 2 * k / (self.rate + math.sqrt(disc))  # the stable root; k / rate when there is no ramp

    def intended(self, t: float | None = None) -> int:
        """How many operations are meant to start in the first `t` seconds (default: the whole schedule)."""
        n = math.ceil(self.by(self.duration if t is None else t) - 1e-9)
        return min(n, self.count) if self.count is not None else n

    def per_second(self, seconds: int) -> list[int]:
        """Operations meant to start in each second."""
        return [self.intended(s + 1) - self.intended(s) for s in range(seconds)]

    def describe(self) -> str:
        return (f"{self.rate:,.4g}/s" if self.ramp_to is None
                else f"{self.rate:,.4g}/s ramping to {self.ramp_to:,.4g}/s")


class _Arrivals:
    """A worker's share of the schedule: operations w, w + W, w + 2W, … of the W workers' one sequence,
    handed to whichever of its clients is free (next() on a count is atomic in CPython: no lock)."""

    def __init__(self, schedule: Schedule, worker: int, workers: int) -> None:
        self.schedule = schedule
        self.worker = worker
        self.workers = workers
        self.taken = itertools.count()

    def take(self) -> float | None:
        """Seconds after the start when the next operation is meant to start; None when there are no more."""
        k = self.worker + next(self.taken) * self.workers
        if k >= self.schedule.intended():
            return None
        at = self.schedule.at(k)
        return at if at < self.schedule.duration else None


# -- the workload -------------------------------------------------------------------------------------
@dataclass
class Transaction:
    """One transaction of a workload: its statements run together, `weight` its share of the mix."""

    name: str
    statements: tuple[str, ...]
    weight: float = 1.0


@dataclass
class Traffic:
    """A weighted mix of transactions and how their `:params` are drawn."""

    transactions: list[Transaction]
    params: dict[str, dict] = field(default_factory=dict)
    think_ms: float = 0.0

    def to_dict(self) -> dict:
        return {"transactions": [{"name": t.name, "sql": list(t.statements), "weight": t.weight}
                                 for t in self.transactions], "params": self.params, "think_ms": self.think_ms}


def traffic_from(spec: Any) -> Traffic:
    """A Traffic from a dict {transactions, params, think_ms}, a list of transactions, or one SQL string.
    Each transaction: {name, sql (a statement or a list), weight}."""
    if isinstance(spec, Traffic):
        return spec
    if isinstance(spec, str):
        spec = {"transactions": [{"name": "statement", "sql": spec}]}
    if isinstance(spec, list):
        spec = {"transactions": spec}
    if not isinstance(spec, dict) or not spec.get("transactions"):
        raise LabError("A load needs transactions.",
                       hint="Give {'transactions': [{'name': 'buy', 'sql': 'INSERT …', 'weight': 1}], "
                            "'params': {'seat': {'range': [1, 100]}}}.")
    transactions = []
    for n, item in enumerate(spec["transactions"]):
        if isinstance(item, str):
            item = {"sql": item}
        sql = item.get("sql") or item.get("statements")
        statements = tuple(s.strip().rstrip(";") for s in ([sql] if isinstance(sql, str) else list(sql or [])) if s.strip())
        if not statements:
            raise LabError(f"Transaction {item.get('name') or n + 1} has no SQL.", hint="Give 'sql': a statement or a list.")
        weight = float(item.get("weight", 1))
        if weight <= 0:
            raise LabError(f"Transaction {item.get('name') or n + 1} has weight {weight}: weights are positive.")
        transactions.append(Transaction(str(item.get("name") or f"t{n + 1}"), statements, weight))
    params = dict(spec.get("params") or {})
    for name, rule in params.items():
        if not isinstance(rule, dict) or not ({"range", "values", "from"} & set(rule)):
            raise LabError(f"Parameter :{name} needs 'range': [lo, hi], 'values': [...] or 'from': 'table.column'.")
    return Traffic(transactions, params, float(spec.get("think_ms") or 0))


# -- what a client needs to connect (picklable: it travels to the worker processes) -------------------
@dataclass
class _Target:
    dialect: str
    url: str
    kind: str
    namespace: str | None
    login: Any
    path: Any
    timeout: float
    read_only: bool = False

    def connect(self) -> Any:
        from .drivers import driver_for

        return driver_for(self.dialect).connect(self)  # the lab's own connection recipe, as its principal


# -- the worker processes ------------------------------------------------------------------------------
class _Drawer:
    """Draws parameter values: uniform, or Zipf-skewed towards the first values."""

    def __init__(self, params: dict[str, list], skews: dict[str, float], rng: random.Random) -> None:
        self.values = params
        self.rng = rng
        self.cumulative = {name: list(accumulate(1 / (i + 1) ** s for i in range(len(params[name]))))
                           for name, s in skews.items() if s and name in params}

    def draw(self, names: list[str]) -> dict:
        out = {}
        for name in names:
            values = self.values[name]
            cumulative = self.cumulative.get(name)
            if cumulative:
                out[name] = values[bisect_left(cumulative, self.rng.random() * cumulative[-1])]
            elif isinstance(values, range):  # drawn, never listed: a range may hold 2**64 values
                out[name] = values.start + self.rng.randrange(values.stop - values.start)
            else:
                out[name] = values[self.rng.randrange(len(values))]
        return out


def _fast_transaction(fast: Any, index: int, statements: list, every: list, drawer: Any, several: bool) -> None:
    """One transaction through the engine's fast path (driver.fast_client)."""
    if several:
        fast.command(b"BEGIN")
    drawn = drawer.draw(every) if every else {}  # one draw per transaction: its statements agree on :seat
    for j, (_, names) in enumerate(statements):
        fast.run(index, j, {n: drawn[n] for n in names} if names else None, names)
    if several:
        fast.command(b"COMMIT")


def _cursor_transaction(cursor: Any, bound: list, statements: list, every: list, drawer: Any, several: bool,
                        begin: str, prepare: bool) -> None:
    """One transaction through the DB-API cursor."""
    if several:
        cursor.execute(begin)
    drawn = drawer.draw(every) if every else {}  # one draw per transaction: its statements agree on :seat
    for (sql, _), (_, names) in zip(bound, statements, strict=True):
        values = {n: drawn[n] for n in names} if names else None
        if prepare:  # as applications run it: parsed and planned once per connection
            cursor.execute(sql, values, prepare=True)
        elif values is not None:
            cursor.execute(sql, values)
        else:
            cursor.execute(sql)
        if cursor.description is not None:
            cursor.fetchall()
    if several:
        cursor.execute("COMMIT")


@dataclass
class _Slot:
    """One client as its worker's watchdog sees it: the connection, and since when its transaction runs."""

    conn: Any = None
    since: float | None = None  # perf_counter() when the running transaction started; None between them
    stopped: bool = False       # the watchdog cancelled the running transaction
    cancelled: float = 0.0      # when it last did


def _client(target: _Target, plan: dict, client: int, seed: int, stop: Any, begin: Any,
            quota: int | None, record: dict, lock: threading.Lock, slot: _Slot, connected: Any,
            arrivals: _Arrivals | None = None) -> None:
    """One client: its own connection, made before the load's clock starts (`connected()` says it is done),
    then, once `begin` is set, transactions until the deadline, the quota or a stop. Its statements run under
    the driver's guard, as run_sql's do (the SQLite authorizer), and the worker's _watchdog bounds them."""
    from .drivers import driver_for

    driver = driver_for(target.dialect)
    transactions = plan["transactions"]
    try:
        conn = target.connect()
    except Exception as exc:  # noqa: BLE001 - a client that cannot log in is an error of the run
        with lock:
            record["failures"].append(f"client {client}: cannot connect: {str(exc).splitlines()[0][:200]}")
        connected()
        return
    try:
        cursor = conn.cursor()
        fast = driver.fast_client(conn, [t["statements"] for t in transactions])
    except BaseException:
        connected()
        conn.close()
        raise
    slot.conn = conn
    connected()
    # this client's own tallies, merged once at the end: no lock shared between clients on the hot path
    tally = _Tally([[] for _ in transactions], {}, {}, Counter(), {}, [[] for _ in transactions])
    with lock:
        record["live"].append(tally.latencies)  # read (never written) by the worker's ticker: appends are atomic
    try:
        begin.wait()
        delay = 0.0 if arrivals else plan["ramp_s"] * (client / max(1, plan["clients"]))
        if not (delay > 0 and stop.wait(delay)):
            with driver.guard(conn):
                _transactions(driver, cursor, fast, plan, random.Random(seed * 7919 + client), stop, quota,
                              record["t0"], record["deadline"], slot, tally, arrivals)
    finally:
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass
        with lock:
            for i, values in enumerate(tally.latencies):
                record["latencies"][i].extend(values)
                record["service"][i].extend(tally.service[i])
            for second, n in tally.failed.items():
                record["failed"][second] = record["failed"].get(second, 0) + n
            record["late"] += tally.late
            for second, n in tally.timeline.items():
                record["timeline"][second] = record["timeline"].get(second, 0) + n
            for second, values in tally.by_second.items():
                record["by_second"].setdefault(second, []).extend(values)
            record["errors"].update(tally.errors)
            for key, message in tally.examples.items():
                record["examples"].setdefault(key, message)


@dataclass
class _Tally:
    latencies: list[list[float]]  # per transaction, of the committed ones
    timeline: dict[int, int]      # second → committed
    by_second: dict[int, list[float]]  # second → latencies of the transactions committed in it
    errors: Counter               # (transaction, class) → n
    examples: dict                # (transaction, class) → a message
    service: list[list[float]]    # open loop: per transaction, from the actual start (latencies: the intended)
    failed: dict[int, int] = field(default_factory=dict)  # second → transactions started in it that failed
    late: int = 0                 # open loop: operations started LATE_S or more after their intended time


def _transactions(driver: Any, cursor: Any, fast: Any, plan: dict, rng: random.Random, stop: Any,
                  quota: int | None, t0: float, deadline: float, slot: _Slot, tally: _Tally,
                  arrivals: _Arrivals | None = None) -> None:
    """A client's transactions until the deadline, the quota or a stop, each counted in `tally`. In an open
    loop (`arrivals`), each is the worker's next operation, started at its intended time (at once when that has
    passed), and its latency counts from that time."""
    transactions = plan["transactions"]
    drawer = _Drawer(plan["values"], plan["skews"], rng)
    cumulative = list(accumulate(t["weight"] for t in transactions))
    bound = [[driver.bind(sql, {n: None for n in names}) if names else (sql, None) for sql, names in t["statements"]]
             for t in transactions]
    single = len(transactions) == 1
    done = 0
    intended = None
    if arrivals is not None:  # the schedule's figures as locals: this loop's cost is the load's overhead
        taken, first, every = arrivals.taken, arrivals.worker, arrivals.workers
        step, slope = 1 / arrivals.schedule.rate, arrivals.schedule._slope
        span, cap = arrivals.schedule.duration, arrivals.schedule.intended()  # by count: k·step may round below span
        late_n, late_s = 0, LATE_S
        service = [values.append for values in tally.service]
    try:
        while not stop.is_set() and (arrivals is not None or time.perf_counter() < deadline) and (
                quota is None or done < quota):
            if arrivals is not None:  # the worker's next operation (arrivals.take, inlined), at its time
                k = first + next(taken) * every
                if k >= cap:
                    break
                offset = k * step if not slope else arrivals.schedule.at(k)
                if offset >= span:
                    break
                intended = t0 + offset
                now = time.perf_counter()
                if now >= deadline:
                    break
                if intended > now:
                    if intended - now > 0.05:  # a long wait hears a stop
                        if stop.wait(intended - now):
                            break
                    else:
                        time.sleep(intended - now)
                    started = time.perf_counter()
                else:  # behind: at once (the time just read is its start)
                    started = now
                if started - intended >= late_s:
                    late_n += 1
            index = 0 if single else bisect_left(cumulative, rng.random() * cumulative[-1])
            name, statements = transactions[index]["name"], bound[index]
            several = len(statements) > 1
            slot.stopped = False
            if arrivals is None:
                started = time.perf_counter()
            slot.since = started
            try:
                if fast is not None:
                    _fast_transaction(fast, index, transactions[index]["statements"], transactions[index]["names"],
                                      drawer, several)
                else:
                    _cursor_transaction(cursor, statements, transactions[index]["statements"],
                                        transactions[index]["names"], drawer, several, driver.begin, driver.prepares)
                slot.since = None
                # stopped without an error (MariaDB's SLEEP returns early when killed): still a timeout
                outcome = "timeout" if slot.stopped else None
            except Exception as exc:  # noqa: BLE001 - a failed transaction is data: counted by class
                slot.since = None  # the rollback is not the watchdog's to stop
                message = str(exc).strip()
                outcome = "timeout" if slot.stopped or driver.is_timeout(message) else driver.error_class(exc)
                if outcome == "other" and (name, outcome) not in tally.examples:
                    tally.examples[(name, outcome)] = message.splitlines()[0][:200] if message else type(exc).__name__
                try:
                    if several and fast is not None:
                        fast.command(b"ROLLBACK")
                    elif several:  # one statement ran in autocommit: nothing is open
                        cursor.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 - nothing open to roll back
                    pass
            if outcome is None:
                ended = time.perf_counter()
                took = ended - (started if intended is None else intended)
                tally.latencies[index].append(took)
                if intended is not None:
                    service[index](ended - started)
                second = int(started - t0)
                tally.timeline[second] = tally.timeline.get(second, 0) + 1
                tally.by_second.setdefault(second, []).append(took)
            else:
                tally.errors[(name, outcome)] += 1
                second = int(started - t0)  # an operation that started, though it failed (an open loop's achieved)
                tally.failed[second] = tally.failed.get(second, 0) + 1
            done += 1
            if plan["think_s"] and arrivals is None:
                time.sleep(plan["think_s"])
    finally:
        if arrivals is not None:
            tally.late = late_n


def _worker(target: _Target, plan: dict, clients: list[int], seed: int, go: Any, stop: Any, duration: float,
            quotas: dict[int, int | None], tick: Any = None, ready: Any = None, arrivals: Any = None) -> dict:
    """A worker process's clients, as threads (they wait on the database, not on the GIL); its record.
    The clients log in first (64 take seconds on MariaDB): `ready()` is called when they have, and the load's
    clock starts at `go`. `tick(snapshot)` is called every TICK_S with the latencies committed since the last
    one (live charts). `arrivals` (an _Arrivals) makes the clients an open loop's pool.
    The record holds one HDR histogram per transaction (encoded), not the latencies."""
    record = {"latencies": [[] for _ in plan["transactions"]], "errors": Counter(), "timeline": {}, "by_second": {},
              "failures": [], "examples": {}, "t0": 0.0, "deadline": 0.0, "live": [],
              "service": [[] for _ in plan["transactions"]], "failed": {}, "late": 0}
    lock = threading.Lock()
    begin, done = threading.Event(), threading.Event()
    connected = threading.Semaphore(0)
    slots = [_Slot() for _ in clients]
    threads = [threading.Thread(target=_client, args=(target, plan, client, seed, stop, begin, quotas.get(client),
                                                      record, lock, slot, connected.release, arrivals), daemon=True)
               for client, slot in zip(clients, slots, strict=True)]
    for thread in threads:
        thread.start()
    for _ in threads:
        connected.acquire()
    if ready is not None:
        ready()
    go.wait()
    record["t0"], cpu = time.perf_counter(), time.process_time()
    record["deadline"] = record["t0"] + duration
    begin.set()
    threading.Thread(target=_watchdog, args=(target, slots, record["deadline"], stop, done), daemon=True).start()
    if tick is not None:
        threading.Thread(target=_ticker, args=(record, lock, tick, done), daemon=True).start()
    for thread in threads:
        thread.join()
    record["ran_s"] = time.perf_counter() - record["t0"]
    record["cpu_s"] = time.process_time() - cpu  # the process's CPU while its clients ran (benchmarks read it)
    done.set()
    record["errors"] = dict(record["errors"])
    del record["live"]
    # histograms are filled here, after the clients' clock, not per transaction: recording costs the hot path
    # nothing, and the parent receives a few hundred bytes per transaction instead of every latency
    latencies, service = record.pop("latencies"), record.pop("service")
    record["histograms"] = [latency_histogram(values).encode() for values in latencies]
    record["max_s"] = [max(values, default=None) for values in latencies]  # the exact max, beside the buckets
    record["service_histograms"] = [latency_histogram(values).encode() if values else b"" for values in service]
    return record


def _watchdog(target: _Target, slots: list[_Slot], deadline: float, stop: Any, done: threading.Event) -> None:
    """Cancels (with the driver's own cancel, as run_sql's watchdog does) a client's transaction that runs past
    the load's end plus GRACE_S, past a stop plus GRACE_S, or longer than the lab's timeout. A setting the
    session could change (statement_timeout, max_statement_time) is no bound on SQL the model wrote, and a
    timer per transaction would cost the hot path: one thread per worker looks every WATCH_S."""
    from .drivers import driver_for

    driver = driver_for(target.dialect)
    end = deadline + GRACE_S
    while not done.wait(WATCH_S):
        now = time.perf_counter()
        if stop.is_set():
            end = min(end, now + GRACE_S)
        for slot in slots:
            since = slot.since
            if since is None or now < end and now - since < target.timeout or now - slot.cancelled < CANCEL_AGAIN_S:
                continue
            slot.stopped, slot.cancelled = True, now
            try:
                driver.cancel(target, slot.conn)
            except Exception:  # noqa: BLE001 - the transaction may have ended meanwhile
                pass


def _ticker(record: dict, lock: threading.Lock, tick: Any, done: threading.Event) -> None:
    """Every TICK_S: the latencies the clients committed since the last tick, in seconds since the start."""
    from array import array

    seen: dict[tuple[int, int], int] = {}
    number = 0
    while not done.wait(TICK_S):
        number += 1
        new = array("d")
        with lock:
            clients = list(record["live"])
        for c, lists in enumerate(clients):
            for t, values in enumerate(lists):
                end = len(values)
                new.extend(values[seen.get((c, t), 0):end])
                seen[(c, t)] = end
        tick({"tick": number, "latencies": new.tobytes()})


def _worker_main() -> None:
    """`python -m workbench.lab.traffic`: one worker process. The job comes pickled on stdin (it holds the
    principal's password: a pipe, never the command line or the environment); `go` and `stop` follow as
    lines; the process answers `R` when ready and `D` + the pickled record when its clients are done."""
    import pickle
    import sys

    # stdin is read with os.read, not sys.stdin: a daemon thread blocked in sys.stdin's read holds its lock,
    # and the interpreter's exit then waits for that lock (about a second), in every worker of every load
    stdout = sys.stdout.buffer
    size = int.from_bytes(_read_exactly(0, 8), "big")
    job = pickle.loads(_read_exactly(0, size))
    go, stop = threading.Event(), threading.Event()

    def commands() -> None:
        pending = b""
        while chunk := os.read(0, 4096):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if line.strip() == b"go":
                    go.set()
                elif line.strip() == b"stop":
                    stop.set()
                    go.set()
        stop.set()  # the parent is gone: stop
        go.set()

    threading.Thread(target=commands, daemon=True).start()
    writing = threading.Lock()

    def say(kind: bytes, value: Any) -> None:
        body = pickle.dumps(value)
        with writing:
            stdout.write(kind + len(body).to_bytes(8, "big") + body)
            stdout.flush()

    def ready() -> None:
        with writing:
            stdout.write(b"R")
            stdout.flush()

    schedule = job.get("schedule")
    arrivals = _Arrivals(schedule, job["worker"], job["workers"]) if schedule is not None else None
    record = _worker(job["target"], job["plan"], job["clients"], job["seed"], go, stop, job["duration"],
                     job["quotas"], tick=lambda snapshot: say(b"P", snapshot), ready=ready, arrivals=arrivals)
    say(b"D", record)


def _read_exactly(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise SystemExit("the load's parent closed the pipe before sending the job")
        data += chunk
    return data


# -- the result ----------------------------------------------------------------------------------------
def latency(ms: float | None) -> str:
    """A latency with its unit: microseconds below 1 ms (a fast query is 40 µs, not `0.0 ms`), else ms."""
    if ms is None:
        return "—"
    if ms < 0.01:
        return f"{ms * 1000:.1f} µs"
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    return f"{ms:,.1f} ms"


LATENCIES = ("p50_ms", "p95_ms", "p99_ms", "max_ms")


def _percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


@dataclass
class LoadResult:
    """What a load run measured."""

    dialect: str
    clients: int
    duration_s: float
    transactions: list[dict]          # per transaction: name, committed, errors {class: n}, p50/p95/p99/max ms
    timeline: list[int]               # committed transactions per second
    lock_waits: dict                  # samples, max_waiting, share_of_samples_waiting (or a note)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    p95_timeline: list[float | None] = field(default_factory=list)  # p95 ms of each second's commits (None: none)
    schedule: dict = field(default_factory=dict)  # an open loop's intended vs achieved (empty: a closed loop)

    @property
    def committed(self) -> int:
        return sum(t["committed"] for t in self.transactions)

    @property
    def throughput(self) -> float:
        return self.committed / self.duration_s if self.duration_s else 0.0

    def errors(self) -> dict[str, int]:
        out: Counter = Counter()
        for t in self.transactions:
            out.update(t["errors"])
        return dict(out)

    @property
    def behind(self) -> bool:
        """An open loop whose clients could not keep to its schedule."""
        return bool(self.schedule.get("behind"))

    def summary(self) -> str:
        s = self.schedule
        loop = ""
        if s:
            rate = f"{s['rate']:,.4g}/s" + (f" ramping to {s['ramp_to']:,.4g}/s" if s.get("ramp_to") else "")
            loop = f" (open loop at {rate})"
        lines = [f"{self.clients} clients{loop}, {self.duration_s:.2f} s on {self.dialect}: {self.committed:,} "
                 f"committed, {self.throughput:,.0f}/s" + (" (interrupted)" if self.interrupted else "")]
        if s:
            said = (f"fell behind: achieved {s['achieved_rate']:,.1f}/s of {s['intended_rate']:,.1f}/s intended"
                    if s["behind"] else
                    f"kept to it: achieved {s['achieved_rate']:,.1f}/s of {s['intended_rate']:,.1f}/s intended")
            lines.append(f"  schedule {said}; {s['started']:,} of {s['intended']:,} operations started, "
                         f"{s['late']:,} late (≥ {LATE_S * 1000:g} ms after their time), {s['dropped']:,} never "
                         "started; latencies count from each operation's intended start")
        for t in self.transactions:
            errors = ", ".join(f"{k} {v}" for k, v in t["errors"].items()) or "no errors"
            p = " / ".join(latency(t[k]) for k in LATENCIES)
            service = (f"; service p50/p99 {latency(t['service_p50_ms'])} / {latency(t['service_p99_ms'])}"
                       if "service_p50_ms" in t else "")
            lines.append(f"  {t['name']}: {t['committed']:,} committed; p50/p95/p99/max {p}{service}; {errors}")
        if "max_waiting" in self.lock_waits:
            lines.append(f"  lock waits: up to {self.lock_waits['max_waiting']} sessions waiting, in "
                         f"{self.lock_waits['share_waiting']:.0%} of {self.lock_waits['samples']} samples")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"dialect": self.dialect, "clients": self.clients, "duration_s": self.duration_s,
                "transactions": self.transactions, "timeline": self.timeline, "lock_waits": self.lock_waits,
                "notes": self.notes, "interrupted": self.interrupted, "p95_timeline": self.p95_timeline,
                "schedule": self.schedule}

    @classmethod
    def from_dict(cls, data: dict) -> LoadResult:
        return cls(**{k: data[k] for k in ("dialect", "clients", "duration_s", "transactions", "timeline",
                                           "lock_waits")}, notes=list(data.get("notes") or []),
                   interrupted=bool(data.get("interrupted")), p95_timeline=list(data.get("p95_timeline") or []),
                   schedule=dict(data.get("schedule") or {}))

    def chart_svg(self, width: int = 480, height: int = 140) -> str:
        """Committed transactions per second (blue, left scale) and the p95 latency of each second's commits
        (orange, right scale), as a self-contained SVG with a legend; an open loop draws the operations
        started per second (achieved, blue) against the intended (grey)."""
        if self.schedule:
            return timeline_svg(self.schedule["achieved_timeline"] or [0], self.p95_timeline, width, height,
                                intended=self.schedule["intended_timeline"])
        return timeline_svg(self.timeline or [0], self.p95_timeline, width, height)

    def _repr_html_(self) -> str:
        # an open loop's latencies count from the intended start; the service columns are the statements' own time
        shown = LATENCIES + (("service_p50_ms", "service_p99_ms") if self.schedule else ())
        rows = "".join(
            f"<tr><td>{html.escape(t['name'])}</td><td>{t['committed']:,}</td>"
            + "".join(f"<td>{latency(t.get(k))}</td>" for k in shown)
            + f"<td>{html.escape(', '.join(f'{k} {v}' for k, v in t['errors'].items()) or '—')}</td></tr>"
            for t in self.transactions)
        head = html.escape(self.summary().splitlines()[0])
        extra = "".join(f"<p>{html.escape(line.strip())}</p>" for line in self.summary().splitlines()[1:]
                        if line.strip().startswith(("schedule", "lock waits", "note")))
        service = "<th>service p50</th><th>service p99</th>" if self.schedule else ""
        return (f"<p><b>Load:</b> {head}</p><table><thead><tr><th>transaction</th><th>committed</th><th>p50</th>"
                f"<th>p95</th><th>p99</th><th>max</th>{service}<th>errors</th></tr></thead><tbody>{rows}</tbody>"
                f"</table>{self.chart_svg()}{extra}")

    def __repr__(self) -> str:
        return f"<LoadResult {self.summary().splitlines()[0]}>"


def timeline_svg(tps: list[float], p95: list[float | None], width: int = 480, height: int = 140,
                 intended: list[float] | None = None) -> str:
    """Throughput per second and p95 latency per second on one time axis; the legend sits above the plot.
    `intended` (an open loop's operations meant to start per second) is drawn grey, `tps` is then achieved."""
    top_tps = max([*tps, *(intended or [])], default=0) or 1
    top_ms = max((p for p in p95 if p is not None), default=0) or 1
    left, right, legend, axis = 6, 6, 30, 16
    plot = height - legend - axis
    step = (width - left - right) / max(1, len(tps) - 1)

    def points(values: list[tuple[int, float]], top: float) -> str:
        return " ".join(f"{left + i * step:.1f},{legend + plot - v / top * plot:.1f}" for i, v in values)

    lines = [f'<polyline fill="none" stroke="#1a73e8" stroke-width="2" points="{points(list(enumerate(tps)), top_tps)}"/>']
    if intended:
        lines.insert(0, f'<polyline fill="none" stroke="#888" stroke-width="2" stroke-dasharray="2 2" '
                        f'points="{points(list(enumerate(intended[:len(tps)])), top_tps)}"/>')
    known = [(i, v) for i, v in enumerate(p95[:len(tps)]) if v is not None]
    if known:
        lines.append(f'<polyline fill="none" stroke="#e8710a" stroke-width="2" stroke-dasharray="5 3" '
                     f'points="{points(known, top_ms)}"/>')
    half = width // 2
    said = "achieved/s" if intended else "committed/s"
    legend_text = (f'<line x1="{left}" y1="8" x2="{left + 18}" y2="8" stroke="#1a73e8" stroke-width="2"/>'
                   f'<text x="{left + 22}" y="12" font-size="11" fill="#1a73e8">{said} (top {top_tps:,.0f}/s)</text>'
                   + (f'<line x1="{left}" y1="22" x2="{left + 18}" y2="22" stroke="#888" stroke-width="2" '
                      f'stroke-dasharray="2 2"/><text x="{left + 22}" y="26" font-size="11" fill="#888">intended/s'
                      '</text>' if intended else "")
                   + (f'<line x1="{half}" y1="8" x2="{half + 18}" y2="8" stroke="#e8710a" stroke-width="2" '
                      f'stroke-dasharray="5 3"/><text x="{half + 22}" y="12" font-size="11" fill="#e8710a">'
                      f'p95 latency (top {html.escape(latency(top_ms))})</text>' if known else ""))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="committed transactions per second and p95 latency per second">{legend_text}'
            f'<line x1="{left}" y1="{legend + plot}" x2="{width - right}" y2="{legend + plot}" stroke="#ccc"/>'
            + "".join(lines)
            + f'<text x="{left}" y="{height - 3}" font-size="11" fill="#555">0 s</text>'
            f'<text x="{width - right}" y="{height - 3}" font-size="11" fill="#555" text-anchor="end">'
            f'{len(tps)} s</text></svg>')


class LiveLoad:
    """A running load as it goes: per tick of TICK_S, committed transactions per second and p95 latency.
    `run_load(live=callback)` calls back with it whenever the workers report; it draws itself."""

    def __init__(self, workers: int, limit: float) -> None:
        self.workers = workers
        self.limit = limit
        self.elapsed = 0.0
        self._counts: Counter = Counter()
        self._reported: Counter = Counter()
        self._latencies: dict[int, list[float]] = {}

    def add(self, snapshot: dict) -> None:
        from array import array

        values = array("d")
        values.frombytes(snapshot["latencies"])
        tick = snapshot["tick"]
        self._counts[tick] += len(values)
        self._reported[tick] += 1
        self._latencies.setdefault(tick, []).extend(values)

    @property
    def committed(self) -> int:
        """Transactions the workers have reported so far."""
        return sum(self._counts.values())

    def series(self) -> list[tuple[float, float, float | None]]:
        """(seconds, transactions/s, p95 ms) for each tick every worker has reported."""
        out = []
        for tick in sorted(self._reported):
            if self._reported[tick] < self.workers:
                break
            values = sorted(self._latencies[tick])
            out.append((tick * TICK_S, self._counts[tick] / TICK_S,
                        _percentile([v * 1000 for v in values], 95) if values else None))
        return out

    @property
    def share(self) -> float:
        return min(1.0, self.elapsed / self.limit) if self.limit else 0.0

    def chart_svg(self, width: int = 480, height: int = 140) -> str:
        """Throughput (blue, left scale) and p95 latency (orange, right scale) so far, as a self-contained SVG."""
        series = self.series()
        span = max(self.limit if self.limit < 24 * 3600 else 0, series[-1][0] if series else 0, TICK_S)
        top_tps = max((t for _, t, _ in series), default=0) or 1
        top_ms = max((p for _, _, p in series if p is not None), default=0) or 1
        plot = height - 30

        def line(values: list[tuple[float, float]], top: float, colour: str) -> str:
            points = " ".join(f"{x / span * (width - 50) + 40:.1f},{height - 18 - v / top * plot:.1f}" for x, v in values)
            return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>' if values else ""

        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
                f'aria-label="throughput and p95 latency so far">'
                + line([(x, t) for x, t, _ in series], top_tps, "#1a73e8")
                + line([(x, p) for x, _, p in series if p is not None], top_ms, "#e8710a")
                + f'<text x="0" y="11" font-size="11" fill="#1a73e8">{top_tps:,.0f}/s</text>'
                f'<text x="{width - 70}" y="11" font-size="11" fill="#e8710a">p95 {latency(top_ms)}</text>'
                f'<text x="40" y="{height - 2}" font-size="11" fill="#555">0 s</text>'
                f'<text x="{width - 50}" y="{height - 2}" font-size="11" fill="#555">{span:g} s</text></svg>')

    def summary(self) -> str:
        series = self.series()
        if not series:
            return f"load starting… {self.share:.0%}"
        _, tps, p95 = series[-1]
        shown = f", p95 {latency(p95)}" if p95 is not None else ""
        return f"load running: {self.share:.0%}, {tps:,.0f} transactions/s now{shown}"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.summary())}</b></p>{self.chart_svg()}"

    def __repr__(self) -> str:
        return self.summary()


# -- running it ----------------------------------------------------------------------------------------
def _plan(lab: Lab, traffic: Traffic, clients: int, ramp_s: float = 0.0) -> dict:
    """What the workers need: the transactions with their parameter names, and every parameter's values."""
    from .workload import PARAM, SQL_STRINGS, seeded_values

    values: dict[str, list] = {}
    skews: dict[str, float] = {}
    for name, rule in traffic.params.items():
        if "values" in rule:
            values[name] = list(rule["values"])
        elif "range" in rule:
            values[name] = _range(name, rule)
        else:
            table, _, column = str(rule["from"]).rpartition(".")
            if not table:
                raise LabError(f"Parameter :{name}: 'from' needs table.column, not {rule['from']!r}.")
            q = lab.driver.quote
            rows = lab.run(f"SELECT {q(column)} FROM {lab.driver.target(table)} LIMIT 100000").rows
            values[name] = [r[0] for r in rows if r[0] is not None]
            if not values[name]:
                raise LabError(f"Parameter :{name}: {rule['from']} has no values: seed the lab first.")
        if not values[name]:
            raise LabError(f"Parameter :{name} has no values.")
        if rule.get("skew"):
            skews[name] = float(rule["skew"])
    transactions = []
    drawn: list[str] = []  # parameters the load does not define, drawn from the seeded data as %%lab does
    for t in traffic.transactions:
        statements = []
        for sql in t.statements:
            names = list(dict.fromkeys(PARAM.findall(SQL_STRINGS.sub("''", sql))))
            for name in names:
                if name not in values:
                    seeded = seeded_values(lab, name, " ; ".join(t.statements))
                    if seeded:
                        values[name] = seeded
                        drawn.append(name)
            missing = [n for n in names if n not in values]
            if missing:
                raise LabError(f"Transaction {t.name} uses :{', :'.join(missing)}, which the load does not define "
                               f"and no seeded column of that name gives values for.",
                               hint="Add them to params: {'name': {'range': [lo, hi]}} or {'from': 'table.column'}, "
                                    "or name the parameter after a column of the seeded data.")
            statements.append((sql, names))
        every = list(dict.fromkeys(n for _, names in statements for n in names))
        transactions.append({"name": t.name, "weight": t.weight, "statements": statements, "names": every})
    notes = [f"{', '.join(':' + n for n in drawn)} drawn from the lab's seeded data, one draw per transaction "
             f"(as %%lab draws them; set params to choose)"] if drawn else []
    return {"transactions": transactions, "values": values, "skews": skews, "think_s": traffic.think_ms / 1000,
            "clients": clients, "ramp_s": float(ramp_s), "notes": notes}


def _range(name: str, rule: dict) -> range:
    """A range parameter's values, kept as a range (drawn from, never listed)."""
    given = rule["range"]
    if not (isinstance(given, (list, tuple)) and len(given) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) or isinstance(x, float) and x.is_integer()
                    for x in given)):
        raise LabError(f"Parameter :{name}: 'range' is [lo, hi], two integers; got {given!r}.")
    lo, hi = (int(x) for x in given)
    if hi < lo:
        raise LabError(f"Parameter :{name}: range [{lo}, {hi}] is empty.", hint="Give [lo, hi] with lo <= hi.")
    if lo < BIGINT[0] or hi > BIGINT[1]:
        raise LabError(f"Parameter :{name}: range [{lo}, {hi}] is outside what a database integer holds: lo and hi "
                       f"go from {BIGINT[0]:,} to {BIGINT[1]:,} (64-bit integers).")
    if rule.get("skew") and hi - lo >= MAX_SKEWED:
        raise LabError(f"Parameter :{name}: a skewed range has at most {MAX_SKEWED:,} values; [{lo}, {hi}] has "
                       f"{hi - lo + 1:,}.", hint="Narrow the range, or drop the skew for a uniform draw.")
    return range(lo, hi + 1)


class _LockSampler(threading.Thread):
    """Samples the lab principal's sessions waiting on locks while the load runs (where the engine shows them)."""

    def __init__(self, target: _Target, sql: str, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.sql = sql
        self.interval = interval
        self.samples: list[int] = []
        self.halt = threading.Event()
        self.note: str | None = None

    def run(self) -> None:
        try:
            conn = self.target.connect()
        except Exception as exc:  # noqa: BLE001 - sampling is optional; the load still runs
            self.note = f"lock waits not sampled: {str(exc).splitlines()[0][:120]}"
            return
        try:
            cursor = conn.cursor()
            while not self.halt.wait(self.interval):
                cursor.execute(self.sql)
                self.samples.append(int(cursor.fetchone()[0]))
        except Exception as exc:  # noqa: BLE001 - a lost sampler connection ends sampling, not the load
            self.note = f"lock sampling stopped: {str(exc).splitlines()[0][:120]}"
        finally:
            conn.close()


def run_load(lab: Lab, traffic: Any, *, clients: int = 8, duration: float | None = None, count: int | None = None,
             ramp_up: float = 0.0, seed: int = 7, progress: Any = None, until: Any = None,
             started: Any = None, live: Any = None, rate: float | None = None,
             ramp_to: float | None = None) -> LoadResult:
    """Run `traffic` with `clients` concurrent clients for `duration` seconds (default 10) or until `count`
    transactions in all, whichever comes first; clients ramp up over `ramp_up` seconds. With `rate`
    (operations per second, optionally ramping linearly to `ramp_to` over the duration) the load is an open
    loop: the clients serve that schedule and latency counts from each operation's intended start (see the
    module docstring). `live(LiveLoad)` is
    called as the workers report (every TICK_S), for a live chart. `until` (an Event)
    ends the run early, as background load for something else; `started` (an Event) is set when the clients
    go. See the module docstring."""
    if duration is None:
        duration = 0.0 if count else 10.0
    traffic = traffic_from(traffic)
    if lab.schema is None and lab.kind == "sandbox":
        raise LabError("The lab has no schema: load one (and seed it) before running a load.")
    if lab.read_only:
        raise LabError("A load writes: this lab is a database opened read-only.",
                       hint="Run loads on a lab of the design (sandbox, postgres or mysql).")
    clients = int(clients)
    if not 1 <= clients <= MAX_CLIENTS:
        raise LabError(f"clients={clients}: between 1 and {MAX_CLIENTS}.")
    if duration <= 0 and not count:
        raise LabError("Give a duration in seconds (or a count of transactions).")
    schedule = _schedule(rate, ramp_to, duration, count, traffic, ramp_up)
    if schedule is not None:
        duration = schedule.duration
    plan = _plan(lab, traffic, clients, ramp_up)
    notes: list[str] = list(plan["notes"])
    target = _Target(lab.dialect, lab.url, lab.kind, lab.namespace, lab.login, lab.path, lab.timeout)
    # processes, so clients do not queue on one interpreter's GIL (more would only take CPU from the server)
    workers = max(1, min(clients, os.cpu_count() or 1))
    share = [list(range(clients))[w::workers] for w in range(workers)]
    quotas: dict[int, int | None] = {c: (count // clients + (1 if c < count % clients else 0))
                                     if count and schedule is None else None for c in range(clients)}
    limit = duration if duration > 0 else 24 * 3600.0
    pool = [_Process({"target": target, "plan": plan, "clients": share[w], "seed": seed, "duration": limit,
                      "quotas": quotas, "schedule": schedule, "worker": w, "workers": workers})
            for w in range(workers)]
    records: list[dict] = []
    sampler = _LockSampler(target, lab.driver.lock_waits_sql) if lab.driver.lock_waits_sql else None
    # the remembering handler: a KeyboardInterrupt swallowed somewhere still stops the run at the next poll
    watch = LiveLoad(workers, limit) if live is not None else None
    with watching() as flag:
        interrupted, elapsed = _drive(pool, records, sampler, flag, started, until, progress, limit, live, watch,
                                      notes)
    notes += lab.driver.load_notes(lab, [st for t in plan["transactions"] for st in t["statements"]])
    return _result(lab.dialect, clients, elapsed, plan, records, sampler, notes, interrupted, workers, lab.timeout,
                   schedule)


def _schedule(rate: Any, ramp_to: Any, duration: float, count: int | None, traffic: Traffic,
              ramp_up: float) -> Schedule | None:
    """The open loop's schedule (None: a closed loop), its inputs checked."""
    if rate is None:
        if ramp_to is not None:
            raise LabError("ramp_to ramps an open loop's rate: give rate (operations per second) too.")
        return None
    for what, value in (("rate", rate), ("ramp_to", ramp_to)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_RATE:
            raise LabError(f"{what}={value!r}: operations per second, above 0 and at most {MAX_RATE:,.0f}.")
    if traffic.think_ms:
        raise LabError("think_ms is a closed loop's pause between a client's transactions; an open loop's rate "
                       "sets when they start.", hint="Drop think_ms, or drop rate for a closed loop.")
    if ramp_up:
        raise LabError("ramp_up starts a closed loop's clients one by one; an open loop ramps its rate.",
                       hint="Use ramp_to for a rising rate, or drop rate for a closed loop.")
    if duration <= 0:  # a count alone: as long as the schedule takes to ask for it
        duration = 2 * count / (float(rate) + float(ramp_to if ramp_to is not None else rate))
    return Schedule(float(rate), None if ramp_to is None else float(ramp_to), float(duration), count)


def _drive(pool: list, records: list[dict], sampler: Any, flag: Any, started: Any, until: Any, progress: Any,
           limit: float, live: Any = None, watch: LiveLoad | None = None,
           notes: list[str] | None = None) -> tuple[bool, float]:
    """Start the workers, collect their records; on an interrupt, stop them and keep what they measured.
    A worker that has not reported STRAGGLER_S after the end (its watchdog stops statements before) is
    ended, and `notes` say so."""
    interrupted = False
    began: float | None = None
    try:
        for worker in pool:
            worker.wait_ready()
        if sampler is not None:
            sampler.start()
        began = time.perf_counter()
        for worker in pool:
            worker.send(b"go")
        if started is not None:
            started.set()
        pending = list(pool)
        stopping = False
        while pending:
            if until is not None and until.is_set() and not stopping:
                stopping = True
                for worker in pool:
                    worker.send(b"stop")
            for worker in list(pending):
                record = worker.result(timeout=0.05)
                if record is not None or not worker.alive():
                    pending.remove(worker)
                    if record is not None:
                        records.append(record)
                    elif notes is not None:
                        notes.append(f"a worker process ended without results: {worker.failure()}")
            if pending and time.perf_counter() > began + limit + GRACE_S + STRAGGLER_S:
                if notes is not None:
                    notes.append(f"{len(pending)} worker process(es) had not finished {STRAGGLER_S:g} s after the "
                                 "load's end and were stopped")
                break
            if flag.requested or requested():
                raise KeyboardInterrupt
            if watch is not None and any(worker.ticks for worker in pool):
                for worker in pool:
                    for snapshot in worker.ticks:
                        watch.add(snapshot)
                    worker.ticks.clear()
                watch.elapsed = time.perf_counter() - began
                live(watch)
            if progress is not None:
                progress(min(1.0, (time.perf_counter() - began) / limit))
    except KeyboardInterrupt:
        interrupted = True
        for worker in pool:
            worker.send(b"stop")
        end = time.monotonic() + 2.0
        for worker in pool:
            record = worker.result(timeout=max(0.0, end - time.monotonic()))
            if record is not None and all(record is not r for r in records):
                records.append(record)
    finally:
        elapsed = time.perf_counter() - began if began is not None else 0.0
        if sampler is not None and sampler.is_alive():
            sampler.halt.set()
            sampler.join(2)
        for worker in pool:
            worker.close()
    return interrupted, elapsed


class _Process:
    """A worker process and the thread that reads what it says."""

    def __init__(self, job: dict) -> None:
        import pickle
        import subprocess
        import sys
        import tempfile

        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, "-m", "workbench.lab.traffic"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.errors)
        body = pickle.dumps(job)
        self.process.stdin.write(len(body).to_bytes(8, "big") + body)
        self.process.stdin.flush()
        self.messages: queue.Queue = queue.Queue()
        self.record: dict | None = None
        self.ticks: list[dict] = []  # live snapshots not yet taken by the caller
        self.gone = False  # its output ended: everything it said has been read
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        import pickle

        out = self.process.stdout
        while True:
            kind = out.read(1)
            if not kind:
                self.messages.put(("gone", None))
                return
            if kind == b"R":
                self.messages.put(("ready", None))
            elif kind in (b"D", b"P"):
                size = int.from_bytes(out.read(8), "big")
                self.messages.put(("done" if kind == b"D" else "tick", pickle.loads(out.read(size))))

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the worker's clients have logged in (or failed to)."""
        try:
            kind, _ = self.messages.get(timeout=timeout)
        except queue.Empty:
            kind = "late"
        if kind != "ready":
            self.gone = kind == "gone"
            why = self.failure() if self.gone else f"its clients had not connected after {timeout:g} s"
            raise LabError(f"A load worker did not start: {why}")

    def send(self, command: bytes) -> None:
        try:
            self.process.stdin.write(command + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def result(self, timeout: float) -> dict | None:
        if self.record is not None:
            return self.record
        deadline = time.monotonic() + timeout
        while self.record is None and not self.gone:
            try:
                kind, value = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if kind == "done":
                self.record = value
            elif kind == "tick":
                self.ticks.append(value)
            elif kind == "gone":  # its output is closed and read to the end: no record is coming
                self.gone = True
        return self.record

    def alive(self) -> bool:
        """Whether a record may still come. Not the process's own state: a worker that has exited may have
        its record still in the pipe, being read (its exit is no sign the record was lost)."""
        return not self.gone

    def failure(self) -> str:
        """The last line the worker wrote to stderr (why it gave no record)."""
        self.errors.seek(0)
        lines = self.errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else f"exit status {self.process.poll()}"

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=1)
        except Exception:  # noqa: BLE001 - a worker that does not end is killed
            self.process.kill()
            self.process.wait()
        self.errors.close()


def _result(dialect: str, clients: int, elapsed: float, plan: dict, records: list[dict], sampler: Any,
            notes: list[str], interrupted: bool, workers: int, timeout: float = 0.0,
            schedule: Schedule | None = None) -> LoadResult:
    from .drivers import driver_for

    driver = driver_for(dialect)
    if records:  # the time the clients ran, not the collection of their records after it
        elapsed = max(r["ran_s"] for r in records)
    transactions = []
    errors: Counter = Counter()
    for record in records:
        errors.update(record["errors"])
        for failure in record["failures"][:5]:
            notes.append(failure)
        for (name, cls), message in record.get("examples", {}).items():
            example = f"{name}: {cls} error, e.g. {message}"
            if driver.guard_note and driver.is_denied(message):
                example += f" ({driver.guard_note})"
            if example not in notes:
                notes.append(example)
    stopped = sum(n for (_, cls), n in errors.items() if cls == "timeout")
    if stopped:
        notes.append(f"{stopped:,} transactions were stopped and counted as timeout: still running when the load "
                     f"ended (its duration + {GRACE_S:g} s), or longer than the lab's timeout of {timeout:g} s")
    for i, t in enumerate(plan["transactions"]):
        histogram = merged_histogram(record["histograms"][i] for record in records)
        tops = [r["max_s"][i] for r in records if r["max_s"][i] is not None]
        top = max(tops) * 1000 if tops else None
        # a bucket's percentile is its highest equivalent value: never above the exact max
        row = {"name": t["name"], "committed": histogram.get_total_count(),
               "errors": {cls: errors[(t["name"], cls)] for cls in ERROR_CLASSES if errors[(t["name"], cls)]},
               **{f"p{p}_ms": top and min(top, histogram_ms(histogram, p)) for p in (50, 95, 99)},
               "max_ms": top}
        if schedule is not None:  # the time the statements took, from their actual start
            service = merged_histogram(record["service_histograms"][i] for record in records)
            row.update({"service_p50_ms": histogram_ms(service, 50), "service_p99_ms": histogram_ms(service, 99)})
        transactions.append(row)
    seconds = max((max(r["timeline"], default=-1) for r in records), default=-1) + 1
    timeline = [sum(r["timeline"].get(s, 0) for r in records) for s in range(seconds)]
    p95_timeline = [_percentile(sorted(v * 1000 for r in records for v in r.get("by_second", {}).get(s, ())), 95)
                    for s in range(seconds)]
    lock_waits: dict = {}
    if sampler is not None:
        if sampler.samples:
            lock_waits = {"samples": len(sampler.samples), "max_waiting": max(sampler.samples),
                          "share_waiting": sum(1 for s in sampler.samples if s) / len(sampler.samples)}
        if sampler.note:
            notes.append(sampler.note)
    if len(records) < workers:
        notes.append(f"{workers - len(records)} of {workers} worker processes gave no results")
    if not any(t["committed"] for t in transactions) and not errors:
        why = ("no worker process gave results" if not records else
               "no client could connect" if sum(len(r["failures"]) for r in records) >= clients else
               "the load was stopped before a transaction finished" if interrupted else
               f"no transaction finished in the {elapsed:.2f} s the clients ran")
        notes.insert(0, f"nothing committed and nothing failed: {why}")
    return LoadResult(dialect, clients, elapsed, transactions, timeline, lock_waits, notes, interrupted,
                      p95_timeline, _schedule_figures(schedule, records, elapsed, interrupted)
                      if schedule else {})


def _schedule_figures(schedule: Schedule, records: list[dict], elapsed: float, interrupted: bool) -> dict:
    """What an open loop intended and achieved: operations, rates, late and never started, per second."""
    span = min(schedule.duration, elapsed) if interrupted and elapsed else schedule.duration
    intended = schedule.intended(span)
    # every operation that started has ended committed or failed (the watchdog ends the stragglers)
    started = sum(sum(r["timeline"].values()) + sum(r["failed"].values()) for r in records)
    late = sum(r["late"] for r in records)
    seconds = max(1, math.ceil(span - 1e-9))
    starts = [0] * seconds
    for r in records:
        for by in (r["timeline"], r["failed"]):
            for second, n in by.items():  # a start just past the end (a late wake-up) counts in the last second
                starts[min(second, seconds - 1)] += n
    intended_rate, achieved_rate = intended / span, started / span
    behind = started < (1 - BEHIND) * intended
    return {"rate": schedule.rate, "ramp_to": schedule.ramp_to, "duration_s": schedule.duration,
            "intended": intended, "started": started, "late": late, "dropped": max(0, intended - started),
            "intended_rate": intended_rate, "achieved_rate": achieved_rate, "behind": behind,
            "intended_timeline": schedule.per_second(seconds), "achieved_timeline": starts}


if __name__ == "__main__":
    _worker_main()
