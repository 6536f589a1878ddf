from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers.chat_server import ServerThread, make_app

# started in the background (`cmd &` in a script), the suite inherits SIGINT ignored and so
# would every run it starts; the tests that press Ctrl-C on a run need it delivered
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def _data_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dataset cache for the session (derived counts are costly to rebuild per test),
    never the user's ~/.cache/riskbench."""
    return tmp_path_factory.mktemp("data-cache")


@pytest.fixture(autouse=True, scope="session")
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The embedded model is dequantised once per session (subprocesses inherit it), and
    never into the user's own cache."""
    os.environ["RISKBENCH_MODEL_CACHE"] = str(tmp_path_factory.mktemp("models"))


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _data_cache: Path) -> None:
    """Every test gets its own cache and working folder; no key leaks in from outside."""
    monkeypatch.setenv("RISKBENCH_CACHE", str(tmp_path / "cache.sqlite"))
    monkeypatch.setenv("RISKBENCH_DATA_CACHE", str(_data_cache))
    monkeypatch.delenv("RISKBENCH_DB", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'riskbench.db'}"


@pytest.fixture(scope="session")
def chat_server() -> Iterator[ServerThread]:
    with ServerThread(make_app()) as server:
        yield server


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["RISKBENCH_CACHE"] = str(tmp_path / "cache.sqlite")
    return env
