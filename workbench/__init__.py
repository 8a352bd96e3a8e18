"""Architect Workbench: design backends with an AI architect in Jupyter.

    %load_ext workbench

    %%architect
    A URL shortener for 10M links a month, with click analytics.

The public API is loaded lazily, so `%load_ext workbench` imports nothing heavy:
`Architect`, `Schema`, `Architecture`, `Lab`, `design`, `Design`, `ToolRegistry`, `Tool`,
`export_design`, `export_notebook`, and the widgets `explorer` and `experiment_panel`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Architect": ("workbench.agent.session", "Architect"),
    "TurnResult": ("workbench.agent.session", "TurnResult"),
    "AgentDefinition": ("workbench.subagent", "AgentDefinition"),
    "load_agent": ("workbench.subagent", "load_agent"),
    "Tool": ("workbench.agent.registry", "Tool"),
    "ToolRegistry": ("workbench.agent.registry", "ToolRegistry"),
    "ToolResult": ("workbench.agent.registry", "ToolResult"),
    "Design": ("workbench.design.aggregate", "Design"),
    "list_designs": ("workbench.design.aggregate", "list_designs"),
    "Schema": ("workbench.schema.model", "Schema"),
    "Architecture": ("workbench.architecture.spec", "Architecture"),
    "Lab": ("workbench.lab.lab", "Lab"),
    "export_design": ("workbench.export", "export_design"),
    "export_notebook": ("workbench.export", "export_notebook"),
    "explorer": ("workbench.notebook.widgets", "explorer"),
    "experiment_panel": ("workbench.notebook.widgets", "experiment_panel"),
    "errors": ("workbench.errors", None),
}

__all__ = ["__version__", "design", "load_ipython_extension", "unload_ipython_extension", *_LAZY]

# The subpackage `workbench.design` is imported first (it is light), so that the name
# `workbench.design` stays bound to the function below: importing a submodule later does not
# rebind an already-imported package's name on its parent.
from . import design as _design_package  # noqa: E402,F401


def design(name: str = "default", *, home: Any = None) -> Any:
    """Open (or create) a design by name in the workbench home (WORKBENCH_HOME, else ./.workbench)."""
    from .design.aggregate import open_design

    return open_design(name, home=home)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext workbench`: register the magics (cheap; the heavy parts load on first use)."""
    from .notebook.magics import WorkbenchMagics

    magics = WorkbenchMagics(ipython)
    ipython.register_magics(magics)
    ipython.user_ns.setdefault("_workbench", magics.state)


def unload_ipython_extension(ipython: Any) -> None:
    """`%unload_ext workbench`: stop the scripted model server if one runs."""
    state = ipython.user_ns.pop("_workbench", None)
    if state is not None:
        state.close()
