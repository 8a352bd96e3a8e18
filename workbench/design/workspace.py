"""File operations confined to a design's workspace folder, bounded in bytes and time.

Every path is resolved (symlinks included) and must stay inside the workspace; anything
else is refused with a WorkspaceError, as is a path the file system could not hold (longer than
MAX_PATH bytes, a name longer than MAX_NAME, a control character): the message says which. A write
(write_file, edit_file, an ADR) holds at most MAX_WRITE bytes. Reads stop at MAX_READ bytes, grep at MAX_GREP_BYTES
and a time budget (its regular expressions run with a timeout: the `regex` package, because
the standard `re` cannot stop a catastrophic pattern such as `(a+)+$`). What is written is
redacted first: the workspace is part of `.workbench/`.

`run_bash` exists for the opt-in bash tool: it runs in the workspace with a timeout, an
environment that holds no credentials, and — where Linux namespaces are available — in a PID
namespace of its own, so `/proc` shows no other process (no kernel's environment to read).
"""

from __future__ import annotations

import fnmatch
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import WorkspaceError
from ..secrets import redact, scrubbed_environment

MAX_READ = 200_000  # bytes read from one file
MAX_WRITE = 4 * 1024 * 1024  # bytes one write may leave in a file: documents and code, not data dumps
MAX_PATH = 1024  # bytes in a path below the workspace (Linux allows 4096 for the whole absolute path)
MAX_NAME = 255  # bytes in one file or folder name (ext4, APFS, NTFS)
MAX_MATCHES = 200
MAX_LIST = 500
MAX_GREP_BYTES = 20_000_000  # bytes searched by one grep, over all files
MAX_GREP_FILE = 2_000_000  # bytes searched in one file
GREP_SECONDS = 5.0  # time budget of one grep


class Workspace:
    """A folder the file tools may read and write; nothing outside it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def resolve(self, path: str) -> Path:
        """The absolute path for `path` (relative to the workspace); refuses escapes, symlinks included."""
        if not isinstance(path, str) or not path.strip():
            raise WorkspaceError("The path is empty.", hint="Give a path relative to the design's workspace.")
        _check_path(path)
        try:
            candidate = (self.root / path).resolve()
        except OSError as exc:
            raise WorkspaceError(f"The path {_short(path)} cannot be used: {exc.strerror or exc}.") from None
        if candidate != self.root and self.root not in candidate.parents:
            raise WorkspaceError(f"Refused: {_short(path)} is outside the design's workspace.",
                                 hint="Use a path relative to the workspace, without '..' or links that leave it.")
        return candidate

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read(self, path: str) -> str:
        target = self.resolve(path)
        with _os_errors(path):
            if not target.is_file():
                raise WorkspaceError(f"No file {_short(path)} in the workspace.",
                                     hint=f"Files: {', '.join(self.list('**/*')[:20]) or 'none yet'}.")
            size = target.stat().st_size
            with target.open("rb") as handle:
                data = handle.read(MAX_READ)
        if b"\x00" in data[:4096]:
            raise WorkspaceError(f"{_short(path)} is a binary file; only text files can be read.")
        text = data.decode("utf-8", errors="ignore" if size > MAX_READ else "replace")
        if size > MAX_READ:
            return text + f"\n… [truncated: the file has {size:,} bytes; the first {MAX_READ:,} are shown]"
        return text

    def write(self, path: str, content: str) -> str:
        target = self.resolve(path)
        content = redact(content)
        data = within_write_limit(path, content)
        with _os_errors(path):
            if target == self.root or target.is_dir():
                raise WorkspaceError(f"{_short(path)} is a folder; give a file path.")
            target.parent.mkdir(parents=True, exist_ok=True)
            existed = target.exists()
            target.write_bytes(data)
        return f"{'Replaced' if existed else 'Created'} {self._rel(target)} ({len(data):,} bytes)."

    def edit(self, path: str, old: str, new: str) -> str:
        text = self.read(path)
        if not old:
            raise WorkspaceError("`old` is empty: give the exact text to replace.")
        count = text.count(old)
        if count == 0:
            raise WorkspaceError(f"The text to replace was not found in {_short(path)}.",
                                 hint="Read the file first and copy the exact text, whitespace included.")
        if count > 1:
            raise WorkspaceError(f"The text to replace occurs {count} times in {_short(path)}; it must occur once.",
                                 hint="Include more surrounding text to make it unique.")
        data = within_write_limit(path, redact(text.replace(old, new, 1)))
        with _os_errors(path):
            self.resolve(path).write_bytes(data)
        return f"Edited {path}: replaced {len(old)} characters with {len(new)}."

    def list(self, pattern: str = "**/*") -> list[str]:
        pattern = pattern or "**/*"
        _check_path(pattern, what="pattern")
        if pattern.startswith("/") or ".." in Path(pattern).parts:
            raise WorkspaceError(f"Refused: the pattern {_short(pattern)} reaches outside the workspace.")
        out = []
        with _os_errors(pattern):
            found = sorted(self.root.glob(pattern))
        for p in found:
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
        """path:line: text for lines matching a regular expression, within the byte and time budgets."""
        import time

        import regex

        if glob:
            _check_path(glob, what="glob")
        try:
            compiled = regex.compile(pattern)
        except regex.error as exc:
            raise WorkspaceError(f"Invalid regular expression {pattern!r}: {exc}.") from None
        deadline = time.monotonic() + GREP_SECONDS
        matches: list[str] = []
        budget = MAX_GREP_BYTES
        for rel in self.list("**/*"):
            if glob and not fnmatch.fnmatch(rel, glob) and not fnmatch.fnmatch(Path(rel).name, glob):
                continue
            with (self.root / rel).open("rb") as handle:
                data = handle.read(min(MAX_GREP_FILE, budget))
            budget -= len(data)
            if b"\x00" in data[:4096]:
                continue
            for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
                try:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    found = compiled.search(line, timeout=left)
                except TimeoutError:
                    raise WorkspaceError(f"grep stopped after {GREP_SECONDS:g} s ({len(matches)} matches so far): the "
                                         "pattern is too slow on this text.",
                                         hint="Use a simpler pattern (no nested repetition such as (a+)+).") from None
                if found:
                    matches.append(f"{rel}:{number}: {line[:300]}")
                    if len(matches) >= MAX_MATCHES:
                        return matches
            if budget <= 0:
                matches.append(f"… stopped after {MAX_GREP_BYTES:,} bytes; narrow the search with a glob")
                break
        return matches

    def run_bash(self, command: str, timeout: float = 30.0) -> tuple[int, str]:
        """Run a shell command in the workspace (only for a user who enabled the bash tool).

        The environment holds no credentials (PATH, locale and HOME=the workspace); where Linux
        allows it, the shell runs in a PID namespace of its own with its own /proc.
        """
        env = scrubbed_environment({"HOME": str(self.root)})
        try:
            proc = subprocess.run([*_isolation(), "bash", "-c", command], cwd=self.root, env=env,
                                  capture_output=True, text=True, timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or "") + (exc.stderr or "") if isinstance(exc.stdout, str) else ""
            raise WorkspaceError(f"The command timed out after {timeout:g} s.{(' Output so far: ' + out[-2000:]) if out else ''}") from None
        return proc.returncode, redact(proc.stdout + proc.stderr)


def _short(path: str, keep: int = 80) -> str:
    """A path as a message shows it: quoted, and cut in the middle when it is long."""
    return repr(path) if len(path) <= keep else f"{path[:keep // 2]!r}…{path[-keep // 4:]!r} ({len(path):,} characters)"


def _check_path(path: str, what: str = "path") -> None:
    """Refuse what no file system here can hold, with the reason, before the OS answers with an errno."""
    bad = next((ch for ch in path if ord(ch) < 32 or ord(ch) == 127), None)
    if bad is not None:
        name = "a NUL character" if bad == "\x00" else f"the control character {bad!r}"
        raise WorkspaceError(f"The {what} {_short(path)} contains {name} (at position {path.index(bad)}).",
                             hint="Use printable characters in file names.")
    size = len(path.encode("utf-8", errors="surrogatepass"))
    if size > MAX_PATH:
        raise WorkspaceError(f"The {what} is too long: {size:,} bytes, at most {MAX_PATH:,}.",
                             hint=f"Use a shorter {what} in the design's workspace.")
    longest = max(path.replace("\\", "/").split("/"), key=lambda part: len(part.encode("utf-8", "surrogatepass")))
    if len(longest.encode("utf-8", errors="surrogatepass")) > MAX_NAME:
        raise WorkspaceError(f"A name in the {what} is too long: {_short(longest, 40)} has "
                             f"{len(longest.encode('utf-8', 'surrogatepass')):,} bytes, at most {MAX_NAME}.",
                             hint="Use shorter file and folder names.")


def within_write_limit(path: str, content: str) -> bytes:
    """The bytes to write, or a WorkspaceError when they are more than MAX_WRITE."""
    data = content.encode("utf-8", errors="replace")
    if len(data) > MAX_WRITE:
        raise WorkspaceError(f"Not written: {_short(path)} would hold {len(data):,} bytes; a workspace file holds at "
                             f"most {MAX_WRITE:,} bytes ({MAX_WRITE // 1024 // 1024} MiB).",
                             hint="Split the content over several smaller files, or keep data (dumps, generated "
                                  "rows) out of the workspace: the lab seeds synthetic data itself.")
    return data


@contextmanager
def _os_errors(path: str) -> Iterator[None]:
    """Turns an OSError of a file operation into a WorkspaceError that names the path and the reason."""
    try:
        yield
    except OSError as exc:
        raise WorkspaceError(f"{_short(path)}: {exc.strerror or type(exc).__name__}.") from None


_ISOLATION: list[list[str]] = []  # the probe's answer, once per process (an OS capability, not state)


def _isolation() -> list[str]:
    """The `unshare` prefix that gives the shell a PID namespace and its own /proc, if this system allows it."""
    if not _ISOLATION:
        import shutil

        found: list[str] = []
        if shutil.which("unshare"):
            for prefix in (["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "--kill-child"],
                           ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"]):
                try:
                    ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0
                except (OSError, subprocess.TimeoutExpired):
                    ok = False
                if ok:
                    found = prefix
                    break
        _ISOLATION.append(found)
    return _ISOLATION[0]
