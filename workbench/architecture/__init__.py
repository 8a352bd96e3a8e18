"""Architecture diagrams from a declarative spec: kinds, rendering, anti-pattern lint."""

from .catalogue import Kind, kinds

__all__ = ["Architecture", "Kind", "kinds"]


def __getattr__(name: str):
    if name == "Architecture":
        from .spec import Architecture

        return Architecture
    raise AttributeError(name)
