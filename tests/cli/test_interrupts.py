"""Ctrl-C at any moment: a real `riskbench run` process gets SIGINT while it starts up,
while it checks the endpoint (before the run exists), and mid-run against a loopback
server that holds every request. Each time: exit 130, one line on stderr, no traceback,
and a run that exists is `interrupted` (resumable), never left `running`."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import cli_env
from helpers.chat_server import REFUSAL


class HoldingServer:
    """Chat completions on 127.0.0.1 that hold `/models` or `/chat/completions` (the
    phase under test) until the test ends, and flag when the first such request came."""

    def __init__(self, hold: str) -> None:
        self.hold, self.reached, self.release = hold, threading.Event(), threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if server.hold == "models":
                    server.reached.set()
                    server.release.wait(60)
                self._answer({"object": "list", "data": [{"id": "m", "object": "model"}]})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if server.hold == "chat":
                    server.reached.set()
                    server.release.wait(60)
                self._answer({"choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant", "content": REFUSAL}}]})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HoldingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def holding(request: pytest.FixtureRequest) -> Iterator[HoldingServer]:
    with HoldingServer(request.param) as server:
        yield server


def interrupted_run(tmp_path: Path, holding: HoldingServer,
                    signum: int = signal.SIGINT) -> list[str]:
    """Start `riskbench run`, signal it once the held request arrived; its stderr lines
    (progress redraws and log lines left out), after asserting exit 130 and no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskbench.cli", "run", "--model",
         f"openai-compatible:{holding.url}:m", "--attacks", "direct", "--limit", "3",
         "--retries", "0", "--timeout", "120"],
        cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    assert holding.reached.wait(90), f"no request reached /{holding.hold}"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    progress = re.compile(r"\s*(attempts|starting: \d+/\d+ attempts|\d+/\d+ attempts, )")
    return [line for line in stderr.splitlines()
            if line.strip() and not progress.match(line)]


def statuses(tmp_path: Path) -> list[str]:
    db = tmp_path / "riskbench.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        return [r[0] for r in conn.execute("select status from runs")] if "runs" in tables \
            else []


@pytest.mark.parametrize("holding", ["models"], indirect=True)
def test_ctrl_c_before_the_run_exists_exits_130(tmp_path: Path,
                                                 holding: HoldingServer) -> None:
    assert interrupted_run(tmp_path, holding) == ["interrupted"]
    assert statuses(tmp_path) == []  # no run was created: nothing to resume, nothing stale


@pytest.mark.parametrize("holding", ["chat"], indirect=True)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_mid_run_leaves_it_interrupted_and_resumable(tmp_path: Path,
                                                            holding: HoldingServer,
                                                            signum: int) -> None:
    """SIGTERM (a batch scheduler's stop, `kill`) is handled like Ctrl-C."""
    lines = interrupted_run(tmp_path, holding, signum)
    assert len(lines) == 1 and lines[0].startswith("interrupted; everything finished is "
                                                   "stored. Resume with"), lines
    assert statuses(tmp_path) == ["interrupted"]
    holding.hold = ""  # the endpoint answers now: the resume finishes the run
    resumed = subprocess.run([sys.executable, "-m", "riskbench.cli", "run", "--resume",
                              "latest"], cwd=tmp_path, env=cli_env(tmp_path),
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert statuses(tmp_path) == ["finished"]


@pytest.mark.parametrize("holding", ["models"], indirect=True)
def test_ctrl_c_while_starting_up_exits_130_quietly(tmp_path: Path,
                                                    holding: HoldingServer) -> None:
    """SIGINT while Python imports riskbench's stages (seconds on a loaded machine):
    `-X importtime` reports each finished import on stderr, so the signal is sent right
    after typer, the first import under the CLI's start-up guard, and before the stages."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "riskbench.cli", "run", "--model",
         f"openai-compatible:{holding.url}:m"], cwd=tmp_path, env=cli_env(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.split("|")[-1].strip() == "typer":
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    lines = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert proc.returncode == 130, rest
    assert lines == ["interrupted"], rest
    assert statuses(tmp_path) == []
