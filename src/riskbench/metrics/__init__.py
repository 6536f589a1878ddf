"""Stage 7: turning stored verdicts into `Score`s."""

from riskbench.metrics.run_scores import RunScores, score_run
from riskbench.metrics.stats import (
    newcombe_difference,
    risk_level,
    secure_at_k,
    strongreject_score,
    wilson,
)

__all__ = [
    "RunScores",
    "newcombe_difference",
    "risk_level",
    "score_run",
    "secure_at_k",
    "strongreject_score",
    "wilson",
]
