"""Designs: the aggregate (requirements, conversation, versioned artifacts, workspace) and its store.

`workbench.design("name")` opens a design. Because this package is also `workbench.design`
once anything in it is imported, the package itself is callable and does the same.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    def __call__(self, name: str = "default", *, home: Any = None) -> Any:
        from .design import design

        return design(name, home=home)


sys.modules[__name__].__class__ = _CallablePackage
