"""Reading and writing runs, their test cases, attempts and verdicts."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    Text,
    case,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from riskbench.errors import RunFailed, UsageError
from riskbench.jsonl import dumps, loads
from riskbench.models.keys import scrub
from riskbench.store import listing
from riskbench.store.case_counts import UPSERT, batch_counts, kept_band
from riskbench.store.schema import (
    AttemptRow,
    RunCaseRow,
    RunRow,
    TestCaseRow,
    VerdictRow,
)
from riskbench.types import (
    Attempt,
    Conversation,
    Item,
    Message,
    Run,
    RunConfig,
    TestCase,
    Verdict,
    message_from_json,
)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def _insert_ignore(engine: Engine, table: Any) -> Any:
    """INSERT that skips rows whose key exists: writes are idempotent under resume. The
    dialect's module is imported here: PostgreSQL's imports its drivers' modules too, a
    tenth of a second that a SQLite store's listing need not pay."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)


def _run(row: RunRow) -> Run:
    return Run(row.id, RunConfig.from_json(row.config), row.status, row.created_at,
               row.finished_at, row.n_cases)


def create_run(engine: Engine, config: RunConfig, cases: Sequence[TestCase]) -> Run:
    """The run, its test cases and their order, in one transaction: a run either exists
    with everything a resume needs, or not at all."""
    run = Run(new_run_id(), config, "running", now(), None, len(cases))
    with engine.begin() as conn:
        conn.execute(insert(RunRow), [{
            "id": run.id, "model": config.model, "suite": config.suite, "status": run.status,
            "config": config.to_json(), "created_at": run.created_at, "finished_at": None,
            "n_cases": run.n_cases,
        }])
        if cases:
            unique = {c.id: c for c in cases}
            conn.execute(_insert_ignore(engine, TestCaseRow), [_case_row(c)
                                                              for c in unique.values()])
            conn.execute(insert(RunCaseRow), [
                {"run_id": run.id, "test_case_id": c.id, "position": i}
                for i, c in enumerate(unique.values())
            ])
    return run


def _case_row(case: TestCase) -> dict[str, Any]:
    item = case.item
    return {
        "id": case.id, "item_id": item.id, "source": item.source, "attack": case.attack,
        "attack_family": case.attack_family, "expected": item.expected,
        "category": item.category, "domain": item.domain, "lang": item.lang,
        "scenario": item.scenario, "prog_lang": item.prog_lang, "item": item.to_json(),
        "conversation": case.conversation.to_json(), "params": dict(case.params),
    }


def get_run(engine: Engine, run_id: str) -> Run:
    """A run by id, or 'latest' for the newest one."""
    query = select(RunRow)
    if run_id == "latest":
        query = query.order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(1)
    else:
        query = query.where(RunRow.id == run_id)
    with Session(engine) as session:
        row = session.execute(query).scalars().first()
        if row is None:
            what = "no runs yet" if run_id == "latest" else f"no run {run_id!r}"
            raise UsageError(f"{what} in this database; `riskbench runs` lists the runs")
        return _run(row)


def load_cases(engine: Engine, run_id: str) -> list[TestCase]:
    """A run's test cases in plan order (columns, not ORM objects: a resume or a judging
    worker reads every case of the run)."""
    t = TestCaseRow
    with engine.connect() as conn:
        # the JSON columns as text, decoded here: SQLAlchemy's per-value JSON processing
        # was a quarter of the time of loading 20,000 cases (docs/performance.md, issue 18)
        rows = conn.execute(
            select(t.id, type_coerce(t.item, Text), t.attack, t.attack_family,
                   type_coerce(t.conversation, Text), type_coerce(t.params, Text))
            .join(RunCaseRow, RunCaseRow.test_case_id == t.id)
            .where(RunCaseRow.run_id == run_id).order_by(RunCaseRow.position))
        return [TestCase(id_, Item.from_json(_json(item)), attack, family,
                         Conversation.from_json(_json(conversation)), _json(params))
                for id_, item, attack, family, conversation, params in rows]


def _json(value: Any) -> Any:
    """A JSON column read as text (SQLite); PostgreSQL's driver hands it parsed."""
    return loads(value) if isinstance(value, str | bytes) else value


def done_keys(engine: Engine, run_id: str) -> set[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AttemptRow.test_case_id, AttemptRow.sample)
                            .where(AttemptRow.run_id == run_id))
        return {(tc, sample) for tc, sample in rows}


def forget_failed(engine: Engine, run_id: str) -> int:
    """Delete a run's errored attempts (and verdicts) so a resume tries them again."""
    with engine.begin() as conn:
        failed = select(AttemptRow.test_case_id, AttemptRow.sample).where(
            AttemptRow.run_id == run_id, AttemptRow.status != "ok")
        keys = list(conn.execute(failed))
        for tc, sample in keys:
            conn.execute(delete(VerdictRow).where(
                VerdictRow.run_id == run_id, VerdictRow.test_case_id == tc,
                VerdictRow.sample == sample))
            conn.execute(delete(AttemptRow).where(
                AttemptRow.run_id == run_id, AttemptRow.test_case_id == tc,
                AttemptRow.sample == sample))
        return len(keys)


def raise_if_all_failed(engine: Engine, run_id: str) -> None:
    """RunFailed when the run has attempts and none of them got a reply (errors and
    time-outs only; a provider's filter block is a reply). For the CLI's exit code."""
    with engine.connect() as conn:
        total, failed, example = conn.execute(
            select(func.count(),
                   func.sum(case((AttemptRow.status.in_(("error", "timeout")), 1), else_=0)),
                   func.max(AttemptRow.error))
            .where(AttemptRow.run_id == run_id)).one()
    if total and failed == total:
        raise RunFailed(run_id, total, example or "no message")


def set_status(engine: Engine, run_id: str, status: str) -> None:
    finished = now() if status in ("finished", "failed") else None
    with engine.begin() as conn:
        conn.execute(update(RunRow).where(RunRow.id == run_id)
                     .values(status=status, finished_at=finished))


def list_runs(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first, with their stored, failed and blocked attempts (`store.listing`,
    read on the engine's driver connection; its SQL is the one listing)."""
    mark = "?" if engine.dialect.name == "sqlite" else "%s"  # the driver's placeholder
    raw = engine.raw_connection()
    try:
        listed, to_cache = listing.read_listing(raw, limit, mark)
    finally:
        raw.close()
    listing.cache_counts(engine, to_cache)
    return listed


ATTEMPT_COLUMNS = ("run_id", "test_case_id", "sample", "status", "output", "transcript",
                   "prompt_tokens", "completion_tokens", "latency_s", "error", "cached")
VERDICT_COLUMNS = ("run_id", "test_case_id", "sample", "judge", "outcome", "score", "safe",
                   "rationale", "judge_version")


def _driver_insert(table: str, columns: Sequence[str], counted: int) -> str:
    """SQLite's INSERT that skips stored keys, with the driver's own placeholders;
    `counted` 1: the case-count triggers skip the rows (migration 0007)."""
    return (f"INSERT INTO {table} ({', '.join(columns)}, counted) VALUES "
            f"({', '.join('?' * len(columns))}, {counted}) ON CONFLICT DO NOTHING")


# (counted by the triggers, counted by the writer)
_SQLITE_ATTEMPTS = tuple(_driver_insert("attempts", ATTEMPT_COLUMNS, c) for c in (0, 1))
_SQLITE_VERDICTS = tuple(_driver_insert("verdicts", VERDICT_COLUMNS, c) for c in (0, 1))
# The writer's page cache (KiB; SQLite's default is 2 MB): a run's attempts go to random
# places of the attempt, verdict and case-count indexes, which outgrow 2 MB at ~10,000
# attempts, after which each batch re-reads the pages it changes (docs/performance.md).
_SQLITE_WRITER_CACHE = "PRAGMA cache_size=-65536"


class WriteBatch(NamedTuple):
    """Rows taken from an `AttemptWriter` for one transaction."""

    attempts: list[tuple[Any, ...]]
    verdicts: list[tuple[Any, ...]]


class AttemptWriter:
    """Buffers attempts with their verdicts and writes them in batches, each batch in
    one transaction, so an attempt is never stored without its verdicts. One connection
    for all batches (opening a SQLite connection per batch, with its pragmas, was a
    tenth of the engine's CPU at thousands of attempts/s); `close` gives it back.

    Rows are tuples in the tables' column order. On SQLite they go to the driver's
    `executemany` as they are, the transcript already JSON text: SQLAlchemy's per-row
    parameter processing was most of a batch's cost (docs/performance.md). Other
    databases get them through SQLAlchemy Core (its JSON and type handling)."""

    def __init__(self, engine: Engine, batch_size: int = 256) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self._raw = engine.dialect.name == "sqlite"
        self._attempts: list[tuple[Any, ...]] = []
        self._verdicts: list[tuple[Any, ...]] = []
        self._connection: Connection | None = None
        self._scrubbed: dict[str, str] = {}
        self.written = 0
        # SQLite: add each transaction's case counts in one upsert instead of the per-row
        # triggers (migration 0007); False leaves the counting to the triggers
        self.counts_itself = True

    def add(self, attempt: Attempt, verdicts: Iterable[Verdict]) -> None:
        transcript = [{"role": m.role, "content": m.content} if type(m) is Message
                      else asdict(m) for m in attempt.transcript]
        run_id, test_case_id, sample = attempt.run_id, attempt.test_case_id, attempt.sample
        self._attempts.append((
            run_id, test_case_id, sample, attempt.status, attempt.output,
            dumps(transcript).decode() if self._raw else transcript,
            attempt.prompt_tokens, attempt.completion_tokens, attempt.latency_s,
            scrub(attempt.error) if attempt.error else "", attempt.cached))
        scrubbed = self._scrubbed
        self._verdicts.extend(
            (run_id, test_case_id, sample, v.judge, v.outcome, v.score, v.safe,
             scrubbed[v.rationale] if v.rationale in scrubbed else self._scrub(v.rationale),
             v.judge_version) for v in verdicts)
        if len(self._attempts) >= self.batch_size:
            self.flush()

    def _scrub(self, rationale: str) -> str:
        """Rationales repeat (a rule's fixed wording): each distinct one is scrubbed once
        per batch (scrub reads every key variable's value on each call)."""
        self._scrubbed[rationale] = clean = scrub(rationale)
        return clean

    @property
    def pending(self) -> int:
        return len(self._attempts)

    def flush(self) -> None:
        batch = self.take()
        try:
            self.write(batch)
        except BaseException:
            self.give_back(batch)
            raise

    def take(self) -> WriteBatch:
        """What is buffered, taken out: `write` stores it, in another thread if need be
        (the connection is only ever used by the thread that writes)."""
        batch = WriteBatch(self._attempts, self._verdicts)
        self._attempts, self._verdicts = [], []
        self._scrubbed.clear()
        return batch

    def give_back(self, batch: WriteBatch) -> None:
        """A batch whose write failed goes back before what came since, so the next
        flush (the close of the run) tries it again, as if it had never been taken."""
        self._attempts[:0] = batch.attempts
        self._verdicts[:0] = batch.verdicts

    def write(self, batch: WriteBatch) -> None:
        """Store one batch in one transaction; `written` grows only when it commits."""
        if not batch.attempts:
            return
        if self._connection is None:
            self._connection = self.engine.connect()
            if self._raw:  # the run's indexes stay in memory: 29 % of the write CPU
                self._connection.exec_driver_sql(_SQLITE_WRITER_CACHE)  # at 30,000
                self._connection.commit()
        conn = self._connection
        try:
            if self._raw:
                self._write_sqlite(conn, batch)
                return
            with conn.begin():
                conn.execute(_insert_ignore(self.engine, AttemptRow),
                             [dict(zip(ATTEMPT_COLUMNS, row, strict=True))
                              for row in batch.attempts])
                if batch.verdicts:
                    conn.execute(_insert_ignore(self.engine, VerdictRow),
                                 [dict(zip(VERDICT_COLUMNS, row, strict=True))
                                  for row in batch.verdicts])
        except BaseException:
            self.close()  # a fresh connection for the next try
            raise
        self.written += len(batch.attempts)

    def _write_sqlite(self, conn: Connection, batch: WriteBatch) -> None:
        """The rows marked counted and their case counts added in one upsert per test
        case (0006's per-row triggers were ~40 % of this writer's CPU); if any key was
        stored already (a resume's duplicate: INSERT skips it) or a verdict came without
        its attempt, the transaction is rolled back and done again for the triggers to
        count, row by row, exactly what goes in."""
        if not (self.counts_itself and self._counted_write(conn, batch)):
            with conn.begin():
                _inserted(conn, batch, 0)
        self.written += len(batch.attempts)  # committed

    @staticmethod
    def _counted_write(conn: Connection, batch: WriteBatch) -> bool:
        """The batch marked counted with its counts' upsert, committed; False (rolled
        back) where the triggers must count it."""
        with conn.begin() as transaction:
            band = kept_band(conn)
            increments = None if band is None else \
                batch_counts(batch.attempts, batch.verdicts, band)
            sent = len(batch.attempts) + len(batch.verdicts)
            if increments is not None and _inserted(conn, batch, 1) == sent:
                conn.exec_driver_sql(UPSERT, increments)
                return True
            transaction.rollback()
        return False

    def close(self) -> None:
        """Give the connection back (after the last flush)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _inserted(conn: Connection, batch: WriteBatch, counted: int) -> int:
    """Insert the batch's rows (keys already stored are skipped); how many went in."""
    went_in = conn.exec_driver_sql(_SQLITE_ATTEMPTS[counted], batch.attempts).rowcount
    if batch.verdicts:
        went_in += conn.exec_driver_sql(_SQLITE_VERDICTS[counted], batch.verdicts).rowcount
    return int(went_in)


Cursor = tuple[int, int]  # (position of the test case in the run, sample): a page's key


def load_attempts(
    engine: Engine, run_id: str, judge: str, *, where: Any = None, limit: int | None = None,
    after: Cursor | None = None,
) -> list[dict[str, Any]]:
    """Attempts of a run joined with their case and one judge's verdict, in plan order
    (the case's position in the run, then the sample). Pages are read by key: `after`
    is the `cursor` of the last row of the previous page, so a deep page costs what the
    first one does (no OFFSET that reads and drops every row before it)."""
    query = _attempts_query(run_id, judge).order_by(RunCaseRow.position, AttemptRow.sample)
    position, sample = after or (0, -1)
    # the range on position (also on the first page) makes the planner walk the run's
    # cases by ix_run_cases_position in order instead of sorting the whole run
    query = query.where(RunCaseRow.position >= position,
                        (RunCaseRow.position > position) | (AttemptRow.sample > sample))
    return _attempt_rows(engine, query, where, limit)


def spread_attempts(engine: Engine, run_id: str, judge: str, *, where: Any = None,
                    limit: int) -> list[dict[str, Any]]:
    """Up to `limit` attempts matching `where` spread over the whole run (in the order of
    their test case's content hash: a stable pseudo-random sample, not the first cases of
    the plan), read along the attempts' key without sorting the run."""
    query = _attempts_query(run_id, judge).order_by(AttemptRow.test_case_id,
                                                    AttemptRow.sample)
    return _attempt_rows(engine, query, where, limit)


def _attempts_query(run_id: str, judge: str) -> Any:
    return (
        select(AttemptRow, TestCaseRow, VerdictRow, RunCaseRow.position)
        .select_from(RunCaseRow)
        .join(AttemptRow, (AttemptRow.run_id == RunCaseRow.run_id)
              & (AttemptRow.test_case_id == RunCaseRow.test_case_id))
        .join(TestCaseRow, TestCaseRow.id == RunCaseRow.test_case_id)
        .outerjoin(VerdictRow, (VerdictRow.run_id == AttemptRow.run_id)
                   & (VerdictRow.test_case_id == AttemptRow.test_case_id)
                   & (VerdictRow.sample == AttemptRow.sample) & (VerdictRow.judge == judge))
        .where(RunCaseRow.run_id == run_id)
    )


def _attempt_rows(engine: Engine, query: Any, where: Any, limit: int | None
                  ) -> list[dict[str, Any]]:
    if where is not None:
        query = query.where(where)
    if limit is not None:
        query = query.limit(limit)
    with Session(engine) as session:
        return [
            {"item_id": tc.item_id, "attack": tc.attack, "category": tc.category,
             "lang": tc.lang, "expected": tc.expected, "sample": a.sample,
             "status": a.status, "error": a.error,
             "transcript": [message_from_json(m) for m in a.transcript],
             "output": a.output, "outcome": v.outcome if v else None,
             "safe": v.safe if v else None, "rationale": v.rationale if v else "",
             "judge_version": v.judge_version if v else "", "cursor": (position, a.sample)}
            for a, tc, v, position in session.execute(query)
        ]
