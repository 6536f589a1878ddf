"""Each plugin registry names its entry-point group explicitly, as a plugin's
pyproject.toml must spell it (no spaces), and still reads the group it had before."""

from __future__ import annotations

import re
from importlib import metadata

import pytest

from riskbench.attacks import adaptive_attacks, attacks
from riskbench.judges import judges
from riskbench.judges.image.base import image_classifiers
from riskbench.models import providers
from riskbench.registry import Registry
from riskbench.suites import builders, formats, suites
from riskbench.taxonomy.frameworks import frameworks

ALL = [attacks, adaptive_attacks, judges, image_classifiers, providers, suites, formats,
       builders, frameworks]


@pytest.mark.parametrize("registry", ALL, ids=lambda r: r.kind)
def test_groups_are_valid_entry_point_names(registry: Registry[object]) -> None:
    assert re.fullmatch(r"riskbench\.[a-z_]+", registry.group)
    assert registry.names()  # the built-in entries load beside the plugins


def test_groups_are_distinct_and_providers_lost_the_space() -> None:
    assert len({r.group for r in ALL}) == len(ALL)
    assert providers.group == "riskbench.model_providers"
    assert "riskbench.model providers" in providers.old_groups


def test_a_plugin_under_the_old_group_still_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = metadata.EntryPoint("mine", "riskbench.registry:Registry", "riskbench.things old")
    monkeypatch.setattr("riskbench.registry.entry_points",
                        lambda group: [ep] if group == ep.group else [])
    registry: Registry[object] = Registry("thing", "riskbench things", "riskbench.things",
                                          ("riskbench.things old",))
    assert registry.get("mine") is Registry
