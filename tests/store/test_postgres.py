"""The same pipeline on a real PostgreSQL server: migrations, idempotent writes, resume
and the SQL aggregations."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from helpers.postgres import postgres_server
from riskbench import store
from riskbench.pipeline import RunOptions, evaluate, resume, write_run_reports
from riskbench.types import RunConfig


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def test_run_resume_and_report_on_postgres(pg_url: str, tmp_path: Path) -> None:
    options = RunOptions(db_url=pg_url, report_dir=tmp_path / "r", use_cache=False)
    config = RunConfig(model="scripted:alternate", attacks=("direct", "roleplay"), k=3,
                       limit=10)
    first = evaluate(config, options)
    assert first.scores.counts == {"attempts": 60, "errors": 0, "blocked": 0}
    engine = store.connect(pg_url)
    # forget a third of the attempts, as a kill would, then resume
    with engine.begin() as conn:
        conn.execute(text("delete from verdicts where sample = 2"))
        conn.execute(text("delete from attempts where sample = 2"))
    again = resume(first.run.id, options)
    assert again.new_attempts == 20 and again.scores.counts["attempts"] == 60
    with engine.connect() as conn:
        distinct = conn.execute(text(
            "select count(distinct (test_case_id, sample)) from attempts")).scalar()
    assert distinct == 60
    for metric in ("safety_rate", "secure_at_k", "over_refusal_rate"):
        pg = again.scores.get(metric)
        assert pg is not None and pg.value is not None
    report = write_run_reports("latest", options)
    assert report.reports["html"].exists()
    assert [r["id"] for r in store.list_runs(engine)] == [first.run.id]


def test_same_scores_as_sqlite(pg_url: str, tmp_path: Path) -> None:
    config = RunConfig(model="scripted:alternate", attacks=("direct", "prefix_injection"),
                       k=2, limit=12)
    on_pg = evaluate(config, RunOptions(db_url=pg_url, report_dir=tmp_path / "a"))
    on_sqlite = evaluate(config, RunOptions(db_url=f"sqlite:///{tmp_path / 's.db'}",
                                            report_dir=tmp_path / "b"))
    key = [(s.metric, s.group, s.key, s.n, round(s.value or 0, 9)) for s in on_pg.scores.scores]
    other = [(s.metric, s.group, s.key, s.n, round(s.value or 0, 9))
             for s in on_sqlite.scores.scores]
    assert sorted(key) == sorted(other)


def test_the_score_cache_is_emptied_by_writes_on_postgres(pg_url: str, tmp_path: Path
                                                           ) -> None:
    """Migration 0005's statement-level triggers: deleting attempts (as a kill would)
    drops the run's cached scores and counts; the next read scores afresh."""
    from riskbench import metrics

    options = RunOptions(db_url=pg_url, report_dir=tmp_path / "c", use_cache=False)
    run = evaluate(RunConfig(model="scripted:alternate", k=2, limit=4), options).run
    engine = store.connect(pg_url)
    listed = next(r for r in store.list_runs(engine) if r["id"] == run.id)
    cached = metrics.cached_score_run(engine, run.id, "refusal", 2)
    assert cached == metrics.score_run(engine, run.id, "refusal", 2)
    count = "select count(*) from score_cache where run_id = :run"
    with engine.begin() as conn:
        assert conn.execute(text(count), {"run": run.id}).scalar() == 2  # scores, counts
        conn.execute(text("delete from verdicts where run_id = :run and sample = 1"),
                     {"run": run.id})
        conn.execute(text("delete from attempts where run_id = :run and sample = 1"),
                     {"run": run.id})
    with engine.connect() as conn:
        assert conn.execute(text(count), {"run": run.id}).scalar() == 0
    after = metrics.cached_score_run(engine, run.id, "refusal", 2)
    assert after.counts["attempts"] == cached.counts["attempts"] // 2
    assert next(r for r in store.list_runs(engine) if r["id"] == run.id)["attempts"] \
        == listed["attempts"] // 2
