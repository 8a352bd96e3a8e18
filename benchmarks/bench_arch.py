"""Architecture rendering: a 200-node, 400-edge spec to self-contained SVG (target: at most 3 s),
and the number of embedded images for 50 nodes of 8 kinds (target: exactly 8)."""

from __future__ import annotations

from common import measure, report

from workbench.testing.synthetic import ARCH_KINDS as KINDS
from workbench.testing.synthetic import synthetic_spec as spec


def main() -> None:
    from workbench.architecture import Architecture

    rows = []
    big = Architecture.from_dict(spec(200, 400, KINDS))
    findings = big.lint()
    m = measure(lambda: big.render(findings=findings), repeat=3)
    rows.append({"case": "200 nodes, 400 edges → SVG (lint highlights on)", "median_s": m["median_s"],
                 "max_s": m["max_s"], "images": big.render().count("<image")})
    small = Architecture.from_dict(spec(50, 60, KINDS[:8]))
    m = measure(lambda: small.render(), repeat=5)
    rows.append({"case": "50 nodes of 8 kinds → SVG", "median_s": m["median_s"], "max_s": m["max_s"],
                 "images": small.render().count("<image")})
    report("architecture", rows, notes=["targets: 200/400 in at most 3 s; 50 nodes of 8 kinds embed exactly 8 images"])


if __name__ == "__main__":
    main()
