"""Small cells are not graded: clause pass/fail below the metric's minimum n reads
"insufficient" even where the framework sets no sample size (real SQLite, scripted model)."""

from pathlib import Path

from riskbench import pipeline
from riskbench.metrics import min_n
from riskbench.pipeline.compliance import evaluate_compliance
from riskbench.types import RunConfig


def test_clauses_on_a_few_items_read_insufficient(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    run = pipeline.evaluate(
        RunConfig(model="scripted:comply", suite="tc260-refuse", attacks=("direct",),
                  judges=("refusal",), limit=130),
        pipeline.RunOptions(db_url=db, report_dir=tmp_path / "reports")).run.id
    clauses = evaluate_compliance("tc260", [run], db).to_json()["clauses"]
    graded = [c for c in clauses if c["rate"] is not None and c["threshold"] is not None]
    small = [c for c in graded if c["judged"] < min_n(c["measure"])]
    large = [c for c in graded if c["judged"] >= max(min_n(c["measure"]), c["min_items"])]
    # the first 130 items: 32, 32, 32 and 24 in A.1.a-d, 10 in A.1.e
    assert [c["id"] for c in small] == ["A.1.e"] and large
    for clause in small:
        assert clause["status"] == "insufficient", clause["id"]
        assert clause["min_items"] == 0 or clause["min_items"] > clause["judged"]
        assert f"{clause['judged']} judged; a verdict needs at least" in clause["note"]
    assert all(c["status"] == "fail" for c in large)  # complies with everything
