"""Schema fidelity on real schemas: for every file in ../shared/corpus, the five properties of issue 11.

For each file: tables and foreign keys as parsed, and as the database reports them after loading the
file into a fresh database of its dialect (PostgreSQL, MariaDB, SQLite); changes the diff finds between
the parsed schema and the live one (should be 0); statements skipped and reported; the same-dialect
round trip (our DDL loaded into a fresh database: errors, and changes against the original); and our
DDL for the two other dialects (errors when loaded). Timings: parse, reflect, diff, against sqlglot's
own parse of the same text.

    .venv/bin/python benchmarks/bench_schema_fidelity.py [FILE …] [--details]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from common import report

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("WORKBENCH_SHARED") or HERE.parents[1] / "shared") / "corpus"


def measure(path: Path, folder: Path, details: bool) -> dict:
    import logging

    import sqlglot

    from workbench.testing.fidelity import check_file, dialect_of

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)  # its fallback warnings are not ours
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    try:
        sqlglot.parse(text.replace("\\", ""), read=dialect_of(path, text), error_level=sqlglot.ErrorLevel.IGNORE)
    except Exception:  # noqa: BLE001 - sqlglot's own parse is only the time anchor
        pass
    anchor = time.perf_counter() - started
    r = check_file(path, folder)
    ours = r.timings["parse_s"] + r.timings.get("reflect_s", 0) + r.timings.get("diff_s", 0)
    row = {"case": path.name, "sqlglot_s": anchor, **r.timings, "ours/sqlglot": ours / anchor,
           "tables": r.tables, "fks": r.fks, "skipped": r.skipped,
           "live_tables": r.live_tables if not r.gaps else "gap", "live_fks": r.live_fks if not r.gaps else "gap",
           "spurious": len(r.spurious), "explained": len(r.explained), "load_errors": len(r.load_errors),
           "same_errors": len(r.same_errors), "same_changes": len(r.same_changes),
           "cross_errors": " ".join(f"{t[:2]}:{len(e)}" for t, e in r.cross_errors.items()),
           "cross_notes": " ".join(f"{t[:2]}:{n}" for t, n in r.cross_notes.items())}
    if details:
        for g in r.gaps:
            print(f"  {path.name} gap: {g}")
        for e in r.load_errors[:10]:
            print(f"  {path.name} load: {e}")
        for c in r.changes[:25]:
            print(f"  {path.name} diff{' (explained)' if c in r.explained else ''}: {c.text()}")
        for e in r.same_errors[:10]:
            print(f"  {path.name} same-dialect: {e}")
        for c in r.same_changes[:10]:
            print(f"  {path.name} same-dialect diff: {c.text()}")
        for t, errors in r.cross_errors.items():
            for e in errors[:10]:
                print(f"  {path.name} → {t}: {e}")
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*")
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args()
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="wb-fidelity-"))
    files = [CORPUS / f for f in args.files] if args.files else sorted(CORPUS.glob("*.sql"))
    rows = []
    for path in files:
        try:
            rows.append(measure(path, folder, args.details))
        except Exception as exc:  # noqa: BLE001 - report and go on with the other files
            rows.append({"case": path.name, "error": f"{type(exc).__name__}: {str(exc)[:120]}"})
            print(f"{path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    report("schema_fidelity", rows, notes=[
        "ours = parse + reflect + diff seconds; spurious = changes diff() finds between the parsed file and the "
        "database it was loaded into (target 0), explained = those about objects the database refused to make from "
        "the file itself; same = our DDL in its own dialect (load errors, changes); cross = our DDL in the other "
        "dialects (load errors, downgrade notes); gap = the server cannot run the file (see --details)"])


if __name__ == "__main__":
    main()
