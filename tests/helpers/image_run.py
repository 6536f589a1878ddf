"""A small text-to-image run against the fake image endpoint (helpers.chat_server), for
the report and dashboard tests of where generated images are shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.chat_server import ServerThread, make_app
from riskbench import store
from riskbench.images import image_refs
from riskbench.pipeline import RunOptions, RunResult, evaluate
from riskbench.types import RunConfig


@dataclass(frozen=True)
class ImageRun:
    db_url: str
    images: Path
    result: RunResult
    shas: tuple[str, ...]


@contextmanager
def image_run(tmp_path: Path, painter: str = "red", limit: int = 4) -> Iterator[ImageRun]:
    """Runs `painter` on t2i-safety with images stored under tmp_path/images; the
    environment keeps pointing there until the context ends."""
    images = tmp_path / "images"
    db_url = f"sqlite:///{tmp_path / 'riskbench.db'}"
    with pytest.MonkeyPatch.context() as mp, ServerThread(make_app()) as server:
        mp.setenv("RISKBENCH_CACHE", str(tmp_path / "cache.sqlite"))
        mp.setenv("RISKBENCH_IMAGES", str(images))
        mp.delenv("RISKBENCH_DB", raising=False)
        config = RunConfig(model=f"openai-images:{server.url}:{painter}", suite="t2i-safety",
                           judge_model=f"openai-compatible:{server.url}:judge-image",
                           limit=limit)
        result = evaluate(config, RunOptions(db_url=db_url, retries=0))
        rows = store.load_attempts(store.connect(db_url), result.run.id, "image_vlm")
        shas = tuple(sha for r in rows for sha in image_refs(r["output"]))
        yield ImageRun(db_url, images, result, shas)
