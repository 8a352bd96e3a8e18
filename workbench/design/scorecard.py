"""Readiness scorecard: the agent definition's "Delivery Standards" checked against the design.

The standards are read from the agent's own prompt (a `## Delivery Standards` section with a
numbered list `1. **Name**: item, item, item`), so a user's agent with other standards gets
its own scorecard. Each item is checked against the design's artifacts by a rule for what
would show it (an API contract with security schemes for authentication, a metrics node in
the architecture for metrics, an experiment for benchmarking, a load run for load tests, …).

Evidence, not words: an item is *covered* only by an artifact that shows it (a diagram, a validated
contract, a decision recorded for it, a document of its kind such as deploy.md for a deployment guide,
an experiment, a load run). Words in the requirements or in a workspace file make it *claimed*: shown
as such, never counted as covered. What must be run to be shown (tests, load tests, benchmarks) is
never covered by a decision or a text that promises it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .kinds import API, ARCHITECTURE, EXPERIMENT, SCHEMA

COVERED, PARTIAL, CLAIMED, MISSING = "covered", "partial", "claimed", "missing"
_MARK = {COVERED: "✓", PARTIAL: "◐", CLAIMED: "◌", MISSING: "✗"}
TEXT_SUFFIXES = {".md", ".txt", ".yaml", ".yml", ".json", ".toml", ".tf", ".hcl", ".sh", ".py", ".sql", ".ini",
                 ".cfg", ".conf", ".rst", ".adoc", ""}
MAX_FILE = 200_000
MAX_FILES = 300


@dataclass
class Standard:
    """One delivery standard from the agent definition: a name and the items it asks for."""

    name: str
    items: list[str]


@dataclass
class Coverage:
    """One item of the standards and how the design covers it (covered, partial, claimed, missing), with
    evidence (for claimed: where it is only said)."""

    item: str
    status: str
    evidence: list[str] = field(default_factory=list)
    missing: str = ""


@dataclass
class StandardResult:
    standard: Standard
    checks: list[Coverage]

    @property
    def status(self) -> str:
        states = {c.status for c in self.checks}
        if states == {COVERED}:
            return COVERED
        if states <= {MISSING, CLAIMED}:
            return CLAIMED if CLAIMED in states else MISSING
        return PARTIAL


def parse_standards(prompt: str) -> list[Standard]:
    """The numbered `**Name**: a, b, c` list under a 'Delivery Standards' heading (empty when absent)."""
    match = re.search(r"^#+\s*Delivery Standards\s*$(.*?)(?=^#+\s|\Z)", prompt or "", re.M | re.S | re.I)
    if not match:
        return []
    out = []
    for line in match.group(1).splitlines():
        item = re.match(r"^\s*(?:\d+[.)]|[-*])\s+\*\*(.+?)\*\*\s*:?\s*(.*)$", line)
        if item:
            parts = [p.strip(" .") for p in re.split(r",|;|\band\b", item.group(2)) if p.strip(" .")]
            parts = [p[0].upper() + p[1:] for p in parts]
            out.append(Standard(item.group(1).strip().rstrip(":"), parts or [item.group(1).strip()]))
    return out


# -- what the design holds, gathered once ------------------------------------------------------------
@dataclass
class Evidence:
    """The design's artifacts in the shapes the rules ask about."""

    texts: list[tuple[str, str]]                 # (where, text) of artifacts: decisions, contract, diagrams
    files: list[str]                             # workspace paths
    said: list[tuple[str, str]] = field(default_factory=list)  # (where, text) only said: requirements, files
    api: Any = None                              # ApiContract
    api_label: str = ""
    architectures: list[tuple[str, Any]] = field(default_factory=list)   # (label, Architecture)
    schemas: list[tuple[str, Any, int]] = field(default_factory=list)    # (label, Schema, versions)
    experiments: list[tuple[str, dict]] = field(default_factory=list)    # (label, body)
    loads: list[tuple[str, Any]] = field(default_factory=list)           # (label, LoadResult)
    verified: list[str] = field(default_factory=list)                    # requirements a load run met
    capacity: list[str] = field(default_factory=list)                    # a capacity plan that says to partition
    capacity_partial: list[str] = field(default_factory=list)            # one that projects, nothing to partition
    decisions: list[Any] = field(default_factory=list)
    consistency: list[Any] = field(default_factory=list)                 # contracts vs schema (Inconsistency)

    @classmethod
    def of(cls, design: Any) -> Evidence:
        from .api import api_contract
        from .decisions import decisions

        texts: list[tuple[str, str]] = []
        said: list[tuple[str, str]] = []
        if design.requirements:
            said.append(("requirements", design.requirements))
        records = decisions(design)
        for d in records:
            texts.append((d.key, " ".join((d.title, d.context, d.decision, d.consequences))))
        files = []
        root = design.workspace
        for path in sorted(root.rglob("*"))[:MAX_FILES]:
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(root).as_posix()
                files.append(rel)
                if path.suffix.lower() in TEXT_SUFFIXES and path.stat().st_size <= MAX_FILE:
                    try:
                        said.append((rel, path.read_text(encoding="utf-8")))
                    except (UnicodeDecodeError, OSError):
                        pass  # not text after all: the file still counts by its name (files list)
        evidence = cls(texts, files, said, decisions=records)
        api_row = design.latest(API)
        if api_row is not None:
            evidence.api = api_contract(design)
            evidence.api_label = f"API {api_row['name']} v{api_row['version']}"
            texts.append((evidence.api_label, _api_text(evidence.api.document)))
        heads = design.store_heads()  # the newest version of each artifact name, without bodies
        for row in reversed([h for h in heads if h["kind"] == ARCHITECTURE]):
            arch = design.architecture(row["name"])
            label = f"architecture {row['name']} v{row['version']}"
            evidence.architectures.append((label, arch))
            texts.append((label, " ".join(f"{n.label or ''} {n.kind} {' '.join(n.tags)}" for n in arch.spec.nodes)))
        for row in reversed([h for h in heads if h["kind"] == SCHEMA]):
            evidence.schemas.append((f"schema {row['name']} v{row['version']}", design.schema(row["name"]),
                                     row["n"]))
        if evidence.api is not None and evidence.schemas:
            evidence.consistency = list(design.consistency())
        for row in design.versions(EXPERIMENT):
            evidence.experiments.append((f"experiment {row['name']} v{row['version']}", row["body"]))
        for record in design.loads():
            evidence.loads.append((f"load {record.name} v{record.version}", record.result))
        from .capacity import latest_capacity
        from .verify import MET, latest_verification

        plan = latest_capacity(design)
        if plan is not None and any(t.rows_per_year is not None for t in plan.tables):  # grown from stated volumes
            parts = [f"{t.table} in year {year:.1f}" for t, year in plan.partitions()]
            label = f"capacity {plan.database} v{plan.version}: tables projected over {max(plan.years):g} years"
            # a plan that says when to partition is a scaling strategy; one where nothing needs it is a start
            (evidence.capacity if parts else evidence.capacity_partial).append(
                label + (f"; partition {', '.join(parts)}" if parts else ", none crosses the threshold"))

        verification = latest_verification(design)
        if verification is not None:  # requirements the lab measured a load meeting: load tests passed
            evidence.verified = [f"{c.id} met: {c.target} ({c.evidence.split(':')[0]})" for c in verification.checks
                                 if c.status == MET and c.evidence.startswith("load ")]
        return evidence

    def words(self, pattern: str) -> list[str]:
        """Where the regex occurs (case-insensitive) in the design's artifacts (decisions, contract, diagrams)."""
        rx = re.compile(pattern, re.I)
        return [where for where, text in self.texts if rx.search(text)]

    def claims(self, pattern: str) -> list[str]:
        """Where the regex occurs only as words: the requirements and the workspace files."""
        rx = re.compile(pattern, re.I)
        return [where for where, text in self.said if rx.search(text)]

    def nodes(self, roles: set[str] | None = None, kinds: set[str] | None = None) -> list[str]:
        from ..architecture.catalogue import resolve

        out = []
        for label, arch in self.architectures:
            for node in arch.spec.nodes:
                kind = resolve(node.kind)
                if (roles and kind is not None and kind.role in roles) or (kinds and node.kind.lower() in kinds):
                    out.append(f"{label}: {node.label or node.id}")
        return out

    def file_matches(self, pattern: str) -> list[str]:
        rx = re.compile(pattern, re.I)
        return [f for f in self.files if rx.search(f)]


def _api_text(document: dict) -> str:
    parts = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("summary", "description", "title") and isinstance(v, str):
                    parts.append(v)
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(document)
    return " ".join(parts)


# -- rules: item words → how the design shows it -----------------------------------------------------
Rule = Callable[[Evidence], Coverage]


def _result(item: str, found: list[str], missing: str, partial: list[str] | None = None,
            claimed: list[str] | None = None) -> Coverage:
    if found:
        return Coverage(item, COVERED, _unique(found))
    if partial:
        return Coverage(item, PARTIAL, _unique(partial), missing)
    if claimed:
        return Coverage(item, CLAIMED, _unique(claimed), missing)
    return Coverage(item, MISSING, [], missing)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))[:4]


def _architecture_diagrams(e: Evidence, item: str) -> Coverage:
    found = [label for label, _ in e.architectures]
    er = [f"{label} (ER diagram)" for label, _, _ in e.schemas]
    return _result(item, found, "Draw the system with draw_architecture (or %%arch).", er)


def _api_docs(e: Evidence, item: str) -> Coverage:
    if e.api is None:
        return _result(item, [], "Define the API contract with define_api (OpenAPI 3.x).")
    endpoints = e.api.endpoints()
    documented = sum(1 for x in endpoints if x.summary)
    disagree = [f for f in e.consistency if f.severity != "info"]
    if disagree:  # a contract that contradicts the schema is not documentation yet
        return _result(item, [], f"Make the contract agree with the schema: {len(disagree)} field(s) differ "
                                 f"(lint target consistency), e.g. {disagree[0].where}: {disagree[0].message}.",
                       [f"{e.api_label}: {len(endpoints)} endpoints"])
    if endpoints and documented == len(endpoints):
        return _result(item, [f"{e.api_label}: {len(endpoints)} endpoints, all documented"], "")
    return _result(item, [], f"Give every endpoint a summary ({documented} of {len(endpoints)} have one).",
                   [f"{e.api_label}: {documented}/{len(endpoints)} endpoints documented"])


def _deployment_guide(e: Evidence, item: str) -> Coverage:
    files = [f for f in e.file_matches(r"deploy|runbook|operations|release") if not f.startswith("adr/")]
    return _result(item, files, "Write a deployment guide into the workspace (write_file deploy.md).",
                   e.words(r"\bdeploy"), e.claims(r"\bdeploy"))


def _authentication(e: Evidence, item: str) -> Coverage:
    found = [f"{e.api_label}: security schemes {', '.join(e.api.security_schemes)}"] \
        if e.api is not None and e.api.security_schemes else []
    found += e.nodes(roles={"identity"})
    words = r"authenticat|oauth|openid|oidc|\bjwt\b|api[- ]key|session token"
    return _result(item, found, "Add securitySchemes to the API contract or an identity provider to the "
                   "architecture.", e.words(words), e.claims(words))


def _authorization(e: Evidence, item: str) -> Coverage:
    found = []
    if e.api is not None:
        if any(x.secured for x in e.api.endpoints()) and re.search(r'"scopes"|\bscopes\b|403', str(e.api.document)):
            found.append(f"{e.api_label}: scopes / 403 responses")
    words = r"authori[sz]ation|\brbac\b|\broles?\b|permission|\bscopes?\b|tenant isol"
    return _result(item, found + e.words(words),
                   "Record how access is decided (roles, scopes, ownership) in a decision or the API's security.",
                   claimed=e.claims(words))


def _input_validation(e: Evidence, item: str) -> Coverage:
    found = []
    if e.api is not None and re.search(r"'(maxLength|minLength|pattern|maximum|minimum|format|enum)'",
                                       str(e.api.document)):
        found.append(f"{e.api_label}: constrained request schemas")
    checks = [f"{label}: CHECK constraints" for label, schema, _ in e.schemas
              if any(t.checks for t in schema.tables.values())]
    words = r"input validation|validat(e|es|ed|ion) (the )?(input|request|payload)"
    return _result(item, found + e.words(words), "Constrain request bodies in the API (types, formats, lengths).",
                   checks, e.claims(words))


def _encryption(e: Evidence, item: str) -> Coverage:
    words = r"encrypt|\btls\b|https|\bkms\b|at rest|in transit"
    return _result(item, e.nodes(roles={"security"}) + e.words(words),
                   "Record encryption in transit and at rest (TLS, KMS) in a decision.", claimed=e.claims(words))


def _logging(e: Evidence, item: str) -> Coverage:
    words = r"structured log|log aggregation|\blogging\b"
    return _result(item, e.nodes(roles={"logging"}), "Add a logging node (logging, loki, elk) to the architecture.",
                   e.words(words), e.claims(words))


def _metrics(e: Evidence, item: str) -> Coverage:
    return _result(item, e.nodes(roles={"metrics"}) + e.nodes(roles={"tracing"}),
                   "Add metrics (prometheus, grafana, datadog) to the architecture.", e.words(r"\bmetrics?\b"),
                   e.claims(r"\bmetrics?\b"))


def _health_checks(e: Evidence, item: str) -> Coverage:
    found = []
    if e.api is not None:
        found = [f"{e.api_label}: {x.method} {x.path}" for x in e.api.endpoints()
                 if re.search(r"health|ready|live|status", x.path, re.I)]
    words = r"health[- ]?checks?|readiness|liveness"
    return _result(item, found, "Add a health endpoint (GET /healthz) to the API contract.", e.words(words),
                   e.claims(words))


def _alerting(e: Evidence, item: str) -> Coverage:
    words = r"\balert(s|ing)?\b|pager|on-call"
    return _result(item, e.nodes(kinds={"alerting", "sentry"}) + e.words(words),
                   "Say what pages whom: an alerting node or a decision with the alerts.", claimed=e.claims(words))


def _tests(kind: str) -> Rule:
    """Tests are shown by running them: for load tests, a requirement the lab verified on a load run, or a load
    run that committed work without errors (an experiment, or a load with errors, is partial); the lab does not run unit or integration tests, so test files and plans are claims."""
    def rule(e: Evidence, item: str) -> Coverage:
        said = e.words(rf"{kind}[- ]tests?") + e.claims(rf"{kind}[- ]tests?")
        if kind != "load":
            files = e.file_matches(r"(^|/)tests?/|test_|_test\.|\.spec\.")
            return _result(item, [], f"Write the {kind} tests; the workbench cannot run them, so they stay claimed.",
                           claimed=[f"{f} (not run here)" for f in files] + said)
        runs = e.verified + [f"{label}: {r.clients} clients, {r.committed:,} committed, {r.throughput:,.0f}/s"
                             for label, r in e.loads if r.committed and not r.errors() and not r.interrupted]
        failed = [f"{label}: errors {', '.join(r.errors())}" if r.errors() else f"{label}: nothing committed"
                  for label, r in e.loads if not (r.committed and not r.errors() and not r.interrupted)]
        scripts = e.file_matches(r"k6|locust|jmeter|gatling")
        return _result(item, runs, "Run the main transactions under load with run_load (or %%load).",
                       failed + [label for label, _ in e.experiments], [f"{f} (not run here)" for f in scripts] + said)
    return rule


def _benchmarking(e: Evidence, item: str) -> Coverage:
    return _result(item, [label for label, _ in e.experiments],
                   "Run the main queries with run_experiment (or %%lab --repeat).",
                   claimed=e.words(r"benchmark") + e.claims(r"benchmark"))


def _optimization(e: Evidence, item: str) -> Coverage:
    found = []
    for label, body in e.experiments:
        apart = [r for r in body.get("records", []) if r.get("ratio") and not 0.8 <= r["ratio"] <= 1.25]
        if apart:  # a variant that changes a query's time: the experiment found what matters
            r = max(apart, key=lambda r: max(r["ratio"], 1 / r["ratio"]))
            word = "faster" if r["ratio"] < 1 else "slower"
            found.append(f"{label}: {r['query']} {max(r['ratio'], 1 / r['ratio']):.1f}x {word} in variant "
                         f"'{r['variant']}'")
    words = r"optimi[sz]|index(es)? for|denormali"
    return _result(item, found, "Compare a variant (an index, a denormalisation) with run_experiment.",
                   claimed=e.words(words) + e.claims(words))


def _scaling(e: Evidence, item: str) -> Coverage:
    found = [f"{label}: {n.label or n.id} ×{n.replicas}" for label, arch in e.architectures
             for n in arch.spec.nodes if n.replicas > 1]
    words = r"scal(e|ing) (out|up|strategy|horizontally)|read replica|shard|partition"
    return _result(item, found + e.capacity + e.words(words),
                   "Record the scaling strategy (replicas, partitioning, sharding) in a decision, or plan capacity "
                   "from the volume requirements (plan_capacity).",
                   e.nodes(roles={"load-balancer"}) + e.capacity_partial, e.claims(words))


def _ci_cd(e: Evidence, item: str) -> Coverage:
    files = e.file_matches(r"\.github/workflows|gitlab-ci|jenkinsfile|\.circleci|pipeline")
    words = r"ci/cd|pipeline|continuous (integration|delivery|deployment)"
    return _result(item, files + e.nodes(kinds={"ci", "cd"}), "Describe the CI/CD pipeline (a workflow file or a "
                   "decision).", e.words(words), e.claims(words))


def _iac(e: Evidence, item: str) -> Coverage:
    files = e.file_matches(r"\.tf$|\.hcl$|helm|k8s|kubernetes|cloudformation|pulumi|docker-compose|dockerfile")
    words = r"terraform|infrastructure as code|\biac\b|helm"
    return _result(item, files + e.nodes(kinds={"terraform"}), "Add infrastructure as code (Terraform, Helm, "
                   "manifests) to the workspace.", e.words(words), e.claims(words))


def _rollback(e: Evidence, item: str) -> Coverage:
    words = r"roll ?back|revert|blue.green|canary"
    migrations = [f"{label}: migrations between {n} versions" for label, _, n in e.schemas if n > 1]
    return _result(item, e.words(words) + e.file_matches(r"rollback|runbook"), "Write the rollback procedure "
                   "(a runbook or a decision).", migrations, e.claims(words))


RULES: list[tuple[str, Callable[[Evidence, str], Coverage]]] = [
    (r"architecture diagram|diagram", _architecture_diagrams),
    (r"api doc|api spec|api contract", _api_docs),
    (r"deploy\w* guide|runbook", _deployment_guide),
    (r"authenticat", _authentication),
    (r"authori[sz]", _authorization),
    (r"input validation|validation", _input_validation),
    (r"encrypt", _encryption),
    (r"logging|\blogs?\b", _logging),
    (r"metric|monitoring", _metrics),
    (r"health", _health_checks),
    (r"alert", _alerting),
    (r"unit test", _tests("unit")),
    (r"integration test", _tests("integration")),
    (r"load test|stress test", _tests("load")),
    (r"benchmark", _benchmarking),
    (r"optimi[sz]", _optimization),
    (r"scal", _scaling),
    (r"ci/cd|pipeline", _ci_cd),
    (r"infrastructure as code|\biac\b", _iac),
    (r"rollback", _rollback),
]
_STOP = {"and", "the", "for", "with", "of", "a", "an", "to", "in", "on", "procedures", "strategy"}


def check_item(evidence: Evidence, item: str) -> Coverage:
    for pattern, rule in RULES:
        if re.search(pattern, item, re.I):
            return rule(evidence, item)
    words = [w for w in re.findall(r"[a-z0-9]+", item.lower()) if w not in _STOP and len(w) > 2]
    pattern = r"\b" + r"\W+".join(re.escape(w) for w in words)
    found = evidence.words(pattern) if words else []
    return _result(item, found, f"Record '{item}' in a decision.", claimed=evidence.claims(pattern) if words else [])


class Scorecard:
    """Each standard, each item: covered by which artifact, or what is missing."""

    def __init__(self, results: list[StandardResult], source: str = "") -> None:
        self.results = results
        self.source = source

    @classmethod
    def build(cls, design: Any, standards: list[Standard], source: str = "") -> Scorecard:
        evidence = Evidence.of(design)
        return cls([StandardResult(s, [check_item(evidence, item) for item in s.items]) for s in standards], source)

    @property
    def covered(self) -> int:
        return sum(1 for r in self.results if r.status == COVERED)

    def summary(self) -> str:
        items = [c for r in self.results for c in r.checks]
        count = {s: sum(1 for c in items if c.status == s) for s in (COVERED, PARTIAL, CLAIMED, MISSING)}
        return (f"Readiness: {self.covered}/{len(self.results)} standards fully covered, "
                f"{count[COVERED]}/{len(items)} items covered by artifacts; {count[PARTIAL]} partial, "
                f"{count[CLAIMED]} only claimed in words, {count[MISSING]} missing")

    def rows(self) -> list[list[str]]:
        out = []
        for r in self.results:
            for c in r.checks:
                out.append([r.standard.name, c.item, f"{_MARK[c.status]}\u00a0{c.status}", "; ".join(c.evidence),
                            c.missing if c.status != COVERED else ""])
        return out

    HEADERS = ["standard", "item", "status", "evidence", "to do"]

    def markdown(self) -> str:
        lines = [self.summary(), "", "| " + " | ".join(self.HEADERS) + " |", "|" + "---|" * len(self.HEADERS)]
        for row in self.rows():
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        return "\n".join(lines)

    def html(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self.HEADERS)
        body = []
        for row in self.rows():
            status = row[2].split("\u00a0")[-1]
            body.append(f"<tr class='{status}'>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        return (f"<div class='scorecard'><p><b>{html.escape(self.summary())}</b></p><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{''.join(body)}</tbody></table></div>")

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        lines = [self.summary()]
        for r in self.results:
            lines.append(f"{_MARK[r.status]} {r.standard.name}")
            for c in r.checks:
                tail = f" — {'; '.join(c.evidence)}" if c.evidence else ""
                todo = f" (to do: {c.missing})" if c.status != COVERED and c.missing else ""
                lines.append(f"    {_MARK[c.status]} {c.item}{tail}{todo}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"summary": self.summary(), "standards": [
            {"name": r.standard.name, "status": r.status,
             "items": [{"item": c.item, "status": c.status, "evidence": c.evidence, "missing": c.missing}
                       for c in r.checks]} for r in self.results]}
