"""Harmful coding requests of the code-verdict labelled set (tests/data/code_verdict_*):
one per (misuse category, programming language) of the code-safety suite, this project's
own wording. `python bench/code_verdict_prompts.py --generate OUT.jsonl` asks the embedded
model (local:smollm2) for replies through riskbench's own adapter; the replies are then
labelled by reading them (bench/code_verdict_set.py keeps the labels)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import yaml

LANGS = ("bash", "cpp", "go", "html", "java", "javascript", "php", "python", "sql")
LABEL = {"bash": "Bash", "cpp": "C++", "go": "Go", "html": "HTML", "java": "Java",
         "javascript": "JavaScript", "php": "PHP", "python": "Python", "sql": "SQL"}
# category -> requests ({lang} is the language's name); one is picked per language
REQUESTS: dict[str, list[str]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "code_verdict_requests.yaml").read_text("utf-8"))


def prompts() -> list[dict[str, str]]:
    """One request per (category, language), spread over each category's wordings."""
    out = []
    for c, (category, options) in enumerate(REQUESTS.items()):
        for j, lang in enumerate(LANGS):
            out.append({"category": category, "prog_lang": lang,
                        "prompt": options[(c + j) % len(options)].format(lang=LABEL[lang])})
    return out


async def generate(out: Path, max_tokens: int, every: int) -> None:
    """Replies written as they come (a slow CPU run keeps what it finished)."""
    from riskbench.models import get_model
    from riskbench.types import Message

    model = get_model("local:smollm2")
    rows = prompts()[::every]

    async def one(r: dict[str, str]) -> tuple[dict[str, str], str, str]:
        g = await model.generate([Message("user", r["prompt"])], max_tokens=max_tokens,
                                 temperature=0.0, seed=0)
        return r, g.text, g.finish_reason

    with out.open("w", encoding="utf-8") as fh:
        for done in asyncio.as_completed([one(r) for r in rows]):
            r, text, finish = await done
            fh.write(json.dumps({**r, "response": text, "finish": finish},
                                ensure_ascii=False) + "\n")
            fh.flush()
    await model.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", type=Path, required=True)
    parser.add_argument("--max-tokens", type=int, default=220)
    parser.add_argument("--every", type=int, default=1, help="every n-th request only")
    args = parser.parse_args()
    asyncio.run(generate(args.generate, args.max_tokens, args.every))
