"""Small graph algorithms shared by schema and architecture review."""

from __future__ import annotations


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), each as one cycle path.

    Deterministic: nodes and neighbours are visited in sorted order.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1:
                        out.append(cycle_path(sorted(component), graph))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def cycle_path(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A walk through a strongly connected component from its first member (for messages)."""
    members = set(component)
    path = [component[0]]
    seen = {component[0]}
    node = component[0]
    while True:
        nxt = next((w for w in sorted(graph.get(node, ())) if w in members and w not in seen), None)
        if nxt is None:
            return path
        path.append(nxt)
        seen.add(nxt)
        node = nxt


def reachable(graph: dict[str, set[str]], starts: set[str], removed: str | None = None) -> set[str]:
    """Nodes reachable from `starts` (the starts included), optionally with one node taken out."""
    seen = {s for s in starts if s != removed}
    todo = list(seen)
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt != removed and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
