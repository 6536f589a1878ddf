"""`riskbench runs` reads a current SQLite store through the stdlib driver
(`store.driver.open_current_sqlite`, `store.listing.list_runs_at`): it must list what the
engine's way lists, open the file SQLAlchemy would open, put a finished run's missing
counts in the cache as before, and leave everything else (a new file, an old or missing
schema stamp, not a database, another URL form) to `connect`, which creates, migrates or
names the problem as it always did."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from riskbench import store
from riskbench.errors import UsageError
from riskbench.pipeline import RunOptions, evaluate
from riskbench.store.driver import HEAD, open_current_sqlite
from riskbench.types import RunConfig


def _store(path: Path, runs: int = 3) -> tuple[str, list[str]]:
    db = f"sqlite:///{path}"
    ids = [evaluate(RunConfig(model="scripted:alternate", suite="starter", limit=4, k=2,
                              seed=seed),
                    RunOptions(db_url=db, report_dir=path.parent / "rep", use_cache=False)
                    ).run.id for seed in range(runs)]
    return db, ids


def _counts_cached(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT run_id, scores FROM score_cache "
                                 "WHERE variant = 'attempt_counts'").fetchall())


def test_the_driver_lists_what_the_engine_lists(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    db, (cached, uncached, unfinished) = _store(path)
    with sqlite3.connect(path) as conn:  # runs made within one second tie on created_at
        for second, run_id in enumerate((cached, uncached, unfinished)):
            conn.execute("UPDATE runs SET created_at = ? WHERE id = ?",
                         (f"2026-01-01T00:00:0{second}+00:00", run_id))
    engine = store.connect(db)
    store.set_status(engine, unfinished, "interrupted")  # counted from the case counts
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM score_cache WHERE run_id = ?", (uncached,))
    assert cached in _counts_cached(path) and uncached not in _counts_cached(path)
    through_driver = store.list_runs_at(db)
    assert uncached in _counts_cached(path)  # put there, as the engine's way did
    assert through_driver == store.list_runs(engine)
    assert [r["id"] for r in through_driver] == [unfinished, uncached, cached]  # newest first
    assert all(r["attempts"] == r["expected_attempts"] == 8 and r["errors"] == 0
               for r in through_driver)
    assert through_driver[0]["status"] == "interrupted"
    assert through_driver[0]["config"]["model"] == "scripted:alternate"
    for limit in (1, 2):
        assert store.list_runs_at(db, limit) == store.list_runs(engine, limit) \
            == through_driver[:limit]


def test_the_driver_opens_only_a_current_plain_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "a b"
    folder.mkdir()
    db, _ = _store(folder / "r.db", runs=1)
    monkeypatch.chdir(folder)
    for url in (db, "sqlite:///r.db", None):  # absolute, relative, $RISKBENCH_DB
        monkeypatch.setenv("RISKBENCH_DB", db)
        conn = open_current_sqlite(url)
        assert conn is not None, url
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        conn.close()
        assert len(store.list_runs_at(url)) == 1
    for url in (f"{db}?mode=ro", "sqlite://", "sqlite:///:memory:", "sqlite:///new.db",
                "sqlite+pysqlite:///r.db", "postgresql+psycopg://u@127.0.0.1:1/x"):
        assert open_current_sqlite(url) is None, url
    assert not (folder / "new.db").exists()  # never created here
    with sqlite3.connect(folder / "r.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert open_current_sqlite(db) is None
    with sqlite3.connect(folder / "r.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (HEAD,))
    assert open_current_sqlite(db) is not None


def test_what_the_driver_does_not_open_takes_connects_way(tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    assert store.list_runs_at(f"sqlite:///{new}") == []
    with sqlite3.connect(new) as conn:  # created and migrated, as connect does
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    with pytest.raises(UsageError) as by_connect:
        store.connect(f"sqlite:///{junk}")
    with pytest.raises(UsageError) as listed:
        store.list_runs_at(f"sqlite:///{junk}")
    assert str(listed.value) == str(by_connect.value)
    assert "is not a riskbench database" in str(listed.value)
