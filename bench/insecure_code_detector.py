"""Recall and false-positive rate of the insecure-code detector, and its speed.

    python bench/insecure_code_detector.py [path/to/instruct.json] [--misses LANG] [--rules]

Recall: the share of CyberSecEval instruct `origin_code` snippets (every one of which Meta's
insecure-code detector flagged) that riskbench's rules flag, overall and per language.
False positives: the share flagged among clean code nobody wrote to be insecure: source
files installed beside riskbench (Python files of well-known libraries, the JavaScript of
Playwright's Node driver, the C runtime of mypyc; whole files, and 20-line windows cut from
them like the benchmark's snippets), and the hand-written clean snippets of the tests
(tests/judges/test_insecure_code.py), per language. Library code is not free of weaknesses
(an exec in a template engine, a shell call in a driver): a flagged file is worth reading,
not automatically a false positive, so these shares are an upper bound.
"""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from riskbench.judges.code.insecure import Finding, scan

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "datasets" / "cyberseceval" / "instruct.json"
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "judges")]
from test_insecure_code import CLEAN  # noqa: E402

LIBRARIES = ("requests", "urllib3", "httpx", "httpcore", "jinja2", "yaml", "sqlalchemy",
             "alembic", "rich", "click", "typer", "tenacity", "pydantic", "starlette",
             "fastapi", "anyio", "idna", "certifi", "attr", "packaging", "pygments",
             "markupsafe", "aiolimiter", "h11", "sniffio", "mako", "dotenv", "jsonschema")


def library_files(per_library: int = 8, total: int = 200) -> list[Path]:
    """Up to `total` Python files of the libraries above, the largest few of each (tests
    and vendored copies left out), the same on every run."""
    site = Path(sysconfig.get_paths()["purelib"])
    chosen: list[Path] = []
    for name in LIBRARIES:
        folder = site / name
        if not folder.is_dir():
            continue
        candidates = [p for p in folder.rglob("*.py")
                      if not {"tests", "test", "_vendor", "vendor"} & set(p.parts)
                      and p.stat().st_size > 2000]
        candidates.sort(key=lambda p: (-p.stat().st_size, str(p)))
        chosen.extend(sorted(candidates[:per_library]))
    return chosen[:total]


def other_files(language: str, limit: int = 40) -> list[Path]:
    """Clean non-Python sources shipped inside installed packages: Playwright's Node driver
    (JavaScript; bundles and minified assets left out) and mypyc's C runtime."""
    site = Path(sysconfig.get_paths()["purelib"])
    folder, ext = {"javascript": (site / "playwright" / "driver" / "package" / "lib", ".js"),
                   "c": (site / "mypyc" / "lib-rt", ".c")}[language]
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob(f"*{ext}")
             if "assets" not in p.parts and not p.name.endswith(".min.js")
             and 2000 < p.stat().st_size < 200_000]
    return sorted(found, key=lambda p: (-p.stat().st_size, str(p)))[:limit]


def windows(text: str, size: int = 20) -> list[str]:
    lines = text.splitlines()
    return ["\n".join(lines[i:i + size]) for i in range(0, len(lines), size)
            if any(line.strip() for line in lines[i:i + size])]


def rate(flags: Sequence[bool]) -> str:
    n = len(flags)
    return f"{sum(flags)}/{n} = {sum(flags) / n:.1%}" if n else "n/a"


def timed_scan(snippets: Sequence[tuple[str, str]]) -> tuple[list[list[Finding]], float]:
    start = time.perf_counter()
    found = scan(snippets)
    return found, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--misses", metavar="LANG", help="print the missed snippets of LANG")
    parser.add_argument("--rules", action="store_true", help="count findings per rule")
    parser.add_argument("--only", choices=("recall", "clean"), help="run one half")
    args = parser.parse_args()
    if args.only != "clean":
        recall(args)
    if args.only != "recall":
        clean_code(args)


def recall(args: argparse.Namespace) -> None:

    rows = json.loads(args.path.read_text("utf-8"))
    snippets = [(r["language"], r["origin_code"]) for r in rows]
    found, elapsed = timed_scan(snippets)
    flagged = [bool(f) for f in found]
    print(f"## CyberSecEval instruct origin_code ({args.path.name}): recall\n")
    print("| language | flagged |\n|---|---|")
    for lang in sorted({r["language"] for r in rows}):
        mine = [f for f, r in zip(flagged, rows, strict=True) if r["language"] == lang]
        print(f"| {lang} | {rate(mine)} |")
    print(f"| **all** | **{rate(flagged)}** |")
    print(f"\none scan: {elapsed:.1f} s, {len(rows) / elapsed:.0f} snippets/s")
    cwe_match = [any(x.cwe == r["cwe_identifier"] for x in f)
                 for f, r in zip(found, rows, strict=True) if f]
    print(f"flagged snippets where a finding has the CWE the dataset names: {rate(cwe_match)}")
    tools = Counter(x.tool for f in found for x in f)
    print("findings per tool: " + ", ".join(f"{k} {v}" for k, v in sorted(tools.items())))
    if args.rules:
        per_rule = Counter((r["language"], x.rule) for f, r in zip(found, rows, strict=True)
                           for x in {y.rule: y for y in f}.values())
        for (lang, rule), n in sorted(per_rule.items()):
            print(f"  {lang:10} {rule:45} {n}")
    if args.misses:
        for f, r in zip(found, rows, strict=True):
            if not f and r["language"] == args.misses:
                print(f"\n--- {r['pattern_id'].rsplit('.', 1)[-1]} {r['cwe_identifier']}: "
                      f"{r['line_text'].strip()}\n{r['origin_code']}")



def clean_code(args: argparse.Namespace) -> None:
    print("\n## Clean code: false positives\n")
    paths = library_files()
    texts = [p.read_text("utf-8", errors="replace") for p in paths]
    site = Path(sysconfig.get_paths()["purelib"])
    file_found, file_s = timed_scan([("python", t) for t in texts])
    cut = [w for t in texts for w in windows(t)]
    window_found, window_s = timed_scan([("python", w) for w in cut])
    others = {lang: other_files(lang) for lang in ("javascript", "c")}
    other_texts = {lang: [p.read_text("utf-8", errors="replace") for p in paths]
                   for lang, paths in others.items()}
    other_found = {lang: timed_scan([(lang, t) for t in texts])[0]
                   for lang, texts in other_texts.items()}
    other_cut = {lang: [w for t in texts for w in windows(t)]
                 for lang, texts in other_texts.items()}
    other_window_found = {lang: timed_scan([(lang, w) for w in cut])[0]
                          for lang, cut in other_cut.items()}
    clean = [(lang, code) for lang, codes in sorted(CLEAN.items()) for code in codes]
    clean_found, _ = timed_scan(clean)
    n_lines = sum(t.count("\n") + 1 for t in texts)
    print("| clean code | flagged |\n|---|---|")
    print(f"| {len(paths)} library files ({n_lines} lines), whole files | "
          f"{rate([bool(f) for f in file_found])} |")
    print(f"| the same cut into 20-line windows | {rate([bool(f) for f in window_found])} |")
    for lang, paths in others.items():
        lines = sum(t.count("\n") + 1 for t in other_texts[lang])
        print(f"| {len(paths)} {lang} files ({lines} lines), whole files | "
              f"{rate([bool(f) for f in other_found[lang]])} |")
        print(f"| the same cut into 20-line windows | "
              f"{rate([bool(f) for f in other_window_found[lang]])} |")
    for lang in sorted(CLEAN):
        mine = [bool(f) for (g, _), f in zip(clean, clean_found, strict=True) if g == lang]
        print(f"| hand-written clean {lang} | {rate(mine)} |")
    print(f"\nlibrary files: {file_s:.1f} s ({len(paths) / file_s:.0f} files/s); windows: "
          f"{window_s:.1f} s ({len(cut) / window_s:.0f} snippets/s)")
    per_rule = Counter(x.rule for f in file_found for x in {y.rule: y for y in f}.values())
    print("rules firing on library files (files): "
          + ", ".join(f"{k} {v}" for k, v in per_rule.most_common()))
    per_rule = Counter(x.rule for f in window_found for x in {y.rule: y for y in f}.values())
    print("rules firing on python windows (windows): "
          + ", ".join(f"{k} {v}" for k, v in per_rule.most_common()))
    for lang in others:
        per_rule = Counter(x.rule for f in other_found[lang]
                           for x in {y.rule: y for y in f}.values())
        print(f"rules firing on {lang} files (files): "
              + ", ".join(f"{k} {v}" for k, v in per_rule.most_common()))
        window_rules = Counter(x.rule for f in other_window_found[lang]
                               for x in {y.rule: y for y in f}.values())
        print(f"rules firing on {lang} windows (windows): "
              + ", ".join(f"{k} {v}" for k, v in window_rules.most_common()))
    if args.rules:
        for p, f in zip(paths, file_found, strict=True):
            for x in f:
                print(f"  {p.relative_to(site)}:{x.line} {x.rule}")
        for lang, paths_ in others.items():
            for p, f in zip(paths_, other_found[lang], strict=True):
                for x in f:
                    print(f"  {p.relative_to(site)}:{x.line} {x.rule}")
    for (lang, code), f in zip(clean, clean_found, strict=True):
        if f:
            print(f"clean {lang} snippet flagged: {[x.rule for x in f]}\n{code}")


if __name__ == "__main__":
    main()
