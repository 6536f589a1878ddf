"""Kill a run (SIGKILL or Ctrl-C), resume it: exactly n x k attempts, none twice, and
only the missing ones are requested again."""

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import cli_env
from helpers.chat_server import ServerThread

K = 2
CASES = 84  # starter suite, direct attack


def attempts(db: Path) -> tuple[int, int]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(
                "select count(*), count(distinct test_case_id || '/' || sample) from attempts"
            ).fetchone()
    except sqlite3.OperationalError:
        return 0, 0


def requests_so_far(server: ServerThread) -> int:
    return httpx.get(server.url.removesuffix("/v1") + "/stats").json()["requests"]


def start_run(tmp_path: Path, server: ServerThread) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "riskbench.cli", "run", "--model",
         f"openai-compatible:{server.url}:slow-100", "--attacks", "direct", "-k", str(K),
         "--concurrency", "4", "--no-cache"],
        cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


def wait_for_some(db: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.time() + 60
    while attempts(db)[0] < 20:
        assert proc.poll() is None and time.time() < deadline, "run ended too early"
        time.sleep(0.1)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_resume_after_interruption(tmp_path: Path, chat_server: ServerThread,
                                   how: signal.Signals) -> None:
    db = tmp_path / "riskbench.db"
    proc = start_run(tmp_path, chat_server)
    wait_for_some(db, proc)
    proc.send_signal(how)
    _, stderr = proc.communicate(timeout=60)
    stored, distinct = attempts(db)
    assert stored == distinct and 0 < stored < CASES * K
    if how == signal.SIGINT:
        assert proc.returncode == 130 and "riskbench run --resume" in stderr
        with sqlite3.connect(db) as conn:
            assert conn.execute("select status from runs").fetchone()[0] == "interrupted"

    before = requests_so_far(chat_server)
    result = subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "run", "--resume", "latest", "--no-cache"],
        cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert attempts(db) == (CASES * K, CASES * K)
    assert requests_so_far(chat_server) - before == CASES * K - stored
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from runs").fetchone()[0] == "finished"
        assert conn.execute("select count(*) from runs").fetchone()[0] == 1
