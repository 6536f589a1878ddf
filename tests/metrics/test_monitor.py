"""The frontier-risk monitor's formulas: R, C and S as weighted means, missing benchmarks,
the risk Pareto frontier (ties, one model), running maximum and growth, group comparisons
and the domain config as data."""

from datetime import date
from pathlib import Path

import pytest

from riskbench.errors import UsageError
from riskbench.metrics import monitor as m
from riskbench.types import ModelInfo

CONFIG = m.load_config()
CYBER = CONFIG.domains["cyber"]


def score(model: str, c: float | None, s: float | None, domain: str = "cyber"
          ) -> m.DomainScore:
    r = m.risk_index(c, s, 1.0) if c is not None and s is not None else None
    return m.DomainScore(model, domain, c, s, r, 1.0, "v", "t", (), ())


def info(model: str, released: date | None = None, **kw: object) -> ModelInfo:
    return ModelInfo(model, model, release_date=released, **kw)  # type: ignore[arg-type]


def values(**raw: float) -> list[m.BenchmarkValue]:
    specs = {b.name: b for b in CYBER.benchmarks}
    return [m.benchmark_value(specs[name], v, None, "test") for name, v in raw.items()]


@pytest.mark.parametrize(("c", "s", "beta", "r"), [
    (80, 50, 1.0, 40.0), (80, 50, 0.6, 56.0), (80, 0, 1.0, 80.0), (80, 100, 1.0, 0.0),
    (0, 70, 1.0, 0.0), (50, 100, 0.5, 25.0),
])
def test_risk_index(c: float, s: float, beta: float, r: float) -> None:
    assert m.risk_index(c, s, beta) == pytest.approx(r)


@pytest.mark.parametrize(("kind", "raw", "value"), [
    ("accuracy", 62.5, 62.5), ("refusal_rate", 90, 90), ("safety_rate", 40, 40),
    ("score_100", 12, 12), ("rate_inverted", 30, 70), ("strongreject_inverted", 0.25, 75),
    ("strongreject_inverted", 0.0, 100), ("strongreject_inverted", 1.0, 0),
])
def test_benchmark_kinds_map_to_0_100(kind: str, raw: float, value: float) -> None:
    assert m.to_percent(kind, raw) == pytest.approx(value)


def test_weighted_means_and_the_packaged_weights() -> None:
    # cyber: capability wmdp_cyber (weight 2) and cybench (1); safety three of weight 1
    model = info("x")
    got = m.domain_score(model, CYBER, values(wmdp_cyber=60, cybench=30, cyber_refusal=90,
                                             cyber_jailbreak=40, strongreject=0.5),
                         CONFIG, "t")
    assert got.capability == pytest.approx((2 * 60 + 30) / 3)
    assert got.safety == pytest.approx((90 + 40 + 50) / 3)
    assert got.risk == pytest.approx(50 * (1 - 1.0 * 60 / 100))
    assert got.missing == () and got.complete


def test_missing_benchmarks_are_reported_never_zero() -> None:
    got = m.domain_score(info("x"), CYBER, values(wmdp_cyber=60, cyber_refusal=90), CONFIG,
                         "t")
    assert got.missing == ("cybench", "cyber_jailbreak", "strongreject")
    assert got.capability == pytest.approx(60)  # not (2*60 + 0) / 3
    assert got.safety == pytest.approx(90)  # not 90 / 3
    none = m.domain_score(info("y"), CYBER, values(wmdp_cyber=60), CONFIG, "t")
    assert none.safety is None and none.risk is None and none.capability == 60


def test_beta_is_lower_for_open_weights_and_a_model_override_wins() -> None:
    assert CONFIG.beta_open < CONFIG.beta_closed
    vals = values(wmdp_cyber=80, cyber_refusal=50)
    closed = m.domain_score(info("c"), CYBER, vals, CONFIG, "t")
    opened = m.domain_score(info("o", open_weights=True), CYBER, vals, CONFIG, "t")
    custom = m.domain_score(info("b", open_weights=True, beta=0.2), CYBER, vals, CONFIG, "t")
    assert closed.risk == pytest.approx(80 * (1 - CONFIG.beta_closed * 0.5))
    assert opened.risk == pytest.approx(80 * (1 - CONFIG.beta_open * 0.5))
    assert custom.risk == pytest.approx(80 * 0.9) and custom.beta == 0.2
    assert (opened.risk or 0) > (closed.risk or 0)


def test_wilson_interval_where_a_rate_has_n() -> None:
    spec = next(b for b in CYBER.benchmarks if b.name == "wmdp_cyber")
    v = m.benchmark_value(spec, 50.0, 100, "s")
    assert v.low == pytest.approx(40.4, abs=0.1) and v.high == pytest.approx(59.6, abs=0.1)
    sr = next(b for b in CYBER.benchmarks if b.name == "strongreject")
    inv = m.benchmark_value(sr, 0.2, 50, "s")  # inverted: the interval flips too
    assert inv.low is not None and inv.high is not None
    assert inv.value == pytest.approx(80) and inv.low < 80 < inv.high
    assert m.benchmark_value(spec, 50.0, None, "s").low is None


def test_frontier_dominance() -> None:
    scores = [score("strong-safe", 90, 90), score("strong-unsafe", 90, 20),
              score("weak-unsafe", 30, 10), score("dominated", 50, 60),
              score("no-safety", 95, None)]
    # dominated: strong-unsafe has higher C and lower S
    # by C then S: the order the frontier line is drawn in
    assert m.pareto_frontier(scores) == ["weak-unsafe", "strong-unsafe", "strong-safe"]


def test_frontier_ties_and_single_model() -> None:
    assert m.pareto_frontier([score("only", 40, 70)]) == ["only"]
    assert m.pareto_frontier([]) == []
    assert m.pareto_frontier([score("x", None, 50)]) == []
    # equal C: the lower S does not have *higher* C, so neither dominates
    assert sorted(m.pareto_frontier([score("a", 60, 30), score("b", 60, 50)])) == ["a", "b"]
    # equal S: the higher C does not have *lower* S
    assert sorted(m.pareto_frontier([score("a", 50, 40), score("b", 70, 40)])) == ["a", "b"]
    # identical points
    assert sorted(m.pareto_frontier([score("a", 50, 40), score("b", 50, 40)])) == ["a", "b"]
    # strictly better on both counts dominates
    assert m.pareto_frontier([score("a", 50, 40), score("b", 51, 39)]) == ["b"]


def test_cumulative_max_and_growth() -> None:
    models = {"m1": info("m1", date(2024, 1, 1)), "m2": info("m2", date(2024, 6, 1)),
              "m3": info("m3", date(2024, 9, 1)), "m4": info("m4", date(2024, 9, 1)),
              "undated": info("undated")}
    scores = [score("m1", 40, 50), score("m2", 20, 50), score("m3", 80, 50),
              score("m4", 60, 0), score("undated", 100, 0)]
    series = m.cumulative_max_risk(scores, models)
    assert [(p.model, p.risk, p.cummax, p.leader) for p in series] == [
        ("m1", 20.0, 20.0, "m1"), ("m2", 10.0, 20.0, "m1"),
        ("m3", 40.0, 60.0, "m4"), ("m4", 60.0, 60.0, "m4")]
    g = m.growth(series, 400, end=date(2024, 12, 31))
    assert g.start_value is None and g.percent is None  # window opens before any release
    g = m.growth(series, 200)  # 2024-02-14 .. 2024-09-01
    assert (g.start_value, g.end_value) == (20.0, 60.0) and g.percent == pytest.approx(200.0)
    assert m.growth(series[:1], 30).percent is None
    assert m.cumulative_max_risk([], models) == []


def test_family_trends_and_group_comparison() -> None:
    models = {
        "r1": info("r1", date(2024, 3, 1), family="R", reasoning=True),
        "r2": info("r2", date(2025, 1, 1), family="R", reasoning=True),
        "n1": info("n1", date(2024, 1, 1), family="N", open_weights=True),
        "n2": info("n2", date(2024, 6, 1), family="N"),
        "n3": info("n3", None, family="N"),
    }
    scores = [score("r1", 80, 50), score("r2", 90, 50), score("n1", 40, 50),
              score("n2", 50, 50), score("n3", 60, 50)]
    trends = m.family_trends(scores, models)
    assert list(trends) == ["N", "R"]
    assert [p.model for p in trends["N"]] == ["n1", "n2"]  # undated n3 left out
    cmp = m.group_comparison(scores, models, "reasoning", "capability")
    assert list(cmp.groups) == ["reasoning", "non-reasoning"]
    assert cmp.groups["reasoning"].mean == pytest.approx(85)
    assert cmp.groups["non-reasoning"].mean == pytest.approx(50)
    assert cmp.difference == pytest.approx(35)
    low, high = cmp.groups["non-reasoning"].low, cmp.groups["non-reasoning"].high
    assert low is not None and high is not None and low < 50 < high
    ow = m.group_comparison(scores, models, "open_weights", "risk")
    assert list(ow.groups) == ["open", "closed"] and ow.groups["open"].n == 1
    assert ow.groups["open"].low is None  # one value, no interval
    d = m.distribution([1, 2, 3, 4, 5])
    assert (d.minimum, d.q1, d.median, d.q3, d.maximum) == (1, 2, 3, 4, 5)
    with pytest.raises(ValueError):
        m.group_comparison(scores, models, "nosuch")


def test_jailbreak_table_follows_the_config_tags() -> None:
    s = m.domain_score(info("x"), CYBER, values(wmdp_cyber=60, cyber_refusal=90,
                                                cyber_jailbreak=40, strongreject=0.5),
                       CONFIG, "t")
    rows = m.jailbreak_table([s], "jailbreak", CONFIG)
    assert [(r.benchmark, r.value) for r in rows] == [("cyber_jailbreak", 40.0),
                                                      ("strongreject", 50.0)]
    bio = CONFIG.domains["bio"]
    sr = next(b for b in bio.benchmarks if b.name == "strongreject")
    b = m.domain_score(info("x"), bio, [m.benchmark_value(sr, 0.5, None, "test")], CONFIG, "t")
    rows = m.jailbreak_table([s, b], "jailbreak", CONFIG)  # one benchmark, two domains
    assert [(r.benchmark, r.domain) for r in rows] == [("cyber_jailbreak", "cyber"),
                                                       ("strongreject", "bio, cyber")]


def test_the_config_is_data(tmp_path: Path) -> None:
    assert set(CONFIG.domains) == {"cyber", "bio", "chem", "loss_of_control", "manipulation"}
    custom = tmp_path / "d.yaml"
    custom.write_text(
        "version: mine\nbeta: {closed: 0.5, open: 0.25}\ndomains:\n  cyber:\n"
        "    capability:\n      a: {weight: 1, kind: accuracy}\n"
        "      b: {weight: 3, kind: score_100}\n"
        "    safety:\n      s: {weight: 1, kind: refusal_rate}\n", encoding="utf-8")
    config = m.load_config(custom)
    assert config.version.startswith("mine+") and config.beta_closed == 0.5
    dom = config.domains["cyber"]
    specs = {b.name: b for b in dom.benchmarks}
    got = m.domain_score(info("x"), dom, [m.benchmark_value(specs["a"], 40, None, ""),
                                          m.benchmark_value(specs["b"], 80, None, ""),
                                          m.benchmark_value(specs["s"], 50, None, "")],
                         config, "t")
    assert got.capability == pytest.approx(70) and got.risk == pytest.approx(70 * 0.75)


@pytest.mark.parametrize(("text", "needle"), [
    ("domains: [1]", "expected a mapping with 'domains'"),
    ("domains:\n  x:\n    capability: {a: {kind: nope}}\n    safety: {s: {kind: accuracy}}",
     "kind must be one of"),
    ("domains:\n  x:\n    capability: {a: {kind: accuracy, weight: -1}}\n"
     "    safety: {s: {kind: accuracy}}", "weight must be a number"),
    ("domains:\n  x:\n    capability: {a: {kind: accuracy}}\n", "'safety' must list"),
    ("beta: {closed: 2}\ndomains: {}", "beta.closed must be a number between 0 and 1"),
    ("domains: {x: {capability: {a: {kind: accuracy, runs: {judge: j}}}, "
     "safety: {s: {kind: accuracy}}}}", "runs must map suite"),
    ("domains: [", "not valid YAML"),
])
def test_bad_config_is_one_clear_line(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=needle.replace("(", r"\(")) as exc:
        m.load_config(path)
    assert "\n" not in str(exc.value)
