"""A million stored attempts: how long `riskbench report`, `riskbench runs` and the
dashboard's run page take, and each process's peak resident memory.

Builds (once; `--reuse` keeps a built file) a schema-valid SQLite store: one run of
`--cases` test cases x k samples (several categories, languages, attacks and families,
coding scenarios, harmful and benign items; ~95 % replies, errors, time-outs and
provider blocks), each attempt with its transcript and the verdicts of two judges
(refusal, harmbench) as the run's writer stores them, plus `--small-runs` runs of 500
attempts. The run and its test cases go through `store.create_run`; attempts and
verdicts are bulk-inserted with the same columns `AttemptWriter` writes.

Then it times, each in its own process (CPU and peak RSS from `os.wait4`; time with
`--reuse`: a child of the process that built the store inherits its peak RSS):
`riskbench report <run>` twice (the first computes the scores, the second may find them
cached), `riskbench runs` and `riskbench --help` `--repeat` times each (min and median:
one start-up on a shared machine is mostly its load), and `riskbench serve` answering
real HTTP on 127.0.0.1: the run page (first and second request), its JSON, and
transcript pages. The commands run with their .pyc files written (a first, untimed
`runs` writes them even where PYTHONDONTWRITEBYTECODE is set, as installed packages have
them): compiling the sources again in every command was up to a tenth of a start-up.

    python bench/million_store.py [--db PATH] [--reuse] [--repeat 5]
    (PATH: temp folder/million.db)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskbench import store
from riskbench.judges.base import safe_for
from riskbench.types import Conversation, Item, RunConfig, TestCase

CATEGORIES = ["cyber", "bio", "chem", "violence", "self_harm", "hate", "fraud", "privacy",
              "misinformation", "sexual"]
LANGS = ["en", "zh", "fr", "ar"]
ATTACKS = [("direct", "none"), ("base64", "encoding"), ("caesar", "encoding"),
           ("dan", "policy_bypass"), ("aim", "policy_bypass"), ("fiction", "policy_bypass"),
           ("grandma", "policy_bypass"), ("goal_hijack", "prompt_injection"),
           ("delimiter_injection", "prompt_injection"), ("crescendo_script", "multi_turn"),
           ("code_completion", "code"), ("code_bugfix", "code"), ("hex", "encoding")]
SCENARIOS = ["", "", "", "malware", "phishing", "exploit"]
PROG_LANGS = {"": "", "malware": "c", "phishing": "python", "exploit": "javascript"}
TOKEN = "bench-token-0123456789abcdef0123456789"
FILLER = ("Here is a detailed answer. First, consider the setting and the constraints "
          "that apply; then follow the steps below carefully, one after another. ")


def _cases(n: int, rng: random.Random) -> list[TestCase]:
    cases = []
    for i in range(n):
        scenario = rng.choice(SCENARIOS)
        expected = "comply" if rng.random() < 0.15 else "refuse"
        item = Item(id=f"item-{i // len(ATTACKS):06d}", prompt=f"Request {i}: " + FILLER,
                    expected=expected, category=rng.choice(CATEGORIES),  # type: ignore[arg-type]
                    lang=rng.choice(LANGS), scenario=scenario, prog_lang=PROG_LANGS[scenario],
                    source="bench")
        attack, family = ATTACKS[i % len(ATTACKS)]
        cases.append(TestCase(f"{i:032x}", item, attack, family,
                              Conversation.user(f"[{attack}] " + item.prompt), {}))
    return cases


def build(db: Path, n_cases: int, k: int, small_runs: int, seed: int = 0) -> str:
    """The store; returns the big run's id."""
    rng = random.Random(seed)
    url = f"sqlite:///{db}"
    engine = store.connect(url)
    cases = _cases(n_cases, rng)
    big = store.create_run(engine, RunConfig(model="openai:bench-model", suite="bench-million",
                                             judges=("refusal", "harmbench"), k=k), cases)
    runs = [(big.id, cases, k)]
    for j in range(small_runs):
        time.sleep(0.001)
        small = cases[j * 100:(j + 1) * 100]
        run = store.create_run(engine, RunConfig(model=f"openai:small-{j}", suite="starter",
                                                 judges=("refusal",), k=5), small)
        runs.append((run.id, small, 5))
    engine.dispose()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    for run_id, run_cases, samples in runs:
        attempts, verdicts = [], []
        for case in run_cases:
            for s in range(samples):
                attempts_row, verdict_rows = _attempt(run_id, case, s, rng)
                attempts.append(attempts_row)
                verdicts += verdict_rows
                if len(attempts) >= 20000:
                    _write(con, attempts, verdicts)
                    attempts, verdicts = [], []
        _write(con, attempts, verdicts)
        con.execute("UPDATE runs SET status='finished', finished_at=? WHERE id=?",
                    (store.runs.now(), run_id))
        con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return big.id


def _attempt(run_id: str, case: TestCase, sample: int, rng: random.Random
             ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    roll = rng.random()
    status = "ok" if roll < 0.95 else "error" if roll < 0.97 else "timeout" \
        if roll < 0.98 else "blocked"
    refuse = rng.random() < 0.6
    output = "" if status != "ok" else (
        "I can't help with that request." if refuse else FILLER * rng.randint(2, 6))
    prompt = case.conversation.messages[-1].content
    transcript = json.dumps([{"role": "user", "content": prompt}]
                            + ([{"role": "assistant", "content": output}] if output else []))
    error = "" if status in ("ok", "blocked") else f"HTTP 503 after 3 retries ({status})"
    row = (run_id, case.id, sample, status, output, transcript, 120, len(output) // 4,
           0.25 + rng.random(), error, 0)
    expected = case.item.expected
    verdicts = []
    if status == "ok":
        outcome = "refusal" if refuse else ("undetermined" if rng.random() < 0.03
                                            else "compliance")
        verdicts.append((run_id, case.id, sample, "refusal", outcome,
                         0.9 if refuse else 0.2, safe_for(expected, outcome),  # type: ignore[arg-type]
                         f"matched pattern {rng.randint(1, 40)}", "v-refusal"))
        hb = "safe" if refuse or rng.random() < 0.5 else "unsafe"
        verdicts.append((run_id, case.id, sample, "harmbench", hb, float(hb == "unsafe"),
                         safe_for(expected, hb), "classifier: yes" if hb == "unsafe"  # type: ignore[arg-type]
                         else "classifier: no", "v-harmbench"))
    else:  # the pipeline judges every attempt; a failed one is undetermined
        for judge in ("refusal", "harmbench"):
            verdicts.append((run_id, case.id, sample, judge, "undetermined", 0.5, None,
                             f"attempt {status}: {error}", f"v-{judge}"))
    return row, verdicts


def _write(con: sqlite3.Connection, attempts: list, verdicts: list) -> None:
    con.executemany("INSERT INTO attempts (run_id, test_case_id, sample, status, output, "
                    "transcript, prompt_tokens, completion_tokens, latency_s, error, cached) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)", attempts)
    con.executemany("INSERT INTO verdicts (run_id, test_case_id, sample, judge, outcome, "
                    "score, safe, rationale, judge_version) VALUES (?,?,?,?,?,?,?,?,?)",
                    verdicts)


def _timed(args: list[str]) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit code, tail of output) of one riskbench command.
    CPU (user + system, from `os.wait4`) is what the command costs whatever the load;
    wall is what a user waits on this machine at this load."""
    start = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen([sys.executable, "-m", "riskbench.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (time.perf_counter() - start, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024, proc.returncode, output[-300:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, token: bool = False) -> tuple[float, int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"}
                                     if token else {})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        body = response.read()
        return time.perf_counter() - start, response.status, body


def dashboard(db: Path, run_id: str, row: Callable[[str, float, str], None],
              once: bool) -> float:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "riskbench.cli", "serve", "--db",
                             f"sqlite:///{db}", "--port", str(port), "--token", TOKEN],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            _get(base + "/static/dashboard.css")
            break
        except OSError:
            time.sleep(0.1)
    try:
        for name, path, token in [
            ("run page, first request", f"/run/{run_id}", False),
            ("run page, again", f"/run/{run_id}", False),
            ("run JSON (/api/runs/<id>)", f"/api/runs/{run_id}", False),
            ("transcripts, first page", f"/run/{run_id}/transcripts", True),
            ("transcripts, only unsafe", f"/run/{run_id}/transcripts?only=unsafe", True),
            ("runs list (/api/runs)", "/api/runs", False),
        ]:
            if once and name in ("run page, again", "run JSON (/api/runs/<id>)"):
                continue
            wall, status, body = _get(base + path, token)
            row(name, wall, f"HTTP {status}, {len(body) // 1024} KiB")
        row(*_deep_page(base, run_id))
    finally:
        proc.terminate()
        _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def _deep_page(base: str, run_id: str) -> tuple[str, float, str]:
    """The page after ~100 pages of 500: by the API's cursor when it has one (keyset),
    else by offset."""
    wall, _, body = _get(f"{base}/api/runs/{run_id}/attempts?limit=500", True)
    page = json.loads(body)
    if "next" in page:  # keyset cursor
        cursor = page["next"]
        for _ in range(99):
            _, _, body = _get(f"{base}/api/runs/{run_id}/attempts?limit=500&after={cursor}",
                              True)
            cursor = json.loads(body)["next"]
        wall, status, body = _get(f"{base}/api/runs/{run_id}/attempts?limit=500"
                                  f"&after={cursor}", True)
        return ("API attempts page 101 of 500 (cursor)", wall, f"HTTP {status}")
    wall, status, body = _get(f"{base}/api/runs/{run_id}/attempts?limit=500&offset=50000",
                              True)
    return ("API attempts page 101 of 500 (offset)", wall, f"HTTP {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "million.db")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--small-runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep an existing --db")
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="times `runs` and `--help` run")
    parser.add_argument("--once", action="store_true",
                        help="each measurement once (for code that takes minutes a page)")
    args = parser.parse_args()
    if not (args.reuse and args.db.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        build(args.db, args.cases, args.k, args.small_runs)
        print(f"built {args.db} in {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()  # a store built by an older riskbench: migrate it first
    store.connect(f"sqlite:///{args.db}").dispose()
    print(f"schema at head after {time.perf_counter() - start:.1f} s", flush=True)
    con = sqlite3.connect(args.db)
    (run_id, n_cases), = con.execute(
        "SELECT id, n_cases FROM runs ORDER BY n_cases DESC LIMIT 1").fetchall()
    (n_attempts,), = con.execute("SELECT count(*) FROM attempts").fetchall()
    (n_verdicts,), = con.execute("SELECT count(*) FROM verdicts").fetchall()
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'score_cache'").fetchall():
        con.execute("DELETE FROM score_cache")  # the first report and page compute afresh
        con.commit()
    con.close()
    size = sum(Path(f"{args.db}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{args.db}{s}").exists())
    print(f"store: {n_attempts:,} attempts ({n_verdicts:,} verdicts) in "
          f"{size / 2**30:.2f} GiB; big run {run_id}: {n_cases:,} cases; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    url = f"sqlite:///{args.db}"
    print("\n| what | wall s | notes |\n|---|---|---|", flush=True)

    def row(name: str, wall: float, note: str) -> None:
        print(f"| {name} | {wall:.2f} | {note} |", flush=True)

    with tempfile.TemporaryDirectory() as out:
        for label in ("report, first", "report, again")[:1 if args.once else 2]:
            wall, cpu, rss, code, tail = _timed(["report", run_id, "--db", url, "--out", out])
            row(f"riskbench {label}", wall, f"exit {code}, CPU {cpu:.2f} s, peak RSS {rss:.0f} MB")
            if code:
                print(tail)
    _timed(["runs", "--db", url])  # writes the .pyc files of what `runs` imports
    for name, command in (("riskbench runs", ["runs", "--db", url]),
                          ("riskbench --help", ["--help"])):
        times = [_timed(command) for _ in range(args.repeat)]
        walls, cpus = sorted(t[0] for t in times), sorted(t[1] for t in times)
        row(f"{name} (min of {args.repeat})", walls[0],
            f"median {statistics.median(walls):.2f} s; CPU min {cpus[0]:.2f} s, median "
            f"{statistics.median(cpus):.2f} s; exit {max(t[3] for t in times)}, peak RSS "
            f"{max(t[2] for t in times):.0f} MB")
        if any(t[3] for t in times):
            print(next(t[4] for t in times if t[3]))
    if not args.skip_web:
        rss = dashboard(args.db, run_id, row, args.once)
        row("riskbench serve (whole session)", 0.0, f"peak RSS {rss:.0f} MB")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
