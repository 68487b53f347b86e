"""Where an output comes from: the versions of Python and of the packages that shape
results, written into a run's ``summary.json`` and a sweep's manifest."""

from __future__ import annotations

import platform
from importlib import metadata

__all__ = ["versions"]

_VERSIONED = ("diplosim", "numpy", "nashpy", "mesa", "pandas", "pydantic", "pyarrow")


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results (for summaries)."""
    versions = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
