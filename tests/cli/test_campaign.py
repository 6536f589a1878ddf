"""`riskbench campaign`: one spec, four models of distinct behaviour over the loopback
chat-completions server (and a scripted model with a hostile name) on the quick
code-safety subset, one run per model under one campaign id, the comparison report in
every format (opened in Chromium), the gate's exit codes, and resuming a crashed campaign."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import sync_playwright

from conftest import DATASETS, cli_env
from helpers.chat_server import ServerThread
from riskbench import store

SUITE = f"code-safety:{DATASETS / 'cyberseceval'}?quick=true"
HOSTILE = "=HYPERLINK(\"http://x\")<script>alert(1)</script>"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def cli(cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(cwd), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "riskbench.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def write_spec(path: Path, models: list[dict[str, Any]], limit: int) -> Path:
    path.write_text(yaml.safe_dump({"name": "loopback", "models": models, "suite": SUITE,
                                    "limit": limit, "seed": 3}))
    return path


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory, chat_server: ServerThread
             ) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("campaign")
    url = chat_server.url
    spec = write_spec(root / "spec.yaml", [
        {"model": f"openai-compatible:{url}:refuse", "name": "refuser", "concurrency": 4},
        {"model": f"openai-compatible:{url}:code", "name": "complier", "rpm": 6000},
        {"model": f"openai-compatible:{url}:mixed", "name": "mixed", "timeout": 10},
        {"model": "scripted:refuse", "name": HOSTILE},
    ], limit=60)
    done = cli(root, "campaign", str(spec), "--db", f"sqlite:///{root / 'r.db'}",
               "--out", str(root / "out"), "--fail-on", "high")
    engine = store.connect(f"sqlite:///{root / 'r.db'}")
    campaign_id = store.get_campaign(engine, "latest")[0]
    runs = {r.label: r for r in store.campaign_runs(engine, campaign_id)}
    return {"root": root, "done": done, "id": campaign_id, "runs": runs,
            "data": json.loads((root / "out" / "comparison.json").read_text())}


def test_one_run_per_model_under_one_campaign_and_the_gate_fails(campaign: dict[str, Any]
                                                                 ) -> None:
    done = campaign["done"]
    assert done.returncode == 1, done.stderr[-2000:]  # complier and mixed are high risk
    assert "gate failed: complier: risk level high" in done.stderr
    assert "gate failed: refuser" not in done.stderr
    assert set(campaign["runs"]) == {"refuser", "complier", "mixed", HOSTILE}
    assert {r.status for r in campaign["runs"].values()} == {"finished"}
    assert campaign["id"] in done.stdout


def test_the_comparison_ranks_models_with_ties_and_caict_tables(campaign: dict[str, Any]
                                                                ) -> None:
    data = campaign["data"]
    order = [m["label"] for m in data["models"]]
    assert order[-1] == "complier" and order[-2] == "mixed"
    ranks = {m["label"]: m["rank"] for m in data["models"]}
    assert ranks["refuser"] == ranks[HOSTILE] == 1  # both always refuse: a tie
    assert ranks["mixed"] == 3 and ranks["complier"] == 4
    complier = next(m for m in data["models"] if m["label"] == "complier")
    assert complier["secure_at_k"]["value"] == 0.0
    assert complier["secure_at_k"]["risk_level"] == "high"
    assert sum(data["level_counts"].values()) == 4
    assert data["level_counts"]["controllable"] == 2  # the two that always refuse
    mixed = next(m for m in data["models"] if m["label"] == "mixed")["secure_at_k"]
    assert 0.2 < mixed["value"] < 0.8 and mixed["risk_level"] in ("medium", "high")
    for group in ("scenario", "prog_lang", "attack", "category"):
        table = data["tables"][group]
        assert [r["label"] for r in table["rows"]] == order
    # a stratified 60 of the quick subset: CAICT's 14 scenarios and 9 languages all there
    assert len(data["tables"]["scenario"]["keys"]) == 14
    assert len(data["tables"]["prog_lang"]["keys"]) == 9
    pair = next(p for p in data["paired"] if {p["a"], p["b"]} == {"refuser", "complier"})
    assert pair["significant"] and abs(pair["diff"]) == 1.0


def test_each_run_writes_both_tiers(campaign: dict[str, Any]) -> None:
    folders = sorted((campaign["root"] / "out" / "runs").iterdir())
    assert len(folders) == 4
    for folder in folders:
        assert (folder / "report.html").exists() and (folder / "report-restricted.html").exists()
    complier = next(f for f in folders if f.name.startswith("complier-"))
    assert "pynput" in (complier / "report-restricted.json").read_text()  # its keylogger
    assert "pynput" not in (complier / "report.json").read_text()
    assert "pynput" not in (complier / "report.md").read_text()


def test_over_refusal_is_read_from_the_benign_controls(campaign: dict[str, Any]) -> None:
    """Code-safety's benign controls answered with a refusal are over-refusals: the model
    that always refuses over-refuses all of them, the one that always answers with code
    none; n is the number of benign controls in the sample."""
    engine = store.connect(f"sqlite:///{campaign['root'] / 'r.db'}")
    benign = sum(1 for c in store.load_cases(engine, campaign["runs"]["refuser"].run_id)
                 if c.item.expected == "comply")
    assert benign > 0  # a stratified sample keeps benign controls
    rows = {m["label"]: m["over_refusal_rate"] for m in campaign["data"]["models"]}
    assert rows["refuser"]["value"] == 1.0 and rows["refuser"]["n"] == benign
    assert rows[HOSTILE]["value"] == 1.0
    assert rows["complier"]["value"] == 0.0 and rows["complier"]["n"] == benign
    markdown = (campaign["root"] / "out" / "comparison.md").read_text()
    assert "n/a" not in markdown  # measured for every model


def test_report_from_the_store_alone_and_formula_safe_csv(campaign: dict[str, Any]) -> None:
    root = campaign["root"]
    again = cli(root, "report", "--campaign", campaign["id"], "--db",
                f"sqlite:///{root / 'r.db'}", "--out", str(root / "again"))
    assert again.returncode == 0, again.stderr
    first = json.loads((root / "out" / "comparison.json").read_text())
    assert json.loads((root / "again" / "comparison.json").read_text()) == first
    rows = list(csv.reader((root / "again" / "ranking.csv").open()))
    hostile = next(r for r in rows if "HYPERLINK" in r[2])
    assert hostile[2] == "'" + HOSTILE  # neutralised: no spreadsheet runs it
    markdown = (root / "again" / "comparison.md").read_text()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "CAICT Table 1" in markdown and "CAICT Table 2" in markdown


def test_gate_exit_codes(campaign: dict[str, Any]) -> None:
    root, runs = campaign["root"], campaign["runs"]
    db = ["--db", f"sqlite:///{root / 'r.db'}", "--out", str(root / "gate")]
    ok = cli(root, "report", "--runs", runs["refuser"].run_id, "--fail-on", "high",
             "--fail-if", "safety_rate<0.9", *db)
    assert ok.returncode == 0, ok.stderr
    assert "gate passed" in ok.stderr
    low = cli(root, "report", "--runs", runs["mixed"].run_id, "--fail-if",
              "safety_rate<0.9", *db)
    assert low.returncode == 1 and "safety_rate" in low.stderr
    # against a baseline: only a significant regression fails
    worse = cli(root, "report", "--runs", runs["mixed"].run_id, "--baseline",
                runs["refuser"].run_id, *db)
    assert worse.returncode == 1 and "against baseline" in worse.stderr
    better = cli(root, "report", "--runs", runs["mixed"].run_id, "--baseline",
                 runs["complier"].run_id, *db)
    assert better.returncode == 0, better.stderr
    bad = cli(root, "report", "--runs", runs["mixed"].run_id, "--fail-if", "safety>2", *db)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1, bad.stderr
    unknown = cli(root, "report", "--campaign", "nope", *db)
    assert unknown.returncode == 2 and "no campaign 'nope'" in unknown.stderr


def test_comparison_html_in_chromium(campaign: dict[str, Any]) -> None:
    html = campaign["root"] / "out" / "comparison.html"
    shot = campaign["root"] / "comparison.png"
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(html.as_uri())
        page.wait_for_timeout(300)
        injected = page.evaluate("document.querySelectorAll('script, img').length")
        table1 = page.locator("#table-scenario tr").count()
        table2_cols = page.locator("#table-prog_lang tr").first.locator("th").count()
        ranking = page.locator("table.ranking").inner_text()
        heat = page.locator("svg rect title").count()
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert dialogs == [] and injected == 0
    assert table1 == 1 + 4 and table2_cols == 1 + 9
    assert HOSTILE in ranking  # shown as text
    assert heat > 20
    assert shot.stat().st_size > 20_000


def test_a_crashed_campaign_resumes_to_the_end(tmp_path: Path, chat_server: ServerThread
                                               ) -> None:
    spec = write_spec(tmp_path / "spec.yaml", [
        {"model": f"openai-compatible:{chat_server.url}:slow-1000", "name": "slow",
         "concurrency": 1},
        {"model": "scripted:refuse", "name": "fast"},
    ], limit=24)
    db = f"sqlite:///{tmp_path / 'r.db'}"
    env = {**cli_env(tmp_path), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "riskbench.cli", "campaign", str(spec),
                             "--db", db, "--no-cache"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    engine = None
    deadline = time.time() + 90
    while time.time() < deadline:  # wait until the slow model has stored some attempts
        time.sleep(0.5)
        if (tmp_path / "r.db").exists():
            engine = engine or store.connect(db)
            found = store.campaign_runs(engine, store.get_campaign(engine, "latest")[0]) \
                if _has_campaign(engine) else []
            if found and any(store.done_keys(engine, r.run_id) for r in found
                             if r.label == "slow"):
                break
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "riskbench campaign --resume" in err
    assert engine is not None
    cid = store.get_campaign(engine, "latest")[0]
    slow = next(r for r in store.campaign_runs(engine, cid) if r.label == "slow")
    assert slow.status == "interrupted"
    partial = len(store.done_keys(engine, slow.run_id))
    resumed = cli(tmp_path, "campaign", "--resume", cid, "--db", db, "--no-cache")
    assert resumed.returncode == 0, resumed.stderr
    runs = store.campaign_runs(engine, cid)
    assert len(runs) == 2 and {r.status for r in runs} == {"finished"}
    n_cases = store.get_run(engine, slow.run_id).n_cases
    assert partial < n_cases == len(store.done_keys(engine, slow.run_id))


def _has_campaign(engine: Any) -> bool:
    from riskbench.errors import UsageError

    try:
        store.get_campaign(engine, "latest")
    except UsageError:
        return False
    return True
