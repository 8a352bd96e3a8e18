"""Drift checks: set-up files agree with each other, and every magic and command is documented."""

from __future__ import annotations

import re

import tomllib
import yaml

from workbench.cli import build_parser

from .conftest import PROJECT

# pip name → conda-forge name where they differ
CONDA_NAMES = {"graphviz": "python-graphviz", "matplotlib": "matplotlib-base", "psycopg[binary]": "psycopg"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_every_pyproject_dependency():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    wanted = [_name(r) for r in project["dependencies"]]
    wanted += [_name(r) for extra in ("postgres", "mysql") for r in project["optional-dependencies"][extra]]
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert "graphviz" in conda, "the Graphviz binary must come with the conda environment"
    missing = [w for w in wanted if CONDA_NAMES.get(w, w) not in conda]
    assert missing == []
    assert "conda-forge" in env["channels"]


def test_readme_shows_the_two_commands_and_ci_calls_make_test():
    readme = (PROJECT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (PROJECT / ".ci" / "run").read_text()
    makefile = (PROJECT / "Makefile").read_text()
    for target in ("demo:", "test:", "lab:"):
        assert target in makefile


def _magics():
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.notebook.magics import WorkbenchMagics

    return WorkbenchMagics(InteractiveShell.instance()).magics


def test_every_magic_has_help_and_a_readme_mention():
    readme = (PROJECT / "README.md").read_text()
    for kind, prefix in (("line", "%"), ("cell", "%%")):
        for name, func in _magics()[kind].items():
            assert func.__doc__ and func.__doc__.strip(), f"{prefix}{name} has no help"
            assert f"{prefix}{name}" in readme, f"README does not mention {prefix}{name}"


def test_every_cli_command_has_help_and_a_readme_mention():
    readme = (PROJECT / "README.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert command.description, f"workbench {name} has no help"
        assert f"workbench {name}" in readme, f"README does not mention `workbench {name}`"
