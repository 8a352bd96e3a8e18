"""The ER explorer in a notebook: the exported document's explorer as a widget (anywidget), so a cell can
pan, zoom, find a table and click it for its neighbourhood, and Python sees what is focused.

The widget runs the same explorer code as the document (workbench.export.explorer.SHARED). The drawing
is cleaned like every SVG the workbench shows; names reach the page as data and are written as text.
`focus` and `depth` are synced both ways: set them from Python, or read what the person clicked.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from ..export.explorer import CSS, SHARED

ESM = SHARED + r"""
function frame(el, names) {
  const root = document.createElement("div");
  root.className = "wb-explorer";
  const bar = document.createElement("div");
  bar.className = "wb-bar";
  const input = document.createElement("input");
  const list = document.createElement("datalist");
  list.id = "wb-names-" + Math.random().toString(36).slice(2);
  input.setAttribute("list", list.id);
  input.placeholder = "find a table…";
  for (const name of names) { const o = document.createElement("option"); o.value = name; list.appendChild(o); }
  const depth = document.createElement("select");
  for (const d of [1, 2, 3]) { const o = document.createElement("option"); o.textContent = String(d); depth.appendChild(o); }
  const label = document.createElement("label");
  label.append("depth ", depth);
  bar.append(input, list, label);
  for (const [cls, text] of [["wb-out", "−"], ["wb-in", "+"], ["wb-fit", "fit"], ["wb-back", "back"]]) {
    const b = document.createElement("button"); b.type = "button"; b.className = cls; b.textContent = text; bar.appendChild(b);
  }
  const status = document.createElement("span"); status.className = "wb-status"; bar.appendChild(status);
  const view = document.createElement("div"); view.className = "wb-view";
  const canvas = document.createElement("div"); canvas.className = "wb-canvas"; view.appendChild(canvas);
  const focus = document.createElement("div"); focus.className = "wb-focus"; focus.hidden = true;
  root.append(bar, view, focus);
  el.appendChild(root);
  return {root, canvas, depth};
}

function render({model, el}) {
  const data = model.get("data");
  const {root, canvas, depth} = frame(el, Object.keys(data.tables).sort());
  canvas.innerHTML = model.get("svg");  // cleaned by the kernel: no scripts, handlers or outside links
  depth.value = String(model.get("depth"));
  const api = wbExplore(root, data, key => {
    if (model.get("focus") !== key) { model.set("focus", key); model.save_changes(); }
  });
  depth.addEventListener("change", () => { model.set("depth", Number(depth.value)); model.save_changes(); });
  model.on("change:focus", () => { const key = model.get("focus"); if (key) api.show(key, true); });
  model.on("change:depth", () => { depth.value = String(model.get("depth")); depth.dispatchEvent(new Event("change")); });
  if (model.get("focus")) api.show(model.get("focus"), false);
}
export default { render };
"""


class ERExplorer(anywidget.AnyWidget):
    """Pan, zoom, find and focus on an ER diagram in a notebook (see the module docstring)."""

    _esm = ESM
    _css = CSS.replace("var(--line)", "#d1d9e0").replace("var(--soft)", "#f6f8fa").replace("var(--muted)", "#59636e")
    svg = traitlets.Unicode("").tag(sync=True)
    data = traitlets.Dict().tag(sync=True)
    focus = traitlets.Unicode("").tag(sync=True)
    depth = traitlets.Int(1).tag(sync=True)

    def __init__(self, diagram: Any, **kwargs: Any) -> None:
        from ..export.explorer import graph_data
        from ..sanitize import clean_svg
        from ..secrets import redact

        svg = diagram.svg()
        super().__init__(svg=redact(clean_svg(svg[svg.find("<svg"):])), data=graph_data(diagram.schema), **kwargs)
