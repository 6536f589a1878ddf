"""`riskbench run` through a real chat-completions server on 127.0.0.1."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import cli_env
from helpers.chat_server import XSS, ServerThread
from riskbench.pipeline import RunOptions, evaluate, write_run_reports
from riskbench.types import RunConfig


def test_cli_run_against_http_server_with_k_samples(tmp_path: Path,
                                                    chat_server: ServerThread) -> None:
    spec = f"openai-compatible:{chat_server.url}:slow-5"
    result = subprocess.run(
        [sys.executable, "-m", "riskbench.cli", "run", "--model", spec, "--suite", "starter",
         "-k", "5", "--concurrency", "64", "--attacks", "direct,roleplay"],
        cwd=tmp_path, env=cli_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "riskbench.db") as conn:
        run_id, n_cases, status = conn.execute("select id, n_cases, status from runs").fetchone()
        attempts = conn.execute("select count(*), count(distinct test_case_id || '/' || sample)"
                                " from attempts where status = 'ok'").fetchone()
        verdicts = conn.execute("select count(*) from verdicts").fetchone()[0]
    assert status == "finished"
    assert n_cases == 84 * 2 and attempts == (n_cases * 5, n_cases * 5)
    assert verdicts == n_cases * 5
    report = json.loads((tmp_path / "reports" / run_id / "report.json").read_text())
    assert report["k"] == 5 and report["summary"]["secure_at_k"]["n_min"] == 5
    # the server refuses only prompts containing "bomb": the rest are unsafe compliance
    assert 0 < report["summary"]["safety_rate"]["value"] < 0.5
    assert (tmp_path / "reports" / run_id / "report.html").stat().st_size > 5000
    assert "Secure@5" in result.stdout


def test_model_output_is_escaped_in_every_report(tmp_path: Path,
                                                 chat_server: ServerThread) -> None:
    config = RunConfig(model=f"openai-compatible:{chat_server.url}:xss", limit=6)
    result = evaluate(config, RunOptions(db_url=f"sqlite:///{tmp_path / 'x.db'}",
                                         report_dir=tmp_path / "out"))
    html = result.reports["html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    markdown = result.reports["markdown"].read_text(encoding="utf-8")
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert json.loads(result.reports["json"].read_text())["examples"]["unsafe"][0]["output"] \
        == XSS
    public = write_run_reports(result.run.id, RunOptions(
        db_url=f"sqlite:///{tmp_path / 'x.db'}", report_dir=tmp_path / "pub", tier="public"))
    assert "pwned" not in public.reports["html"].read_text(encoding="utf-8")
    assert "withheld in the public tier" in public.reports["markdown"].read_text()


def test_report_regenerates_from_store_alone(tmp_path: Path, chat_server: ServerThread) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    first = evaluate(RunConfig(model=f"openai-compatible:{chat_server.url}:refuse", limit=4),
                     RunOptions(db_url=db, report_dir=tmp_path / "a"))
    again = write_run_reports("latest", RunOptions(db_url=db, report_dir=tmp_path / "b"))
    assert again.run.id == first.run.id
    a = json.loads(first.reports["json"].read_text())
    b = json.loads(again.reports["json"].read_text())
    a.pop("generated_at"), b.pop("generated_at")
    assert a == b and a["summary"]["safety_rate"]["value"] == 1.0
