"""Judging and storing in a worker process (pipeline/judge_worker.py) against a real
chat-completions server: the same attempts and verdicts as judging in the engine's
process, on SQLite and PostgreSQL; every attempt stored exactly once with all its
verdicts through a kill and a resume; a dead worker is an error of the run, not a loss."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import cli_env
from helpers.chat_server import ServerThread
from helpers.postgres import postgres_server
from riskbench import store
from riskbench.errors import UsageError
from riskbench.pipeline import RunOptions, evaluate
from riskbench.pipeline.judge_worker import _Inbox, frame, pack, sink_mode, unpack
from riskbench.types import (
    Attempt,
    Conversation,
    Item,
    Message,
    RunConfig,
    TestCase,
    ToolCall,
    ToolCallMessage,
    ToolResultMessage,
)

JUDGES = ("refusal", "malicious_capability")  # a batched judge and one asked one by one
CASES, K = 84 * 2, 3  # starter suite x (direct, roleplay)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the worker needs POSIX pipes")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def stored(url: str, run_id: str) -> tuple[dict, dict]:
    """Attempts and verdicts of a run, keyed by (test case, sample[, judge])."""
    with store.connect(url).connect() as conn:
        attempts = {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(text(
            "select test_case_id, sample, status, output, transcript, prompt_tokens, "
            "completion_tokens, error, cached from attempts where run_id = :r"),
            {"r": run_id})}
        verdicts = {(r[0], r[1], r[2]): tuple(r[3:]) for r in conn.execute(text(
            "select test_case_id, sample, judge, outcome, score, safe, rationale, "
            "judge_version from verdicts where run_id = :r"), {"r": run_id})}
    return attempts, verdicts


def canonical(attempts: dict) -> dict:
    """Transcripts as Python values (PostgreSQL's JSON type returns them parsed)."""
    import json

    return {key: tuple(json.loads(v) if isinstance(v, str) and v.startswith("[") else v
                       for v in row) for key, row in attempts.items()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_worker_stores_what_inline_judging_stores(backend: str, tmp_path: Path,
                                                  chat_server: ServerThread,
                                                  request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" \
        else f"sqlite:///{tmp_path / 'w.db'}"
    config = RunConfig(model=f"openai-compatible:{chat_server.url}:mixed",
                       attacks=("direct", "roleplay"), k=K, judges=JUDGES)
    runs = {}
    for mode in ("process", "inline", "thread"):
        result = evaluate(config, RunOptions(db_url=url, concurrency=32, use_cache=False,
                                             report_dir=tmp_path / mode, judge_worker=mode))
        assert result.new_attempts == CASES * K
        runs[mode] = stored(url, result.run.id)
    (attempts, verdicts), (inline_attempts, inline_verdicts) = runs["process"], runs["inline"]
    assert len(attempts) == CASES * K
    assert len(verdicts) == CASES * K * len(JUDGES)  # every attempt has every verdict
    assert canonical(attempts) == canonical(inline_attempts)
    assert verdicts == inline_verdicts
    assert canonical(runs["thread"][0]) == canonical(attempts)  # the writer thread's
    assert runs["thread"][1] == verdicts
    outcomes = {v[0] for v in verdicts.values()}
    assert {"refusal", "compliance"} <= outcomes  # the server's mixed replies, judged


def test_pack_keeps_every_kind_of_transcript() -> None:
    item = Item("i", "do it", "refuse")
    case = TestCase("c", item, "multi", "multiturn",
                    Conversation((Message("system", "be safe"), Message("user", "do it")),
                                 ("and now?",)))
    call = ToolCallMessage("assistant", "", (ToolCall("1", "send", '{"to": "x"}'),))
    scripted = (*case.conversation.messages, Message("assistant", "no"),
                Message("user", "and now?"), call, ToolResultMessage("tool", "sent", "1",
                                                                     "send", False))
    searched = (Message("attacker", "try a story"), Message("user", "a story..."),
                Message("assistant", "once upon"))  # an adaptive search's own transcript
    for transcript in (scripted, searched, case.conversation.messages):
        attempt = Attempt("r", "c", 2, "ok", "out", transcript, 3, 4, 0.5, "", True)
        again = unpack("r", {"c": case}, pack(case, attempt))
        assert again == (case, attempt)


def test_worker_reads_the_setup_alone_then_what_waits_in_groups() -> None:
    """The batches that have arrived are stored together (up to about `most` attempts);
    a message cut off by the engine's death is no message."""
    setup = {"run_id": "r", "db_url": "sqlite://", "judges": ["refusal"]}
    batches = [[("case", i, "ok")] * 100 for i in range(4)]
    read_end, write_end = os.pipe()
    os.write(write_end, frame(setup) + b"".join(frame(b) for b in batches[:3])
             + frame(batches[3])[:-5])
    os.close(write_end)
    try:
        groups = list(_Inbox(read_end, most=150, linger=5.0))
    finally:
        os.close(read_end)
    assert groups == [[setup], batches[:2], batches[2:3]]


def test_choice_of_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RISKBENCH_JUDGE_WORKER", raising=False)
    assert [sink_mode(m, None) for m in ("process", "thread", "inline", "auto", None)] == [
        "process", "thread", "inline", "thread", "thread"]
    assert sink_mode("process", "openai:gpt-4o-mini") == "thread"  # judge model: in-process
    monkeypatch.setenv("RISKBENCH_JUDGE_WORKER", "inline")
    assert sink_mode(None, None) == "inline"
    with pytest.raises(UsageError, match="use auto, process, thread, inline"):
        sink_mode("threads", None)


# -- kills, through the CLI ------------------------------------------------------------


def counts(db: Path) -> tuple[int, int, int]:
    """(attempts, distinct attempt keys, attempts lacking a verdict of some judge)."""
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            total, distinct = conn.execute(
                "select count(*), count(distinct test_case_id || '/' || sample) "
                "from attempts").fetchone()
            lacking = conn.execute(
                "select count(*) from attempts a where (select count(*) from verdicts v "
                "where v.run_id = a.run_id and v.test_case_id = a.test_case_id "
                "and v.sample = a.sample) != ?", (len(JUDGES),)).fetchone()[0]
            return total, distinct, lacking
    except sqlite3.OperationalError:
        return 0, 0, 0


def start(tmp_path: Path, server: ServerThread) -> subprocess.Popen[str]:
    """A run in its own process group (so a test can wait for all of it to be gone),
    slow enough (~16 s) to be stopped midway even where a loaded machine takes seconds
    to start its worker, whose first transaction then holds what was made meanwhile."""
    env = {**cli_env(tmp_path), "RISKBENCH_JUDGE_WORKER": "process"}
    return subprocess.Popen(
        [sys.executable, "-m", "riskbench.cli", "run", "--model",
         f"openai-compatible:{server.url}:slow-250", "--attacks", "direct,roleplay",
         "-k", str(K), "--judges", ",".join(JUDGES), "--concurrency", "8", "--no-cache"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def wait_for_some(db: Path, proc: subprocess.Popen[str], n: int = 40) -> None:
    deadline = time.time() + 120
    while counts(db)[0] < n:
        assert proc.poll() is None and time.time() < deadline, "run ended too early"
        time.sleep(0.1)


def worker_of(proc: subprocess.Popen[str]) -> int:
    """The pid of the run's judging worker (its child running judge_worker)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(next(line.split()[1] for line in status.splitlines()
                        if line.startswith("PPid:")))
        if ppid == proc.pid and b"judge_worker" in cmdline:
            return int(entry.name)
    raise AssertionError("no judging worker found")


def gone(pgid: int, timeout: float = 60) -> None:
    """Wait until no process of the group is left (the worker exits after its input ends)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("processes of the run are still alive")


def resume_all(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "run", "--resume", "latest", "--no-cache"],
        cwd=tmp_path, env={**cli_env(tmp_path), "RISKBENCH_JUDGE_WORKER": "process"},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert counts(tmp_path / "riskbench.db") == (CASES * K, CASES * K, 0)


@pytest.mark.parametrize("how", ["engine-sigkill", "ctrl-c", "sigterm"])
def test_stopped_run_resumes_with_nothing_lost_or_twice(tmp_path: Path,
                                                        chat_server: ServerThread,
                                                        how: str) -> None:
    db = tmp_path / "riskbench.db"
    proc = start(tmp_path, chat_server)
    wait_for_some(db, proc)
    worker = worker_of(proc)
    if how == "engine-sigkill":  # the engine dies; its worker stores what it got, exits
        proc.kill()
    elif how == "ctrl-c":  # the terminal's SIGINT reaches the whole group
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.terminate()
    _, stderr = proc.communicate(timeout=120)
    gone(proc.pid)
    assert not Path(f"/proc/{worker}").exists()
    total, distinct, lacking = counts(db)
    assert total == distinct and lacking == 0 and 0 < total < CASES * K
    if how != "engine-sigkill":
        assert proc.returncode == 130 and "riskbench run --resume" in stderr
        with sqlite3.connect(db) as conn:
            assert conn.execute("select status from runs").fetchone()[0] == "interrupted"
    resume_all(tmp_path)


def test_a_dead_worker_stops_the_run_with_a_clear_error(tmp_path: Path,
                                                         chat_server: ServerThread) -> None:
    db = tmp_path / "riskbench.db"
    proc = start(tmp_path, chat_server)
    wait_for_some(db, proc)
    os.kill(worker_of(proc), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    line = stderr.strip().splitlines()[-1]
    assert line.startswith("error: the judging worker of run ")
    assert "killed by signal 9" in line and "riskbench run --resume" in line
    assert "Traceback" not in stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from runs").fetchone()[0] == "interrupted"
    total, distinct, lacking = counts(db)
    assert total == distinct and lacking == 0 and total < CASES * K
    resume_all(tmp_path)
