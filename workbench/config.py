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
| ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL: read by the SDK   |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
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
    )


def has_api_credentials() -> bool:
    """True when the environment holds credentials the client factory can use."""
    env = os.environ
    if env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN"):
        return True
    if env.get("CLAUDE_CODE_USE_BEDROCK") or env.get("CLAUDE_CODE_USE_VERTEX"):
        return True
    return False


_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]*)@")


def mask_url(url: str) -> str:
    """A database URL with its password replaced by `***`."""
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", str(url))


_SECRET_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY",
               "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK")
_KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}")


def redact(text: str) -> str:
    """Remove secrets (API keys, URL passwords) from text bound for output, logs or storage."""
    if not text:
        return text
    for name in _SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 6:
            text = text.replace(value, f"[{name} hidden]")
    text = _KEY_PATTERN.sub("[key hidden]", text)
    return mask_url(text)


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
