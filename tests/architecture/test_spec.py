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
    assert any(p.startswith("edges[0].mode:") for p in found)
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
