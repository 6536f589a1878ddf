"""Canary keys: an endpoint that echoes the caller's key in its error bodies must not get
that key into the store, the cache, the reports, stdout or stderr; a refused key stops
the run with one line and exit 2."""

from __future__ import annotations

import re
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env
from helpers.fault_server import FaultServer
from riskbench import store
from riskbench.errors import RunFailed
from riskbench.models.keys import scrub

VARIABLE = "OPENAI_COMPATIBLE_API_KEY"


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> str:
    key = f"sk-canary-{secrets.token_hex(16)}"
    monkeypatch.setenv(VARIABLE, key)
    return key


def run_cli(tmp_path: Path, url: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(tmp_path), VARIABLE: key}
    return subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "run", "--model",
         f"openai-compatible:{url}:m", "--attacks", "direct", "--limit", "4", "-k", "2",
         "--retries", "0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def assert_nowhere(tmp_path: Path, key: str, proc: subprocess.CompletedProcess[str]) -> None:
    """Not in any byte of any file written (database, its WAL, cache, reports) nor in
    the output streams; the bare secret part is searched too."""
    assert key not in proc.stdout + proc.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written  # the run wrote something, so the search is not vacuous
    for path in written:
        data = path.read_bytes()
        assert key.encode() not in data and key[10:].encode() not in data, path


@pytest.mark.parametrize("where", ["models", "chat"])
def test_a_refused_key_stops_the_run_with_one_line(tmp_path: Path, canary: str,
                                                   where: str) -> None:
    with FaultServer(fault_rate=0.0, reject={where: 401}) as s:
        proc = run_cli(tmp_path, s.url, canary)
    assert proc.returncode == 2, proc.stderr
    # one error line, last; progress (a bar, or log lines) may precede it once attempts
    # had started
    lines = [line for line in proc.stderr.splitlines() if "error" in line.lower()
             and not re.match(r"attempts |\d+/\d+ attempts, ", line)]
    assert len(lines) == 1 and "rejected the API key (HTTP 401)" in lines[0], proc.stderr
    assert proc.stderr.strip().endswith(lines[0])
    assert VARIABLE in lines[0] and "Traceback" not in proc.stderr
    assert_nowhere(tmp_path, canary, proc)
    if where == "chat":  # it got as far as creating the run: stopped, resumable, no errors
        with sqlite3.connect(tmp_path / "riskbench.db") as conn:
            assert conn.execute("select status from runs").fetchall() == [("interrupted",)]
            assert conn.execute("select count(*) from attempts").fetchone() == (0,)


def test_an_echoed_key_in_an_error_body_is_scrubbed_everywhere(tmp_path: Path,
                                                                canary: str) -> None:
    with FaultServer(fault_rate=0.0, reject={"chat": 400}) as s:
        proc = run_cli(tmp_path, s.url, canary)
        assert s.served["reject-chat"] == 8
    assert_nowhere(tmp_path, canary, proc)
    reports = list((tmp_path / "reports").rglob("*.*"))
    assert any(p.suffix == ".html" for p in reports) and any(p.suffix == ".md" for p in reports)
    with sqlite3.connect(tmp_path / "riskbench.db") as conn:
        errors = {r[0] for r in conn.execute("select error from attempts")}
    assert errors == {f"HTTP 400: {{\"error\": {{\"message\": \"invalid key: Bearer "
                      f"[{VARIABLE} redacted]\", \"type\": \"invalid_request_error\"}}}}"}
    engine = store.connect(f"sqlite:///{tmp_path / 'riskbench.db'}")
    run_id = store.list_runs(engine)[0]["id"]
    with pytest.raises(RunFailed, match="all 8 attempts failed"):
        store.raise_if_all_failed(engine, run_id)
    # every attempt errored: exit 1 (docs/usage.md), one scrubbed line naming the resume
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: run {run_id}: all 8 attempts failed (e.g. HTTP 400: ")
    assert f"[{VARIABLE} redacted]" in last and "Traceback" not in proc.stderr


def test_scrub_replaces_held_keys_and_bearer_tokens(canary: str) -> None:
    assert canary not in scrub(f"bad key {canary}!") and "redacted" in scrub(canary)
    assert scrub("Authorization: Bearer abcdefgh12345678") == "Authorization: Bearer [redacted]"
    assert scrub("an ordinary error, HTTP 500") == "an ordinary error, HTTP 500"
