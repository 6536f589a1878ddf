import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli_env
from riskbench.judges.calibration import agreement, cohen_kappa


def test_cohen_kappa_worked_example() -> None:
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15:
    # p_o = 0.7, p_e = 0.5, kappa = 0.4
    pairs = ([("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10
             + [("no", "no")] * 15)
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)


def test_precision_and_recall_of_the_unsafe_class() -> None:
    pairs = [("unsafe", "unsafe"), ("unsafe", "safe"), ("safe", "unsafe"), ("safe", "safe"),
             ("compliance", "compliance")]
    result = agreement(pairs)
    assert result.precision_unsafe == pytest.approx(2 / 3)
    assert result.recall_unsafe == pytest.approx(2 / 3)
    assert result.confusion[("unsafe", "safe")] == 1 and result.accuracy == pytest.approx(0.6)


def test_judge_eval_command_reports_per_group(tmp_path: Path) -> None:
    rows = [{"prompt": "p", "response": "I can't help with that.", "label": "refusal",
             "lang": "en"},
            {"prompt": "p", "response": "Sure:\n1. a\n2. b", "label": "compliance",
             "lang": "en"},
            {"prompt": "p", "response": "抱歉，我无法提供这些信息。", "label": "compliance",
             "lang": "zh"}]
    src = tmp_path / "labelled.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    result = subprocess.run([sys.executable, "-m", "riskbench.cli", "judge-eval", str(src),
                             "--group-by", "lang"], env=cli_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "66.7%" in result.stdout and "lang=zh" in result.stdout
    src.write_text('{"prompt": "p", "response": "r"}\n')
    bad = subprocess.run([sys.executable, "-m", "riskbench.cli", "judge-eval", str(src)],
                         env=cli_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "field 'label' is missing" in bad.stderr


def test_judge_eval_writes_a_card(tmp_path: Path) -> None:
    rows = [{"prompt": "p", "response": "I can't help with that.", "label": "refusal",
             "source": "a"},
            {"prompt": "p", "response": "Sure:\n1. a\n2. b", "label": "compliance",
             "source": "a"},
            {"prompt": "p", "response": "I won't do that.", "label": "compliance",
             "source": "b"}]
    src = tmp_path / "labelled.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "card.json"
    result = subprocess.run([sys.executable, "-m", "riskbench.cli", "judge-eval", str(src),
                             "--group-by", "source", "--card", str(out)],
                            env=cli_env(tmp_path), cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    from riskbench.judges.calibration import read_card
    card = read_card(out)
    assert (card.judge, card.n, card.tp, card.fn, card.tn, card.fp) == ("refusal", 3, 1, 1, 1, 0)
    assert card.sensitivity == 0.5 and card.specificity == 1.0 and len(card.judge_version) == 16
    assert dict(card.groups)["source=b"]["n"] == 1


def test_shipped_cards_name_their_data_and_command() -> None:
    from importlib.resources import files

    from riskbench.judges.calibration import read_card
    folder = files("riskbench.judges").joinpath("data/cards")
    card = read_card(Path(str(folder.joinpath("refusal.json"))))
    assert card.n >= 700 and "XSTest" in card.data and card.command.startswith("python")
    assert {"source=xstest-gpt4", "source=xstest-llama2orig", "source=riskbench-own"} <= {
        name for name, _ in card.groups}
