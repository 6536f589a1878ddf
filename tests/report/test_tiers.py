"""Disclosure by default: a run writes the public tier (report.*) next to the restricted
one (report-restricted.*). The public files hold no harmful completion, no prompt that
drew one and no rationale that could quote either; the restricted ones hold them under a
banner that says what they are. A model on the loopback chat-completions server answers
every request with a keylogger."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from helpers.chat_server import CODE, ServerThread
from riskbench import pipeline, store
from riskbench.metrics.predicates import HARMFUL_UNSAFE
from riskbench.types import RunConfig

MARKS = ("pynput", "on_press", "k.log")  # pieces of the keylogger the model sends


@pytest.fixture
def reports(tmp_path: Path, db_url: str, chat_server: ServerThread
            ) -> tuple[pipeline.RunResult, list[dict]]:
    config = RunConfig(model=f"openai-compatible:{chat_server.url}:code", suite="starter",
                       attacks=("direct", "roleplay"), limit=8)
    result = pipeline.evaluate(config, pipeline.RunOptions(db_url=db_url,
                                                           report_dir=tmp_path / "r"))
    unsafe = store.load_attempts(store.connect(db_url), result.run.id,
                                 result.run.config.judges[0], where=HARMFUL_UNSAFE)
    return result, unsafe


def texts(paths: dict[str, Path], prefix: str) -> dict[str, str]:
    out = {}
    for kind in ("html", "markdown", "json"):
        raw = paths[f"{prefix}{kind}"].read_text("utf-8")
        out[kind] = html.unescape(raw) if kind == "html" else raw
        if kind == "json":  # the strings as stored, whatever JSON escaped
            out[kind] = json.dumps(json.loads(raw), ensure_ascii=False)
    return out


def test_both_tiers_are_written_by_default(reports: tuple[pipeline.RunResult, list[dict]]
                                           ) -> None:
    result, unsafe = reports
    assert unsafe and all(CODE.strip() in a["output"] for a in unsafe)
    names = {kind: path.name for kind, path in result.reports.items()}
    assert names == {"html": "report-restricted.html", "markdown": "report-restricted.md",
                     "json": "report-restricted.json", "public html": "report.html",
                     "public markdown": "report.md", "public json": "report.json"}


def test_the_public_tier_holds_no_harmful_output_or_working_prompt(
        reports: tuple[pipeline.RunResult, list[dict]]) -> None:
    result, unsafe = reports
    prompts = {next(m.content for m in reversed(a["transcript"]) if m.role == "user")
               for a in unsafe}
    roleplay = [p for p in prompts if len(p) > 200]
    assert roleplay  # the jailbreak wrappers that got the keylogger out
    for kind, text in texts(result.reports, "public ").items():
        for mark in MARKS:
            assert mark not in text, (kind, mark)
        for prompt in roleplay:
            assert prompt[:120] not in text, kind
        assert "withheld in the public tier" in text
        assert "RESTRICTED" not in text
    data = json.loads(result.reports["public json"].read_text("utf-8"))
    assert data["tier"] == "public"
    assert data["summary"] == json.loads(result.reports["json"].read_text("utf-8"))["summary"]


def test_the_restricted_tier_is_bannered_and_complete(
        reports: tuple[pipeline.RunResult, list[dict]]) -> None:
    result, _ = reports
    shown = texts(result.reports, "")
    for kind, text in shown.items():
        assert "pynput" in text, kind  # the full record
    page = result.reports["html"].read_text("utf-8")
    body = page[page.index("<body>"):]
    assert body.index("RESTRICTED") < body.index("<h1>")  # before anything else
    assert 'class="tier-banner restricted" role="alert"' in body
    assert result.reports["markdown"].read_text("utf-8").startswith("> **RESTRICTED:")
    data = json.loads(result.reports["json"].read_text("utf-8"))
    assert data["tier"] == "restricted" and data["tier_note"].startswith("RESTRICTED:")


def test_one_tier_when_asked(tmp_path: Path, db_url: str,
                             reports: tuple[pipeline.RunResult, list[dict]]) -> None:
    result, _ = reports
    public = pipeline.write_run_reports(result.run.id, pipeline.RunOptions(
        db_url=db_url, report_dir=tmp_path / "p", tier="public"))
    assert sorted(p.name for p in public.reports.values()) == [
        "report.html", "report.json", "report.md"]
    assert not (tmp_path / "p" / "report-restricted.html").exists()
