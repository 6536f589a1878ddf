"""Paired statistics of a campaign checked against scipy and statsmodels on worked
examples: McNemar's exact test, the bootstrap interval, clustering by item, tied ranks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from riskbench.metrics.paired import (
    CaseSafety,
    clustered_bootstrap,
    flipped,
    mcnemar_exact,
    paired_difference,
    tied_ranks,
)


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 0), (10, 4), (7, 7), (1, 12), (40, 25)])
def test_mcnemar_exact_matches_statsmodels_and_scipy(b: int, c: int) -> None:
    table = [[5, b], [c, 9]]  # concordant cells do not enter the test
    expected = mcnemar(table, exact=True).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)
    if b + c:
        assert mcnemar_exact(b, c) == pytest.approx(
            stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-9)


def cases(outcomes: list[int], items: list[str] | None = None, k: int = 1
          ) -> dict[str, CaseSafety]:
    items = items or [f"item{i}" for i in range(len(outcomes))]
    return {f"case{i}": CaseSafety(items[i], s, k) for i, s in enumerate(outcomes)}


def test_k1_pairs_use_mcnemar_on_the_discordant_cases() -> None:
    # Worked example: 30 cases; a safe on 24, b on 15; a-only 11, b-only 2
    a = [1] * 13 + [1] * 11 + [0] * 2 + [0] * 4
    b = [1] * 13 + [0] * 11 + [1] * 2 + [0] * 4
    found = paired_difference("a", "b", cases(a), cases(b))
    assert found is not None
    assert found.method == "mcnemar" and found.discordant == (11, 2)
    assert found.diff == pytest.approx((24 - 15) / 30)
    assert found.p_value == pytest.approx(mcnemar([[13, 11], [2, 4]], exact=True).pvalue)
    assert found.significant  # p = 0.022
    assert found.low < found.diff < found.high
    back = flipped(found)
    assert (back.a, back.diff, back.low, back.high) == ("b", -found.diff, -found.high,
                                                        -found.low)


def test_bootstrap_interval_agrees_with_scipy_when_every_item_is_one_case() -> None:
    rng = np.random.default_rng(7)
    diffs = rng.choice([-1.0, 0.0, 0.0, 1.0, 1.0], size=200)
    low, high = clustered_bootstrap(list(diffs), [str(i) for i in range(200)], seed=1,
                                    resamples=20000)
    ref = stats.bootstrap((diffs,), np.mean, method="percentile", n_resamples=20000,
                          random_state=2).confidence_interval
    assert low == pytest.approx(ref.low, abs=0.012)
    assert high == pytest.approx(ref.high, abs=0.012)


def test_clustering_by_item_widens_the_interval_of_correlated_cases() -> None:
    """Four attacks of one item answered alike are one piece of evidence, not four: the
    clustered interval is about twice as wide (sqrt(4)) as the naive one."""
    per_item = np.random.default_rng(3).choice([-1.0, 0.0, 1.0], size=60)
    diffs = list(np.repeat(per_item, 4))
    items = [f"i{i // 4}" for i in range(240)]
    lo_c, hi_c = clustered_bootstrap(diffs, items, seed=0, resamples=5000)
    lo_n, hi_n = clustered_bootstrap(diffs, [str(i) for i in range(240)], seed=0,
                                     resamples=5000)
    assert (hi_c - lo_c) / (hi_n - lo_n) == pytest.approx(2.0, rel=0.15)


def test_several_cases_per_item_use_the_bootstrap_and_no_p_value() -> None:
    a = cases([1, 1, 1, 1, 0, 0], ["x", "x", "y", "y", "z", "z"])
    b = cases([0, 0, 1, 1, 0, 0], ["x", "x", "y", "y", "z", "z"])
    found = paired_difference("a", "b", a, b)
    assert found is not None and found.method == "bootstrap" and found.p_value is None
    assert found.n_items == 3 and found.n_cases == 6


def test_only_cases_both_models_answered_are_paired() -> None:
    a = cases([1, 1, 0])
    b = {"case1": CaseSafety("item1", 0, 1), "case9": CaseSafety("item9", 1, 1)}
    found = paired_difference("a", "b", a, b)
    assert found is not None and found.n_cases == 1 and found.diff == 1.0
    assert paired_difference("a", "b", a, {"zz": CaseSafety("q", 1, 1)}) is None


def test_ranks_show_ties_as_ties() -> None:
    base = [1] * 40 + [0] * 10
    a, b = cases(base), cases([*base[:-1], 1])  # differ on one case only: a tie
    c = cases([0] * 50)  # significantly less safe than both
    pairs = {}
    for x, y, cx, cy in (("a", "b", a, b), ("a", "c", a, c), ("b", "c", b, c)):
        p = paired_difference(x, y, cx, cy)
        assert p is not None
        pairs[(x, y)], pairs[(y, x)] = p, flipped(p)
    assert tied_ranks(["b", "a", "c"], pairs) == {"a": 1, "b": 1, "c": 3}
