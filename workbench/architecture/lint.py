"""Architecture review against the anti-patterns the agent definition names.

| rule  | name                    | the smell                                                        |
|-------|-------------------------|------------------------------------------------------------------|
| AR001 | shared-database         | one datastore written by two or more services (database sharing) |
| AR002 | synchronous-chain       | more than `max_sync_hops` synchronous service hops from an entry |
| AR003 | synchronous-cycle       | services that call each other synchronously in a loop            |
| AR004 | gateway-bypass          | a client reaches a service, datastore or queue directly          |
| AR005 | single-point-of-failure | a single-instance node on every path from clients to data        |
| AR006 | missing-monitoring      | three or more services and no metrics, tracing or logging node   |
| AR007 | orphan-queue            | a queue or stream with no producer or no consumer                |
| AR008 | chatty-services         | two services with three or more synchronous edges between them   |

Edges point from caller to callee (or producer to queue, queue to consumer). An edge into a
datastore counts as a write unless its label says it only reads; a service's nodes can share a
datastore when they carry the same `service:NAME` tag. `replicas` > 1, or a managed kind, means
a node is not a single point of failure.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from ..findings import ERROR, INFO, WARNING, Findings
from ..graphs import cycles, reachable
from . import catalogue as K

RULES = {
    "AR001": ("shared-database", WARNING),
    "AR002": ("synchronous-chain", WARNING),
    "AR003": ("synchronous-cycle", ERROR),
    "AR004": ("gateway-bypass", WARNING),
    "AR005": ("single-point-of-failure", WARNING),
    "AR006": ("missing-monitoring", WARNING),
    "AR007": ("orphan-queue", ERROR),
    "AR008": ("chatty-services", WARNING),
}
_READ_ONLY = re.compile(r"\b(read|reads|select|query|queries|lookup|get|fetch|replica)\b", re.I)
_WRITE = re.compile(r"\b(write|writes|insert|update|delete|upsert|put|store|save)\b", re.I)
_CONSUME = re.compile(r"\b(consume|consumes|subscribe|subscribes|poll|polls|pull|pulls|receive|dequeue)\b", re.I)
__all__ = ["ArchFinding", "ArchFindings", "RULES", "lint", "INFO"]


@dataclass
class ArchFinding:
    """One finding: the rule, the nodes (and edges) involved, why it matters and what to do."""

    rule: str
    name: str
    severity: str
    nodes: list[str]
    message: str
    advice: str
    edges: list[tuple[str, str]] = field(default_factory=list)

    def text(self) -> str:
        return f"{self.severity.upper():7} {self.rule} {self.name} [{', '.join(self.nodes)}]: {self.message}\n" \
               f"    do: {self.advice}"

    def cells(self) -> list[str]:
        return [html.escape(", ".join(self.nodes)), html.escape(self.message), html.escape(self.advice)]

    def sort_key(self) -> tuple:
        return tuple(self.nodes)


class ArchFindings(Findings):
    headers = ("nodes", "why it matters", "what to do")


def lint(arch, *, max_sync_hops: int = 3, min_services_for_monitoring: int = 3) -> ArchFindings:
    """Run every rule on an Architecture."""
    review = _Review(arch, max_sync_hops, min_services_for_monitoring)
    findings = ArchFindings()
    for rule in (review.shared_database, review.synchronous_chain, review.synchronous_cycle, review.gateway_bypass,
                 review.single_point_of_failure, review.missing_monitoring, review.orphan_queue, review.chatty):
        findings.extend(rule())
    findings.sort()
    return findings


class _Review:
    def __init__(self, arch, max_hops: int, min_services: int) -> None:
        self.arch = arch
        self.max_hops = max_hops
        self.min_services = min_services
        self.role = {n.id: arch.role(n.id) for n in arch.spec.nodes}
        self.edges = arch.spec.edges

    def f(self, rule: str, nodes: list[str], message: str, advice: str, edges=()) -> ArchFinding:
        name, severity = RULES[rule]
        return ArchFinding(rule, name, severity, list(nodes), message, advice, [tuple(e) for e in edges])

    def label(self, node_id: str) -> str:
        shown = self.arch.label(node_id)
        return node_id if shown == node_id else f"{shown} ({node_id})"

    def owner(self, node_id: str) -> str:
        """The service a node belongs to: its `service:NAME` tag, else itself."""
        for tag in self.arch.node(node_id).tags:
            if tag.startswith("service:"):
                return tag.split(":", 1)[1]
        return node_id

    # -- rules -----------------------------------------------------------------------------------
    def shared_database(self):
        for store, role in self.role.items():
            if role not in K.DATA - {K.CACHE, K.SEARCH}:
                continue
            writers: dict[str, list[str]] = {}
            for e in self.edges:
                if e.target != store or self.role.get(e.source) not in K.COMPUTE:
                    continue
                words = f"{e.label or ''} {e.protocol or ''}"
                if _READ_ONLY.search(words) and not _WRITE.search(words):
                    continue
                writers.setdefault(self.owner(e.source), []).append(e.source)
            if len(writers) >= 2:
                nodes = sorted({n for group in writers.values() for n in group})
                yield self.f("AR001", [store, *nodes],
                             f"{self.label(store)} is written by {len(writers)} services "
                             f"({', '.join(self.label(n) for n in nodes)}): their schemas, deployments and failures "
                             "are coupled, and no one owns the data",
                             f"give {store} one owning service; the others call its API or consume its events "
                             "(database per service)", edges=[(n, store) for n in nodes])

    def _sync_graph(self) -> dict[str, set[str]]:
        graph: dict[str, set[str]] = {}
        for e in self.edges:
            if e.mode == "sync":
                graph.setdefault(e.source, set()).add(e.target)
        return graph

    def synchronous_chain(self):
        graph = self._sync_graph()
        entries = [n for n, r in self.role.items() if r in (K.CLIENT, K.EXTERNAL)]
        memo: dict[str, tuple[int, list[str]]] = {}

        def longest(node: str, stack: set[str]) -> tuple[int, list[str]]:
            if node in memo:
                return memo[node]
            best: tuple[int, list[str]] = (0, [node])
            for nxt in sorted(graph.get(node, ())):
                if nxt in stack:
                    continue  # cycles are AR003's business
                hops, path = longest(nxt, stack | {nxt})
                hops += 1 if self.role.get(nxt) in K.COMPUTE else 0
                if hops > best[0]:
                    best = (hops, [node, *path])
            memo[node] = best
            return best

        seen: set[tuple[str, ...]] = set()
        for entry in sorted(entries):
            hops, path = longest(entry, {entry})
            compute = tuple(p for p in path if self.role.get(p) in K.COMPUTE)
            if hops > self.max_hops and compute not in seen:
                seen.add(compute)
                yield self.f("AR002", list(path),
                             f"a request from {self.label(entry)} waits on {hops} synchronous service calls in a row "
                             f"({' → '.join(path)}): latencies add up and one slow or failing service fails the whole "
                             f"request (limit: {self.max_hops})",
                             "make the later steps asynchronous (a queue or events), or merge services that always "
                             "work together; add timeouts and circuit breakers on the calls that stay",
                             edges=list(zip(path, path[1:], strict=False)))

    def synchronous_cycle(self):
        graph = {s: {t for t in ts if t != s} for s, ts in self._sync_graph().items()}
        for loop in cycles(graph):
            if not any(self.role.get(n) in K.COMPUTE for n in loop):
                continue
            ring = loop + [loop[0]]
            yield self.f("AR003", loop, f"synchronous calls form a loop ({' → '.join(ring)}): a request can wait on "
                         "itself, and the services cannot be deployed or scaled apart",
                         "break the loop: one direction becomes an event or a queue, or the shared part moves to "
                         "its own service", edges=list(zip(ring, ring[1:], strict=False)))

    def gateway_bypass(self):
        for e in self.edges:
            if self.role.get(e.source) == K.CLIENT and self.role.get(e.target) in K.COMPUTE | K.DATA | K.MESSAGING:
                what = "datastore" if self.role[e.target] in K.DATA else (
                    "queue" if self.role[e.target] in K.MESSAGING else "internal service")
                yield self.f("AR004", [e.source, e.target],
                             f"{self.label(e.source)} reaches the {what} {self.label(e.target)} directly: no place "
                             "for authentication, rate limiting, TLS termination or routing, and the internal "
                             "address becomes a public contract",
                             f"put an API gateway or load balancer between {e.source} and {e.target}",
                             edges=[(e.source, e.target)])

    def single_point_of_failure(self):
        graph: dict[str, set[str]] = {}
        for e in self.edges:
            graph.setdefault(e.source, set()).add(e.target)
        clients = {n for n, r in self.role.items() if r == K.CLIENT}
        data = {n for n, r in self.role.items() if r in K.DATA}
        if not clients or not data:
            return
        base = reachable(graph, clients)
        if not base & data:
            return
        for node in self.arch.spec.nodes:
            if node.id in clients or self.arch.replicated(node.id) or node.id not in base:
                continue
            if not reachable(graph, clients, removed=node.id) & (data - {node.id}):
                yield self.f("AR005", [node.id],
                             f"{self.label(node.id)} runs as a single instance and every path from the clients to "
                             "the data goes through it: when it fails, everything does",
                             f"run {node.id} with replicas: 2 or more behind a load balancer (or a managed, "
                             "highly available service), with health checks and failover")

    def missing_monitoring(self):
        services = [n for n, r in self.role.items() if r in K.COMPUTE]
        observing = [n for n, r in self.role.items() if r in K.OBSERVABILITY]
        if len(services) >= self.min_services and not observing:
            yield self.f("AR006", services, f"{len(services)} services and no metrics, tracing or logging node: "
                         "failures and slow requests across services cannot be seen or traced",
                         "add metrics (e.g. prometheus + grafana), distributed tracing (jaeger/tracing) and "
                         "central logging (logging), with alerts on the golden signals")

    def orphan_queue(self):
        for queue, role in self.role.items():
            if role not in K.MESSAGING:
                continue
            producers, consumers = [], []
            for e in self.edges:
                words = f"{e.label or ''} {e.protocol or ''}"
                if e.target == queue:
                    (consumers if _CONSUME.search(words) else producers).append(e.source)
                elif e.source == queue:
                    consumers.append(e.target)
            missing = [side for side, who in (("producer", producers), ("consumer", consumers)) if not who]
            if missing:
                yield self.f("AR007", [queue], f"{self.label(queue)} has no {' and no '.join(missing)}: messages "
                             + ("pile up unread" if "consumer" in missing else "never arrive"),
                             f"connect a {' and a '.join(missing)} to {queue}, or remove it")

    def chatty(self):
        counts: dict[tuple[str, str], int] = {}
        for e in self.edges:
            if e.mode == "sync" and self.role.get(e.source) in K.COMPUTE and self.role.get(e.target) in K.COMPUTE \
                    and e.source != e.target:
                pair = tuple(sorted((e.source, e.target)))
                counts[pair] = counts.get(pair, 0) + 1
        for (a, b), n in sorted(counts.items()):
            if n >= 3:
                edges = [(e.source, e.target) for e in self.edges if {e.source, e.target} == {a, b} and e.mode == "sync"]
                yield self.f("AR008", [a, b], f"{self.label(a)} and {self.label(b)} make {n} kinds of synchronous "
                             "calls to each other: a distributed monolith, where every change needs both",
                             "merge them, or redraw the boundary so one owns the data the other keeps asking for; "
                             "batch what stays into fewer, coarser calls", edges=edges)


def findings_for_model(findings: Any, limit: int = 15) -> list[str]:
    lines = []
    for f in list(findings)[:limit]:
        lines.append(f"- {f.severity} {f.rule} {f.name} [{', '.join(f.nodes)}]: {f.message}. Do: {f.advice}")
    if len(findings) > limit:
        lines.append(f"- … {len(findings) - limit} more")
    return lines

