"""`workbench demo` / `make demo`: run the tour notebook and keep what it produced.

The tour (`notebooks/00-tour.ipynb`) is executed by a real Jupyter kernel in the output
folder, with a fresh workbench home there. It writes the design document (`tour.html`, and
`tour.md` with its assets); the executed notebook is saved next to it. Without
ANTHROPIC_API_KEY the `%%architect` cells are answered by the scripted model shipped with the
notebooks, and the output says so; with a key the real model answers.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from .config import DEMO_HOME_NAME, PROJECT_ROOT, has_api_credentials
from .errors import WorkbenchError

TOUR = PROJECT_ROOT / "notebooks" / "00-tour.ipynb"


class DemoFailed(WorkbenchError):
    """A cell of the tour failed."""


def run_notebook(notebook: Path, workdir: Path, *, home: Path, timeout: int = 600, out: TextIO | None = None,
                 extra_env: dict[str, str] | None = None) -> Any:
    """Execute a notebook with a real kernel in `workdir`, with WORKBENCH_HOME=`home`; returns the executed nb.

    Each code cell is reported on `out` as it finishes. A failing cell raises DemoFailed with its
    error; the partly executed notebook is on the exception as `.notebook`.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    previous = [time.perf_counter()]  # cells run one after another: time since the last one finished

    def on_executed(cell: Any, cell_index: int, execute_reply: Any) -> None:
        now = time.perf_counter()
        elapsed = now - previous[0]
        previous[0] = now
        if out is None:
            return
        n = code_cells.index(cell_index) + 1 if cell_index in code_cells else 0
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        out.write(f"  [{n:>2}/{len(code_cells)}] {first[:60]:<60} {elapsed:6.2f} s\n")
        out.flush()

    env_before = {k: os.environ.get(k) for k in ("WORKBENCH_HOME", *(extra_env or {}))}
    os.environ["WORKBENCH_HOME"] = str(home)  # the kernel inherits the environment
    os.environ.update(extra_env or {})
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # not the loopback-TCP notice
                            resources={"metadata": {"path": str(workdir)}}, on_cell_executed=on_executed,
                            on_notebook_start=lambda notebook: previous.__setitem__(0, time.perf_counter()))
    try:
        client.execute()
    except CellExecutionError as exc:
        error = DemoFailed(f"A cell of {notebook.name} failed:\n{_short(str(exc))}")
        error.notebook = nb
        raise error from None
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def _short(text: str, lines: int = 25) -> str:
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    parts = text.strip().splitlines()
    return "\n".join(parts[-lines:])


def run_demo(output_dir: str | Path = "build", out: TextIO = sys.stdout) -> int:
    """Execute the tour into `output_dir`; print what was written. Returns the exit code."""
    import nbformat

    output = Path(output_dir).resolve()
    output.mkdir(parents=True, exist_ok=True)
    home = output / DEMO_HOME_NAME
    shutil.rmtree(home, ignore_errors=True)  # a fresh design every run: the tour starts from nothing
    if has_api_credentials():
        out.write("Architect Workbench demo: the real model answers (ANTHROPIC_API_KEY is set).\n")
    else:
        out.write("Architect Workbench demo: ANTHROPIC_API_KEY is not set, so the %%architect cells are answered\n"
                  "by a SCRIPTED model (notebooks/scripts/00-tour.yaml), not by Claude. Everything else is real:\n"
                  "SQLite, Graphviz, the Jupyter kernel and the anthropic SDK over HTTP.\n")
    out.write(f"Running {TOUR.relative_to(PROJECT_ROOT)} in a Jupyter kernel …\n")
    out.flush()
    started = time.perf_counter()
    executed = output / TOUR.name
    try:
        nb = run_notebook(TOUR, output, home=home, out=out)
    except DemoFailed as exc:
        nbformat.write(exc.notebook, executed)
        out.write(f"\nThe tour failed; the notebook as far as it ran is in {executed}\n")
        raise
    nbformat.write(nb, executed)
    elapsed = time.perf_counter() - started
    document = output / "tour.html"
    if not document.is_file():
        raise DemoFailed(f"The tour ran but wrote no {document}.")
    out.write(f"\nDone in {elapsed:.1f} s.\n"
              f"  design document   {document}  ({document.stat().st_size / 1024:,.0f} KiB, one self-contained file)\n"
              f"  as Markdown       {output / 'tour.md'}  (+ {output / 'tour_files'}/)\n"
              f"  executed notebook {executed}\n"
              f"  design store      {home / 'workbench.db'}\n"
              "Open the document in a browser, or the notebook with `make lab`.\n")
    return 0


if __name__ == "__main__":
    sys.exit(run_demo(os.environ.get("WORKBENCH_DEMO_OUT", "build")))
