"""ER overviews of big schemas: time and page shape, the clustered-and-packed overview vs one `dot` run.

Synthetic schemas (1,000 / 2,000 / 5,000 tables, ~1.5 foreign keys each) and the corpus files.
- workbench: `schema.er(overview=True).svg()` (clusters laid out apart, packed; stubs, hub copies);
- one dot run: the previous overview (every table and foreign key in one `dot` graph, straight edges,
  bounded network simplex), built here from the same schema.
Targets (issue 13): 1,000 tables <= 2 s, 5,000 <= 10 s; aspect ratio between 1:3 and 3:1.

    python benchmarks/bench_overview.py [--sizes 1000,2000,5000] [--baseline-limit 2000]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from common import report

HERE = Path(__file__).resolve().parent


def _shape(svg: str) -> tuple[float, float]:
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    return width, height


def one_dot_run(schema) -> str:
    """The overview as it was drawn before: every table in one dot graph."""
    from workbench.schema.er import _id, run_dot

    lines = ['digraph ER {', '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=1.4, '
             'splines=line, nslimit=2, nslimit1=2, mclimit=0.3];', '  node [shape=box, fontname="Helvetica", fontsize=10];']
    for table in schema.tables.values():
        lines.append(f"  {_id(table.key)} [label={_id(table.key)}];")
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            if fk.ref_table in schema.tables:
                lines.append(f"  {_id(table.key)} -> {_id(fk.ref_table)};")
    lines.append("}")
    return run_dot("\n".join(lines), "svg").decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,5000")
    parser.add_argument("--baseline-limit", type=int, default=2000, help="largest size to run the one-dot baseline on")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from workbench.schema import Schema
    from workbench.testing.synthetic import synthetic_ddl

    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        schema = Schema.from_ddl(synthetic_ddl(n), "postgres")
        start = time.perf_counter()
        svg = schema.er(overview=True).svg()
        ours = time.perf_counter() - start
        width, height = _shape(svg)
        row = {"case": f"{n:,} synthetic tables", "workbench_s": round(ours, 2),
               "aspect": round(max(width, height) / min(width, height), 2), "page_pt": f"{width:.0f}x{height:.0f}"}
        if n <= args.baseline_limit:
            start = time.perf_counter()
            old = one_dot_run(schema)
            base = time.perf_counter() - start
            ow, oh = _shape(old)
            row.update({"one_dot_s": round(base, 2), "one_dot_aspect": round(max(ow, oh) / min(ow, oh), 2),
                        "speedup": round(base / ours, 1)})
        rows.append(row)
    corpus = HERE.parent.parent / "shared" / "corpus"
    if corpus.exists():
        from workbench.testing.fidelity import dialect_of

        for path in sorted(corpus.glob("*.sql")):
            schema = Schema.from_ddl(path.read_text(encoding="utf-8"), dialect_of(path))
            start = time.perf_counter()
            diagram = schema.er(overview=True)
            svg = diagram.svg()
            took = time.perf_counter() - start
            width, height = _shape(svg)
            rows.append({"case": f"{path.stem} ({len(schema.tables)} tables)", "workbench_s": round(took, 2),
                         "aspect": round(max(width, height) / min(width, height), 2),
                         "page_pt": f"{width:.0f}x{height:.0f}"})
    report("overview", rows, notes=["targets: 1,000 tables <= 2 s, 5,000 <= 10 s, aspect <= 3",
                                    "one_dot = every table and foreign key in one dot run (the overview before)"])


if __name__ == "__main__":
    sys.exit(main())
