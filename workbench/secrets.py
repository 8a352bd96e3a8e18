"""The one redaction path: every text that leaves the workbench goes through `redact`.

Outputs in the notebook, error messages and tracebacks shown to the user, the store in
`.workbench/`, design documents, `doctor` and the CLI all call this module. It removes:

- the values of credential variables set in the environment (ANTHROPIC_API_KEY, AWS_…, any
  variable named like *KEY*, *TOKEN*, *SECRET*, *PASSWORD*, *CREDENTIAL*), wherever they occur;
- everything the regex-based detectors of Yelp's `detect-secrets` recognise (AWS access keys,
  private keys, GitHub/GitLab/Slack/Stripe/OpenAI/… tokens, JWTs, passwords in URLs): a
  maintained detector, so new credential formats arrive with its releases;
- what it has no plugin for, and a design tool meets daily: Anthropic keys, Google API keys,
  AWS secret keys after their name, bearer tokens, `?password=` in URLs and `password=` in
  libpq DSNs and connection strings.

Patterns whose anchor text is absent are skipped, and the detector patterns run only on lines
with a token-like run of characters, so a long clean text (a 500 KB dump) costs a few scans.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MASK = "***"
# environment variables whose values are credentials (their exact names, and name patterns)
CREDENTIAL_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                   "AWS_BEARER_TOKEN_BEDROCK", "AWS_ACCESS_KEY_ID", "GOOGLE_API_KEY", "PGPASSWORD", "MYSQL_PWD")
_CREDENTIAL_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIAL", re.I)
_NOT_CREDENTIAL = re.compile(r"^(PATH|PWD|OLDPWD|.*_(PATH|DIR|FILE|HOME|URL_PREFIX))$", re.I)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern
    anchors: tuple[str, ...]  # lower-case texts one of which must occur for the pattern to match
    group: int = 0  # the group holding the secret (0: the whole match)


# ours: formats detect-secrets has no plugin for (each keeps its context, masks the secret)
_OWN = (
    _Pattern(re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"), ("sk-ant-",)),
    _Pattern(re.compile(r"\beyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), ("eyj",)),  # a whole JWT
    _Pattern(re.compile(r"AIza[0-9A-Za-z_\-]{35}"), ("aiza",)),
    # an AWS secret key written next to its key id, with or without a label
    _Pattern(re.compile(r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}.{0,80}?(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})"
                        r"(?![A-Za-z0-9/+])", re.S), ("akia", "asia", "abia", "acca", "a3t"), 1),
    _Pattern(re.compile(r"aws.{0,20}?(?:secret|session).{0,20}?[\s=:\"']+([A-Za-z0-9/+]{40}|[A-Za-z0-9/+=]{100,})(?![A-Za-z0-9/+])",
                        re.I), ("aws",), 1),
    _Pattern(re.compile(r"\b(?:bearer|token)\s+([A-Za-z0-9_\-.~+/]{16,}=*)", re.I), ("bearer", "token"), 1),
    _Pattern(re.compile(r"[?&;](?:password|passwd|pwd|secret|token|api_key|apikey|access_token)=([^&#\s;\"']+)", re.I),
             ("password", "passwd", "pwd", "secret", "token", "key"), 1),
    _Pattern(re.compile(r"\b(?:password|passwd|pwd)\s*=\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s;,&'\"]+)", re.I),
             ("password", "passwd", "pwd"), 1),
    # userinfo of any URL (scheme://user:password@host), also where the password holds reserved characters
    _Pattern(re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]*:([^\s@/]+)@"), ("://",), 1),
    _Pattern(re.compile(r"\"private_key\"\s*:\s*\"([^\"]+)\""), ("private_key",), 1),
    _Pattern(re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)"),
             ("private key",)),
)


def _detect_secrets_patterns() -> list[_Pattern]:
    """The regexes of detect-secrets' regex-based plugins (its entropy and keyword plugins are too broad
    for prose: they would mask hashes, UUIDs and sentences about passwords)."""
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins.base import RegexBasedDetector
    except ImportError:  # pragma: no cover - a dependency; without it our own patterns still apply
        return []
    out = []
    for plugin in get_mapping_from_secret_type_to_class().values():
        if not issubclass(plugin, RegexBasedDetector):
            continue
        for regex in plugin.denylist:
            out.append(_Pattern(regex, ()))  # the whole match: some plugins' groups hold only a prefix
    return out


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    return tuple(_OWN) + tuple(_detect_secrets_patterns())


# A credential has a long random run: 16+ letters and digits in a row, with a digit or both cases
# (long lower-case identifiers such as customermetadata do not count). The detector patterns, which
# have no anchor text, run only on a window around each such run.
_CANDIDATE = re.compile(r"[A-Za-z0-9]{16,}")
_BEFORE, _AFTER = 160, 80  # context a detector pattern may need around the run (a key name, quotes)


def _suspicious(token: str) -> bool:
    return any(c.isdigit() for c in token) or (token.lower() != token and token.upper() != token)


def _windows(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _CANDIDATE.finditer(text):
        if _suspicious(match.group()):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            start = max(line_start, match.start() - _BEFORE)
            end = min(len(text) if line_end < 0 else line_end, match.end() + _AFTER)
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
    return spans


@functools.lru_cache(maxsize=1024)
def _credential_name(name: str) -> bool:
    """Whether a variable of this name holds a credential (cached: redact runs on every stored message, and the
    names in an environment hardly change, while their values are read afresh each time)."""
    return name in CREDENTIAL_VARS or bool(_CREDENTIAL_NAME.search(name) and not _NOT_CREDENTIAL.match(name))


_seen: tuple[int, dict[str, str], list[str]] | None = None  # (hash of the names, credential name → value, values)


def _credential_values() -> list[str]:
    """Values of credential variables in the environment now (longest first, so overlaps mask fully).

    Read on every redact (hundreds per turn), so the answer is kept while the environment's names are the same
    and its credential variables hold the same values: both are checked on every call (the names as CPython
    keeps them, undecoded), so a variable set, changed or removed since is always seen."""
    global _seen
    data = getattr(os.environ, "_data", None)
    names = hash(tuple(data)) if isinstance(data, dict) else None
    if names is not None and _seen is not None and _seen[0] == names and \
            all(os.environ.get(name) == value for name, value in _seen[1].items()):
        return _seen[2]
    found = {name: value for name, value in os.environ.items()
             if value and len(value) >= 8 and _credential_name(name)}
    values = sorted(set(found.values()), key=len, reverse=True)
    if names is not None:
        _seen = (names, found, values)
    return values


def _mask(pattern: _Pattern) -> Callable[[re.Match], str]:
    def replace(match: re.Match) -> str:
        if pattern.group and match.group(pattern.group):
            start, end = match.span(pattern.group)
            if match.string[start:end] == MASK:
                return match.group()
            return match.string[match.start():start] + MASK + match.string[end:match.end()]
        return match.group() if MASK in match.group() else MASK
    return replace


def redact(text: str, _values: list[str] | None = None) -> str:
    """`text` with every credential masked as `***` (see the module docstring for what counts)."""
    if not text or not isinstance(text, str):
        return text
    for value in _credential_values() if _values is None else _values:
        for form in (value, json.dumps(value)[1:-1]):  # as is, and as it stands inside JSON text
            if form in text:
                text = text.replace(form, MASK)
    lowered = text.lower()
    unanchored = []
    for pattern in _patterns():
        if not pattern.anchors:
            unanchored.append(pattern)
        elif any(a in lowered for a in pattern.anchors):
            text = pattern.regex.sub(_mask(pattern), text)
    spans = _windows(text)
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in spans:
        line = text[start:end]
        for pattern in unanchored:
            line = pattern.regex.sub(_mask(pattern), line)
        pieces += [text[last:start], line]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def redact_data(value: Any, _values: list[str] | None = None) -> Any:
    """A JSON-like value with every string in it redacted (dict keys kept). The environment's credentials are
    read once for the whole value."""
    if _values is None:
        _values = _credential_values()
    if isinstance(value, str):
        return redact(value, _values)
    if isinstance(value, dict):
        return {k: redact_data(v, _values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v, _values) for v in value]
    return value


def scrubbed_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a child process without credentials: only what a shell needs to run."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(extra or {})
    return env
