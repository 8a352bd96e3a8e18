"""Design documents: self-contained HTML and Markdown, sanitized model text, no secrets."""

import re
import subprocess
import sys

import nbformat
import pytest

from workbench.architecture.spec import Architecture
from workbench.design.aggregate import Design
from workbench.errors import ExportError
from workbench.export import export_design, export_notebook, notebook_designs
from workbench.sanitize import clean_svg, markdown_html, safe_markdown
from workbench.schema import Schema

PLANTED = ('Use PostgreSQL. <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script> '
           '![tracker](http://evil.test/pixel.png) [docs](javascript:alert(1)) [ok](https://example.org)')
SECRET = "sk-ant-api03-SECRETSECRETSECRET0123456789"
DDL_V1 = """CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total float);"""
DDL_V2 = DDL_V1.replace("total float", "total numeric(12,2)") + "\nCREATE INDEX orders_customer ON orders (customer_id);"
ARCH = """title: Shop
nodes:
  - {id: web, kind: client}
  - {id: gw, kind: api-gateway}
  - {id: shop, kind: service}
  - {id: db, kind: postgres}
edges:
  - {source: web, target: gw}
  - {source: gw, target: shop}
  - {source: shop, target: db}
"""


def shop(monkeypatch) -> Design:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    design = Design("shop")
    design.requirements = f"An online shop. {PLANTED} Lab at postgresql://app:hunter2@db.internal/shop, key {SECRET}"
    design.save_schema(Schema.from_ddl(DDL_V1, "postgres"), rationale="First cut")
    design.save_schema(Schema.from_ddl(DDL_V2, "postgres"))
    design.save_architecture(Architecture.from_yaml(ARCH.replace("{id: db, kind: postgres}",
                                                                 f"{{id: db, kind: postgres, label: '{SECRET}'}}")))
    design.define_api("openapi: 3.1.0\ninfo: {title: Shop API, version: '1'}\npaths:\n  /orders:\n    get:\n"
                      "      summary: List orders\n      responses: {'200': {description: ok}}\n")
    design.record_decision("Use PostgreSQL", PLANTED, "PostgreSQL 16", "One primary")
    return design


def test_html_document_is_complete_self_contained_and_safe(monkeypatch, tmp_path):
    path = export_design(shop(monkeypatch), tmp_path / "shop.html")
    page = path.read_text()
    for heading in ("Summary", "Requirements", "Architecture", "Data model", "API", "Decisions", "Experiments",
                    "Readiness"):
        assert re.search(rf"<h2 id=\"[a-z-]+\">{heading}</h2>", page), heading
    assert page.count("<svg") == 2  # architecture + ER
    assert "Migration history (2 versions)" in page and "ALTER TABLE orders ALTER COLUMN total" in page
    assert "Data dictionary (2 tables)" in page and "<td>customer_id</td>" in page
    assert "AR005 single-point-of-failure" in page  # the architecture review
    # nothing to fetch, nothing to run
    assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" not in page
    assert "default-src 'none'" in page
    assert not re.search(r"<link|<iframe|<img|@import|url\(http", page, re.I)
    # scripts: the schema as JSON data blocks, and the ER explorer's own script, the one the CSP allows by hash
    from workbench.export.explorer import SCRIPT, script_hash

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S | re.I)
    assert scripts and all(attrs.strip().startswith('type="application/json"') or body == SCRIPT
                           for attrs, body in scripts)
    assert sum(1 for _attrs, body in scripts if body == SCRIPT) == 1
    assert f"script-src {script_hash()}" in page and "script-src 'unsafe-inline'" not in page
    assert not re.search(r"""\s(src|href)=["']?(https?:|//|javascript:)(?!//example\.org)""", page)
    assert "&lt;img src=x onerror=" in page and "&lt;script&gt;window.pwned=2&lt;/script&gt;" in page
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in page
    assert "javascript:" not in page.replace("[docs](javascript:alert(1))", "")
    # no secrets
    assert SECRET not in page and "hunter2" not in page
    assert "postgresql://app:***@db.internal/shop" in page


def test_markdown_document_writes_figures_beside_it(monkeypatch, tmp_path):
    path = export_design(shop(monkeypatch), tmp_path / "out" / "shop.md", conversation=True)
    text = path.read_text()
    assets = tmp_path / "out" / "shop_files"
    assert sorted(p.name for p in assets.iterdir()) == ["architecture-main.svg", "er-main.svg"]
    assert "![Architecture main v1](shop_files/architecture-main.svg)" in text
    # readers that draw Mermaid (GitHub, GitLab, Notion) get the figures as Mermaid; the SVG stays under a fold
    assert text.count("```mermaid\n") == 2 and "```mermaid\nerDiagram\n" in text and "flowchart " in text
    assert "<details><summary>SVG</summary>\n\n![Architecture main v1]" in text
    assert text.startswith("# Design: shop\n")
    assert "&lt;img src=x" in text and "&lt;script>" in text and "!\\[tracker]" in text
    assert SECRET not in text and "hunter2" not in text
    assert "<script" not in (assets / "er-main.svg").read_text()


def test_model_markdown_is_rendered_and_sanitized():
    out = markdown_html("**bold** <b onclick=x()>raw</b>\n\n```sql\nSELECT 1 < 2;\n```\n\n| a |\n|---|\n| 1 |")
    assert "<strong>bold</strong>" in out and "&lt;b onclick=x()&gt;raw&lt;/b&gt;" in out
    assert '<code class="language-sql">SELECT 1 &lt; 2;' in out and "<td>1</td>" in out
    assert safe_markdown("> quote <b>\n```\n<keep>\n```\n`<code>` ![x](y)") == \
        "> quote &lt;b>\n```\n<keep>\n```\n`<code>` !\\[x](y)"
    svg = clean_svg('<svg><a xlink:href="https://x.test"><text onclick="f()">t</text></a><script>s()</script>'
                    '<use href="#keep"/><image href="data:image/png;base64,AA"/><foreignObject>x</foreignObject></svg>')
    assert svg == '<svg><a><text>t</text></a><use href="#keep"/><image href="data:image/png;base64,AA"/></svg>'


def test_inline_svgs_do_not_share_ids(monkeypatch, tmp_path):
    design = shop(monkeypatch)
    design.save_architecture(Architecture.from_yaml(ARCH.replace("title: Shop", "title: Other")), "other")
    page = export_design(design, tmp_path / "two.html").read_text()
    ids = re.findall(r'\bid="(f\d+-[^"]+)"', page)
    assert ids and len(ids) == len(set(ids))
    refs = re.findall(r'href="#(f\d+-[^"]+)"', page)
    assert refs and set(refs) <= set(ids)  # every icon reference points at its own figure's symbol


def test_export_errors_are_clear(tmp_path):
    with pytest.raises(ExportError, match=r"Name the output \.html"):
        export_design(Design("x"), tmp_path / "x.pdf")


def test_a_notebook_exports_the_design_it_works_on(tmp_path):
    home = tmp_path / "nbdir" / ".workbench"
    design = Design("links", home=home)
    design.save_schema(Schema.from_ddl("CREATE TABLE links (id int PRIMARY KEY, code text NOT NULL);", "postgres"))
    Design("scratch", home=home)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Link service\n\nWhy we chose **base62** codes."),
        nbformat.v4.new_code_cell("%load_ext workbench\n%design use scratch"),
        nbformat.v4.new_code_cell("%%architect -d scratch\nhello"),
        nbformat.v4.new_code_cell("%design use links"),
    ])
    path = tmp_path / "nbdir" / "links.ipynb"
    nbformat.write(nb, path)
    assert notebook_designs(nb.cells) == ["scratch", "links"]
    out = export_notebook(path, tmp_path / "links.html", home=home)
    page = out.read_text()
    assert "<title>Link service — design links</title>" in page
    assert "Why we chose <strong>base62</strong> codes." in page and "<td>code</td>" in page
    assert "The notebook also uses the designs <code>scratch</code>." in page
    with pytest.raises(ExportError, match="works on design 'links', which is not in"):
        export_notebook(path, tmp_path / "x.html", home=tmp_path / "elsewhere")


def test_cli_export(monkeypatch, tmp_path):
    shop(monkeypatch)
    run = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "shop", "-o", "doc.html"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert re.match(r"Wrote doc\.html \(\d+ KiB in \d+\.\d\d s\)", run.stdout)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%design use shop")]), "shop.ipynb")
    from_notebook = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "shop.ipynb", "-o", "nb.md"],
                                   capture_output=True, text=True)
    assert from_notebook.returncode == 0, from_notebook.stderr
    assert "# Design: shop" in (tmp_path / "nb.md").read_text()
    missing = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "nope", "-o", "doc.html"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "No design 'nope' in " in missing.stderr and "shop" in missing.stderr


def test_a_100_table_design_with_3_architectures_stays_under_3_mb(tmp_path):
    """Size, not speed (benchmarks/bench_export.py measures the time): every figure inline, each icon once."""
    from workbench.testing.synthetic import sample_design

    path = export_design(sample_design(Design("big")), tmp_path / "big.html")
    page = path.read_text()
    assert path.stat().st_size < 3 * 1024 * 1024
    assert page.count("<svg") == 4  # three architectures and the ER diagram
    assert "Data dictionary (100 tables)" in page and page.count("ADR-000") >= 5


def test_export_of_the_demo_design_without_home_says_the_exact_command(isolated):
    import os

    from workbench.config import DEMO_HOME_NAME
    from workbench.design.aggregate import Design

    demo_home = isolated / "build" / DEMO_HOME_NAME  # where `workbench demo` (make demo) keeps the tour's design
    Design("tour", home=demo_home).record_decision("Use PostgreSQL", "c", "d", "e")
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_HOME"}  # the user's shell after make demo

    def export(*extra):
        return subprocess.run([sys.executable, "-m", "workbench.cli", "export", "tour", "-o", "tour.html", *extra],
                              capture_output=True, text=True, cwd=isolated, env=env)

    missing = export()
    assert missing.returncode == 2 and "No design 'tour' in .workbench." in missing.stderr
    command = f"workbench export tour -o tour.html --home build/{DEMO_HOME_NAME}"
    assert command in missing.stderr and "where `workbench demo` keeps its design" in missing.stderr
    done = export("--home", f"build/{DEMO_HOME_NAME}")  # the command the error gave
    assert done.returncode == 0, done.stderr
    assert "Use PostgreSQL" in (isolated / "tour.html").read_text()


def test_serving_the_demo_design_from_elsewhere_notes_where_it_is(isolated):
    import os

    from workbench.config import DEMO_HOME_NAME

    Design("tour", home=isolated / "build" / DEMO_HOME_NAME).record_decision("Use PostgreSQL", "c", "d", "e")
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_HOME"}
    served = subprocess.run([sys.executable, "-m", "workbench.cli", "mcp", "-d", "tour"], input="", capture_output=True,
                            text=True, cwd=isolated, env=env, timeout=120)
    assert f"the one in build/{DEMO_HOME_NAME} is used with WORKBENCH_HOME=build/{DEMO_HOME_NAME}" in served.stderr
    assert served.stdout == ""  # the protocol's stream carries no note
