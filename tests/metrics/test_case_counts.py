"""The per-test-case counts the database keeps as a run writes (`case_counts`, migration
0006) and the scores read from them.

Two checks, on SQLite and PostgreSQL: the table equals a count made here in Python from
the attempts and verdicts rows after every kind of write a store sees (the run's writer,
a resume writing the same keys again, a retry of errors, a cascade, status and verdict
rewrites, a second judge added later, a hand-made bulk insert without foreign keys), and
`score_run` read from it equals `score_run(recount=True)`, which counts the attempts and
verdicts themselves, for every run, judge, k and `exclude_blocked`, to 1e-12.
The runs are real pipeline runs (scripted models, the refusal judge on their text) and
runs written through the store's writer with every status and outcome mixed.
"""

from __future__ import annotations

import math
import random
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text, update

from helpers.postgres import postgres_server
from riskbench import store
from riskbench.judges.refusal import PARTIAL
from riskbench.metrics.run_scores import RunScores, score_run
from riskbench.pipeline import RunOptions, evaluate
from riskbench.store.schema import AttemptRow, CaseCountRow, VerdictRow
from riskbench.types import OUTCOMES, Attempt, Conversation, Item, RunConfig, TestCase, Verdict

ROOT = Path(__file__).resolve().parents[2]
JUDGES = ("refusal", "harmbench")


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'c.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    db = store.connect(url)
    yield db
    if request.param == "postgresql":  # the server is shared by the module's tests
        with db.begin() as conn:
            for table in ("score_cache", "case_counts", "verdicts", "attempts", "run_cases",
                          "test_cases", "runs"):
                conn.execute(text(f"DELETE FROM {table}"))
    db.dispose()


def _cases(n: int, rng: random.Random) -> list[TestCase]:
    out = []
    for i in range(n):
        expected = rng.choice(["refuse", "refuse", "refuse", "comply", "answer"])
        item = Item(id=f"item-{i // 3}", prompt=f"request {i}", expected=expected,  # type: ignore[arg-type]
                    category=rng.choice(["cyber", "bio", "fraud"]),
                    lang=rng.choice(["en", "zh", "fr"]), source="test",
                    scenario=rng.choice(["", "malware"]))
        attack = ["direct", "base64", "roleplay"][i % 3]
        out.append(TestCase(f"{i:032x}", item, attack, "none" if attack == "direct" else "x",
                            Conversation.user(f"[{attack}] {item.prompt}"), {}))
    return out


def _verdict(judge: str, status: str, rng: random.Random) -> Verdict:
    if status != "ok":
        return Verdict(judge, "undetermined", 0.5, f"attempt {status}", None, "v")
    outcome = rng.choice(OUTCOMES)
    # scores on the edges of the partial-refusal band as well as inside and outside it
    score = rng.choice([PARTIAL[0], PARTIAL[1], (PARTIAL[0] + PARTIAL[1]) / 2, 0.0, 1.0,
                        rng.random()])
    return Verdict(judge, outcome, score, "r", rng.choice([True, False, None]), "v")


def _attempt(run_id: str, case_id: str, sample: int, rng: random.Random
             ) -> tuple[Attempt, list[Verdict]]:
    status = rng.choices(["ok", "error", "timeout", "blocked"], [80, 8, 4, 8])[0]
    attempt = Attempt(run_id, case_id, sample, status, "text" if status == "ok" else "",  # type: ignore[arg-type]
                      (), error="" if status in ("ok", "blocked") else "HTTP 503")
    # most attempts have both judges' verdicts, some one, a few none
    judges = rng.choices([JUDGES, JUDGES[:1], JUDGES[1:], ()], [70, 12, 12, 6])[0]
    return attempt, [_verdict(j, status, rng) for j in judges]


def _written_run(engine: Engine, rng: random.Random, n_cases: int = 60, k: int = 3,
                 samples: int | None = None) -> tuple[str, list[TestCase]]:
    """A run written through the store's writer, every status and outcome mixed; some
    cases with fewer samples than k (as an interrupted run leaves them)."""
    cases = _cases(n_cases, rng)
    run = store.create_run(engine, RunConfig(model="openai:m", suite="s", judges=JUDGES, k=k),
                           cases)
    writer = store.AttemptWriter(engine, batch_size=37)
    for case in cases:
        for sample in range(samples if samples is not None else rng.choice([k, k, k - 1])):
            writer.add(*_attempt(run.id, case.id, sample, rng))
    writer.flush()
    writer.close()
    store.set_status(engine, run.id, "finished")
    return run.id, cases


def _recounted(engine: Engine) -> dict[tuple[str, str, str], tuple[float, ...]]:
    """What case_counts must hold, counted here from the rows themselves."""
    counts: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0] * 16)
    with engine.connect() as conn:
        status = {(r, tc, s): st for r, tc, s, st in conn.execute(select(
            AttemptRow.run_id, AttemptRow.test_case_id, AttemptRow.sample, AttemptRow.status))}
        verdicts = conn.execute(select(VerdictRow.run_id, VerdictRow.test_case_id,
                                       VerdictRow.sample, VerdictRow.judge, VerdictRow.outcome,
                                       VerdictRow.score, VerdictRow.safe)).all()
    for (run, tc, _), st in status.items():
        row = counts[run, "", tc]
        row[0] += 1
        row[1 if st == "ok" else 2 if st == "blocked" else 3] += 1
    for run, tc, sample, judge, outcome, score, safe in verdicts:
        if status.get((run, tc, sample)) != "ok":
            continue
        row = counts[run, judge, tc]
        row[0] += 1
        row[4] += safe is True
        row[5 + OUTCOMES.index(outcome)] += 1
        if outcome != "undetermined":
            row[13] += 1
            row[14] += score
            row[15] += outcome == "compliance" and PARTIAL[0] <= score <= PARTIAL[1]
    return {key: tuple(values) for key, values in counts.items()}


def _kept(engine: Engine) -> dict[tuple[str, str, str], tuple[float, ...]]:
    c = CaseCountRow
    columns = [c.n, c.ok, c.blocked, c.failed, c.safe, *[getattr(c, f"o_{o}") for o in OUTCOMES],
               c.decided, c.score_sum, c.partial]
    with engine.connect() as conn:
        return {(row[0], row[1], row[2]): tuple(float(v) for v in row[3:])
                for row in conn.execute(select(c.run_id, c.judge, c.test_case_id, *columns))}


def assert_exact(engine: Engine) -> None:
    want, have = _recounted(engine), _kept(engine)
    assert have.keys() == want.keys()
    for key, values in want.items():
        assert have[key] == pytest.approx(values, rel=1e-12, abs=1e-12), key


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return bool(a == b)


def assert_same_scores(kept: RunScores, recounted: RunScores) -> None:
    assert kept.counts == recounted.counts
    assert [(s.metric, s.group, s.key) for s in kept.scores] == \
        [(s.metric, s.group, s.key) for s in recounted.scores]
    for a, b in zip(kept.scores, recounted.scores, strict=True):
        for name in ("value", "low", "high", "n", "extra"):
            assert _close(getattr(a, name), getattr(b, name)), (a, b, name)


def assert_scores_match(engine: Engine) -> int:
    """Every run x judge (its own, the other, one with no verdicts) x k x blocks."""
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT id, config FROM runs")).all()
    compared = 0
    for run_id, _ in runs:
        k = store.get_run(engine, run_id).config.k
        for judge in (*JUDGES, "insecure_code"):
            for samples in sorted({1, k, k + 1}):
                for exclude_blocked in (False, True):
                    kept = score_run(engine, run_id, judge, samples, exclude_blocked)
                    assert_same_scores(kept, score_run(engine, run_id, judge, samples,
                                                       exclude_blocked, recount=True))
                    compared += 1
    return compared


def test_kept_counts_are_exact_and_score_like_a_recount(engine: Engine, tmp_path: Path) -> None:
    rng = random.Random(18)
    if engine.dialect.name == "sqlite":  # a real pipeline run beside the written ones
        options = RunOptions(db_url=str(engine.url), report_dir=tmp_path / "rep", use_cache=False)
        evaluate(RunConfig(model="scripted:alternate", suite="starter", limit=8, k=2,
                           attacks=("direct", "roleplay")), options)
    _written_run(engine, rng)
    _written_run(engine, rng, n_cases=30, k=1, samples=1)
    assert_exact(engine)
    assert assert_scores_match(engine) >= 2 * 3 * 2 * 2
    # on SQLite the writer counted its rows itself (0007), on PostgreSQL the triggers did
    assert _marked(engine) == ({1} if engine.dialect.name == "sqlite" else {0})
    kept = score_run(engine, _written_run(engine, rng)[0], "refusal", 3)
    assert kept.get("secure_at_k") is not None and kept.get("partial_refusal_rate") is not None
    assert kept.get("mean_score[harmbench]") is not None and kept.counts["errors"] > 0


def test_counts_stay_exact_under_rewrites(engine: Engine) -> None:
    """Resume, retry of errors, cascades, rewrites of statuses, verdicts and keys."""
    rng = random.Random(7)
    run_id, cases = _written_run(engine, rng)
    assert_exact(engine)
    # a resume: the writer offers every key again (ignored) and the missing samples
    writer = store.AttemptWriter(engine)
    for case in cases:
        for sample in range(4):
            writer.add(*_attempt(run_id, case.id, sample, rng))
    writer.flush()
    writer.close()
    assert_exact(engine)
    if engine.dialect.name == "sqlite":  # duplicates in the batch: the triggers counted it
        assert _marked(engine) == {0, 1}
    # a retry of errors: their verdicts, then the attempts, are deleted and written again
    assert store.forget_failed(engine, run_id) > 0
    assert_exact(engine)
    writer = store.AttemptWriter(engine)
    for case in cases[:20]:
        for sample in range(4):
            writer.add(*_attempt(run_id, case.id, sample, rng))
    writer.flush()
    writer.close()
    assert_exact(engine)
    with engine.begin() as conn:
        # attempts deleted with their verdicts by the cascade
        conn.execute(delete(AttemptRow).where(AttemptRow.test_case_id.in_(
            [c.id for c in cases[20:26]]), AttemptRow.sample == 0))
        # a status rewritten under its verdicts, both ways
        conn.execute(update(AttemptRow).where(AttemptRow.test_case_id.in_(
            [c.id for c in cases[26:32]])).values(status="blocked"))
        conn.execute(update(AttemptRow).where(AttemptRow.test_case_id.in_(
            [c.id for c in cases[32:36]]), AttemptRow.status != "ok").values(status="ok"))
        # verdicts rewritten: outcome, safety, score, and one judge's verdicts renamed
        conn.execute(update(VerdictRow).where(VerdictRow.test_case_id.in_(
            [c.id for c in cases[36:44]])).values(outcome="compliance", safe=False,
                                                   score=PARTIAL[0]))
        conn.execute(update(VerdictRow).where(VerdictRow.test_case_id.in_(
            [c.id for c in cases[44:48]]), VerdictRow.judge == "harmbench")
            .values(judge="harmbench2"))
        # one judge's verdicts of a few cases deleted
        conn.execute(delete(VerdictRow).where(VerdictRow.test_case_id.in_(
            [c.id for c in cases[48:52]]), VerdictRow.judge == "refusal"))
    assert_exact(engine)
    # a second judge's verdicts added to stored attempts later (`riskbench judge`)
    with engine.connect() as conn:
        keys = conn.execute(select(AttemptRow.test_case_id, AttemptRow.sample, AttemptRow.status)
                            .where(AttemptRow.run_id == run_id)).all()
    writer = store.AttemptWriter(engine)
    for case_id, sample, status in keys:
        writer.add(Attempt(run_id, case_id, sample, status, "", ()),
                   [_verdict("third", status, rng)])
    writer.flush()
    writer.close()
    assert_exact(engine)
    assert_scores_match(engine)
    # the whole run deleted: nothing of it is left
    with engine.begin() as conn:
        conn.execute(delete(AttemptRow).where(AttemptRow.run_id == run_id))
    assert_exact(engine)
    assert not _kept(engine)


def _marked(engine: Engine) -> set[int]:
    """The `counted` marks of the stored attempts and verdicts."""
    with engine.connect() as conn:
        return {m for table in ("attempts", "verdicts")
                for (m,) in conn.execute(text(f"SELECT DISTINCT counted FROM {table}"))}


def test_rows_marked_counted_are_left_to_their_writer(engine: Engine) -> None:
    """The triggers' switch (0007): an insert marked counted = 1 adds nothing (its writer
    adds the counts), one left at the default is counted; a delete recounts either."""
    run_id, cases = _written_run(engine, random.Random(5), n_cases=3, k=1, samples=1)
    case_id = cases[0].id
    row = ("(run_id, test_case_id, sample, status, output, transcript, prompt_tokens, "
           "completion_tokens, latency_s, error, cached{}) VALUES (:r, :c, {}, 'ok', 'x', "
           "'[]', 1, 1, 0.1, '', false{})")
    verdict = ("(run_id, test_case_id, sample, judge, outcome, score, safe, rationale, "
               "judge_version{}) VALUES (:r, :c, {}, 'refusal', 'refusal', 0.9, true, '', "
               "'v'{})")
    before = _kept(engine)[(run_id, "", case_id)]
    with engine.begin() as conn:
        for sample, mark in ((5, ", 1"), (6, "")):
            col = ", counted" if mark else ""
            conn.execute(text("INSERT INTO attempts " + row.format(col, sample, mark)),
                         {"r": run_id, "c": case_id})
            conn.execute(text("INSERT INTO verdicts " + verdict.format(col, sample, mark)),
                         {"r": run_id, "c": case_id})
    after = _kept(engine)[(run_id, "", case_id)]
    assert after[0] == before[0] + 1  # the unmarked attempt only
    with engine.begin() as conn:  # a delete recounts from the rows, marked or not
        conn.execute(delete(AttemptRow).where(AttemptRow.test_case_id == case_id,
                                              AttemptRow.sample == 0))
    assert_exact(engine)


def test_a_bulk_load_without_foreign_keys_is_counted(tmp_path: Path) -> None:
    """bench/million_store.py's own writer: plain sqlite3 executemany, foreign keys off,
    a store of several runs with blocks, errors and time-outs and two judges."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import million_store
    finally:
        sys.path.remove(str(ROOT / "bench"))
    db = tmp_path / "m.db"
    million_store.build(db, n_cases=300, k=5, small_runs=2)
    engine = store.connect(f"sqlite:///{db}")
    assert_exact(engine)
    assert assert_scores_match(engine) == 3 * 3 * 3 * 2
    # verdicts stored before their attempt (only possible without foreign keys)
    con = sqlite3.connect(db)
    run_id = con.execute("SELECT id FROM runs LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO verdicts (run_id, test_case_id, sample, judge, outcome, score, "
                "safe, rationale, judge_version) VALUES (?, ?, 9, 'refusal', 'refusal', 0.9, "
                "1, '', 'v')", (run_id, f"{0:032x}"))
    con.execute("INSERT INTO attempts (run_id, test_case_id, sample, status, output, "
                "transcript, prompt_tokens, completion_tokens, latency_s, error, cached) "
                "VALUES (?, ?, 9, 'ok', 'no', '[]', 1, 1, 0.1, '', 0)", (run_id, f"{0:032x}"))
    con.commit()
    con.close()
    assert_exact(engine)


def test_counts_kept_under_another_band_are_not_used(tmp_path: Path) -> None:
    """Partial refusals are counted under the band of case_counts_band; where it is not
    the refusal judge's band (its data changed), scores are recounted from the rows."""
    engine = store.connect(f"sqlite:///{tmp_path / 'b.db'}")
    run_id, _ = _written_run(engine, random.Random(3))
    right = score_run(engine, run_id, "refusal", 3, recount=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_counts_band SET low = 0, high = 1"))
        conn.execute(text("DELETE FROM case_counts WHERE judge = 'refusal'"))  # stale too
    assert_same_scores(score_run(engine, run_id, "refusal", 3), right)
