"""The one factory for Anthropic clients.

- Anthropic API: ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) and optional ANTHROPIC_BASE_URL.
- Amazon Bedrock: CLAUDE_CODE_USE_BEDROCK=1 plus the usual AWS settings (AWS_REGION, …).
- Google Vertex AI: CLAUDE_CODE_USE_VERTEX=1 plus CLOUD_ML_REGION and ANTHROPIC_VERTEX_PROJECT_ID.

The same switches as Claude Code, so an existing set-up works unchanged. Retries are the
SDK's own (429, 5xx, dropped connections); a middleware reports each one as it happens so
the person waiting sees it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import has_api_credentials, settings
from ..errors import MissingAPIKey

RetryListener = Callable[[str], None]
_RETRYABLE = {408, 409, 429, 500, 502, 503, 504, 529}
_REASONS = {429: "rate limited", 529: "overloaded", 500: "server error", 502: "bad gateway",
            503: "unavailable", 504: "gateway timeout", 408: "request timeout", 409: "conflict"}


class RetryReporter:
    """SDK middleware that tells a listener when the SDK is about to retry a request."""

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries
        self.listener: RetryListener | None = None

    def _say(self, text: str) -> None:
        if self.listener is not None:
            self.listener(text)

    def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        attempt = request.retries_taken
        try:
            response = call_next(request)
        except Exception as exc:  # connection failures raise; the SDK decides whether to retry
            if attempt < self.max_retries:
                self._say(f"Connection to the model API failed ({type(exc).__name__}); "
                          f"retrying (retry {attempt + 1} of {self.max_retries})…")
            raise
        status = response.status_code
        if status in _RETRYABLE and attempt < self.max_retries:
            wait = _retry_after_seconds(response.http_response.headers)
            when = f" in {wait:.1f} s" if wait is not None else ""
            self._say(f"The model API answered {status} ({_REASONS.get(status, 'error')}); "
                      f"retrying{when} (retry {attempt + 1} of {self.max_retries})…")
        return response


def _retry_after_seconds(headers: Any) -> float | None:
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw:
            try:
                return float(raw) / scale
            except ValueError:
                return None
    return None


def provider() -> str:
    """`bedrock`, `vertex` or `anthropic`, from the environment."""
    if os.environ.get("CLAUDE_CODE_USE_BEDROCK"):
        return "bedrock"
    if os.environ.get("CLAUDE_CODE_USE_VERTEX"):
        return "vertex"
    return "anthropic"


def make_client(*, api_key: str | None = None, base_url: str | None = None,
                max_retries: int | None = None, timeout: float | None = None) -> tuple[Any, RetryReporter]:
    """An SDK client for the configured provider and the RetryReporter attached to it.

    Raises MissingAPIKey when there are no credentials at all.
    """
    import anthropic

    retries = settings().max_retries if max_retries is None else max_retries
    reporter = RetryReporter(retries)
    common: dict[str, Any] = {"max_retries": retries, "middleware": [reporter]}
    if timeout is not None:
        common["timeout"] = timeout
    kind = provider()
    if kind == "bedrock":
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        client = anthropic.AnthropicBedrock(aws_region=region, base_url=base_url, **common)
    elif kind == "vertex":
        region = os.environ.get("CLOUD_ML_REGION")
        client = anthropic.AnthropicVertex(region=region, base_url=base_url, **common)
    else:
        if api_key is None and not has_api_credentials():
            raise MissingAPIKey()
        client = anthropic.Anthropic(api_key=api_key, base_url=base_url, **common)
    return client, reporter


@dataclass
class Connection:
    """A model client and what the turn loop needs to know about it.

    `note` is shown at the start of each turn (e.g. that a scripted model answers); a scripted
    connection counts tokens but charges nothing, and owns the loopback server it talks to.
    """

    sdk: Any
    reporter: RetryReporter | None = None
    note: str | None = None
    scripted: bool = False
    server: Any = None

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def connect(*, script: str | Path | None = None, api_key: str | None = None,
            base_url: str | None = None) -> Connection:
    """The real API when credentials are set; else the scripted model of `script`; else MissingAPIKey."""
    if has_api_credentials() or api_key is not None or script is None:
        client, reporter = make_client(api_key=api_key, base_url=base_url)
        return Connection(client, reporter)
    from .scripted import serve_script

    return serve_script(script)
