"""The cyclic collector during a run's attempts phase (engine/collector.py): paced while
any phase is open, given back as it was found, cyclic garbage still collected."""

from __future__ import annotations

import gc
import weakref
from contextlib import ExitStack
from pathlib import Path

from helpers.chat_server import ServerThread
from riskbench.engine import collector
from riskbench.pipeline import RunOptions, evaluate
from riskbench.types import Attempt, RunConfig


def test_paced_and_given_back_even_when_phases_overlap() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    first, second = ExitStack(), ExitStack()
    first.enter_context(collector.paced())
    second.enter_context(collector.paced())
    assert gc.get_threshold()[0] == max(collector.YOUNG, before[0])
    assert gc.get_freeze_count() > 0
    first.close()  # the first to open closes first (runs overlapping in one loop)
    assert gc.get_threshold()[0] == max(collector.YOUNG, before[0])  # one still open
    second.close()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_freeze_found_in_place_is_kept() -> None:
    gc.freeze()  # as the CLI's start-up leaves it
    try:
        frozen = gc.get_freeze_count()
        with collector.paced():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_cyclic_garbage_is_still_collected_while_paced() -> None:
    class Node:
        pass

    with collector.paced():
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        alive = weakref.ref(node)
        del node
        # what a run allocates between two young passes, and more
        kept = [[] for _ in range(3 * collector.YOUNG)]
        assert alive() is None and len(kept) == 3 * collector.YOUNG


class Watch:
    """Progress hook noting the collector's threshold while attempts come in."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def start(self, total: int, done: int) -> None:
        pass

    def advance(self, attempt: Attempt) -> None:
        self.seen.add(gc.get_threshold()[0])

    def stop(self) -> None:
        pass


def test_a_run_paces_the_collector_and_gives_it_back(tmp_path: Path,
                                                     chat_server: ServerThread) -> None:
    before = gc.get_threshold()
    watch = Watch()
    result = evaluate(RunConfig(model=f"openai-compatible:{chat_server.url}:refuse",
                                limit=6, k=2),
                      RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}",
                                 report_dir=tmp_path / "out", judge_worker="thread"), watch)
    assert result.new_attempts == 12
    assert watch.seen == {max(collector.YOUNG, before[0])}
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
