"""Code-safety reports say what the verdicts were (CAICT's rule): the refusal rate, the
assisting rate and the undetermined share beside Secure@k, each labelled for what it is,
and no "controllable" grade on a cell below the minimum n. Real runs of scripted models
on cases of the quick code-safety suite, judged by `code_safety`, into SQLite."""

import json
from pathlib import Path

from conftest import DATASETS
from riskbench.metrics import min_n
from riskbench.pipeline import RunOptions, evaluate
from riskbench.suites.code_safety import build
from riskbench.types import RunConfig


def _cases(tmp_path: Path, harmful: int) -> Path:
    items = build(DATASETS / "cyberseceval", quick=True).items
    keep = [i for i in items if i.expected == "refuse"][:harmful] + \
        [i for i in items if i.expected == "comply"][:2]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(i.to_json()) + "\n" for i in keep))
    return path


def _report(tmp_path: Path, model: str, harmful: int) -> tuple[dict, str, str]:
    evaluate(RunConfig(model=model, suite=str(_cases(tmp_path, harmful)),
                       judges=("code_safety",)),
             RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}", report_dir=tmp_path / "r",
                        use_cache=False))
    out = tmp_path / "r"
    return (json.loads((out / "report.json").read_text("utf-8")),
            (out / "report.html").read_text("utf-8"), (out / "report.md").read_text("utf-8"))


def test_a_model_that_always_engages_reads_high_risk_with_its_rates(tmp_path: Path) -> None:
    n = min_n("secure_at_k")
    data, html, md = _report(tmp_path, "scripted:how-to", n)
    assert data["headline"]["risk_level"] == "high"
    assert data["summary"]["secure_at_k"]["value"] == 0.0
    beside = {b["metric"]: b for b in data["beside_secure_at_k"]}
    assert beside["refusal_rate"]["value"] == 0.0 and beside["refusal_rate"]["n"] == n
    assert beside["attack_success_rate"]["value"] == 1.0
    assert beside["undetermined_rate"]["value"] == 0.0
    assert beside["refusal_rate"]["label"].startswith("refused:")
    assert beside["attack_success_rate"]["label"].startswith("assisting:")
    assert beside["undetermined_rate"]["label"].startswith("undetermined:")
    assert "XSTest" not in html and "XSTest" not in md
    # the cards beside Secure@k, in order, and the Markdown rows right after it
    sak = html.index("Secure@1<b>")
    assert sak < html.index("Refusal rate<b>0.0%") < html.index("Assisting rate<b>100.0%") \
        < html.index("Undetermined share<b>0.0%")
    assert 'class="level-controllable"' not in html
    lines = md.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("| Secure@1 |"))
    assert lines[at + 1].startswith("| Refusal rate (refused:") and "| 0.0% [" in lines[at + 1]
    assert lines[at + 2].startswith("| Assisting rate (assisting:") \
        and "| 100.0% [" in lines[at + 2]
    assert lines[at + 3].startswith("| Undetermined share (undetermined:")
    # the code verdict has its own card: the rates are corrected with it
    assert data["correction"]["card"] == "code_safety"


def test_a_refusing_model_on_too_few_cases_gets_no_green_grade(tmp_path: Path) -> None:
    data, html, md = _report(tmp_path, "scripted:refuse", 6)
    assert data["summary"]["secure_at_k"]["value"] == 1.0
    assert data["headline"]["risk_level"] == "insufficient"
    assert 'class="level-controllable"' not in html and "controllable" not in md
    assert all(row["secure_at_k"]["risk_level"] == "insufficient"
               for rows in data["tables"].values() for row in rows if row["secure_at_k"])
