import ast
import re
from pathlib import Path

from workbench.architecture import Architecture

HERE = Path(__file__).parent


def spec(n_nodes: int, kinds: list[str], edges_per_node: int = 1) -> dict:
    nodes = [{"id": f"n{i}", "label": f"Node {i}", "kind": kinds[i % len(kinds)],
              "group": f"g{i % 3}" if i % 2 else None} for i in range(n_nodes)]
    for node in nodes:
        if node["group"] is None:
            del node["group"]
    edges = [{"source": f"n{i}", "target": f"n{(i * 7 + k + 1) % n_nodes}", "mode": "async" if k % 2 else "sync"}
             for i in range(n_nodes) for k in range(edges_per_node)]
    groups = [{"id": "g0", "label": "Zero"}, {"id": "g1", "label": "One", "parent": "g0"}, {"id": "g2", "label": "Two"}]
    return {"title": "Generated", "nodes": nodes, "edges": edges, "groups": groups}


def test_svg_is_self_contained_with_each_distinct_icon_once():
    kinds = ["service", "postgres", "redis", "kafka", "api-gateway", "worker", "prometheus", "object-storage"]
    svg = Architecture.from_dict(spec(50, kinds)).render()
    assert svg.count("<image") == 8
    assert svg.count("<use ") == 50
    assert "site-packages" not in svg and "file:" not in svg and "/resources/" not in svg
    hrefs = re.findall(r'xlink:href="([^"#][^"]*)"', svg)
    assert hrefs and all(h.startswith("data:image/png;base64,") for h in hrefs)
    assert svg.startswith("<svg")


def test_sync_solid_async_dashed_labels_and_nested_clusters():
    arch = Architecture.from_yaml((HERE / "specs" / "reference.yaml").read_text())
    from workbench.architecture.drawing import build_dot

    source = build_dot(arch).source
    assert re.search(r"n3 -> n6 \[label=read [^\]]*style=solid\]", source)
    assert re.search(r"n3 -> n8 \[label=\"click event\"[^\]]*style=dashed", source)
    nested = source.index('subgraph cluster_g1')
    assert source.index('subgraph cluster_g2', nested) > nested  # Data sits inside Backend
    assert "×3" in source  # replicas are shown


def test_same_spec_gives_byte_identical_svg_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    arch = Architecture.from_yaml((HERE / "specs" / "reference.yaml").read_text())
    assert arch.render() == arch.render()
    arch._repr_mimebundle_()
    assert arch.render("png")[:4] == b"\x89PNG"
    assert list(tmp_path.iterdir()) == []


def test_findings_are_highlighted():
    arch = Architecture.from_yaml((HERE / "specs" / "planted.yaml").read_text())
    svg = arch.render(findings=arch.lint())
    assert svg.count('stroke="#c5221f"') >= 4 and svg.count('stroke="#d93025"') >= 2
    assert 'xlink:title="orders: AR003 synchronous&#45;cycle; AR001 shared&#45;database; AR002 synchronous&#45;chain' \
        in svg  # the tooltip of a flagged node names its rules, most severe first


def test_to_python_is_an_equivalent_diagrams_program():
    arch = Architecture.from_yaml((HERE / "specs" / "reference.yaml").read_text())
    code = arch.to_python()
    tree = ast.parse(code)  # valid Python; never executed here
    imports = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert ("diagrams.onprem.database", "PostgreSQL") in imports and ("diagrams", "Cluster") in imports
    assert "with Cluster('Data'):" in code and "api >> Edge(label='click event', style=\"dashed\") >> queue" in code
    weird = Architecture.from_dict({"nodes": [{"id": "class", "kind": "service", "label": "a'b\"c"},
                                              {"id": "1st", "kind": "aws.storage.Storage"},
                                              {"id": "x", "kind": "generic.storage.Storage"}]})
    code = weird.to_python()
    ast.parse(code)
    assert "n_class = Server('a\\'b\"c')" in code and "Storage as Storage2" in code


def test_icon_ids_differ_between_drawings_and_stay_the_same_for_one():
    """Many diagrams share one notebook page: `<use href="#id">` finds the first element with that id
    in the page, so two drawings must not both have `wb-icon-0`."""
    one = Architecture.from_yaml((HERE / "specs" / "reference.yaml").read_text())
    two = Architecture.from_yaml((HERE / "specs" / "planted.yaml").read_text())
    ids = [set(re.findall(r'<symbol id="([^"]+)"', a.render())) for a in (one, two)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    assert set(re.findall(r'<symbol id="([^"]+)"', one.render())) == ids[0]
    assert all(re.fullmatch(r"wb-icon-[0-9a-f]{10}-\d+", i) for i in ids[0])
