"""What one kernel remembers between cells: the current design, the tools, the model connection, the labs.

One KernelState lives on the magics instance (no module-level state); a kernel restart
starts a new one, and the conversation continues from the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..agent.client import Connection
    from ..agent.session import Architect
    from ..design.aggregate import Design
    from ..design.labs import DesignLabs
    from ..lab.lab import Lab


class KernelState:
    """Per-kernel workbench state."""

    def __init__(self) -> None:
        self.design_name = "default"
        self.script: Path | None = None
        self.bash_enabled = False
        self._tools = None
        self._connection: Connection | None = None
        self._labs: DesignLabs | None = None
        self._user_labs: dict[tuple[str, bool], Lab] = {}  # databases opened with %%lab --db URL
        import atexit

        atexit.register(self.close)  # a kernel that shuts down drops its server lab namespaces

    @property
    def tools(self):
        if self._tools is None:
            from ..agent.session import default_tools

            self._tools = default_tools()
        return self._tools

    @property
    def labs(self) -> DesignLabs:
        """The design labs of this kernel (sandboxes and server namespaces), shared by its designs."""
        if self._labs is None:
            from ..design.labs import DesignLabs

            self._labs = DesignLabs()
        return self._labs

    def user_lab(self, url: str, *, write: bool) -> Lab:
        """A database the user named (read-only unless write), kept open for the kernel."""
        from ..lab.lab import Lab

        key = (url, write)
        if key not in self._user_labs:
            self._user_labs[key] = Lab(url, write=write)
        return self._user_labs[key]

    def design(self, name: str | None = None) -> Design:
        from ..design.aggregate import Design

        return Design(name or self.design_name, labs=self.labs)

    def use_script(self, path: str | Path) -> str:
        """Answer from a scripted model when no API key is set (the twin of Architect(script=…))."""
        from ..agent.scripted import check_script
        from ..config import has_api_credentials

        self.script = check_script(path)
        self._close_connection()
        if has_api_credentials():
            return f"An API key is set, so the real model answers; {path} is used only without a key."
        return f"No ANTHROPIC_API_KEY: %%architect answers come from the scripted model in {path}, not from Claude."

    def architect(self, design: Design, *, model: str | None = None, max_steps: int | None = None,
                  budget: float | None = None, bash: bool = False, effort: str | None = None) -> Architect:
        """An Architect for one cell, on the kernel's connection (opened once, kept for the kernel)."""
        from ..agent.client import connect
        from ..agent.session import Architect
        from ..config import has_api_credentials

        if self._connection is not None and self._connection.scripted and has_api_credentials():
            self._close_connection()  # a key was set since: the real model answers from now on
        if self._connection is None:
            self._connection = connect(script=self.script)
        return Architect(design, model=model, tools=self.tools, client=self._connection,
                         bash=bash or self.bash_enabled, max_steps=max_steps, budget_usd=budget,
                         effort=effort)

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._close_connection()
        if self._labs is not None:
            self._labs.close()
        for lab in self._user_labs.values():
            lab.close()
        self._user_labs.clear()

    def has_model(self) -> bool:
        """Whether a turn could run now (credentials, or a script)."""
        from ..config import has_api_credentials

        return has_api_credentials() or self.script is not None
