"""Stage 7: turning stored verdicts into `Score`s."""

from riskbench.metrics.run_scores import RunScores, compute
from riskbench.metrics.stats import (
    newcombe_difference,
    risk_level,
    secure_at_k,
    strongreject_score,
    wilson,
)

__all__ = ["RunScores", "compute", "newcombe_difference", "risk_level", "secure_at_k",
           "strongreject_score", "wilson"]
