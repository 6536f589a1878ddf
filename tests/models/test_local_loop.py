"""The continuous generation loop for Llama models against transformers' own
`model.generate` and forward, on the real embedded model and the starter suite's
attacked prompts (what the default run sends)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2() -> tuple[Any, Any]:
    from riskbench.models.local import SMOLLM2_GGUF, _load, smollm2_folder

    return _load(str(smollm2_folder()), SMOLLM2_GGUF)


def attacked_prompts(n: int, max_tokens: int = 32) -> list[list[int]]:
    """n default-run prompts spread over the suite and its four attacks, tokenized."""
    from riskbench.models.local import SMOLLM2_GGUF, _load, _render, _Request, smollm2_folder
    from riskbench.pipeline import plan
    from riskbench.types import RunConfig

    tokenizer, _ = _load(str(smollm2_folder()), SMOLLM2_GGUF)
    cases = plan(RunConfig(attacks=("direct", "prefix_injection", "refusal_suppression",
                                    "roleplay"), max_tokens=max_tokens)).cases
    picked = cases[::max(1, len(cases) // n)][:n]
    requests = [_Request(tuple(c.conversation.messages), max_tokens, 0.0, 0, None)  # type: ignore[arg-type]
                for c in picked]
    return [list(ids) for ids in tokenizer(_render(tokenizer, requests))["input_ids"]]


def test_prompts_sharing_a_prefix_copy_it_and_match_the_models_own_forward(
        smollm2: tuple[Any, Any]) -> None:
    """Default-run prompts of one attack share its template's opening: the first two are
    prefilled together (their common prefix computed once, in one row), the next two
    copy theirs from the rows already held; only the rest runs. Each row's first token
    and next-step logits against transformers' forward of its prompt alone."""
    import torch

    from riskbench.models.llama_loop import Job, LlamaLoop

    tokenizer, model = smollm2
    every = attacked_prompts(84 * 4, max_tokens=4)
    suppression, direct = every[2::4][:3], every[0::4][:1]  # the cases cycle through 4 attacks
    prompts = [suppression[0], suppression[1], suppression[2], direct[0]]
    loop = LlamaLoop(model, [tokenizer.eos_token_id], rows=4)
    ran: list[int] = []
    real_forward = loop._forward

    def counted(tokens: Any, *rest: Any) -> Any:
        ran.append(int(tokens.shape[0]))
        return real_forward(tokens, *rest)

    loop._forward = counted  # type: ignore[method-assign]
    with torch.inference_mode():
        held = [Job(prompts[0], 4), Job(prompts[1], 4)]
        first = loop._prefill(0, held)
        loop._held = held
        first = torch.cat([first, loop._prefill(2, [Job(prompts[2], 4), Job(prompts[3], 4)])])
        pos = torch.tensor([len(p) for p in prompts])
        step = loop._forward(first, torch.arange(4), pos, torch.arange(4), None)
        for row, ids in enumerate(prompts):
            full = model(input_ids=torch.tensor([[*ids, int(first[row])]])).logits[0]
            assert int(full[-2].argmax()) == int(first[row])
            assert torch.allclose(step[row], full[-1], atol=1e-4, rtol=0)
    common = next(i for i, (x, y) in enumerate(zip(prompts[0], prompts[1], strict=False))
                  if x != y)
    assert common > 80  # refusal_suppression's opening, well past the system prompt
    # the first pair: the common prefix once, then both rests; the second pair: rests only
    assert sum(ran[:-1]) <= sum(map(len, prompts)) - 2 * common + 2 * 24
    assert ran[-1] == 4  # the decoding step


def test_greedy_replies_are_byte_identical_to_model_generate(smollm2: tuple[Any, Any]) -> None:
    """2 rows for 6 prompts of 6 to 16 tokens: rows end at different steps (EOS or
    max_tokens) and are refilled from the waiting prompts, each at its own positions
    with no padding, while the others go on decoding."""
    import torch

    from riskbench.models.llama_loop import Job, LlamaLoop

    tokenizer, model = smollm2
    prompts, max_tokens = attacked_prompts(6), 16
    loop = LlamaLoop(model, [tokenizer.eos_token_id], rows=2)
    jobs = [Job(ids, (6, 16, 10)[i % 3]) for i, ids in enumerate(prompts)]
    waiting, order, prefills = list(jobs), [], []
    real_prefill = loop._prefill

    def counted_prefill(start: int, group: list[Job]) -> Any:
        prefills.append(len(group))
        return real_prefill(start, group)

    loop._prefill = counted_prefill  # type: ignore[method-assign]

    def take(free: int, fits: Any) -> list[Job]:
        out = []
        while waiting and len(out) < free and fits(waiting[0]):
            out.append(waiting.pop(0))
        return out

    loop.run(take, lambda job, error: order.append((job, error)), threading.Event())
    assert [e for _, e in order] == [None] * len(jobs)
    assert len(prefills) > 2  # rows were refilled while others decoded
    with torch.inference_mode():
        enc = tokenizer.pad({"input_ids": prompts}, return_tensors="pt")
        out = model.generate(**enc, max_new_tokens=max_tokens, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id)
    eos = tokenizer.eos_token_id
    for job, row in zip(jobs, out[:, enc["input_ids"].shape[1]:].tolist(), strict=True):
        expected = (row[:row.index(eos) + 1] if eos in row else row)[:job.max_tokens]
        assert job.out == expected, tokenizer.decode(job.out)


def test_logits_match_the_models_own_forward(smollm2: tuple[Any, Any]) -> None:
    """Two prompts prefilled together, packed, then one decoding step each, against
    transformers' forward of each prompt alone."""
    import torch

    from riskbench.models.llama_loop import Job, LlamaLoop

    tokenizer, model = smollm2
    a, b = attacked_prompts(8)[2:4]
    loop = LlamaLoop(model, [tokenizer.eos_token_id], rows=2)
    with torch.inference_mode():
        first = loop._prefill(0, [Job(a, 4), Job(b, 4)])
        pos = torch.tensor([len(a), len(b)])
        step = loop._forward(first, torch.arange(2), pos, torch.arange(2), None)
        for row, ids in enumerate((a, b)):
            full = model(input_ids=torch.tensor([[*ids, int(first[row])]])).logits[0]
            assert int(full[-2].argmax()) == int(first[row])
            assert torch.allclose(step[row], full[-1], atol=1e-4, rtol=0)


def test_each_request_is_answered_when_it_ends_and_an_error_fails_only_its_own() -> None:
    """Through LocalModel and the event loop: short replies come back while long ones are
    still generating, and a request whose prefill fails does not take the others down."""
    from riskbench.errors import ModelError
    from riskbench.models import get_model
    from riskbench.models.local import LocalModel
    from riskbench.types import Message

    async def go() -> tuple[list[tuple[str, Any]], BaseException | None]:
        model = get_model("local:smollm2")
        assert isinstance(model, LocalModel)
        await model.check()
        runner = await asyncio.to_thread(model._runner)
        assert runner is not None
        real = runner._prefill

        def failing(start: int, jobs: list[Any]) -> Any:
            if any(len(j.ids) > 0 and j.max_tokens == 7 for j in jobs):
                raise ModelError("prefill failed on purpose")
            return real(start, jobs)

        runner._prefill = failing  # type: ignore[method-assign]
        done: list[tuple[str, Any]] = []

        async def ask(name: str, tokens: int) -> None:
            gen = await model.generate([Message("user", "Tell me a long story about a cat.")],
                                       max_tokens=tokens, temperature=0.0, seed=0)
            done.append((name, gen))

        try:
            short, long_ = ask("short", 4), ask("long", 16)
            await asyncio.gather(short, long_)
            bad = None
            try:
                await model.generate([Message("user", "hi")], max_tokens=7, temperature=0.0,
                                     seed=0)
            except ModelError as exc:
                bad = exc
            await ask("after", 3)  # the model still serves once a request failed
        finally:
            runner._prefill = real  # type: ignore[method-assign]
            await model.aclose()
        return done, bad

    done, bad = asyncio.run(go())
    assert [name for name, _ in done] == ["short", "long", "after"]
    assert done[0][1].completion_tokens == 4 and done[0][1].finish_reason == "length"
    assert done[1][1].completion_tokens > 4
    assert bad is not None and "on purpose" in str(bad)
