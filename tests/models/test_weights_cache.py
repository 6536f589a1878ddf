"""The embedded model's GGUF is dequantised once, and the cached copy gives the same model:
the same logits and the same greedy replies to the starter suite's prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def gguf() -> tuple[Path, str]:
    from riskbench.models.local import SMOLLM2_GGUF, smollm2_folder

    return smollm2_folder(), SMOLLM2_GGUF


@pytest.fixture(scope="module")
def built(gguf: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """A fresh cache folder and the (tokenizer, model) of the load that built it."""
    from riskbench.models import weights_cache

    mp = pytest.MonkeyPatch()
    mp.setenv("RISKBENCH_MODEL_CACHE", str(tmp_path_factory.mktemp("weights")))
    assert not weights_cache.is_complete(weights_cache.cache_folder(gguf[0] / gguf[1]))
    loaded = weights_cache.load(*gguf)
    yield loaded
    mp.undo()


def _no_gguf_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the GGUF file was read although its cached copy is complete")

    monkeypatch.setattr(gguf_utils, "load_gguf_checkpoint", refuse)


def _greedy(tokenizer: Any, model: Any, prompts: list[str]) -> tuple[Any, list[str]]:
    tokenizer.padding_side = "left"
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                           add_generation_prompt=True) for p in prompts]
    enc = tokenizer(texts, return_tensors="pt", padding=True)
    model.eval()
    with torch.inference_mode():
        logits = model(**enc).logits
        out = model.generate(**enc, max_new_tokens=24, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id)
    replies = tokenizer.batch_decode(out[:, enc["input_ids"].shape[1]:],
                                     skip_special_tokens=True)
    return logits, replies


def _starter_prompts(n: int) -> list[str]:
    from riskbench.suites import load_suite

    return [item.prompt for item in load_suite("starter").items[:n]]


def test_the_second_load_reads_the_cache_and_gives_the_same_model(
        built: tuple[Any, Any], gguf: tuple[Path, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from riskbench.models import weights_cache

    folder = weights_cache.cache_folder(gguf[0] / gguf[1])
    assert weights_cache.is_complete(folder)
    _no_gguf_reads(monkeypatch)
    tokenizer, model = weights_cache.load(*gguf)
    assert Path(model.name_or_path) == folder
    prompts = _starter_prompts(6)  # English and Chinese items
    logits, replies = _greedy(tokenizer, model, prompts)
    first_logits, first_replies = _greedy(*built, prompts)
    assert torch.equal(logits, first_logits)
    assert replies == first_replies and all(r.strip() for r in replies)
    assert tokenizer.chat_template == built[0].chat_template
    assert tokenizer.eos_token == built[0].eos_token


def test_a_truncated_cache_is_found_and_rebuilt(
        built: tuple[Any, Any], gguf: tuple[Path, str]) -> None:
    from riskbench.models import weights_cache

    folder = weights_cache.cache_folder(gguf[0] / gguf[1])
    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    # a partial file as a crashed writer leaves it: a new file, since truncating this one in
    # place would pull the pages from under the model `built` has memory-mapped from it
    partial = weights.with_suffix(".partial")
    with weights.open("rb") as src, partial.open("wb") as dst:
        dst.write(src.read(size // 2))
    partial.replace(weights)
    assert not weights_cache.is_complete(folder)
    tokenizer, model = weights_cache.load(*gguf)  # from the GGUF again, and saved again
    assert weights_cache.is_complete(folder) and weights.stat().st_size == size
    prompts = _starter_prompts(2)
    assert torch.equal(_greedy(tokenizer, model, prompts)[0], _greedy(*built, prompts)[0])


def test_a_corrupt_byte_or_a_missing_manifest_is_not_loaded(
        built: tuple[Any, Any], gguf: tuple[Path, str]) -> None:
    from riskbench.models import weights_cache

    folder = weights_cache.cache_folder(gguf[0] / gguf[1])
    assert weights_cache.is_complete(folder)
    weights = folder / "model.safetensors"
    with weights.open("r+b") as fh:
        fh.seek(weights.stat().st_size - 100)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert not weights_cache.is_complete(folder)
    with weights.open("r+b") as fh:  # put it back
        fh.seek(weights.stat().st_size - 100)
        fh.write(byte)
    assert weights_cache.is_complete(folder)
    (folder / weights_cache.MANIFEST).unlink()
    assert not weights_cache.is_complete(folder)
