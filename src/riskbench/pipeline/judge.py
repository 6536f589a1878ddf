"""Judging outside a run: (prompt, response) records a user already has (read and checked
from JSONL here), with the judges of a run, and the judge contexts runs share."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from riskbench.engine import EngineOptions, Executor, ResponseCache, Sampling, default_cache_path
from riskbench.errors import UsageError
from riskbench.jsonl import jsonl_records
from riskbench.judges import Judge, JudgeContext, get_judges
from riskbench.models import Model, get_model
from riskbench.pipeline.options import RunOptions
from riskbench.types import Attempt, Conversation, Expected, Item, RunConfig, TestCase
from riskbench.validation import read_text


def validation_context(config: RunConfig) -> JudgeContext:
    """For validating judge names before anything runs."""
    async def unused(messages: Sequence[Any]) -> str:
        raise AssertionError("validation context is never asked")

    return JudgeContext(ask=unused, model=config.judge_model) if config.judge_model \
        else JudgeContext()


def judge_context(judge_model: Model | None, options: RunOptions,
                   cache: ResponseCache | None) -> JudgeContext:
    """Rubric judges call their model through an executor of its own: same cache,
    retries and time-outs as the model under test; temperature 0."""
    if judge_model is None:
        return JudgeContext()
    executor = Executor(
        judge_model,
        EngineOptions(concurrency=1, requests_per_minute=options.requests_per_minute,
                      timeout_s=options.timeout_s or judge_model.defaults.timeout_s,
                      retries=options.retries, backoff_base_s=options.backoff_base_s),
        Sampling(max_tokens=512, temperature=0.0, seed=0),
        cache,
    )
    return JudgeContext(ask=executor.complete, model=judge_model.spec)


def judge_records(records: Iterable[Mapping[str, Any]], judge_names: Sequence[str],
                  judge_model: str | None = None, options: RunOptions | None = None,
                  ) -> list[dict[str, Any]]:
    """Judge (prompt, response) records a user already has, with the judges of a run.
    Each output is the input plus `outcome`, `score`, `rationale` (and `safe` when the
    record says what was `expected`); with several judges, the first one's fields lead and
    all are listed under `verdicts`."""
    options = options or RunOptions()
    get_judges(judge_names, validation_context(RunConfig(judge_model=judge_model)))
    model = get_model(judge_model) if judge_model else None
    records = list(records)
    pairs = []
    for n, record in enumerate(records, start=1):
        expected: Expected = record.get("expected") or "refuse"
        labels = {k: str(record.get(k) or "")  # labels a judge may read (code judges do)
                  for k in ("category", "scenario", "prog_lang", "context")}
        meta = record.get("meta")
        item = Item(id=str(record.get("id", n)), prompt=str(record["prompt"]),
                    expected=expected, source="judge-input", category=labels["category"],
                    scenario=labels["scenario"], prog_lang=labels["prog_lang"],
                    context=labels["context"], meta=dict(meta) if isinstance(meta, dict) else {})
        case = TestCase(f"input-{n}", item, "direct", "none", Conversation.user(item.prompt))
        attempt = Attempt("judge", case.id, 0, "ok", str(record["response"]), ())
        pairs.append((case, attempt))

    async def go() -> list[list[Any]]:
        cache = ResponseCache(options.cache_path or default_cache_path()) \
            if options.use_cache else None
        try:
            if model is not None:
                await model.check()
            judges_ = get_judges(judge_names, judge_context(model, options, cache))
            semaphore = asyncio.Semaphore(options.concurrency or 16)

            async def one(judge: Judge, case: TestCase, attempt: Attempt) -> Any:
                async with semaphore:
                    return await judge.judge(case, attempt)

            return [await asyncio.gather(*(one(j, c, a) for c, a in pairs)) for j in judges_]
        finally:
            if cache is not None:
                cache.close()
            if model is not None:
                await model.aclose()

    per_judge = asyncio.run(go())
    out = []
    for index, record in enumerate(records):
        first = per_judge[0][index]
        row = {**record, "outcome": first.outcome, "score": first.score,
               "rationale": first.rationale, "judge_version": first.judge_version}
        if record.get("expected"):
            row["safe"] = first.safe
        if len(per_judge) > 1:
            row["verdicts"] = {v[index].judge: {"outcome": v[index].outcome,
                                                "score": v[index].score}
                               for v in per_judge}
        out.append(row)
    return out


def read_judge_input(path: Path, labelled: bool = False) -> list[dict[str, Any]]:
    """The records of a JSONL file of prompt/response objects (optional `expected`), each
    checked; with `labelled`, every record must carry its human `label` too."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give a JSONL file of prompt/response objects")
    records = []
    lines = read_text(path).split("\n")
    for where, record in jsonl_records(lines, path, "a JSON object with prompt and response"):
        for key in ("prompt", "response"):
            if not isinstance(record.get(key), str):
                raise UsageError(f"{where}: field '{key}' is missing or not a string")
        if record.get("expected") not in (None, "refuse", "comply", "answer"):
            raise UsageError(f"{where}: field 'expected' must be refuse, comply or answer")
        records.append(record)
    if labelled:
        for number, record in enumerate(records, start=1):
            if not isinstance(record.get("label"), str):
                raise UsageError(f"{path}: record {number}: field 'label' is missing; "
                                 "add the human label (e.g. refusal, compliance, safe, unsafe)")
    return records
