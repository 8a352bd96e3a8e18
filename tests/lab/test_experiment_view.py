"""What an experiment shows (the panel, the notebook, the document): absent plan values as —, tables that keep
each cell on one line and scroll sideways inside their own box, and a bar chart whose legend covers no bar
label; in a real Chromium and with matplotlib's own text extents."""

from __future__ import annotations

import pytest

from workbench.lab.compare import Comparison
from workbench.lab.lab import Lab
from workbench.schema import Schema

SHOP = """CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  total numeric(10,2) NOT NULL);"""
# JupyterLab's rendered-HTML tables: cells wrap as they like, in a narrow output area
JUPYTER_LIKE_CSS = "body{margin:0} main{width:520px} td,th{white-space:normal;max-width:none;padding:.5em}"


def comparison() -> Comparison:
    with Lab(name="view") as lab:
        lab.load(Schema.from_ddl(SHOP, "sqlite"))
        return lab.compare(
            [{"name": "orders of one customer by newest first", "sql":
              "SELECT * FROM orders WHERE customer_id = :customer_id ORDER BY id DESC"}],
            [{"name": "an index on the customer of each order", "ddl": "CREATE INDEX o_c ON orders (customer_id)"},
             {"name": "a covering index with the total too", "ddl": "CREATE INDEX o_ct ON orders (customer_id, total)"}],
            rows=2000, repeat=3, progress=False)


@pytest.mark.browser
def test_the_panel_shows_no_none_keeps_cells_on_one_line_and_scrolls_its_tables(browser):
    from workbench.notebook.display import clean_bundle

    shown = clean_bundle(comparison()._repr_mimebundle_())["text/html"]  # what the panel's SafeHTML holds
    page = browser.new_page(viewport={"width": 700, "height": 900})
    page.set_content(f"<html><head><style>{JUPYTER_LIKE_CSS}</style></head><body><main>{shown}</main></body></html>")
    cells = page.evaluate("""() => [...document.querySelectorAll('main td, main th')].map(c => {
        const style = getComputedStyle(c);
        return {text: c.textContent, height: c.getBoundingClientRect().height,
                line: parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3,
                pad: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom)};
    })""")
    assert cells and not [c["text"] for c in cells if c["text"].strip() in ("None", "nan", "NaN")]
    assert "—" in [c["text"] for c in cells]  # SQLite gives no row estimates: shown as absent
    wrapped = [c["text"] for c in cells if c["height"] - c["pad"] > 1.6 * c["line"]]
    assert wrapped == []  # one line per cell, never a word per line
    main = page.evaluate("() => { const m = document.querySelector('main'); return [m.scrollWidth, m.clientWidth]; }")
    assert main[0] <= main[1]  # nothing pokes out of the output area to the right
    boxes = page.evaluate("""() => [...document.querySelectorAll('main .wb-scroll')].map(b =>
        [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX])""")
    assert boxes and all(overflow == "auto" for *_, overflow in boxes)
    assert any(scroll > client for scroll, client, _ in boxes)  # the wide ones scroll inside their box
    page.close()


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("values", [[1.0, 1.0, 1.0], [0.2, 5.0, 4.8], [3.0, 0.1, 2.9]])
def test_no_bar_label_or_bar_is_under_the_legend(values):
    variants = ["baseline", "an index on the customer", "a covering index"]
    records = [{"variant": v, "query": q, "p50_ms": x * (1 + n / 10), "p95_ms": x, "max_ms": x, "rows": 1,
                "ratio": 1.0, "plan": "full scan t"} for v, x in zip(variants, values, strict=True)
               for n, q in enumerate(["by customer", "newest"])]
    figure = Comparison(records, {}, variants, ["by customer", "newest"], "sqlite", 1000, 5)._figure()
    renderer = figure.canvas.get_renderer() if hasattr(figure.canvas, "get_renderer") else figure._get_renderer()
    figure.draw(renderer)
    axes = figure.axes[0]
    legend = axes.get_legend().get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for t in axes.texts]
    bars = [p.get_window_extent(renderer) for p in axes.patches]
    assert len(labels) == 6 and not [b for b in labels + bars if _overlap(legend, b)]
