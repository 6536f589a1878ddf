"""A campaign with the embedded model (SmolLM2-135M on the CPU, for real) beside a model on
the loopback chat-completions server: both runs store every attempt, and the embedded
model's concurrent requests reach it as one batch (the campaign path keeps the batching
of models/local.py). Small on purpose: two short starter items, eight new tokens; what
long code-safety prompts cost is in docs/campaigns.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers.chat_server import ServerThread
from riskbench import store
from riskbench.models import llama_loop, local
from riskbench.pipeline import RunOptions, campaigns
from riskbench.pipeline.campaign_spec import parse_spec

pytestmark = pytest.mark.slow


def test_a_campaign_with_the_embedded_model_stores_its_attempts(
        tmp_path: Path, db_url: str, chat_server: ServerThread,
        monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[int] = []  # requests per batch: `generate` batches or loop prefills
    generate = local.LocalModel._generate_batch
    prefill = llama_loop.LlamaLoop._prefill

    def counted(self: local.LocalModel, batch: list) -> list:
        batches.append(len(batch))
        return generate(self, batch)

    def counted_prefill(self: llama_loop.LlamaLoop, start: int, jobs: list) -> Any:
        batches.append(len(jobs))
        return prefill(self, start, jobs)

    monkeypatch.setattr(local.LocalModel, "_generate_batch", counted)
    monkeypatch.setattr(llama_loop.LlamaLoop, "_prefill", counted_prefill)
    spec = parse_spec({
        "name": "embedded",
        "models": [{"model": "local:smollm2", "name": "smollm2"},
                   {"model": f"openai-compatible:{chat_server.url}:refuse",
                    "name": "refuser"}],
        "suite": "starter", "attacks": ["direct"], "limit": 2, "seed": 0,
        "sampling": {"max_tokens": 8},
    }, source="test")
    result = campaigns.run_campaign(spec, RunOptions(db_url=db_url, use_cache=False),
                                    out_dir=tmp_path / "out")
    engine = store.connect(db_url)
    runs = {r.label: r for r in store.campaign_runs(engine, result.campaign_id)}
    assert {r.status for r in runs.values()} == {"finished"}
    for label in ("smollm2", "refuser"):
        done = store.done_keys(engine, runs[label].run_id)
        assert len(done) == store.get_run(engine, runs[label].run_id).n_cases == 2, label
    judge = store.get_run(engine, runs["smollm2"].run_id).config.judges[0]
    attempts = store.load_attempts(engine, runs["smollm2"].run_id, judge)
    assert [a["status"] for a in attempts] == ["ok", "ok"]
    assert all(a["outcome"] for a in attempts)  # judged, verdicts stored with them
    assert batches[0] == 2  # both first turns in one batch (greedy: one loop prefill)
    assert (tmp_path / "out" / "comparison.json").exists()
