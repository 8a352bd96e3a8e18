"""File operations confined to a design's workspace folder.

Every path is resolved (symlinks included) and must stay inside the workspace; anything
else is refused with a WorkspaceError. `run_bash` exists for the opt-in bash tool: it runs in
the workspace with a timeout and without the workbench's secrets in its environment.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from pathlib import Path

from ..errors import WorkspaceError

MAX_READ = 200_000
MAX_MATCHES = 200
MAX_LIST = 500
_SECRET_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_BEARER_TOKEN_BEDROCK", "WORKBENCH_PG_URL", "WORKBENCH_MYSQL_URL")


class Workspace:
    """A folder the file tools may read and write; nothing outside it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def resolve(self, path: str) -> Path:
        """The absolute path for `path` (relative to the workspace); refuses escapes, symlinks included."""
        if not isinstance(path, str) or not path.strip():
            raise WorkspaceError("The path is empty.", hint="Give a path relative to the design's workspace.")
        if "\x00" in path:
            raise WorkspaceError("The path contains a NUL character.")
        candidate = (self.root / path).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            raise WorkspaceError(f"Refused: {path!r} is outside the design's workspace.",
                                 hint="Use a path relative to the workspace, without '..' or links that leave it.")
        return candidate

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read(self, path: str) -> str:
        target = self.resolve(path)
        if not target.is_file():
            raise WorkspaceError(f"No file {path!r} in the workspace.",
                                 hint=f"Files: {', '.join(self.list('**/*')[:20]) or 'none yet'}.")
        data = target.read_bytes()
        if b"\x00" in data[:4096]:
            raise WorkspaceError(f"{path!r} is a binary file; only text files can be read.")
        text = data.decode("utf-8", errors="replace")
        if len(text) > MAX_READ:
            return text[:MAX_READ] + f"\n… [truncated: {len(text) - MAX_READ:,} more characters]"
        return text

    def write(self, path: str, content: str) -> str:
        target = self.resolve(path)
        if target == self.root or target.is_dir():
            raise WorkspaceError(f"{path!r} is a folder; give a file path.")
        target.parent.mkdir(parents=True, exist_ok=True)
        existed = target.exists()
        target.write_text(content, encoding="utf-8")
        return f"{'Replaced' if existed else 'Created'} {self._rel(target)} ({len(content.encode()):,} bytes)."

    def edit(self, path: str, old: str, new: str) -> str:
        text = self.read(path)
        if not old:
            raise WorkspaceError("`old` is empty: give the exact text to replace.")
        count = text.count(old)
        if count == 0:
            raise WorkspaceError(f"The text to replace was not found in {path!r}.",
                                 hint="Read the file first and copy the exact text, whitespace included.")
        if count > 1:
            raise WorkspaceError(f"The text to replace occurs {count} times in {path!r}; it must occur once.",
                                 hint="Include more surrounding text to make it unique.")
        self.resolve(path).write_text(text.replace(old, new, 1), encoding="utf-8")
        return f"Edited {path}: replaced {len(old)} characters with {len(new)}."

    def list(self, pattern: str = "**/*") -> list[str]:
        pattern = pattern or "**/*"
        if pattern.startswith("/") or ".." in Path(pattern).parts:
            raise WorkspaceError(f"Refused: the pattern {pattern!r} reaches outside the workspace.")
        out = []
        for p in sorted(self.root.glob(pattern)):
            try:
                resolved = p.resolve()
            except OSError:
                continue
            if p.is_file() and (resolved == self.root or self.root in resolved.parents):
                out.append(self._rel(p))
            if len(out) >= MAX_LIST:
                break
        return out

    def grep(self, pattern: str, glob: str | None = None) -> list[str]:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise WorkspaceError(f"Invalid regular expression {pattern!r}: {exc}.") from None
        matches = []
        for rel in self.list("**/*"):
            if glob and not fnmatch.fnmatch(rel, glob) and not fnmatch.fnmatch(Path(rel).name, glob):
                continue
            try:
                text = (self.root / rel).read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if regex.search(line):
                    matches.append(f"{rel}:{number}: {line[:300]}")
                    if len(matches) >= MAX_MATCHES:
                        return matches
        return matches

    def run_bash(self, command: str, timeout: float = 30.0) -> tuple[int, str]:
        """Run a shell command in the workspace (only for a user who enabled the bash tool)."""
        env = {k: v for k, v in os.environ.items() if k not in _SECRET_VARS}
        try:
            proc = subprocess.run(["bash", "-c", command], cwd=self.root, env=env, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or "") + (exc.stderr or "") if isinstance(exc.stdout, str) else ""
            raise WorkspaceError(f"The command timed out after {timeout:g} s.{(' Output so far: ' + out[-2000:]) if out else ''}") from None
        return proc.returncode, (proc.stdout + proc.stderr)
