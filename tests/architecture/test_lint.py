from pathlib import Path

from workbench.architecture import Architecture
from workbench.architecture.lint import RULES

HERE = Path(__file__).parent


def load(name):
    return Architecture.from_yaml((HERE / "specs" / name).read_text())


def test_a_clean_reference_architecture_yields_nothing():
    assert load("reference.yaml").lint() == []


def test_planted_anti_patterns_yield_exactly_the_expected_findings():
    got = [(f.rule, f.nodes) for f in load("planted.yaml").lint()]
    assert got == [
        ("AR003", ["inventory", "shipping", "orders", "payments"]),
        ("AR007", ["audit"]),
        ("AR001", ["db", "orders", "payments"]),
        ("AR002", ["app", "gw", "orders", "payments", "inventory", "shipping"]),
        ("AR004", ["app", "db"]),
        ("AR005", ["db"]),
        ("AR006", ["orders", "payments", "inventory", "shipping"]),
        ("AR008", ["orders", "payments"]),
    ]
    assert sorted({rule for rule, _ in got}) == sorted(RULES)


def arch(nodes, edges):
    return Architecture.from_dict({"nodes": nodes, "edges": edges})


def test_the_rules_respect_their_exemptions():
    svc = lambda i, **kw: {"id": i, "kind": "service", **kw}  # noqa: E731
    # reads are not writes; one service's parts share its database through a service tag
    shared = arch([svc("a"), svc("b"), svc("c", tags=["service:a"]), {"id": "db", "kind": "postgres", "replicas": 2}],
                  [{"source": "a", "target": "db"}, {"source": "b", "target": "db", "label": "read replica"},
                   {"source": "c", "target": "db"}])
    assert [f.rule for f in shared.lint()] == ["AR006"]
    # a chain of exactly max_sync_hops service calls is fine; one more is not
    chain = [{"id": "u", "kind": "client"}, {"id": "gw", "kind": "api-gateway", "replicas": 2}] + [
        svc(f"s{i}", replicas=2) for i in range(3)]
    edges = [{"source": "u", "target": "gw"}, {"source": "gw", "target": "s0"}] + [
        {"source": f"s{i}", "target": f"s{i + 1}"} for i in range(2)]
    assert [f.rule for f in arch(chain, edges).lint()] == ["AR006"]
    assert [f.rule for f in arch(chain, edges).lint(max_sync_hops=2)] == ["AR002", "AR006"]
    # replicas and managed services are not single points of failure
    ha = arch([{"id": "u", "kind": "client"}, {"id": "lb", "kind": "load-balancer", "replicas": 2},
               {"id": "db", "kind": "dynamodb"}], [{"source": "u", "target": "lb"}, {"source": "lb", "target": "db"}])
    assert ha.lint() == []
    # a consumer may be drawn as consumer → queue with a consume label
    queue = arch([svc("p", replicas=2), svc("c", replicas=2), {"id": "q", "kind": "sqs"}],
                 [{"source": "p", "target": "q"}, {"source": "c", "target": "q", "label": "poll"}])
    assert queue.lint() == []
