"""Verification: the lab proves or refutes each requirement of a design, and the result is stored.

For each stored load a requirement is bound to, the load runs again, as it was stored (transactions,
parameters, clients, duration, its variant's DDL), on its own copy of a lab seeded for the verification
(the design's own lab keeps what earlier runs wrote), so runs do not see each other's writes; the run is stored as a new version of that load (the
evidence). Throughput, latency and error-rate targets are read from that run. Invariants (a query
that must return no rows) are checked on the data the load left behind in that copy; one that names
no load is checked on the seeded rows, and says so.
Volume targets that name a table are checked against the capacity plan (capacity.py: bytes per row measured
on a seeded sample, projected to the horizon); retention and availability are reported as unmeasured.

A throughput target the lab could not reach says what it reached, with how many clients on which
engine and at what data size: a closed-loop run measures what those clients achieved, not what the
production system would.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import DesignError
from .kinds import LOAD, SCHEMA, VERIFICATION
from .labs import DEFAULT_ROWS
from .requirements import LATENCY, Requirement, requirements

MET, MISSED, UNMEASURED = "met", "missed", "unmeasured"
_MARK = {MET: "✓", MISSED: "✗", UNMEASURED: "–"}
SHOWN_ROWS = 5


@dataclass
class Outcome:
    """One requirement as verified: status, what was measured, against which target, on what evidence."""

    id: str
    statement: str
    target: str
    status: str
    measured: str
    evidence: str


@dataclass
class Verification:
    """The design's requirements against the lab: one Outcome per requirement."""

    checks: list[Outcome]
    database: str
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    version: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    def summary(self) -> str:
        return (f"Requirements: {self.count(MET)} met, {self.count(MISSED)} missed, {self.count(UNMEASURED)} "
                f"unmeasured of {len(self.checks)} (verified on {self.database} in {self.elapsed_s:.1f} s)")

    def to_dict(self) -> dict:
        return {"checks": [asdict(c) for c in self.checks], "database": self.database,
                "elapsed_s": self.elapsed_s, "notes": self.notes}

    @classmethod
    def from_dict(cls, data: dict) -> Verification:
        return cls([Outcome(**c) for c in data["checks"]], data["database"], data["elapsed_s"],
                   list(data.get("notes") or []))

    HEADERS = ["id", "requirement", "target", "status", "measured", "evidence"]

    def rows(self) -> list[list[str]]:
        return [[c.id, c.statement, c.target, f"{_MARK[c.status]}\u00a0{c.status}", c.measured, c.evidence]
                for c in self.checks]

    def for_model(self) -> str:
        lines = [self.summary()] + [f"- {c.id} {c.status.upper()}: target {c.target}; "
                                    + (f"measured {c.measured} ({c.evidence})" if c.evidence else c.measured)
                                    for c in self.checks]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])

    def _repr_html_(self) -> str:
        colour = {MET: "#1e7d32", MISSED: "#c5221f", UNMEASURED: "#666"}
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[:3])
            + f"<td style='color:{colour[c.status]};font-weight:600;white-space:nowrap'>{html.escape(row[3])}</td>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[4:]) + "</tr>"
            for row, c in zip(self.rows(), self.checks, strict=True))
        head = "".join(f"<th>{h}</th>" for h in self.HEADERS)
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<div class='wb-verification'><p><b>{html.escape(self.summary())}</b></p><table><thead><tr>{head}"
                f"</tr></thead><tbody>{body}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "") + "</div>")

    def __repr__(self) -> str:
        return self.for_model()


def verify(design: Any, *, database: str = "sandbox", only: list[str] | None = None,
           turn_id: int | None = None, progress: Any = None) -> Verification:
    """Check the design's requirements (or those in `only`) against the lab; store and return the result."""
    every = requirements(design)
    unknown = sorted(set(only or ()) - {r.id for r in every})
    if unknown and every:
        raise DesignError(f"No requirement {', '.join(unknown)} in the design.",
                          hint=f"Its requirements: {', '.join(r.id for r in every)}.")
    reqs = [r for r in every if only is None or r.id in only]
    if not reqs:
        raise DesignError("The design has no requirements to verify." if only is None else
                          f"No requirement {', '.join(only)} in the design.",
                          hint="Record them with record_requirement (or Design.record_requirement) first.")
    if design.latest(SCHEMA) is None:
        raise DesignError(f"Design {design.name!r} has no schema for the lab to verify against.",
                          hint="Propose one (propose_schema or %%schema) and bind the requirements to its loads.")
    started = time.perf_counter()
    notes: list[str] = []
    by_load: dict[str, list[Requirement]] = {}
    for req in reqs:
        if req.measurable and req.load:
            by_load.setdefault(req.load, []).append(req)
    checks: dict[str, Outcome] = {}
    bases: dict[str, Any] = {}  # database → a lab seeded for this verification alone
    try:
        for load_name, bound in by_load.items():
            row = design.latest(LOAD, load_name)
            if row is None:
                for req in bound:
                    checks[req.id] = _unmeasured(req, f"load {load_name!r} is not in the design")
                continue
            inputs = row["body"].get("input") or {}
            db = inputs.get("database") or database
            if progress is not None:
                progress(f"verify: running load {load_name!r} on {db}")
            rows = inputs.get("rows") or DEFAULT_ROWS  # seeded as the load's own lab was
            with _base(design, db, bases, rows).copy("verify") as target:  # each load on its own copy of the seed
                record = _rerun(design, target, load_name, inputs, turn_id)
                for req in bound:
                    checks[req.id] = (_invariant(req, target, f"after load {record[0]} v{record[1]}")
                                      if req.metric == "invariant" else _measure(req, record, rows))
        unbound = [r for r in reqs if r.id not in checks and r.metric == "invariant"]
        if unbound:
            with _base(design, database, bases, DEFAULT_ROWS).copy("verify") as target:
                for req in unbound:
                    checks[req.id] = _invariant(req, target, f"on the seeded rows of {database} (no load bound: "
                                                             "give `load` to check it after one)")
    finally:
        for lab in bases.values():
            lab.close()
    volumes = [r for r in reqs if r.metric == "volume" and r.table]
    if volumes:
        checks.update(_volumes(design, volumes, database, turn_id, progress))
    for req in reqs:
        if req.id not in checks:
            why = ("the lab does not measure volume without a table: give `table` (and `value` rows a year)"
                   if req.metric == "volume" else f"the lab does not measure {req.metric} yet")
            checks[req.id] = _unmeasured(req, why)
    notes += [f"{db}: a lab of its own, seeded with {_rows_text(rows)} (seed 42), not the design's lab, which keeps "
              "what earlier runs wrote" for db, rows in (json.loads(key) for key in bases)]
    result = Verification([checks[r.id] for r in reqs], database, time.perf_counter() - started, notes)
    result.version = design.add_version(VERIFICATION, "requirements", result.to_dict(), summary=result.summary(),
                                        turn_id=turn_id)
    return result


def _rows_text(rows: Any) -> str:
    if isinstance(rows, dict):
        return ", ".join(f"{n:,} {table}" for table, n in rows.items())
    return f"{int(rows):,} rows per table"


def _base(design: Any, database: str, bases: dict, rows: Any) -> Any:
    """A lab of this verification's own on `database`, seeded with `rows` as the load's lab was: the newest
    schema, seeded afresh (the design's own lab keeps what earlier loads and queries wrote)."""
    key = json.dumps([database, rows], sort_keys=True)
    if key not in bases:
        from ..lab.lab import Lab, flatten
        from .labs import NAMES

        kind = NAMES.get(database.lower())
        if kind is None:
            raise DesignError(f"Unknown lab database {database!r}.", hint="Use sandbox, postgres or mysql.")
        lab = Lab(None if kind == "sandbox" else kind, name=f"{design.name}-verify",
                  owner=f"{design.home.resolve()}/{design.name}")
        try:
            lab.load(flatten(design.schema()))
            lab.seed(rows, seed=42)
        except BaseException:
            lab.close()
            raise
        bases[key] = lab
    return bases[key]


def _rerun(design: Any, lab: Any, name: str, inputs: dict, turn_id: int | None) -> tuple[str, int, Any]:
    """Run a stored load again as it was stored; store the run as a new version of it."""
    from ..lab.traffic import traffic_from

    variant = inputs.get("variant") or {}
    if variant.get("ddl"):
        lab.apply(variant["ddl"])
    result = lab.run_load(traffic_from(inputs["traffic"]), clients=inputs.get("clients", 8),
                          duration=inputs.get("duration"), count=inputs.get("count"),
                          ramp_up=inputs.get("ramp_up") or 0.0, rate=inputs.get("rate"),
                          ramp_to=inputs.get("ramp_to"))
    if result.interrupted:  # the load keeps what it measured and returns; a verification stops altogether
        raise KeyboardInterrupt
    version = design.add_version(LOAD, name, {"input": {**inputs, "verification": True}, **result.to_dict()},
                                 summary=result.summary().splitlines()[0], turn_id=turn_id)
    return name, version, result


def _measure(req: Requirement, record: tuple[str, int, Any], rows: Any) -> Outcome:
    from ..lab.traffic import latency

    name, version, result = record
    evidence = (f"load {name} v{version}: {result.clients} clients, {result.duration_s:.1f} s on {result.dialect}, "
                f"{_rows_text(rows)} seeded")
    picked = [t for t in result.transactions if req.transaction in (None, t["name"])]
    if not picked:
        known = ", ".join(t["name"] for t in result.transactions)
        return _unmeasured(req, f"load {name!r} has no transaction {req.transaction!r} (it has {known})")
    committed = sum(t["committed"] for t in picked)
    failed = sum(sum(t["errors"].values()) for t in picked)
    if req.metric == "throughput":
        rate = committed / result.duration_s if result.duration_s else 0.0
        ok = rate >= req.value
        measured = f"{rate:,.0f}/s"
        if not ok and result.schedule:
            s = result.schedule
            measured += (f" (open loop at {s['intended_rate']:,.0f}/s intended, {s['achieved_rate']:,.0f}/s started, "
                         f"{s['dropped']:,} operations never started: {result.clients} clients on this machine's "
                         f"{result.dialect})")
        elif not ok:
            measured += (f" (closed loop: {result.clients} clients on this machine's {result.dialect}; the target "
                         "may need more clients, a faster engine, or is beyond this lab)")
        return Outcome(req.id, req.statement, req.target(), MET if ok else MISSED, measured, evidence)
    if req.metric in LATENCY:
        if len(picked) != 1:
            return _unmeasured(req, "a latency target names one transaction (give `transaction`)")
        value = picked[0][f"{req.metric}_ms"]
        if value is None or not committed:
            return Outcome(req.id, req.statement, req.target(), MISSED, "nothing committed", evidence)
        return Outcome(req.id, req.statement, req.target(), MET if value <= req.value else MISSED,
                       latency(value), evidence)
    if not committed + failed:
        return _unmeasured(req, f"load {name!r} attempted no {req.transaction or 'transaction'}")
    rate = 100.0 * failed / (committed + failed)
    return Outcome(req.id, req.statement, req.target(), MET if rate <= req.value else MISSED,
                   f"{rate:.2f} % ({failed:,} of {committed + failed:,})", evidence)


def _volumes(design: Any, reqs: list[Requirement], database: str, turn_id: int | None,
             progress: Any) -> dict[str, Outcome]:
    """Volume targets against the newest capacity plan of the newest schema, on whichever engine it was measured
    (planned now on `database` when there is none): the table's measured bytes per row × its rows at the horizon."""
    from .capacity import GB, latest_capacity, plan_capacity, resolve_table, size_text

    latest = design.latest(SCHEMA)
    plan = latest_capacity(design)
    if plan is None or (plan.schema, plan.schema_version) != (latest["name"], latest["version"]):
        if progress is not None:
            progress(f"verify: measuring capacity on {database}")
        try:
            plan = plan_capacity(design, database, turn_id=turn_id)
        except DesignError as exc:
            return {r.id: _unmeasured(r, str(exc).splitlines()[0]) for r in reqs}
    out = {}
    for req in reqs:
        try:
            key = resolve_table(design.schema(), req.table, req.id)
        except DesignError as exc:
            out[req.id] = _unmeasured(req, str(exc).splitlines()[0])
            continue
        table = plan.table(key)
        if table is None:
            out[req.id] = _unmeasured(req, f"{key} is not measured on its own (a partition: name its parent table)")
            continue
        horizon = req.years or max(plan.years)
        projected = table.bytes_per_row * float(req.value or 0) * horizon
        measured = (f"{size_text(projected)} at {horizon:g} years ({table.bytes_per_row:,.1f} B/row with indexes, "
                    f"measured on {table.sample_rows:,} seeded rows)")
        year = table.crosses(plan.partition_gb * GB, plan.partition_rows)
        if year is not None and year <= horizon:
            measured += f"; crosses the partitioning threshold {plan.threshold()} in year {year:.1f}"
        evidence = f"capacity {plan.database} v{plan.version} on {plan.dialect}"
        if req.max_gb is None:
            out[req.id] = Outcome(req.id, req.statement, req.target(), UNMEASURED,
                                  f"projected {measured}; give max_gb to check it against a limit", evidence)
        else:
            met = projected <= req.max_gb * GB
            out[req.id] = Outcome(req.id, req.statement, req.target(), MET if met else MISSED, measured, evidence)
    return out


def _invariant(req: Requirement, lab: Any, where: str) -> Outcome:
    from ..errors import SQLError

    try:
        result = lab.run(req.sql)
    except SQLError as exc:
        return _unmeasured(req, f"the invariant's query failed: {str(exc).splitlines()[0]}")
    rows = result.rows
    if not rows:
        return Outcome(req.id, req.statement, req.target(), MET, "no rows", f"invariant checked {where}")
    shown = "; ".join(", ".join(str(v) for v in r) for r in rows[:SHOWN_ROWS])
    more = " or more" if result.truncated else ""
    return Outcome(req.id, req.statement, req.target(), MISSED, f"{len(rows):,}{more} row(s) break it: {shown}",
                   f"invariant checked {where}")


def _unmeasured(req: Requirement, why: str) -> Outcome:
    return Outcome(req.id, req.statement, req.target(), UNMEASURED, why, "")


def latest_verification(design: Any) -> Verification | None:
    row = design.latest(VERIFICATION, "requirements")
    if row is None:
        return None
    result = Verification.from_dict(row["body"])
    result.version = row["version"]
    return result
