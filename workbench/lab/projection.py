"""How long a migration takes at production size: rehearsals at a few sizes, fitted, projected.

The migration is rehearsed (see rehearsal.py: seeded copies, a workload running, locks watched) at
two or more row counts. For each statement of each plan (as written, safe form) the seconds are
fitted as `seconds = a + b × rows` by least squares, and projected to the target row count. The
fit is stated with its worst relative residual over the measured sizes, and the projection says
which lock the statement held (a projected minute under ACCESS EXCLUSIVE is a minute of outage for
that table). A straight line is the model: a statement whose cost grows faster than the rows (a sort
that spills, an index build at scale) is underestimated, which the residual can hint at but not
prove; the result says so.

numpy's polyfit does the fitting (a maintained least-squares routine; the sizes are few).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..errors import LabError

MIN_SIZES = 2


@dataclass
class Projected:
    """One statement of one plan: measured seconds per size, the fit, and the projection."""

    plan: str
    statement: str
    seconds: list[float]             # measured, one per size
    intercept_s: float
    per_million_rows_s: float
    projected_s: float
    residual: float                  # worst |measured - fitted| / measured over the sizes
    locks: dict[str, str]            # what it held at the largest size

    def lock_text(self) -> str:
        return ", ".join(f"{mode} on {table}" for table, mode in self.locks.items()) or "no table lock seen"


@dataclass
class Projection:
    """A migration projected to `target_rows` from rehearsals at `sizes`."""

    dialect: str
    sizes: list[int]
    target_rows: int
    steps: list[Projected]
    notes: list[str] = field(default_factory=list)
    name: str | None = None
    version: int | None = None

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in self.steps:
            out[s.plan] = out.get(s.plan, 0.0) + s.projected_s
        return out

    def summary(self) -> str:
        sizes = ", ".join(f"{n:,}" for n in self.sizes)
        lines = [f"Migration projected to {self.target_rows:,} rows per table on {self.dialect}, from rehearsals "
                 f"at {sizes} rows (seconds = a + b × rows, least squares):"]
        for plan, total in self.totals().items():
            lines.append(f"{plan}: about {duration(total)} in all")
            for s in (x for x in self.steps if x.plan == plan):
                how = (f"fit {s.per_million_rows_s:.3g} s per million rows + {s.intercept_s:.3g} s"
                       if s.per_million_rows_s else "constant: it did not grow with the rows beyond noise")
                error = "two sizes: no error estimate" if len(self.sizes) == 2 else f"worst residual {s.residual:.0%}"
                lines.append(f"  about {duration(s.projected_s)}  {_short(s.statement)}: {s.lock_text()} ({how}, "
                             f"{error})")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def for_model(self) -> str:
        stored = f"Projection {self.name!r} v{self.version} stored.\n" if self.name else ""
        return stored + self.summary()

    def to_dict(self) -> dict:
        return {"dialect": self.dialect, "sizes": self.sizes, "target_rows": self.target_rows,
                "steps": [s.__dict__ for s in self.steps], "notes": self.notes}

    @classmethod
    def from_dict(cls, data: dict) -> Projection:
        return cls(data["dialect"], list(data["sizes"]), int(data["target_rows"]),
                   [Projected(**s) for s in data["steps"]], list(data.get("notes") or []))

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ["plan", "statement", *[f"{n:,} rows" for n in self.sizes],
                                                 f"at {self.target_rows:,}", "locks", "fit residual"])
        rows = "".join(
            f"<tr><td>{html.escape(s.plan)}</td><td><code>{html.escape(_short(s.statement, 80))}</code></td>"
            + "".join(f"<td>{t:.3f} s</td>" for t in s.seconds)
            + f"<td><b>{html.escape(duration(s.projected_s))}</b></td><td>{html.escape(s.lock_text())}</td>"
            f"<td>{s.residual:.0%}</td></tr>" for s in self.steps)
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<div class='wb-projection'><p><b>{html.escape(self.summary().splitlines()[0])}</b></p><table>"
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")

    def __repr__(self) -> str:
        return self.summary()


GROWS = 1.5  # the largest size's time over the smallest's above which a statement is taken to grow with rows
NOISE_S = 0.05  # and by more than this: a statement's own overhead and the machine's noise, not its rows


def fit(sizes: list[int], seconds: list[float]) -> tuple[float, float, float]:
    """(intercept s, slope s per row, worst relative residual) of seconds = a + b × rows, least squares.

    Unless a straight line explains three or more sizes, a statement whose time at the largest size is not GROWS
    times (and NOISE_S more than) its time at the smallest does not grow with the rows at these sizes (a SET, an ADD COLUMN with a constant default): it is taken as constant, its slowest,
    since a slope fitted to noise would project minutes for a statement that takes milliseconds."""
    import numpy as np

    x, y = np.asarray(sizes, dtype=float), np.asarray(seconds, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    line_residual = float(np.max(np.abs(y - (intercept + slope * x)) / np.maximum(y, 1e-6)))
    # growth a straight line explains (three or more sizes within 25 %) is kept however small: row work at 250M
    # rows is what is asked; growth within noise that no line explains is a constant statement
    consistent = len(sizes) >= 3 and line_residual <= 0.25
    if slope <= 0 or (not consistent and (y[-1] < GROWS * max(y[0], 1e-6) or y[-1] - y[0] < NOISE_S)):
        slope, intercept = 0.0, float(y.max())  # constant: its slowest time, to err on the long side
    fitted = intercept + slope * x
    residual = float(np.max(np.abs(y - fitted) / np.maximum(y, 1e-6)))
    return float(intercept), float(slope), residual


def project(base: Any, schema: Any, migration: str | list[str], *, sizes: list[int], target_rows: int,
            workload: Any = None, clients: int = 4) -> Projection:
    """Rehearse `migration` at each of `sizes` rows per table and project every statement to `target_rows`."""
    from .rehearsal import rehearse

    sizes = sorted({int(n) for n in sizes})
    if len(sizes) < MIN_SIZES or sizes[0] < 1:
        raise LabError(f"A projection needs at least {MIN_SIZES} different positive sizes (got {sizes}).",
                       hint="For example sizes=[10_000, 30_000, 100_000].")
    if target_rows < sizes[-1]:
        raise LabError(f"The target of {target_rows:,} rows is below the largest rehearsed size ({sizes[-1]:,}).",
                       hint="Rehearse at smaller sizes than the one to project to.")
    runs = [rehearse(base, schema, migration, rows=n, workload=workload, clients=clients) for n in sizes]
    steps: list[Projected] = []
    notes = ["a straight line is the model: a statement whose cost grows faster than its rows (a sort that "
             "spills to disk, an index build past memory) takes longer than projected"]
    for p, plan in enumerate(runs[-1].plans):
        for i, step in enumerate(plan.steps):
            measured = [run.plans[p].steps[i].seconds for run in runs]
            if any(run.plans[p].steps[i].error for run in runs):
                notes.append(f"{plan.label}: {_short(step.statement)} failed at some size; not projected")
                continue
            intercept, slope, residual = fit(sizes, measured)
            steps.append(Projected(plan.label, step.statement, measured, intercept, slope * 1e6,
                                   intercept + slope * target_rows, residual, dict(step.locks)))
    notes += list(dict.fromkeys(n for run in runs for n in run.notes))
    return Projection(runs[-1].dialect, sizes, int(target_rows), steps, notes)


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _short(sql: str, width: int = 70) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"
