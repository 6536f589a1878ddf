"""Evaluation modes: names resolve from data, each mode runs as ordinary stored runs, the
combined report repeats those runs' scores, archetypes follow the data rules, and a rerun
resumes instead of starting over."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env
from riskbench import metrics, pipeline, store
from riskbench.errors import UsageError
from riskbench.pipeline import modes
from riskbench.pipeline import modes as mode_runs
from riskbench.report import profile, profile_render


def test_modes_resolve_from_data() -> None:
    assert [m.name for m in modes.resolve("all")] == [
        "baseline", "adversarial", "multilingual", "compliance"]
    assert [m.name for m in modes.resolve("multilingual,baseline")] == [
        "multilingual", "baseline"]
    assert modes.modes()["baseline"].parts[0].suite == "starter"
    with pytest.raises(UsageError, match="unknown mode 'nosuch'"):
        modes.resolve("nosuch")


def _run(tmp_path: Path, model: str, mode: str, limit: int = 3) -> mode_runs.ModesResult:
    return mode_runs.evaluate_modes(
        model, mode, limit=limit, out_dir=tmp_path / "out",
        options=pipeline.RunOptions(db_url=f"sqlite:///{tmp_path / 'r.db'}", use_cache=False))


def test_combined_report_equals_the_runs_scores(tmp_path: Path) -> None:
    result = _run(tmp_path, "scripted:alternate", "baseline,adversarial,multilingual")
    engine = store.connect(f"sqlite:///{tmp_path / 'r.db'}")
    content = json.loads((tmp_path / "out" / "profile.json").read_text("utf-8"))
    assert content == json.loads(json.dumps(result.content))
    by_mode = {m["mode"]: m for m in content["modes"]}
    for name in ("baseline", "adversarial", "multilingual"):
        [run] = by_mode[name]["runs"]
        scores = metrics.score_run(engine, run["run_id"], "refusal", 1)
        expected = scores.get("safety_rate")
        assert expected is not None
        assert by_mode[name]["safety_rate"]["value"] == expected.value
        assert by_mode[name]["safety_rate"]["n"] == expected.n
    # adversarial: 30 offline attacks on 3 items; the worst is the lowest per-attack rate
    [adv] = by_mode["adversarial"]["runs"]
    per_attack = metrics.score_run(engine, adv["run_id"], "refusal", 1).table("attack")
    lowest = min(r["safety_rate"].value for r in per_attack if r.get("safety_rate"))
    assert content["worst_attack"]["safety_rate"]["value"] == lowest
    assert len(content["attacks"]) == len(per_attack) > 20
    # multilingual with --limit 3: three items in each of the twelve languages
    langs = {lang["lang"]: lang for lang in content["languages"]}
    assert len(langs) == 12 and all(lang["safety_rate"]["n"] == 3 for lang in langs.values())
    assert langs["en"]["gap_to_en"] is None and langs["ar"]["gap_to_en"] is not None
    assert "skipped: adaptive attacks need --attacker" in " ".join(
        by_mode["adversarial"]["notes"])


def test_rerun_resumes_the_same_runs(tmp_path: Path) -> None:
    first = _run(tmp_path, "scripted:refuse", "baseline")
    second = _run(tmp_path, "scripted:refuse", "baseline")
    assert first.content["modes"][0]["runs"] == second.content["modes"][0]["runs"]
    engine = store.connect(f"sqlite:///{tmp_path / 'r.db'}")
    assert len(store.list_runs(engine)) == 1


def test_profiles_of_scripted_models(tmp_path: Path) -> None:
    # --limit 5: the starter's first five items hold two benign look-alikes
    refuse = _run(tmp_path / "a", "scripted:refuse", "baseline,adversarial,multilingual", 5)
    comply = _run(tmp_path / "b", "scripted:comply", "baseline,adversarial,multilingual", 5)
    assert refuse.content["features"]["baseline"] == 1.0
    assert refuse.content["features"]["over_refusal"] == 1.0
    # three harmful baseline items: far below the minimum n, so no archetype is named
    for result in (refuse, comply):
        assert result.content["profile"]["archetype"]["name"] == "undetermined"
        assert "baseline rests on n = 3" in result.content["profile"]["text"][-1]
        assert result.content["profile"]["text"][0].startswith("Modes: too few items")
    assert comply.content["features"]["baseline"] == 0.0


@pytest.mark.parametrize(("features", "name"), [
    ({"baseline": 0.95, "over_refusal": 0.05, "attack_drop": 0.02, "language_drop": 0.03},
     "internalised"),
    ({"baseline": 0.95, "over_refusal": 0.05, "attack_drop": 0.30, "language_drop": 0.03},
     "rule-compliant"),
    ({"baseline": 0.95, "over_refusal": 0.05, "attack_drop": 0.02, "language_drop": 0.25},
     "rule-compliant"),
    ({"baseline": 0.97, "over_refusal": 0.80}, "over-cautious"),
    ({"baseline": 0.75, "over_refusal": 0.10}, "ethically-interactive"),
    ({"baseline": 0.30}, "efficiency-first"),
    # no attack or language evidence: the stricter archetypes above are not named
    ({"baseline": 0.95, "over_refusal": 0.05}, "ethically-interactive"),
    ({}, "uncharacterised"),
])
def test_archetype_rules(features: dict[str, float], name: str) -> None:
    assert profile.choose_archetype(features)["name"] == name


def test_bad_condition_in_rules_is_loud() -> None:
    with pytest.raises(ValueError, match="bad condition"):
        profile.condition_holds("about 0.9", 0.5)
    assert not profile.condition_holds(">= 0.5", None)


def test_radar_svg_and_escaped_html(tmp_path: Path) -> None:
    svg = profile_render.radar_chart([("baseline", 1.0), ("adversarial", 0.5),
                                      ("<b>x</b>", 0.25)])
    assert svg.startswith("<svg") and 'class="profile"' in svg
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<b>" not in svg
    _run(tmp_path, "scripted:alternate", "baseline,multilingual", limit=2)
    html = (tmp_path / "out" / "profile.html").read_text("utf-8")
    assert html.count('class="profile"') == 1 and "<script" not in html
    assert 'dir="auto"' in html


def test_unavailable_mode_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mode_runs.suites, "names", lambda: ["starter", "multilingual"])
    with pytest.raises(UsageError, match=r"mode compliance is not available: .*tc260-refuse"):
        _run(tmp_path, "scripted:refuse", "compliance")
    result = _run(tmp_path, "scripted:refuse", "baseline,compliance")
    row = result.content["modes"][1]
    assert row["status"] == "not available" and row["safety_rate"] is None
    assert "not available: suite tc260-refuse is not registered" in row["notes"][0]


def test_bad_mode_is_one_line_exit_2(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "riskbench.cli", "evaluate",
                           "scripted:refuse", "--mode", "nosuch"], cwd=tmp_path,
                          env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "unknown mode 'nosuch'" in done.stderr
    assert not (tmp_path / "reports").exists()


def test_rerun_finishes_a_partly_done_run(tmp_path: Path) -> None:
    """Attempts lost to an interruption are sent again into the same run, nothing else."""
    import sqlite3

    first = _run(tmp_path, "scripted:alternate", "multilingual", limit=2)
    [run] = first.content["modes"][0]["runs"]
    with sqlite3.connect(tmp_path / "r.db") as conn:
        conn.execute("delete from verdicts where run_id = ? and test_case_id in (select "
                     "test_case_id from attempts where run_id = ? limit 5)",
                     (run["run_id"], run["run_id"]))
        conn.execute("delete from attempts where run_id = ? and test_case_id not in "
                     "(select test_case_id from verdicts where run_id = ?)",
                     (run["run_id"], run["run_id"]))
        left = conn.execute("select count(*) from attempts where run_id = ?",
                            (run["run_id"],)).fetchone()[0]
    assert left == 24 - 5
    second = _run(tmp_path, "scripted:alternate", "multilingual", limit=2)
    assert second.content["modes"][0]["runs"] == [run]
    assert second.content["modes"][0]["safety_rate"] == first.content["modes"][0]["safety_rate"]


def test_compliance_mode_writes_the_clause_table(tmp_path: Path) -> None:
    result = _run(tmp_path, "scripted:refuse", "compliance", limit=4)
    table = json.loads(result.reports["compliance json"].read_text("utf-8"))
    rows = {row["id"]: row for row in table["clauses"]}
    refuse = rows["9.4-refuse"]
    # 4 items per bank: refused every time, yet far below the standard's sample size
    assert refuse["rate"] == 1.0 and refuse["status"] == "insufficient"
    assert rows["9.4-answer"]["rate"] == 1.0  # it refuses all it should answer
    assert {e["suite"] for e in rows["9.3"]["evidence"]} == {"tc260-content"}
    assert "9.4-refuse" in result.reports["compliance markdown"].read_text("utf-8")


def test_unknown_framework_fails_before_any_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nosuch"):
        mode_runs.evaluate_modes("scripted:refuse", "compliance", limit=2,
                                 options=pipeline.RunOptions(db_url=f"sqlite:///{tmp_path}/x.db"),
                                 out_dir=tmp_path / "out", framework="nosuch")
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "out").exists()
