import sqlite3
from pathlib import Path

from riskbench import store
from riskbench.attacks import build_test_cases, resolve
from riskbench.suites import load_suite
from riskbench.types import Attempt, RunConfig, Verdict


def test_sqlite_store_is_migrated_wal_and_writes_each_attempt_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = store.connect(url)
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == "0007"
    cases = build_test_cases(load_suite("starter").items[:3], resolve(["direct"]))
    run = store.create_run(engine, RunConfig(model="scripted:refuse"), cases)
    assert [c.id for c in store.load_cases(engine, run.id)] == [c.id for c in cases]
    writer = store.AttemptWriter(engine)
    attempt = Attempt(run.id, cases[0].id, 0, "ok", "no", ())
    verdict = Verdict("refusal", "refusal", 0.9, "r", True)
    writer.add(attempt, [verdict])
    writer.add(attempt, [verdict])  # a duplicate is ignored, never stored twice
    writer.flush()
    assert store.done_keys(engine, run.id) == {(cases[0].id, 0)}
    store.connect(url)  # reopening an up-to-date database migrates nothing
    assert store.get_run(engine, "latest").id == run.id


def test_every_verdict_stores_its_judge_and_version(tmp_path: Path) -> None:
    """A refusal verdict carries the hash of the judge's code, patterns and weights, and the
    store keeps it: two versions of one judge are never pooled unnoticed."""
    from importlib.resources import files

    from riskbench.judges import get_judges

    engine = store.connect(f"sqlite:///{tmp_path / 'r.db'}")
    cases = build_test_cases(load_suite("starter").items[:1], resolve(["direct"]))
    run = store.create_run(engine, RunConfig(model="scripted:refuse"), cases)
    judge = get_judges(["refusal"])[0]
    attempt = Attempt(run.id, cases[0].id, 0, "ok", "I can't help with that.", ())
    verdict = judge.verdict(cases[0], attempt)  # type: ignore[attr-defined]
    assert len(verdict.judge_version) == 16 and verdict.judge == "refusal"
    patterns = files("riskbench.judges").joinpath("data/refusal_patterns.yaml").read_bytes()
    assert patterns in judge.version_inputs()  # type: ignore[attr-defined]
    writer = store.AttemptWriter(engine)
    writer.add(attempt, [verdict])
    writer.flush()
    rows = store.load_attempts(engine, run.id, "refusal")
    assert [(r["outcome"], r["judge_version"]) for r in rows] == [
        ("refusal", verdict.judge_version)]
    with sqlite3.connect(tmp_path / "r.db") as conn:
        stored = conn.execute("select judge, judge_version from verdicts").fetchall()
    assert stored == [("refusal", verdict.judge_version)]


def test_the_fast_schema_check_knows_alembics_head() -> None:
    """`connect` trusts store.database.HEAD to skip alembic on a current store: a new
    migration must move it, or every store would be migrated on each connect."""
    from riskbench.store import database

    assert database._head() == database.HEAD


def test_a_current_store_opens_without_importing_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'r.db'}"
    store.connect(url)
    code = (f"import sys; from riskbench import store; store.connect({url!r}); "
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
