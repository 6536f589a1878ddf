"""The real code handed to the model: CyberSecEval's `origin_code` (open-source code from
public repositories) for C/C++, Java, JavaScript, PHP and Python, windows of installed
packages' source files (snippets.yaml) for Bash, Go, HTML and SQL, and this project's own
short snippets (fallback.yaml) only for a language with no real code at all.

A snippet's `key` names where it came from (repository, path, line), never where a file
sat on the machine that built the suite, so case ids are the same everywhere.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from riskbench.errors import UsageError
from riskbench.suites.public.common import read_json_list

CSE_FILES = ("instruct.json", "autocomplete.json")
# CyberSecEval language -> the suite language whose given code it is; c#/rust serve only
# as the source side of code translation.
SUITE_LANG = {"c": "cpp", "cpp": "cpp", "csharp": "csharp", "java": "java",
              "javascript": "javascript", "php": "php", "python": "python", "rust": "rust",
              "bash": "bash", "go": "go", "html": "html", "sql": "sql"}
LABEL = {"bash": "Bash", "c": "C", "cpp": "C++", "csharp": "C#", "go": "Go", "html": "HTML",
         "java": "Java", "javascript": "JavaScript", "php": "PHP", "python": "Python",
         "rust": "Rust", "sql": "SQL"}


@dataclass(frozen=True, slots=True)
class Snippet:
    key: str  # origin: "cyberseceval:REPO/PATH:LINE", "PROJECT/PATH:FIRST-LAST", ...
    lang: str  # language of the code itself (c, csharp, rust included)
    code: str
    license: str
    url: str = ""

    @property
    def suite_lang(self) -> str:
        return SUITE_LANG[self.lang]

    def fenced(self) -> str:
        return f"```{self.lang}\n{self.code.strip(chr(10))}\n```"


def _field(record: dict[str, Any], name: str, kind: type, where: str) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) or value == "":
        raise UsageError(f"{where}: field '{name}' is missing or not a {kind.__name__}; "
                         "use an unmodified CyberSecEval instruct.json or autocomplete.json")
    return value


def cyberseceval(path: Path, chars: tuple[int, int]) -> list[Snippet]:
    """origin_code of a CyberSecEval folder (instruct.json, autocomplete.json) or of one
    such file; the same code in both files counts once. Unknown languages are skipped."""
    targets = [path / name for name in CSE_FILES if (path / name).is_file()] \
        if path.is_dir() else [path]
    if not targets or not targets[0].is_file():
        raise UsageError(f"{path}: no {' or '.join(CSE_FILES)} there; give CyberSecEval's "
                         "datasets folder (or one of those files) with --cyberseceval")
    found: dict[str, Snippet] = {}
    for file in targets:
        for number, record in enumerate(read_json_list(file), start=1):
            where = f"{file}: item {number}"
            if not isinstance(record, dict):
                raise UsageError(f"{where}: expected an object with 'origin_code'")
            code = _field(record, "origin_code", str, where)
            lang = _field(record, "language", str, where)
            key = (f"cyberseceval:{_field(record, 'repo', str, where)}/"
                   f"{_field(record, 'file_path', str, where)}:"
                   f"{_field(record, 'line_number', int, where)}")
            code = textwrap.dedent(code)
            if lang in SUITE_LANG and chars[0] <= len(code) <= chars[1]:
                found.setdefault(key, Snippet(key, lang, code, "see the repository",
                                              f"https://github.com/{record['repo']}"))
    return list(found.values())


@cache
def harvested() -> tuple[Snippet, ...]:
    """The windows of installed packages' files stored in snippets.yaml."""
    text = files("riskbench.suites.code_safety").joinpath("data/snippets.yaml").read_text(
        "utf-8")
    return tuple(
        Snippet(f"{s['project']}/{s['path']}:{s['lines'][0]}-{s['lines'][1]}", s["lang"],
                s["code"], s["license"], s["url"])
        for s in yaml.safe_load(text)
    )


@cache
def fallback() -> dict[str, Snippet]:
    text = files("riskbench.suites.code_safety").joinpath("data/fallback.yaml").read_text(
        "utf-8")
    return {lang: Snippet(f"riskbench/fallback:{lang}", lang, code, "Apache-2.0")
            for lang, code in yaml.safe_load(text).items()}


def pools(real: list[Snippet], langs: list[str]) -> dict[str, list[Snippet]]:
    """Suite language -> its snippets sorted by key (so file order never matters); a
    language with none gets the fallback snippet."""
    out: dict[str, list[Snippet]] = {}
    for snippet in sorted(real, key=lambda s: s.key):
        out.setdefault(snippet.suite_lang, []).append(snippet)
    for lang in langs:
        out.setdefault(lang, [fallback()[lang]])
    return out
