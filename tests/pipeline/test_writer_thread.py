"""The inline sink with its store's transactions in a writer thread (pipeline/sink.py):
an attempt counts only once its transaction commits, one transaction is in flight at a
time, and a failing one stops the run and is tried again by the close, as inline."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from riskbench import store
from riskbench.attacks import build_test_cases, resolve
from riskbench.judges import get_judges
from riskbench.pipeline.sink import JudgingSink
from riskbench.suites import load_suite
from riskbench.types import Attempt, Message, RunConfig, TestCase

REPLIES = ("I can't help with that.", "Sure, here is how:\n1. take\n2. mix")


def setup(tmp_path: Path, n: int) -> tuple[str, list[tuple[TestCase, Attempt]], Path]:
    db = tmp_path / "t.db"
    engine = store.connect(f"sqlite:///{db}")
    items = load_suite("starter").items
    cases = build_test_cases(items, resolve(["direct", "roleplay"]))[:n]
    run = store.create_run(engine, RunConfig(model="scripted:refuse"), cases)
    work = [(case, Attempt(run.id, case.id, 0, "ok", reply,
                           (*case.conversation.messages, Message("assistant", reply))))
            for i, case in enumerate(cases) for reply in [REPLIES[i % 2]]]
    return f"sqlite:///{db}", work, db


def stored(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return (conn.execute("select count(*) from attempts").fetchone()[0],
                conn.execute("select count(*) from verdicts").fetchone()[0])


def test_counted_only_when_committed_by_one_thread(tmp_path: Path) -> None:
    url, work, db = setup(tmp_path, 150)
    engine = store.connect(url)
    writer = store.AttemptWriter(engine)
    threads: set[int] = set()
    in_flight, most = [0], [0]
    write = writer.write

    def watched(batch: store.runs.WriteBatch) -> None:  # the real write, observed
        threads.add(threading.get_ident())
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            write(batch)
        finally:
            in_flight[0] -= 1

    writer.write = watched  # type: ignore[method-assign]
    sink = JudgingSink(get_judges(["refusal"]), writer, batch_size=16, threaded=True,
                       store_batch=32)

    async def go() -> list[int]:
        seen = []
        for case, attempt in work:
            await sink(case, attempt)
            assert sink.written <= stored(db)[0]  # never counted before it is stored
            seen.append(sink.written)
        await sink.close()
        return seen

    seen = asyncio.run(go())
    assert sink.written == len(work) == stored(db)[0]
    assert stored(db)[1] == len(work)  # each with its verdict
    assert seen[-1] < len(work)  # some were still in flight when the last one arrived
    assert threads and threading.get_ident() not in threads and len(threads) == 1
    assert most[0] == 1


def test_a_failing_transaction_stops_the_run_and_the_close_tries_again(tmp_path: Path
                                                                       ) -> None:
    url, work, db = setup(tmp_path, 120)
    with sqlite3.connect(db) as conn:  # the database refuses one attempt, as a full disk
        conn.execute(f"create trigger no before insert on attempts when new.test_case_id = "
                     f"'{work[70][0].id}' begin select raise(abort, 'disk says no'); end")
    writer = store.AttemptWriter(store.connect(url))
    sink = JudgingSink(get_judges(["refusal"]), writer, batch_size=16, threaded=True,
                       store_batch=32)

    async def go() -> None:
        try:
            for case, attempt in work:
                await sink(case, attempt)
                await asyncio.sleep(0)
        finally:
            await sink.close()

    with pytest.raises(Exception, match="disk says no"):
        asyncio.run(go())
    attempts, verdicts = stored(db)
    assert attempts == verdicts == sink.written  # whole transactions only
    assert 32 <= attempts < 70
    with sqlite3.connect(db) as conn:
        conn.execute("drop trigger no")

    # the same failure once, then gone: the close's flush stores the failed batch
    writer = store.AttemptWriter(store.connect(url))
    sink = JudgingSink(get_judges(["refusal"]), writer, batch_size=16, threaded=True,
                       store_batch=32)
    rest = work[attempts:]
    write, failures = writer.write, [0]

    def once(batch: store.runs.WriteBatch) -> None:
        if not failures[0]:
            failures[0] += 1
            raise sqlite3.OperationalError("database is locked")
        write(batch)

    writer.write = once  # type: ignore[method-assign]
    taken: list[int] = [0]
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        asyncio.run(go_counting(sink, rest, taken))
    assert failures[0] == 1 and 32 <= taken[0] < len(rest)  # stopped soon after
    # everything the sink took is stored once, the failed batch included, and counted
    assert stored(db) == (attempts + taken[0],) * 2
    assert sink.written == taken[0]


async def go_counting(sink: JudgingSink, work: list[tuple[TestCase, Attempt]],
                      taken: list[int]) -> None:
    try:
        for case, attempt in work:
            await sink(case, attempt)
            taken[0] += 1
            await asyncio.sleep(0)
    finally:
        await sink.close()
