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
from collections.abc import Sequence

from riskbench.judges import Judge
from riskbench.pipeline.options import Progress
from riskbench.store import AttemptWriter
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
    def __init__(self, judges: Sequence[Judge], writer: AttemptWriter,
                 progress: Progress | None = None, batch_size: int = 128,
                 backlog: int = 1024) -> None:
        self.judges = judges
        self.writer = writer
        self.progress = progress
        self.batch_size = batch_size
        self.backlog = backlog
        self._pending: list[tuple[TestCase, Attempt]] = []
        self._unjudged = 0
        self._room = asyncio.Event()
        self._room.set()

    async def __call__(self, case: TestCase, attempt: Attempt) -> None:
        """The executor's sink."""
        self._pending.append((case, attempt))
        self._unjudged += 1
        if len(self._pending) >= self.batch_size:
            await self.drain()
        while self._unjudged > self.backlog:
            self._room.clear()
            await self._room.wait()

    async def drain(self) -> None:
        """Judge and hand to the writer everything queued so far."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            per_judge = await judge_all(self.judges, batch)
        finally:
            self._unjudged -= len(batch)
            if self._unjudged <= self.backlog:
                self._room.set()
        for index, (_, attempt) in enumerate(batch):
            self.writer.add(attempt, [verdicts[index] for verdicts in per_judge])
            if self.progress:
                self.progress.advance(attempt)

    def flush(self) -> None:
        """Store what is judged (the periodic task calls it every 0.5 s)."""
        self.writer.flush()

    @property
    def written(self) -> int:
        return self.writer.written

    async def close(self) -> None:
        """On any stop: what is judged is stored, the rest is redone by a resume."""
        try:
            await self.drain()
        finally:
            try:
                self.writer.flush()
            finally:
                self.writer.close()
