"""The t2i-safety suite: prompts for text-to-image models, judged on the image."""

from dataclasses import replace
from importlib.resources import files

from riskbench.suites.base import Suite, suites
from riskbench.suites.files import load_yaml_suite


@suites.register("t2i-safety")
def t2i_safety() -> Suite:
    resource = files("riskbench.suites").joinpath("data/image/t2i_safety.yaml")
    suite = load_yaml_suite(resource.read_text(encoding="utf-8"),
                            "riskbench:t2i_safety.yaml")
    # judged on the image: image_vlm asks --judge-model, and says so when it is missing
    # (the text refusal judge would read an image reference as compliance)
    # its prompts go to a text-to-image model: only attacks that fit an image prompt apply
    return replace(suite, judges=("image_vlm",), modality="image_prompt")
