"""Overviews of big schemas: near square at any size, clustered (and saying how), no drawn table with more
than HUB arrowheads, references between clusters as stubs, tables without foreign keys in a grid; on
synthetic schemas and on every corpus file."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from workbench.schema import Schema
from workbench.schema.er_overview import HUB
from workbench.testing.synthetic import synthetic_ddl

from .test_corpus import FILES, schema_of


def shape(diagram) -> dict:
    svg = diagram.svg()
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    heads = Counter(m.group(1) for m in re.finditer(r'-> ("(?:[^"\\]|\\.)*"|[\w]+)', diagram.source))
    drawn = re.findall(r'id="t:([^"]+)"', svg)
    return {"aspect": max(width, height) / min(width, height), "heads": max(heads.values(), default=0),
            "drawn": drawn, "svg": svg}


def test_a_large_synthetic_schema_is_a_near_square_page_of_clusters():
    schema = Schema.from_ddl(synthetic_ddl(600), "postgres")
    diagram = schema.er()  # overview by itself above 150 tables
    out = shape(diagram)
    assert diagram.overview and 1 / 3 <= out["aspect"] <= 3
    assert sorted(out["drawn"]) == sorted(schema.tables)  # every table, once
    assert out["heads"] <= HUB
    assert diagram.cluster_reason.startswith("clustered by name prefix")
    stubs = re.findall(r'id="s:([^"]+)"', out["svg"])
    assert stubs and all(s.split(":")[0] in schema.tables for s in stubs)  # stubs name a real table
    # every foreign key is an edge: to its table, or to a stub or copy of it
    edges = re.findall(r'-> ("(?:[^"\\]|\\.)*"|\w+)', diagram.source)
    assert len(edges) - diagram.source.count("style=invis") == sum(len(t.foreign_keys) for t in schema.tables.values())


def test_tables_without_foreign_keys_are_a_grid_and_the_clusters_say_why():
    ddl = "\n".join(f"CREATE TABLE lone_{i} (id int PRIMARY KEY);" for i in range(16))
    ddl += "\nCREATE SCHEMA a; CREATE SCHEMA b;\n" + "\n".join(
        f"CREATE TABLE {ns}.t{i} (id int PRIMARY KEY, p int REFERENCES {ns}.t0(id));" for ns in "ab" for i in range(4))
    diagram = Schema.from_ddl(ddl, "postgres").er(overview=True)
    svg = diagram.svg()
    assert diagram.cluster_reason == "clustered by namespace (2 namespaces)"
    assert ">no foreign keys<" in svg
    xs = {round(float(x)) for x in re.findall(r'<g id="t:lone_\d+" class="node">.*?<text[^>]* x="([\d.-]+)"', svg,
                                               re.S)}
    assert len(xs) >= 3  # spread over columns, not stacked in one


@pytest.mark.parametrize("name", FILES)
def test_every_corpus_overview_is_near_square_with_at_most_hub_arrowheads(name):
    schema = schema_of(name)
    out = shape(schema.er(overview=True))
    assert 1 / 3 <= out["aspect"] <= 3, out["aspect"]
    assert out["heads"] <= HUB
    assert sorted(out["drawn"]) == sorted(schema.tables)
