"""The user's riskbench cache folder, `$XDG_CACHE_HOME/riskbench` (default `~/.cache`):
one rule for every cache that is not named by its own variable."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "riskbench"
