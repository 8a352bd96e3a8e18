"""The house rules of DESIGN.md, checked on the source (every import, lazy ones included):

- imports follow the direction notebook/cli/mcp → agent/export → design → lab → schema/architecture,
  and shared leaf modules (config, errors, …) import none of those layers;
- no circle between packages;
- nothing outside design/ touches the store or a private of Design (`.store`, `._row`);
- nothing in lab/ outside its drivers branches on the engine (`dialect ==`);
- no module name means two things (one render.py, one Plan, one Table…).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
LEVEL = {"notebook": 5, "cli": 5, "mcp": 5, "demo": 5, "doctor": 5, "testing": 5, "__init__": 6,
         "agent": 4, "export": 4, "design": 3, "lab": 2, "schema": 1, "architecture": 1}
LEAVES = {"config", "errors", "grid", "findings", "graphs", "yamltext", "subagent", "secrets", "sanitize", "processes", "interrupts",
          "mermaid"}  # level 0


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _unit(module: str) -> str:
    """The layer a module belongs to: its subpackage, or its own name for top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _level(unit: str) -> int:
    if unit in LEAVES:
        return 0
    assert unit in LEVEL, f"workbench.{unit} has no place in the layer map of this test: add it"
    return LEVEL[unit]


def _imports(module: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported workbench module, line) for every import in the file, wherever it is."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("workbench")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("workbench"):
                submodules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
                found += [(n, node.lineno) for n in submodules] or [(target, node.lineno)]
    return found


def test_imports_follow_the_layers_and_packages_have_no_circles():
    modules = _modules()
    wrong, graph = [], defaultdict(set)
    for module, path in modules.items():
        me = _unit(module)
        for target, line in _imports(module, path, modules):
            other = _unit(target)
            if other == me or target == "workbench":
                continue
            graph[me].add(other)
            if _level(other) > _level(me):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} {me} imports {other}")
    assert wrong == []
    circles = [(a, b) for a in graph for b in graph[a] if a in graph.get(b, ()) and a < b]
    assert circles == []


def test_only_design_touches_the_store_and_design_privates():
    found = []
    for module, path in _modules().items():
        if _unit(module) == "design":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("store", "_row"):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} .{node.attr}")
    assert found == []


def test_the_lab_speaks_to_engines_only_through_drivers():
    found = []
    for path in (PACKAGE / "lab").rglob("*.py"):
        if "drivers" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"dialect\s*(==|!=)|dialect\s+in\s*[({\[]", line):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert found == []
    modules = {p.stem for p in (PACKAGE / "lab" / "drivers").glob("*.py")} - {"__init__", "base"}
    engines = sorted(m for m in modules if not m.endswith("_admin"))
    assert engines == ["mysql", "postgres", "sqlite"]
    # an engine's administration (the privileged side that makes principals) sits beside that engine's driver
    assert {m.removesuffix("_admin") for m in modules if m.endswith("_admin")} <= set(engines)


def test_names_say_one_thing():
    classes, files = defaultdict(list), defaultdict(list)
    for path in PACKAGE.rglob("*.py"):
        files[path.name].append(path)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                classes[node.name].append(path)
    twice = {name: paths for name, paths in classes.items() if len(paths) > 1}
    assert twice == {}
    # the same role in two domains (schema and architecture each have a lint and a report) is one meaning
    allowed = {"__init__.py", "lint.py", "report.py"}
    assert {name for name, paths in files.items() if len(paths) > 1} - allowed == set()
    assert not (PACKAGE / "design" / "design.py").exists()


def test_no_private_name_is_imported_across_packages():
    """A package's private names stay inside it: `from ..other import _x` (or workbench.other._x) is a reach
    into another package's insides; within one package (`from .sibling import _x`) it is the package's own."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            across = node.level >= 2 or (node.level == 0 and (node.module or "").startswith("workbench"))
            private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            if across and private:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {', '.join(private)}")
    assert found == []


def test_the_registry_is_the_only_tool_list():
    """What the MCP server tells a client, the Claude Code agent file and the agent's offer all come from the
    one registry: a new tool shows up everywhere without a second list to edit."""
    from workbench.agent.registry import FILES
    from workbench.agent.tools import builtin_registry
    from workbench.mcp import instructions
    from workbench.subagent import AgentDefinition

    tools = builtin_registry().select(None, bash_enabled=False)
    said = instructions("d", tools)
    assert all(t.name in said for t in tools if t.group != FILES) and "files in the design's workspace" in said
    exported = AgentDefinition(name="a", description="d", system_prompt="p").claude_code_file([t.name for t in tools])
    assert all(f"mcp__workbench__{t.name}" in exported for t in tools)
    names = {t.name for t in tools if t.group != FILES}
    for path in PACKAGE.rglob("*.py"):  # no other module spells out the design tools as a list or in one text
        if path.name == "tools.py" and path.parent.name == "agent":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(
            n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body and isinstance(n.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                listed = {n for n in names if re.search(rf"\b{n}\b", node.value)}
            elif isinstance(node, ast.List | ast.Tuple | ast.Set):
                listed = {e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in names}
            else:
                continue
            assert len(listed) < 4, f"{path.relative_to(PACKAGE.parent)}:{node.lineno} lists tools: {sorted(listed)}"
