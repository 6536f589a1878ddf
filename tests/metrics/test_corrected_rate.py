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


def test_a_perfect_card_still_carries_the_judge_uncertainty_of_its_n() -> None:
    # Se = Sp = 1 on 20 + 20 labels: the point is the observed rate, unchanged ...
    rate, lo, hi = corrected_rate(37, 100, card(20, 0, 20, 0))
    assert rate == pytest.approx(0.37)
    assert lo < 0.37 < hi
    # ... and the interval is wider than the sample's own (Jeffreys, no judge error) and
    # than the one from a perfect card a hundred times larger: 20 labels rule out less
    _, lo_big, hi_big = corrected_rate(37, 100, card(2000, 0, 2000, 0))
    sample_lo, sample_hi = beta_interval(37, 100)
    assert hi - lo > hi_big - lo_big > 0.99 * (sample_hi - sample_lo)
    assert hi - lo > 1.2 * (sample_hi - sample_lo)


def test_zero_observed_with_a_perfect_card_is_not_a_point() -> None:
    rate, lo, hi = corrected_rate(0, 50, card(76, 0, 46, 0))
    assert rate == 0.0 and lo == 0.0
    assert hi > 0.02  # Jeffreys upper bound for 0/50 alone is about 0.05


def test_point_estimate_is_rogan_gladen_of_the_card_point_values() -> None:
    for args in [(34, 100, (90, 10, 160, 40)), (5, 200, (50, 3, 80, 1)), (80, 80, (9, 1, 9, 1))]:
        observed, n, counts = args
        tp, fn, tn, fp = counts
        rate, lo, hi = corrected_rate(observed, n, card(*counts))
        assert rate == pytest.approx(rogan_gladen(observed / n, tp / (tp + fn), tn / (tn + fp)))
        assert lo <= rate <= hi


def beta_interval(x: int, n: int) -> tuple[float, float]:
    from scipy.stats import beta

    low, high = beta.ppf([0.025, 0.975], x + 0.5, n - x + 0.5)
    return float(low), float(high)


def test_all_unsafe_observed_does_not_collapse_onto_the_boundary() -> None:
    # Se 0.9 on 357 labels: 46 unsafe of 46 is what a true rate a little under 1 gives too,
    # so the interval must reach below 1 (clipping simulated corrections gave [1, 1])
    rate, lo, hi = corrected_rate(46, 46, card(322, 35, 318, 29))
    assert rate == 1.0 and hi == 1.0
    assert 0.85 < lo < 0.97


def test_a_huge_perfect_card_gives_the_samples_own_jeffreys_interval() -> None:
    # with Se = Sp = 1 known almost exactly, the posterior of the true rate is the
    # observed count's Jeffreys posterior Beta(x + 1/2, n - x + 1/2)
    for observed, n in [(37, 100), (3, 40), (900, 1000)]:
        _, lo, hi = corrected_rate(observed, n, card(10**6, 0, 10**6, 0))
        sample_lo, sample_hi = beta_interval(observed, n)
        assert lo == pytest.approx(sample_lo, abs=2e-3)
        assert hi == pytest.approx(sample_hi, abs=2e-3)


def test_a_large_run_gets_a_narrow_interval_around_rogan_gladen() -> None:
    # 30,000 unsafe of 100,000, Se 0.9 / Sp 0.8 on a large card: the sample's width is
    # ~0.003, so the interval is set by the card's and must stay within a few points
    rate, lo, hi = corrected_rate(30_000, 100_000, card(9000, 1000, 16000, 4000))
    assert rate == pytest.approx(1 / 7)
    assert lo < rate < hi and hi - lo < 0.05
