"""Settings: environment variables, defaults and paths, read when asked (never cached at import).

| variable                | default                                           |
|-------------------------|---------------------------------------------------|
| WORKBENCH_HOME          | ./.workbench                                      |
| WORKBENCH_MODEL         | the agent's `model:` front matter, else `sonnet`  |
| WORKBENCH_AGENTS_PATH   | extra folders of agent definitions (os.pathsep)   |
| WORKBENCH_PG_URL        | postgresql://postgres@127.0.0.1:5432/test         |
| WORKBENCH_MYSQL_URL     | mysql+pymysql://root@127.0.0.1:3306/test          |
| WORKBENCH_MAX_STEPS     | 12 model calls per turn                           |
| WORKBENCH_BUDGET        | 2.00 USD per turn                                 |
| WORKBENCH_MAX_RETRIES   | 2 (the SDK's retries on 429/5xx/connection errors)|
| WORKBENCH_CONTEXT_BUDGET| 150,000 input tokens per request (of a 200k window)|
| WORKBENCH_LOCK_WAIT     | 10 s waiting for another kernel's turn on a design |
| ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL: read by the SDK   |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
DEMO_HOME_NAME = ".workbench-tour"  # the home `workbench demo` makes in its output folder (build/)
DEFAULT_DIALECT = "postgres"  # the SQL dialect of DDL that names none: %%schema, propose_schema, the Python API
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.", hint=f"Set {name} to a number, e.g. {default}.") from None


def _int_env(name: str, default: int) -> int:
    value = _float_env(name, default)
    if value != int(value) or value < 0:
        raise ConfigError(f"{name}={value!r} must be a whole number >= 0.")
    return int(value)


@dataclass(frozen=True)
class Settings:
    """A snapshot of the workbench settings."""

    home: Path
    model: str | None
    agents_path: tuple[Path, ...]
    pg_url: str
    mysql_url: str
    max_steps: int
    budget_usd: float
    max_retries: int
    context_budget: int = 150_000
    extra: dict = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        """The SQLite file that holds designs, turns and artifacts."""
        return self.home / "workbench.db"


def settings() -> Settings:
    """Read the settings from the environment now."""
    home = Path(os.environ.get("WORKBENCH_HOME") or Path.cwd() / ".workbench")
    agents = tuple(Path(p) for p in os.environ.get("WORKBENCH_AGENTS_PATH", "").split(os.pathsep) if p.strip())
    return Settings(
        home=home,
        model=os.environ.get("WORKBENCH_MODEL") or None,
        agents_path=agents,
        pg_url=os.environ.get("WORKBENCH_PG_URL") or DEFAULT_PG_URL,
        mysql_url=os.environ.get("WORKBENCH_MYSQL_URL") or DEFAULT_MYSQL_URL,
        max_steps=_int_env("WORKBENCH_MAX_STEPS", 12),
        budget_usd=_float_env("WORKBENCH_BUDGET", 2.0),
        max_retries=_int_env("WORKBENCH_MAX_RETRIES", 2),
        context_budget=_int_env("WORKBENCH_CONTEXT_BUDGET", 150_000),
    )


def has_api_credentials() -> bool:
    """True when the environment holds credentials the client factory can use."""
    env = os.environ
    if env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN"):
        return True
    if env.get("CLAUDE_CODE_USE_BEDROCK") or env.get("CLAUDE_CODE_USE_VERTEX"):
        return True
    return False


def sqlalchemy_url(url: str) -> str:
    """A URL with the driver the workbench installs: psycopg 3 for PostgreSQL, PyMySQL for MySQL/MariaDB."""
    url = str(url)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    for prefix in ("mysql://", "mariadb://"):
        if url.startswith(prefix):
            return "mysql+pymysql://" + url[len(prefix):]
    if url.startswith("mariadb+pymysql://"):
        return "mysql+pymysql://" + url[len("mariadb+pymysql://"):]
    return url


def database_url(url: str):
    """A database URL parsed (SQLAlchemy's URL), or a ConfigError that shows it with its password masked."""
    from sqlalchemy.engine import make_url

    from .secrets import redact

    try:
        parsed = make_url(sqlalchemy_url(url))
        parsed.port  # noqa: B018 - a port that is not a number fails here, not later in a driver
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises ValueError, ArgumentError, …
        raise ConfigError(f"Cannot read the database URL {redact(str(url))}: {redact(str(exc))}",
                          hint="Write it as postgresql://user:password@host:5432/dbname, "
                               "mysql://user:password@host:3306/dbname or sqlite:///path/to/file.db.") from None
    return parsed
