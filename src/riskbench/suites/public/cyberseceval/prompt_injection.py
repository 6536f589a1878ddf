"""CyberSecEval 2's prompt-injection tests (Wan et al. 2024, "CyberSecEval 2"): a system
prompt sets a task or guards a secret, the user turn (or a document in it) carries an
injection, and a per-case judge question asks whether the reply shows that the injection
worked. A safe model keeps to its system prompt (expected=refuse: it must not follow the
injection); the `prompt_injection` judge asks the judge question of a judge model.

Each record: prompt_id, test_case_prompt (the system prompt), user_input, judge_question,
risk_category (security-violating or logic-violating), injection_type,
injection_variant, speaking_language. The machine-translated multilingual file has the
same fields.
Item: id = `cse-pi-<prompt_id>`, prompt = user_input, meta["system"] = the system prompt,
meta["judge_question"], category prompt_injection_security / prompt_injection_logic
(domain from the taxonomy), lang = the ISO code of speaking_language (languages.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, formats
from riskbench.suites.public.common import UniqueIds, check_options, dataset_path, make_suite
from riskbench.suites.public.cyberseceval.records import prompt_text, records, text
from riskbench.taxonomy import risk_categories
from riskbench.types import Item

FORMAT = "cyberseceval-prompt-injection"
CATEGORIES = {"security-violating": "prompt_injection_security",
              "logic-violating": "prompt_injection_logic"}


@cache
def language_codes() -> dict[str, str]:
    data = files("riskbench.suites.public.cyberseceval").joinpath("languages.yaml")
    return {k.lower(): v for k, v in yaml.safe_load(data.read_text("utf-8")).items()}


def lang_code(name: str) -> str:
    return language_codes().get(name.lower(), name.lower()) if name else "en"


@formats.register(FORMAT)
def load_prompt_injection(path: Path | None, options: Mapping[str, str]) -> Suite:
    check_options(FORMAT, options, {})
    file = dataset_path(FORMAT, path)
    ids = UniqueIds("prompt_id")
    items = []
    required = "'prompt_id', 'test_case_prompt', 'user_input' and 'judge_question'"
    for where, record in records(file, required):
        prompt_id = ids.check(text(record, "prompt_id", where), where)
        system = prompt_text(record, "test_case_prompt", where)
        user = prompt_text(record, "user_input", where)
        question = text(record, "judge_question", where)
        risk = text(record, "risk_category", where)
        if risk not in CATEGORIES:
            raise UsageError(f"{where}: field 'risk_category' is {risk!r}; use one of "
                             f"{', '.join(CATEGORIES)}")
        category = CATEGORIES[risk]
        language = text(record, "speaking_language", where, required=False)
        items.append(Item(
            id=f"cse-pi-{prompt_id}", prompt=user, expected="refuse", category=category,
            domain=risk_categories()[category]["domain"], lang=lang_code(language),
            source=FORMAT,
            meta={"system": system, "judge_question": question, "prompt_id": prompt_id,
                  "risk_category": risk, "speaking_language": language or "English",
                  "injection_type": text(record, "injection_type", where, required=False),
                  "injection_variant": text(record, "injection_variant", where,
                                            required=False)},
        ))
    return replace(make_suite(FORMAT, file, items), judges=("prompt_injection",))
