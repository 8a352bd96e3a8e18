"""The same workload on several schema variants, on identical seeded data.

A variant is extra DDL on the lab's schema (an index, a column) or a whole other Schema.
The baseline is a fresh database of the lab's kind (a sandbox file, or a namespace on the
same server), loaded and seeded once. A DDL variant runs on a copy of it with its DDL applied
(no second seed); a whole other schema is seeded afresh with the same seed, so the tables the
variants share hold the same rows. Every query runs once to warm up, then `repeat` times; its plan is kept.
The result is a table of p50/p95/max per query and variant with ratios against the first
variant (the baseline), a bar chart, and the plans side by side.
"""

from __future__ import annotations

import html
import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import LabError
from ..schema.model import Schema
from .workload import workload_from

_MATPLOTLIB = threading.Lock()


@dataclass
class Variant:
    name: str
    ddl: str | None = None
    schema: Schema | None = None


def variants_from(items: Any) -> list[Variant]:
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, Variant):
            out.append(item)
        elif isinstance(item, dict):
            schema = item.get("schema")
            if isinstance(schema, str):
                schema = Schema.from_ddl(schema, item.get("dialect", "postgres"))
            out.append(Variant(str(item.get("name") or f"variant {i + 1}"), item.get("ddl"), schema))
        elif isinstance(item, tuple):
            out.append(Variant(str(item[0]), item[1] if isinstance(item[1], str) else None,
                               item[1] if isinstance(item[1], Schema) else None))
        else:
            raise LabError(f"Cannot read variant {item!r}.", hint="Give {name, ddl} or {name, schema}.")
    names = [v.name for v in out]
    if len(set(names)) != len(names):
        raise LabError("Variant names must differ.", hint=f"Got {', '.join(names)}.")
    return out


class Comparison:
    """Timings and plans per variant and query."""

    def __init__(self, records: list[dict], plans: dict[tuple[str, str], Any], variants: list[str],
                 queries: list[str], dialect: str, rows: Any, repeat: int) -> None:
        self.records = records
        self.plans = plans
        self.variants = variants
        self.queries = queries
        self.dialect = dialect
        self.rows = rows
        self.repeat = repeat

    @property
    def df(self):
        import pandas as pd

        return pd.DataFrame(self.records, columns=["variant", "query", "p50_ms", "p95_ms", "max_ms", "rows",
                                                   "ratio", "plan"])

    def ratio(self, query: str, variant: str) -> float:
        return next(r["ratio"] for r in self.records if r["query"] == query and r["variant"] == variant)

    def summary(self) -> str:
        lines = []
        for query in self.queries:
            parts = []
            for variant in self.variants:
                r = next(x for x in self.records if x["query"] == query and x["variant"] == variant)
                parts.append(f"{variant} {r['p50_ms']:.3f} ms ({r['ratio']:.2f}x; {r['plan']})")
            lines.append(f"{query}: " + " | ".join(parts))
        return "\n".join(lines)

    def chart_svg(self) -> str:
        """Grouped bars: p50 per query, one bar per variant (matplotlib, without pyplot state)."""
        with _MATPLOTLIB:  # matplotlib is not thread-safe (its mathtext parser is shared): one chart at a time
            return self._chart_svg()

    def _chart_svg(self) -> str:
        figure = self._figure()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.05)
        svg = buffer.getvalue()
        return svg[svg.find("<svg"):]

    def _figure(self):
        """The bar chart's figure: bars labelled with their p50, the legend above the plot (never on a label)."""
        from matplotlib.backends.backend_svg import FigureCanvasSVG
        from matplotlib.figure import Figure

        figure = Figure(figsize=(1.6 + 1.3 * len(self.queries) * max(1, len(self.variants)) / 2, 3.2))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot(1, 1, 1)
        width = 0.8 / max(1, len(self.variants))
        for i, variant in enumerate(self.variants):
            values = [next(r["p50_ms"] for r in self.records if r["query"] == q and r["variant"] == variant)
                      for q in self.queries]
            positions = [q + i * width for q in range(len(self.queries))]
            bars = axes.bar(positions, values, width=width, label=variant)
            axes.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=2)
        axes.set_xticks([q + width * (len(self.variants) - 1) / 2 for q in range(len(self.queries))])
        # names are drawn as written (parse_math=False): `$…$` in a name is text, not mathtext
        axes.set_xticklabels(self.queries, fontsize=8, parse_math=False)
        axes.set_ylabel("p50 (ms)")
        values = [r["p50_ms"] for r in self.records]
        if values and min(values) > 0 and max(values) / min(values) > 50:
            axes.set_yscale("log")
        axes.margins(y=0.15)  # room above the tallest bar for its label
        axes.set_title(f"{self.dialect}: p50 of {self.repeat} runs per query", fontsize=9, parse_math=False, pad=6)
        # the legend sits below the x labels, outside the plot, so no bar or bar label is under it
        long = max((len(v) for v in self.variants), default=0) > 24
        legend = axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False,
                             ncol=1 if long else max(1, min(len(self.variants), 3)))
        for text in legend.get_texts():
            text.set_parse_math(False)
        return figure  # saved with bbox_inches="tight": the page grows to hold the legend and the labels

    def for_model(self) -> str:
        lines = [f"Compared {len(self.variants)} variants × {len(self.queries)} queries on {self.dialect} "
                 f"({self.repeat} runs each, identical data):", self.summary()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"records": self.records, "variants": self.variants, "queries": self.queries, "dialect": self.dialect,
                "rows": self.rows, "repeat": self.repeat,
                "plans": {f"{v}::{q}": [vars(s) for s in p] for (v, q), p in self.plans.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        """A stored comparison (to_dict output) back as an object: tables, chart and plans."""
        from .plans import PlanStep, QueryPlan

        plans = {}
        for key, steps in (data.get("plans") or {}).items():
            variant, _, query = key.partition("::")
            plans[(variant, query)] = QueryPlan([PlanStep(**s) for s in steps], data.get("dialect", ""), "")
        return cls(data["records"], plans, data["variants"], data["queries"], data.get("dialect", ""),
                   data.get("rows"), data.get("repeat", 1))

    def plans_html(self) -> str:
        """The plans of each query, variants side by side; the row scrolls sideways when it is wider than the page."""
        parts = []
        for query in self.queries:
            cells = "".join(f'<div style="flex:none"><b>{html.escape(v)}</b>{self.plans[(v, query)]._repr_html_()}</div>'
                            for v in self.variants if (v, query) in self.plans)
            parts.append(f"<p><b>Plans for {html.escape(query)}</b></p>"
                         f'<div class="wb-scroll" style="display:flex;gap:16px;align-items:flex-start;'
                         f'overflow-x:auto;max-width:100%">{cells}</div>')
        return "".join(parts)

    def table_html(self) -> str:
        """Timings per variant and query (absent values as —; wide rows scroll instead of wrapping)."""
        from ..grid import scroll_table

        columns = ["variant", "query", "p50_ms", "p95_ms", "max_ms", "rows", "ratio", "plan"]
        return scroll_table(columns, [[r.get(c) for c in columns] for r in self.records])

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        parts = [f"<p><b>Experiment</b> — {html.escape(self.dialect)}, {self.repeat} runs per query</p>",
                 self.table_html(), f'<div class="wb-scroll" style="overflow-x:auto;max-width:100%">{self.chart_svg()}</div>',
                 self.plans_html()]
        return {"text/html": "".join(parts), "text/plain": self.for_model()}

    def __repr__(self) -> str:
        return self.for_model()


def compare(lab, workload, variants=None, *, rows=10_000, repeat: int = 20, seed: int = 42,
            distribution: str = "uniform", progress: bool = True) -> Comparison:
    if lab.schema is None:
        raise LabError("Load a schema into the lab before comparing variants.", hint="lab.load(schema)")
    queries = workload_from(workload)
    if not queries:
        raise LabError("The workload is empty.", hint="Give queries as [{name, sql}, …].")
    chosen = [Variant("baseline")] + variants_from(variants)
    records, plans = [], {}
    baseline: dict[str, float] = {}
    with lab.sibling("variant-baseline") as seeded:
        seeded.load(lab.schema)
        seeded.seed(rows, seed=seed, distribution=distribution, progress=progress)
        for variant in chosen:
            with _variant_lab(seeded, variant, rows, seed, distribution, progress) as target:
                for query in queries:
                    target.run(query.sql, query.params)  # warm-up
                    result = target.run(query.sql, query.params, repeat=repeat)
                    plan = target.explain(query.sql, query.params)
                    stats = result.stats()
                    if variant is chosen[0]:
                        baseline[query.name] = stats["p50_ms"]
                    ratio = stats["p50_ms"] / baseline[query.name] if baseline.get(query.name) else 1.0
                    # the best run is kept too: on a busy machine it is the one least inflated by waiting for the CPU
                    records.append({"variant": variant.name, "query": query.name, "p50_ms": stats["p50_ms"],
                                    "p95_ms": stats["p95_ms"], "max_ms": stats["max_ms"], "min_ms": stats["min_ms"],
                                    "rows": len(result.rows), "ratio": ratio, "plan": plan.summary()})
                    plans[(variant.name, query.name)] = plan
    return Comparison(records, plans, [v.name for v in chosen], [q.name for q in queries], lab.dialect, rows, repeat)


@contextmanager
def _variant_lab(seeded, variant: Variant, rows, seed: int, distribution: str, progress: bool):
    """The lab a variant runs on. DDL variants share the seeded rows: a copy of the seeded lab with the
    DDL applied, the same rows a fresh seed would make (generation depends on the schema, which DDL
    variants share; the seeder fills only its columns). A whole other schema is seeded afresh."""
    if variant.schema is None and not variant.ddl:
        yield seeded
        return
    seeded.driver.idle(seeded.connection())  # its page cache is not needed while the variant runs
    if variant.schema is None:
        with seeded.copy(f"variant-{variant.name}") as target:
            target.apply(variant.ddl)
            yield target
        return
    with seeded.sibling(f"variant-{variant.name}") as target:
        target.load(variant.schema, extra_ddl=variant.ddl)
        target.seed(rows, seed=seed, distribution=distribution, progress=progress)
        yield target
