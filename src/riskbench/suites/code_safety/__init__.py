"""The code-safety suite: CAICT's 2024 code-LLM AI Safety Benchmark shape (14 functional
scenarios x 9 programming languages x 13 attack methods, code-misuse risk categories)
generated from this project's intents and templates, with real open-source code as the
given code. docs/code-safety.md describes the rules.

`--suite code-safety:DIR[?quick=true]` (DIR: CyberSecEval's datasets folder, or no DIR to
fetch its instruct/autocomplete files) or `riskbench build code-safety -o FILE.jsonl`.
Every item names its attack in meta["attack"]; the suite names its judges.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, builders, formats
from riskbench.suites.code_safety import snippets
from riskbench.suites.code_safety.data import plan
from riskbench.suites.code_safety.generate import JUDGES, Pools, cells, in_quick, render
from riskbench.suites.public.common import check_options, dataset_path


def _cyberseceval(path: Path | None) -> list[snippets.Snippet]:
    chars = plan().snippet_chars
    if path is not None:
        return snippets.cyberseceval(path, chars)
    fix = ("--suite code-safety:DIR (DIR: a folder with CyberSecEval's instruct.json and "
           "autocomplete.json)")
    return [s for fmt in ("cyberseceval-instruct", "cyberseceval-autocomplete")
            for s in snippets.cyberseceval(dataset_path(fmt, None, fix), chars)]


def build(cyberseceval: Path | None, quick: bool = False) -> Suite:
    """The full suite (>= 15,000 cases) or its quick subset (<= 500)."""
    real = [*_cyberseceval(cyberseceval), *snippets.harvested()]
    pools = Pools(snippets.pools(real, list(plan().languages)))
    chosen = [cell for cell in cells() if not quick or in_quick(cell)]
    items = tuple(render(cell, pools) for cell in chosen)
    name = "code-safety-quick" if quick else "code-safety"
    return Suite(name, f"{name}: {len(items)} cases over scenarios x languages x attacks, "
                 "real code as context", items, judges=JUDGES)


builders.add("code-safety", build)


@formats.register("code-safety")
def load(path: Path | None, options: Mapping[str, str]) -> Suite:
    check_options("code-safety", options, {"quick": "true|false"})
    value = options.get("quick", "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise UsageError(f"code-safety: option quick={options['quick']!r}: use true or false")
    return build(path, value in ("true", "1", "yes"))


__all__ = ["build", "load"]
