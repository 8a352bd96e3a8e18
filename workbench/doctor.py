"""`workbench doctor` / `%architect doctor`: is everything the workbench needs in place?

The API key is checked for presence only; its value is never printed. Without a key the scripted
model is what answers (the documented default), so that is a line of information, not a failure:
FAIL means something the workbench needs is broken, and the command then exits non-zero.

The checks that wait on something outside (Graphviz, each database) run at once, each on a thread
of its own with CHECK_SECONDS to answer, while this thread does the local ones (the model catalogue,
the store, the agents): the doctor takes as long as its slowest check, and a host that never
answers costs CHECK_SECONDS once, not a connect timeout per database one after another.
"""

from __future__ import annotations

import html
import os
import platform
import shutil
import subprocess
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .config import has_api_credentials, settings, sqlalchemy_url
from .secrets import redact

CHECK_SECONDS = 5.0  # the most a check that waits on something outside (Graphviz, a server) may take
CONNECT_SECONDS = 3  # the database drivers' own connect timeout, inside CHECK_SECONDS
WIDTH = 100  # columns of the text report when the terminal's width is unknown


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool | None  # None: information (optional and absent, or the scripted model)
    detail: str

    @property
    def mark(self) -> str:
        return {True: "ok", False: "FAIL", None: "--"}[self.ok]


class Diagnosis:
    """The doctor's checks: text for a terminal (wrapped between words), a table for a notebook."""

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks

    @property
    def failed(self) -> list[Check]:
        """The checks that failed: what needs fixing before the workbench works."""
        return [c for c in self.checks if c.ok is False]

    def text(self, width: int | None = None) -> str:
        """Aligned lines; a long detail continues under itself, broken only between words."""
        width = width or WIDTH
        name_width = max(len(c.name) for c in self.checks)
        indent = " " * (4 + 2 + name_width + 2)
        lines = []
        for c in self.checks:
            head = f"{c.mark:>4}  {c.name:<{name_width}}  "
            lines.extend(textwrap.wrap(c.detail, width=max(width, len(indent) + 30), initial_indent=head,
                                       subsequent_indent=indent, break_long_words=False,
                                       break_on_hyphens=False) or [head.rstrip()])
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        colour = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}
        rows = "".join(
            f"<tr><td style='color:{colour[c.ok]};font-weight:600;padding-right:1em'>{c.mark}</td>"
            f"<td style='padding-right:1em;white-space:nowrap'>{html.escape(c.name)}</td>"
            f"<td style='word-break:normal;overflow-wrap:break-word'>{html.escape(c.detail)}</td></tr>"
            for c in self.checks)
        return f"<table class='workbench-doctor' style='text-align:left;font-family:monospace'>{rows}</table>"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _shorten(text: str, width: int) -> str:
    """At most `width` characters, cut between words (never mid-word) with an ellipsis."""
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" …") or text[:width]


def _database(name: str, url: str) -> Check:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(sqlalchemy_url(url), connect_args=_timeout_args(url))
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar()
        engine.dispose()
        return Check(name, True, f"{redact(url)} — {_shorten(str(version).split(',')[0], 70)}")
    except Exception as exc:  # any failure is the answer: not reachable (the lab then uses SQLite)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check(name, None, f"{redact(url)} — not reachable ({_shorten(redact(first), 120)})")


def _timeout_args(url: str) -> dict:
    return {"connect_timeout": CONNECT_SECONDS} if url.startswith(("postgres", "mysql", "mariadb")) else {}


def _model(configured: str | None) -> Check:
    from .agent.models import resolve_model

    try:
        resolved = f"{configured or 'sonnet'} → {resolve_model(configured)}"
    except Exception as exc:
        return Check("model", False, str(exc))
    if has_api_credentials():
        return Check("model", True, resolved)
    return Check("model", None, f"scripted (no ANTHROPIC_API_KEY): %%architect answers from a script "
                                f"(`%architect script PATH`, or the demo's); set ANTHROPIC_API_KEY for the real "
                                f"model ({resolved})")


def _dot() -> Check:
    dot = shutil.which("dot")
    if not dot:
        return Check("graphviz dot", False, "not found: sudo apt-get install -y graphviz")
    try:
        proc = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=CHECK_SECONDS)
    except (OSError, subprocess.SubprocessError) as exc:
        return Check("graphviz dot", False, f"{dot} does not run: {exc}")
    return Check("graphviz dot", True, (proc.stderr or proc.stdout).strip())


def _store() -> Check:
    cfg = settings()
    try:
        cfg.home.mkdir(parents=True, exist_ok=True)
        probe = cfg.home / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
        return Check("store", True, str(cfg.store_path))
    except OSError as exc:
        return Check("store", False, f"{cfg.home} is not writable: {exc.strerror}; set WORKBENCH_HOME")


def _agents() -> Check:
    from .subagent import available_agents

    agents = available_agents()
    return Check("agents", bool(agents), ", ".join(sorted(agents)) or "none found in prompts/")


def _at_once(probes: list[tuple[str, bool | None, Callable[[], Check]]], timeout: float,
             local: Callable[[], list[Check]]) -> list:
    """Run the probes on threads of their own, and `local` meanwhile on this one (its answer comes last);
    a probe that has not answered within `timeout` is reported so.

    The threads are daemons: a probe stuck in a driver does not keep the process alive after the report.
    """
    answers: dict[int, Check] = {}

    def run(index: int, name: str, probe: Callable[[], Check]) -> None:
        try:
            answers[index] = probe()
        except Exception as exc:  # a check that breaks is a failed check, not a crashed doctor
            answers[index] = Check(name, False, f"the check failed: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i, name, probe), name=f"doctor: {name}", daemon=True)
               for i, (name, _, probe) in enumerate(probes)]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    here = local()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [*(answers.get(i) or Check(name, late, f"no answer within {timeout:g} s")
              for i, (name, late, _) in enumerate(probes)), here]


def checks(timeout: float = CHECK_SECONDS) -> list[Check]:
    """Run every check (the slow ones at the same time, each within `timeout` seconds) and return the results."""
    cfg = settings()
    out = [Check("python", True, platform.python_version()),
           Check("architect-workbench", True, _version("architect-workbench")),
           Check("anthropic SDK", _version("anthropic") != "not installed", _version("anthropic"))]
    if has_api_credentials():
        from .agent.client import provider

        which = {"bedrock": "Bedrock (CLAUDE_CODE_USE_BEDROCK)", "vertex": "Vertex AI (CLAUDE_CODE_USE_VERTEX)"}.get(
            provider(), "ANTHROPIC_API_KEY is set" if os.environ.get("ANTHROPIC_API_KEY")
            else "ANTHROPIC_AUTH_TOKEN is set")
        out.append(Check("credentials", True, f"{which} (value not shown)"))
    base = os.environ.get("ANTHROPIC_BASE_URL")
    if base:
        out.append(Check("base URL", True, redact(base)))
    # (name, what a probe that does not answer in time counts as, probe)
    waiting = _at_once([("graphviz dot", False, _dot),
                        ("postgres (WORKBENCH_PG_URL)", None, lambda: _database("postgres (WORKBENCH_PG_URL)",
                                                                                cfg.pg_url)),
                        ("mariadb (WORKBENCH_MYSQL_URL)", None, lambda: _database("mariadb (WORKBENCH_MYSQL_URL)",
                                                                                  cfg.mysql_url))],
                       timeout, local=lambda: [_model(cfg.model), _store(), _agents()])
    model, store, agents = waiting.pop()
    return [*out, model, *waiting, store, agents]


def report(results: list[Check] | None = None) -> Diagnosis:
    """The set-up check as a Diagnosis (`.text()`, a table in a notebook, `.failed`): runs the checks unless given."""
    return Diagnosis(results if results is not None else checks())
