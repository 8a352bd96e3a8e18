"""Designs that travel: DBML out and back in, and Mermaid, on every corpus file.

- Schema → DBML is read by PyDBML (the real parser dbdiagram.io's format is defined by) and gives back the
  same tables, columns (type, nullability, default), keys, references, partial indexes and notes;
- DBML → Schema → DBML is a fixpoint;
- the schema read from DBML loads into the real database of the file's dialect with 0 errors, and the
  database reflects it with 0 changes;
- what DBML cannot hold is listed, not dropped; a DBML syntax error names its line and column.
"""

from __future__ import annotations

import re

import pytest

from workbench.errors import SchemaError
from workbench.schema import Schema
from workbench.testing.fidelity import FreshDatabase, dialect_of, load

from ..conftest import CORPUS
from .test_corpus import FILES, KNOWN_GAPS, schema_of


def _default(text: str | None) -> str | None:
    return None if text is None else re.sub(r"::[\w .\"\[\]]+", "", text).strip().lower()


def projection(schema: Schema) -> dict:
    """What DBML carries, in comparable form."""
    out = {}
    for t in schema.tables.values():
        out[t.key] = {
            "columns": [(c.name, c.type.lower().replace('"', ""), c.nullable, None if c.generated else _default(c.default),
                         c.comment) for c in t.columns.values()],
            "primary key": tuple(c.lower() for c in t.primary_key),
            "references": sorted((f.columns, f.ref_table, f.ref_columns, f.on_delete) for f in t.foreign_keys),
            "unique": sorted({tuple(sorted(c.lower() for c in u.columns)) for u in t.uniques}
                             | {tuple(sorted(c.lower() for c in i.columns)) for i in t.indexes
                                if i.unique and not i.where and not i.implicit and not any(i.expressions)}),
            "partial": sorted((i.columns, i.where) for i in t.indexes if i.where),
            "note": t.comment,
        }
    return out


@pytest.mark.parametrize("name", FILES)
def test_dbml_carries_the_schema_there_and_back(name):
    schema = schema_of(name)
    dbml = schema.to_dbml()
    back = Schema.from_dbml(dbml, dialect=schema.dialect)
    before, after = projection(schema), projection(back)
    assert list(after) == list(before)
    assert [(k, f) for k in before for f in before[k] if before[k][f] != after[k][f]] == []
    body = dbml.split("\n\n", 1)[1] if dbml.startswith("// not carried:") else dbml
    assert back.to_dbml() == body  # DBML → Schema → DBML keeps everything DBML says
    if schema.views or any(t.checks for t in schema.tables.values()):
        assert dbml.startswith("// not carried:")  # said, not dropped


@pytest.mark.parametrize("name", FILES)
def test_a_schema_read_from_dbml_loads_into_the_real_database(name, tmp_path):
    from ..conftest import _server_up, need

    dialect = dialect_of(CORPUS / name)
    if dialect != "sqlite":
        need(_server_up("postgres" if dialect == "postgres" else "mysql"), f"{dialect} server not reachable")
    original = schema_of(name)
    schema = Schema.from_dbml(original.to_dbml(), dialect="sqlite" if dialect != "sqlite" else "postgres")
    assert schema.dialect == dialect  # the Project's database_type decides
    # what the DBML header lists as not carried (domains, virtual tables) comes back from the user's own DDL
    schema.domains = original.domains
    domains = {d.name.strip('"').lower() for d in original.domains.values()}
    for table in schema.tables.values():
        table.using = original.tables[table.key].using
        for column in table.columns.values():
            if column.type.lower() in domains:  # the domain's own spelling (DBML drops its quotes)
                column.type = original.tables[table.key].columns[column.name].type
    with FreshDatabase(dialect, tmp_path) as db:
        errors = load(db.url, schema.to_ddl(dialect), dialect)
        if name in KNOWN_GAPS:  # this server cannot run the file at all: only the known gap, and what follows from it
            causes = [e for e in errors if not re.search(r'relation "[^"]+" does not exist', e)]
            assert causes and all(re.search(r"vector|uuidv7|VIRTUAL", e) for e in causes), causes
            return
        assert errors == []
        live = Schema.from_url(db.url)
    changes = [c for c in schema.diff(live).changes]
    assert changes == []


def test_dbml_errors_name_the_line_and_many_to_many_is_reported():
    with pytest.raises(SchemaError, match="line 3, column 1") as error:
        Schema.from_dbml("Table users {\n  id int [pk\n}\n")
    assert "Check the brackets" in (error.value.hint or "")
    schema = Schema.from_dbml("""
Table students {
  id int [pk]
}
Table courses {
  id int [pk]
}
Table enrolment {
  student_id int [ref: > students.id, not null]
  course_id int [not null]
  indexes { (student_id, course_id) [pk] }
}
Ref: enrolment.course_id > courses.id [delete: cascade]
Ref: students.id <> courses.id
""")
    assert schema.table("enrolment").primary_key == ("student_id", "course_id")
    fks = {f.columns: (f.ref_table, f.on_delete) for f in schema.table("enrolment").foreign_keys}
    assert fks == {("student_id",): ("students", None), ("course_id",): ("courses", "CASCADE")}
    assert schema.warnings == ["many-to-many reference students <> courses is not a foreign key: model it with a "
                               "junction table"]


def test_mermaid_er_and_flowchart_say_what_the_design_says():
    from workbench.architecture.spec import Architecture

    schema = Schema.from_ddl("""
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE profiles (customer_id bigint PRIMARY KEY REFERENCES customers(id), "bio text" text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id),
  placed timestamp with time zone NOT NULL);
COMMENT ON COLUMN orders.placed IS 'when the "order" was placed';
""", "postgres")
    text = schema.to_mermaid()
    assert text.startswith("erDiagram\n")
    assert "        BIGINT id PK" in text and "        TEXT email UK" in text
    assert '        TIMESTAMPTZ placed "when the #quot;order#quot; was placed"' in text  # Mermaid's entity code
    assert '        TEXT bio_text "bio text"' in text  # a name Mermaid cannot take keeps its own as the comment
    assert '    customers ||--o| profiles : "customer_id"' in text  # one-to-one: the key is the reference
    assert '    customers |o--o{ orders : "customer_id"' in text  # optional, many
    arch = Architecture.from_dict({"title": "Shop", "groups": [{"id": "be", "label": "Backend"}], "nodes": [
        {"id": "web", "kind": "web"}, {"id": "api", "kind": "service", "group": "be", "replicas": 3},
        {"id": "db", "kind": "postgres", "group": "be"}, {"id": "q", "kind": "kafka"}],
        "edges": [{"source": "web", "target": "api", "label": "REST", "protocol": "HTTPS"},
                  {"source": "api", "target": "db"}, {"source": "api", "target": "q", "mode": "async"}]})
    flow = arch.to_mermaid()
    assert "flowchart LR" in flow and 'subgraph group_be["Backend"]' in flow
    assert 'db[("' in flow and 'q[/"' in flow and " ×3" in flow
    assert 'web -->|"REST · HTTPS"| api' in flow and "api -.-> q" in flow


_RENDER = """async ([id, text]) => {
  try {
    const out = await mermaid.render(id, text);
    const div = document.createElement('div');
    div.innerHTML = out.svg;
    const labels = [...div.querySelectorAll('g.node')].map(n => n.textContent);
    return {nodes: div.querySelectorAll('g.node').length, labels, markup: div.querySelectorAll('g.node b').length,
            edges: div.querySelectorAll('path.relationshipLine, .edgePaths path, path.flowchart-link').length};
  } catch (error) { return {error: String(error).slice(0, 400)}; }
}"""


@pytest.mark.browser
@pytest.mark.parametrize("name", FILES)
def test_mermaid_of_every_corpus_schema_renders_in_mermaid_itself(name, mermaid_page):
    """The erDiagram text is drawn by Mermaid (the version GitHub-style renderers run) in a real browser:
    one entity per table, one relationship line per foreign key between drawn tables."""
    schema = schema_of(name)
    out = mermaid_page.evaluate(_RENDER, [f"er{abs(hash(name))}", schema.to_mermaid()])
    assert "error" not in out, out
    references = sum(1 for t in schema.tables.values() for fk in t.foreign_keys if fk.ref_table in schema.tables)
    # Mermaid draws a table's second self-reference on top of its first (lago's fees): one line for them
    stacked = sum(max(0, sum(1 for fk in t.foreign_keys if fk.ref_table == t.key) - 1) for t in schema.tables.values())
    assert out["nodes"] == len(schema.tables) and out["edges"] == references - stacked
    first = next(iter(schema.tables.values()))
    assert any(label.startswith(first.key.replace(".", "__")) or label.startswith(first.key) for label in out["labels"])


@pytest.mark.browser
def test_an_architecture_flowchart_renders_in_mermaid_itself(mermaid_page):
    from workbench.architecture.spec import Architecture

    arch = Architecture.from_dict({"title": 'Shop "flash" <sale>', "groups": [{"id": "be", "label": "Back end"}],
                                   "nodes": [{"id": "web", "kind": "web", "label": "Web <b>app</b>"},
                                             {"id": "api", "kind": "service", "group": "be", "replicas": 3},
                                             {"id": "db", "kind": "postgres", "group": "be"},
                                             {"id": "q", "kind": "kafka"}],
                                   "edges": [{"source": "web", "target": "api", "label": "REST"},
                                             {"source": "api", "target": "db"},
                                             {"source": "api", "target": "q", "mode": "async"}]})
    out = mermaid_page.evaluate(_RENDER, ["arch1", arch.to_mermaid()])
    assert "error" not in out, out
    assert out["nodes"] == 4 and out["edges"] == 3
    assert out["markup"] == 0 and any("Web <b>app</b>" in label for label in out["labels"])  # labels stay text


@pytest.mark.browser
def test_a_mermaid_directive_in_a_label_stays_text(mermaid_page):
    """Mermaid takes `%%{init: …}%%` from anywhere in the text, a quoted label included, and applies it to the
    whole diagram (here the forest theme, whose primary colour is #cde498); in a name, a comment, a node label
    or an edge label it is shown as written and changes nothing."""
    from workbench.architecture.spec import Architecture

    directive = "%%{init: {'theme': 'forest'}}%%"
    schema = Schema.from_ddl(f"CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE \"t {directive}\" "
                             "(id int PRIMARY KEY, c int REFERENCES customers (id));\n"
                             f"COMMENT ON COLUMN customers.id IS '{directive}';", "postgres")
    arch = Architecture.from_dict({"title": f"Shop {directive}", "nodes": [
        {"id": "web", "kind": "web", "label": f"Web {directive}"}, {"id": "db", "kind": "postgres"}],
        "edges": [{"source": "web", "target": "db", "label": directive}]})
    for name, text, shown in (("er_directive", schema.to_mermaid(), 1),  # the table name (ER hides comments)
                              ("flow_directive", arch.to_mermaid(), 2)):  # the node and the edge label
        assert "%%" not in text
        out = mermaid_page.evaluate("""async ([id, text]) => {
            const out = await mermaid.render(id, text);
            const div = document.createElement('div');
            div.innerHTML = out.svg;
            return {svg: out.svg, text: div.textContent}; }""", [name, text])
        assert "cde498" not in out["svg"].lower(), f"{name}: the directive set the theme"
        assert out["text"].count(directive) >= shown, out["text"]  # shown as written
