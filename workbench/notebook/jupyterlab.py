"""Start JupyterLab for the workbench (`make lab`): notebooks/ as the root, widget state saved with
the notebook (so the design explorer comes back after a reload), and no calls out to the internet
for news or update checks.

    python -m workbench.notebook.jupyterlab [FOLDER] [JUPYTERLAB OPTIONS…]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SETTINGS = Path(__file__).resolve().with_name("lab-settings")  # overrides.json: saveState, no news


def command(root: str | Path, *extra: str) -> list[str]:
    """The argv that starts JupyterLab on `root` with the workbench's settings."""
    argv = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
            f"--LabApp.app_settings_dir={SETTINGS}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI run as root; JupyterLab refuses without this
    return argv + list(extra)


def main(args: list[str] | None = None) -> None:
    args = sys.argv[1:] if args is None else args
    root = args[0] if args and not args[0].startswith("-") else "notebooks"
    extra = args[1:] if args and not args[0].startswith("-") else args
    argv = command(root, *extra)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
