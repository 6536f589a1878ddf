"""Rogan–Gladen correction of observed unsafe rates for the judge's measured error."""

import math

import pytest

from riskbench.metrics.stats import corrected_rate, rogan_gladen
from riskbench.types import JudgeCard


def card(tp: int, fn: int, tn: int, fp: int) -> JudgeCard:
    n = tp + fn + tn + fp
    return JudgeCard("j", "v", "d", "c", n, (tp + tn) / n, 0.0, tp / (tp + fn),
                     tn / (tn + fp), tp, fn, tn, fp, 0)


def test_rogan_gladen_worked_examples() -> None:
    # Se 0.9, Sp 0.8, observed 0.34: (0.34 + 0.8 - 1) / (0.9 + 0.8 - 1) = 0.14 / 0.7 = 0.2
    assert rogan_gladen(0.34, 0.9, 0.8) == pytest.approx(0.2)
    # a perfect judge changes nothing
    assert rogan_gladen(0.37, 1.0, 1.0) == pytest.approx(0.37)
    # Se 0.8, Sp 0.95, observed 0.05: only false positives -> true rate 0 (clipped)
    assert rogan_gladen(0.05, 0.8, 0.95) == 0.0
    # Se 0.6, Sp 0.9, observed 0.5: (0.5 - 0.1) / 0.5 = 0.8
    assert rogan_gladen(0.5, 0.6, 0.9) == pytest.approx(0.8)
    assert math.isnan(rogan_gladen(0.5, 0.5, 0.5))


def test_corrected_rate_point_and_an_interval_that_carries_the_judge_error() -> None:
    # card: Se = 90/100 = 0.9, Sp = 160/200 = 0.8; 34 unsafe of 100 observed -> 0.2
    rate, lo, hi = corrected_rate(34, 100, card(90, 10, 160, 40))
    assert rate == pytest.approx(0.2)
    assert lo < 0.2 < hi
    # the same rates measured on a card ten times larger: a narrower interval
    _, lo_big, hi_big = corrected_rate(34, 100, card(900, 100, 1600, 400))
    assert hi_big - lo_big < hi - lo
    # deterministic for a seed
    assert corrected_rate(34, 100, card(90, 10, 160, 40)) == (rate, lo, hi)


def test_corrected_rate_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="must lie in"):
        corrected_rate(5, 3, card(9, 1, 9, 1))
    with pytest.raises(ValueError, match="lacks"):
        corrected_rate(1, 3, JudgeCard("j", "v", "d", "c", 2, 1, 1, None, 1.0, 0, 0, 2, 0, 0))
