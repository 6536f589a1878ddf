"""Kill a run (SIGKILL or Ctrl-C), resume it: exactly n x k attempts, none twice, and
only the missing ones are requested again."""

import random
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


def test_kill_at_random_moments_under_faults_then_resume(tmp_path: Path) -> None:
    """SIGKILL at random moments (start-up and first migration included) of a run against
    an endpoint failing ~20 % of calls; each rerun resumes: exactly n x k, none twice."""
    from helpers.fault_server import FaultServer

    db = tmp_path / "riskbench.db"
    rng = random.Random()
    common = ["--no-cache", "--concurrency", "16", "--timeout", "0.5", "--retries", "6"]
    with FaultServer(fault_rate=0.2, seed=rng.randrange(1000), hang_s=1.0) as server:
        first = [sys.executable, "-m", "riskbench.cli", "run", "--model",
                 f"openai-compatible:{server.url}:m", "--attacks", "direct", "-k", str(K),
                 *common]
        again = [sys.executable, "-m", "riskbench.cli", "run", "--resume", "latest", *common]
        for delay in sorted(rng.uniform(0.2, 3.0) for _ in range(3)):
            proc = subprocess.Popen(again if _has_run(db) else first, cwd=tmp_path,
                                    env=cli_env(tmp_path), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.kill()
            proc.wait(timeout=30)
            stored, distinct = attempts(db)
            assert stored == distinct <= CASES * K
        final = subprocess.run(again if _has_run(db) else first, cwd=tmp_path,
                               env=cli_env(tmp_path), capture_output=True, text=True,
                               timeout=300)
    assert final.returncode == 0, final.stderr
    assert attempts(db) == (CASES * K, CASES * K)


def _has_run(db: Path) -> bool:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute("select count(*) from runs").fetchone()[0] > 0
    except sqlite3.OperationalError:
        return False
