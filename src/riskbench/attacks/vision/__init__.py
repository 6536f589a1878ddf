"""Vision-language attacks: the harmful request moved out of the text and into images."""

from riskbench.attacks.vision import image_attacks  # noqa: F401  (register)
