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
    assert page.evaluate("() => document.querySelectorAll('main img, main script, main iframe').length") == 0
    planted = page.evaluate("() => document.querySelector('.prose').textContent")
    assert '<img src=x onerror="window.pwned=1">' in planted  # shown as text, as the model wrote it
    sizes = page.evaluate("""() => [...document.querySelectorAll('figure svg')].map(s => {
        const r = s.getBoundingClientRect(); return [r.width, r.height]; })""")
    assert len(sizes) == 3 and all(w > 100 and h > 50 for w, h in sizes)  # architecture, ER, experiment chart
    links = page.evaluate("() => [...document.querySelectorAll('nav a')].map(a => a.textContent)")
    assert links[:4] == ["Summary", "Requirements", "Architecture", "Shop (main v1)"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "design-document.png").write_bytes(screenshot(page))
    page.close()
