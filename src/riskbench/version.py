"""The installed package's version, from its metadata (pyproject.toml is the one place it
is written), so report and web need not import the package root. Read on first use
(PEP 562): importlib.metadata costs every command ~60 ms and only reports print it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'riskbench.version' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("riskbench")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
