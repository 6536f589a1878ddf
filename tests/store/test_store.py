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
        version = conn.execute("select version_num from alembic_version").fetchone()[0]
        assert version == "0003_campaigns"
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
