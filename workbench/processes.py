"""Whether a process still runs, told apart from a later process that reused its pid.

Used to find what a killed kernel left behind: a turn lock on a design, a lab namespace on a
server. Linux's /proc gives the process start time; elsewhere the pid alone is checked.
"""

from __future__ import annotations

import os
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_start(pid: int) -> str | None:
    """The start time of a process as the kernel counts it (None where /proc is not available)."""
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def is_running(pid: int, started: str | None) -> bool:
    """Whether process `pid` runs and is the one that started at `started` (when that is known).

    A killed process that its parent has not reaped yet (a zombie) does not run."""
    if pid <= 0:
        return False
    fields = _stat(pid)
    if fields is not None:
        if fields[0] in ("Z", "X"):
            return False
        return started in (None, fields[19] if len(fields) > 19 else None)
    if Path("/proc/self/stat").exists():
        return False  # /proc works here and has no such process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
