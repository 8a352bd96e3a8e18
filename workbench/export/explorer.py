"""The ER explorer inside the exported document: pan, zoom, find a table, click it for its neighbourhood.

The page's Content-Security-Policy allows exactly this script (by its SHA-256) and nothing else, so
the document stays offline and inert otherwise. The schema comes as a JSON data block (never run), and
the script writes every name with textContent or SVG text nodes, never as markup: model text in a
table or column name stays text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any

SHARED = r"""
  const NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function neighbours(data, key, depth) {
    const seen = new Map([[key, 0]]), queue = [key];
    while (queue.length) {
      const k = queue.shift(), d = seen.get(k);
      if (d >= depth) continue;
      for (const n of (data.links[k] || [])) if (!seen.has(n)) { seen.set(n, d + 1); queue.push(n); }
    }
    return seen;
  }
  function focusView(data, key, depth) {
    const started = performance.now();
    const seen = neighbours(data, key, depth), t = data.tables[key];
    const parents = [], children = [], others = [];
    for (const [k, d] of seen) {
      if (k === key) continue;
      if (t.refs.some(r => r[1] === k)) parents.push(k);
      else if ((data.tables[k].refs || []).some(r => r[1] === key)) children.push(k);
      else others.push(k);
    }
    const colW = 230, rowH = 16, gap = 26;
    const columns = [parents, [key], children.concat(others)];
    const boxes = {};
    let height = 0;
    columns.forEach((keys, c) => {
      let y = 10;
      keys.sort().forEach(k => {
        const table = data.tables[k];
        const lines = k === key ? table.columns.slice(0, 40) : table.columns.filter(x => x[2]).slice(0, 8);
        const h = rowH * (lines.length + 1) + 8;
        boxes[k] = {x: 10 + c * (colW + 90), y: y, w: colW, h: h, lines: lines};
        y += h + gap;
      });
      height = Math.max(height, y);
    });
    const svg = el("svg", {width: 3 * colW + 200, height: height + 10, class: "wb-focus-svg"});
    for (const k in boxes) {
      const table = data.tables[k];
      for (const r of table.refs) if (boxes[r[1]]) {
        const a = boxes[k], b = boxes[r[1]];
        const x1 = a.x < b.x ? a.x + a.w : a.x, x2 = a.x < b.x ? b.x : b.x + b.w;
        svg.appendChild(el("line", {x1: x1, y1: a.y + 12, x2: x2, y2: b.y + 12, stroke: "#5f6b7a"}));
      }
    }
    for (const k in boxes) {
      const b = boxes[k], g = el("g", {class: "wb-focus-table", "data-table": k});
      g.appendChild(el("rect", {x: b.x, y: b.y, width: b.w, height: b.h, rx: 4,
                                fill: k === key ? "#cfe3ff" : "#fff", stroke: "#8a99ad"}));
      g.appendChild(el("text", {x: b.x + 6, y: b.y + 15, "font-weight": "bold", "font-size": 12}, k));
      b.lines.forEach((c, i) => g.appendChild(el("text", {x: b.x + 6, y: b.y + 15 + rowH * (i + 1),
        "font-size": 11, fill: "#3c4858"}, c[0] + "  " + c[1] + (c[2] ? "  " + c[2] : ""))));
      svg.appendChild(g);
    }
    return {svg: svg, ms: performance.now() - started, shown: Object.keys(boxes)};
  }
  function wbExplore(root, data, onFocus) {
    const view = root.querySelector(".wb-view"), canvas = root.querySelector(".wb-canvas");
    const focus = root.querySelector(".wb-focus"), status = root.querySelector(".wb-status");
    const input = root.querySelector("input"), depth = root.querySelector("select");
    let scale = 1, x = 0, y = 0, drag = null;
    const history = [];
    const apply = () => { canvas.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; };
    const nodes = new Map();
    canvas.querySelectorAll("g.node").forEach(g => {
      const title = g.querySelector("title");
      if (title && data.tables[title.textContent]) nodes.set(title.textContent, g);
    });
    function center(g) {
      const box = g.getBBox(), svg = canvas.querySelector("svg");
      const m = g.getCTM(), s = svg.getCTM();
      const px = (box.x + box.width / 2) * m.a + m.e - s.e, py = (box.y + box.height / 2) * m.d + m.f - s.f;
      scale = Math.max(scale, 1);
      x = view.clientWidth / 2 - px * scale; y = view.clientHeight / 2 - py * scale; apply();
    }
    function show(key, remember) {
      if (!data.tables[key]) { status.textContent = "No table " + key; return; }
      if (root.dataset.focus === key && !focus.hidden && remember) return;
      if (remember && root.dataset.focus) history.push(root.dataset.focus);
      root.dataset.focus = key;
      const out = focusView(data, key, Number(depth.value));
      focus.replaceChildren(out.svg);
      focus.hidden = false;
      root.dataset.focusMs = out.ms.toFixed(1);
      status.textContent = key + ": " + (out.shown.length - 1) + " neighbour(s) within " + depth.value;
      nodes.forEach(g => g.classList.remove("wb-hit"));
      if (nodes.has(key)) { nodes.get(key).classList.add("wb-hit"); center(nodes.get(key)); }
      if (onFocus) onFocus(key);
    }
    input.addEventListener("change", () => show(input.value.trim(), true));
    input.addEventListener("keydown", e => { if (e.key === "Enter") show(input.value.trim(), true); });
    depth.addEventListener("change", () => { if (root.dataset.focus) show(root.dataset.focus, false); });
    root.querySelector(".wb-in").addEventListener("click", () => { scale *= 1.25; apply(); });
    root.querySelector(".wb-out").addEventListener("click", () => { scale /= 1.25; apply(); });
    root.querySelector(".wb-fit").addEventListener("click", () => { scale = 1; x = 0; y = 0; apply(); });
    root.querySelector(".wb-back").addEventListener("click", () => {
      const previous = history.pop();
      if (previous) show(previous, false);
      else { focus.hidden = true; delete root.dataset.focus; status.textContent = ""; }
    });
    focus.addEventListener("click", e => {
      const g = e.target.closest(".wb-focus-table");
      if (g && g.dataset.table !== root.dataset.focus) show(g.dataset.table, true);
    });
    canvas.addEventListener("click", e => {
      const g = e.target.closest("g.node");
      const title = g && g.querySelector("title");
      if (title && data.tables[title.textContent] && !root.dataset.dragged) show(title.textContent, true);
    });
    view.addEventListener("wheel", e => {
      e.preventDefault();
      const factor = e.deltaY < 0 ? 1.15 : 1 / 1.15, r = view.getBoundingClientRect();
      const mx = e.clientX - r.left, my = e.clientY - r.top;
      x = mx - (mx - x) * factor; y = my - (my - y) * factor; scale *= factor; apply();
    }, {passive: false});
    view.addEventListener("pointerdown", e => { drag = {x: e.clientX - x, y: e.clientY - y, moved: false};
                                                  delete root.dataset.dragged; });
    view.addEventListener("pointermove", e => {
      if (!drag) return;
      x = e.clientX - drag.x; y = e.clientY - drag.y;
      if (Math.abs(x) + Math.abs(y) > 3) drag.moved = true;
      apply();
    });
    view.addEventListener("pointerup", () => { if (drag && drag.moved) root.dataset.dragged = "1"; drag = null; });
    root.classList.add("wb-ready");
    return {show: show};
  }
"""

# the exported document: every explorer on the page, each with its JSON data block
SCRIPT = "(function () {" + SHARED + """
  document.querySelectorAll(".wb-explorer").forEach(root =>
    wbExplore(root, JSON.parse(document.getElementById(root.dataset.graph).textContent)));
})();
"""

CSS = """
.wb-explorer { border: 1px solid var(--line); border-radius: 6px; margin: 14px 0 22px; }
.wb-bar { display: flex; gap: 6px; align-items: center; padding: 6px 8px; background: var(--soft);
          border-bottom: 1px solid var(--line); font-size: 13px; }
.wb-bar input { flex: 0 0 260px; padding: 3px 6px; }
.wb-view { height: 560px; overflow: hidden; position: relative; cursor: grab; background: #fff; }
.wb-canvas { transform-origin: 0 0; }
.wb-canvas svg { max-width: none; }
.wb-canvas g.node { cursor: pointer; }
.wb-canvas g.wb-hit polygon, .wb-canvas g.wb-hit path { stroke: #d93025; stroke-width: 3; }
.wb-focus { border-top: 1px solid var(--line); overflow: auto; max-height: 480px; padding: 6px; }
.wb-focus .wb-focus-table { cursor: pointer; }
.wb-status { color: var(--muted); margin-left: 8px; }
"""


def script_hash() -> str:
    """The CSP source that allows exactly the explorer's script."""
    digest = hashlib.sha256(SCRIPT.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def graph_data(schema: Any) -> dict:
    """What the explorer reads: per table its columns (name, type, key markers) and references."""
    tables: dict[str, Any] = {}
    links: dict[str, set[str]] = {}
    for table in schema.tables.values():
        fk_columns = {c.lower() for fk in table.foreign_keys for c in fk.columns}
        pk = {c.lower() for c in table.primary_key}
        columns = [[c.name, c.type, " ".join(m for m, on in (("PK", c.name.lower() in pk),
                                                            ("FK", c.name.lower() in fk_columns)) if on)]
                   for c in table.columns.values()]
        refs = [[list(fk.columns), fk.ref_table] for fk in table.foreign_keys if fk.ref_table in schema.tables]
        tables[table.key] = {"columns": columns, "refs": refs}
        for _, target in refs:
            links.setdefault(table.key, set()).add(target)
            links.setdefault(target, set()).add(table.key)
    return {"tables": tables, "links": {k: sorted(v) for k, v in links.items()}}


def script_json(data: Any) -> str:
    """JSON to put inside a <script> element. Escaping `</` is not enough: a `<!--` followed by `<script`
    (a table named `<!--<script>`) puts the HTML parser in the script's "double escaped" state, where the
    block's own `</script>` no longer ends it and the rest of the page is swallowed. With every `<` (and
    `>`, `&`) written as a JSON \\u escape the element holds no markup at all; JSON.parse reads the same text."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explorer_html(prefix: str, svg: str, data: dict, caption: str) -> str:
    """The figure as an explorer: toolbar, the drawing in a pannable view, the focus panel, the data block."""
    block = script_json(data)
    names = "".join(f'<option value="{html.escape(k)}">' for k in sorted(data["tables"]))
    return (f'<div class="wb-explorer" data-graph="{prefix}-data">'
            f'<div class="wb-bar"><input list="{prefix}-names" placeholder="find a table…" aria-label="find a table">'
            f'<datalist id="{prefix}-names">{names}</datalist>'
            '<label>depth <select><option>1</option><option>2</option><option>3</option></select></label>'
            '<button class="wb-out" type="button">−</button><button class="wb-in" type="button">+</button>'
            '<button class="wb-fit" type="button">fit</button><button class="wb-back" type="button">back</button>'
            '<span class="wb-status"></span></div>'
            f'<div class="wb-view"><div class="wb-canvas">{svg}</div></div><div class="wb-focus" hidden></div>'
            f'<script type="application/json" id="{prefix}-data">{block}</script>'
            f'<p class="note">{html.escape(caption)} — drag to pan, wheel to zoom, click a table or find one for '
            f'its neighbourhood.</p></div>')
