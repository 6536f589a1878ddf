"""The monitor's tables (migration 0002) on SQLite and on a real PostgreSQL server: a
store made before them is upgraded in place; registry, imports with provenance and scores
come back the same from both."""

import sqlite3
from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from helpers.postgres import postgres_server
from riskbench import store
from riskbench.pipeline import monitor


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def fill(url: str, tmp_path: Path) -> list[monitor.DomainScore]:
    engine = store.connect(url)
    monitor.add_model(engine, monitor.ModelInfo(
        "m-closed", "Closed One", "Lab", "F", date(2024, 5, 1), specs=("scripted:refuse",)))
    monitor.add_model(engine, monitor.ModelInfo(
        "m-open", "Open One", "Lab", "G", None, open_weights=True, reasoning=True, beta=0.3))
    path = tmp_path / "s.csv"
    path.write_text("model,benchmark,score,n,source\nm-closed,wmdp_bio,55.5,300,paper\n"
                    "m-closed,bio_refusal,80,,\nm-open,wmdp_bio,70,,\nm-open,bio_refusal,10,"
                    "40,\n", encoding="utf-8")
    monitor.import_scores(engine, path)
    monitor.compute_scores(engine)
    return sorted(monitor.load_scores(engine, "bio"), key=lambda s: s.model)


def test_monitor_tables_on_postgres_match_sqlite(pg_url: str, tmp_path: Path) -> None:
    on_pg = fill(pg_url, tmp_path)
    on_sqlite = fill(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    assert [s.model for s in on_pg] == ["m-closed", "m-open"]
    strip = [(s.model, s.capability, s.safety, s.risk, s.beta, s.missing,
              [(v.benchmark, v.value, v.n, v.low, v.high) for v in s.benchmarks])
             for s in on_pg]
    assert strip == [(s.model, s.capability, s.safety, s.risk, s.beta, s.missing,
                      [(v.benchmark, v.value, v.n, v.low, v.high) for v in s.benchmarks])
                     for s in on_sqlite]
    assert on_pg[1].risk == pytest.approx(70 * (1 - 0.3 * 10 / 100))
    engine = store.connect(pg_url)
    models = {m.id: m for m in monitor.list_models(engine)}
    assert models["m-open"].beta == 0.3 and models["m-open"].release_date is None
    assert models["m-closed"].release_date == date(2024, 5, 1)
    assert monitor.get_model_info(engine, "scripted:refuse").id == "m-closed"
    imported = monitor.list_imported(engine, "m-closed")
    assert [(i.benchmark, i.score, i.n, i.source) for i in imported] == [
        ("wmdp_bio", 55.5, 300, "paper"), ("bio_refusal", 80.0, None, "s.csv")]


def test_a_store_from_before_the_monitor_is_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    cfg = Config()
    cfg.set_main_option("script_location", str(files("riskbench.store").joinpath("migrations")))
    with create_engine(f"sqlite:///{db}").begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == "0001"
    engine = store.connect(f"sqlite:///{db}")
    monitor.add_model(engine, monitor.ModelInfo("x", "x"))
    assert [m.id for m in monitor.list_models(engine)] == ["x"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == "0007"
