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


# Every magic (and each of its subcommands) and every CLI command, with its Python twin: the
# object a script calls to do the same thing. A new surface needs a row here.
TWINS = {
    "%%architect": "workbench.agent.session.Architect.ask",
    "%architect history": "workbench.design.aggregate.Design.history_markdown",
    "%architect reset": "workbench.design.aggregate.Design.reset_conversation",
    "%architect cost": "workbench.design.aggregate.Design.cost_table",
    "%architect model": "workbench.agent.session.Architect.use_model",
    "%architect agents": "workbench.subagent.agents_table",
    "%architect tools": "workbench.agent.registry.ToolRegistry.table",
    "%architect doctor": "workbench.doctor.report",
    "%architect script": "workbench.agent.session.Architect",  # Architect(design, script=PATH)
    "%%schema": "workbench.design.aggregate.Design.add_schema_ddl",
    "%er": "workbench.schema.model.Schema.er",
    "%%arch": "workbench.design.aggregate.Design.add_architecture",
    "%%lab": "workbench.design.aggregate.Design.run_sql",
    "%%load": "workbench.design.aggregate.Design.run_load",
    "%migrate": "workbench.design.aggregate.Design.rehearse_migration",  # %migrate rehearse
    "%migrate project": "workbench.design.aggregate.Design.project_migration",
    "%lab reset": "workbench.design.aggregate.Design.reset_lab",
    "%lab gc": "workbench.lab.gc.gc",
    "workbench lab": "workbench.lab.gc.gc",
    "workbench agent": "workbench.subagent.AgentDefinition.claude_code_file",
    "%design show": "workbench.design.aggregate.Design.overview",
    "%design list": "workbench.design.aggregate.designs_table",
    "%design use": "workbench.design",
    "%design requirements": "workbench.design.aggregate.Design.targets",
    "%design verify": "workbench.design.aggregate.Design.verify",
    "%design capacity": "workbench.design.aggregate.Design.capacity",
    "%%requirements": "workbench.design.aggregate.Design.record_requirement",
    "%design export": "workbench.design.aggregate.Design.export",
    "%design explore": "workbench.notebook.widgets.explorer",
    "%design experiment": "workbench.notebook.widgets.experiment_panel",
    "workbench ask": "workbench.agent.session.Architect.ask",
    "workbench er": "workbench.schema.model.Schema.er",
    "workbench lint": "workbench.schema.model.Schema.lint",
    "workbench diff": "workbench.schema.model.Schema.diff",
    "workbench arch": "workbench.architecture.spec.Architecture.render",
    "workbench mcp": "workbench.mcp.build",
    "workbench export": "workbench.export.export_design",
    "workbench demo": "workbench.demo.run_demo",
    "workbench doctor": "workbench.doctor.report",
}


def _resolve(path: str):
    import importlib

    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def test_every_magic_and_command_has_a_documented_python_twin():
    surfaces = set()
    for name in _magics()["cell"]:
        surfaces.add(f"%%{name}")
    for name, func in _magics()["line"].items():
        subcommands = re.findall(r"^%\w+ (.+)$", (func.__doc__ or "").strip().splitlines()[0])
        words = [w.split()[0] for w in subcommands[0].split(" | ")] if subcommands else []
        surfaces |= {f"%{name} {w}" for w in words} if words else {f"%{name}"}
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    surfaces |= {f"workbench {name}" for name in sub.choices}
    assert surfaces - set(TWINS) == set(), "surfaces without a Python twin in TWINS"
    for surface, path in TWINS.items():
        twin = _resolve(path)
        doc = twin.__doc__ if not isinstance(twin, property) else twin.fget.__doc__
        assert doc and doc.strip(), f"the twin of {surface} ({path}) has no docstring"
