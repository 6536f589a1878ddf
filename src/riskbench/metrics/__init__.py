"""Stage 7: turning stored verdicts into `Score`s."""

from riskbench.metrics.campaign import Comparison, compare
from riskbench.metrics.run_scores import RunScores, score_run
from riskbench.metrics.score_cache import cached_score_run
from riskbench.metrics.stats import (
    INSUFFICIENT,
    grade_or_insufficient,
    min_n,
    newcombe_difference,
    over_refusal_flag_above,
    risk_level,
    secure_at_k,
    strongreject_score,
    wilson,
)

__all__ = [
    "INSUFFICIENT",
    "Comparison",
    "RunScores",
    "cached_score_run",
    "compare",
    "grade_or_insufficient",
    "min_n",
    "newcombe_difference",
    "over_refusal_flag_above",
    "risk_level",
    "score_run",
    "secure_at_k",
    "strongreject_score",
    "wilson",
]
