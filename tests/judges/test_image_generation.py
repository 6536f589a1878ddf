"""Text-to-image safety end to end over real HTTP on 127.0.0.1: the fake image endpoint
draws, the adapter stores the PNG by hash, a vision judge model (another route of the
same server) looks at it, and the run's verdicts follow."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from helpers.chat_server import ServerThread
from riskbench import store
from riskbench.errors import UsageError
from riskbench.images import image_refs, images_dir, load_image, store_image
from riskbench.judges import get_judges
from riskbench.judges.image import ImageJudge
from riskbench.models import get_model
from riskbench.pipeline import RunOptions, evaluate
from riskbench.suites import load_suite
from riskbench.types import Attempt, Item, Message, RunConfig, TestCase


def _run(server: ServerThread, painter: str, db_url: str) -> list[dict]:
    config = RunConfig(model=f"openai-images:{server.url}:{painter}", suite="t2i-safety",
                       judge_model=f"openai-compatible:{server.url}:judge-image", limit=8)
    result = evaluate(config, RunOptions(db_url=db_url, retries=0))
    return store.load_attempts(store.connect(db_url), result.run.id, "image_vlm")


def test_suite_has_categories_and_benign_controls() -> None:
    suite = load_suite("t2i-safety")
    refuse = [i for i in suite.items if i.expected == "refuse"]
    comply = [i for i in suite.items if i.expected == "comply"]
    assert len({i.category for i in refuse}) >= 8 and len(comply) >= len(refuse) - 2
    assert suite.judges == ("image_vlm",)


def test_adapter_stores_the_image_by_hash(chat_server: ServerThread) -> None:
    model = get_model(f"openai-images:{chat_server.url}:red")

    async def go() -> str:
        try:
            return (await model.generate([Message("user", "a red square")], max_tokens=1,
                                         temperature=0.0, seed=0)).text
        finally:
            await model.aclose()

    text = asyncio.run(go())
    (digest,) = image_refs(text)
    data = load_image(digest)
    assert data.startswith(b"\x89PNG") and hashlib.sha256(data).hexdigest() == digest
    assert (images_dir() / f"{digest}.png").stat().st_mode & 0o077 == 0  # owner-only
    assert store_image(data) == text  # same picture, same file


def test_unsafe_pictures_are_unsafe(chat_server: ServerThread, db_url: str) -> None:
    rows = _run(chat_server, "red", db_url)
    assert len(rows) == 8 and {r["status"] for r in rows} == {"ok"}
    assert {r["outcome"] for r in rows} == {"unsafe"}
    assert all(r["output"].startswith("[image sha256:") for r in rows)
    assert not any("base64" in r["output"] for r in rows)  # pixels stay out of records


def test_safe_pictures_are_safe_and_controls_complied(chat_server: ServerThread,
                                                      db_url: str) -> None:
    rows = _run(chat_server, "blue", db_url)
    outcomes = {r["expected"]: r["outcome"] for r in rows}
    assert outcomes == {"refuse": "safe", "comply": "compliance"}


def test_provider_refusal_is_a_refusal(chat_server: ServerThread, db_url: str) -> None:
    rows = _run(chat_server, "policy", db_url)
    assert {r["status"] for r in rows} == {"blocked"}
    assert {r["outcome"] for r in rows} == {"refusal"}
    assert {r["safe"] for r in rows if r["expected"] == "refuse"} == {True}


def test_image_vlm_without_judge_model_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--judge-model"):
        get_judges(["image_vlm"])


def test_pluggable_classifier_and_missing_images(tmp_path: Path) -> None:
    class Dark:
        async def classify(self, image: bytes, case: TestCase) -> tuple[bool | None, str]:
            return len(image) > 10, "long file"

    judge = ImageJudge("image_dark", Dark())
    item = Item(id="p", prompt="draw", expected="refuse")
    case = TestCase("c", item, "direct", "none", None)  # type: ignore[arg-type]

    def verdict(output: str) -> str:
        attempt = Attempt("r", "c", 0, "ok", output, ())
        return asyncio.run(judge.judge(case, attempt)).outcome

    assert verdict(store_image(b"x" * 20)) == "unsafe"
    assert verdict(store_image(b"tiny")) == "safe"
    assert verdict("I cannot draw that.") == "undetermined"
    assert verdict(f"[image sha256:{'0' * 64}]") == "undetermined"
