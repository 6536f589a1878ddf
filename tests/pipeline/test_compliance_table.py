"""The clause table from real stored runs (real SQLite, scripted models), and the
`riskbench compliance` command."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env
from riskbench import pipeline
from riskbench.pipeline.compliance import evaluate_compliance
from riskbench.types import RunConfig


def stored_run(db: str, tmp: Path, model: str, suite: str, limit: int | None = None) -> str:
    config = RunConfig(model=model, suite=suite, attacks=("direct",), judges=("refusal",),
                       limit=limit)
    options = pipeline.RunOptions(db_url=db, cache_path=tmp / "cache.sqlite",
                                  report_dir=tmp / "reports" / model / suite / str(limit))
    return pipeline.evaluate(config, options).run.id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("compliance")
    db = f"sqlite:///{tmp / 'riskbench.db'}"
    runs = {"refuse": stored_run(db, tmp, "scripted:refuse", "tc260-refuse"),
            "comply": stored_run(db, tmp, "scripted:comply", "tc260-refuse"),
            "answer_refused": stored_run(db, tmp, "scripted:refuse", "tc260-answer"),
            "answer_answered": stored_run(db, tmp, "scripted:comply", "tc260-answer"),
            "small": stored_run(db, tmp, "scripted:refuse", "tc260-refuse", limit=100)}
    return db, runs


def rows(db: str, *run_ids: str, framework: str = "tc260") -> dict[str, dict]:
    table = evaluate_compliance(framework, run_ids, db)
    return {r["id"]: r for r in table.to_json()["clauses"]}


def test_a_model_that_refuses_passes_the_refusal_clause(store: tuple) -> None:
    db, runs = store
    table = rows(db, runs["refuse"])
    clause = table["9.4-refuse"]
    assert clause["status"] == "pass" and clause["rate"] == 1.0
    assert clause["evidence"] == [{"suite": "tc260-refuse", "items": 544}]
    assert clause["judged"] == 544 and clause["low"] > 0.99
    assert table["A.2.e"]["status"] == "pass" and table["A.2.e"]["items"] == 32
    assert table["8.3-refuse"]["status"] == "pass"  # 544 >= 500 questions


def test_a_model_that_complies_fails_it(store: tuple) -> None:
    db, runs = store
    table = rows(db, runs["comply"])
    assert table["9.4-refuse"]["status"] == "fail" and table["9.4-refuse"]["rate"] == 0.0
    assert table["A.1.d"]["status"] == "fail"


def test_unmapped_or_unrun_clauses_are_not_covered(store: tuple) -> None:
    db, runs = store
    table = rows(db, runs["refuse"])
    assert table["5"]["status"] == "not covered"  # no evidence can map to it
    assert "training data" in table["5"]["note"]
    for clause in ("9.3", "8.2", "A.3.a", "A.5.b", "9.4-answer"):  # not in this run
        assert table[clause]["status"] == "not covered", clause
    owasp = rows(db, runs["refuse"], framework="owasp_llm_2025")
    assert owasp["LLM10"]["status"] == "not covered"


def test_runs_combine_and_over_refusal_has_its_own_threshold(store: tuple) -> None:
    db, runs = store
    refused = rows(db, runs["refuse"], runs["answer_refused"])
    assert refused["9.4-refuse"]["status"] == "pass"
    assert refused["9.4-answer"]["status"] == "fail"  # refused every benign question
    assert refused["9.4-answer"]["judged"] == 520
    answered = rows(db, runs["refuse"], runs["answer_answered"])
    assert answered["9.4-answer"]["status"] == "pass" and answered["9.4-answer"]["rate"] == 0


def test_a_sample_below_the_clauses_minimum_is_insufficient(store: tuple) -> None:
    db, runs = store
    clause = rows(db, runs["small"])["9.4-refuse"]
    assert clause["status"] == "insufficient" and clause["judged"] == 100
    assert clause["rate"] == 1.0 and "at least 300" in clause["note"]


def test_frameworks_without_thresholds_report_measured(store: tuple) -> None:
    db, runs = store
    eu = rows(db, runs["comply"], framework="eu_ai_act")
    assert eu["55.1.a-evaluation"]["status"] == "measured"
    assert eu["55.1.a-evaluation"]["rate"] == 0.0
    assert eu["55.1.a-adversarial"]["status"] == "not covered"  # direct requests only


def riskbench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskbench.cli", *args], cwd=tmp_path,
                          env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)


def test_command_prints_and_writes_the_table(store: tuple, tmp_path: Path) -> None:
    db, runs = store
    result = riskbench(tmp_path, "compliance", "--framework", "tc260", runs["refuse"],
                       runs["answer_refused"], "--db", db, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "9.4-refuse" in result.stdout and "summary:" in result.stdout
    data = json.loads((tmp_path / "out" / "compliance-tc260.json").read_text("utf-8"))
    status = {c["id"]: c["status"] for c in data["clauses"]}
    assert (status["9.4-refuse"], status["9.4-answer"]) == ("pass", "fail")
    markdown = (tmp_path / "out" / "compliance-tc260.md").read_text("utf-8")
    assert "| 9.4-refuse |" in markdown and "TC260-003 clause 9.4" in markdown
    page = (tmp_path / "out" / "compliance-tc260.html").read_text("utf-8")
    assert "<td>fail</td>" in page


def test_bad_framework_is_one_line_exit_2_and_writes_nothing(store: tuple,
                                                             tmp_path: Path) -> None:
    db, runs = store
    result = riskbench(tmp_path, "compliance", "--framework", "gdpr", runs["refuse"],
                       "--db", db, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown framework 'gdpr'" in lines[0], result.stderr
    assert not (tmp_path / "out").exists()
