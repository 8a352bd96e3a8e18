"""What this process made on database servers — lab namespaces and principals — dropped when it ends.

`Lab.close()` drops its namespace. When the process ends normally (a script's end, a kernel's
shutdown, `sys.exit`), `atexit` closes every server lab still open, then drops the principals
this process created (their sessions ended first). A process killed outright (SIGKILL, a crash,
the machine going down) runs none of this: what it left is found by `workbench lab gc` from the
server's admin registry, which names the process that made each namespace and principal.

This is process state by nature (what *this* process must undo at its end), so it lives here, in
one object; a forked child (the load's worker processes) never drops its parent's labs.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .drivers.base import Driver, Login
    from .lab import Lab


class _Made:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.labs: weakref.WeakSet[Lab] = weakref.WeakSet()
        self.namespaces: dict[tuple[str, str], Driver] = {}  # (admin url, name) → its driver
        self.principals: dict[tuple[str, str], tuple[Driver, Login]] = {}  # (admin url, owner) → login
        atexit.register(self.end)
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        """A forked child owns none of its parent's labs (the parent drops them)."""
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.labs = weakref.WeakSet()
        self.namespaces = {}
        self.principals = {}

    def principal(self, driver: Driver, admin_url: str, owner: str, timeout: float) -> Login:
        """This process's principal for `owner` on the server of admin_url (created on first use)."""
        with self.lock:
            made = self.principals.get((admin_url, owner))
            if made is None:
                made = (driver, driver.lab_principal(admin_url, owner, timeout))
                self.principals[(admin_url, owner)] = made
            return made[1]

    def opened(self, lab: Lab) -> None:
        with self.lock:
            self.labs.add(lab)
            self.namespaces[(lab.url, lab.namespace)] = lab.driver

    def dropped(self, lab: Lab, namespace: str) -> None:
        with self.lock:
            self.labs.discard(lab)
            self.namespaces.pop((lab.url, namespace), None)

    def end(self) -> None:
        """At exit: close the labs still open, drop the namespaces of labs no longer referenced, then the
        principals. A server that cannot be reached is said on stderr; gc drops what is left there."""
        if os.getpid() != self.pid:
            return
        for lab in list(self.labs):
            _quietly(lab.close, f"lab namespace {lab.namespace}", lab.url)
        for (url, name), driver in list(self.namespaces.items()):
            _quietly(lambda d=driver, u=url, n=name: d.drop_namespace(u, n), f"lab namespace {name}", url)
        self.namespaces.clear()
        for (url, _), (driver, login) in list(self.principals.items()):
            _quietly(lambda d=driver, u=url, p=login: d.drop_principal(u, p), f"lab principal {login.user}", url)
        self.principals.clear()


def _quietly(action: Any, what: str, url: str) -> None:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the process is ending: say it, and leave the rest to gc
        from ..secrets import redact

        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"workbench: could not drop {what} on {redact(url)} ({first}); `workbench lab gc` will.",
              file=sys.stderr)


MADE = _Made()
