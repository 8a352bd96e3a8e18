"""`workbench doctor` / `%architect doctor`: is everything the workbench needs in place?

The API key is checked for presence only; its value is never printed.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass

from .config import has_api_credentials, settings, sqlalchemy_url
from .secrets import redact


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool | None  # None: optional and absent
    detail: str

    @property
    def mark(self) -> str:
        return {True: "ok", False: "FAIL", None: "--"}[self.ok]


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _database(url: str) -> tuple[bool, str]:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(sqlalchemy_url(url), connect_args=_timeout_args(url))
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar()
        engine.dispose()
        return True, f"{redact(url)} — {str(version).split(',')[0][:60]}"
    except Exception as exc:  # any failure is the answer: not reachable
        first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        return False, f"{redact(url)} — not reachable ({first})"


def _timeout_args(url: str) -> dict:
    return {"connect_timeout": 3} if url.startswith(("postgres", "mysql", "mariadb")) else {}


def checks() -> list[Check]:
    """Run every check and return the results."""
    cfg = settings()
    out = [Check("python", True, platform.python_version()),
           Check("architect-workbench", True, _version("architect-workbench")),
           Check("anthropic SDK", _version("anthropic") != "not installed", _version("anthropic"))]
    from .agent.client import provider

    kind = provider()
    if has_api_credentials():
        which = {"bedrock": "Bedrock (CLAUDE_CODE_USE_BEDROCK)", "vertex": "Vertex AI (CLAUDE_CODE_USE_VERTEX)"}.get(
            kind, "ANTHROPIC_API_KEY is set" if os.environ.get("ANTHROPIC_API_KEY") else "ANTHROPIC_AUTH_TOKEN is set")
        out.append(Check("credentials", True, f"{which} (value not shown)"))
    else:
        out.append(Check("credentials", False, "ANTHROPIC_API_KEY is not set: %%architect needs it "
                                               "(or `%architect script PATH` for a scripted model)"))
    base = os.environ.get("ANTHROPIC_BASE_URL")
    if base:
        out.append(Check("base URL", True, redact(base)))
    try:
        from .agent.models import resolve_model

        out.append(Check("model", True, f"{cfg.model or 'sonnet'} → {resolve_model(cfg.model)}"))
    except Exception as exc:
        out.append(Check("model", False, str(exc)))
    dot = shutil.which("dot")
    if dot:
        try:
            proc = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=10)
            out.append(Check("graphviz dot", True, (proc.stderr or proc.stdout).strip()))
        except (OSError, subprocess.SubprocessError) as exc:
            out.append(Check("graphviz dot", False, f"{dot} does not run: {exc}"))
    else:
        out.append(Check("graphviz dot", False, "not found: sudo apt-get install -y graphviz"))
    ok, detail = _database(cfg.pg_url)
    out.append(Check("postgres (WORKBENCH_PG_URL)", ok if ok else None, detail))
    ok, detail = _database(cfg.mysql_url)
    out.append(Check("mariadb (WORKBENCH_MYSQL_URL)", ok if ok else None, detail))
    try:
        cfg.home.mkdir(parents=True, exist_ok=True)
        probe = cfg.home / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
        out.append(Check("store", True, str(cfg.store_path)))
    except OSError as exc:
        out.append(Check("store", False, f"{cfg.home} is not writable: {exc.strerror}; set WORKBENCH_HOME"))
    from .subagent import available_agents

    agents = available_agents()
    out.append(Check("agents", bool(agents), ", ".join(sorted(agents)) or "none found in prompts/"))
    return out


def report(results: list[Check] | None = None) -> str:
    """The checks as aligned text."""
    results = results if results is not None else checks()
    width = max(len(c.name) for c in results)
    return "\n".join(f"{c.mark:>4}  {c.name:<{width}}  {c.detail}" for c in results)
