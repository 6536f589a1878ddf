"""Judging and storing in a worker process, fed in batches (issue 18).

On two cores one process cannot both keep thousands of requests a second in flight and
judge and store them: the refusal judge's rules and the SQLite writes were half of the
engine's CPU per attempt, and a worker *thread* still holds the GIL while it judges
(docs/performance.md). `ProcessSink` has `JudgingSink`'s face, but sends each batch of
finished attempts as compact tuples (the transcript as what follows the test case's own
messages, which the worker reads from the store) to a worker process that judges them,
stores them with their verdicts in one transaction, and says so; only then does an
attempt count as done (progress, `written`).

The worker is a fresh interpreter (spawn's semantics: it inherits nothing but two pipes),
started with subprocess rather than multiprocessing, whose spawn re-imports the parent's
`__main__` (for `python -m riskbench.cli`, the CLI). It gets the database URL in its first
message, never on its command line (a password would show in `ps`), loads the run's test
cases and judges itself, and exits when its input ends (the run's end, Ctrl-C, or the
engine's death) after storing everything it received.

Guarantees: an attempt is durable only when stored with its verdicts (the writer's
transaction); at most `backlog` attempts are in flight between the two processes, so
memory is bounded; a worker that fails or dies is an error of the run (`WorkerFailed`:
the run is left interrupted and a resume redoes what was not stored), never a silent
loss. The worker ignores SIGINT and SIGTERM (Ctrl-C reaches the whole process group): the
engine stops it by closing its input, so what was sent is still stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from riskbench.errors import UsageError, WorkerFailed
from riskbench.models.keys import KEY_VARIABLES, scrub
from riskbench.pipeline.options import Progress
from riskbench.types import Attempt, Message, TestCase

MODES = ("auto", "process", "thread", "inline")
_HEADER = struct.Struct("!I")
_START = "from riskbench.pipeline.judge_worker import main; main()"


def _start_code() -> str:
    """The worker's `-c` code: it imports this very riskbench (a source tree the parent
    found through PYTHONPATH or sys.path goes first; an installed one is found anyway,
    and its site-packages is not put before the standard library)."""
    root = Path(__file__).resolve().parents[2]
    if root.name in ("site-packages", "dist-packages"):
        return _START
    return f"import sys; sys.path.insert(0, {str(root)!r}); {_START}"


def sink_mode(mode: str | None, judge_model: str | None) -> str:
    """Where a run judges and stores: `process` (this module's worker), `thread` (judged
    on the engine's loop, each transaction in a writer thread: pipeline/sink.py) or
    `inline` (both on the loop). `auto` is `thread`: at 256 in flight it kept up with
    the worker at 250 and 100 ms at about half its CPU in all processes (the worker pays
    pickling, decoding and ~1.1 s of start-up on the second core), where `inline` fell
    behind at 100 ms (docs/performance.md, engine step 4). Judges that call a judge
    model do so through the engine's executor (cache, retries, rate limit), so such runs
    never judge in the worker."""
    mode = mode or os.environ.get("RISKBENCH_JUDGE_WORKER") or "auto"
    if mode not in MODES:
        raise UsageError(f"unknown judge worker {mode!r}; use {', '.join(MODES)} "
                         "(RISKBENCH_JUDGE_WORKER or RunOptions.judge_worker)")
    if mode == "auto" or (mode == "process" and (judge_model or os.name != "posix")):
        return "thread"
    return mode


def frame(message: object) -> bytes:
    """One message on a pipe: its length, then the pickle (both ends are riskbench)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload)) + payload


def unframe(buffer: bytearray) -> Any:
    """The first whole message in `buffer`, taken out of it; None while it is incomplete
    (no message is None: each is a batch, a setup or a reply)."""
    if len(buffer) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack_from(buffer)
    if len(buffer) < _HEADER.size + size:
        return None
    message = pickle.loads(buffer[_HEADER.size:_HEADER.size + size])
    del buffer[:_HEADER.size + size]
    return message


Packed = tuple[str, int, str, str, int, list[Any], int, int, float, str, bool]


def pack(case: TestCase, attempt: Attempt) -> Packed:
    """An attempt as a tuple of plain values; its transcript as the messages after the
    case's own (-1: the whole transcript, e.g. an adaptive search's), plain messages as
    (role, content)."""
    base, transcript = case.conversation.messages, attempt.transcript
    known = len(base) if transcript[:len(base)] == base else -1
    tail = transcript[known:] if known >= 0 else transcript
    return (attempt.test_case_id, attempt.sample, attempt.status, attempt.output, known,
            [(m.role, m.content) if type(m) is Message else m for m in tail],
            attempt.prompt_tokens, attempt.completion_tokens, attempt.latency_s,
            attempt.error, attempt.cached)


def unpack(run_id: str, cases: dict[str, TestCase], row: Packed) -> tuple[TestCase, Attempt]:
    test_case_id, sample, status, output, known, tail, prompt_tokens, completion_tokens, \
        latency_s, error, cached = row
    case = cases[test_case_id]
    messages = tuple(Message(*m) if type(m) is tuple else m for m in tail)
    transcript = case.conversation.messages[:known] + messages if known >= 0 else messages
    return case, Attempt(run_id, test_case_id, sample, status, output,  # type: ignore[arg-type]
                         transcript, prompt_tokens, completion_tokens, latency_s, error, cached)


class _Pipes:
    """The engine's ends of the two pipes on its event loop: writes never block (what
    the pipe does not take waits in a buffer, bounded by the sink's backlog) and the
    worker's messages are handed to `on_message` as they arrive, `on_end` at EOF. Plain
    non-blocking descriptors with add_reader/add_writer: uvloop's pipe transports keep
    the descriptor open after `close` when the caller still holds its file, so the
    worker never saw the end of its input."""

    def __init__(self, write_fd: int, read_fd: int, on_message: Callable[[Any], None],
                 on_end: Callable[[], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._write_fd, self._read_fd = write_fd, read_fd
        self._out = bytearray()
        self._in = bytearray()
        self._closing = False
        self._on_message, self._on_end = on_message, on_end
        os.set_blocking(write_fd, False)
        os.set_blocking(read_fd, False)
        self._loop.add_reader(read_fd, self._readable)

    def write(self, data: bytes) -> None:
        if self._write_fd < 0:
            return  # the worker is gone; the reader's end reports it
        if self._out:
            self._out += data
            return
        try:
            sent = os.write(self._write_fd, data)
        except BlockingIOError:
            sent = 0
        except OSError:  # broken pipe: the worker died
            self._close_write()
            return
        if sent < len(data):
            self._out += data[sent:]
            self._loop.add_writer(self._write_fd, self._writable)

    def _writable(self) -> None:
        try:
            sent = os.write(self._write_fd, self._out)
        except BlockingIOError:
            return
        except OSError:
            self._close_write()
            return
        del self._out[:sent]
        if not self._out:
            self._loop.remove_writer(self._write_fd)
            if self._closing:
                self._close_write()

    def close_write(self) -> None:
        """The end of the worker's input, once everything buffered is written."""
        self._closing = True
        if not self._out:
            self._close_write()

    def _close_write(self) -> None:
        if self._write_fd >= 0:
            self._loop.remove_writer(self._write_fd)
            os.close(self._write_fd)
            self._write_fd = -1
            self._out.clear()

    def _readable(self) -> None:
        try:
            data = os.read(self._read_fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._loop.remove_reader(self._read_fd)
            os.close(self._read_fd)
            self._close_write()
            self._on_end()
            return
        self._in += data
        while (message := unframe(self._in)) is not None:
            self._on_message(message)


class ProcessSink:
    """The executor's sink when judging and storing run in a worker process."""

    def __init__(self, run_id: str, db_url: str, judges: tuple[str, ...],
                 progress: Progress | None = None, batch_size: int = 128,
                 backlog: int = 4096) -> None:
        self.run_id, self.progress = run_id, progress
        self.batch_size, self.backlog = batch_size, backlog
        # the names of the variables whose values are scrubbed (providers add theirs as
        # they read them); the worker reads the values from its inherited environment
        self._setup = {"db_url": db_url, "run_id": run_id, "judges": list(judges),
                       "key_variables": sorted(KEY_VARIABLES)}
        self._pending: list[Packed] = []
        self._pending_attempts: list[Attempt] = []
        self._sent: deque[list[Attempt] | int] = deque()  # batches not yet stored, in order
        self._in_flight = 0
        self.written = 0
        self._room = asyncio.Event()
        self._room.set()
        self._ended = asyncio.Event()
        self._error: str | None = None
        self._closing = False
        self.process: subprocess.Popen[bytes] | None = None
        self._out: _Pipes | None = None

    async def start(self) -> None:
        """Start the worker; it loads while the engine works (no wait here)."""
        worker_in, to_worker = os.pipe()  # (read end, write end)
        from_worker, worker_out = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _start_code(), str(worker_in), str(worker_out)],
                pass_fds=(worker_in, worker_out), stdin=subprocess.DEVNULL)
        finally:
            os.close(worker_in)
            os.close(worker_out)
        self._out = _Pipes(to_worker, from_worker, self._heard, self._end)
        self._out.write(frame(self._setup))

    async def __call__(self, case: TestCase, attempt: Attempt) -> None:
        """The executor's sink: queue, send a full batch, wait while too many are unstored."""
        if self._error is not None:
            raise self._failed()
        self._pending.append(pack(case, attempt))
        if self.progress is not None:
            self._pending_attempts.append(attempt)
        self._in_flight += 1
        if len(self._pending) >= self.batch_size:
            self._send()
        while self._in_flight > self.backlog and self._error is None:
            self._room.clear()
            await self._room.wait()
        if self._error is not None:
            raise self._failed()

    def _send(self) -> None:
        if not self._pending or self._error is not None or self._out is None:
            return
        self._out.write(frame(self._pending))
        self._sent.append(self._pending_attempts if self.progress is not None
                          else len(self._pending))
        self._pending, self._pending_attempts = [], []

    async def drain(self) -> None:
        """Send what is queued (the periodic task calls it every 0.1 s)."""
        self._send()

    def flush(self) -> None:
        """The worker stores every batch as it judges it."""

    def _heard(self, message: Any) -> None:
        kind, value = message
        if kind == "error":
            self._error = str(value)
            self._room.set()
            return
        for _ in range(value):  # batches stored, in the order sent
            batch = self._sent.popleft()
            count = batch if isinstance(batch, int) else len(batch)
            self.written += count
            self._in_flight -= count
            if self.progress is not None and not isinstance(batch, int):
                for attempt in batch:
                    self.progress.advance(attempt)
        if self._in_flight <= self.backlog:
            self._room.set()

    def _end(self) -> None:
        if self._error is None and (self._sent or not self._closing):
            self._error = "it exited"
        self._ended.set()
        self._room.set()

    def _failed(self) -> WorkerFailed:
        how = self._error or "it exited"
        if self.process is not None:
            try:
                code = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None and code < 0:
                how = f"killed by signal {-code}"
            elif code and how == "it exited":
                how = f"it exited with code {code}"
        pid = self.process.pid if self.process is not None else "?"
        lost = self._in_flight
        return WorkerFailed(self.run_id, scrub(
            f"the judging worker of run {self.run_id} (pid {pid}) stopped: {how}; "
            f"{self.written} attempts are stored with their verdicts, {lost} made but not "
            f"stored; `riskbench run --resume {self.run_id}` makes the missing ones again"))

    async def close(self) -> None:
        """Send the rest and end the worker's input; it stores everything and exits.
        Raises WorkerFailed if it did not store all it was sent."""
        if self.process is None:
            return
        if self._out is None:  # stopped while starting: nothing was sent
            self.process.kill()
            await asyncio.to_thread(self.process.wait)
            return
        self._send()
        self._closing = True
        self._out.close_write()
        await self._ended.wait()
        code = await asyncio.to_thread(self.process.wait)
        if self._error is not None or self._sent or code != 0:
            raise self._failed()


# -- the worker process ---------------------------------------------------------------


class _Inbox:
    """The engine's messages from the worker's input, grouped: a group is the batches
    that arrive within `linger` seconds of its first (at most about `most` attempts), so
    the worker stores ~1,000 attempts in one transaction rather than each batch of 128
    in its own: a third less CPU per attempt (fewer commits, each changed index page
    written once; docs/performance.md). An attempt waits at most `linger` longer to be
    stored; the run's setup is a group of its own. A cut-off last message is no message:
    the engine died while sending it, and its attempts are redone by a resume."""

    def __init__(self, fd: int, most: int = 1024, linger: float = 0.2) -> None:
        self.fd, self.most, self.linger = fd, most, linger
        self._buffer = bytearray()
        self._ended = False

    def _fill(self, wait: float | None) -> bool:
        """Read what arrives within `wait` seconds (None: until something does); False
        when nothing did or the input has ended."""
        if self._ended or (wait is not None and not select.select([self.fd], [], [], wait)[0]):
            return False
        data = os.read(self.fd, 1 << 20)
        if not data:
            self._ended = True
            return False
        self._buffer += data
        return True

    def __iter__(self) -> Iterator[list[Any]]:
        while True:
            group: list[Any] = []
            size, until = 0, 0.0
            while size < self.most:
                message = unframe(self._buffer)
                if message is not None:
                    group.append(message)
                    if not isinstance(message, list):  # the setup: load the run now
                        break
                    size += len(message)
                    until = until or time.monotonic() + self.linger
                elif not self._fill(max(until - time.monotonic(), 0.0) if group else None):
                    break
            if not group:
                return
            yield group


def serve(groups: Iterable[list[Any]], tell: Callable[[object], None]) -> None:
    """Judge and store the batches of each group (`_Inbox`) in one transaction, then tell
    the engine how many batches are stored. The first message is the run's setup."""
    from riskbench import store
    from riskbench.engine import collector
    from riskbench.judges import get_judges
    from riskbench.pipeline.loop import runner
    from riskbench.pipeline.sink import judge_all

    groups = iter(groups)
    first = next(groups, None)
    if not first:  # the engine stopped before sending anything
        return
    setup = first[0]
    run_id = setup["run_id"]
    KEY_VARIABLES.update(setup["key_variables"])
    db = store.connect(setup["db_url"], current=True)  # the engine has just checked it
    cases = {case.id: case for case in store.load_cases(db, run_id)}
    judges = get_judges(setup["judges"])
    writer = store.AttemptWriter(db, batch_size=sys.maxsize)
    try:
        with runner() as loop, collector.paced():
            for group in itertools.chain([first[1:]], groups):
                if not group:
                    continue
                batch = [unpack(run_id, cases, row) for rows in group for row in rows]
                per_judge = loop.run(judge_all(judges, batch))
                for index, (_, attempt) in enumerate(batch):
                    writer.add(attempt, [verdicts[index] for verdicts in per_judge])
                writer.flush()
                tell(("stored", len(group)))
    finally:
        writer.close()


def main() -> None:
    """The worker's entry: `python -c ... <fd of its input> <fd of its output>`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = os.fdopen(int(sys.argv[2]), "wb")

    def tell(message: object) -> None:
        out.write(frame(message))
        out.flush()

    try:
        serve(_Inbox(int(sys.argv[1])), tell)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the engine may be gone
            tell(("error", scrub(f"{type(exc).__name__}: {exc}")))
        raise SystemExit(1) from None
