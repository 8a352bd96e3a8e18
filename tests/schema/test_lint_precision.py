"""Lint precision on real schemas: the findings labelled in fixtures/lint_labels.json (by reading the corpus
schemas) that the rules produce now are at least 95% true, on at least 150 such findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.schema import Schema
from workbench.testing.fidelity import dialect_of

from ..conftest import CI, CORPUS

LABELS = json.loads((Path(__file__).parent / "fixtures" / "lint_labels.json").read_text())["findings"]


def test_precision_on_labelled_corpus_findings():
    files = sorted({entry["file"] for entry in LABELS})
    if not all((CORPUS / f).exists() for f in files):
        if CI:
            pytest.fail(f"the schema corpus is missing at {CORPUS}")
        pytest.skip("schema corpus not present")
    produced = set()
    for name in files:
        path = CORPUS / name
        for finding in Schema.from_ddl(path.read_text(encoding="utf-8"), dialect_of(path)).lint():
            produced.add((name, finding.rule, finding.table, finding.column))
    judged = [e for e in LABELS if (e["file"], e["rule"], e["table"], e["column"]) in produced]
    true = sum(1 for e in judged if e["label"])
    assert len(judged) >= 150, f"only {len(judged)} labelled findings are produced: relabel the sample"
    false = [(e["file"], e["rule"], e["table"], e["column"], e["note"]) for e in judged if not e["label"]]
    assert true / len(judged) >= 0.95, f"precision {true}/{len(judged)}; false positives: {false}"


def test_every_label_says_why():
    assert all(entry["note"] for entry in LABELS)
    assert len({(e["file"], e["rule"], e["table"], e["column"]) for e in LABELS}) == len(LABELS)
