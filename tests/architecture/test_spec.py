from itertools import pairwise

import pytest

from workbench.architecture import Architecture, kinds
from workbench.architecture.catalogue import CATALOGUE, diagram_classes, resolve
from workbench.errors import ArchitectureSpecError

NODES = [{"id": "api", "kind": "service"}, {"id": "db", "kind": "postgres"}]


def problems(data) -> list[str]:
    with pytest.raises(ArchitectureSpecError) as info:
        Architecture.from_dict(data)
    return info.value.problems


def test_catalogue_has_the_kinds_an_architect_uses_and_they_all_exist():
    names = {k.name for k in kinds()}
    assert len(names) >= 60
    for required in ("client", "web", "mobile", "cdn", "dns", "load-balancer", "api-gateway", "service", "worker",
                     "cron", "function", "postgres", "mysql", "mongodb", "dynamodb", "cassandra", "redis",
                     "memcached", "elasticsearch", "kafka", "rabbitmq", "sqs", "sns", "nats", "object-storage",
                     "data-warehouse", "kubernetes", "prometheus", "grafana", "jaeger", "tracing", "logging",
                     "vault", "identity-provider"):
        assert required in names, required
    classes = diagram_classes()
    assert all(k.cls in classes for k in CATALOGUE.values())


def test_direct_references_are_checked_against_the_installed_package():
    assert resolve("aws.database.RDS").role == "datastore"
    assert resolve("onprem.queue.Kafka").cls == "onprem.queue.Kafka"
    assert resolve("aws.database.NoSuchThing") is None
    assert resolve("os.system") is None  # not a diagrams class: never imported, never called
    found = problems({"nodes": [{"id": "x", "kind": "__import__('os').system('echo hi')"}]})
    assert found[0].startswith("nodes[0].kind: unknown kind")


def test_unknown_kind_names_the_closest_known_kinds():
    found = problems({"nodes": [{"id": "db", "kind": "postgress"}, {"id": "q", "kind": "rabbit"}]})
    assert "nodes[0].kind: unknown kind 'postgress' for node 'db'; closest known kinds: postgres" in found[0]
    assert "rabbitmq" in found[1]


def test_dangling_edges_duplicates_and_group_cycles_are_all_reported():
    found = problems({
        "nodes": NODES + [{"id": "api", "kind": "worker", "group": "nowhere"}],
        "edges": [{"source": "api", "target": "dbb"}, {"source": "ghost", "target": "db"}],
        "groups": [{"id": "a", "parent": "b"}, {"id": "b", "parent": "a"}, {"id": "c", "parent": "zz"}],
    })
    assert "nodes[2].id: duplicate id 'api' (already a node)" in found
    assert any(p.startswith("nodes[2].group: node 'api' is in group 'nowhere'") for p in found)
    assert "edges[0].target: no node 'dbb' (did you mean 'db'?)" in found
    assert "edges[1].source: no node 'ghost'" in found
    assert "groups: nested groups form a cycle (a → b → a)" in found
    assert "groups[2].parent: group 'c' has unknown parent 'zz'" in found


def test_shape_errors_name_the_field():
    found = problems({"nodes": [{"id": "a", "kind": "service", "replicas": 0, "colour": "red"}],
                      "edges": [{"source": "a", "target": "a", "mode": "sometimes"}]})
    assert "nodes[0].replicas: Input should be greater than or equal to 1" in found
    assert any(p.startswith("nodes[0].colour: unknown field") for p in found)
    assert any(p.startswith("edges[0]: mode: Input should be") and "(or async: true)" in p for p in found)
    assert problems({"nodes": []}) == ["nodes: List should have at least 1 item after validation, not 0"]
    assert problems([1, 2])[0].startswith("(spec): expected a mapping")


def test_yaml_errors_have_a_position():
    with pytest.raises(ArchitectureSpecError) as info:
        Architecture.from_yaml("nodes:\n  - {id: a, kind: service\n")
    assert "not valid YAML at line 3" in info.value.problems[0]


def test_round_trip_through_yaml_and_dict():
    arch = Architecture.from_dict({"title": "T", "nodes": NODES, "edges": [{"source": "api", "target": "db"}]})
    assert Architecture.from_yaml(arch.to_yaml()).spec == arch.spec
    assert Architecture.from_dict(arch.to_dict()).spec == arch.spec


# -- the names a person reaches for (issue 18): from/to and async: true ------------------------------------------
CHAIN = ["web", "gateway", "orders", "payments", "stock", "mail", "search", "audit", "billing", "reports", "ledger",
         "archive"]
NATURAL = "title: Shop\nnodes:\n" + "".join(f"  - {{id: {n}, kind: service}}\n" for n in CHAIN) + "edges:\n" + "".join(
    f"  - {{from: {a}, to: {b}{', async: true' if i % 2 else ''}}}\n" for i, (a, b) in enumerate(pairwise(CHAIN)))


def test_from_to_and_async_true_are_other_names_for_source_target_and_mode():
    arch = Architecture.from_yaml(NATURAL)  # 11 edges: 22 problems pointing into the source code before
    assert [(e.source, e.target, e.mode) for e in arch.spec.edges[:2]] == [("web", "gateway", "sync"),
                                                                          ("gateway", "orders", "async")]
    assert arch.spec == Architecture.from_yaml(arch.to_yaml()).spec  # written back with the documented names
    assert "from:" not in arch.to_yaml() and "mode: async" in arch.to_yaml()
    assert Architecture.from_dict({"nodes": NODES, "edges": [{"from": "api", "to": "db", "async": False}]}
                                  ).spec.edges[0].mode == "sync"


def test_a_wrong_edge_is_one_problem_naming_the_fields_and_nothing_points_into_the_code():
    found = problems({"nodes": NODES, "edges": [{"src": "api", "dst": "db"}, {"from": "api", "to": "db"},
                                                {"from": "api", "source": "db", "to": "db"},
                                                {"from": "api", "to": "db", "async": True, "mode": "sync"},
                                                {"from": "api", "to": "db", "async": "yes"}],
                      "titel": "x", "nodes_": []})
    edges = [p for p in found if p.startswith("edges")]
    assert len(edges) == 4 and [p.split(":")[0] for p in edges] == ["edges[0]", "edges[2]", "edges[3]", "edges[4]"]
    assert edges[0] == ("edges[0]: source is required; target is required; unknown field 'src'; unknown field "
                        "'dst' (an edge takes source (or from), target (or to), label, mode (sync|async; or async: "
                        "true), protocol)")
    assert "from is another name for source, give one" in edges[1]
    assert "gives mode: 'sync' and async: true; give one" in edges[2]
    assert "async is true or false" in edges[3]
    assert "titel: unknown field (a spec takes title, direction (LR|TB|RL|BT), nodes, edges, groups)" in found
    assert not [p for p in found if "workbench." in p or ".py" in p]


@pytest.mark.kernel
def test_the_arch_magic_draws_natural_names_and_says_what_an_edge_takes(kernel):
    from ..conftest import texts

    kernel.run("%load_ext workbench\n%design use natural")
    drawn = kernel.run("%%arch\n" + NATURAL)
    assert drawn["status"] == "ok", texts(drawn)
    shown = "".join(v for o in drawn["outputs"] for k, v in o.get("data", {}).items() if k != "text/plain")
    assert shown.count("<svg") >= 1 and shown.count('stroke-dasharray="5,2"') == 5, shown[:300]  # 5 async: dashed
    wrong = kernel.run("%%arch\nnodes: [{id: a, kind: service}, {id: b, kind: postgres}]\nedges: [{src: a, dst: b}]")
    shown = texts(wrong)
    assert wrong["status"] == "error" and "edges[0]:" in shown and "source (or from), target (or to)" in shown
    assert "workbench.architecture" not in shown and "Traceback" not in shown


def test_the_readme_documents_the_spec_fields_with_an_example_that_reads():
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    example = re.search(r"An architecture spec .*?```yaml\n(.*?)```", readme, re.S)
    assert example, "README has no architecture spec example"
    arch = Architecture.from_yaml(example.group(1))
    assert {e.mode for e in arch.spec.edges} == {"sync", "async"}
    for field in ("source", "target", "mode", "from", "to", "async: true", "kind", "group", "parent"):
        assert field in example.group(1)
