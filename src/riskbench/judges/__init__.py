"""Stage 5: judges decide what a response is, handing on `Verdict`s."""

from collections.abc import Sequence

from riskbench.judges import (  # noqa: F401  (register)
    agent,
    agent_harm,
    answer,
    cascade,
    prompt_injection,
    refusal,
    refusal_model,
    rubrics,
)
from riskbench.judges import guards as _guards  # noqa: F401  (register)
from riskbench.judges.base import Ask, Judge, JudgeContext, LocalJudge, judges, safe_for
from riskbench.judges.code import (  # noqa: F401  (register)
    code_safety,
    insecure,
    malicious_capability,
)
from riskbench.judges.image import classifiers as _image  # noqa: F401  (register)
from riskbench.judges.refusal import classify


def get_judges(names: Sequence[str], ctx: JudgeContext | None = None) -> list[Judge]:
    return [judges.get(name)(ctx or JudgeContext()) for name in names]


__all__ = ["Ask", "Judge", "JudgeContext", "LocalJudge", "classify", "get_judges", "judges",
           "safe_for"]
