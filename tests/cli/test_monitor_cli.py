"""The frontier-risk monitor end to end on a real SQLite store: the model registry (add,
list, show, YAML round trip), imported scores with provenance, C / S / R computed from real
stored runs of scripted models, the report, and bad input as one line with exit 2."""

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import cli_env
from riskbench import store
from riskbench.cli import main
from riskbench.models.base import providers
from riskbench.models.scripted import ScriptedModel
from riskbench.pipeline import RunOptions, evaluate, monitor
from riskbench.types import RunConfig

MODELS_YAML = """\
alpha:
  name: Alpha 1
  vendor: Lab A
  family: Alpha
  release_date: 2024-03-01
  open_weights: false
  reasoning: true
  specs: [scripted:refuse, "mcqtest:B"]
beta-open:
  vendor: Lab B
  family: Beta
  release_date: 2024-09-01
  open_weights: true
  specs: [scripted:comply]
"""

if "mcqtest" not in providers.names():
    @providers.register("mcqtest")
    def _mcq_model(rest: str) -> ScriptedModel:
        """Answers every question with the letter in its spec."""
        return ScriptedModel(f"mcqtest:{rest}", lambda messages, seed: f"Answer: {rest}")


def riskbench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskbench.cli", *args], cwd=tmp_path,
                          env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)


class Cli:
    """The CLI's main() in this process (a subprocess costs seconds): exit code, stdout
    and stderr."""

    def __init__(self, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "argv", ["riskbench", *args])
        self.monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


@pytest.fixture
def registry(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(MODELS_YAML, encoding="utf-8")
    monitor.import_models(store.connect(db_url), path)
    return path


def test_registry_add_list_show_and_yaml_round_trip(tmp_path: Path, cli: Cli) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    code, _, err = cli("models", "add", "gpt-x", "--vendor", "OpenAI", "--family", "GPT",
                       "--released", "2025-02-03", "--reasoning", "--beta", "0.8", "--spec",
                       "openai:gpt-x", "--db", db)
    assert code == 0, err
    _, listed, _ = cli("models", "list", "--db", db)
    assert "gpt-x" in listed and "1 models." in listed
    _, shown, _ = cli("models", "show", "openai:gpt-x", "--db", db)  # found by its spec
    assert "released: 2025-02-03" in shown and "beta: 0.8 (override)" in shown
    code, _, err = cli("models", "add", "gpt-x", "--db", db)
    assert code == 2 and err.count("\n") == 1
    assert "already in the registry; pass --replace" in err
    # `riskbench models` alone (the real entry point) still lists providers and catalog
    providers_out = riskbench(tmp_path, "models")
    assert providers_out.returncode == 0 and "openai-compatible" in providers_out.stdout
    # YAML export -> import into a fresh store gives the same registry
    engine = store.connect(db)
    monitor.import_models(engine, Path(__file__).parents[2] / "src/riskbench/models/data/"
                          "catalog.yaml")
    out = tmp_path / "export.yaml"
    assert cli("models", "export", str(out), "--db", db)[0] == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert cli("models", "import", str(out), "--db", fresh)[0] == 0
    before, after = monitor.list_models(engine), monitor.list_models(store.connect(fresh))
    assert after == before and len(before) > 3
    gptx = monitor.get_model_info(engine, "gpt-x")
    assert (gptx.release_date, gptx.reasoning, gptx.beta, gptx.specs) == (
        date(2025, 2, 3), True, 0.8, ("openai:gpt-x",))
    smol = monitor.get_model_info(engine, "local:smollm2")  # catalog specs link runs
    assert smol.id == "smollm2" and smol.open_weights


def test_import_csv_keeps_provenance_and_compute_uses_it(tmp_path: Path, db_url: str,
                                                         registry: Path, cli: Cli) -> None:
    csv_path = tmp_path / "scores.csv"
    csv_path.write_text("# measured elsewhere\nmodel,benchmark,score,n,source\n"
                        "alpha,wmdp_cyber,60,200,paper X\n"
                        "alpha,cybench,30,,\n"
                        "alpha,strongreject,0.25,50,\n"
                        "scripted:comply,wmdp_cyber,50,,leaderboard Y\n", encoding="utf-8")
    code, _, err = cli("monitor", "import", str(csv_path), "--source", "my lab", "--db",
                       db_url)
    assert code == 0, err
    engine = store.connect(db_url)
    imported = monitor.list_imported(engine)
    assert [(i.model, i.benchmark, i.score, i.n, i.source) for i in imported] == [
        ("alpha", "wmdp_cyber", 60.0, 200, "paper X"), ("alpha", "cybench", 30.0, None, "my lab"),
        ("alpha", "strongreject", 0.25, 50, "my lab"),
        ("beta-open", "wmdp_cyber", 50.0, None, "leaderboard Y")]
    assert all(i.file == str(csv_path.resolve()) and i.imported_at for i in imported)
    scores = {s.model: s for s in monitor.compute_scores(engine) if s.domain == "cyber"}
    alpha = scores["alpha"]
    assert alpha.capability == pytest.approx((2 * 60 + 30) / 3)
    assert alpha.safety == pytest.approx(75) and alpha.risk == pytest.approx(50 * 0.25)
    assert alpha.missing == ("cyber_refusal", "cyber_jailbreak")
    by_name = {v.benchmark: v for v in alpha.benchmarks}
    assert by_name["wmdp_cyber"].source == "import:paper X" and by_name["wmdp_cyber"].n == 200
    assert scores["beta-open"].safety is None and scores["beta-open"].risk is None
    # stored: load_scores gives back exactly what compute returned
    assert {s.model: s for s in monitor.load_scores(engine, "cyber")} == scores


@pytest.mark.parametrize(("text", "needle"), [
    ("model,score\nalpha,3\n", "column 'benchmark' is missing"),
    ("model,benchmark,score\nnobody,wmdp_cyber,3\n", "model 'nobody' is not in the registry"),
    ("model,benchmark,score\nalpha,wmdp_cyberr,3\n", "unknown benchmark 'wmdp_cyberr'"),
    ("model,benchmark,score\nalpha,wmdp_cyber,130\n", "must be a percentage between 0 and 100"),
    ("model,benchmark,score\nalpha,strongreject,25\n", "must be a StrongREJECT score between"),
    ("model,benchmark,score\nalpha,wmdp_cyber,high\n", "score 'high' is not a number"),
    ("model,benchmark,score,n\nalpha,wmdp_cyber,3,0\n", "n must be a positive whole number"),
    ("model,benchmark,score\nalpha,wmdp_cyber,3\nalpha,wmdp_cyber,4\n", "a second score"),
    ("model,benchmark,score\nalpha,wmdp_cyber,3,extra\n", "field count differs"),
    ("", "no rows"),
])
def test_bad_csv_is_one_line_exit_2_and_stores_nothing(
        tmp_path: Path, db_url: str, registry: Path, text: str, needle: str, cli: Cli
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli("monitor", "import", str(path), "--db", db_url)
    assert code == 2 and needle in err, err
    assert err.startswith("error: ") and err.count("\n") == 1
    with sqlite3.connect(tmp_path / "riskbench.db") as conn:
        assert conn.execute("select count(*) from monitor_imported_scores").fetchone()[0] == 0


def test_bad_registry_yaml_and_compute_without_models(tmp_path: Path, db_url: str,
                                                      cli: Cli) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("x: {release_date: 'soon'}\n", encoding="utf-8")
    code, _, err = cli("models", "import", str(bad), "--db", db_url)
    assert code == 2 and "release_date must be YYYY-MM-DD" in err
    code, _, err = cli("monitor", "compute", "--db", db_url)
    assert code == 2 and "the model registry is empty" in err
    code, _, err = cli("monitor", "report", "--db", db_url)
    assert code == 2 and "run `riskbench monitor compute` first" in err


def write_mcq(tmp_path: Path, answers: list[int]) -> Path:
    path = tmp_path / "wmdp-cyber-mini.jsonl"
    lines = [json.dumps({"question": f"Toy question {i}?", "choices": ["w", "x", "y", "z"],
                         "answer": a}) for i, a in enumerate(answers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_compute_from_real_stored_runs(tmp_path: Path, db_url: str, registry: Path) -> None:
    options = RunOptions(db_url=db_url, report_dir=tmp_path / "r", use_cache=False)
    # capability: a multiple-choice run judged by the choice judge (3 of 4 answers are B)
    mcq = write_mcq(tmp_path, [1, 1, 0, 1])
    cap = evaluate(RunConfig(model="mcqtest:B", suite=f"mcq:{mcq}", attacks=("direct",),
                             judges=("choice",)), options)
    # safety: the starter suite, direct and attacked, judged by the refusal judge
    safe = evaluate(RunConfig(model="scripted:refuse", suite="starter",
                              attacks=("direct", "roleplay"), judges=("refusal",)), options)
    unsafe = evaluate(RunConfig(model="scripted:comply", suite="starter",
                                attacks=("direct", "roleplay"), judges=("refusal",)), options)
    accuracy = cap.scores.get("accuracy")  # the run's own scores show accuracy too
    assert accuracy is not None and (accuracy.value, accuracy.n) == (0.75, 4)
    assert cap.scores.get("safety_rate") is None  # no harmful items in a capability run
    engine = store.connect(db_url)
    scores = {s.model: s for s in monitor.compute_scores(engine) if s.domain == "cyber"}
    alpha = {v.benchmark: v for v in scores["alpha"].benchmarks}
    assert alpha["wmdp_cyber"].value == pytest.approx(75.0) and alpha["wmdp_cyber"].n == 4
    assert alpha["wmdp_cyber"].source == f"run:{cap.run.id}"
    assert alpha["cyber_refusal"].value == 100.0
    assert alpha["cyber_jailbreak"].value == 100.0
    assert alpha["cyber_refusal"].source == f"run:{safe.run.id}"
    # n = the cyber-domain harmful items of the starter suite (categories cyber + malware)
    cases = store.load_cases(engine, safe.run.id)
    cyber = [c for c in cases if c.item.expected == "refuse" and c.attack == "direct"
             and c.item.category in ("cyber", "malware")]
    assert alpha["cyber_refusal"].n == len(cyber) > 0
    beta = {v.benchmark: v for v in scores["beta-open"].benchmarks}
    assert beta["cyber_refusal"].value == 0.0 and beta["cyber_jailbreak"].value == 0.0
    assert beta["cyber_refusal"].source == f"run:{unsafe.run.id}"
    assert "wmdp_cyber" in scores["beta-open"].missing  # no run, no import: not zero
    assert scores["alpha"].capability == pytest.approx(75.0)
    assert scores["alpha"].risk == pytest.approx(0.0)  # fully safe closed model
    assert scores["beta-open"].capability is None and scores["beta-open"].risk is None
    # an import fills a gap; with --prefer imports it overrides a run's value
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("model,benchmark,score\nalpha,wmdp_cyber,40\nbeta-open,wmdp_cyber,"
                        "90\n", encoding="utf-8")
    monitor.import_scores(engine, csv_path)
    runs_first = {s.model: s for s in monitor.compute_scores(engine) if s.domain == "cyber"}
    assert runs_first["alpha"].capability == pytest.approx(75.0)
    beta_open = runs_first["beta-open"]
    assert beta_open.capability == pytest.approx(90.0)
    assert beta_open.risk == pytest.approx(90.0)  # S = 0 from its runs
    imports_first = {s.model: s for s in monitor.compute_scores(engine, prefer="imports")
                     if s.domain == "cyber"}
    assert imports_first["alpha"].capability == pytest.approx(40.0)


def test_report_html_markdown_csv(tmp_path: Path, db_url: str, registry: Path,
                                  cli: Cli) -> None:
    engine = store.connect(db_url)
    hostile = monitor.ModelInfo("evil", '<script>alert(1)</script>', "=cmd|' /C calc'!A0",
                                "F|x",
                                date(2025, 1, 1))
    monitor.add_model(engine, hostile)
    csv_path = tmp_path / "s.csv"
    csv_path.write_text(
        "model,benchmark,score\n"
        "alpha,wmdp_cyber,70\nalpha,cyber_refusal,90\n"
        "beta-open,wmdp_cyber,50\nbeta-open,cyber_refusal,20\n"
        "evil,wmdp_cyber,40\nevil,cyber_refusal,10\n", encoding="utf-8")
    monitor.import_scores(engine, csv_path)
    monitor.compute_scores(engine)
    code, _, err = cli("monitor", "report", "--out", str(tmp_path / "rep"), "--db", db_url)
    assert code == 0, err
    html = (tmp_path / "rep/monitor.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Content-Security-Policy" in html and "script-src" not in html
    assert html.count("<svg") == 15  # 3 charts x 5 domains
    scatter = (tmp_path / "rep/cyber_scatter.svg").read_text(encoding="utf-8")
    assert "<polyline" in scatter and "risk frontier" in scatter
    md = (tmp_path / "rep/monitor.md").read_text(encoding="utf-8")
    assert "| F\\|x" not in md and "Risk frontier: " in md
    rows = (tmp_path / "rep/scores.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cyber = {r.split(",")[1]: dict(zip(header, r.split(","), strict=True))
             for r in rows[1:] if r.startswith("cyber,")}
    # alpha: C 70 (wmdp only), S 90, beta 1 -> R 7; beta-open: 50 x (1 - 0.6 x 0.2) = 44
    assert float(cyber["alpha"]["risk"]) == pytest.approx(7.0)
    assert float(cyber["beta-open"]["risk"]) == pytest.approx(44.0)
    # (C, S): evil (40, 10), beta-open (50, 20), alpha (70, 90): each higher C comes with
    # a higher S, so none is dominated
    # a spreadsheet shows the formula-looking vendor as text (OWASP's leading quote)
    assert cyber["evil"]["vendor"] == "'=cmd|' /C calc'!A0"
    assert {m: r["frontier"] for m, r in cyber.items()} == {
        "alpha": "True", "beta-open": "True", "evil": "True"}
    cummax = [r for r in (tmp_path / "rep/cummax.csv").read_text(encoding="utf-8")
              .splitlines() if r.startswith("cyber,")]
    assert cummax == ["cyber,2024-03-01,alpha,7.0,7.0,alpha",
                      "cyber,2024-09-01,beta-open,44.0,44.0,beta-open",
                      "cyber,2025-01-01,evil,36.0,44.0,beta-open"]
