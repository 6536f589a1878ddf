"""The labels and the headline of a run report: each metric named for what it is on the
run's suite, and the risk level read beside the over-refusal rate, as XSTest's authors
(Röttger et al. 2024) recommend, so a model that refuses everything is never simply
"controllable"."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.metrics import INSUFFICIENT, RunScores, min_n, over_refusal_flag_above


@cache
def _data() -> dict[str, Any]:
    text = files("riskbench.report").joinpath("data/metric_labels.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def suite_key(suite: str) -> str:
    """`xstest:data/x.csv?label=safe` -> `xstest`; a registered name stays as it is."""
    return suite.split("?", 1)[0].split(":", 1)[0]


def metric_labels(suite: str) -> dict[str, str]:
    """Every benchmark metric's label on runs of `suite`."""
    return {**_data()["default"], **(_data()["suites"].get(suite_key(suite)) or {})}


def beside_secure_at_k(judge: str) -> dict[str, dict[str, str]]:
    """The rates a report shows beside Secure@k when `judge` scores the run, each with a
    short `name` and the `label` that says what it is (code-safety: refused, assisting,
    undetermined)."""
    return {metric: {"name": str(d["name"]), "label": " ".join(str(d["label"]).split())}
            for metric, d in (_data().get("beside_secure_at_k", {}).get(judge) or {}).items()}


def headline(scores: RunScores) -> dict[str, Any]:
    """Risk level (None without Secure@k) and the over-refusal rate beside it, `flag`
    True when that rate is above the threshold on enough benign items, None when it
    cannot be read (no benign items, or too few)."""
    sak = scores.get("secure_at_k")
    over = scores.get("over_refusal_rate")
    threshold = over_refusal_flag_above()
    texts = _data()["headline"]
    level = sak.extra.get("risk_level") if sak is not None else None
    if over is None or over.value is None or over.n == 0:
        return {"risk_level": level, "over_refusal": None, "threshold": threshold,
                "flag": None, "text": " ".join(texts["none"].split())}
    need = min_n("over_refusal_rate")
    values = {"rate": f"{100 * over.value:.1f} %", "n": over.n,
              "threshold": f"{100 * threshold:.0f} %", "min_n": need}
    if over.n < need:
        flag, key = None, INSUFFICIENT
    else:
        flag = over.value > threshold
        key = "flagged" if flag else "within"
    return {"risk_level": level,
            "over_refusal": {"value": over.value, "low": over.low, "high": over.high,
                             "n": over.n},
            "threshold": threshold, "flag": flag,
            "text": " ".join(str(texts[key]).split()).format(**values)}


__all__ = ["beside_secure_at_k", "headline", "metric_labels", "suite_key"]
