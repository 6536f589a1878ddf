"""A real two-node Ray cluster on 127.0.0.1 for tests: `ray start --head` and one more
node (`ray start --address`), each a process group of its own so that stopping it ends
exactly the processes it started (never `ray stop`, which ends every Ray on the machine).

Token authentication stays on, with a token file in a temporary folder (not $HOME); the
nodes get small object stores and two logical CPUs each."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.chat_server import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class RayCluster:
    address: str
    env: dict[str, str]  # what a driver needs: the token, riskbench's sources
    nodes: tuple[int, ...]  # the nodes' `ray start` processes

    def shard_workers(self) -> list[int]:
        """Pids of this cluster's worker processes now running a shard (Ray names a
        worker's process after the task it runs; each worker has a group of its own, so
        ours are told apart by ancestry)."""
        found = []
        for pid in descendants(self.nodes):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::run_shard"):
                    found.append(pid)
            except OSError:
                continue
        return found


def descendants(roots: tuple[int, ...]) -> list[int]:
    """Every living process below `roots` (children, their children, ...)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            ppid = int(next(line.split()[1] for line in status.splitlines()
                            if line.startswith("PPid:")))
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], list(roots)
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += children
    return out


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    ray = str(Path(sys.executable).with_name("ray"))
    return subprocess.Popen([ray, "start", "--block", *args], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(roots: tuple[int, ...], folder: Path) -> None:
    """SIGKILL the nodes and every process below them, then any process left that names
    this cluster's temporary folder (one that left the tree): only what this cluster ran."""
    for pid in [*descendants(roots), *roots]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    mark = str(folder).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue


@contextmanager
def ray_cluster(extra_env: dict[str, str] | None = None) -> Iterator[RayCluster]:
    folder = Path(tempfile.mkdtemp(prefix="rb-ray-"))  # short: Ray's sockets live here
    token = folder / "token"
    token.write_text(secrets.token_hex(32))
    env = {**os.environ, **(extra_env or {}), "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN_PATH": str(token), "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [
               os.environ.get("PYTHONPATH")])])}
    port = free_port()
    address = f"127.0.0.1:{port}"
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "2",
              "--object-store-memory", str(80 * 2**20), "--disable-usage-stats"]
    head = _start(["--head", "--port", str(port), "--include-dashboard", "false",
                   "--temp-dir", str(folder / "t"), *common], env, folder / "head.log")
    node = _start(["--address", address, *common], env, folder / "node.log")
    try:
        _wait_for_nodes(address, env, 1, folder / "head.log")
        _wait_for_nodes(address, env, 2, folder / "node.log")
        yield RayCluster(address, {k: env[k] for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH",
                                                       "RAY_USAGE_STATS_ENABLED",
                                                       "PYTHONPATH")},
                         (head.pid, node.pid))
    finally:
        _stop((head.pid, node.pid), folder)
        for proc in (node, head):
            proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_nodes(address: str, env: dict[str, str], count: int, log: Path) -> None:
    """Until the node's `ray start` says its runtime started (90 s at most on a loaded
    machine); `count` is how many nodes the cluster then has."""
    deadline = time.time() + 90
    while time.time() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "Ray runtime started" in text:
            return
        time.sleep(0.2)
    raise RuntimeError(f"Ray node {count} of {address} did not start: "
                       f"{log.read_text(errors='replace')[-2000:]}")
