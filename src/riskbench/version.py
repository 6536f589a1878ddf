"""The installed package's version, from its metadata (pyproject.toml is the one place it
is written), so report and web need not import the package root."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("riskbench")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
