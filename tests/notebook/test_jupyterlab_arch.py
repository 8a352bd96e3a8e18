"""Architecture diagrams as a person sees them in JupyterLab: two different diagrams on one page each
show their own icons, and each diagram is drawn whole (no node cut off at the bottom or the side)."""

import nbformat
import pytest

from ..conftest import ARTIFACTS, screenshot
from .test_jupyterlab import jupyterlab, open_and_run  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

FIRST = """%%arch first
title: Shop
nodes:
  - {id: web, label: Web, kind: users}
  - {id: api, label: API, kind: service, replicas: 3}
  - {id: db, label: Orders DB, kind: postgres}
edges:
  - {source: web, target: api}
  - {source: api, target: db}
"""
SECOND = """%%arch second
title: Pipeline
direction: TB
nodes:
  - {id: queue, label: Events, kind: kafka}
  - {id: cache, label: Cache, kind: redis}
  - {id: worker, label: "Worker\\nwith a long\\nthree-line label", kind: worker, replicas: 2}
  - {id: store, label: "Archive\\nbucket", kind: object-storage}
  - {id: search, label: Search, kind: elasticsearch}
  - {id: metrics, label: Metrics, kind: prometheus}
  - {id: dash, label: Dashboards, kind: grafana}
edges:
  - {source: queue, target: worker, mode: async}
  - {source: worker, target: cache}
  - {source: cache, target: store}
  - {source: store, target: search}
  - {source: search, target: metrics}
  - {source: metrics, target: dash}
"""

# per diagram: for each node, the data URI of the image its <use> points at (resolved in the page, as the
# browser resolves it: the first element with that id in the document), and the node's box against the SVG's
# the part of the SVG a person can see: its box, clipped by every scrolling or clipping box around it in the output
PROBE = """() => [...document.querySelectorAll('.jp-OutputArea-output svg')].filter(s => s.querySelector('use'))
  .map(svg => { const box = svg.getBoundingClientRect(); let [l, t, r, b] = [box.left, box.top, box.right, box.bottom];
    for (let e = svg.parentElement; e && !e.classList.contains('jp-OutputArea'); e = e.parentElement) {
      if (getComputedStyle(e).overflow === 'visible') continue;
      const c = e.getBoundingClientRect();  // the scrolled box shows clientWidth × clientHeight of it
      l = Math.max(l, c.left); t = Math.max(t, c.top); r = Math.min(r, c.left + e.clientWidth); b = Math.min(b, c.top + e.clientHeight); }
    return {box: [box.left, box.top, box.right, box.bottom], visible: [l, t, r, b],
            nodes: [...svg.querySelectorAll('g.node')].map(node => {
              const use = node.querySelector('use'); const ref = use.getAttribute('xlink:href');
              const image = document.getElementById(ref.slice(1)).querySelector('image');
              const r = node.getBoundingClientRect();
              return {title: node.querySelector('title').textContent, tip: node.querySelector('a')?.getAttribute('xlink:title'),
                      own: svg.querySelector(ref + ' image')?.getAttribute('xlink:href').slice(-80),
                      shown: image.getAttribute('xlink:href').slice(-80), box: [r.left, r.top, r.right, r.bottom]}; })}; })"""


def test_two_diagrams_on_one_page_show_their_own_icons_and_are_drawn_whole(browser, jupyterlab):  # noqa: F811 - the fixture
    base, root = jupyterlab
    cells = ["%load_ext workbench", FIRST, SECOND]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "two-diagrams.ipynb")
    errors = []
    page = open_and_run(browser, base, "two-diagrams.ipynb", errors)
    page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output svg')]"
                           ".filter(s => s.querySelector('use')).length === 2", timeout=60_000)
    diagrams = page.evaluate(PROBE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2600})  # the tall diagram whole, for a person to look at
    (ARTIFACTS / "jupyterlab-second-diagram.png").write_bytes(screenshot(page, element=".wb-architecture >> nth=1"))
    assert [len(d["nodes"]) for d in diagrams] == [3, 7]
    for diagram in diagrams:
        for node in diagram["nodes"]:
            assert node["shown"] == node["own"], node["tip"]  # the icon drawn is the diagram's own
        for frame in ("box", "visible"):  # every node inside the SVG's box, and inside what the output shows
            left, top, right, bottom = diagram[frame]
            for node in diagram["nodes"]:
                x0, y0, x1, y1 = node["box"]
                assert left <= x0 + 0.5 and top <= y0 + 0.5 and x1 <= right + 0.5 and y1 <= bottom + 0.5, \
                    (frame, node["title"], node["box"], diagram[frame])
    assert errors == []
    page.close()
