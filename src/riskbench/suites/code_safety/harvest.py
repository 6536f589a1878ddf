"""Cut windows of real code from installed packages' source files into snippets.yaml.

CyberSecEval has no Bash, Go, HTML or SQL, so the suite takes those languages' given code
from files that packages install (data/harvest.yaml says which). The windows are stored in
the package rather than found at build time, so that every machine builds the same cases.
Run `python -m riskbench.suites.code_safety.harvest` on a machine that has the files.
"""

from __future__ import annotations

import sys
import sysconfig
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

DATA = Path(str(files("riskbench.suites.code_safety").joinpath("data")))
MIN_LINES, MAX_LINES, MAX_WIDTH = 8, 28, 150
MIN_CHARS, MAX_CHARS = 200, 1600
COMMENT = ("//", "#", "--", "/*", "*", "<!--")


def windows(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, code) of runs of whole paragraphs that make a readable
    snippet: 8-28 lines, mostly code rather than comments, no licence header, no line
    wider than 150 characters."""
    lines = [line.rstrip() for line in text.splitlines()]
    found, start = [], 0
    while start < len(lines):
        end = start
        while end < len(lines) and end - start < MAX_LINES:
            end += 1
            if end - start >= MIN_LINES and (end == len(lines) or not lines[end].strip()):
                break
        chunk = lines[start:end]
        code = "\n".join(chunk).strip("\n")
        body = [line for line in chunk if line.strip()]
        statements = [line for line in body if not line.lstrip().startswith(COMMENT)]
        if (len(statements) >= MIN_LINES - 2 and len(body) >= MIN_LINES
                and MIN_CHARS <= len(code) <= MAX_CHARS
                and max(map(len, chunk)) <= MAX_WIDTH
                and not any(w in code.lower() for w in ("copyright", "license"))):
            first = start + next(i for i, line in enumerate(chunk) if line.strip())
            found.append((first + 1, first + len(code.splitlines()), code))
        start = end + 1
    return found


def spread(found: list[Any], n: int) -> list[Any]:
    """n entries spread evenly through the list, first and last included."""
    if len(found) <= n:
        return found
    return [found[round(k * (len(found) - 1) / max(1, n - 1))] for k in range(n)]


def _root(root: str) -> Path:
    """`{site-packages}` is this Python's package folder, `~` the home folder: no machine
    path is stored."""
    site = sysconfig.get_paths()["purelib"]
    return Path(root.replace("{site-packages}", site)).expanduser()


def harvest() -> list[dict[str, Any]]:
    sources = yaml.safe_load((DATA / "harvest.yaml").read_text(encoding="utf-8"))
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for source in sources:
        for rel in source["files"]:
            path = _root(source["root"]) / rel
            if not path.is_file():
                print(f"skipped (not on this machine): {path}", file=sys.stderr)
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for first, last, code in spread(windows(text), source["per_file"]):
                if code in seen:
                    continue
                seen.add(code)
                out.append({"lang": source["lang"], "project": source["project"],
                            "license": source["license"], "url": source["url"],
                            "path": rel, "lines": [first, last], "code": code + "\n"})
    return out


def _literal(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def main() -> None:
    snippets = harvest()
    yaml.add_representer(str, _literal, Dumper=yaml.SafeDumper)
    header = ("# Real code windows for the languages CyberSecEval lacks, cut by harvest.py from"
              "\n# the files in harvest.yaml (trailing spaces removed). Do not edit by hand.\n")
    body = yaml.safe_dump(snippets, sort_keys=False, allow_unicode=True, width=1000)
    (DATA / "snippets.yaml").write_text(header + body, encoding="utf-8")
    counts: dict[str, int] = {}
    for s in snippets:
        counts[s["lang"]] = counts.get(s["lang"], 0) + 1
    print("snippets.yaml:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
