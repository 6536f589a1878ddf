"""Where the embedded model's time goes inside a campaign: each batch that reaches
`LocalModel._generate_batch` (its size, prompt tokens, wall and CPU seconds) while
`campaigns.run_campaign` runs SPEC, then the same first-turn prompts sent to the model
directly, outside any campaign, batch for batch.

    python bench/campaign_local.py SPEC.yaml --limit 8 --max-tokens 32 [--db URL]

SPEC names `local:smollm2` under the label `smollm2` (docs/campaigns.md has the figures
of 2026-12-02 and the load they were measured under). Nothing is cached.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from riskbench.models import local
from riskbench.pipeline import RunOptions, campaigns
from riskbench.pipeline.campaign_spec import load_spec, with_overrides
from riskbench.pipeline.runs import plan


class _Pending:
    def done(self) -> bool:
        return False


def _timed(batch_fn: Any, model: Any, batch: list[Any], label: str) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    out = batch_fn(model, batch)
    tokens = [g.prompt_tokens for g in out]
    print(f"{label}: batch {len(batch)}, prompt tokens longest {max(tokens)} total "
          f"{sum(tokens)}, wall {time.perf_counter() - wall:.1f} s, "
          f"CPU {time.process_time() - cpu:.1f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", type=Path)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--db", default="sqlite:///bench-campaign-local.db")
    args = parser.parse_args()
    generate = local.LocalModel._generate_batch
    local.LocalModel._generate_batch = (  # type: ignore[method-assign]
        lambda self, batch: _timed(generate, self, batch, "in the campaign"))
    spec = with_overrides(load_spec(args.spec), limit=args.limit, max_tokens=args.max_tokens)
    started = time.perf_counter()
    campaigns.run_campaign(spec, RunOptions(db_url=args.db, use_cache=False))
    print(f"campaign: {time.perf_counter() - started:.1f} s", flush=True)
    config = next(c for label, c in ((m.label, m) for m in spec.models) if label == "smollm2")
    the_plan = plan(campaigns._config(spec, config, spec.suites[0], ("direct",)))
    model = local.local("smollm2")
    requests = [local._Request(list(c.conversation.messages), args.max_tokens, 0.0, 0,
                               _Pending()) for c in the_plan.cases]  # type: ignore[arg-type]
    size = config.concurrency or model.defaults.concurrency  # the batch the engine fills
    for i in range(0, len(requests), size):
        _timed(generate, model, requests[i:i + size], "alone")


if __name__ == "__main__":
    main()
