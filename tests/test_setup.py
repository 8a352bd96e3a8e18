"""The set-up `make demo` runs installs what the workbench needs at run time: the official AsyncAPI JSON Schemas
too (before, only the test set-up did, so after `make demo` alone every AsyncAPI contract was refused). Run for real
in a copy of the project (the workbench's code and scripts/setup.sh; a stand-in package for pip to install, so
nothing is fetched from PyPI), with real npm."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT, need

SPECS = Path(".cache/asyncapi/node_modules/@asyncapi/specs/schemas/3.0.0.json")
CHECK = """
import workbench
from workbench.errors import DesignError
from workbench.design.contracts import AsyncAPIContract
assert workbench.__file__.startswith({root!r}), workbench.__file__
try:
    print(AsyncAPIContract("asyncapi: 3.0.0\\ninfo: {{title: Events, version: '1'}}\\nchannels: {{}}\\n").summary())
except DesignError as exc:
    print("REFUSED", exc, "HINT", exc.hint)
"""


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "workbench", root / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "scripts").mkdir()
    shutil.copy2(PROJECT / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    (root / "setup.py").write_text('from setuptools import setup\nsetup(name="standin", version="0", packages=[], '
                                   'extras_require={"dev": [], "postgres": [], "mysql": []})\n')
    return root


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_ASYNCAPI_SPECS"}
    # pip installs the stand-in from the copy alone: no index, the legacy editable install (no wheel package)
    env.update(PIP_NO_INDEX="1", PIP_USE_PEP517="false", npm_config_prefer_offline="true",
               PYTHON=getattr(sys, "_base_executable", sys.executable))
    return env


def _check(root: Path) -> str:
    env = {**_env(), "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, "-c", CHECK.format(root=str(root))], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _setup(root: Path, *args: str) -> str:
    run = subprocess.run(["bash", str(root / "scripts" / "setup.sh"), *args], capture_output=True, text=True,
                         env=_env(), timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def test_make_demo_runs_the_set_up_that_installs_the_asyncapi_schemas(tmp_path):
    # as a user types it: not inside another make (CI's `make test`), whose MAKEFLAGS would print directories
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry = subprocess.run(["make", "-n", "--no-print-directory", "demo"], cwd=PROJECT, capture_output=True,
                         text=True, timeout=60, env=env)
    assert dry.returncode == 0, dry.stderr
    steps = dry.stdout.splitlines()
    assert "scripts/setup.sh --runtime" in steps and steps[-1].endswith("workbench demo"), steps
    from workbench.design.contracts import SPECS_VERSION

    pinned = re.search(r"^ASYNCAPI_SPECS_VERSION=(\S+)$", (PROJECT / "scripts" / "setup.sh").read_text(), re.M)
    assert pinned and pinned.group(1) == SPECS_VERSION


def test_the_main_set_up_installs_the_asyncapi_schemas_and_the_error_says_the_command(tmp_path, isolated):
    need(shutil.which("npm") is not None, "npm is not installed (sudo apt-get install -y npm)")
    root = _copy(tmp_path)
    refused = _check(root)  # nothing installed yet: refused, with the exact command to run
    command = f"{root}/scripts/setup.sh --runtime"
    assert refused.startswith("REFUSED") and f"Run: {command} " in refused, refused
    assert f"npm install --prefix {root}/.cache/asyncapi @asyncapi/specs@" in refused
    _setup(root, "--runtime")  # the command the error names
    assert (root / SPECS).is_file() and _check(root).startswith("AsyncAPI 3.0.0: 0 channels")
    shutil.rmtree(root / ".cache")
    out = _setup(root)  # the main set-up, as `make demo` runs it on a fresh machine
    assert "setup: done." in out and (root / SPECS).is_file(), out
    assert _check(root).startswith("AsyncAPI 3.0.0")
    again = _setup(root, "--runtime")  # idempotent: nothing to do the second time
    assert "installing" not in again, again
