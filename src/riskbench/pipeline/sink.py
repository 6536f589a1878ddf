"""Where a run's finished attempts go: judged in batches, then the store's batched writer.

Judging attempt by attempt cost a thread hop per attempt for the refusal judge (it
decides in a worker thread so a model tier never blocks the event loop), which at
thousands of attempts/s was a large share of the engine's CPU (docs/performance.md).
Attempts queue here instead; the worker whose attempt fills a batch judges it (so the
work goes on) and a periodic `drain` takes the rest; workers wait while more than
`backlog` attempts are unjudged, so a slow judge (a judge model) holds the run back
instead of piling attempts up in memory. Judges
that decide a batch in one go (`batched = True`) get the whole batch; the others are asked
attempt by attempt, concurrently, as before.

This sink judges in the engine's process; `judge_worker.ProcessSink` has the same face
and judges and stores in a worker process (large runs without a judge model).

Nothing is ever half-stored: an attempt reaches the writer only with all its verdicts,
and one still queued when the process dies is simply missing, so a resume redoes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from riskbench.judges import Judge
from riskbench.pipeline.options import Progress
from riskbench.store import AttemptWriter
from riskbench.store.runs import WriteBatch
from riskbench.types import Attempt, TestCase, Verdict


async def judge_all(judges: Sequence[Judge], batch: Sequence[tuple[TestCase, Attempt]]
                    ) -> list[list[Verdict]]:
    """Each judge's verdicts on the batch, in the batch's order (one list per judge)."""
    return list(await asyncio.gather(*(_judge(judge, batch) for judge in judges)))


async def _judge(judge: Judge, batch: Sequence[tuple[TestCase, Attempt]]) -> list[Verdict]:
    if getattr(judge, "batched", False):
        return list(await judge.judge_batch(batch))
    return list(await asyncio.gather(*(judge.judge(c, a) for c, a in batch)))


class JudgingSink:
    """Judges in the engine's process. With `threaded`, the store's transactions run in
    one dedicated thread: the loop judges, builds the rows and hands them over, while
    SQLite's B-tree and trigger work runs on the second core (the sqlite3 module
    releases the GIL while SQLite executes). At most one transaction is in flight;
    attempts count as unstored until it commits, and the run's workers wait while more
    than `backlog` are, so memory stays bounded and a slow disk holds the run back."""

    def __init__(self, judges: Sequence[Judge], writer: AttemptWriter,
                 progress: Progress | None = None, batch_size: int = 128,
                 backlog: int = 1024, threaded: bool = False,
                 store_batch: int = 1024) -> None:
        self.judges = judges
        self.writer = writer
        self.progress = progress
        self.batch_size = batch_size
        self.backlog = backlog
        self._pending: list[tuple[TestCase, Attempt]] = []
        self._unjudged = 0  # queued, being judged, or (threaded) not yet committed
        self._room = asyncio.Event()
        self._room.set()
        self._thread = ThreadPoolExecutor(1, "riskbench-writer") if threaded else None
        self.store_batch = store_batch
        if threaded:
            writer.batch_size = sys.maxsize  # the sink hands over batches itself
            backlog = max(backlog, 2 * store_batch)  # one batch written, one filling
            self.backlog = backlog
        self._writing: asyncio.Future[None] | None = None
        self._error: BaseException | None = None

    async def __call__(self, case: TestCase, attempt: Attempt) -> None:
        """The executor's sink."""
        self._raise_failed()
        self._pending.append((case, attempt))
        self._unjudged += 1
        if len(self._pending) >= self.batch_size:
            await self.drain()
        while self._unjudged > self.backlog and self._error is None:
            self._room.clear()
            await self._room.wait()
        self._raise_failed()

    async def drain(self) -> None:
        """Judge and hand to the writer everything queued so far."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            per_judge = await judge_all(self.judges, batch)
        except BaseException:
            self._release(len(batch))
            raise
        for index, (_, attempt) in enumerate(batch):
            self.writer.add(attempt, [verdicts[index] for verdicts in per_judge])
            if self.progress:
                self.progress.advance(attempt)
        if self._thread is None:
            self._release(len(batch))  # the writer stored its full batches in `add`
        elif self.writer.pending >= self.store_batch:
            while self._writing is not None:  # back-pressure: one transaction at a time
                await asyncio.shield(self._writing)
            self._hand_over()

    def _release(self, count: int) -> None:
        self._unjudged -= count
        if self._unjudged <= self.backlog:
            self._room.set()

    def _hand_over(self) -> None:
        """Give the writer's rows to the thread unless a transaction is in flight."""
        if self._thread is None or self._writing is not None or self._error is not None \
                or not self.writer.pending:
            return
        batch = self.writer.take()
        self._writing = asyncio.wrap_future(self._thread.submit(self.writer.write, batch))
        self._writing.add_done_callback(lambda done: self._written(batch, done))

    def _written(self, batch: WriteBatch, done: asyncio.Future[None]) -> None:
        """On the loop, when the thread's transaction has ended."""
        self._writing = None
        error = done.exception() if not done.cancelled() else asyncio.CancelledError()
        if error is not None:
            self.writer.give_back(batch)  # the close's flush tries it again, as inline
            self._error = self._error or error
            self._room.set()
            return
        self._release(len(batch.attempts))

    def _raise_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def flush(self) -> None:
        """Store what is judged (the periodic task calls it every 0.5 s); threaded, hand
        it to the writer thread unless a transaction is already in flight."""
        if self._thread is None:
            self.writer.flush()
        else:
            self._raise_failed()
            self._hand_over()

    @property
    def written(self) -> int:
        return self.writer.written

    async def close(self) -> None:
        """On any stop: what is judged is stored, the rest is redone by a resume. Waits
        for the thread's last transaction; a failed one is tried once more here."""
        try:
            await self.drain()
        finally:
            try:
                await self._final_flush()
            finally:
                if self._thread is None:
                    self.writer.close()
                else:
                    await asyncio.get_running_loop().run_in_executor(self._thread,
                                                                     self.writer.close)
                    self._thread.shutdown()

    async def _final_flush(self) -> None:
        if self._thread is None:
            self.writer.flush()
            return
        while self._writing is not None:
            with contextlib.suppress(BaseException):
                await asyncio.shield(self._writing)
        await asyncio.get_running_loop().run_in_executor(self._thread, self.writer.flush)
