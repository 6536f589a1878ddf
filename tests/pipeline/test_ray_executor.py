"""The Ray executor on a real two-node Ray cluster on 127.0.0.1 (tests/helpers/ray_cluster),
against the real chat-completions server and a real PostgreSQL store: the same attempts
and verdicts as the local executor, limits that hold across workers, a killed worker's
shard retried without a duplicate, a killed driver resumed sending only what is missing.
This process is the driver of most runs (one Ray connection for the module); the killed
driver is a real `riskbench run` process."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from conftest import cli_env
from helpers.chat_server import ServerThread, make_app
from helpers.postgres import postgres_server
from helpers.ray_cluster import RayCluster, ray_cluster
from riskbench import pipeline, store
from riskbench.engine import ray_executor
from riskbench.types import RunConfig

pytestmark = pytest.mark.timeout(300)
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="the ray extra is not installed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    """The cluster, and this process set up as its driver: Ray reads the token settings
    once, when it is first imported, so that happens here, after they are set."""
    with ray_cluster() as running:
        saved = {k: os.environ.get(k) for k in running.env}
        os.environ.update(running.env)
        try:
            yield running
        finally:
            import ray

            ray.shutdown()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """The chat-completions server, counting requests in flight at once."""
    app = make_app()
    app.state.in_flight = app.state.peak = 0

    @app.middleware("http")
    async def count(request: Any, call_next: Any) -> Any:
        app.state.in_flight += 1
        app.state.peak = max(app.state.peak, app.state.in_flight)
        try:
            return await call_next(request)
        finally:
            app.state.in_flight -= 1

    with ServerThread(app) as running:
        running.app = app  # type: ignore[attr-defined]
        yield running


def config(server: ServerThread, model: str, limit: int = 8) -> RunConfig:
    return RunConfig(model=f"openai-compatible:{server.url}:{model}", suite="starter",
                     attacks=("direct", "roleplay"), k=2, limit=limit)


def rows(db_url: str, run_id: str) -> list[tuple[Any, ...]]:
    """Every stored attempt with its verdicts: the keys and what decides the results."""
    with store.connect(db_url).connect() as conn:
        return sorted(conn.execute(text(
            "SELECT a.test_case_id, a.sample, a.status, a.output, v.judge, v.outcome, v.safe,"
            " v.score FROM attempts a LEFT JOIN verdicts v ON v.run_id = a.run_id AND "
            "v.test_case_id = a.test_case_id AND v.sample = a.sample WHERE a.run_id = :r"),
            {"r": run_id}).all())


def stored(db_url: str, run_id: str) -> int:
    with store.connect(db_url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM attempts WHERE run_id = :r"),
                                {"r": run_id}).scalar_one())


def requests(server: ServerThread) -> int:
    return int(httpx.get(server.url.removesuffix("/v1") + "/stats").json()["requests"])


def ray_options(cluster: RayCluster, pg: str, tmp_path: Path, **more: Any
                ) -> pipeline.RunOptions:
    return pipeline.RunOptions(db_url=pg, executor="ray", ray_address=cluster.address,
                               use_cache=False, report_dir=tmp_path / "ray", **more)


@needs_ray
def test_a_ray_run_stores_what_the_local_run_stores(cluster: RayCluster, pg: str,
                                                    server: ServerThread,
                                                    tmp_path: Path) -> None:
    """`mixed` answers code or a refusal by prompt: verdicts of both kinds, k = 2."""
    cfg = config(server, "mixed")
    local = pipeline.evaluate(cfg, pipeline.RunOptions(db_url=pg, use_cache=False,
                                                       report_dir=tmp_path / "local"))
    on_ray = pipeline.evaluate(cfg, ray_options(cluster, pg, tmp_path))
    expected = rows(pg, local.run.id)
    assert len({(r[0], r[1]) for r in expected}) == len(expected) == 8 * 2 * 2  # cases x k
    assert {r[5] for r in expected} >= {"refusal", "compliance"}
    assert rows(pg, on_ray.run.id) == expected
    assert on_ray.new_attempts == len(expected)
    assert on_ray.run.status == "finished" and (tmp_path / "ray" / "report.html").exists()
    assert on_ray.scores.get("safety_rate").value == local.scores.get("safety_rate").value


@needs_ray
def test_concurrency_is_global_and_local_models_serve_from_an_actor(
        cluster: RayCluster, pg: str, server: ServerThread, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers with --concurrency 2 keep 2 requests in flight, not 2 each; the model
    here is served by one ModelServer actor, as a local: / hf: model is."""
    monkeypatch.setattr(ray_executor, "ACTOR_PROVIDERS", ("openai-compatible",))
    server.app.state.peak = 0  # type: ignore[attr-defined]
    result = pipeline.evaluate(config(server, "slow-150", limit=6),
                               ray_options(cluster, pg, tmp_path, concurrency=2,
                                           ray_workers=2))
    assert stored(pg, result.run.id) == 6 * 2 * 2
    assert result.scores.counts["errors"] == 0
    assert server.app.state.peak == 2  # type: ignore[attr-defined]


@needs_ray
def test_a_killed_worker_is_retried_and_a_killed_driver_resumes_what_is_missing(
        cluster: RayCluster, pg: str, server: ServerThread, tmp_path: Path) -> None:
    """A real `riskbench run --executor ray` process: one of its shard workers is killed
    (Ray retries the shard, the run goes on), then the driver itself; `--resume` then
    sends exactly the missing attempts, and every key is stored once."""
    env = {**cli_env(tmp_path), **cluster.env}
    n_attempts = 8 * 2 * 2
    driver = subprocess.Popen(
        [sys.executable, "-m", "riskbench.cli", "run", "--model",
         f"openai-compatible:{server.url}:slow-400", "--suite", "starter", "--attacks",
         "direct,roleplay", "-k", "2", "--limit", "8", "--concurrency", "2", "--db", pg,
         "--no-cache", "--executor", "ray", "--ray-address", cluster.address],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db = store.connect(pg)
    deadline = time.time() + 150
    run_id, killed_worker, at_kill = None, None, 0
    while time.time() < deadline and driver.poll() is None:
        runs = store.list_runs(db, limit=1)
        latest = runs[0] if runs else {"config": {"model": ""}, "status": "", "attempts": 0}
        ours = latest["config"]["model"].endswith("slow-400") and \
            latest["status"] == "running"
        if ours and killed_worker is None and latest["attempts"] >= 4:
            workers = cluster.shard_workers()
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed_worker, at_kill = workers[0], latest["attempts"]
        elif ours and killed_worker and latest["attempts"] >= at_kill + 6:
            run_id = latest["id"]  # the run went on after its worker was lost
            break
        time.sleep(0.1)
    assert killed_worker is not None and run_id is not None, \
        driver.stderr.read() if driver.stderr else ""
    assert driver.poll() is None  # the lost worker did not stop the run
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    settled, last = 0, (-1, -1)
    while settled < 3:  # Ray ends a dead driver's workers; wait until nothing is written
        now = stored(pg, run_id), requests(server)
        settled, last = (settled + 1, last) if now == last else (0, now)
        time.sleep(0.7)
    have, sent = last
    assert 0 < have < n_attempts
    again = pipeline.resume(run_id, ray_options(cluster, pg, tmp_path))
    keys = [(r[0], r[1]) for r in rows(pg, run_id)]
    assert len(keys) == len(set(keys)) == n_attempts
    assert again.new_attempts == n_attempts - have and again.run.status == "finished"
    assert requests(server) - sent == n_attempts - have  # only what was missing was sent
    before = requests(server)
    assert pipeline.resume(run_id, ray_options(cluster, pg, tmp_path)).new_attempts == 0
    assert requests(server) == before


def test_sqlite_with_a_remote_cluster_is_refused_before_anything_is_written(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from riskbench.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["run", "--model", "scripted:refuse", "--db", "sqlite:///x.db", "--executor",
              "ray", "--ray-address", "10.20.30.40:6379"])
    err = capsys.readouterr().err.splitlines()
    assert stopped.value.code == 2
    assert len(err) == 1 and "SQLite" in err[0] and "postgresql" in err[0], err
    assert not (tmp_path / "x.db").exists()


def test_without_ray_installed_the_executor_names_the_extra(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from riskbench.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--model", "scripted:refuse", "--executor", "ray"])
    err = capsys.readouterr().err.splitlines()
    assert stopped.value.code == 2
    assert err == ["error: " + ray_executor.RAY_HINT]


def test_a_campaign_spec_runs_on_the_executor_it_names(tmp_path: Path) -> None:
    """The spec's executor key reaches the run options: a spec for a remote cluster with
    a SQLite store is refused before the campaign is stored."""
    from riskbench.errors import UsageError
    from riskbench.pipeline.campaign_spec import parse_spec
    from riskbench.pipeline.campaigns import run_campaign

    spec = parse_spec({"models": [{"model": "scripted:refuse"}], "executor": "ray",
                       "ray_address": "10.20.30.40:6379"}, environ={})
    with pytest.raises(UsageError, match="SQLite database cannot be shared"):
        run_campaign(spec, pipeline.RunOptions(db_url=f"sqlite:///{tmp_path / 'c.db'}"))
    assert not (tmp_path / "c.db").exists()
