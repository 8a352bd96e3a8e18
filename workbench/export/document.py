"""The design document as blocks (headings, prose, figures, tables, code), built from a Design.

Both writers (HTML and Markdown) render the same blocks, so the two documents never drift.
Prose is untrusted Markdown (requirements, model text, decisions) and is sanitized by the
writer; tables hold plain text cells; figures hold SVG the workbench drew. Diagrams are
rendered in parallel threads (Graphviz runs as a subprocess).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..design.kinds import API, ARCHITECTURE, LISTED, SCHEMA
from ..grid import Grid
from ..secrets import redact

OVERVIEW_ABOVE = 150  # tables: above this the ER figure shows names and relations only


@dataclass
class Heading:
    level: int
    text: str
    anchor: str


@dataclass
class Prose:
    markdown: str


@dataclass
class Figure:
    name: str
    caption: str
    svg: Any  # str, or a zero-argument callable producing it (rendered in parallel)
    mermaid: Any = None  # the same figure as Mermaid text (or a callable): Markdown readers that render it get it
    explore: Any = None  # an ER diagram's schema data (or a callable): the HTML document makes it an explorer


@dataclass
class Code:
    text: str
    language: str = ""


@dataclass
class Details:
    summary: str
    blocks: list


@dataclass
class Note:
    text: str


@dataclass
class Document:
    title: str
    subtitle: str
    blocks: list
    toc: list[Heading]

    def figures(self) -> list[Figure]:
        out: list[Figure] = []

        def walk(blocks: list) -> None:
            for b in blocks:
                if isinstance(b, Figure):
                    out.append(b)
                elif isinstance(b, Details):
                    walk(b.blocks)

        walk(self.blocks)
        return out

    def render_figures(self, workers: int = 4) -> None:
        """Turn every lazy figure into SVG text, several Graphviz processes at a time (secrets masked:
        labels are model text too). A figure that cannot be drawn becomes a note in its place; the
        document is still written."""
        lazy = [f for f in self.figures() if callable(f.svg)]
        if lazy:
            with ThreadPoolExecutor(max_workers=min(workers, len(lazy))) as pool:
                for figure, svg in zip(lazy, pool.map(_draw, lazy), strict=True):
                    figure.svg = svg
        for figure in self.figures():
            figure.svg = redact(figure.svg)


class _DocumentBuilder:
    def __init__(self) -> None:
        self.blocks: list = []
        self.toc: list[Heading] = []
        self._anchors: set[str] = set()

    def heading(self, level: int, text: str) -> None:
        base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
        anchor, n = base, 1
        while anchor in self._anchors:
            n += 1
            anchor = f"{base}-{n}"
        self._anchors.add(anchor)
        heading = Heading(level, text, anchor)
        self.blocks.append(heading)
        if level <= 3:
            self.toc.append(heading)

    def add(self, *blocks: Any) -> None:
        self.blocks.extend(blocks)


def build(design: Any, *, conversation: bool = False, notes: list | None = None) -> Document:
    """The whole design document for `design` (figures still lazy: call render_figures)."""
    b = _DocumentBuilder()
    usage = design.usage()
    turns = design.turns(all_conversations=True)
    agent = design.agent_name or "backend-architect"
    scorecard = design.scorecard()

    b.heading(2, "Summary")
    counts = {kind: len(design.names(kind)) for kind in LISTED}
    b.add(Grid(["", ""], [
        ["Design", design.name],
        ["Agent", agent],
        ["Models", ", ".join(sorted({t["model"] for t in turns if t.get("model")})) or "—"],
        ["Turns", f"{len(turns)} ({usage.summary()})"],
        ["Artifacts", ", ".join(f"{n} {_plural(kind, n)}" for kind, n in counts.items() if n) or "none"],
        ["Readiness", scorecard.summary()],
    ]))
    b.heading(2, "Requirements")
    b.add(Prose(design.requirements or "_No requirements recorded yet._"))
    _targets(b, design)

    _architecture(b, design)
    _data_model(b, design)
    _api(b, design)
    _contracts(b, design)
    _decisions(b, design)
    _experiments(b, design)
    _loads(b, design)
    _capacity(b, design)
    _rehearsals(b, design)
    _projections(b, design)

    b.heading(2, "Readiness")
    b.add(Note(f"The {scorecard.source or 'agent'} definition's Delivery Standards, checked against this "
               "design's artifacts: covered means an artifact shows it (a diagram, a contract, a decision, a load "
               "run); claimed means it is only said, in the requirements or a workspace file."))
    b.add(Grid(scorecard.HEADERS, scorecard.rows(), caption=scorecard.summary(),
                classes=[row[2].split("\u00a0")[-1] for row in scorecard.rows()]))

    if notes:
        b.heading(2, "Notes")
        b.add(*notes)
    if conversation:
        from ..design.conversation import conversation_markdown

        b.heading(2, "Conversation")
        for number in sorted({t["conversation"] for t in turns}):
            messages = design.messages(number)
            if messages:
                b.heading(3, f"Conversation {number}")
                b.add(Prose(conversation_markdown(messages, agent)))
    subtitle = f"Design document · exported {time.strftime('%Y-%m-%d %H:%M')} · Architect Workbench"
    return Document(f"Design: {design.name}", subtitle, _redacted(b.blocks), b.toc)


def _plural(kind: str, n: int) -> str:
    if kind == "capacity":
        kind = "capacity plan"
    return kind if n == 1 else f"{kind}s"


def _targets(b: _DocumentBuilder, design: Any) -> None:
    """The measurable targets and the newest verification: which the lab met, missed or did not measure."""
    from ..design.verify import latest_verification

    targets = design.targets()
    if not targets:
        return
    verification = latest_verification(design)
    status = {c.id: c for c in verification.checks} if verification is not None else {}
    rows = [[r.id, r.statement, (status[r.id].status if r.id in status else "not verified"), r.target(),
             (status[r.id].measured if r.id in status else ""), r.assumed or ""] for r in targets]
    caption = verification.summary() if verification is not None else "Not verified yet (%design verify)."
    # the status is the third column, which the document's covered/missing/partial rows colour
    b.add(Grid(["id", "requirement", "status", "target", "measured", "assumed"], rows, caption=caption,
               classes=[{"met": "covered", "missed": "missing"}.get(row[2], "partial") for row in rows]))


def _draw(figure: Figure) -> str:
    """The figure's SVG, or a small SVG saying why it could not be drawn."""
    import html

    try:
        return figure.svg()
    except Exception as exc:  # noqa: BLE001 - one bad figure must not lose the whole document
        reason = html.escape(f"{figure.caption}: could not be drawn ({type(exc).__name__}: {str(exc)[:200]})")
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="40"><text x="8" y="24" '
                f'font-family="sans-serif" font-size="13" fill="#b00020">{reason}</text></svg>')


def _redacted(blocks: list) -> list:
    """No secrets in the document: API keys and database passwords are masked in every text."""
    for block in blocks:
        if isinstance(block, Heading):
            block.text = redact(block.text)
        elif isinstance(block, Prose):
            block.markdown = redact(block.markdown)
        elif isinstance(block, Grid):
            block.rows = [[redact(str(c)) for c in row] for row in block.rows]
        elif isinstance(block, Code):
            block.text = redact(block.text)
        elif isinstance(block, Note):
            block.text = redact(block.text)
        elif isinstance(block, Details):
            block.summary = redact(block.summary)
            _redacted(block.blocks)
    return blocks


def _history(rows: list[dict]) -> Grid:
    return Grid(["version", "stored", "summary"],
                 [[f"v{r['version']}", time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created_at"])),
                   r.get("summary") or ""] for r in rows])


def _review(findings: Any, label: str, none: str, headers: list[str], cells) -> Grid | Note:
    """Lint findings (schema or architecture) as a table with a row per finding, coloured by severity."""
    if not findings:
        return Note(f"{label}: {none}.")
    return Grid(["severity", "rule", *headers], [[f.severity, f"{f.rule} {f.name}", *cells(f)] for f in findings],
                 caption=f"{label}: {findings.summary()}", classes=[f.severity for f in findings])


# -- sections ------------------------------------------------------------------------------------------
def _architecture(b: _DocumentBuilder, design: Any) -> None:
    names = design.names(ARCHITECTURE)
    b.heading(2, "Architecture")
    if not names:
        b.add(Note("No architecture yet (draw_architecture or %%arch)."))
        return
    for name in names:
        rows = design.versions(ARCHITECTURE, name, bodies=False)
        arch = design.architecture(name)
        findings = arch.lint()
        b.heading(3, f"{arch.spec.title or name} ({name} v{rows[-1]['version']})")
        b.add(Figure(f"architecture-{name}", f"Architecture {name} v{rows[-1]['version']}",
                     lambda arch=arch, findings=findings: arch.render("svg", findings=findings),
                     mermaid=arch.to_mermaid))
        b.add(_review(findings, "Review", "no anti-patterns found", ["nodes", "finding", "what to do"],
                      lambda f: [", ".join(f.nodes), f.message, f.advice]))
        if len(rows) > 1:
            b.add(Details(f"Version history ({len(rows)} versions)", [_history(rows)]))


def _graph_data(schema: Any) -> dict:
    from .explorer import graph_data

    return graph_data(schema)


def _data_model(b: _DocumentBuilder, design: Any) -> None:
    names = design.names(SCHEMA)
    b.heading(2, "Data model")
    if not names:
        b.add(Note("No schema yet (propose_schema or %%schema)."))
        return
    for name in names:
        rows = design.versions(SCHEMA, name, bodies=False)
        newest = design.latest(SCHEMA, name)
        schema = design.schema(name)
        b.heading(3, f"Schema {name} v{rows[-1]['version']} ({schema.dialect})")
        rationale = newest["body"].get("rationale")
        if rationale:
            b.add(Prose(rationale))
        overview = len(schema.tables) > OVERVIEW_ABOVE
        b.add(Figure(f"er-{name}", f"ER diagram of {name} v{rows[-1]['version']}"
                     + (" (overview: table names and relations)" if overview else ""),
                     lambda schema=schema, overview=overview: schema.er(overview=overview).svg(),
                     mermaid=None if overview else schema.to_mermaid,
                     explore=lambda schema=schema: _graph_data(schema)))
        findings = schema.lint()
        b.add(_review(findings, "Lint", "no findings", ["where", "finding", "fix"],
                      lambda f: [f.table + (f".{f.column}" if f.column else ""), f.message, f.fix or ""]))
        b.add(Details(f"Data dictionary ({len(schema.tables)} tables)", _dictionary(schema)))
        if len(rows) > 1:
            b.add(Details(f"Migration history ({len(rows)} versions)", _migrations(design, name, rows)))


def _dictionary(schema: Any) -> list:
    blocks: list = []
    for table in schema.tables.values():
        pk = {c.lower() for c in table.primary_key}
        fks = {c.lower(): f"→ {fk.ref_table}({', '.join(fk.ref_columns)})" for fk in table.foreign_keys
               for c in fk.columns}
        uniques = {u.columns[0].lower() for u in table.uniques if len(u.columns) == 1}
        rows = []
        for column in table.columns.values():
            key = " ".join(k for k, on in (("PK", column.name.lower() in pk), ("UK", column.name.lower() in uniques))
                           if on)
            rows.append([column.name, column.type, "" if column.nullable else "NOT NULL", column.default or "",
                         " ".join(x for x in (key, fks.get(column.name.lower(), "")) if x), column.comment or ""])
        caption = table.key + (f" — {table.comment}" if getattr(table, "comment", None) else "")
        blocks.append(Grid(["column", "type", "null", "default", "keys", "comment"], rows, caption=caption))
    return blocks


def _migrations(design: Any, name: str, rows: list[dict]) -> list:
    """Each version's changes and migration SQL, as stored with the version when it was saved."""
    blocks: list = [_history(rows)]
    for row in rows[1:]:
        migration = design.migration(name, row["version"])
        blocks.append(Note(f"v{row['version'] - 1} → v{row['version']}: {migration['summary']} "
                           f"(risk: {migration['risk']})"))
        if migration["sql"]:
            blocks.append(Code(migration["sql"], "sql"))
    return blocks


def _contracts(b: _DocumentBuilder, design: Any) -> None:
    """GraphQL and protobuf contracts: operations, and what changed since the version before."""
    records = design.contracts()
    if not records:
        return
    b.heading(2, "Contracts")
    for record in records:
        contract = record.contract
        b.heading(3, f"{contract.format} contract {record.name} v{record.version}")
        b.add(Grid(contract.HEADERS, contract.operations(), caption=contract.summary()))
        if record.version > 1:
            breaking = sum(1 for c in record.changes if c.breaking)
            b.add(Grid(["change", "breaking"], [[c.what, "yes" if c.breaking else "no"] for c in record.changes],
                       caption=f"Since v{record.version - 1}: {breaking} breaking, "
                               f"{len(record.changes) - breaking} compatible"))
        language = {"graphql": "graphql", "protobuf": "protobuf"}.get(contract.format, "yaml")
        b.add(Details(f"{contract.format} document", [Code(contract.text, language)]))
    if design.latest(API) is None:  # else the API section showed it
        _consistency(b, design)


def _api(b: _DocumentBuilder, design: Any) -> None:
    from ..design.api import ApiContract

    b.heading(2, "API")
    row = design.latest(API)
    if row is None:
        b.add(Note("No API contract yet (define_api)."))
        return
    contract = ApiContract(row["body"]["document"], row["body"].get("text"))
    b.heading(3, f"{contract.title} ({row['name']} v{row['version']})")
    description = (contract.document.get("info") or {}).get("description")
    if description:
        b.add(Prose(description))
    b.add(Grid(ApiContract.HEADERS, contract.table_rows(), caption=contract.summary()))
    schemes = contract.security_schemes
    b.add(Note(f"Security schemes: {', '.join(schemes) if schemes else 'none'}"))
    b.add(Details("OpenAPI document", [Code(contract.text, "yaml")]))
    _consistency(b, design)


def _consistency(b: _DocumentBuilder, design: Any) -> None:
    findings = design.consistency()
    if findings:
        b.add(_review(findings, "Contracts and schema", "they agree", ["API field ↔ column", "finding", "what to do"],
                      lambda f: [f"{f.where} ↔ {f.column}", f.message, f.fix]))


def _decisions(b: _DocumentBuilder, design: Any) -> None:
    b.heading(2, "Decisions")
    records = design.decisions()
    if not records:
        b.add(Note("No decisions recorded yet (record_decision)."))
        return
    b.add(Grid(["ADR", "title", "status", "date"], [[d.key, d.title, d.status, d.date] for d in records]))
    for d in records:
        b.heading(3, f"{d.key}: {d.title}")
        b.add(Prose(d.markdown("####").split("\n", 1)[1]))


def _summary_notes(b: _DocumentBuilder, summary: str, starts: tuple[str, ...]) -> None:
    """The lines of a result's summary that start with `starts`, as notes."""
    for line in summary.splitlines()[1:]:
        if line.strip().startswith(starts):
            b.add(Note(line.strip()))


def _loads(b: _DocumentBuilder, design: Any) -> None:
    from ..lab.traffic import LATENCIES, latency

    loads = design.loads()
    if not loads:
        return  # load tests are optional: no empty section
    b.heading(2, "Load tests")
    for record in loads:
        r = record.result
        b.heading(3, f"{record.name} (v{record.version})")
        b.add(Note(r.summary().splitlines()[0]))
        b.add(Grid(["transaction", "committed", "p50", "p95", "p99", "max", "errors"],
                   [[t["name"], f"{t['committed']:,}"] + [latency(t[k]) for k in LATENCIES]
                    + [", ".join(f"{k} {v}" for k, v in t["errors"].items()) or "—"] for t in r.transactions]))
        b.add(Figure(f"load-{record.name}-v{record.version}", f"committed transactions per second: {record.name}",
                     r.chart_svg))
        _summary_notes(b, r.summary(), ("lock waits", "note"))


def _capacity(b: _DocumentBuilder, design: Any) -> None:
    """The newest capacity plan of each engine it was measured on: sizes, projections, partitions, connections."""
    from ..design.capacity import latest_capacity
    from ..design.kinds import CAPACITY

    plans = [latest_capacity(design, name) for name in design.names(CAPACITY)]
    if not plans:
        return  # a capacity plan is optional: no empty section
    b.heading(2, "Capacity plan")
    for plan in plans:
        first, *rest = plan.summary().splitlines()
        b.heading(3, f"{plan.dialect} (v{plan.version})")
        b.add(Note(first))
        b.add(Grid(plan.headers(), plan.rows()))
        if plan.index_rows():
            b.add(Details("Bytes per index", [Grid(["table", "index", "B/row", "sample size"], plan.index_rows())]))
        b.add(Figure(f"capacity-{plan.database}-v{plan.version}", f"projected table size over years: {plan.dialect}",
                     plan.chart_svg))
        for line in rest:
            b.add(Note(line.strip()))


def _rehearsals(b: _DocumentBuilder, design: Any) -> None:
    rehearsals = design.rehearsals()
    if not rehearsals:
        return
    b.heading(2, "Migration rehearsals")
    for r in rehearsals:
        b.heading(3, f"{r.name} (v{r.version})")
        b.add(Note(r.summary().splitlines()[0]))
        b.add(Grid(["plan", "statement", "s", "locks", "rewrote", "blocked", "longest block s", "error"],
                   [[p.label, s.statement, f"{s.seconds:.2f}", ", ".join(f"{m} on {t}" for t, m in s.locks.items()),
                     ", ".join(s.rewritten) or "—", str(s.blocked_max), f"{s.longest_block_s:.2f}", s.error or ""]
                    for p in r.plans for s in p.steps]))
        _summary_notes(b, r.summary(), ("workload", "note"))


def _projections(b: _DocumentBuilder, design: Any) -> None:
    """Migrations projected to the stated volume: per statement, the measured seconds, the projection, the lock."""
    from ..design.kinds import PROJECTION
    from ..lab.projection import Projection, duration

    rows = design.versions(PROJECTION)
    if not rows:
        return
    b.heading(2, "Migrations at the stated volume")
    for row in rows:
        p = Projection.from_dict(row["body"])
        b.heading(3, f"{row['name']} (v{row['version']})")
        b.add(Note(p.summary().splitlines()[0]))
        b.add(Grid(["plan", "statement", *[f"{n:,} rows s" for n in p.sizes], f"at {p.target_rows:,}", "locks",
                    "fit residual"],
                   [[s.plan, s.statement, *[f"{t:.3f}" for t in s.seconds], duration(s.projected_s), s.lock_text(),
                     f"{s.residual:.0%}"] for s in p.steps]))
        for note in p.notes:
            b.add(Note(note))


def _experiments(b: _DocumentBuilder, design: Any) -> None:
    b.heading(2, "Experiments")
    experiments = design.experiments()
    if not experiments:
        b.add(Note("No experiments yet (run_experiment or %%lab)."))
        return
    for e in experiments:
        c = e.comparison
        inputs = e.input
        b.heading(3, f"{e.name} (v{e.version})")
        b.add(Note(f"{c.dialect}, {inputs.get('rows', c.rows)} rows per table, {c.repeat} runs per query, "
                   f"identical data for every variant."))
        b.add(Grid(["variant", "query", "p50 ms", "p95 ms", "max ms", "rows", "ratio", "plan"],
                    [[r["variant"], r["query"], f"{r['p50_ms']:.3f}", f"{r['p95_ms']:.3f}", f"{r['max_ms']:.3f}",
                      str(r["rows"]), f"{r['ratio']:.2f}", r["plan"]] for r in c.records]))
        b.add(Figure(f"experiment-{e.name}-v{e.version}", f"p50 per query and variant: {e.name}",
                     c.chart_svg))
        workload = inputs.get("workload") or []
        variants = inputs.get("variants") or []
        if workload or variants:
            b.add(Details("Workload and variants", [Code("\n\n".join(
                [f"-- {w.get('name')}\n{w.get('sql')}" for w in workload]
                + [f"-- variant {v.get('name')}\n{v.get('ddl')}" for v in variants]), "sql")]))
