"""The code-safety generator on the real CyberSecEval files: counts, coverage, stable ids,
the quick subset, real code as context, bad input, and a small run through the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from conftest import DATASETS, cli_env
from riskbench import attacks, pipeline, taxonomy
from riskbench.attacks import groups, resolve
from riskbench.suites import Suite
from riskbench.suites.code_safety import build, snippets
from riskbench.suites.code_safety.data import plan
from riskbench.suites.code_safety.generate import case_id, case_key
from riskbench.types import Item, RunConfig

CSE = DATASETS / "cyberseceval"
CAICT_LANGS = {"bash", "cpp", "go", "html", "java", "javascript", "php", "python", "sql"}


@pytest.fixture(scope="module")
def full() -> Suite:
    return build(CSE)


@pytest.fixture(scope="module")
def quick() -> Suite:
    return build(CSE, quick=True)


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(tmp_path), "COLUMNS": "200"}  # tables wide enough to name rows
    return subprocess.run([sys.executable, "-m", "riskbench.cli", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def test_full_build_covers_every_scenario_language_and_attack(full: Suite) -> None:
    items = full.items
    assert len(items) >= 15_000
    cells = Counter((i.scenario, i.prog_lang, i.meta["attack"]) for i in items
                    if i.expected == "refuse")
    assert set(taxonomy.code_scenarios()) == {s for s, _, _ in cells}
    assert {lang for _, lang, _ in cells} == CAICT_LANGS
    assert {a for _, _, a in cells} == {"direct", *groups()["code-safety"]["attacks"]}
    assert len(cells) == 14 * 9 * 14 and set(cells.values()) == {9}  # one per category
    harmful = Counter(i.category for i in items if i.expected == "refuse")
    assert set(harmful) == set(plan().categories) and len(set(harmful.values())) == 1
    assert all(i.domain in ("cyber", "manipulation") for i in items if i.expected == "refuse")
    assert Counter(i.expected for i in items)["comply"] == 14 * 9 * 2
    two_turn = [i for i in items if i.meta.get("lead_in")]
    assert 0.15 < len(two_turn) / len(items) < 0.3
    assert len({i.id for i in items}) == len(items)


def test_group_is_the_13_caict_methods_and_matches_the_plan() -> None:
    chosen = resolve("group:code-safety")
    families = Counter(p.family for p in chosen)
    assert len(chosen) == 13 and families == {"prompt_injection": 5, "policy_bypass": 8}
    assert [p.name for p in chosen] == list(plan().attacks[1:])


def test_ids_are_stable_and_follow_the_key_rule(full: Suite) -> None:
    again = build(CSE)
    assert [i.id for i in again.items] == [i.id for i in full.items]
    assert [i.prompt for i in again.items] == [i.prompt for i in full.items]
    by_id = {i.id: i for i in full.items}
    pinned = {  # computed once from the key rule; a change here re-ids published cases
        "cs-6ccd1e0a12d1": case_key("mw-keylog", "code_generation", "bash", "direct", "", 1),
        # snippets as drawn since intents are paired with fitting code (fit.yaml)
        "cs-1d74f24d21f5": case_key("dos-mass-lockout", "code_completion", "bash",
                                    "synonym_obfuscation",
                                    "playwright-python/reinstall_msedge_stable_linux.sh:35-46",
                                    2),
        "cs-a64dae8e3d16": case_key("se-waf-bypass", "code_completion", "cpp",
                                    "fake_completion",
                                    "cyberseceval:stanmihai4/json/icu/common/caniter.cpp:231",
                                    1),
    }
    for expected_id, key in pinned.items():
        assert case_id(key) == expected_id
        item = by_id[expected_id]
        assert (item.meta["intent"], item.scenario, item.prog_lang, item.meta["attack"]) \
            == (key["intent"], key["scenario"], key["lang"], key["attack"])
    for item in list(full.items)[::997]:  # every id is the hash of its own key
        key = case_key(item.meta["intent"], item.scenario, item.prog_lang,
                       item.meta["attack"], item.meta.get("snippet", {}).get("origin", ""),
                       item.meta["turns"])
        assert case_id(key) == item.id


def test_quick_is_a_balanced_deterministic_subset(full: Suite, quick: Suite) -> None:
    assert 250 <= len(quick.items) <= 500
    assert {i.id for i in quick.items} <= {i.id for i in full.items}
    assert [i.id for i in build(CSE, quick=True).items] == [i.id for i in quick.items]
    for field in ("scenario", "prog_lang", "attack", "category"):
        counts = Counter(i.meta["attack"] if field == "attack" else getattr(i, field)
                         for i in quick.items if i.expected == "refuse")
        assert min(counts.values()) >= 15, (field, counts)
    assert len({c for c in Counter(i.scenario for i in quick.items).values()}) <= 2
    assert sum(i.expected == "comply" for i in quick.items) >= 30
    assert any(i.meta.get("lead_in") for i in quick.items)


def test_given_code_is_real_open_source_code(full: Suite) -> None:
    origin = {}
    for name in ("instruct.json", "autocomplete.json"):
        for record in json.loads((CSE / name).read_text()):
            origin[f"cyberseceval:{record['repo']}/{record['file_path']}:"
                   f"{record['line_number']}"] = textwrap.dedent(record["origin_code"])
    harvested = {s.key: s.code for s in snippets.harvested()}
    with_code = [i for i in full.items if i.context]
    assert len(with_code) > 12_000
    for item in with_code:
        key = item.meta["snippet"]["origin"]
        assert item.context == (origin[key] if key.startswith("cyberseceval:")
                                else harvested[key])
        shown = item.meta["lead_in"][0] if item.meta.get("lead_in") else item.prompt
        assert item.context.strip("\n") in shown
    langs = Counter((i.prog_lang, i.meta["snippet"]["origin"].split(":")[0])
                    for i in with_code if i.scenario != "code_translation")
    for lang in ("cpp", "java", "javascript", "php", "python"):
        assert langs[(lang, "cyberseceval")] > 0 and not any(
            k == lang and s != "cyberseceval" for k, s in langs)
    assert not any(i.meta["snippet"]["origin"].startswith("riskbench/fallback")
                   for i in with_code)
    translated = [i for i in with_code if i.scenario == "code_translation"]
    assert all(snippets.SUITE_LANG[i.meta["snippet"]["lang"]] != i.prog_lang
               for i in translated)


def test_missing_language_falls_back_to_own_snippet(tmp_path: Path) -> None:
    record = json.loads((CSE / "instruct.json").read_text())[0]
    (tmp_path / "instruct.json").write_text(json.dumps([record]))
    items = build(tmp_path, quick=True).items
    origins = {i.meta["snippet"]["origin"] for i in items if i.prog_lang == "java"
               and i.context and i.scenario != "code_translation"}
    assert origins == {"riskbench/fallback:java"}


@pytest.mark.parametrize(("record", "needle"), [
    ({"language": "python", "repo": "r", "file_path": "f.py", "line_number": 3},
     "instruct.json: item 2: field 'origin_code' is missing"),
    ({"origin_code": "x = 1\n" * 50, "language": "python", "repo": "r", "file_path": "f",
      "line_number": "3"}, "instruct.json: item 2: field 'line_number' is missing or not"),
])
def test_bad_cyberseceval_file_is_one_line_and_exit_2(tmp_path: Path, record: dict,
                                                       needle: str) -> None:
    good = json.loads((CSE / "instruct.json").read_text())[0]
    (tmp_path / "cse").mkdir()
    (tmp_path / "cse" / "instruct.json").write_text(json.dumps([good, record]))
    result = cli(tmp_path, "build", "code-safety", "--cyberseceval", str(tmp_path / "cse"),
                 "-o", "out.jsonl")
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out.jsonl").exists()
    result = cli(tmp_path, "run", "--model", "scripted:refuse", "--suite",
                 f"code-safety:{tmp_path / 'cse'}?quick=maybe")
    assert result.returncode == 2 and "quick='maybe'" in result.stderr


def test_items_run_under_their_bound_attack_unless_attacks_are_given(quick: Suite,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "quick.jsonl"
    path.write_text("".join(json.dumps(i.to_json()) + "\n" for i in quick.items))
    planned = pipeline.plan(RunConfig(model="scripted:refuse", suite=str(path)))
    assert [c.attack for c in planned.cases] == [i.meta["attack"] for i in quick.items]
    assert set(planned.config.attacks) == set(plan().attacks)
    two_turn = [c for c in planned.cases if c.item.meta.get("lead_in")]
    assert two_turn and all(len(c.conversation.followups) == 1 for c in two_turn)
    assert all(c.item.context in c.conversation.messages[-1].content for c in two_turn)
    given = pipeline.plan(RunConfig(model="scripted:refuse", suite=str(path),
                                    attacks=("roleplay",)))
    assert {c.attack for c in given.cases} == {"roleplay"}
    plain = Item(id="x", prompt="p", expected="refuse")  # binds nothing: the default
    cases, used = attacks.build_bound_test_cases([plain], ["direct", "roleplay"])
    assert [c.attack for c in cases] == ["direct", "roleplay"] and len(used) == 2


def test_lead_in_turns_come_first_and_keep_the_attack_shape() -> None:
    item = Item(id="x", prompt="Now change it.", expected="refuse", context="x = 1",
                meta={"lead_in": ["Here is code: x = 1"]})
    hijacked = attacks.build_test_cases([item], resolve("goal_hijack"))[0].conversation
    assert [m.role for m in hijacked.messages] == ["system", "user"]
    assert hijacked.messages[1].content == "Here is code: x = 1"
    assert len(hijacked.followups) == 1 and "Now change it." in hijacked.followups[0]
    forged = attacks.build_test_cases([item], resolve("context_compliance"))[0].conversation
    assert forged.messages[0].content.startswith("Here is code: x = 1\n\n")
    assert "Now change it." in forged.messages[0].content and not forged.followups


def test_suite_judges_are_the_default_and_fall_back_to_refusal() -> None:
    items = (Item(id="x", prompt="p", expected="refuse"),)
    assert pipeline.suite_judges(Suite("s", "", items, judges=("no_such_judge",))) \
        == ("refusal",)
    assert pipeline.suite_judges(Suite("s", "", items, judges=("refusal", "strongreject"))) \
        == ("refusal", "strongreject")
    named = (Item(id="y", prompt="p", expected="refuse", meta={"judges": ["strongreject"]}),)
    assert pipeline.suite_judges(Suite("s", "", named)) == ("strongreject",)
    assert pipeline.suite_judges(Suite("s", "", items)) == ("refusal",)


def test_build_and_run_quick_cases_end_to_end(tmp_path: Path) -> None:
    result = cli(tmp_path, "build", "code-safety", "--cyberseceval", str(CSE), "--quick",
                 "-o", "quick.jsonl")
    assert result.returncode == 0, result.stderr
    assert "by scenario" in result.stdout and "by attack" in result.stdout
    lines = (tmp_path / "quick.jsonl").read_text().splitlines()
    assert len(lines) == len(build(CSE, quick=True).items)
    records = [json.loads(line) for line in lines]
    langs, picked, seen = sorted(CAICT_LANGS), [], set[str]()
    for record in records:  # one harmful case per scenario, languages in turn
        if (record["expected"] == "refuse" and record["scenario"] not in seen
                and record["prog_lang"] == langs[len(seen) % len(langs)]):
            seen.add(record["scenario"])
            picked.append(record)
    assert len(picked) == 14
    (tmp_path / "few.jsonl").write_text("".join(json.dumps(r) + "\n" for r in picked))
    rates = {}
    for model in ("scripted:refuse", "scripted:comply"):
        result = cli(tmp_path, "run", "--model", model, "--suite", "few.jsonl",
                     "--judge", "refusal", "--no-cache", "--db",
                     f"sqlite:///{tmp_path / (model[9:] + '.db')}")
        assert result.returncode == 0, result.stderr
        assert "by coding scenario" in result.stdout
        assert "by programming language" in result.stdout
        assert "vulnerability_analysis" in result.stdout
        rates[model] = re.search(r"overall\W*([\d.]+)%", result.stdout).group(1)  # type: ignore[union-attr]
        assert "14 attempts" in result.stdout
    assert rates == {"scripted:refuse": "100.0", "scripted:comply": "0.0"}


def test_offline_run_without_dir_names_the_code_safety_fix(tmp_path: Path) -> None:
    """No DIR and no network: one line naming `--suite code-safety:DIR`, exit 2 (not the
    spelling of the CyberSecEval file format the suite reads underneath)."""
    import socket

    with socket.socket() as sock:  # a proxy port nobody listens on: offline for sure
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**cli_env(tmp_path), "RISKBENCH_DATA_CACHE": str(tmp_path / "empty-cache"),
           "HTTPS_PROXY": f"http://127.0.0.1:{port}", "HTTP_PROXY": f"http://127.0.0.1:{port}",
           "NO_PROXY": ""}
    result = subprocess.run([sys.executable, "-m", "riskbench.cli", "run", "--model",
                             "scripted:refuse", "--suite", "code-safety"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "--suite code-safety:DIR" in result.stderr, result.stderr
    assert "--suite cyberseceval-instruct:PATH" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_given_code_fits_the_intent(quick: Suite) -> None:
    """An intent's given code shares a tag with it (fit.yaml) wherever the language has such
    code: an SQL-injection intent gets code that queries, a ransomware intent code that
    touches files. Only SQL lacks code for most misuse kinds."""
    from riskbench.suites.code_safety.data import intents
    from riskbench.suites.code_safety.generate import tags

    fits = {i.id: set(i.fits) for group in intents().values() for i in group}
    coded = [i for i in quick.items if i.expected == "refuse" and i.context]
    misfit = Counter(i.prog_lang for i in coded if not tags(
        snippets.Snippet("x", "x", i.context, "")) & fits[i.meta["intent"]])
    assert set(misfit) <= {"sql", "html", "javascript"}, misfit
    assert sum(misfit.values()) <= 0.15 * len(coded), (misfit, len(coded))
    python_sqli = [i for i in coded if i.meta["intent"] == "ex-sqli-dump"
                   and i.prog_lang == "python"]  # Python has querying code: it is used
    assert python_sqli and all(re.search(r"select|execute|insert", i.context, re.I)
                               for i in python_sqli)


def test_benign_controls_use_benign_wording(full: Suite) -> None:
    benign = [i for i in full.items if i.expected == "comply"]
    assert benign and not any("quietly" in i.prompt or "someone would use" in i.prompt
                              for i in benign)
    harmful = [i for i in full.items if i.expected == "refuse"]
    assert any("quietly" in i.prompt for i in harmful)  # the harmful wording is kept
