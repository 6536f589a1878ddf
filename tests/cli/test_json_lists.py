"""`--json` on the list commands: one JSON document on stdout that a script parses, with
the same rows as the table, stable keys, stored strings back exactly as stored (markup and
escape sequences included, escaped by JSON) and no terminal markup; and a piped table that
cuts no run id or model name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import cli_env
from riskbench import store
from riskbench.attacks import attacks as attack_registry
from riskbench.cli import main
from riskbench.judges import judges as judge_registry
from riskbench.models import providers
from riskbench.pipeline import monitor
from riskbench.suites import suites as suite_registry
from riskbench.types import ModelInfo, RunConfig

HOSTILE = "[bold]x[/] \x1b]0;owned\x07 \x1b[2J"
LONG_MODEL = "openai-compatible:http://127.0.0.1:8000/v1:" + "a-very-long-model-name-" * 3


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    with pytest.raises(SystemExit) as stopped:
        main([*args, "--json"])
    out = capsys.readouterr()
    assert stopped.value.code == 0, out.err
    assert "\x1b" not in out.out  # no terminal codes: the hostile ones are JSON-escaped
    return json.loads(out.out)  # the whole of stdout is one document


@pytest.fixture
def stored(db_url: str) -> dict[str, str]:
    db = store.connect(db_url)
    run = store.create_run(db, RunConfig(model=f"scripted:{HOSTILE}", suite="starter"), [])
    other = store.create_run(db, RunConfig(model="scripted:refuse", suite="starter", k=2), [])
    campaign = store.create_campaign(db, HOSTILE, {"models": []})
    store.add_campaign_run(db, campaign, "first", "starter", run.id, 0)
    store.add_campaign_run(db, campaign, "second", "starter", other.id, 1)
    monitor.add_model(db, ModelInfo("m1", HOSTILE, vendor="v", specs=("scripted:refuse",)))
    return {"run": run.id, "other": other.id, "campaign": campaign}


def test_runs_json(capsys: pytest.CaptureFixture[str], db_url: str,
                   stored: dict[str, str]) -> None:
    data = listed(capsys, "runs", "--db", db_url)
    assert list(data) == ["runs"]
    by_id = {r["id"]: r for r in data["runs"]}
    assert set(by_id) == {stored["run"], stored["other"]}
    first = by_id[stored["run"]]
    assert set(first) == {"id", "status", "model", "suite", "k", "attempts",
                          "expected_attempts", "errors", "blocked", "created_at",
                          "finished_at", "config"}
    assert first["model"] == f"scripted:{HOSTILE}"  # data back exactly, not sanitised
    assert by_id[stored["other"]]["k"] == 2 and first["attempts"] == 0
    assert first["config"]["suite"] == "starter"


def test_campaigns_json(capsys: pytest.CaptureFixture[str], db_url: str,
                        stored: dict[str, str]) -> None:
    data = listed(capsys, "campaigns", "--db", db_url)
    [campaign] = data["campaigns"]
    assert campaign["id"] == stored["campaign"] and campaign["name"] == HOSTILE
    assert [(r["label"], r["run_id"]) for r in campaign["runs"]] == [
        ("first", stored["run"]), ("second", stored["other"])]


def test_models_list_json(capsys: pytest.CaptureFixture[str], db_url: str,
                          stored: dict[str, str]) -> None:
    [model] = listed(capsys, "models", "list", "--db", db_url)["models"]
    assert model == {"id": "m1", "name": HOSTILE, "vendor": "v", "family": "",
                     "released": None, "open_weights": False, "reasoning": False,
                     "modality": "text", "beta": None, "specs": ["scripted:refuse"]}


def test_registry_lists_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = listed(capsys, "models")
    assert {p["name"] for p in data["providers"]} == {n for n, _ in providers}
    assert any("local:smollm2" in m["specs"] for m in data["catalog"])
    judges = listed(capsys, "judges")["judges"]
    assert {j["name"] for j in judges} == {n for n, _ in judge_registry}
    assert all(set(j) == {"name", "description"} for j in judges)
    attacks = listed(capsys, "attacks")["attacks"]
    assert {a["name"] for a in attacks} >= {n for n, _ in attack_registry}
    assert all(set(a) == {"name", "family", "turns", "parameters", "source"}
               for a in attacks)
    assert any(a["turns"] == "adaptive" for a in attacks)
    family = listed(capsys, "attacks", "--family", "encoding")["attacks"]
    assert family and {a["family"] for a in family} == {"encoding"}
    suites = listed(capsys, "suites")["suites"]
    assert {s["name"] for s in suites} == {n for n, _ in suite_registry}
    assert all(isinstance(s["items"], int) and s["items"] > 0 for s in suites)


def test_a_piped_table_cuts_no_run_id_or_model(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    run = store.create_run(store.connect(db), RunConfig(model=LONG_MODEL, suite="starter"),
                           [])
    env = {k: v for k, v in cli_env(tmp_path).items() if k != "COLUMNS"}
    listing = subprocess.run([sys.executable, "-m", "riskbench.cli", "runs", "--db", db],
                             cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert run.id in listing.stdout and LONG_MODEL in listing.stdout
