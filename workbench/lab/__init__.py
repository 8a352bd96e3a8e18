"""The lab: experiment databases, synthetic data, workloads, EXPLAIN, variant comparison."""

from .lab import Lab

__all__ = ["Lab"]
