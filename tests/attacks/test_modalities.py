"""Attacks declare what their output fits (text, image-generation prompt, vision input);
a suite for image models gets only those, and naming one that does not fit is one clear
line, exit 2, before anything runs."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env
from riskbench import attacks, pipeline
from riskbench.errors import UsageError
from riskbench.suites import load_suite
from riskbench.types import RunConfig

TEXT_ONLY_WRAPPERS = ("refusal_suppression", "roleplay", "prefix_injection", "aim", "dan")


def _plan(suite: str, **config: object) -> pipeline.Plan:
    return pipeline.plan(RunConfig(model="scripted:refuse", suite=suite,  # type: ignore[arg-type]
                                   judges=("refusal",), limit=2, **config))


def test_every_attack_declares_known_modalities() -> None:
    for name, atk in attacks.attacks:
        assert atk.modalities and set(atk.modalities) <= set(attacks.MODALITIES), name
    assert load_suite("t2i-safety").modality == "image_prompt"
    assert load_suite("starter").modality == "text"


def test_image_suite_gets_no_chat_wrappers_by_default() -> None:
    # the CLI's default set: direct plus three chat jailbreaks; an image model gets direct
    plan = _plan("t2i-safety", default_attacks=("direct", "prefix_injection",
                                                "refusal_suppression", "roleplay"))
    assert plan.config.attacks == ("direct",)
    sent = [c.conversation.messages[-1].content for c in plan.cases]
    assert sent == [i.prompt for i in load_suite("t2i-safety").items[:2]]
    assert not any("apolog" in text.lower() for text in sent)


def test_all_groups_and_families_keep_what_fits_an_image_prompt() -> None:
    fitting = {name for name, atk in attacks.attacks if "image_prompt" in atk.modalities}
    assert fitting == {"direct", "homoglyph", "zero_width"}
    assert set(_plan("t2i-safety", attacks=("all",)).config.attacks) == fitting
    assert _plan("t2i-safety", attacks=("group:strongreject-offline",)).config.attacks == \
        ("direct",)
    assert set(_plan("t2i-safety", attacks=("family:encoding",)).config.attacks) == \
        {"homoglyph", "zero_width"}
    # on a text suite nothing is lost: all keeps every text attack, vision stays opt-in
    text_all = set(_plan("starter", attacks=("all",)).config.attacks)
    assert set(TEXT_ONLY_WRAPPERS) <= text_all and "typographic" not in text_all
    assert _plan("starter", attacks=("family:vision",)).config.attacks


@pytest.mark.parametrize("spec", [*TEXT_ONLY_WRAPPERS, "typographic", "base64+homoglyph",
                                  "family:vision", "family:multi_turn"])
def test_naming_an_attack_that_does_not_fit_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match=r"does not apply to image-generation prompts|"
                                         r"no attack of family"):
        attacks.resolve(spec, "image_prompt")


def test_unfit_attack_on_the_command_line_is_one_line_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "riskbench.cli", "run", "--model",
                           "scripted:refuse", "--suite", "t2i-safety", "--attacks", "roleplay",
                           "--judges", "refusal"],
                          cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "attack 'roleplay' does not apply to image-generation prompts" in done.stderr
    assert "attacks that do: direct, homoglyph, zero_width" in done.stderr
    assert not (tmp_path / "riskbench.db").exists()
