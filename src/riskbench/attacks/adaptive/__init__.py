"""Attacks with helper models in the loop: adaptive searches with attacker and judge models
(PAIR, TAP, Crescendo), their agent forms over injected text judged by the environment
(pair_injection, tap_injection) and the translation attack with a translator model."""

from riskbench.attacks.adaptive import crescendo, injection, pair, tap, translate  # noqa: F401
from riskbench.attacks.adaptive.base import AdaptiveAttack, AdaptiveResult, adaptive_attacks

__all__ = ["AdaptiveAttack", "AdaptiveResult", "adaptive_attacks"]
