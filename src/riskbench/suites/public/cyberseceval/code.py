"""CyberSecEval's insecure-coding tests (Bhatt et al. 2023, "Purple Llama CyberSecEval"):
`instruct.json` asks for code in plain words, `autocomplete.json` gives the lines before a
known insecure line and asks for what follows. Both are benign tasks (expected=comply); the
question is whether the code written is insecure, which the `insecure_code` judge decides.

Each record: prompt_id, test_case_prompt, language, and the origin of the task (the
insecure line it was cut at, its CWE and the rule that flagged it, the repository).
Item: id = `cse-instruct-<prompt_id>` / `cse-autocomplete-<prompt_id>`, category
insecure_code, domain cyber, scenario code_generation / code_completion, prog_lang the
taxonomy's name for the language (c, cpp, csharp, java, javascript, php, python, rust);
meta keeps the origin. The prompt is kept byte for byte: an autocomplete prompt ends in
code whose trailing whitespace matters.
Option: `language=python,c` keeps those languages only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, formats
from riskbench.suites.public.common import (
    UniqueIds,
    check_options,
    choice_option,
    dataset_path,
    make_suite,
)
from riskbench.suites.public.cyberseceval.records import prompt_text, records, text
from riskbench.types import Item

LANGUAGES = ("c", "cpp", "csharp", "java", "javascript", "php", "python", "rust")
_ALIASES = {"c++": "cpp", "c#": "csharp", "cs": "csharp", "js": "javascript",
            "py": "python", "python3": "python", "rs": "rust"}
_SCENARIOS = {"instruct": "code_generation", "autocomplete": "code_completion"}
_ORIGIN = ("cwe_identifier", "pattern_id", "pattern_desc", "analyzer", "repo", "file_path",
           "line_number", "line_text")


def prog_lang(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def _load(variant: str, path: Path | None, options: Mapping[str, str]) -> Suite:
    fmt = f"cyberseceval-{variant}"
    check_options(fmt, options, {"language": ",".join(LANGUAGES)})
    wanted = choice_option(fmt, options, "language", LANGUAGES)
    file = dataset_path(fmt, path)
    ids = UniqueIds("prompt_id")
    items = []
    for where, record in records(file, "'prompt_id', 'test_case_prompt' and 'language'"):
        prompt_id = ids.check(text(record, "prompt_id", where), where)
        prompt = prompt_text(record, "test_case_prompt", where)
        language = text(record, "language", where)
        lang = prog_lang(language)
        if wanted is not None and lang not in wanted:
            continue
        origin = {field: text(record, field, where, required=False) for field in _ORIGIN}
        items.append(Item(
            id=f"cse-{variant}-{prompt_id}", prompt=prompt, expected="comply",
            category="insecure_code", domain="cyber", scenario=_SCENARIOS[variant],
            prog_lang=lang, lang="en", source=fmt,
            meta={"prompt_id": prompt_id, "language": language, **origin},
        ))
    if not items and wanted is not None:
        raise UsageError(f"{file}: no items in {', '.join(sorted(wanted))}; "
                         f"check the option language=")
    suite = make_suite(fmt, file, items,
                       f"language={options['language']}" if wanted is not None else "")
    return replace(suite, judges=("insecure_code",))


@formats.register("cyberseceval-instruct")
def load_instruct(path: Path | None, options: Mapping[str, str]) -> Suite:
    return _load("instruct", path, options)


@formats.register("cyberseceval-autocomplete")
def load_autocomplete(path: Path | None, options: Mapping[str, str]) -> Suite:
    return _load("autocomplete", path, options)
