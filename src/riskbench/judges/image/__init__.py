"""Judges of generated images: one judge per pluggable image classifier."""

from riskbench.judges.image import classifiers  # noqa: F401  (register)
from riskbench.judges.image.base import (
    ImageClassifier,
    ImageJudge,
    image_classifier,
    image_classifiers,
)

__all__ = ["ImageClassifier", "ImageJudge", "image_classifier", "image_classifiers"]
