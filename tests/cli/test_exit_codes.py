"""Exit codes and error lines of `riskbench` (docs/usage.md): every bad input is exit 2
with exactly one line on stderr, no traceback, no new run in the store and nothing in the
output folder. Most rows call the entry point `riskbench.cli.main` in this process (the
same function the console script calls, so codes and stderr are the real ones); the last
tests prove a real process behaves the same, and pin what typer does (typer 0.22+ ships
its own click; an upgrade must not bring back tracebacks or exit 0 on Ctrl-C)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import cli_env
from helpers.chat_server import ServerThread
from riskbench.cli import main

UNWRITABLE = "/proc/riskbench-no/such"  # refused even to root


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    captured = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), captured.out, \
        captured.err


def run_count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        return conn.execute("select count(*) from runs").fetchone()[0] if "runs" in tables \
            else 0


def files(folder: Path) -> set[Path]:
    ignored = {"riskbench.db", "riskbench.db-wal", "riskbench.db-shm", "cache.sqlite"}
    return {p.relative_to(folder) for p in folder.rglob("*") if p.name not in ignored}


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """Bad files next to the working folder's good ones."""
    (tmp_path / "binary.jsonl").write_bytes(b'{"id": "a", "prompt": "\xff\xfe"}\n')
    (tmp_path / "binary.yaml").write_bytes(b"items:\n  - id: a\n    prompt: \x93hi\x94\n")
    (tmp_path / "meta.jsonl").write_text('{"id": "a", "prompt": "p", "meta": [1, 2]}\n',
                                         encoding="utf-8")
    (tmp_path / "good.jsonl").write_text(json.dumps({"prompt": "p", "response": "r"}) + "\n",
                                         encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a database, just notes\n" * 50, encoding="utf-8")
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    return tmp_path


RUN = ["run", "--model", "scripted:refuse", "--attacks", "direct"]
BAD = [  # (args, what the one line says)
    # usage errors typer finds
    (["run", "-k", "abc"], "Invalid value for '-k'"),
    (["run", "--no-such-option"], "No such option: --no-such-option"),
    (["no-such-command"], "No such command 'no-such-command'"),
    (["run", "--concurrency", "many"], "Invalid value for '--concurrency'"),
    (["judge"], "Missing argument 'INPUT.jsonl'"),
    # numbers out of range
    ([*RUN, "-k", "0"], "-k must be at least 1 (got 0)"),
    ([*RUN, "--concurrency", "-1"], "--concurrency must be at least 1 (got -1)"),
    ([*RUN, "--concurrency", "0"], "--concurrency must be at least 1 (got 0)"),
    ([*RUN, "--rpm", "-5"], "--rpm must be more than 0 (got -5)"),
    ([*RUN, "--rpm", "0"], "--rpm must be more than 0 (got 0)"),
    ([*RUN, "--timeout", "inf"], "--timeout must be a finite number"),
    ([*RUN, "--timeout", "-1"], "--timeout must be more than 0 (got -1)"),
    ([*RUN, "--limit", "-1"], "--limit must be at least 1 (got -1)"),
    ([*RUN, "--limit", "0"], "--limit must be at least 1 (got 0)"),
    ([*RUN, "--temperature", "nan"], "--temperature must be a finite number"),
    ([*RUN, "--temperature", "-0.5"], "--temperature must be at least 0"),
    ([*RUN, "--retries", "-1"], "--retries must be at least 0"),
    ([*RUN, "--max-tokens", "0"], "--max-tokens must be at least 1"),
    (["evaluate", "scripted:refuse", "--limit", "0"], "--limit must be at least 1"),
    (["runs", "--limit", "0"], "--limit must be at least 1"),
    (["serve", "--port", "99999"], "--port must be at most 65535"),
    (["serve", "--port", "0"], "--port must be at least 1"),
    # files that are not what they should be
    ([*RUN, "--suite", "binary.jsonl"], "binary.jsonl:1: not UTF-8 text"),
    ([*RUN, "--suite", "binary.yaml"], "binary.yaml:3: not UTF-8 text"),
    ([*RUN, "--suite", "meta.jsonl"], "field 'meta' must be an object"),
    (["judge", "binary.jsonl", "-o", "out.jsonl"], "binary.jsonl:1: not UTF-8 text"),
    (["judge-eval", "binary.jsonl"], "binary.jsonl:1: not UTF-8 text"),
    ([*RUN, "--db", "sqlite:///notes.txt"], "is not a riskbench database"),
    (["runs", "--db", "sqlite:///notes.txt"], "is not a riskbench database"),
    # outputs that cannot be written, found before any work
    ([*RUN, "--out", UNWRITABLE], "--out /proc/riskbench-no/such: cannot write there"),
    ([*RUN, "--out", "a-file"], "--out a-file: is a file; give a folder"),
    (["judge", "good.jsonl", "-o", f"{UNWRITABLE}/out.jsonl"], "cannot write there"),
    (["judge", "good.jsonl", "-o", "a-folder"], "-o a-folder: is a folder"),
    (["evaluate", "scripted:refuse", "--out", UNWRITABLE], "cannot write there"),
    (["monitor", "report", "--out", UNWRITABLE], "cannot write there"),
    (["build", "code-safety", "-o", f"{UNWRITABLE}/x.jsonl"], "cannot write there"),
    (["run", "--tier", "secret"], "unknown tier 'secret'"),
]


@pytest.mark.parametrize(("args", "needle"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_nothing_written(
        capsys: pytest.CaptureFixture[str], inputs: Path, args: list[str],
        needle: str) -> None:
    before = files(inputs)
    code, _, stderr = cli(capsys, *args)
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], stderr
    assert "Traceback" not in stderr
    assert run_count(inputs / "riskbench.db") == 0
    assert files(inputs) == before  # no report folder, no half-written output file
    if "sqlite:///notes.txt" in args:
        assert (inputs / "notes.txt").read_text() == "not a database, just notes\n" * 50


def test_usage_errors_name_the_help_to_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = cli(capsys, "run", "-k", "abc")
    assert code == 2 and stderr.strip().endswith("(see `riskbench run --help`)"), stderr
    code, stdout, stderr = cli(capsys, "run", "--help")
    assert code == 0 and "Usage: riskbench run" in stdout and not stderr


def test_error_lines_are_scrubbed_and_plain(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """A key and terminal control sequences in an error (here: in a suite's file name)
    never reach stderr; the line stays one line."""
    key = "sk-canary-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    name = f"{key}\x1b]0;owned\x07\x1b[2J\nsecond line.jsonl"
    code, _, stderr = cli(capsys, *RUN, "--suite", name)
    assert code == 2
    assert key not in stderr and "\x1b" not in stderr and "\x07" not in stderr
    assert len(stderr.splitlines()) == 1 and "[OPENAI_API_KEY redacted]" in stderr


def test_a_run_whose_every_attempt_errored_exits_1(capsys: pytest.CaptureFixture[str],
                                                   chat_server: ServerThread,
                                                   tmp_path: Path) -> None:
    code, _, stderr = cli(capsys, "run", "--model",
                          f"openai-compatible:{chat_server.url}:badrequest", "--attacks",
                          "direct", "--limit", "2", "--retries", "0")
    assert code == 1, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: run ") and "all 2 attempts failed" in last, stderr
    assert "--resume" in last and "Traceback" not in stderr
    assert run_count(tmp_path / "riskbench.db") == 1  # stored: resumable once fixed


def test_modes_whose_every_run_errored_exit_1(capsys: pytest.CaptureFixture[str],
                                              chat_server: ServerThread,
                                              tmp_path: Path) -> None:
    code, _, stderr = cli(capsys, "evaluate", f"openai-compatible:{chat_server.url}:badrequest",
                          "--mode", "baseline", "--limit", "2", "--out", str(tmp_path / "m"))
    assert code == 1, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: run ") and "attempts failed" in last, stderr
    assert (tmp_path / "m").exists()  # the combined report is still written


def test_the_installed_typer_is_the_one_these_tests_pin() -> None:
    """pyproject bounds typer; this fails on a version outside the tested range, so an
    upgrade is a decision (rerun this file, then widen the bound)."""
    major, minor = (int(part) for part in version("typer").split(".")[:2])
    assert (0, 12) <= (major, minor) < (0, 30)


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["run", "-k", "abc"], 2, "Invalid value for '-k'"),
    (["no-such-command"], 2, "No such command"),
    (["run", "--model", "scripted:refuse", "--concurrency", "-1"], 2,
     "--concurrency must be at least 1"),
])
def test_the_real_entry_point_behaves_the_same(tmp_path: Path, args: list[str], code: int,
                                               needle: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "riskbench.cli", *args], cwd=tmp_path,
                          env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and needle in lines[0] and not proc.stdout, proc.stderr


def test_a_crash_shows_its_traceback_without_the_key(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug is not bad input: exit 1 with the traceback to report, scrubbed of keys."""
    key = "sk-canary-fedcba9876543210"
    monkeypatch.setenv("OPENAI_API_KEY", key)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"bug while holding {key}")

    monkeypatch.setattr("riskbench.store.list_runs_at", broken)
    code, _, stderr = cli(capsys, "runs")
    assert code == 1 and "Traceback" in stderr and "RuntimeError: bug while holding" in stderr
    assert key not in stderr
