"""The finished-run score cache: a cached run's scores equal freshly computed ones, and
any change to the run (a resume writing attempts, a retried error, new verdicts) or a
run that is not finished is scored afresh. Real runs (scripted models) in real SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from riskbench import metrics, store
from riskbench.judges import get_judges
from riskbench.metrics import score_cache
from riskbench.pipeline import RunOptions, evaluate
from riskbench.store.schema import ScoreCacheRow
from riskbench.types import Attempt, RunConfig, Verdict


@pytest.fixture
def finished(tmp_path: Path) -> tuple[str, str]:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = evaluate(RunConfig(model="scripted:alternate", suite="starter", limit=6, k=2),
                      RunOptions(db_url=db, report_dir=tmp_path / "rep", use_cache=False))
    return db, result.run.id


def _entries(db: str) -> int:
    with store.connect(db).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ScoreCacheRow)).scalar_one())


def _no_recompute(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object, **__: object) -> None:
        raise AssertionError("scored again although the run did not change")
    monkeypatch.setattr(score_cache, "score_run", fail)


def test_a_cached_score_equals_a_recomputed_one(finished: tuple[str, str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    db, run_id = finished
    engine = store.connect(db)
    fresh = metrics.score_run(engine, run_id, "refusal", 2)
    assert _entries(db) == 2  # the run itself stored its scores (and counts) when it finished
    first = metrics.cached_score_run(engine, run_id, "refusal", 2)
    _no_recompute(monkeypatch)
    again = metrics.cached_score_run(engine, run_id, "refusal", 2)
    assert fresh == first == again
    assert fresh.get("secure_at_k") is not None and fresh.get("safety_rate") is not None
    assert 0 < fresh.get("safety_rate").value < 1  # type: ignore[union-attr,operator]
    monkeypatch.undo()  # another variant is its own entry
    blocked_out = metrics.cached_score_run(engine, run_id, "refusal", 2, exclude_blocked=True)
    assert blocked_out == metrics.score_run(engine, run_id, "refusal", 2, True)
    assert _entries(db) == 3


def _write(engine: object, run_id: str, case_id: str, sample: int, status: str,
           output: str, judge: str = "refusal") -> None:
    from riskbench.store import load_cases

    case = next(c for c in load_cases(engine, run_id) if c.id == case_id)  # type: ignore[arg-type]
    attempt = Attempt(run_id, case_id, sample, status, output, (), error="" if status == "ok"
                      else "HTTP 503")
    verdict = get_judges([judge])[0].verdict(case, attempt)  # type: ignore[attr-defined]
    writer = store.AttemptWriter(engine)  # type: ignore[arg-type]
    writer.add(attempt, [verdict])
    writer.flush()


def test_a_resume_that_writes_attempts_invalidates(finished: tuple[str, str]) -> None:
    db, run_id = finished
    engine = store.connect(db)
    before = metrics.cached_score_run(engine, run_id, "refusal", 2)
    case_id = store.load_cases(engine, run_id)[0].id
    # what a resume does to the store: running, new attempts, finished again
    store.set_status(engine, run_id, "running")
    assert metrics.cached_score_run(engine, run_id, "refusal", 2) == \
        metrics.score_run(engine, run_id, "refusal", 2)  # running: never from the cache
    _write(engine, run_id, case_id, 2, "ok", "Sure, here is how to do it: step 1 ...")
    store.set_status(engine, run_id, "finished")
    after = metrics.cached_score_run(engine, run_id, "refusal", 2)
    assert after == metrics.score_run(engine, run_id, "refusal", 2)
    assert after.counts["attempts"] == before.counts["attempts"] + 1
    assert after != before


def test_a_retried_error_with_the_same_counts_invalidates(tmp_path: Path) -> None:
    """forget_failed + one new reply: as many attempts as before, one error fewer."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = evaluate(RunConfig(model="scripted:refuse", suite="starter", limit=3),
                      RunOptions(db_url=db, report_dir=tmp_path / "rep", use_cache=False))
    engine = store.connect(db)
    run_id = result.run.id
    case_id = store.load_cases(engine, run_id)[0].id
    with engine.begin() as conn:  # one reply was an error all along
        from sqlalchemy import delete

        from riskbench.store.schema import AttemptRow, VerdictRow
        conn.execute(delete(VerdictRow).where(VerdictRow.test_case_id == case_id))
        conn.execute(delete(AttemptRow).where(AttemptRow.test_case_id == case_id))
    _write(engine, run_id, case_id, 0, "error", "")
    store.set_status(engine, run_id, "finished")
    with_error = metrics.cached_score_run(engine, run_id, "refusal", 1)
    assert with_error.counts["errors"] == 1
    assert store.forget_failed(engine, run_id) == 1
    _write(engine, run_id, case_id, 0, "ok", "I can't help with that.")
    store.set_status(engine, run_id, "finished")
    retried = metrics.cached_score_run(engine, run_id, "refusal", 1)
    assert retried.counts["errors"] == 0
    assert retried.counts["attempts"] == with_error.counts["attempts"]
    assert retried == metrics.score_run(engine, run_id, "refusal", 1)


def test_new_verdicts_invalidate(finished: tuple[str, str]) -> None:
    """Another judge's verdicts on the stored attempts change the per-judge figures."""
    db, run_id = finished
    engine = store.connect(db)
    before = metrics.cached_score_run(engine, run_id, "refusal", 2)
    assert not any(s.metric == "mean_score[second]" for s in before.scores)
    rows = store.load_attempts(engine, run_id, "refusal")
    writer = store.AttemptWriter(engine)
    with engine.connect() as conn:
        from riskbench.store.schema import AttemptRow
        keys = conn.execute(select(AttemptRow.test_case_id, AttemptRow.sample, AttemptRow.output)
                            .where(AttemptRow.run_id == run_id)).all()
    for case_id, sample, output in keys:
        attempt = Attempt(run_id, case_id, sample, "ok", output, ())
        writer.add(attempt, [Verdict("second", "compliance", 0.25, "a second opinion", False,
                                     "v1")])
    writer.flush()
    after = metrics.cached_score_run(engine, run_id, "refusal", 2)
    assert len(rows) == len(keys)
    assert after == metrics.score_run(engine, run_id, "refusal", 2)
    assert after.get("mean_score[second]").value == pytest.approx(0.25)  # type: ignore[union-attr]


def test_listed_attempt_counts_follow_new_attempts(finished: tuple[str, str]) -> None:
    """`riskbench runs` keeps a finished run's counts; a resume's writes empty them."""
    db, run_id = finished
    engine = store.connect(db)

    def listed() -> dict[str, object]:
        return next(r for r in store.list_runs(engine) if r["id"] == run_id)

    before = listed()
    assert before["attempts"] == 12 and before["errors"] == 0
    assert listed() == before  # from the cache
    _write(engine, run_id, store.load_cases(engine, run_id)[0].id, 2, "error", "")
    store.set_status(engine, run_id, "finished")
    after = listed()
    assert after["attempts"] == 13 and after["errors"] == 1
