"""`riskbench suites` lists the AgentDojo suites from counts kept on disk (building one
runs every task's ground truth); the counts are keyed by versions and code, so another
agentdojo or an edited loader counts again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskbench.suites import agentdojo


def test_counts_are_built_once_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setenv("RISKBENCH_DATA_CACHE", str(tmp_path))
    count, description = agentdojo.listing("slack")
    assert count == len(agentdojo.items("slack")) == 126
    assert "agentdojo 0.1.35" in description
    stored = json.loads(agentdojo.counts_file().read_text())
    assert list(stored.values()) == [126]

    def no_build(name: str) -> None:
        raise AssertionError("built the suite again")

    monkeypatch.setattr(agentdojo, "items", no_build)
    assert agentdojo.listing("slack")[0] == 126  # from the file
    # another package version is another key: counted again, never the stale number
    monkeypatch.setattr(agentdojo, "version", lambda name: "9.9.9")
    with pytest.raises(AssertionError, match="built the suite again"):
        agentdojo.listing("slack")
    # a damaged file is counted again, not trusted
    monkeypatch.undo()
    monkeypatch.setenv("RISKBENCH_DATA_CACHE", str(tmp_path))
    agentdojo.counts_file().write_text("{not json")
    assert agentdojo.listing("slack")[0] == 126
