"""What one kernel remembers between cells: the current design, the tools, the model client.

One KernelState lives on the magics instance (no module-level state); a kernel restart
starts a new one, and the conversation continues from the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import has_api_credentials
from ..errors import ConfigError, MissingAPIKey


class KernelState:
    """Per-kernel workbench state."""

    def __init__(self) -> None:
        self.design_name = "default"
        self.script: Path | None = None
        self.bash_enabled = False
        self._tools = None
        self._client: tuple[Any, Any] | None = None
        self._fake = None
        self._labs = None
        self._user_labs: dict[tuple[str, bool], Any] = {}  # databases opened with %%lab --db URL

    @property
    def tools(self):
        if self._tools is None:
            from ..agent.session import default_tools

            self._tools = default_tools()
        return self._tools

    @property
    def labs(self):
        """The design labs of this kernel (sandboxes and server namespaces)."""
        if self._labs is None:
            from ..design.labs import DesignLabs

            self._labs = DesignLabs()
        return self._labs

    def user_lab(self, url: str, *, write: bool):
        """A database the user named (read-only unless write), kept open for the kernel."""
        from ..lab.lab import Lab

        key = (url, write)
        if key not in self._user_labs:
            self._user_labs[key] = Lab(url, write=write)
        return self._user_labs[key]

    def design(self, name: str | None = None):
        from ..design.design import Design

        return Design(name or self.design_name)

    def use_script(self, path: str | Path) -> str:
        """Answer from a scripted model when no API key is set."""
        from ..testing.script import ScriptedModel, ScriptError

        path = _script_path(path)
        try:
            ScriptedModel.from_file(path)  # check it now, not at the first prompt
        except ScriptError as exc:
            raise ConfigError(str(exc)) from None
        self.script = path.resolve()
        self._client = None
        self._stop_fake()
        if has_api_credentials():
            return f"An API key is set, so the real model answers; {path} is used only without a key."
        return f"No ANTHROPIC_API_KEY: %%architect answers come from the scripted model in {path}, not from Claude."

    def _stop_fake(self) -> None:
        if self._fake is not None:
            self._fake.stop()
            self._fake = None

    def client(self) -> tuple[Any, Any, str | None]:
        """(client, retry reporter, note) — the real API, or the scripted model when there is no key."""
        from ..agent.client import make_client

        if has_api_credentials():
            if self._client is None:
                self._client = make_client()
            return (*self._client, None)
        if self.script is None:
            raise MissingAPIKey()
        if self._fake is None:
            from ..testing.fake_api import FakeAnthropic
            from ..testing.script import ScriptedModel

            self._fake = FakeAnthropic(ScriptedModel.from_file(self.script, delay=0.004)).start()
            self._client = make_client(api_key="scripted-model", base_url=self._fake.base_url)
        note = (f"Scripted model: ANTHROPIC_API_KEY is not set, so these answers are played from "
                f"{self.script.name}, not written by Claude.")
        return (*self._client, note)

    def architect(self, design: Any, *, model: str | None = None, max_steps: int | None = None,
                  budget: float | None = None, bash: bool = False):
        from ..agent.session import Architect

        client, reporter, note = self.client()
        return Architect(design, model=model, tools=self.tools, client=client, reporter=reporter,
                         bash=bash or self.bash_enabled, max_steps=max_steps, budget_usd=budget, note=note,
                         scripted=note is not None, labs=self.labs)

    def close(self) -> None:
        self._stop_fake()
        if self._labs is not None:
            self._labs.close()
        for lab in self._user_labs.values():
            lab.close()
        self._user_labs.clear()


def _script_path(path: str | Path) -> Path:
    """A script file: as given (relative to the working directory), or by name among the scripts
    shipped with the notebooks (`%architect script 00-tour` finds notebooks/scripts/00-tour.yaml)."""
    from ..config import PROJECT_ROOT

    given = Path(path).expanduser()
    if given.exists() or given.is_absolute():
        return given
    shipped = PROJECT_ROOT / "notebooks" / "scripts"
    for candidate in (shipped / given, shipped / f"{given}.yaml"):
        if candidate.is_file():
            return candidate
    return given
