"""`workbench lab gc`: find the lab namespaces on servers whose kernel is gone, and drop them.

Who made each server lab (owner, host, pid and the process's start time) is recorded in the
server's admin registry (`workbench_admin.made`), which no lab principal can read or write, so a
lab's own SQL cannot make it look live. A namespace is an orphan when that process no longer runs
on this host (or, made on another host, when it is older than a day). The principals of processes
that are gone are dropped with it. A process that ends normally drops its own (workbench.lab.made):
gc is for the ones that were killed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import settings, sqlalchemy_url
from .drivers import dialect_of, driver_for
from .drivers.base import is_orphan


@dataclass
class Collected:
    """What gc found on each server: namespaces (orphan or live), and what it dropped."""

    rows: list[list[str]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    principals: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def table(self):
        from ..grid import Grid

        caption = (f"{len(self.dropped)} namespace(s) dropped, {len(self.principals)} principal(s) dropped"
                   + (f"; {'; '.join(self.problems)}" if self.problems else ""))
        return Grid(["server", "namespace", "owner", "made by", "state"], self.rows, caption=caption)

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()

    def __repr__(self) -> str:
        return self.table().text()


def gc(urls: list[str] | None = None, *, dry_run: bool = False, everything: bool = False) -> Collected:
    """Drop orphaned lab namespaces on the given servers (default: WORKBENCH_PG_URL and WORKBENCH_MYSQL_URL).

    dry_run: list only. everything: drop every workbench lab namespace, live ones included.
    """
    from ..secrets import redact

    cfg = settings()
    out = Collected()
    for url in urls or [cfg.pg_url, cfg.mysql_url]:
        url = sqlalchemy_url(url)
        try:
            driver = driver_for(dialect_of(url))
            found = driver.namespaces_on(url)
        except Exception as exc:  # noqa: BLE001 - one unreachable server does not stop the others
            out.problems.append(f"{redact(url)}: {str(exc).splitlines()[0]}")
            continue
        for name, info in found:
            orphan = is_orphan(info) if info else True
            state = "orphan" if orphan else "live"
            made = f"{info.get('host', '?')} pid {info.get('pid', '?')}" if info else "unknown"
            if (orphan or everything) and not dry_run:
                driver.drop_namespace(url, name)
                out.dropped.append(name)
                state = "dropped"
            out.rows.append([redact(url), name, str(info.get("owner", "?")), made, state])
        if not dry_run:
            out.principals += driver.drop_principals(url, everything=everything)
    return out
