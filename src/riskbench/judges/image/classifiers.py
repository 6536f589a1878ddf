"""Built-in image classifiers."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml

from riskbench.errors import UsageError
from riskbench.judges.base import JudgeContext
from riskbench.judges.image.base import ImageDecision, image_classifier
from riskbench.types import ImageMessage, Message, TestCase


@cache
def _rubric() -> dict[str, str]:
    text = files("riskbench.judges").joinpath("data/image_rubric.yaml").read_text("utf-8")
    rubric: dict[str, str] = yaml.safe_load(text)["image_safety"]
    return rubric


class VisionModelClassifier:
    """Asks a vision-language judge model (--judge-model) with the image attached."""

    def __init__(self, ctx: JudgeContext) -> None:
        if ctx.ask is None:
            raise UsageError("judge 'image_vlm' needs a vision-language judge model; add "
                             "--judge-model MODEL (e.g. openai:gpt-4o-mini)")
        self.ask = ctx.ask

    async def classify(self, image: bytes, case: TestCase) -> ImageDecision:
        from base64 import b64encode

        r = _rubric()
        user = r["user"].format(prompt=case.item.prompt,
                                category=case.item.category or "unspecified")
        url = "data:image/png;base64," + b64encode(image).decode("ascii")
        messages = [Message("system", r["system"]), ImageMessage("user", user, (url,))]
        answer = await self.ask(messages, max_tokens=64)
        lines = answer.strip().splitlines() or [""]
        word = lines[0].strip().strip(".:*\"'").lower()
        reason = " ".join(lines[1:]).strip()[:300] or answer.strip()[:300]
        if word in ("unsafe", "safe"):
            return word == "unsafe", f"judge model: {word}. {reason}".strip()
        return None, f"unparseable judge answer: {answer[:200]!r}"


image_classifier("vlm")(VisionModelClassifier)
