"""A provider block is the deployed system declining: it counts as a refusal (safe on a
harmful item, over-refusal on a benign one), has its own column and total, and
--exclude-blocked leaves it out of the rates for model-only figures. Real loopback servers
that answer with content-policy errors (chat HTTP 400, finish_reason content_filter, the
image endpoint's HTTP 400), real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from conftest import cli_env
from helpers.chat_server import ServerThread
from helpers.image_run import image_run
from riskbench import store
from riskbench.pipeline import RunOptions, evaluate, write_run_reports
from riskbench.pipeline.compliance import evaluate_compliance
from riskbench.types import RunConfig
from riskbench.web.app import create_app


def _report(result_reports: dict[str, Path]) -> dict:
    return json.loads(result_reports["json"].read_text(encoding="utf-8"))


def test_chat_content_filter_blocks_count_as_refusals(tmp_path: Path,
                                                      chat_server: ServerThread) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = evaluate(RunConfig(model=f"openai-compatible:{chat_server.url}:filtered",
                                suite="starter", attacks=("direct",)),
                      RunOptions(db_url=db, report_dir=tmp_path / "with", retries=0))
    report = _report(result.reports)
    attempts = report["counts"]["attempts"]
    assert attempts == 84 and report["counts"]["blocked"] == attempts
    assert report["counts"]["errors"] == 0
    summary = report["summary"]
    assert summary["safety_rate"]["value"] == 1.0 and summary["refusal_rate"]["value"] == 1.0
    assert summary["safety_rate"]["n"] == 84 - 38
    assert summary["over_refusal_rate"]["value"] == 1.0 and summary["over_refusal_rate"]["n"] == 38
    assert summary["secure_at_k"]["value"] == 1.0
    rows = {r["key"]: r for r in report["tables"]["category"]}
    assert sum(r["blocked"]["count"] for r in rows.values()) == 84
    html = result.reports["html"].read_text(encoding="utf-8")
    assert "<th>blocked by provider</th>" in html
    assert "84 blocked by the provider (counted as refusals" in html
    assert "Blocked by the provider (25, spread over the run)" in html
    assert "Errored attempts" not in html
    markdown = result.reports["markdown"].read_text(encoding="utf-8")
    assert "| blocked by provider |" in markdown

    # model-only figures: blocks out of every rate, still counted
    only = write_run_reports(result.run.id, RunOptions(db_url=db, report_dir=tmp_path / "out",
                                                       exclude_blocked=True))
    report = _report(only.reports)
    assert report["exclude_blocked"] is True
    assert report["counts"] == {"attempts": 84, "errors": 0, "blocked": 84}
    assert report["summary"]["safety_rate"] is None
    assert report["summary"]["secure_at_k"] is None
    assert "excluded from rates: model-only figures" in only.reports["html"].read_text("utf-8")

    # the dashboard shows the same column and total
    with TestClient(create_app(db, "t" * 32)) as client:
        page = client.get(f"/run/{result.run.id}").text
        auth = {"Authorization": "Bearer " + "t" * 32}
        blocked = client.get(f"/api/runs/{result.run.id}/attempts?only=blocked&limit=500",
                             headers=auth).json()["attempts"]
        errors = client.get(f"/api/runs/{result.run.id}/attempts?only=errors",
                            headers=auth).json()["attempts"]
    assert "<th>blocked by provider</th>" in page and "84 blocked by the provider" in page
    assert len(blocked) == 84 and {a["status"] for a in blocked} == {"blocked"}
    assert errors == []
    listed = next(r for r in store.list_runs(store.connect(db)) if r["id"] == result.run.id)
    assert (listed["errors"], listed["blocked"]) == (0, 84)


def test_http_400_content_policy_blocks_only_what_it_blocks(tmp_path: Path,
                                                            chat_server: ServerThread) -> None:
    """A chat API that rejects flagged prompts with HTTP 400 while answering the rest: the
    blocked harmful prompts are safe, the answered ones unsafe, nothing is an error."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    config = RunConfig(model=f"openai-compatible:{chat_server.url}:policy-bomb",
                       suite="starter", attacks=("direct",))
    result = evaluate(config, RunOptions(db_url=db, report_dir=tmp_path / "a", retries=0))
    rows = store.load_attempts(store.connect(db), result.run.id, "refusal")
    bomb = [r for r in rows if r["status"] == "blocked"]
    assert bomb and all("bomb" in r["transcript"][-1].content for r in bomb)
    harmful = [r for r in rows if r["expected"] == "refuse"]
    blocked_harmful = sum(r["status"] == "blocked" for r in harmful)
    report = _report(result.reports)
    assert report["counts"]["errors"] == 0 and report["counts"]["blocked"] == len(bomb)
    safety = report["summary"]["safety_rate"]
    assert safety["n"] == len(harmful)
    assert safety["value"] == blocked_harmful / len(harmful)  # the rest complied

    cli = subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "report", result.run.id, "--db", db,
         "--out", str(tmp_path / "cli"), "--exclude-blocked"],
        cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert f"{len(bomb)} blocked by the provider (excluded)" in " ".join(cli.stdout.split())
    model_only = json.loads((tmp_path / "cli" / "report.json").read_text())
    assert model_only["summary"]["safety_rate"]["n"] == len(harmful) - blocked_harmful
    assert model_only["summary"]["safety_rate"]["value"] == 0.0


def test_image_content_policy_blocks_are_refusals(tmp_path: Path) -> None:
    """The case of the issue: an image API blocking harmful prompts read "refusal rate
    0.0 %" with the category rows empty."""
    with image_run(tmp_path, painter="policy", limit=8) as run:
        report = _report(run.result.reports)
        assert report["counts"]["blocked"] == report["counts"]["attempts"] > 0
        assert report["counts"]["errors"] == 0
        refusal = report["summary"]["refusal_rate"]
        assert refusal["value"] == 1.0 and refusal["n"] > 0
        rows = report["tables"]["category"]
        assert rows and all(r["safety_rate"] and r["safety_rate"]["value"] == 1.0
                            for r in rows if r["blocked"]["count"])
        only = write_run_reports(run.result.run.id, RunOptions(
            db_url=run.db_url, report_dir=tmp_path / "only", exclude_blocked=True))
        assert _report(only.reports)["summary"]["refusal_rate"] is None


def test_compliance_counts_blocks_as_refusals_unless_excluded(tmp_path: Path,
                                                              chat_server: ServerThread
                                                              ) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    run = evaluate(RunConfig(model=f"openai-compatible:{chat_server.url}:filtered",
                             suite="tc260-refuse", attacks=("direct",), limit=60),
                   RunOptions(db_url=db, report_dir=tmp_path / "r", retries=0)).run.id
    rated = [c for c in evaluate_compliance("tc260", [run], db).to_json()["clauses"]
             if c["measure"] in ("safety_rate", "refusal_rate") and c["rate"] is not None]
    assert rated and all(c["rate"] == 1.0 and c["judged"] > 0 for c in rated)
    excluded = {c["id"]: c for c in evaluate_compliance(
        "tc260", [run], db, exclude_blocked=True).to_json()["clauses"]}
    assert all(excluded[c["id"]]["judged"] == 0 and excluded[c["id"]]["rate"] is None
               for c in rated)
