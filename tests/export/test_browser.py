"""The exported design document in a real Chromium: nothing requested, nothing run, every figure drawn."""

import pytest

from workbench.export import export_design
from workbench.lab.lab import Lab

from .test_export import shop

pytestmark = pytest.mark.browser


def test_the_document_requests_nothing_and_planted_html_stays_inert(browser, serve_folder, tmp_path, monkeypatch):
    from ..conftest import ARTIFACTS, screenshot

    design = shop(monkeypatch)
    with Lab() as lab:  # an experiment too, so the chart is in the document
        lab.load(design.schema())
        comparison = lab.compare([{"name": "by customer", "sql": "SELECT * FROM orders WHERE customer_id = :customer_id"}],
                                 [{"name": "no index", "ddl": "DROP INDEX orders_customer"}], rows=2000, repeat=3,
                                 progress=False)
    design.add_version("experiment", "customer index", {"input": {"rows": 2000}, **comparison.to_dict()})
    folder = tmp_path / "shared"
    export_design(design, folder / "design.html", conversation=True)
    base, served = serve_folder(folder)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, failures, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/design.html")
    page.wait_for_load_state("networkidle")
    assert [u for u in requests if not u.startswith("data:")] == [f"{base}/design.html"]
    assert failures == [] and errors == []
    assert set(served) <= {"/design.html", "/favicon.ico"}
    assert page.evaluate("() => window.pwned") is None  # neither the onerror nor the script ran
    assert page.evaluate("() => document.querySelectorAll('main img, main iframe, "
                         "main script:not([type=\"application/json\"])').length") == 0  # data blocks only
    planted = page.evaluate("() => document.querySelector('.prose').textContent")
    assert '<img src=x onerror="window.pwned=1">' in planted  # shown as text, as the model wrote it
    sizes = page.evaluate("""() => [...document.querySelectorAll('figure svg, .wb-canvas svg')].map(s => {
        const r = s.getBoundingClientRect(); return [r.width, r.height]; })""")
    assert len(sizes) == 3 and all(w > 100 and h > 50 for w, h in sizes)  # architecture, ER, experiment chart
    links = page.evaluate("() => [...document.querySelectorAll('nav a')].map(a => a.textContent)")
    assert links[:4] == ["Summary", "Requirements", "Architecture", "Shop (main v1)"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "design-document.png").write_bytes(screenshot(page))
    page.close()


def test_the_er_explorer_finds_a_table_focuses_it_and_goes_back(browser, serve_folder, tmp_path, isolated):
    """A 400-table schema in the document: find a table by name, see its neighbourhood, click a neighbour,
    go back; pan and zoom move the drawing; the page still requests nothing and runs no other script."""
    from workbench.design.aggregate import Design
    from workbench.testing.synthetic import synthetic_ddl

    from ..conftest import ARTIFACTS

    design = Design("big")
    design.add_schema_ddl(synthetic_ddl(400) + "\nCOMMENT ON TABLE billing_account_0 IS '<img src=x onerror=alert(1)>';",
                          "postgres")
    schema = design.schema()
    referred = {fk.ref_table for t in schema.tables.values() for fk in t.foreign_keys}
    target = next(k for k, t in schema.tables.items() if t.foreign_keys and k in referred)
    neighbours = {fk.ref_table for fk in schema.table(target).foreign_keys} | {
        t.key for t in schema.tables.values() for fk in t.foreign_keys if fk.ref_table == target}
    neighbours.discard(target)
    folder = tmp_path / "shared"
    export_design(design, folder / "design.html")
    base, _served = serve_folder(folder)
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/design.html")
    page.wait_for_selector(".wb-explorer.wb-ready")
    explorer = page.locator(".wb-explorer").first
    explorer.locator("input").fill(target)
    explorer.locator("input").press("Enter")
    page.wait_for_selector(".wb-focus:not([hidden]) svg")
    shown = page.evaluate("() => [...document.querySelectorAll('.wb-focus-table')].map(g => g.dataset.table)")
    assert target in shown and set(neighbours) <= set(shown)
    assert page.evaluate("() => document.querySelector('.wb-canvas g.wb-hit title').textContent") == target
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "er-explorer-focus.png").write_bytes(explorer.screenshot())
    other = next(n for n in shown if n != target)
    page.locator(f".wb-focus-table[data-table='{other}']").click()
    assert page.evaluate("() => document.querySelector('.wb-explorer').dataset.focus") == other
    explorer.locator(".wb-back").click()
    assert page.evaluate("() => document.querySelector('.wb-explorer').dataset.focus") == target
    before = page.evaluate("() => document.querySelector('.wb-canvas').style.transform")
    explorer.locator(".wb-in").click()
    assert page.evaluate("() => document.querySelector('.wb-canvas').style.transform") != before
    explorer.locator(".wb-fit").click()
    clicked = page.evaluate("""() => {  // a click on a table in the drawing focuses it
        const g = [...document.querySelectorAll('.wb-canvas g.node')].find(n => n.id.includes('t:'));
        g.dispatchEvent(new MouseEvent('click', {bubbles: true})); return g.querySelector('title').textContent; }""")
    assert page.evaluate("() => document.querySelector('.wb-explorer').dataset.focus") == clicked
    assert float(page.evaluate("() => document.querySelector('.wb-explorer').dataset.focusMs")) >= 0
    assert [u for u in requests if not u.startswith("data:")] == [f"{base}/design.html"] and errors == []
    assert page.evaluate("() => typeof window.alert === 'function' && !document.querySelector('main img')")
    page.close()


def test_a_table_named_like_markup_leaves_the_explorer_and_the_page_whole(browser, serve_folder, tmp_path, isolated):
    """A table named `<!--<script>` (and its kin) in the explorer's JSON data block: the block is one JSON text
    with every `<` escaped, so Chromium neither opens a comment nor a script in it; every table is drawn, the
    explorer focuses the odd one by name, and the sections after the data model are all on the page."""
    from workbench.design.aggregate import Design

    odd = ["a<!--b-->c", "<!--<script>", "</script><b>x", "<!--"]  # the one closing a comment first
    design = Design("markup")
    design.add_schema_ddl("CREATE TABLE customers (id int PRIMARY KEY);\n" + "".join(
        f'CREATE TABLE "{name}" (id int PRIMARY KEY, customer_id int REFERENCES customers (id));\n' for name in odd),
        "postgres")
    design.define_api("openapi: 3.1.0\ninfo: {title: Markup API, version: '1'}\npaths:\n  /a:\n    get:\n"
                      "      responses: {'200': {description: ok}}\n")
    design.record_decision("Keep the names", "They came from a dump", "As they are", "Odd names")
    folder = tmp_path / "shared"
    export_design(design, folder / "design.html")
    base, _served = serve_folder(folder)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/design.html")  # returns at the load event: the explorer's script has run, or never will
    assert page.locator(".wb-explorer.wb-ready").count() == 1, "the explorer's script did not run"
    assert errors == []
    data = page.evaluate("() => Object.keys(JSON.parse(document.querySelector('script[type=\"application/json\"]')"
                         ".textContent).tables)")
    assert sorted(data) == sorted(["customers", *odd])
    drawn = page.evaluate("() => [...document.querySelectorAll('.wb-canvas g.node title')].map(t => t.textContent)")
    assert set(drawn) >= {"customers", *odd}
    for name in odd:  # found by name, its neighbourhood drawn as text
        explorer = page.locator(".wb-explorer").first
        explorer.locator("input").fill(name)
        explorer.locator("input").press("Enter")
        page.wait_for_function("name => document.querySelector('.wb-explorer').dataset.focus === name", arg=name)
        shown = page.evaluate("() => [...document.querySelectorAll('.wb-focus-table')].map(g => g.dataset.table)")
        assert name in shown and "customers" in shown
    headings = page.evaluate("() => [...document.querySelectorAll('main h2')].map(h => h.textContent)")
    assert {"Data model", "API", "Decisions", "Readiness"} <= set(headings), headings
    assert page.evaluate("() => document.querySelectorAll('script').length") == 2  # the data block and the explorer
    assert page.evaluate("() => document.querySelectorAll('main b').length") == 0  # no markup from a name
    page.close()
