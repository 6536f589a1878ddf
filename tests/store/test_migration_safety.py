"""Creating the store survives kill -9 at any point of the first migration, concurrent
first use, half-created databases of older versions and files that are not databases."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from riskbench import store
from riskbench.errors import UsageError
from riskbench.store.database import _head
from riskbench.store.schema import Base

CHILD = str(Path(__file__).parents[1] / "helpers" / "migrate_child.py")
TABLES = {t.name for t in Base.metadata.sorted_tables}
HEAD = [(_head(),)]  # the newest migration


def child(url: str, kill_at: int = 0) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, CHILD, url, str(kill_at)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sqlite_state(db: Path) -> tuple[set[str], list[tuple[str]]]:
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        version = (conn.execute("select version_num from alembic_version").fetchall()
                   if "alembic_version" in names else [])
    return names, version


def test_kill_during_first_migration_leaves_nothing_or_everything(tmp_path: Path) -> None:
    first = child(f"sqlite:///{tmp_path / 'count.db'}")
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    statements = int(out)
    assert statements > 10  # the migration is many statements, each a place to die
    rng = random.Random()
    points = sorted({*rng.sample(range(2, statements), 3), statements})
    procs = {n: child(f"sqlite:///{tmp_path / f'k{n}.db'}", n) for n in points}
    for n, proc in procs.items():
        proc.communicate(timeout=60)
        assert proc.returncode == -9, f"statement {n} of {statements} was never reached"
        db = tmp_path / f"k{n}.db"
        names, version = sqlite_state(db)
        assert not names & TABLES or version == HEAD, (n, names, version)
        store.connect(f"sqlite:///{db}")  # and the store opens normally afterwards
        names, version = sqlite_state(db)
        assert names >= TABLES and version == HEAD


def test_concurrent_first_use_of_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    procs = [child(url) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
    names, version = sqlite_state(tmp_path / "shared.db")
    assert names >= TABLES and version == HEAD


def test_empty_tables_without_a_version_are_repaired(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Base.metadata.create_all(create_engine(url))  # what an interrupted old setup left
    engine = store.connect(url)
    assert "interrupted first setup" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == HEAD[0][0]
    store.connect(url)  # idempotent: nothing more to repair
    assert capsys.readouterr().err == ""


def test_unversioned_tables_with_data_are_named_not_dropped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Base.metadata.create_all(create_engine(url))
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("insert into runs (id, model, suite, status, config, created_at, n_cases)"
                     " values ('r', 'm', 's', 'finished', '{}', 'now', 0)")
    with pytest.raises(UsageError, match="no schema version"):
        store.connect(url)
    with sqlite3.connect(tmp_path / "old.db") as conn:
        assert conn.execute("select count(*) from runs").fetchone() == (1,)


@pytest.mark.parametrize("content", [b"hello, not a database\n" * 200, b"\x00\xff" * 4096])
def test_a_file_that_is_not_sqlite_is_one_usage_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(UsageError, match="not a riskbench database"):
        store.connect(f"sqlite:///{path}")
    assert path.read_bytes() == content


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    from helpers.postgres import postgres_server

    with postgres_server() as url:
        yield url


def _pg_tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _pg_reset(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("drop schema public cascade; create schema public"))
    engine.dispose()


def test_postgres_kill_during_migration_and_concurrent_first_use(pg_url: str) -> None:
    _pg_reset(pg_url)
    proc = child(pg_url, 12)
    proc.communicate(timeout=60)
    assert proc.returncode == -9
    assert not _pg_tables(pg_url) & TABLES  # the transaction died with the process
    procs = [child(pg_url) for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=90)
        assert p.returncode == 0, err
    assert _pg_tables(pg_url) >= TABLES
