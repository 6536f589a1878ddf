"""`--limit N` with sample=stratified: a small quick run of code-safety still has every
scenario, programming language and risk category; deterministic by seed; first-N stays the
default of `riskbench run`."""

from __future__ import annotations

import pytest

from conftest import DATASETS
from riskbench.errors import UsageError
from riskbench.pipeline import plan
from riskbench.suites import Suite, load_suite
from riskbench.suites.code_safety import build
from riskbench.suites.sample import stratified
from riskbench.types import RunConfig


@pytest.fixture(scope="module")
def quick() -> Suite:
    return build(DATASETS / "cyberseceval", quick=True)


def test_forty_items_cover_every_value_of_every_dimension(quick: Suite) -> None:
    picked = stratified(quick.items, 40, seed=0)
    assert len(picked) == 40 == len({i.id for i in picked})
    for field in ("scenario", "prog_lang", "category", "expected"):
        assert {getattr(i, field) for i in picked} == {getattr(i, field) for i in quick.items}
    assert {i.meta["attack"] for i in picked} == {i.meta["attack"] for i in quick.items}
    harmful = [i for i in picked if i.expected == "refuse"]  # the Secure@k tables' items
    assert {i.scenario for i in harmful} == {i.scenario for i in quick.items}
    assert {i.prog_lang for i in harmful} == {i.prog_lang for i in quick.items}
    first = quick.items[:40]
    assert len({i.scenario for i in first}) < len({i.scenario for i in quick.items})


def test_the_sample_is_deterministic_by_seed_and_kept_in_suite_order(quick: Suite) -> None:
    a, b = stratified(quick.items, 30, 5), stratified(quick.items, 30, 5)
    assert a == b
    assert stratified(quick.items, 30, 6) != a
    position = {item.id: n for n, item in enumerate(quick.items)}
    assert [position[i.id] for i in a] == sorted(position[i.id] for i in a)
    assert stratified(quick.items, 10_000, 0) == quick.items


def test_plan_uses_first_n_unless_asked_and_rejects_an_unknown_sample() -> None:
    first = plan(RunConfig(model="scripted:refuse", suite="starter", limit=3))
    ids = list(dict.fromkeys(c.item.id for c in first.cases))
    assert ids == [i.id for i in load_suite("starter").items[:3]]
    with pytest.raises(UsageError, match="unknown sample 'all'"):
        plan(RunConfig(model="scripted:refuse", suite="starter", limit=3, sample="all"))
