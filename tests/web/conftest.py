"""One store per test module: a run whose model output is hostile markup, and monitor
scores (read-only for the tests)."""

from __future__ import annotations

import pytest

from helpers import dashboard


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dashboard.Stored:
    tmp_path = tmp_path_factory.mktemp("dashboard")
    return dashboard.stored(f"sqlite:///{tmp_path / 'riskbench.db'}", tmp_path)
