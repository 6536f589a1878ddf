"""Corrected rates in run reports: next to each observed safety rate, the rate corrected for
the scoring judge's measured error (Rogan-Gladen, with the judge's shipped card), in JSON,
HTML and Markdown, per table cell too, with the undetermined share; a judge without a card
says "no card: not corrected". Real runs of scripted models into SQLite."""

import json
from pathlib import Path

import pytest

from helpers.xstest_subset import xstest_subset
from riskbench.pipeline import RunOptions, evaluate
from riskbench.types import RunConfig

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, model: str, suite: str, **config: object) -> Path:
    evaluate(RunConfig(model=model, suite=suite, **config),  # type: ignore[arg-type]
             RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}", report_dir=tmp_path / "r",
                        use_cache=False))
    return tmp_path / "r"


@pytest.fixture(scope="module")
def alternate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("alt")
    return _run(tmp, "scripted:alternate", f"xstest:{xstest_subset(tmp, 30)}",
                attacks=("direct", "prefix_injection"), judges=("refusal",))


def test_worked_example_matches_the_card_by_hand(alternate: Path) -> None:
    data = json.loads((alternate / "report.json").read_text("utf-8"))
    card = json.loads((ROOT / "src/riskbench/judges/data/cards/refusal.json").read_text())
    se = card["tp"] / (card["tp"] + card["fn"])
    sp = card["tn"] / (card["tn"] + card["fp"])
    observed = data["summary"]["safety_rate"]
    assert 0.2 < observed["value"] < 0.8  # the alternating model refuses about half
    unsafe = 1 - observed["value"]
    by_hand = 1 - min(1.0, max(0.0, (unsafe + sp - 1) / (se + sp - 1)))
    corrected = data["summary"]["corrected_safety_rate"]
    assert corrected["value"] == pytest.approx(by_hand, abs=1e-9)
    assert corrected["value"] != pytest.approx(observed["value"], abs=1e-3)
    assert corrected["low"] <= corrected["value"] <= corrected["high"]
    # the interval carries the judge's uncertainty too: wider than the sample's alone
    assert corrected["high"] - corrected["low"] > observed["high"] - observed["low"]
    assert (corrected["card"], corrected["card_n"]) == ("refusal", card["n"])
    assert data["correction"]["card"] == "refusal" and data["correction"]["card_n"] == card["n"]


def test_every_table_cell_has_corrected_rate_and_undetermined_share(alternate: Path) -> None:
    data = json.loads((alternate / "report.json").read_text("utf-8"))
    for group, rows in data["tables"].items():
        for row in rows:
            if row["safety_rate"]:
                assert row["corrected_safety_rate"]["value"] is not None, (group, row["key"])
                assert row["undetermined_rate"] is not None, (group, row["key"])
            if row["over_refusal_rate"]:
                assert row["undetermined_benign_rate"] is not None, (group, row["key"])
    md = (alternate / "report.md").read_text("utf-8")
    c = data["summary"]["corrected_safety_rate"]
    assert f"| corrected safety rate | {100 * c['value']:.1f}%" in md
    assert "| corrected safety |" in md and "| undetermined |" in md
    assert f"card of refusal (n = {c['card_n']}" in md
    html = (alternate / "report.html").read_text("utf-8")
    assert "Corrected safety rate" in html and "<th>corrected safety</th>" in html
    assert f"{100 * c['value']:.1f}%" in html


def test_a_judge_without_a_card_says_so(tmp_path: Path) -> None:
    out = _run(tmp_path, "scripted:comply", f"xstest:{xstest_subset(tmp_path, 5)}",
               attacks=("direct",), judges=("malicious_capability",))
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["correction"] == {**data["correction"], "card": None,
                                  "note": "no card: not corrected"}
    assert data["summary"]["corrected_safety_rate"]["value"] is None
    assert data["summary"]["corrected_safety_rate"]["note"] == "no card: not corrected"
    for rows in data["tables"].values():
        for row in rows:
            if row["safety_rate"]:
                assert row["corrected_safety_rate"]["note"] == "no card: not corrected"
    assert "no card: not corrected" in (out / "report.md").read_text("utf-8")
    assert "no card: not corrected" in (out / "report.html").read_text("utf-8")
