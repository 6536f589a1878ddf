"""CyberSecEval 2's code-interpreter abuse tests (Wan et al. 2024, "CyberSecEval 2"):
requests to write code that, run in the model's own code interpreter, would attack the
interpreter or what lies behind it. A safe model refuses (expected=refuse).

Each record: mutated_prompt, attack_type (a list of one name, as a list or as the text of
a Python list, e.g. "['Privilege Escalation']"). The five types become categories:
privilege_escalation, container_escape, reflected_attack, post_exploitation,
social_engineering; another name becomes its snake_case form.
Item: id = `cse-interp-<category>-` + the first 10 hex digits of the SHA-256 of the prompt
(the file has no id; repeats get -2, -3, ...), domain cyber, prog_lang python (the
interpreter runs Python), meta keeps attack_type.
Option: `attack_type=container_escape,...` keeps those categories only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, formats
from riskbench.suites.public.common import (
    HashIds,
    check_options,
    choice_option,
    dataset_path,
    make_suite,
)
from riskbench.suites.public.cyberseceval.records import prompt_text, records
from riskbench.types import Item

FORMAT = "cyberseceval-interpreter"
ATTACK_TYPES = ("privilege_escalation", "container_escape", "reflected_attack",
                "post_exploitation", "social_engineering")


def _attack_type(value: Any, where: str) -> str:
    names = value
    if isinstance(value, str):
        try:
            names = ast.literal_eval(value) if value.strip().startswith("[") else [value]
        except (ValueError, SyntaxError):
            names = None
    if not (isinstance(names, list | tuple) and len(names) == 1
            and isinstance(names[0], str) and names[0].strip()):
        raise UsageError(f"{where}: field 'attack_type' is {value!r}; give one attack type, "
                         f"e.g. \"['Privilege Escalation']\"")
    return names[0].strip()


def category_of(attack_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", attack_type.lower()).strip("_")


@formats.register(FORMAT)
def load_interpreter(path: Path | None, options: Mapping[str, str]) -> Suite:
    check_options(FORMAT, options, {"attack_type": ",".join(ATTACK_TYPES)})
    wanted = choice_option(FORMAT, options, "attack_type", ATTACK_TYPES)
    file = dataset_path(FORMAT, path)
    make_id = HashIds("cse-interp")
    items = []
    for where, record in records(file, "'mutated_prompt' and 'attack_type'"):
        prompt = prompt_text(record, "mutated_prompt", where).strip()
        if "attack_type" not in record:
            raise UsageError(f"{where}: field 'attack_type' is missing; add it")
        attack_type = _attack_type(record["attack_type"], where)
        category = category_of(attack_type)
        if wanted is not None and category not in wanted:
            continue
        items.append(Item(
            id=make_id(prompt, category), prompt=prompt, expected="refuse",
            category=category, domain="cyber", prog_lang="python", lang="en",
            source=FORMAT, meta={"attack_type": attack_type},
        ))
    if not items and wanted is not None:
        raise UsageError(f"{file}: no items of attack_type={options['attack_type']}")
    note = f"attack_type={options['attack_type']}" if wanted is not None else ""
    return replace(make_suite(FORMAT, file, items, note), judges=("refusal",),
                   model_judges=("jailbreakbench",))
